/**
 * The scheduler's cluster snapshot (framework.NodeInfo + the cache), maintained incrementally:
 * per-node requested resources, pod count, used host ports, pods with (anti-)affinity terms, and
 * lazily created count indexes ("how many pods matching X are on each node") kept up to date on every
 * pod add/remove, so topology spread and inter-pod affinity never rescan all pods.
 *
 * Pure: no store access. The kube-scheduler, the Cluster Autoscaler estimator and the Karpenter
 * scheduler feed it objects.
 */
import type { LabelMap } from "../core/labels.js";
import { AffinityTerm, compileAffinityTerm, type AffinitySpec, type WeightedAffinityTerm } from "./affinity.js";
import { addInto, emptyVector, nodeAllocatable, podNonZeroRequests, podRequests, subtractInto, type ResourceVector } from "./resources.js";
import { effectiveTaints, type Taint, type Toleration } from "./taints.js";

export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const LABEL_REGION = "topology.kubernetes.io/region";

export interface PodObject {
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp?: string;
    ownerReferences?: Array<{ kind: string; name: string; uid: string; controller?: boolean }>;
  };
  spec?: any;
  status?: any;
}

export interface NodeObject {
  metadata: { name?: string; labels?: Record<string, string> };
  spec?: any;
  status?: any;
}

export interface HostPort {
  protocol: string;
  hostIP: string;
  hostPort: number;
}

