/**
 * One scheduling cycle of kube-scheduler 1.32 with the default plugin set, as a pure function over a
 * ClusterSnapshot: PreFilter → Filter (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity,
 * NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity; the first failing plugin decides a
 * node's status) → Score (TaintToleration ×3, NodeAffinity ×2, PodTopologySpread ×2,
 * InterPodAffinity ×2, NodeResourcesFit LeastAllocated ×1, NodeResourcesBalancedAllocation ×1;
 * ImageLocality contributes 0: no image cache is simulated) → selectHost (highest total, ties broken by
 * reservoir sampling).
 *
 * Also `filterNode` for "does this pod fit this node" checks (Cluster Autoscaler, Karpenter).
 */
import type { Rng } from "../core/rng.js";
import { preferredNodeAffinity, REASON_NODE_AFFINITY, REASON_NODE_NAME, requiredNodeAffinity, type RequiredNodeAffinity } from "./affinity.js";
import { InterPodFilterState, interPodScores } from "./interpod.js";
import type { ClusterSnapshot, NodeInfo, PodInfo } from "./nodeinfo.js";
import { addInto, emptyVector, fits, insufficientResources, type ResourceVector } from "./resources.js";
import {
  countIntolerablePreferNoSchedule,
  findUntoleratedTaint,
  preferNoScheduleTolerations,
  REASON_NODE_UNSCHEDULABLE,
  toleratesUnschedulable,
  untoleratedTaintReason,
} from "./taints.js";
import { compileSpreadConstraints, SpreadFilterState, spreadScores } from "./topology.js";

export const REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export type StatusCode = "Unschedulable" | "UnschedulableAndUnresolvable";

export interface NodeStatus {
  code: StatusCode;
  reasons: string[];
  plugin: string;
}

/** Per-pod state computed once per cycle (PreFilter). */
export class CycleState {
  readonly affinity: RequiredNodeAffinity;
  readonly spread: SpreadFilterState | undefined;
  readonly interPod: InterPodFilterState;
  /** Requests of nominated pods with ≥ priority on a node, cached per node name. */
  private readonly nominatedCache = new Map<string, ResourceVector | null>();

  constructor(
    readonly snap: ClusterSnapshot,
    readonly pod: PodInfo,
  ) {
    this.affinity = requiredNodeAffinity(pod.pod.spec);
    const dns = compileSpreadConstraints(pod, "DoNotSchedule");
    this.spread = dns.length > 0 ? new SpreadFilterState(dns, snap, pod, this.affinity) : undefined;
    this.interPod = new InterPodFilterState(snap, pod);
  }

  /** Sum of requests of other pods nominated to `node` with priority ≥ this pod's (null: none). */
  nominatedRequests(node: string): { req: ResourceVector; count: number } | null {
    const m = this.snap.nominatedPods(node);
    if (!m || m.size === 0) return null;
    let req: ResourceVector | undefined;
    let count = 0;
    for (const pi of m.values()) {
      if (pi.key === this.pod.key || pi.priority < this.pod.priority) continue;
      req ??= emptyVector();
      addInto(req, pi.requests);
      count++;
    }
    return req ? { req, count } : null;
  }
}

const UNRESOLVABLE: StatusCode = "UnschedulableAndUnresolvable";

