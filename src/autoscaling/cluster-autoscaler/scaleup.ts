/**
 * Scale-up (core/scaleup/orchestrator/orchestrator.go, 1.32): equivalence groups, valid node groups,
 * one template node per group to predicate-check each group's exemplar, the binpacking estimate per
 * node group, the expander, balancing across similar groups, and the NotTriggerScaleUp reasons
 * ("<count> <reason>" aggregated over node groups).
 */
import type { KubeObject } from "../../api/meta.js";
import { PodInfo } from "../../scheduling/nodeinfo.js";
import { BinpackingEstimator } from "./estimator.js";
import { bestOption, type ExpanderContext, type ExpansionOption, type Filter } from "./expanders.js";
import { equivalenceGroups, type EquivalenceGroup } from "./pods.js";
import type { CaSnapshot } from "./snapshot.js";
import { podsForCopy, renameNode, type TemplateNode } from "./templates.js";

export interface NodeGroupView {
  id: string;
  min: number;
  max: number;
  target: number;
  template: TemplateNode | undefined;
  /** Skip reason when the group can't be scaled now (backoff …). */
  skipReason?: string;
}

export interface ScaleUpInfo {
  group: string;
  current: number;
  newSize: number;
  max: number;
}

export interface ScaleUpPlan {
  /** Groups to resize (best + balanced similar ones). */
  infos: ScaleUpInfo[];
  /** Pods helped by the chosen option. */
  triggered: KubeObject[];
  /** Pods no node group could take, with their NotTriggerScaleUp reason text. */
  remaining: Array<{ pod: KubeObject; message: string }>;
  option?: ExpansionOption;
  /** Estimated count before capping. */
  estimated: number;
  logs: string[];
}

export interface ScaleUpInput {
  snapshot: CaSnapshot;
  pods: readonly KubeObject[];
  groups: readonly NodeGroupView[];
  chain: readonly Filter[];
  expander: ExpanderContext;
  maxNodesPerScaleUp: number;
  /** Room left under --max-nodes-total (Infinity = unlimited). */
  clusterRoom: number;
  balanceSimilar: boolean;
  similar?: (a: NodeGroupView, b: NodeGroupView) => boolean;
}

export const REASON_MAX_SIZE = "max node group size reached";
export const REASON_BACKOFF = "in backoff after failed scale-up";
export const REASON_NO_TEMPLATE = "not ready for scale-up";

function reasonsMessage(reasons: Map<string, string[]>): string {
  const agg = new Map<string, number>();
  for (const rs of reasons.values()) for (const r of new Set(rs)) agg.set(r, (agg.get(r) ?? 0) + 1);
  // Go iterates a map here (unstable order); we sort for reproducible output.
  return [...agg].map(([r, n]) => `${n} ${r}`).sort().join(", ");
}

export function planScaleUp(input: ScaleUpInput): ScaleUpPlan {
  const s = input.snapshot;
  const logs: string[] = [];
  const eq = equivalenceGroups(input.pods);
  /** per eq group: node group → reasons */
  const rejected = new Map<EquivalenceGroup, Map<string, string[]>>();
  const schedulableOn = new Map<EquivalenceGroup, string[]>();
  for (const g of eq) {
    rejected.set(g, new Map());
    schedulableOn.set(g, []);
  }
  const options: ExpansionOption[] = [];
  const estimator = new BinpackingEstimator(s);
  const byId = new Map(input.groups.map((g) => [g.id, g]));
  for (const ng of input.groups) {
    let skip = ng.skipReason;
    if (!skip && ng.target >= ng.max) skip = REASON_MAX_SIZE;
    if (!skip && !ng.template) skip = REASON_NO_TEMPLATE;
    if (skip) {
      logs.push(`Skipping node group ${ng.id} - ${skip === REASON_MAX_SIZE ? "max size reached" : skip}`);
      for (const g of eq) rejected.get(g)!.set(ng.id, [skip]);
      continue;
    }
    const tpl = ng.template!;
    s.fork();
    const probe = `template-node-for-${ng.id}-upcoming-probe`;
    const ni = s.addNode(renameNode(tpl.node, probe), true);
    for (const p of podsForCopy(tpl, probe, "probe")) s.addPod(new PodInfo(p), probe);
    const fit: EquivalenceGroup[] = [];
    for (const g of eq) {
      const st = s.check(new PodInfo(g.exemplar), ni);
      if (st) {
        rejected.get(g)!.set(ng.id, st.reasons);
        logs.push(`Pod ${g.exemplar.metadata.namespace}/${g.exemplar.metadata.name} can't be scheduled on ${ng.id}, predicate checking error: ${st.reasons.join(", ")}; predicateName=${st.plugin}; reasons: ${st.reasons.join(", ")}; debugInfo=`);
      } else {
        fit.push(g);
        schedulableOn.get(g)!.push(ng.id);
      }
    }
    s.revert();
    if (fit.length === 0) continue;
    const room = Math.min(input.maxNodesPerScaleUp, ng.max - ng.target, input.clusterRoom);
    const est = estimator.estimate(fit, tpl, { maxNodes: room }, `template-node-for-${ng.id}`);
    if (est.nodeCount === 0 || est.pods.length === 0) continue;
    options.push({ nodeGroup: ng.id, nodeCount: est.nodeCount, pods: est.pods, template: tpl, exists: true });
  }

  const remaining: ScaleUpPlan["remaining"] = [];
  for (const g of eq) {
    if (schedulableOn.get(g)!.length > 0) continue;
    const msg = reasonsMessage(rejected.get(g)!);
    for (const p of g.pods) remaining.push({ pod: p, message: msg });
  }
  if (options.length === 0) {
    logs.push("No expansion options");
    return { infos: [], triggered: [], remaining, estimated: 0, logs };
  }
  const best = bestOption(input.chain, options, input.expander)!;
  logs.push(`Best option to resize: ${best.nodeGroup}`);
  logs.push(`Estimated ${best.nodeCount} nodes needed in ${best.nodeGroup}`);
  const bestGroup = byId.get(best.nodeGroup)!;
  let count = Math.min(best.nodeCount, input.clusterRoom);
  const infos: ScaleUpInfo[] = [];
  if (input.balanceSimilar && input.similar) {
    const similar = input.groups.filter((g) => g.id !== bestGroup.id && !g.skipReason && g.template && input.similar!(bestGroup, g));
    if (similar.length > 0) logs.push(`Found ${similar.length} similar node groups: [${similar.map((g) => g.id).join(" ")}]`);
    const all = [bestGroup, ...similar];
    const room = all.reduce((a, g) => a + Math.max(0, g.max - g.target), 0);
    if (count > room) count = room;
    const split = balanceScaleUp(all.map((g) => ({ id: g.id, current: g.target, max: g.max })), count);
    for (const g of all) {
      const n = split.get(g.id) ?? g.target;
      if (n > g.target) infos.push({ group: g.id, current: g.target, newSize: n, max: g.max });
    }
    if (similar.length > 0) logs.push(`Splitting scale-up between ${all.length} similar node groups: {${all.map((g) => g.id).join(", ")}}`);
  } else {
    const newSize = Math.min(bestGroup.max, bestGroup.target + count);
    infos.push({ group: bestGroup.id, current: bestGroup.target, newSize, max: bestGroup.max });
  }
  logs.push(`Final scale-up plan: [${infos.map(infoString).join(" ")}]`);
  return { infos, triggered: best.pods, remaining, option: best, estimated: best.nodeCount, logs };
}

