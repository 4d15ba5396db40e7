/**
 * The disruption methods of Karpenter v1.0–v1.2 (`pkg/controllers/disruption/*`): Drift, Emptiness,
 * Multi-node and Single-node consolidation, their scheduling simulation, price filtering and the
 * validation re-check. Pure over a snapshot (`PassInputs`); the controller owns timers and writes.
 */
import type { KubeObject } from "../../../api/meta.js";
import type { CloudInstanceType, Offering } from "../../../cloud/provider.js";
import { Requirement, Requirements } from "../../../scheduling/requirements.js";
import { CAPACITY_TYPE_LABEL, COND_CONSOLIDATABLE, COND_DRIFTED, getCondition, isConditionTrue, parseNillableDuration, ZONE_LABEL } from "../api.js";
import type { StateNode } from "../state.js";
import type { DisruptionReason } from "./budgets.js";
import type { Candidate, Command, DecisionRecord, MethodName, NewNodeClaimResult, SolveFn, SolveInput, SolveResults, StateView } from "./types.js";

export const MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT = 15;
export const MULTI_NODE_MAX_CANDIDATES = 100;
export const MAX_INSTANCE_TYPES = 60;

export interface SimInputs {
  state: StateView;
  solve: SolveFn;
  nodePools: KubeObject[];
  instanceTypes: Map<string, CloudInstanceType[]>;
  daemonSets: KubeObject[];
}

export interface SimResult {
  results: SolveResults;
  /** errors of pods that were bound before the simulation (candidates' and deleting nodes' pods) */
  nonPendingErrors: Map<string, string>;
  /** a candidate is already deleting (errCandidateDeleting) */
  candidateDeleting: boolean;
}

