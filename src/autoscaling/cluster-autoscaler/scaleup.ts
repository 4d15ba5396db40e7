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
import { balanceScaleUp } from "./nodegroupset.js";
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
  const byId = new Map(input.groups.map((g) => [g.id, g]));
  // schedulablePodGroups: the equivalence groups whose exemplar fits a fresh template node of each valid group.
  const fitting = new Map<string, EquivalenceGroup[]>();
  for (const ng of input.groups) {
    let skip = ng.skipReason;
    if (!skip && ng.target >= ng.max) skip = REASON_MAX_SIZE;
    if (!skip && !ng.template) skip = REASON_NO_TEMPLATE;
    if (skip) {
      // Backoff is reported by the caller ("Node group … is not ready for scaleup - backoff").
      if (skip !== REASON_BACKOFF) logs.push(`Skipping node group ${ng.id} - ${skip === REASON_MAX_SIZE ? "max size reached" : skip}`);
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
    fitting.set(ng.id, fit);
  }

  // ComputeSimilarNodeGroups: similar templates, safe to scale, and able to take every pod group this one takes.
  const similarTo = (ng: NodeGroupView): NodeGroupView[] => {
    if (!input.balanceSimilar || !input.similar) return [];
    const own = fitting.get(ng.id);
    if (!own || own.length === 0) return [];
    const out: NodeGroupView[] = [];
    for (const other of input.groups) {
      if (other.id === ng.id || !other.template || !input.similar(ng, other)) continue;
      if (other.skipReason) {
        logs.push(`Ignoring node group ${other.id} when balancing: group is not ready for scaleup`);
        continue;
      }
      const theirs = fitting.get(other.id);
      if (theirs && own.every((g) => theirs.includes(g))) out.push(other);
    }
    return out;
  };

  const options: ExpansionOption[] = [];
  const estimator = new BinpackingEstimator(s);
  for (const ng of input.groups) {
    const fit = fitting.get(ng.id);
    if (!fit || fit.length === 0) continue;
    // The estimator may fill the similar groups too (its node-group capacity threshold sums their room).
    let groupRoom = ng.max - ng.target;
    for (const sim of similarTo(ng)) groupRoom += Math.max(0, sim.max - sim.target);
    const room = Math.min(input.maxNodesPerScaleUp, groupRoom, input.clusterRoom);
    const est = estimator.estimate(fit, ng.template!, { maxNodes: room }, `template-node-for-${ng.id}`);
    if (est.nodeCount === 0 || est.pods.length === 0) continue;
    options.push({ nodeGroup: ng.id, nodeCount: est.nodeCount, pods: est.pods, template: ng.template!, exists: true });
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
  const count = Math.min(best.nodeCount, input.clusterRoom);
  const infos: ScaleUpInfo[] = [];
  // balanceScaleUps: without balancing the "set" is the best group alone (it still caps at max).
  let similar: NodeGroupView[] = [];
  if (input.balanceSimilar) {
    similar = similarTo(bestGroup);
    if (similar.length > 0) logs.push(`Found ${similar.length} similar node groups: [${similar.map((g) => g.id).join(" ")}]`);
    else logs.push("No similar node groups found");
  }
  const all = [bestGroup, ...similar];
  if (all.length > 1) logs.push(`Splitting scale-up between ${all.length} similar node groups: {${all.map((g) => g.id).join(", ")}}`);
  const open = all.filter((g) => g.target < g.max);
  const room = open.reduce((a, g) => a + (g.max - g.target), 0);
  let n = count;
  if (room < n) {
    logs.push(`Requested scale-up (${n}) exceeds node group set capacity, capping to ${room}`);
    n = room;
  }
  const split = balanceScaleUp(open.map((g) => ({ id: g.id, current: g.target, max: g.max })), n);
  for (const g of open) {
    const size = split.get(g.id) ?? g.target;
    if (size > g.target) infos.push({ group: g.id, current: g.target, newSize: size, max: g.max });
  }
  logs.push(`Final scale-up plan: [${infos.map(infoString).join(" ")}]`);
  return { infos, triggered: best.pods, remaining, option: best, estimated: best.nodeCount, logs };
}

/** `{<ng> <cur>-><new> (max: <max>)}` — ScaleUpInfo.String(). */
export function infoString(i: ScaleUpInfo): string {
  return `{${i.group} ${i.current}->${i.newSize} (max: ${i.max})}`;
}