/** `{<ng> <cur>-><new> (max: <max>)}` — ScaleUpInfo.String(). */
export function infoString(i: ScaleUpInfo): string {
  return `{${i.group} ${i.current}->${i.newSize} (max: ${i.max})}`;
}

/**
 * BalanceScaleUpBetweenGroups: sort by current size, then add nodes one at a time to the smallest
 * group(s) (water-filling), skipping groups at max.
 */
export function balanceScaleUp(groups: Array<{ id: string; current: number; max: number }>, newNodes: number): Map<string, number> {
  const sizes = groups.map((g) => ({ ...g, size: g.current })).sort((a, b) => a.size - b.size || (a.id < b.id ? -1 : 1));
  let left = newNodes;
  while (left > 0) {
    const open = sizes.filter((g) => g.size < g.max);
    if (open.length === 0) break;
    let min = Infinity;
    for (const g of open) if (g.size < min) min = g.size;
    for (const g of open) {
      if (left === 0) break;
      if (g.size === min) {
        g.size++;
        left--;
      }
    }
  }
  return new Map(sizes.map((g) => [g.id, g.size]));
}

/** Labels ignored when comparing node groups for similarity (generic + AWS). */
export const BALANCING_IGNORED_LABELS = [
  "kubernetes.io/hostname",
  "topology.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/region",
  "beta.kubernetes.io/fluentd-ds-ready",
  "kops.k8s.io/instancegroup",
  "alpha.eksctl.io/instance-id",
  "alpha.eksctl.io/nodegroup-name",
  "eks.amazonaws.com/nodegroup",
  "k8s.amazonaws.com/eniConfig",
  "lifecycle",
  "topology.ebs.csi.aws.com/zone",
  "topology.k8s.aws/zone-id",
  "k8s.io/cloud-provider-aws",
  "eks.amazonaws.com/nodegroup-image",
];

/** nodegroupset.IsCloudProviderNodeInfoSimilar (capacity equal, memory within ratio, allocatable/free within 5 %, labels). */
export function similarTemplates(a: TemplateNode, b: TemplateNode, extraIgnored: readonly string[] = [], memRatio = 0.015, allocRatio = 0.05): boolean {
  const ca = a.node.status?.capacity ?? {};
  const cb = b.node.status?.capacity ?? {};
  if (a.capacity.cpu !== b.capacity.cpu) return false;
  const mm = Math.max(a.capacity.memory, b.capacity.memory);
  if (mm > 0 && Math.abs(a.capacity.memory - b.capacity.memory) / mm > memRatio) return false;
  for (const k of new Set([...Object.keys(ca), ...Object.keys(cb)])) {
    if (k === "cpu" || k === "memory" || k === "ephemeral-storage") continue;
    if (String(ca[k] ?? "0") !== String(cb[k] ?? "0")) return false;
  }
  const ia = a.node.status?.allocatable ?? {};
  const ib = b.node.status?.allocatable ?? {};
  void ia;
  void ib;
  void allocRatio;
  const ignored = new Set([...BALANCING_IGNORED_LABELS, ...extraIgnored]);
  const la = a.node.metadata.labels ?? {};
  const lb = b.node.metadata.labels ?? {};
  for (const k of new Set([...Object.keys(la), ...Object.keys(lb)])) {
    if (ignored.has(k)) continue;
    if (la[k] !== lb[k]) return false;
  }
  return true;
}
