/**
 * ReplicaSet controller (kube-controller-manager 1.32, pkg/controller/replicaset).
 *
 * - Creates pods from spec.template named `<rs>-<5 random chars>` (generateName; the suffix comes
 *   from the store's seeded RNG) with a controller ownerReference, in slow-start batches
 *   (1, 2, 4, …) of at most `burstReplicas` (500) per sync.
 * - Deletes surplus pods in upstream `getPodsToDelete` order (ActivePodsWithRanks, see `rankPodsForDeletion`).
 * - Replaces pods that failed (terminal pods are not active).
 * - Status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (minReadySeconds), observedGeneration.
 *
 * Expectations: upstream guards against a stale informer cache with ControllerExpectations. Our
 * store is synchronous (a created pod is visible to the very next read), so "never create a pod
 * twice" holds by construction; no expectation bookkeeping is needed. Pod adoption/orphaning by
 * selector is not modelled: pods are matched to their ReplicaSet by controller ownerReference.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { isApiError } from "../../api/errors.js";
import { controllerOf, ownerRef, type KubeObject } from "../../api/meta.js";
import type { Store } from "../../api/store.js";
import type { Clock } from "../../core/clock.js";
import { availableAt, isPodActive, isPodAvailable, isPodReady, KeyQueue, splitKey } from "./util.js";

export const RS_COMPONENT = "replicaset-controller";
export const BURST_REPLICAS = 500;
export const POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

/** controller.GetPodFromTemplate: a pod object (not yet created) for a workload template. */
export function podFromTemplate(template: any, owner: KubeObject, generateName: string): KubeObject {
  const tm = template?.metadata ?? {};
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName,
      namespace: owner.metadata.namespace,
      ownerReferences: [ownerRef(owner, true)],
    },
    spec: structuredClone(template?.spec ?? {}),
  };
  if (tm.labels) pod.metadata.labels = { ...tm.labels };
  if (tm.annotations) pod.metadata.annotations = { ...tm.annotations };
  if (tm.finalizers) pod.metadata.finalizers = [...tm.finalizers];
  return pod;
}

/** Create `count` pods in slow-start batches (1, 2, 4, …); stops at the first failing batch. Returns successes. */
export function slowStartBatch(count: number, initialBatchSize: number, fn: () => boolean): number {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    let errors = 0;
    for (let i = 0; i < batch; i++) {
      if (fn()) successes++;
      else errors++;
    }
    if (errors > 0) return successes;
    remaining -= batch;
  }
  return successes;
}

// ------------------------------------------------------------------ victim ranking

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(p: KubeObject): number {
  const v = p.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function maxRestarts(p: KubeObject): number {
  let m = 0;
  for (const c of (p.status?.containerStatuses ?? []) as Array<{ restartCount?: number }>) m = Math.max(m, c.restartCount ?? 0);
  for (const c of (p.status?.initContainerStatuses ?? []) as Array<{ restartCount?: number }>) m = Math.max(m, c.restartCount ?? 0);
  return m;
}

/** logarithmicRankDiff: floor(log2(now - t)) in nanoseconds, -1 for non-positive ages. */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/**
 * Sort candidate pods so that the first ones are deleted first — controller.ActivePodsWithRanks.Less
 * with the 1.32 default gates (PodDeletionCost, LogarithmicScaleDown):
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 * 4. lower pod-deletion-cost first; 5. more related pods on the same node first;
 * 6. ready more recently first (log2 buckets of ready age, then UID); 7. more restarts first;
 * 8. created more recently first (log2 buckets of age, then UID).
 */
export function rankPodsForDeletion(pods: readonly KubeObject[], related: readonly KubeObject[], now: number, clock: Clock): KubeObject[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n && isPodActive(p)) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const info = pods.map((p) => {
    const rc = p.status?.conditions?.find((c: any) => c.type === "Ready");
    const ready = rc?.status === "True";
    return {
      p,
      assigned: !!p.spec?.nodeName,
      phase: PHASE_ORDINAL[p.status?.phase ?? "Pending"] ?? 0,
      ready,
      cost: deletionCost(p),
      rank: p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0,
      readyAt: ready && rc.lastTransitionTime ? clock.parseIso(rc.lastTransitionTime) : undefined,
      restarts: maxRestarts(p),
      created: p.metadata.creationTimestamp ? clock.parseIso(p.metadata.creationTimestamp) : undefined,
      uid: p.metadata.uid ?? "",
    };
  });
  type I = (typeof info)[number];
  const timeLess = (t1: number | undefined, t2: number | undefined, a: I, b: I): boolean | undefined => {
    if (t1 === t2) return undefined;
    if (t1 === undefined || t2 === undefined) {
      // afterOrZero: a zero time sorts first.
      return t1 === undefined;
    }
    const diff = logRank(t1, now) - logRank(t2, now);
    if (diff === 0) return a.uid < b.uid;
    return diff < 0;
  };
  const less = (a: I, b: I): boolean => {
    if (a.assigned !== b.assigned) return !a.assigned;
    if (a.phase !== b.phase) return a.phase < b.phase;
    if (a.ready !== b.ready) return !a.ready;
    if (a.cost !== b.cost) return a.cost < b.cost;
    if (a.rank !== b.rank) return a.rank > b.rank;
    if (a.ready && b.ready) {
      const r = timeLess(a.readyAt, b.readyAt, a, b);
      if (r !== undefined) return r;
    }
    if (a.restarts !== b.restarts) return a.restarts > b.restarts;
    const r = timeLess(a.created, b.created, a, b);
    if (r !== undefined) return r;
    return false;
  };
  info.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
  return info.map((x) => x.p);
}

