/**
 * PodTopologySpread (kube-scheduler 1.32): DoNotSchedule constraints filter, ScheduleAnyway
 * constraints score. Counting goes through the snapshot's incremental count indexes.
 */
import { fromLabelSelector, Selector, type LabelSelector } from "../core/labels.js";
import type { RequiredNodeAffinity } from "./affinity.js";
import { LABEL_HOSTNAME, type ClusterSnapshot, type NodeInfo, type PodInfo } from "./nodeinfo.js";
import { findUntoleratedTaint } from "./taints.js";

export const REASON_SPREAD_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const REASON_SPREAD_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

export interface TopologySpreadConstraintSpec {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway" | string;
  labelSelector?: LabelSelector;
  minDomains?: number;
  nodeAffinityPolicy?: "Honor" | "Ignore";
  nodeTaintsPolicy?: "Honor" | "Ignore";
  matchLabelKeys?: string[];
}

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  minDomains: number;
  selector: Selector;
  /** Honor (default) → only nodes matching the pod's required node affinity count. */
  honorNodeAffinity: boolean;
  /** Honor → only nodes whose taints the pod tolerates count (default Ignore). */
  honorTaints: boolean;
  id: string;
}

export function compileSpreadConstraints(pod: PodInfo, which: "DoNotSchedule" | "ScheduleAnyway"): SpreadConstraint[] {
  const specs: TopologySpreadConstraintSpec[] = pod.pod.spec?.topologySpreadConstraints ?? [];
  const out: SpreadConstraint[] = [];
  for (const c of specs) {
    if (c.whenUnsatisfiable !== which) continue;
    let selector: Selector;
    try {
      selector = fromLabelSelector(c.labelSelector ?? null);
    } catch {
      selector = Selector.nothing;
    }
    if (c.matchLabelKeys?.length && !selector.matchesNothing) {
      const reqs = [...selector.requirements];
      for (const k of c.matchLabelKeys) {
        const v = pod.labels[k];
        if (v !== undefined) reqs.push({ key: k, op: "In", values: [v] });
      }
      selector = new Selector(reqs);
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      minDomains: c.minDomains ?? 1,
      selector,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
      honorTaints: c.nodeTaintsPolicy === "Honor",
      id: `spread|${pod.namespace}|${selector.matchesNothing ? "-" : selector.toString()}`,
    });
  }
  return out;
}

/** Placed, non-terminating pods of `namespace` matching the constraint's selector, per node. */
function constraintCounts(snap: ClusterSnapshot, c: SpreadConstraint, namespace: string): ReadonlyMap<string, number> {
  const sel = c.selector;
  return snap.counts(c.id, (pi) => !pi.terminating && sel.matches(pi.labels), new Set([namespace]));
}

function nodeIncluded(c: SpreadConstraint, ni: NodeInfo, pod: PodInfo, affinity: RequiredNodeAffinity): boolean {
  if (c.honorNodeAffinity && !affinity.matches(ni.labels, ni.name)) return false;
  if (c.honorTaints && findUntoleratedTaint(ni.taints, pod.tolerations)) return false;
  return true;
}

function hasAllKeys(ni: NodeInfo, cs: readonly SpreadConstraint[]): boolean {
  for (const c of cs) if (ni.labels[c.topologyKey] === undefined) return false;
  return true;
}

/** PreFilter state of the DoNotSchedule constraints. */
export class SpreadFilterState {
  /** per constraint: domain value → matching pods */
  readonly domainCounts: Map<string, number>[] = [];
  /** per constraint: global minimum used for the skew (0 when fewer domains than minDomains) */
  readonly minMatch: number[] = [];
  readonly selfMatch: number[] = [];

