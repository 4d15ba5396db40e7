/**
 * Karpenter's cluster state (`pkg/controllers/state/cluster.go`): one StateNode per Node and/or
 * NodeClaim (joined by providerID, or by the NodeClaim's status.nodeName), with the pods bound to it
 * and their summed requests, kept incrementally from store watches. In-flight NodeClaims (no Node yet)
 * count as existing nodes with their estimated allocatable (NodeClaim status, else spec requests).
 */
import type { Store, WatchEvent } from "../../api/store.js";
import type { KubeObject } from "../../api/meta.js";
import type { Clock } from "../../core/clock.js";
import type { ResourceList } from "../../cloud/provider.js";
import { addInto, emptyVector, parseResourceList, podRequests, subtractInto } from "../../scheduling/resources.js";
import type { Taint } from "../../scheduling/taints.js";

export const LABEL_NODEPOOL = "karpenter.sh/nodepool";
export const LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type";
export const LABEL_INITIALIZED = "karpenter.sh/initialized";
export const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";
export const LABEL_ZONE = "topology.kubernetes.io/zone";

export interface StateNode {
  /** Node name when the node exists, else the NodeClaim name. */
  name: string;
  node?: KubeObject;
  nodeClaim?: KubeObject;
  nodePoolName?: string;
  labels: Record<string, string>;
  taints: Taint[];
  allocatable: ResourceList;
  capacity: ResourceList;
  /** Σ requests of bound, non-terminal pods. */
  podRequests: ResourceList;
  pods: KubeObject[];
  initialized: boolean;
  markedForDeletion: boolean;
  nominatedUntil?: number;
  price?: number;
  capacityType?: string;
  zone?: string;
  instanceType?: string;
}

interface Entry {
  claimName?: string;
  nodeName?: string;
  providerID?: string;
  node?: KubeObject;
  nodeClaim?: KubeObject;
  pods: Map<string, KubeObject>;
  requests: ResourceList;
  view?: StateNode;
}

