/**
 * The object store: the one shared state of the simulated cluster. Controllers, the scenario
 * timeline and the HTTP server all read and write Kubernetes-shaped objects here, exactly as they
 * would through kube-apiserver: uid, resourceVersion, generation, creationTimestamp, generateName,
 * ownerReferences with garbage collection, finalizers, graceful deletion, label/field selectors and
 * watch.
 *
 * Objects handed out by `get`/`list` are the stored ones and must be treated as read-only; writers
 * pass a new object to `update` (see `mutate` for the usual read-modify-write).
 */
import type { Clock } from "../core/clock.js";
import { Selector, parseSelector, type LabelSelector, fromLabelSelector } from "../core/labels.js";
import type { Rng } from "../core/rng.js";
import { alreadyExists, badRequest, conflict, invalid, notFound, type FieldError } from "./errors.js";
import { kindInfo, type KindInfo } from "./kinds.js";
import { objectKey, type KubeObject } from "./meta.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
  /** The previous state (MODIFIED and DELETED). */
  old?: T;
}

export type WatchHandler<T extends KubeObject = KubeObject> = (ev: WatchEvent<T>) => void;

export interface ListOptions {
  namespace?: string;
  labelSelector?: Selector | LabelSelector | string;
  /** `spec.nodeName=node-1,status.phase!=Failed` — dotted paths compared as strings. */
  fieldSelector?: string;
}

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  /** Reject the delete if the stored object's resourceVersion differs. */
  resourceVersion?: string;
}

export interface CreateOptions {
  /**
   * The store takes `input` as it is instead of a deep copy: for objects the caller has just built
   * and never touches again (a controller's new pod, an Event). Saves the clone and its copies of
   * every string.
   */
  owned?: boolean;
}

export interface UpdateOptions {
  /** `status` keeps the stored spec; a main-resource update keeps the stored status. */
  subresource?: "status";
}

/** Per-kind hooks run on writes, the way admission plugins and REST strategies do in kube-apiserver. */
export interface KindStrategy {
  /** Fill defaults in place (called on create and update, before validation). */
  defaults?(obj: KubeObject, ctx: AdmissionContext): void;
  /** Return field errors; any error rejects the write with 422 Invalid. */
  validate?(obj: KubeObject, old: KubeObject | undefined, ctx: AdmissionContext): FieldError[];
  /** Seconds of graceful deletion to apply (0 = remove at once). Default 0. */
  gracePeriodSeconds?(obj: KubeObject, requested: number | undefined): number;
}

export interface AdmissionContext {
  store: Store;
  now: number;
}

interface KindTable {
  info: KindInfo | undefined;
  objects: Map<string, KubeObject>;
  /** "key=value" → object keys, for label-selector lists. */
  labelIndex: Map<string, Set<string>>;
  /** "key=value" → the bucket's object keys sorted (built on demand, dropped when the bucket changes). */
  labelSorted: Map<string, string[]>;
}


export class Store {
  private tables = new Map<string, KindTable>();
  private watchers = new Map<string, Set<WatchHandler<any>>>();
  private allWatchers = new Set<WatchHandler<any>>();
  private strategies = new Map<string, KindStrategy>();
  /** owner uid → dependents as [kind, key]. */
  private dependents = new Map<string, Map<string, [string, string]>>();
  private rv = 0;
  private readonly uidPrefix: string;

  constructor(
    readonly clock: Clock,
    private readonly rng: Rng,
  ) {
    this.uidPrefix = rng.nextUint32().toString(16).padStart(8, "0");
  }

  /** Current resourceVersion of the whole store (etcd revision). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  registerStrategy(kind: string, strategy: KindStrategy): void {
    const prev = this.strategies.get(kind) ?? {};
    this.strategies.set(kind, { ...prev, ...strategy });
  }

  strategy(kind: string): KindStrategy | undefined {
    return this.strategies.get(kind);
  }

  kinds(): string[] {
    return [...this.tables.keys()];
  }

  // ---------------------------------------------------------------- reads

  get<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string): T | undefined {
    const t = this.tables.get(kind);
    return t?.objects.get(objectKey(this.ns(kind, namespace), name)) as T | undefined;
  }

  /**
   * `get` by the object's key as `objectKey` spells it (`namespace/name`, or `name` when cluster-scoped):
   * for callers that already hold the key string, so no key is built and hashed per call.
   */
  getByKey<T extends KubeObject = KubeObject>(kind: string, key: string): T | undefined {
    return this.tables.get(kind)?.objects.get(key) as T | undefined;
  }