  constructor(
    readonly constraints: readonly SpreadConstraint[],
    snap: ClusterSnapshot,
    pod: PodInfo,
    affinity: RequiredNodeAffinity,
  ) {
    const perNode = constraints.map((c) => constraintCounts(snap, c, pod.namespace));
    for (let i = 0; i < constraints.length; i++) this.domainCounts.push(new Map());
    for (const ni of snap.nodes()) {
      if (!hasAllKeys(ni, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i]!;
        if (!nodeIncluded(c, ni, pod, affinity)) continue;
        const v = ni.labels[c.topologyKey]!;
        const m = this.domainCounts[i]!;
        m.set(v, (m.get(v) ?? 0) + (perNode[i]!.get(ni.name) ?? 0));
      }
    }
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      const m = this.domainCounts[i]!;
      let min = Number.POSITIVE_INFINITY;
      for (const n of m.values()) if (n < min) min = n;
      if (m.size < c.minDomains || min === Number.POSITIVE_INFINITY) min = 0;
      this.minMatch.push(min);
      this.selfMatch.push(c.selector.matches(pod.labels) ? 1 : 0);
    }
  }

  /** Filter: undefined when the node passes, otherwise [reason, unresolvable]. */
  check(ni: NodeInfo): [string, boolean] | undefined {
    for (let i = 0; i < this.constraints.length; i++) {
      const c = this.constraints[i]!;
      const v = ni.labels[c.topologyKey];
      if (v === undefined) return [REASON_SPREAD_MISSING_LABEL, true];
      const matchNum = this.domainCounts[i]!.get(v) ?? 0;
      const skew = matchNum + this.selfMatch[i]! - this.minMatch[i]!;
      if (skew > c.maxSkew) return [REASON_SPREAD_NOT_MATCH, false];
    }
    return undefined;
  }
}

/**
 * Score of the ScheduleAnyway constraints for the feasible nodes (already normalized to 0..100 as
 * PodTopologySpread.NormalizeScore does). Returns undefined when the plugin is skipped.
 */
export function spreadScores(
  snap: ClusterSnapshot,
  pod: PodInfo,
  affinity: RequiredNodeAffinity,
  feasible: readonly NodeInfo[],
): number[] | undefined {
  const cs = compileSpreadConstraints(pod, "ScheduleAnyway");
  if (cs.length === 0) return undefined;
  const perNode = cs.map((c) => constraintCounts(snap, c, pod.namespace));
  // Topology sizes from the feasible nodes that carry every key.
  const weights: number[] = [];
  for (const c of cs) {
    if (c.topologyKey === LABEL_HOSTNAME) {
      let n = 0;
      for (const ni of feasible) if (hasAllKeys(ni, cs)) n++;
      weights.push(Math.log(n + 2));
    } else {
      const vals = new Set<string>();
      for (const ni of feasible) if (hasAllKeys(ni, cs)) vals.add(ni.labels[c.topologyKey]!);
      weights.push(Math.log(vals.size + 2));
    }
  }
  // Domain counts over all nodes (non-hostname keys), only for domains present among feasible nodes.
  const domains: Map<string, number>[] = cs.map(() => new Map());
  for (let i = 0; i < cs.length; i++) {
    if (cs[i]!.topologyKey === LABEL_HOSTNAME) continue;
    for (const ni of feasible) if (hasAllKeys(ni, cs)) domains[i]!.set(ni.labels[cs[i]!.topologyKey]!, 0);
  }
  for (const ni of snap.nodes()) {
    if (!hasAllKeys(ni, cs)) continue;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (c.topologyKey === LABEL_HOSTNAME) continue;
      if (!nodeIncluded(c, ni, pod, affinity)) continue;
      const v = ni.labels[c.topologyKey]!;
      const m = domains[i]!;
      if (m.has(v)) m.set(v, m.get(v)! + (perNode[i]!.get(ni.name) ?? 0));
    }
  }
  const raw: number[] = [];
  const ignored: boolean[] = [];
  for (const ni of feasible) {
    if (!hasAllKeys(ni, cs)) {
      raw.push(0);
      ignored.push(true);
      continue;
    }
    let score = 0;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const v = ni.labels[c.topologyKey]!;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? (perNode[i]!.get(ni.name) ?? 0) : (domains[i]!.get(v) ?? 0);
      score += cnt * weights[i]! + (c.maxSkew - 1);
    }
    raw.push(Math.round(score));
    ignored.push(false);
  }
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < raw.length; i++) {
    if (ignored[i]) continue;
    if (raw[i]! < min) min = raw[i]!;
    if (raw[i]! > max) max = raw[i]!;
  }
  return raw.map((s, i) => {
    if (ignored[i]) return 0;
    if (max === 0) return 100;
    return Math.trunc((100 * (max + min - s)) / max);
  });
}