function podKey(p: KubeObject): string {
  return `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
}

/** SimulateScheduling: pending pods + candidates' reschedulable pods + deleting nodes' pods on the cluster without the candidates. */
export function simulateScheduling(sim: SimInputs, candidates: readonly Candidate[], reschedulable: (n: StateNode) => KubeObject[]): SimResult {
  const names = new Set<string>();
  for (const c of candidates) names.add(c.name);
  const existing: StateNode[] = [];
  const deletingPods: KubeObject[] = [];
  const deletingKeys = new Set<string>();
  let candidateDeleting = false;
  const byName = new Map<string, StateNode>();
  for (const n of sim.state.nodes()) {
    byName.set(n.name, n);
    if (n.markedForDeletion) {
      if (names.has(n.name)) candidateDeleting = true;
      for (const p of reschedulable(n)) {
        deletingPods.push(p);
        deletingKeys.add(podKey(p));
      }
    } else if (!names.has(n.name)) existing.push(n);
  }
  const empty: SolveResults = { newNodeClaims: [], existingNodes: [], podErrors: new Map() };
  if (candidateDeleting) return { results: empty, nonPendingErrors: new Map(), candidateDeleting: true };
  const pending = sim.state.pendingPods();
  const pods: KubeObject[] = [...pending];
  for (const c of candidates) for (const p of c.reschedulablePods) pods.push(p);
  for (const p of deletingPods) pods.push(p);
  const input: SolveInput = {
    pods,
    nodePools: sim.nodePools,
    instanceTypes: sim.instanceTypes,
    existingNodes: existing,
    daemonSets: sim.daemonSets,
    excludeNodes: names,
  };
  const results = sim.solve(input);
  for (const nc of results.newNodeClaims) if (nc.instanceTypeOptions.length > MAX_INSTANCE_TYPES) nc.instanceTypeOptions = nc.instanceTypeOptions.slice(0, MAX_INSTANCE_TYPES);
  const pendingKeys = new Set<string>();
  for (const p of pending) pendingKeys.add(podKey(p));
  // Pods moved onto a node that has not initialized yet cannot count as scheduled.
  for (const en of results.existingNodes) {
    const sn = byName.get(en.name);
    if (!sn || sn.initialized) continue;
    for (const p of en.pods) {
      const k = podKey(p);
      if (!deletingKeys.has(k)) results.podErrors.set(k, `would schedule against uninitialized nodeclaim/${sn.nodeClaim?.metadata.name ?? sn.name}`);
    }
  }
  const nonPendingErrors = new Map<string, string>();
  for (const [k, e] of results.podErrors) if (!pendingKeys.has(k)) nonPendingErrors.set(k, e);
  return { results, nonPendingErrors, candidateDeleting: false };
}

/** Results.NonPendingPodSchedulingErrors wording. */
export function nonPendingErrorsMessage(errs: Map<string, string>): string {
  if (errs.size === 0) return "No Pod Scheduling Errors";
  let msg = "not all pods would schedule, ";
  let n = 0;
  for (const [k, e] of errs) {
    if (n < 5) {
      msg += `${k} => ${e} `;
      n++;
    } else {
      msg += ` and ${errs.size - 5} other(s)`;
      break;
    }
  }
  return msg;
}

// ------------------------------------------------------------------------------- prices

function offeringCompatible(o: Offering, reqs: Requirements): boolean {
  if (!o.available) return false;
  const z = reqs.get(ZONE_LABEL);
  if (z && !z.has(o.zone)) return false;
  const ct = reqs.get(CAPACITY_TYPE_LABEL);
  if (ct && !ct.has(o.capacityType)) return false;
  if (o.zoneId !== undefined) {
    const zi = reqs.get("topology.k8s.aws/zone-id");
    if (zi && !zi.has(o.zoneId)) return false;
  }
  return true;
}

/** Offerings.WorstLaunchPrice: most expensive compatible offering of the capacity type a launch would use (spot preferred). */
export function worstLaunchPrice(it: CloudInstanceType, reqs: Requirements): number {
  const ct = reqs.get(CAPACITY_TYPE_LABEL);
  for (const cap of ["reserved", "spot", "on-demand"] as const) {
    if (ct && !ct.has(cap)) continue;
    if (cap === "reserved" && !ct) continue; // reserved only when explicitly allowed
    let worst = -1;
    for (const o of it.offerings) if (o.capacityType === cap && offeringCompatible(o, reqs) && o.price > worst) worst = o.price;
    if (worst >= 0) return worst;
  }
  return Number.MAX_VALUE;
}

/** Cheapest compatible available offering (InstanceTypes.OrderByPrice key). */
export function cheapestPrice(it: CloudInstanceType, reqs: Requirements): number {
  let best = Number.MAX_VALUE;
  for (const o of it.offerings) if (offeringCompatible(o, reqs) && o.price < best) best = o.price;
  return best;
}

export function orderByPrice(its: CloudInstanceType[], reqs: Requirements): CloudInstanceType[] {
  return its
    .map((it) => ({ it, p: cheapestPrice(it, reqs) }))
    .sort((a, b) => a.p - b.p || (a.it.name < b.it.name ? -1 : a.it.name > b.it.name ? 1 : 0))
    .map((x) => x.it);
}

/** filterByPrice: keep types whose worst launch price is strictly below `price`. */
export function filterByPrice(options: CloudInstanceType[], reqs: Requirements, price: number): CloudInstanceType[] {
  const out: CloudInstanceType[] = [];
  for (const it of options) if (worstLaunchPrice(it, reqs) < price) out.push(it);
  return out;
}

/** filterOutSameType: never replace N nodes with one of a type already among them unless it is cheaper than that one. */
export function filterOutSameType(r: NewNodeClaimResult, reqs: Requirements, consolidate: readonly Candidate[]): CloudInstanceType[] {
  const prices = new Map<string, number>();
  for (const c of consolidate) {
    if (!Number.isFinite(c.price)) continue;
    const cur = prices.get(c.instanceType.name);
    if (cur === undefined || c.price < cur) prices.set(c.instanceType.name, c.price);
  }
  let maxPrice = Number.MAX_VALUE;
  for (const it of r.instanceTypeOptions) {
    const p = prices.get(it.name);
    if (p !== undefined && p < maxPrice) maxPrice = p;
  }
  return filterByPrice(r.instanceTypeOptions, reqs, maxPrice);
}

function reqsOf(r: NewNodeClaimResult): Requirements {
  return Requirements.fromNodeSelector(r.requirements);
}

function setRequirement(r: NewNodeClaimResult, req: Requirement): void {
  const rs = reqsOf(r);
  rs.add(req);
  r.requirements = rs.toNodeRequirements();
}

// ------------------------------------------------------------------------------- consolidation

export interface ConsolidationOutcome {
  cmd?: Command;
  /** Unconsolidatable message (single-candidate only, as upstream) */
  unconsolidatable?: string;
}

export interface EngineOptions {
  spotToSpotConsolidation: boolean;
}

/** consolidation.computeConsolidation (v1.2). */
export function computeConsolidation(sim: SimInputs, opts: EngineOptions, candidates: Candidate[], resched: (n: StateNode) => KubeObject[]): ConsolidationOutcome {
  const s = simulateScheduling(sim, candidates, resched);
  if (s.candidateDeleting) return {};
  const single = candidates.length === 1;
  if (s.nonPendingErrors.size > 0) return { unconsolidatable: single ? nonPendingErrorsMessage(s.nonPendingErrors) : undefined };
  const results = s.results;
  if (results.newNodeClaims.length === 0) return { cmd: { candidates, replacements: [], results } };
  if (results.newNodeClaims.length !== 1) {
    return { unconsolidatable: single ? `Can't remove without creating ${results.newNodeClaims.length} candidates` : undefined };
  }
  let candidatePrice = 0;
  for (const c of candidates) {
    if (!Number.isFinite(c.price)) return { unconsolidatable: single ? `Filtering by price: unable to determine offering for ${c.instanceType.name}/${c.capacityType}/${c.zone}` : undefined };
    candidatePrice += c.price;
  }
  const allSpot = candidates.every((c) => c.capacityType === "spot");
  const r: NewNodeClaimResult = { ...results.newNodeClaims[0]!, requirements: [...results.newNodeClaims[0]!.requirements] };
  let reqs = reqsOf(r);
  r.instanceTypeOptions = orderByPrice(r.instanceTypeOptions, reqs);
  const ctReq = reqs.get(CAPACITY_TYPE_LABEL);
  const mayBeSpot = !ctReq || ctReq.has("spot");
  if (allSpot && mayBeSpot) {
    if (!opts.spotToSpotConsolidation) {
      return { unconsolidatable: single ? "SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node" : undefined };
    }
    setRequirement(r, Requirement.of(CAPACITY_TYPE_LABEL, "In", ["spot"]));
    reqs = reqsOf(r);
    const withSpot = r.instanceTypeOptions.filter((it) => it.offerings.some((o) => offeringCompatible(o, reqs)));
    r.instanceTypeOptions = filterByPrice(withSpot, reqs, candidatePrice);
    if (r.instanceTypeOptions.length === 0) return { unconsolidatable: single ? "Can't replace spot node with a cheaper spot node" : undefined };
    if (!single) return { cmd: { candidates, replacements: [r], results } };
    if (r.instanceTypeOptions.length < MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT) {
      return {
        unconsolidatable: `SpotToSpotConsolidation requires ${MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT} cheaper instance type options than the current candidate to consolidate, got ${r.instanceTypeOptions.length}`,
      };
    }
    let keep = MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT;
    for (const q of reqs.values()) if (q.minValues !== undefined) keep = Math.max(keep, minTypesForMinValues(r.instanceTypeOptions, q));
    r.instanceTypeOptions = r.instanceTypeOptions.slice(0, keep);
    return { cmd: { candidates, replacements: [r], results } };
  }
  r.instanceTypeOptions = filterByPrice(r.instanceTypeOptions, reqs, candidatePrice);
  if (r.instanceTypeOptions.length === 0) return { unconsolidatable: single ? "Can't replace with a cheaper node" : undefined };
  // OD → [OD, spot]: prices were filtered assuming spot launches; pin it so a spot ICE cannot fall back to a pricier on-demand.
  const ct = reqs.get(CAPACITY_TYPE_LABEL);
  if (!ct || (ct.has("spot") && ct.has("on-demand"))) setRequirement(r, Requirement.of(CAPACITY_TYPE_LABEL, "In", ["spot"]));
  return { cmd: { candidates, replacements: [r], results } };
}