/** Run the filter plugins for one node; undefined = feasible. */
export function filterNode(state: CycleState, ni: NodeInfo, opts: { ignoreNominated?: boolean } = {}): NodeStatus | undefined {
  const pod = state.pod;
  const spec = pod.pod.spec ?? {};
  if (ni.unschedulable && !toleratesUnschedulable(pod.tolerations)) {
    return { code: UNRESOLVABLE, reasons: [REASON_NODE_UNSCHEDULABLE], plugin: "NodeUnschedulable" };
  }
  if (spec.nodeName && spec.nodeName !== ni.name) {
    return { code: UNRESOLVABLE, reasons: [REASON_NODE_NAME], plugin: "NodeName" };
  }
  const taint = findUntoleratedTaint(ni.taints, pod.tolerations);
  if (taint) return { code: UNRESOLVABLE, reasons: [untoleratedTaintReason(taint)], plugin: "TaintToleration" };
  if (!state.affinity.empty && !state.affinity.matches(ni.labels, ni.name)) {
    return { code: UNRESOLVABLE, reasons: [REASON_NODE_AFFINITY], plugin: "NodeAffinity" };
  }
  if (pod.hostPorts.length > 0 && ni.portsConflict(pod.hostPorts)) {
    return { code: "Unschedulable", reasons: [REASON_NODE_PORTS], plugin: "NodePorts" };
  }
  let requested = ni.requested;
  let podCount = ni.podCount;
  if (!opts.ignoreNominated) {
    const nom = state.nominatedRequests(ni.name);
    if (nom) {
      requested = addInto({ ...ni.requested }, nom.req);
      podCount += nom.count;
    }
  }
  if (!fits(pod.requests, requested, ni.allocatable, podCount)) {
    const ins = insufficientResources(pod.requests, requested, ni.allocatable, podCount);
    return { code: "Unschedulable", reasons: ins.map((r) => r.reason), plugin: "NodeResourcesFit" };
  }
  if (state.spread) {
    const r = state.spread.check(ni);
    if (r) return { code: r[1] ? UNRESOLVABLE : "Unschedulable", reasons: [r[0]], plugin: "PodTopologySpread" };
  }
  const ip = state.interPod.check(ni);
  if (ip) return { code: ip[1] ? UNRESOLVABLE : "Unschedulable", reasons: [ip[0]], plugin: "InterPodAffinity" };
  return undefined;
}

/** Plugin weights of the 1.32 default profile. */
export const SCORE_WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  PodTopologySpread: 2,
  InterPodAffinity: 2,
  NodeResourcesFit: 1,
  NodeResourcesBalancedAllocation: 1,
  ImageLocality: 1,
} as const;

/** LeastAllocated for one resource: (capacity − requested) × 100 / capacity, integer. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * 100) / capacity);
}

/** NodeResourcesFit LeastAllocated (cpu and memory, weight 1 each) with non-zero requests. */
export function leastAllocatedScore(pod: PodInfo, ni: NodeInfo): number {
  const cpu = leastRequestedScore(ni.nonZeroCpu + pod.nonZeroCpu, ni.allocatable.cpu);
  const mem = leastRequestedScore(ni.nonZeroMemory + pod.nonZeroMemory, ni.allocatable.memory);
  return Math.trunc((cpu + mem) / 2);
}

/** NodeResourcesBalancedAllocation (cpu, memory) with actual requests: (1 − |f_cpu − f_mem| / 2) × 100. */
export function balancedAllocationScore(pod: PodInfo, ni: NodeInfo): number {
  let fc = ni.allocatable.cpu > 0 ? (ni.requested.cpu + pod.requests.cpu) / ni.allocatable.cpu : 0;
  let fm = ni.allocatable.memory > 0 ? (ni.requested.memory + pod.requests.memory) / ni.allocatable.memory : 0;
  if (fc > 1) fc = 1;
  if (fm > 1) fm = 1;
  const std = Math.abs((fc - fm) / 2);
  return Math.trunc((1 - std) * 100);
}

/** framework DefaultNormalizeScore(100, reverse). */
export function defaultNormalize(scores: number[], reverse: boolean): number[] {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) return reverse ? scores.map(() => 100) : scores;
  return scores.map((s) => {
    const v = Math.trunc((100 * s) / max);
    return reverse ? 100 - v : v;
  });
}

/** Total weighted scores of feasible nodes. */
export function scoreNodes(state: CycleState, feasible: readonly NodeInfo[]): number[] {
  const pod = state.pod;
  const n = feasible.length;
  const total = new Array<number>(n).fill(0);
  // TaintToleration
  const prefTol = preferNoScheduleTolerations(pod.tolerations);
  const taintRaw = feasible.map((ni) => countIntolerablePreferNoSchedule(ni.taints, prefTol));
  const taint = defaultNormalize(taintRaw, true);
  // NodeAffinity
  const pref = preferredNodeAffinity(pod.pod.spec);
  const nodeAff = pref.empty ? undefined : defaultNormalize(feasible.map((ni) => pref.score(ni.labels, ni.name)), false);
  const spread = spreadScores(state.snap, pod, state.affinity, feasible);
  const inter = interPodScores(state.snap, pod, feasible);
  const balanced = pod.requests.cpu !== 0 || pod.requests.memory !== 0;
  for (let i = 0; i < n; i++) {
    const ni = feasible[i]!;
    let s = taint[i]! * SCORE_WEIGHTS.TaintToleration;
    if (nodeAff) s += nodeAff[i]! * SCORE_WEIGHTS.NodeAffinity;
    if (spread) s += spread[i]! * SCORE_WEIGHTS.PodTopologySpread;
    if (inter) s += inter[i]! * SCORE_WEIGHTS.InterPodAffinity;
    s += leastAllocatedScore(pod, ni) * SCORE_WEIGHTS.NodeResourcesFit;
    if (balanced) s += balancedAllocationScore(pod, ni) * SCORE_WEIGHTS.NodeResourcesBalancedAllocation;
    total[i] = s;
  }
  return total;
}