  /** Like `get`, but throws NotFound like kube-apiserver. */
  read<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string): T {
    const o = this.get<T>(kind, namespace, name);
    if (!o) throw notFound(kind, name);
    return o;
  }

  count(kind: string): number {
    return this.tables.get(kind)?.objects.size ?? 0;
  }

  list<T extends KubeObject = KubeObject>(kind: string, opts: ListOptions = {}): T[] {
    const t = this.tables.get(kind);
    if (!t) return [];
    const sel = toSelector(opts.labelSelector);
    const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined;
    const ns = opts.namespace && t.info?.namespaced !== false ? opts.namespace : undefined;
    const out: T[] = [];
    const push = (o: KubeObject) => {
      if (ns !== undefined && o.metadata.namespace !== ns) return;
      if (!sel.matches(o.metadata.labels)) return;
      if (fields && !fields(o)) return;
      out.push(o as T);
    };
    if (sel.matchesNothing) return out;
    // Narrow by the rarest equality requirement through the label index.
    let best: Set<string> | undefined;
    let bestKey = "";
    for (const [k, v] of sel.equalities()) {
      const ik = `${k}=${v}`;
      const s = t.labelIndex.get(ik);
      if (!s) return out;
      if (!best || s.size < best.size) {
        best = s;
        bestKey = ik;
      }
    }
    if (best) {
      let keys = t.labelSorted.get(bestKey);
      if (!keys) t.labelSorted.set(bestKey, (keys = [...best].sort()));
      for (const key of keys) push(t.objects.get(key)!);
    } else {
      for (const o of t.objects.values()) push(o);
    }
    return out;
  }

  /** Objects that list `ownerUid` in their ownerReferences. */
  dependentsOf(ownerUid: string): KubeObject[] {
    const deps = this.dependents.get(ownerUid);
    if (!deps) return [];
    const out: KubeObject[] = [];
    for (const [kind, key] of deps.values()) {
      const o = this.tables.get(kind)?.objects.get(key);
      if (o) out.push(o);
    }
    return out;
  }

  // ---------------------------------------------------------------- writes

  create<T extends KubeObject>(input: T, opts: CreateOptions = {}): T {
    const kind = input.kind;
    const info = kindInfo(kind);
    const named = !!input.metadata?.name;
    const obj = opts.owned ? input : (structuredClone(input) as T);
    obj.metadata = obj.metadata ?? {};
    const meta = obj.metadata;
    if (info && !info.namespaced) delete meta.namespace;
    else if (info?.namespaced && !meta.namespace) meta.namespace = "default";
    if (!meta.name && meta.generateName) meta.name = meta.generateName + this.rng.suffix(5);
    if (!meta.name) {
      throw invalid(kind, "", [{ type: "Required", field: "metadata.name", detail: "name or generateName is required" }]);
    }
    const t = this.table(kind);
    const key = objectKey(meta.namespace, meta.name);
    if (t.objects.has(key)) {
      if (meta.generateName && !named) {
        // Retry with another suffix, as the generateName REST strategy does on collision.
        if (opts.owned) {
          delete meta.name;
          return this.create(input, opts);
        }
        return this.create({ ...input, metadata: { ...input.metadata } });
      }
      throw alreadyExists(kind, meta.name);
    }
    const strat = this.strategies.get(kind);
    const ctx: AdmissionContext = { store: this, now: this.clock.now() };
    // The uid is set before the strategy runs, as rest.FillObjectMetaSystemFields does: the Job
    // strategy builds its generated selector from it.
    meta.uid = this.newUid();
    strat?.defaults?.(obj, ctx);
    const errs = strat?.validate?.(obj, undefined, ctx) ?? [];
    if (errs.length > 0) throw invalid(kind, meta.name, errs);
    this.uids.set(meta.uid, key);
    meta.creationTimestamp = this.clock.iso();
    if (info?.generation !== false) meta.generation = 1;
    delete meta.deletionTimestamp;
    meta.resourceVersion = String(++this.rv);
    t.objects.set(key, obj);
    this.indexLabels(t, key, undefined, meta.labels);
    this.indexOwners(kind, key, undefined, obj);
    this.emit(kind, { type: "ADDED", object: obj });
    return obj;
  }

  /**
   * Replace an object. If `obj.metadata.resourceVersion` is set and stale → 409 Conflict.
   * Spec changes bump `metadata.generation` for kinds that track it.
   */
  update<T extends KubeObject>(input: T, opts: UpdateOptions = {}): T {
    const kind = input.kind;
    const name = input.metadata?.name;
    if (!name) throw badRequest("name is required");
    const t = this.table(kind);
    const key = objectKey(this.ns(kind, input.metadata.namespace), name);
    const old = t.objects.get(key) as T | undefined;
    if (!old) throw notFound(kind, name);
    const reqRv = input.metadata.resourceVersion;
    if (reqRv !== undefined && reqRv !== "" && reqRv !== old.metadata.resourceVersion) throw conflict(kind, name);
    const obj = { ...input, metadata: { ...input.metadata } } as T;
    const meta = obj.metadata;
    // Fields the server owns.
    meta.namespace = old.metadata.namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) {
      meta.deletionTimestamp = old.metadata.deletionTimestamp;
      meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (opts.subresource === "status") {
      if (old.spec !== undefined) obj.spec = old.spec;
      // metav1.ResetObjectMetaForStatus: a status write cannot change these.
      meta.labels = old.metadata.labels;
      meta.annotations = old.metadata.annotations;
      meta.generation = old.metadata.generation;
      meta.finalizers = old.metadata.finalizers;
      meta.ownerReferences = old.metadata.ownerReferences;
    } else if ("status" in old && kindInfo(kind)?.generation !== false) {
      // Main-resource writes cannot change status for kinds with a status subresource.
      obj.status = old.status;
    }
    const info = kindInfo(kind);
    const strat = this.strategies.get(kind);
    const ctx: AdmissionContext = { store: this, now: this.clock.now() };
    strat?.defaults?.(obj, ctx);
    // Compared after defaulting (kube-apiserver defaults on decode), ignoring key order.
    if (info?.generation !== false && opts.subresource !== "status") {
      meta.generation = old.metadata.generation ?? 1;
      if (!deepEqual(old.spec, obj.spec)) meta.generation = (old.metadata.generation ?? 0) + 1;
    }
    const errs = strat?.validate?.(obj, old, ctx) ?? [];
    if (errs.length > 0) throw invalid(kind, name, errs);
    meta.resourceVersion = String(++this.rv);
    // A finalizer-less object that is already being deleted goes away now.
    if (meta.deletionTimestamp && (!meta.finalizers || meta.finalizers.length === 0) && old.metadata.finalizers?.length) {
      t.objects.set(key, obj);
      this.remove(kind, key, obj);
      return obj;
    }
    t.objects.set(key, obj);
    this.indexLabels(t, key, old.metadata.labels, meta.labels);
    this.indexOwners(kind, key, old, obj);
    this.emit(kind, { type: "MODIFIED", object: obj, old });
    return obj;
  }

  /** Read-modify-write: `fn` gets a deep copy to change; returns the stored result, or undefined if absent. */
  mutate<T extends KubeObject>(
    kind: string,
    namespace: string | undefined,
    name: string,
    fn: (draft: T) => void | false,
    opts: UpdateOptions = {},
  ): T | undefined {
    const cur = this.get<T>(kind, namespace, name);
    if (!cur) return undefined;
    const draft = structuredClone(cur);
    if (fn(draft) === false) return cur;
    return this.update(draft, opts);
  }

  /** Cheap status write: shallow-copies the object with a new status (no deep clone). */
  setStatus<T extends KubeObject>(cur: T, status: unknown): T {
    return this.update({ ...cur, status } as T, { subresource: "status" });
  }

  /**
   * Delete. Objects with finalizers, or with a graceful deletion period (running pods), get a
   * deletionTimestamp and stay until the finalizers are gone / the kubelet removes them.
   */
  delete(kind: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KubeObject {
    const t = this.table(kind);
    const key = objectKey(this.ns(kind, namespace), name);
    const cur = t.objects.get(key);
    if (!cur) throw notFound(kind, name);
    if (opts.resourceVersion && opts.resourceVersion !== cur.metadata.resourceVersion) {
      throw conflict(
        kind,
        name,
        `the ResourceVersion in the precondition (${opts.resourceVersion}) does not match the ResourceVersion in record (${cur.metadata.resourceVersion}). The object might have been modified`,
      );
    }
    const policy = opts.propagationPolicy ?? "Background";
    const grace = this.strategies.get(kind)?.gracePeriodSeconds?.(cur, opts.gracePeriodSeconds) ?? 0;
    const finalizers = [...(cur.metadata.finalizers ?? [])];
    if (policy === "Orphan") this.orphanDependents(cur);
    if (policy === "Foreground" && this.dependents.get(cur.metadata.uid!)?.size) {
      if (!finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
    }
    if (finalizers.length === 0 && grace === 0) {
      this.remove(kind, key, cur);
      return cur;
    }
    if (cur.metadata.deletionTimestamp) {
      // Already terminating: a shorter grace period may still shorten it (kubectl --force).
      if (grace === 0 && finalizers.length === 0) this.remove(kind, key, cur);
      return cur;
    }
    const obj = {
      ...cur,
      metadata: {
        ...cur.metadata,
        finalizers: finalizers.length ? finalizers : cur.metadata.finalizers,
        deletionTimestamp: this.clock.iso(this.clock.now() + grace * 1000),
        deletionGracePeriodSeconds: grace,
        resourceVersion: String(++this.rv),
      },
    };
    if (grace === 0) obj.metadata.deletionTimestamp = this.clock.iso();
    t.objects.set(key, obj);
    this.emit(kind, { type: "MODIFIED", object: obj, old: cur });
    if (policy === "Foreground") this.cascade(obj, "Foreground");
    return obj;
  }

  /** Remove a terminating object now (the kubelet after a pod's containers stopped, a forced delete). */
  forceRemove(kind: string, namespace: string | undefined, name: string): void {
    const t = this.table(kind);
    const key = objectKey(this.ns(kind, namespace), name);
    const cur = t.objects.get(key);
    if (cur) this.remove(kind, key, cur);
  }

  // ---------------------------------------------------------------- watch

  /** Watch one kind (or "*" for all). Handlers run synchronously after each write; return = unsubscribe. */
  watch<T extends KubeObject = KubeObject>(kind: string, handler: WatchHandler<T>): () => void {
    if (kind === "*") {
      this.allWatchers.add(handler);
      return () => this.allWatchers.delete(handler);
    }
    let set = this.watchers.get(kind);
    if (!set) this.watchers.set(kind, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  // ---------------------------------------------------------------- internals

  private emit(kind: string, ev: WatchEvent): void {
    const set = this.watchers.get(kind);
    if (set) for (const h of set) h(ev);
    for (const h of this.allWatchers) h(ev);
  }

  private remove(kind: string, key: string, cur: KubeObject): void {
    const t = this.table(kind);
    t.objects.delete(key);
    this.indexLabels(t, key, cur.metadata.labels, undefined);
    this.indexOwners(kind, key, cur, undefined);
    const gone = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++this.rv) } };
    this.emit(kind, { type: "DELETED", object: gone, old: cur });
    this.cascade(cur, "Background");
    this.releaseForegroundOwners(cur);
  }

  /** Garbage collector: dependents of a removed (or foreground-deleting) owner are deleted. */
  private cascade(owner: KubeObject, policy: PropagationPolicy): void {
    const uid = owner.metadata.uid!;
    const deps = this.dependents.get(uid);
    if (!deps || deps.size === 0) return;
    const list = [...deps.values()];
    // Run on the clock so that the owner's own deletion settles first, as the real GC is asynchronous.
    this.clock.after(0, () => {
      for (const [kind, key] of list) {
        const o = this.tables.get(kind)?.objects.get(key);
        if (!o || o.metadata.deletionTimestamp) continue;
        // Only delete if no other live owner remains (GC semantics for multiple owners).
        const others = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid && this.uidExists(r.uid));
        if (others.length > 0) continue;
        this.delete(kind, o.metadata.namespace, o.metadata.name!, { propagationPolicy: policy });
      }
    });
  }

  private releaseForegroundOwners(dep: KubeObject): void {
    for (const ref of dep.metadata.ownerReferences ?? []) {
      const owner = this.findByUid(ref.kind, ref.uid);
      if (!owner || !owner.metadata.deletionTimestamp) continue;
      if (!owner.metadata.finalizers?.includes("foregroundDeletion")) continue;
      if (this.dependents.get(ref.uid)?.size) continue;
      this.update({
        ...owner,
        metadata: { ...owner.metadata, finalizers: owner.metadata.finalizers.filter((f) => f !== "foregroundDeletion"), resourceVersion: undefined },
      });
    }
  }

  private orphanDependents(owner: KubeObject): void {
    const uid = owner.metadata.uid!;
    for (const d of this.dependentsOf(uid)) {
      this.update({
        ...d,
        metadata: { ...d.metadata, ownerReferences: d.metadata.ownerReferences!.filter((r) => r.uid !== uid), resourceVersion: undefined },
      });
    }
  }

  private findByUid(kind: string, uid: string): KubeObject | undefined {
    const key = this.uids.get(uid);
    if (key === undefined) return undefined;
    const o = this.tables.get(kind)?.objects.get(key);
    return o && o.metadata.uid === uid ? o : undefined;
  }

  /** Live object uids → object key (within its kind). */
  private uids = new Map<string, string>();
  private uidSeq = 0;
  private uidExists(uid: string): boolean {
    return this.uids.has(uid);
  }

  private newUid(): string {
    // Deterministic, UUID-shaped.
    const n = (++this.uidSeq).toString(16).padStart(12, "0");
    const r = this.rng.nextUint32().toString(16).padStart(8, "0");
    // One flat string (a template literal would keep a rope of eight pieces per object alive).
    return [this.uidPrefix, "-", r.slice(0, 4), "-4", r.slice(4, 7), "-a", n.slice(0, 3), "-", n.slice(-12)].join("");
  }

  private table(kind: string): KindTable {
    let t = this.tables.get(kind);
    if (!t) {
      t = { info: kindInfo(kind), objects: new Map(), labelIndex: new Map(), labelSorted: new Map() };
      this.tables.set(kind, t);
    }
    return t;
  }

  private ns(kind: string, namespace: string | undefined): string | undefined {
    const info = kindInfo(kind);
    if (info && !info.namespaced) return undefined;
    return namespace ?? (info?.namespaced ? "default" : undefined);
  }

  private indexLabels(t: KindTable, key: string, before: Record<string, string> | undefined, after: Record<string, string> | undefined): void {
    if (before === after) return;
    if (before) {
      for (const [k, v] of Object.entries(before)) {
        if (after && after[k] === v) continue;
        const ik = `${k}=${v}`;
        const s = t.labelIndex.get(ik);
        if (s) {
          s.delete(key);
          t.labelSorted.delete(ik);
          if (s.size === 0) t.labelIndex.delete(ik);
        }
      }
    }
    if (after) {
      for (const [k, v] of Object.entries(after)) {
        if (before && before[k] === v) continue;
        const ik = `${k}=${v}`;
        let s = t.labelIndex.get(ik);
        if (!s) t.labelIndex.set(ik, (s = new Set()));
        s.add(key);
        t.labelSorted.delete(ik);
      }
    }
  }

  private indexOwners(kind: string, key: string, before: KubeObject | undefined, after: KubeObject | undefined): void {
    const b = before?.metadata.ownerReferences;
    const a = after?.metadata.ownerReferences;
    if (b === a && before && after) return;
    const dk = `${kind}|${key}`;
    for (const r of b ?? []) {
      const m = this.dependents.get(r.uid);
      if (m) {
        m.delete(dk);
        if (m.size === 0) this.dependents.delete(r.uid);
      }
    }
    for (const r of a ?? []) {
      let m = this.dependents.get(r.uid);
      if (!m) this.dependents.set(r.uid, (m = new Map()));
      m.set(dk, [kind, key]);
    }
    if (!after && before) {
      this.uids.delete(before.metadata.uid!);
    }
  }
}

function toSelector(s: ListOptions["labelSelector"]): Selector {
  if (s === undefined) return Selector.everything;
  if (s instanceof Selector) return s;
  if (typeof s === "string") return parseSelector(s);
  return fromLabelSelector(s);
}

/** Structural equality of JSON-like values, insensitive to key order; absent and undefined fields are equal. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let na = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    na++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  let nb = 0;
  for (const k in bo) if (bo[k] !== undefined) nb++;
  return na === nb;
}

/** Field selector: `a.b=c`, `a.b==c`, `a.b!=c`, comma-separated (all must hold). */
export function parseFieldSelector(s: string): (o: KubeObject) => boolean {
  const parts = s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^([A-Za-z0-9_.]+)\s*(!=|==|=)\s*(.*)$/.exec(p);
      if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${p}'`);
      return { path: m[1]!.split("."), neg: m[2] === "!=", value: m[3]! };
    });
  return (o) => {
    for (const p of parts) {
      let v: any = o;
      for (const seg of p.path) v = v?.[seg];
      const str = v === undefined || v === null ? "" : String(v);
      if ((str === p.value) === p.neg) return false;
    }
    return true;
  };
}