/** A pod compiled once for scheduling (framework.PodInfo). */
export class PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly labels: LabelMap;
  readonly priority: number;
  readonly requests: ResourceVector;
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  readonly requiredAffinity: AffinityTerm[];
  readonly requiredAntiAffinity: AffinityTerm[];
  readonly preferredAffinity: WeightedAffinityTerm[];
  readonly preferredAntiAffinity: WeightedAffinityTerm[];
  readonly hostPorts: HostPort[];
  readonly tolerations: readonly Toleration[];
  /** Set while the pod is placed in a snapshot. */
  nodeName: string | undefined;

  constructor(
    /** The latest object (status may be refreshed in place of recompiling). */
    public pod: PodObject,
    priority?: number,
  ) {
    const ns = pod.metadata.namespace ?? "default";
    this.namespace = ns;
    this.key = `${ns}/${pod.metadata.name}`;
    this.labels = pod.metadata.labels ?? {};
    this.priority = priority ?? pod.spec?.priority ?? 0;
    this.requests = podRequests(pod);
    const nz = podNonZeroRequests(pod);
    this.nonZeroCpu = nz.cpu;
    this.nonZeroMemory = nz.memory;
    const aff: AffinitySpec | undefined = pod.spec?.affinity;
    const compile = (ts: any[] | undefined) => (ts ?? []).map((t) => compileAffinityTerm(t, ns, this.labels));
    const compileW = (ts: any[] | undefined) =>
      (ts ?? []).map((w) => ({ weight: w.weight as number, term: compileAffinityTerm(w.podAffinityTerm, ns, this.labels) }));
    this.requiredAffinity = compile(aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinity = compile(aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinity = compileW(aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinity = compileW(aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    const ports: HostPort[] = [];
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (p.hostPort) ports.push({ protocol: p.protocol ?? "TCP", hostIP: p.hostIP || "0.0.0.0", hostPort: p.hostPort });
      }
    }
    this.hostPorts = ports;
    this.tolerations = pod.spec?.tolerations ?? [];
  }

  get hasAffinity(): boolean {
    return (
      this.requiredAffinity.length + this.requiredAntiAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0
    );
  }

  get terminating(): boolean {
    return this.pod.metadata.deletionTimestamp !== undefined;
  }

  /** status.startTime in ms via the given parser, or undefined. */
  startTime(parse: (s: string) => number): number | undefined {
    const s = this.pod.status?.startTime;
    return s ? parse(s) : undefined;
  }
}

/** framework.NodeInfo. */
export class NodeInfo {
  node: NodeObject | undefined;
  labels: LabelMap = {};
  taints: Taint[] = [];
  unschedulable = false;
  allocatable: ResourceVector = emptyVector();
  readonly requested: ResourceVector = emptyVector();
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  readonly pods = new Map<string, PodInfo>();
  /** Pods with any (anti-)affinity term. */
  readonly podsWithAffinity = new Set<PodInfo>();
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();
  readonly usedPorts = new Map<string, number>();
  /** Bumped on every change (for caches keyed by node state). */
  generation = 0;

  constructor(readonly name: string) {}

  setNode(node: NodeObject): void {
    this.node = node;
    this.labels = node.metadata.labels ?? {};
    this.taints = effectiveTaints(node);
    this.unschedulable = node.spec?.unschedulable === true;
    this.allocatable = nodeAllocatable(node);
    this.generation++;
  }

  get podCount(): number {
    return this.pods.size;
  }

  addPod(pi: PodInfo): void {
    this.pods.set(pi.key, pi);
    addInto(this.requested, pi.requests);
    this.nonZeroCpu += pi.nonZeroCpu;
    this.nonZeroMemory += pi.nonZeroMemory;
    if (pi.hasAffinity) this.podsWithAffinity.add(pi);
    if (pi.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity.add(pi);
    for (const p of pi.hostPorts) {
      const k = `${p.protocol}/${p.hostIP}/${p.hostPort}`;
      this.usedPorts.set(k, (this.usedPorts.get(k) ?? 0) + 1);
    }
    this.generation++;
  }

  removePod(pi: PodInfo): void {
    if (!this.pods.delete(pi.key)) return;
    subtractInto(this.requested, pi.requests);
    this.nonZeroCpu -= pi.nonZeroCpu;
    this.nonZeroMemory -= pi.nonZeroMemory;
    this.podsWithAffinity.delete(pi);
    this.podsWithRequiredAntiAffinity.delete(pi);
    for (const p of pi.hostPorts) {
      const k = `${p.protocol}/${p.hostIP}/${p.hostPort}`;
      const n = (this.usedPorts.get(k) ?? 0) - 1;
      if (n <= 0) this.usedPorts.delete(k);
      else this.usedPorts.set(k, n);
    }
    this.generation++;
  }

  /** NodePorts: does any wanted host port conflict (0.0.0.0 conflicts with every IP of the same protocol/port)? */
  portsConflict(wanted: readonly HostPort[]): boolean {
    if (wanted.length === 0 || this.usedPorts.size === 0) return false;
    for (const w of wanted) {
      for (const used of this.usedPorts.keys()) {
        const [proto, ip, port] = used.split("/");
        if (proto !== w.protocol || Number(port) !== w.hostPort) continue;
        if (ip === w.hostIP || ip === "0.0.0.0" || w.hostIP === "0.0.0.0") return true;
      }
    }
    return false;
  }
}

/** A count index: per node, how many placed pods satisfy `match`. */
class CountIndex {
  readonly counts = new Map<string, number>();
  constructor(
    readonly match: (pi: PodInfo) => boolean,
    readonly namespaces: ReadonlySet<string> | undefined,
  ) {}
}

export class ClusterSnapshot {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly podIndex = new Map<string, PodInfo>();
  private ordered: NodeInfo[] | undefined;
  private readonly indexes = new Map<string, CountIndex>();
  /** Pods with required anti-affinity across the cluster (for the symmetric check). */
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();
  readonly podsWithAffinity = new Set<PodInfo>();
  /** Namespace labels for namespaceSelector terms. */
  private readonly nsLabels = new Map<string, LabelMap>();
  /** Pods nominated to a node by preemption (not placed), by node. */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private nominatedOf = new Map<string, string>();

  // ------------------------------------------------------------ nodes

  upsertNode(node: NodeObject): NodeInfo {
    const name = node.metadata.name!;
    let ni = this.infos.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.infos.set(name, ni);
    }
    const zoneBefore = ni.node ? zoneKey(ni.labels) : undefined;
    const had = ni.node !== undefined;
    ni.setNode(node);
    if (!had || zoneBefore !== zoneKey(ni.labels)) this.ordered = undefined;
    return ni;
  }

  removeNode(name: string): void {
    const ni = this.infos.get(name);
    if (!ni) return;
    this.ordered = undefined;
    if (ni.pods.size === 0) this.infos.delete(name);
    else ni.node = undefined; // pods still bound to it; keep until they go
  }

  getNode(name: string): NodeInfo | undefined {
    const ni = this.infos.get(name);
    return ni?.node ? ni : undefined;
  }

  /** Nodes with a Node object, interleaved across zones like the scheduler's node tree. */
  nodes(): readonly NodeInfo[] {
    if (this.ordered) return this.ordered;
    const byZone = new Map<string, NodeInfo[]>();
    for (const ni of this.infos.values()) {
      if (!ni.node) continue;
      const z = zoneKey(ni.labels);
      let arr = byZone.get(z);
      if (!arr) byZone.set(z, (arr = []));
      arr.push(ni);
    }
    const zones = [...byZone.values()];
    const out: NodeInfo[] = [];
    for (let i = 0; out.length < this.countNodes(zones); i++) {
      for (const z of zones) if (i < z.length) out.push(z[i]!);
    }
    this.ordered = out;
    return out;
  }

  private countNodes(zones: NodeInfo[][]): number {
    let n = 0;
    for (const z of zones) n += z.length;
    return n;
  }

  get nodeCount(): number {
    return this.nodes().length;
  }

  // ------------------------------------------------------------ namespaces

  setNamespaceLabels(ns: string, labels: LabelMap | undefined): void {
    this.nsLabels.set(ns, labels ?? {});
    // Indexes that depend on namespace labels are rebuilt lazily.
    for (const [id, idx] of this.indexes) if (idx.namespaces === undefined) this.indexes.delete(id);
  }

  namespaceLabels(ns: string): LabelMap | undefined {
    return this.nsLabels.get(ns);
  }

  // ------------------------------------------------------------ pods

  /** Place (or move/update) a pod on `nodeName`. */
  addPod(pod: PodObject | PodInfo, nodeName: string, priority?: number): PodInfo {
    const pi = pod instanceof PodInfo ? pod : new PodInfo(pod, priority);
    const prev = this.podIndex.get(pi.key);
    if (prev) this.removePod(pi.key);
    let ni = this.infos.get(nodeName);
    if (!ni) {
      ni = new NodeInfo(nodeName);
      this.infos.set(nodeName, ni);
    }
    pi.nodeName = nodeName;
    ni.addPod(pi);
    this.podIndex.set(pi.key, pi);
    if (pi.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity.add(pi);
    if (pi.hasAffinity) this.podsWithAffinity.add(pi);
    this.indexPod(pi, nodeName, 1);
    return pi;
  }

  removePod(key: string): PodInfo | undefined {
    const pi = this.podIndex.get(key);
    if (!pi) return undefined;
    this.podIndex.delete(key);
    const ni = this.infos.get(pi.nodeName!);
    if (ni) {
      ni.removePod(pi);
      if (!ni.node && ni.pods.size === 0) this.infos.delete(ni.name);
    }
    this.podsWithRequiredAntiAffinity.delete(pi);
    this.podsWithAffinity.delete(pi);
    this.indexPod(pi, pi.nodeName!, -1);
    pi.nodeName = undefined;
    return pi;
  }

  getPod(key: string): PodInfo | undefined {
    return this.podIndex.get(key);
  }

  get podCount(): number {
    return this.podIndex.size;
  }

  private indexPod(pi: PodInfo, nodeName: string, delta: number): void {
    if (this.indexes.size === 0) return;
    for (const idx of this.indexes.values()) {
      if (idx.namespaces && !idx.namespaces.has(pi.namespace)) continue;
      if (!idx.match(pi)) continue;
      const n = (idx.counts.get(nodeName) ?? 0) + delta;
      if (n === 0) idx.counts.delete(nodeName);
      else idx.counts.set(nodeName, n);
    }
  }

  /**
   * Per-node counts of placed pods matching `match`, maintained incrementally from now on. `id` must
   * identify `match`; `namespaces` (when known) restricts the candidate pods cheaply.
   */
  counts(id: string, match: (pi: PodInfo) => boolean, namespaces?: ReadonlySet<string>): ReadonlyMap<string, number> {
    let idx = this.indexes.get(id);
    if (!idx) {
      idx = new CountIndex(match, namespaces);
      for (const pi of this.podIndex.values()) {
        if (namespaces && !namespaces.has(pi.namespace)) continue;
        if (match(pi)) idx.counts.set(pi.nodeName!, (idx.counts.get(pi.nodeName!) ?? 0) + 1);
      }
      this.indexes.set(id, idx);
    }
    return idx.counts;
  }

  /** Count index for pods matching an affinity term (any namespace set / selector). */
  termCounts(term: AffinityTerm): ReadonlyMap<string, number> {
    const nsl = this.nsLabels;
    return this.counts(
      `term|${term.id}`,
      (pi) => term.matches(pi.namespace, pi.labels, nsl.get(pi.namespace)),
      term.usesNamespaceSelector ? undefined : term.namespaces,
    );
  }

  // ------------------------------------------------------------ nominated pods

  /** Record that `pi` (not placed) is nominated to `nodeName` by preemption; undefined clears. */
  setNominated(pi: PodInfo, nodeName: string | undefined): void {
    const prev = this.nominatedOf.get(pi.key);
    if (prev) this.nominated.get(prev)?.delete(pi.key);
    if (nodeName) {
      let m = this.nominated.get(nodeName);
      if (!m) this.nominated.set(nodeName, (m = new Map()));
      m.set(pi.key, pi);
      this.nominatedOf.set(pi.key, nodeName);
    } else {
      this.nominatedOf.delete(pi.key);
    }
  }

  nominatedPods(nodeName: string): ReadonlyMap<string, PodInfo> | undefined {
    return this.nominated.get(nodeName);
  }
}

/** utilnode.GetZoneKey: region + zone ("" when neither label is set). */
export function zoneKey(labels: LabelMap): string {
  const region = labels[LABEL_REGION] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? "";
  const zone = labels[LABEL_ZONE] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? "";
  return region === "" && zone === "" ? "" : `${region}:\x00:${zone}`;
}