function podKey(p: KubeObject): string {
  return `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
}

function terminal(p: KubeObject): boolean {
  const ph = p.status?.phase;
  return ph === "Succeeded" || ph === "Failed";
}

export function isDaemonSetPod(p: KubeObject): boolean {
  const refs = p.metadata.ownerReferences;
  if (!refs) return false;
  for (const r of refs) if (r.controller && r.kind === "DaemonSet") return true;
  return false;
}

function isMirrorPod(p: KubeObject): boolean {
  const refs = p.metadata.ownerReferences;
  if (refs) for (const r of refs) if (r.controller && r.kind === "Node") return true;
  return p.metadata.annotations?.["kubernetes.io/config.mirror"] !== undefined;
}

export class ClusterState {
  private byClaim = new Map<string, Entry>();
  private byNode = new Map<string, Entry>();
  private byProvider = new Map<string, Entry>();
  /** pods bound to a node name we do not know (yet). */
  private orphanPods = new Map<string, Map<string, KubeObject>>();
  private podNode = new Map<string, string>();
  private pending = new Map<string, KubeObject>();
  private marked = new Set<string>();
  private nominated = new Map<string, number>();
  private unsubs: Array<() => void> = [];
  /** Bumped on every change: consumers (disruption) can cache on it. */
  generation = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  start(): this {
    for (const n of this.store.list("NodeClaim")) this.onClaim({ type: "ADDED", object: n } as WatchEvent);
    for (const n of this.store.list("Node")) this.onNode({ type: "ADDED", object: n } as WatchEvent);
    for (const p of this.store.list("Pod")) this.onPod({ type: "ADDED", object: p } as WatchEvent);
    this.unsubs.push(this.store.watch("NodeClaim", (e) => this.onClaim(e)));
    this.unsubs.push(this.store.watch("Node", (e) => this.onNode(e)));
    this.unsubs.push(this.store.watch("Pod", (e) => this.onPod(e)));
    return this;
  }

  stop(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
  }

  /** Cluster state is synced with the store by construction (watches are synchronous). */
  synced(): boolean {
    return true;
  }

  // ------------------------------------------------------------------ watches

  private dirty(e: Entry): void {
    e.view = undefined;
    this.generation++;
  }

  private dropIfEmpty(e: Entry): void {
    if (e.node || e.nodeClaim) return;
    if (e.claimName) this.byClaim.delete(e.claimName);
    if (e.nodeName) this.byNode.delete(e.nodeName);
    if (e.providerID) this.byProvider.delete(e.providerID);
  }

  private onClaim(ev: WatchEvent): void {
    const c = ev.object;
    const name = c.metadata.name!;
    let e = this.byClaim.get(name);
    if (ev.type === "DELETED") {
      if (!e) return;
      e.nodeClaim = undefined;
      this.byClaim.delete(name);
      e.claimName = undefined;
      this.dirty(e);
      this.dropIfEmpty(e);
      return;
    }
    const pid: string | undefined = c.status?.providerID;
    const nodeName: string | undefined = c.status?.nodeName;
    if (!e) {
      e = (pid && this.byProvider.get(pid)) || (nodeName && this.byNode.get(nodeName)) || undefined;
      if (e && e.claimName && e.claimName !== name) e = undefined;
      if (!e) e = { pods: new Map(), requests: emptyVector() };
      e.claimName = name;
      this.byClaim.set(name, e);
    } else if (pid && !e.providerID) {
      // A node may have registered under this providerID before the claim learned it: merge.
      const other = this.byProvider.get(pid);
      if (other && other !== e) this.merge(e, other);
    }
    e.nodeClaim = c;
    if (pid) {
      e.providerID = pid;
      this.byProvider.set(pid, e);
    }
    if (nodeName && !e.nodeName) {
      const other = this.byNode.get(nodeName);
      if (other && other !== e) this.merge(e, other);
      e.nodeName = nodeName;
      this.byNode.set(nodeName, e);
    }
    this.dirty(e);
  }

  /** Fold `other` (a node-only entry) into `e`. */
  private merge(e: Entry, other: Entry): void {
    if (other.node) e.node = other.node;
    if (other.nodeName) {
      e.nodeName = other.nodeName;
      this.byNode.set(other.nodeName, e);
    }
    for (const [k, p] of other.pods) e.pods.set(k, p);
    addInto(e.requests, other.requests);
    if (other.providerID) this.byProvider.set(other.providerID, e);
  }

  private onNode(ev: WatchEvent): void {
    const n = ev.object;
    const name = n.metadata.name!;
    let e = this.byNode.get(name);
    if (ev.type === "DELETED") {
      if (!e) return;
      e.node = undefined;
      this.byNode.delete(name);
      e.nodeName = undefined;
      // pods stay indexed by node name only through orphanPods
      this.dirty(e);
      this.dropIfEmpty(e);
      return;
    }
    const pid: string | undefined = n.spec?.providerID;
    if (!e) {
      e = (pid && this.byProvider.get(pid)) || undefined;
      if (!e) e = { pods: new Map(), requests: emptyVector() };
      e.nodeName = name;
      this.byNode.set(name, e);
      const orphans = this.orphanPods.get(name);
      if (orphans) {
        this.orphanPods.delete(name);
        for (const [k, p] of orphans) {
          e.pods.set(k, p);
          addInto(e.requests, podRequests(p));
        }
      }
    }
    if (pid) {
      e.providerID = pid;
      this.byProvider.set(pid, e);
    }
    e.node = n;
    this.dirty(e);
  }

  private unbind(key: string): void {
    const nodeName = this.podNode.get(key);
    if (nodeName === undefined) return;
    this.podNode.delete(key);
    const e = this.byNode.get(nodeName);
    if (e) {
      const p = e.pods.get(key);
      if (p) {
        e.pods.delete(key);
        subtractInto(e.requests, podRequests(p));
        this.dirty(e);
      }
    } else {
      const o = this.orphanPods.get(nodeName);
      o?.delete(key);
      if (o && o.size === 0) this.orphanPods.delete(nodeName);
    }
  }

  private onPod(ev: WatchEvent): void {
    const p = ev.object;
    const key = podKey(p);
    const gone = ev.type === "DELETED" || terminal(p);
    const nodeName: string | undefined = p.spec?.nodeName;
    const prevNode = this.podNode.get(key);
    if (gone || !nodeName) {
      if (prevNode !== undefined) this.unbind(key);
      if (!gone && !nodeName) {
        if (!this.pending.has(key)) this.generation++;
        this.pending.set(key, p);
      } else if (this.pending.delete(key)) this.generation++;
      return;
    }
    if (this.pending.delete(key)) this.generation++;
    if (prevNode === nodeName) {
      const e = this.byNode.get(nodeName);
      if (e) {
        e.pods.set(key, p); // requests are immutable for our purposes
        e.view = undefined;
      } else this.orphanPods.get(nodeName)?.set(key, p);
      return;
    }
    if (prevNode !== undefined) this.unbind(key);
    this.podNode.set(key, nodeName);
    const e = this.byNode.get(nodeName);
    if (e) {
      e.pods.set(key, p);
      addInto(e.requests, podRequests(p));
      this.dirty(e);
    } else {
      let o = this.orphanPods.get(nodeName);
      if (!o) this.orphanPods.set(nodeName, (o = new Map()));
      o.set(key, p);
    }
  }

  // ------------------------------------------------------------------ views

  private viewOf(e: Entry): StateNode {
    const now = this.clock.now();
    const name = e.nodeName ?? e.claimName!;
    const nomUntil = this.nominated.get(name);
    if (e.view) {
      e.view.markedForDeletion = this.isMarked(e);
      e.view.nominatedUntil = nomUntil !== undefined && nomUntil > now ? nomUntil : undefined;
      return e.view;
    }
    const node = e.node;
    const claim = e.nodeClaim;
    const labels: Record<string, string> = { ...(claim?.metadata.labels ?? {}), ...(node?.metadata.labels ?? {}) };
    const taints: Taint[] = node ? (node.spec?.taints ?? []) : [...(claim?.spec?.taints ?? []), ...(claim?.spec?.startupTaints ?? [])];
    const allocSrc = node?.status?.allocatable ?? claim?.status?.allocatable ?? claim?.spec?.resources?.requests;
    const capSrc = node?.status?.capacity ?? claim?.status?.capacity ?? allocSrc;
    const allocatable = parseResourceList(allocSrc);
    const capacity = parseResourceList(capSrc);
    const initialized = claim
      ? (claim.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Initialized" && c.status === "True") ||
        labels[LABEL_INITIALIZED] === "true"
      : node !== undefined && !!(node.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True");
    const v: StateNode = {
      name,
      node,
      nodeClaim: claim,
      nodePoolName: labels[LABEL_NODEPOOL],
      labels,
      taints,
      allocatable,
      capacity,
      podRequests: { ...e.requests },
      pods: [...e.pods.values()],
      initialized,
      markedForDeletion: this.isMarked(e),
      nominatedUntil: nomUntil !== undefined && nomUntil > now ? nomUntil : undefined,
      capacityType: labels[LABEL_CAPACITY_TYPE],
      zone: labels[LABEL_ZONE],
      instanceType: labels[LABEL_INSTANCE_TYPE],
    };
    e.view = v;
    return v;
  }

  private isMarked(e: Entry): boolean {
    if (e.nodeClaim?.metadata.deletionTimestamp || e.node?.metadata.deletionTimestamp) return true;
    return (e.claimName !== undefined && this.marked.has(e.claimName)) || (e.nodeName !== undefined && this.marked.has(e.nodeName));
  }

  private entries(): Set<Entry> {
    const out = new Set<Entry>();
    for (const e of this.byClaim.values()) out.add(e);
    for (const e of this.byNode.values()) out.add(e);
    return out;
  }

  /** Every node / in-flight NodeClaim. */
  nodes(): StateNode[] {
    const out: StateNode[] = [];
    for (const e of this.entries()) out.push(this.viewOf(e));
    return out;
  }

  node(name: string): StateNode | undefined {
    const e = this.byNode.get(name) ?? this.byClaim.get(name);
    return e ? this.viewOf(e) : undefined;
  }

  /** Mark nodes (by node or NodeClaim name) for deletion: the scheduler will not place pods on them. */
  markForDeletion(...names: string[]): void {
    for (const n of names) this.marked.add(n);
    this.generation++;
  }

  unmarkForDeletion(...names: string[]): void {
    for (const n of names) this.marked.delete(n);
    this.generation++;
  }

  /** Nominate a node (provisioning placed pods on it) until `untilMs`; blocks its disruption. */
  nominate(name: string, untilMs: number): void {
    const prev = this.nominated.get(name);
    if (prev === undefined || prev < untilMs) this.nominated.set(name, untilMs);
  }

  isNominated(name: string): boolean {
    const u = this.nominated.get(name);
    return u !== undefined && u > this.clock.now();
  }

  /** Pods with no nodeName that are not terminal (the provisioner filters further). */
  pendingPods(): KubeObject[] {
    return [...this.pending.values()];
  }

  /**
   * Pods that must move if this node goes away: bound, not terminating, not DaemonSet-owned, not
   * mirror/static (pod.IsReschedulable).
   */
  reschedulablePods(n: StateNode): KubeObject[] {
    const out: KubeObject[] = [];
    for (const p of n.pods) {
      if (p.metadata.deletionTimestamp) continue;
      if (isDaemonSetPod(p) || isMirrorPod(p)) continue;
      out.push(p);
    }
    return out;
  }
}
