/**
 * Endpoints controller (pkg/controller/endpoint, 1.32): for every Service with a selector, an
 * Endpoints object of the same name whose single subset lists Ready pods under `addresses` and
 * not-ready ones under `notReadyAddresses` (all under addresses with publishNotReadyAddresses).
 * Pods without an IP or being deleted are skipped; ports resolve targetPort by number or by
 * container port name. (Upstream repacks subsets by port set; with one port set this is the same.)
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import { fromLabelMap, type Selector } from "../../core/labels.js";
import { isPodReady, isTerminal, KeyQueue, splitKey } from "./util.js";

export const EP_COMPONENT = "endpoint-controller";

function resolvePort(port: any, pod: KubeObject | undefined): number | undefined {
  const tp = port.targetPort ?? port.port;
  if (typeof tp === "number") return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const c of pod?.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? "TCP") === (port.protocol ?? "TCP")) return p.containerPort;
  return undefined;
}

/** Whether two versions of a pod look the same in an Endpoints object (the kubelet's other status writes are frequent). */
function sameEndpointView(a: KubeObject, b: KubeObject): boolean {
  if ((a.status?.podIP ?? "") !== (b.status?.podIP ?? "")) return false;
  if ((a.metadata.deletionTimestamp ?? "") !== (b.metadata.deletionTimestamp ?? "")) return false;
  if ((a.spec?.nodeName ?? "") !== (b.spec?.nodeName ?? "")) return false;
  if (a.metadata.uid !== b.metadata.uid) return false;
  if (isPodReady(a) !== isPodReady(b) || isTerminal(a) !== isTerminal(b)) return false;
  const la = a.metadata.labels;
  const lb = b.metadata.labels;
  return la === lb || (la !== undefined && lb !== undefined && JSON.stringify(la) === JSON.stringify(lb));
}

interface Address {
  ip: string;
  nodeName?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string | undefined };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
}

/** What a sync last wrote for a Service: lets the next sync tell "unchanged" without serializing 300 addresses twice. */
interface Written {
  subsets: unknown[];
  addresses: Address[];
  notReady: Address[];
  ports: EndpointPort[];
}

/** A pod the Endpoints object lists: has an IP, is not being deleted, is not terminal. */
function isListed(p: KubeObject): boolean {
  return !!p.status?.podIP && !p.metadata.deletionTimestamp && !isTerminal(p);
}

/** kube-apiserver lists pods in name order and the controller sorts them stably by IP. */
function byIpThenName(a: Address, b: Address): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const x = a.targetRef.name;
  const y = b.targetRef.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

interface Member {
  name: string;
  addr: Address;
  ready: boolean;
}

/**
 * The listed pods of one Service with a non-empty selector, kept between syncs: pod events mark the
 * pod names they touch and the next sync re-reads only those from the store, instead of walking
 * every selected pod (a 300-pod Service syncs on each pod's readiness change).
 */
interface Members {
  /** The Service's selector object the members were built for (a new one rebuilds them). */
  selector: Record<string, string>;
  sel: Selector;
  pods: Map<string, Member>;
  /** The members in address order (IP, then name), kept sorted as members come and go. */
  sorted: Member[];
  /** Names of pods with endpoint-relevant events since the last sync. */
  dirty: Set<string>;
}

/** Index of the first member not before `addr` in address order. */
function lowerBound(sorted: readonly Member[], addr: Address): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byIpThenName(sorted[mid]!.addr, addr) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sameAddresses(a: readonly Address[], b: readonly Address[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.ip !== y.ip || x.nodeName !== y.nodeName || x.targetRef.name !== y.targetRef.name || x.targetRef.namespace !== y.targetRef.namespace || x.targetRef.uid !== y.targetRef.uid) return false;
  }
  return true;
}

function samePorts(a: readonly EndpointPort[], b: readonly EndpointPort[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.port !== y.port || x.protocol !== y.protocol) return false;
  }
  return true;
}