/** How many of the price-ordered types are needed to reach `minValues` distinct values of the requirement's key. */
function minTypesForMinValues(its: CloudInstanceType[], q: Requirement): number {
  const seen = new Set<string>();
  for (let i = 0; i < its.length; i++) {
    for (const r of its[i]!.requirements) if (r.key === q.key && r.values) for (const v of r.values) seen.add(v);
    if (seen.size >= (q.minValues ?? 0)) return i + 1;
  }
  return its.length;
}

// ------------------------------------------------------------------------------- method helpers

export function consolidatable(c: Candidate): boolean {
  return isConditionTrue(c.nodeClaim, COND_CONSOLIDATABLE);
}

export function consolidationEnabled(c: Candidate): boolean {
  return parseNillableDuration(c.nodePool.spec.disruption?.consolidateAfter) !== undefined;
}

/** Disruption cost ascending (v1.0–v1.13), stable by name for determinism. */
export function sortByCost(cs: Candidate[]): Candidate[] {
  return [...cs].sort((a, b) => a.disruptionCost - b.disruptionCost || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function driftedSince(c: Candidate, parseTime: (s: string) => number): number {
  const cond = getCondition(c.nodeClaim, COND_DRIFTED);
  return cond ? parseTime(cond.lastTransitionTime) : 0;
}

export interface MethodDef {
  name: MethodName;
  reason: DisruptionReason;
  /** "graceful" consolidation vs "eventual" drift */
  disruptionClass: "graceful" | "eventual";
  consolidationType: "" | "empty" | "multi" | "single";
  shouldDisrupt(c: Candidate, record: (r: Omit<DecisionRecord, "t" | "method">) => void): boolean;
}

export const METHODS: readonly MethodDef[] = [
  {
    name: "drift",
    reason: "Drifted",
    disruptionClass: "eventual",
    consolidationType: "",
    shouldDisrupt: (c) => isConditionTrue(c.nodeClaim, COND_DRIFTED),
  },
  {
    name: "emptiness",
    reason: "Empty",
    disruptionClass: "graceful",
    consolidationType: "empty",
    shouldDisrupt: (c, record) => {
      if (!consolidationEnabled(c)) {
        record({ node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "skipped", reason: `NodePool "${c.nodePoolName}" has consolidation disabled` });
        return false;
      }
      return c.reschedulablePods.length === 0 && consolidatable(c);
    },
  },
  {
    name: "multi-node",
    reason: "Underutilized",
    disruptionClass: "graceful",
    consolidationType: "multi",
    shouldDisrupt: (c) => underutilizedEligible(c),
  },
  {
    name: "single-node",
    reason: "Underutilized",
    disruptionClass: "graceful",
    consolidationType: "single",
    shouldDisrupt: (c) => underutilizedEligible(c),
  },
];

function underutilizedEligible(c: Candidate): boolean {
  if (!consolidationEnabled(c)) return false;
  if ((c.nodePool.spec.disruption?.consolidationPolicy ?? "WhenEmptyOrUnderutilized") === "WhenEmpty") return false;
  if (!c.stateNode.labels["node.kubernetes.io/instance-type"] || !c.capacityType || !c.zone) return false;
  return consolidatable(c);
}