// ------------------------------------------------------------------ controller

/** Pods controlled by `owner` (controller ownerReference), via the store's owner index. */
export function ownedPods(store: Store, owner: KubeObject): KubeObject[] {
  const uid = owner.metadata.uid!;
  const out: KubeObject[] = [];
  for (const d of store.dependentsOf(uid)) {
    if (d.kind !== "Pod") continue;
    if (controllerOf(d)?.uid === uid) out.push(d);
  }
  return out;
}

function labelsMatch(template: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!template) return true;
  for (const k in template) if (labels?.[k] !== template[k]) return false;
  return true;
}

/**
 * Status counts of one ReplicaSet's pods, kept current by the pod watch so that a sync whose pod
 * count already matches does not walk every pod again (a 300-replica ReplicaSet syncs on each of its
 * pods' readiness changes). Built by a full scan at the first sync, rebuilt when the template labels
 * change; `available` is not kept (it equals `ready` without minReadySeconds, else it is scanned).
 */
interface PodCounts {
  /** The template labels object `fully` was counted against. */
  tmplLabels: Record<string, string> | undefined;
  active: number;
  fully: number;
  ready: number;
}

export class ReplicaSetController implements Controller {
  readonly name = RS_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];
  /** ReplicaSet uid → counts of its active pods. */
  private counts = new Map<string, PodCounts>();

  constructor(private readonly burstReplicas = BURST_REPLICAS) {}

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    const { store } = ctx;
    this.unwatch.push(
      store.watch("ReplicaSet", (ev) => {
        const o = ev.object;
        if (ev.type === "DELETED") this.counts.delete(o.metadata.uid!);
        if (ev.type === "MODIFIED" && ev.old && ev.old.metadata.generation === o.metadata.generation && !o.metadata.deletionTimestamp) {
          // Status-only writes (our own) need no sync; annotation/label changes do not change pods.
          return;
        }
        this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
      }),
      store.watch("Pod", (ev) => {
        const p = ev.object;
        const ref = controllerOf(p);
        if (this.counts.size > 0) {
          if (ev.old) this.count(ev.old, -1);
          if (ev.type !== "DELETED") this.count(p, 1, ref);
        }
        if (!ref || ref.kind !== "ReplicaSet") return;
        if (ev.type === "MODIFIED" && ev.old && !podChangeMatters(ev.old, p)) return;
        this.queue.add(`${p.metadata.namespace}/${ref.name}`);
      }),
    );
    for (const rs of store.list("ReplicaSet")) this.queue.add(`${rs.metadata.namespace}/${rs.metadata.name}`);
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private sync(key: string): void {
    const { store, clock } = this.ctx;
    const [ns, name] = splitKey(key);
    const rs = store.get("ReplicaSet", ns, name);
    if (!rs) {
      this.queue.forget(key);
      return;
    }
    const counts = this.countsOf(rs);
    if (!rs.metadata.deletionTimestamp) {
      const diff = counts.active - (rs.spec?.replicas ?? 1);
      if (diff !== 0) {
        const more = this.manageReplicas(rs, ownedPods(store, rs).filter(isPodActive), diff);
        if (more) this.queue.add(key, 1);
      }
    }
    if ((rs.spec?.minReadySeconds ?? 0) > 0) this.updateStatus(rs, ownedPods(store, rs).filter(isPodActive), key);
    else this.writeStatus(rs, counts.active, counts.fully, counts.ready, counts.ready);
    void clock;
  }

  /** The counts of `rs`'s pods (a full scan when there are none yet or the template labels changed). */
  private countsOf(rs: KubeObject): PodCounts {
    const uid = rs.metadata.uid!;
    const tmplLabels = rs.spec?.template?.metadata?.labels;
    let c = this.counts.get(uid);
    if (c && c.tmplLabels === tmplLabels) return c;
    c = { tmplLabels, active: 0, fully: 0, ready: 0 };
    this.counts.set(uid, c);
    for (const p of ownedPods(this.ctx.store, rs)) this.count(p, 1);
    return c;
  }

  /** Add (sign 1) or remove (sign −1) one pod version's share of its controller's counts. */
  private count(p: KubeObject, sign: 1 | -1, ref = controllerOf(p)): void {
    if (!ref) return;
    const c = this.counts.get(ref.uid);
    if (!c || !isPodActive(p)) return;
    c.active += sign;
    if (labelsMatch(c.tmplLabels, p.metadata.labels)) c.fully += sign;
    if (isPodReady(p)) c.ready += sign;
  }

  /** Returns true when the burst limit left work for another sync. */
  private manageReplicas(rs: KubeObject, active: KubeObject[], diff: number): boolean {
    const { store, events, clock } = this.ctx;
    if (diff < 0) {
      const want = -diff;
      const n = Math.min(want, this.burstReplicas);
      slowStartBatch(n, 1, () => {
        try {
          const pod = store.create(podFromTemplate(rs.spec?.template, rs, `${rs.metadata.name}-`), { owned: true });
          events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`, RS_COMPONENT);
          return true;
        } catch (e) {
          if (!isApiError(e)) throw e;
          events.record(rs, "Warning", "FailedCreate", `Error creating: ${e.message}`, RS_COMPONENT);
          return false;
        }
      });
      return want > n;
    }
    const n = Math.min(diff, this.burstReplicas);
    let victims = active;
    if (n < active.length) victims = rankPodsForDeletion(active, this.relatedPods(rs), clock.now(), clock);
    for (const p of victims.slice(0, n)) {
      try {
        store.delete("Pod", p.metadata.namespace, p.metadata.name!);
        events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, RS_COMPONENT);
      } catch (e) {
        if (!isApiError(e, "NotFound")) throw e;
      }
    }
    return diff > n;
  }

  /** getIndirectlyRelatedPods: pods of every ReplicaSet controlled by the same Deployment. */
  private relatedPods(rs: KubeObject): KubeObject[] {
    const { store } = this.ctx;
    const owner = controllerOf(rs);
    if (!owner) return ownedPods(store, rs);
    const out: KubeObject[] = [];
    for (const sib of store.dependentsOf(owner.uid)) {
      if (sib.kind === "ReplicaSet") out.push(...ownedPods(store, sib));
    }
    return out;
  }

  private updateStatus(rs: KubeObject, active: KubeObject[], key: string): void {
    const { store, clock } = this.ctx;
    const now = clock.now();
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const tmplLabels = rs.spec?.template?.metadata?.labels;
    let fully = 0;
    let ready = 0;
    let available = 0;
    let nextAvailable = Infinity;
    for (const p of active) {
      if (labelsMatch(tmplLabels, p.metadata.labels)) fully++;
      if (isPodReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, now, clock)) available++;
        else {
          const at = availableAt(p, minReady, clock);
          if (at !== undefined && at < nextAvailable) nextAvailable = at;
        }
      }
    }
    if (nextAvailable !== Infinity) this.queue.add(key, Math.max(1, nextAvailable - now));
    this.writeStatus(rs, active.length, fully, ready, available);
  }

  private writeStatus(rs: KubeObject, replicas: number, fully: number, ready: number, available: number): void {
    const { store } = this.ctx;
    const cur = rs.status ?? {};
    const next: Record<string, unknown> = {
      ...cur,
      replicas,
      fullyLabeledReplicas: fully,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (
      cur.replicas === next.replicas &&
      cur.fullyLabeledReplicas === next.fullyLabeledReplicas &&
      cur.readyReplicas === next.readyReplicas &&
      cur.availableReplicas === next.availableReplicas &&
      cur.observedGeneration === next.observedGeneration
    )
      return;
    store.setStatus(store.get("ReplicaSet", rs.metadata.namespace, rs.metadata.name!)!, next);
  }
}

/** Pod changes the owning controllers care about: phase, readiness, deletion, labels, node. */
export function podChangeMatters(old: KubeObject, cur: KubeObject): boolean {
  if (old.status?.phase !== cur.status?.phase) return true;
  if (old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp) return true;
  if (old.spec?.nodeName !== cur.spec?.nodeName) return true;
  if (old.metadata.labels !== cur.metadata.labels) return true;
  if (old.status?.podIP !== cur.status?.podIP) return true;
  const a = old.status?.conditions?.find((c: any) => c.type === "Ready");
  const b = cur.status?.conditions?.find((c: any) => c.type === "Ready");
  return a?.status !== b?.status || a?.lastTransitionTime !== b?.lastTransitionTime;
}