export class EndpointsController implements Controller {
  readonly name = EP_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];
  /** namespace → service name → selector labels. */
  private services = new Map<string, Map<string, Record<string, string>>>();
  /** "ns/service" → its listed pods. */
  private members = new Map<string, Members>();
  /** "ns/service" → the subsets this controller last wrote. */
  private written = new Map<string, Written>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    const { store } = ctx;
    const track = (svc: KubeObject, del: boolean) => {
      const ns = svc.metadata.namespace!;
      let m = this.services.get(ns);
      if (!m) this.services.set(ns, (m = new Map()));
      if (del || !svc.spec?.selector) m.delete(svc.metadata.name!);
      else m.set(svc.metadata.name!, svc.spec.selector);
    };
    const matches = (sel: Record<string, string>, labels: Record<string, string> | undefined) => {
      for (const k in sel) if (labels?.[k] !== sel[k]) return false;
      return true;
    };
    this.unwatch.push(
      store.watch("Service", (ev) => {
        track(ev.object, ev.type === "DELETED");
        const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
        this.members.delete(key);
        this.queue.add(key);
      }),
      store.watch("Pod", (ev) => {
        const m = this.services.get(ev.object.metadata.namespace!);
        if (!m) return;
        if (ev.type === "MODIFIED" && ev.old && sameEndpointView(ev.old, ev.object)) return;
        for (const [name, sel] of m) {
          if (matches(sel, ev.object.metadata.labels) || (ev.old && matches(sel, ev.old.metadata.labels))) {
            const key = `${ev.object.metadata.namespace}/${name}`;
            this.members.get(key)?.dirty.add(ev.object.metadata.name!);
            this.queue.add(key);
          }
        }
      }),
    );
    for (const s of store.list("Service")) {
      track(s, false);
      this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
    }
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private sync(key: string): void {
    const { store } = this.ctx;
    const [ns, name] = splitKey(key);
    const svc = store.get("Service", ns, name);
    const ep = store.get("Endpoints", ns, name);
    if (!svc) {
      this.written.delete(key);
      this.members.delete(key);
      if (ep) store.delete("Endpoints", ns, name);
      return;
    }
    if (!svc.spec?.selector) return; // Endpoints of selector-less services are user-managed.
    const publishNotReady = !!svc.spec.publishNotReadyAddresses;
    const addresses: Address[] = [];
    const notReady: Address[] = [];
    let ports: EndpointPort[] | undefined;
    const resolvePorts = (p: KubeObject | undefined) => {
      ports = [];
      for (const sp of svc.spec.ports ?? []) {
        const port = resolvePort(sp, p);
        if (port !== undefined) ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP" });
      }
    };
    const members = this.membersOf(key, ns, svc.spec.selector);
    if (members) {
      for (const m of members.sorted) {
        if (publishNotReady || m.ready) addresses.push(m.addr);
        else notReady.push(m.addr);
      }
      if (members.sorted.length > 0) {
        // A named target port resolves on the first listed pod (in name order).
        let first: string | undefined;
        if ((svc.spec.ports ?? []).some((sp: any) => !/^\d+$/.test(String(sp.targetPort ?? sp.port)))) {
          for (const m of members.sorted) if (first === undefined || m.name < first) first = m.name;
        }
        resolvePorts(first === undefined ? undefined : store.get("Pod", ns, first));
      }
    } else {
      // An empty selector lists the whole namespace in store order: walk it.
      for (const p of store.list("Pod", { namespace: ns, labelSelector: fromLabelMap(svc.spec.selector) })) {
        if (!isListed(p)) continue;
        const addr = newAddress(ns, p);
        if (publishNotReady || isPodReady(p)) addresses.push(addr);
        else notReady.push(addr);
        if (!ports) resolvePorts(p);
      }
      const byIp = (a: Address, b: Address) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
      addresses.sort(byIp);
      notReady.sort(byIp);
    }
    const subsets =
      addresses.length + notReady.length === 0
        ? []
        : [{ ...(addresses.length ? { addresses } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports: ports ?? [] }];
    const labels = { ...(svc.metadata.labels ?? {}), "endpoints.kubernetes.io/managed-by": "endpoint-controller" };
    if (!ep) {
      this.written.delete(key);
      store.create({ apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace: ns, labels }, subsets });
      return;
    }
    const last = this.written.get(key);
    if (last && ep.subsets === last.subsets) {
      // The stored subsets are the ones this controller wrote: compare the parts, not their JSON.
      if (subsets.length === 0 ? last.subsets.length === 0 : last.subsets.length !== 0 && sameAddresses(last.addresses, addresses) && sameAddresses(last.notReady, notReady) && samePorts(last.ports, ports ?? [])) return;
    } else if (JSON.stringify(ep.subsets ?? []) === JSON.stringify(subsets)) return;
    store.update({ ...ep, metadata: { ...ep.metadata, labels }, subsets });
    this.written.set(key, { subsets, addresses, notReady, ports: ports ?? [] });
  }

  /** The Service's listed pods, brought up to date (undefined for an empty selector). */
  private membersOf(key: string, ns: string, selector: Record<string, string>): Members | undefined {
    let m = this.members.get(key);
    if (m && m.selector === selector) {
      for (const name of m.dirty) {
        const p = this.ctx.store.get("Pod", ns, name);
        if (p && m.sel.matches(p.metadata.labels)) this.place(m, ns, p);
        else this.unplace(m, name);
      }
      m.dirty.clear();
      return m;
    }
    const sel = fromLabelMap(selector);
    if (sel.empty) return undefined;
    m = { selector, sel, pods: new Map(), sorted: [], dirty: new Set() };
    this.members.set(key, m);
    for (const p of this.ctx.store.list("Pod", { namespace: ns, labelSelector: sel })) this.place(m, ns, p);
    return m;
  }

  private place(m: Members, ns: string, p: KubeObject): void {
    const name = p.metadata.name!;
    if (!isListed(p)) {
      this.unplace(m, name);
      return;
    }
    const prev = m.pods.get(name);
    const ready = isPodReady(p);
    const nodeName: string | undefined = p.spec?.nodeName || undefined;
    if (prev && prev.addr.ip === p.status!.podIP && prev.addr.nodeName === nodeName && prev.addr.targetRef.uid === p.metadata.uid) {
      // Successive Endpoints versions share unchanged address objects (stored objects are read-only).
      prev.ready = ready;
      return;
    }
    if (prev) this.unplace(m, name);
    const member: Member = { name, addr: newAddress(ns, p), ready };
    m.pods.set(name, member);
    m.sorted.splice(lowerBound(m.sorted, member.addr), 0, member);
  }

  private unplace(m: Members, name: string): void {
    const prev = m.pods.get(name);
    if (!prev) return;
    m.pods.delete(name);
    const i = lowerBound(m.sorted, prev.addr);
    m.sorted.splice(m.sorted[i] === prev ? i : m.sorted.indexOf(prev), 1);
  }
}

function newAddress(ns: string, p: KubeObject): Address {
  const nodeName: string | undefined = p.spec?.nodeName || undefined;
  return {
    ip: p.status!.podIP,
    ...(nodeName ? { nodeName } : {}),
    targetRef: { kind: "Pod", namespace: ns, name: p.metadata.name!, uid: p.metadata.uid },
  };
}