/** selectHost: the highest score; among equal ones, reservoir sampling with `rng`. */
export function selectHost(scores: readonly number[], rng: Rng): number {
  let best = 0;
  let cnt = 1;
  for (let i = 1; i < scores.length; i++) {
    if (scores[i]! > scores[best]!) {
      best = i;
      cnt = 1;
    } else if (scores[i] === scores[best]) {
      cnt++;
      if (rng.int(cnt) === 0) best = i;
    }
  }
  return best;
}

/** numFeasibleNodesToFind with the adaptive percentageOfNodesToScore (1.32 default 0 = adaptive). */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < 100) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < 5) pct = 5;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < 100 ? 100 : n;
}

export interface ScheduleResult {
  /** Chosen node, or undefined when no node fits. */
  node: string | undefined;
  /** Statuses of the nodes that were filtered out. */
  statuses: Map<string, NodeStatus>;
  numAllNodes: number;
  evaluated: number;
  feasible: number;
}

export interface ScheduleOptions {
  rng: Rng;
  /** Round-robin start offset into the node list (the scheduler's nextStartNodeIndex). */
  startIndex?: number;
  percentageOfNodesToScore?: number;
}

/** schedulePod: nominated node first, then filter (stopping at numFeasibleNodesToFind), score, select. */
export function schedulePod(snap: ClusterSnapshot, pod: PodInfo, opts: ScheduleOptions): ScheduleResult {
  const nodes = snap.nodes();
  const statuses = new Map<string, NodeStatus>();
  const state = new CycleState(snap, pod);
  const nominated: string | undefined = pod.pod.status?.nominatedNodeName;
  if (nominated) {
    const ni = snap.getNode(nominated);
    if (ni && filterNode(state, ni) === undefined) {
      return { node: ni.name, statuses, numAllNodes: nodes.length, evaluated: 1, feasible: 1 };
    }
  }
  const want = numFeasibleNodesToFind(nodes.length, opts.percentageOfNodesToScore);
  const feasible: NodeInfo[] = [];
  const start = nodes.length > 0 ? (opts.startIndex ?? 0) % nodes.length : 0;
  let evaluated = 0;
  for (let k = 0; k < nodes.length && feasible.length < want; k++) {
    const ni = nodes[(start + k) % nodes.length]!;
    evaluated++;
    const st = filterNode(state, ni);
    if (st) statuses.set(ni.name, st);
    else feasible.push(ni);
  }
  if (feasible.length === 0) return { node: undefined, statuses, numAllNodes: nodes.length, evaluated, feasible: 0 };
  if (feasible.length === 1) return { node: feasible[0]!.name, statuses, numAllNodes: nodes.length, evaluated, feasible: 1 };
  const scores = scoreNodes(state, feasible);
  const i = selectHost(scores, opts.rng);
  return { node: feasible[i]!.name, statuses, numAllNodes: nodes.length, evaluated, feasible: feasible.length };
}

/**
 * FitError.Error(): "0/N nodes are available: <count reason, …sorted>." plus an optional PostFilter
 * message (" preemption: …"). Nodes without an explicit status count under `absentReason`.
 */
export function fitErrorMessage(
  numAllNodes: number,
  statuses: ReadonlyMap<string, { reasons: readonly string[] }>,
  postFilterMsg?: string,
  absentReason?: string,
): string {
  const counts = new Map<string, number>();
  for (const st of statuses.values()) for (const r of st.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  if (absentReason && statuses.size < numAllNodes) counts.set(absentReason, (counts.get(absentReason) ?? 0) + numAllNodes - statuses.size);
  let msg = `0/${numAllNodes} nodes are available:`;
  const parts = [...counts].map(([r, c]) => `${c} ${r}`);
  parts.sort(goStringLess);
  if (parts.length > 0) msg += ` ${parts.join(", ")}.`;
  if (postFilterMsg) msg += ` ${postFilterMsg}`;
  return msg;
}

/** sort.Strings order (byte-wise). */
function goStringLess(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
