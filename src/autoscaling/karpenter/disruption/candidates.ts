/**
 * Disruption candidates (spec §7.2–7.3; upstream `disruption/types.go` NewCandidate,
 * `state/statenode.go` ValidateNodeDisruptable / ValidatePodsDisruptable, `utils/pdb`,
 * `utils/disruption` costs). Each rejected node gets the upstream error text as its reason.
 */
import type { KubeObject } from "../../../api/meta.js";
import type { Store } from "../../../api/store.js";
import { parseDuration } from "../../../core/duration.js";
import { fromLabelSelector, type Selector } from "../../../core/labels.js";
import type { CloudInstanceType, CloudProvider } from "../../../cloud/provider.js";
import { Requirements } from "../../../scheduling/requirements.js";
import {
  CAPACITY_TYPE_LABEL,
  COND_INITIALIZED,
  DISRUPTED_TAINT_KEY,
  DO_NOT_DISRUPT_ANNOTATION,
  INSTANCE_TYPE_LABEL,
  NODEPOOL_LABEL,
  ZONE_LABEL,
  getCondition,
  parseNillableDuration,
  type NodePool,
} from "../api.js";
import type { StateNode } from "../state.js";
import type { Candidate, StateView } from "./types.js";

// ------------------------------------------------------------------------------- pod predicates

function isTerminal(p: KubeObject): boolean {
  const ph = p.status?.phase;
  return ph === "Succeeded" || ph === "Failed";
}

export function isActive(p: KubeObject): boolean {
  return !isTerminal(p) && !p.metadata.deletionTimestamp;
}

function ownerKind(p: KubeObject): string | undefined {
  for (const r of p.metadata.ownerReferences ?? []) if (r.controller) return r.kind;
  return undefined;
}

export function toleratesDisruptedTaint(p: KubeObject): boolean {
  for (const t of (p.spec?.tolerations ?? []) as Array<{ key?: string; operator?: string; value?: string; effect?: string }>) {
    const keyOk = t.key === undefined || t.key === "" ? t.operator === "Exists" : t.key === DISRUPTED_TAINT_KEY;
    const effOk = !t.effect || t.effect === "NoSchedule";
    const valOk = t.operator === "Exists" || (t.value ?? "") === "";
    if (keyOk && effOk && valOk) return true;
  }
  return false;
}

/** pod.IsReschedulable (+ pods tolerating the disrupted taint stay where they are). */
export function isReschedulable(p: KubeObject): boolean {
  const k = ownerKind(p);
  const activeOrStsTerminating = isActive(p) || (k === "StatefulSet" && !!p.metadata.deletionTimestamp && !isTerminal(p));
  return activeOrStsTerminating && k !== "DaemonSet" && k !== "Node" && !toleratesDisruptedTaint(p);
}

/** IsEvictable: the pods a PDB check looks at. */
function isEvictable(p: KubeObject): boolean {
  return isActive(p) && ownerKind(p) !== "Node" && !toleratesDisruptedTaint(p);
}

/**
 * `karpenter.sh/do-not-disrupt` on an active pod: "true" blocks; a duration ("5m") blocks until
 * that long after the pod started. Returns the blocking message or undefined.
 */
export function podDoNotDisrupt(p: KubeObject, now: number, parseTime: (s: string) => number): boolean {
  const v = p.metadata.annotations?.[DO_NOT_DISRUPT_ANNOTATION];
  if (v === undefined || !isActive(p)) return false;
  if (v === "true") return true;
  let d: number;
  try {
    d = parseDuration(v);
  } catch {
    return false;
  }
  const start = p.status?.startTime ?? p.metadata.creationTimestamp;
  if (!start) return true;
  return now < parseTime(start) + d;
}

// ------------------------------------------------------------------------------- PDBs

interface PdbItem {
  key: string;
  namespace: string;
  selector: Selector;
  disruptionsAllowed: number;
  alwaysAllowUnhealthy: boolean;
}

function podReady(p: KubeObject): boolean {
  return ((p.status?.conditions ?? []) as Array<{ type: string; status: string }>).some((c) => c.type === "Ready" && c.status === "True");
}

function scaled(v: string | number, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const m = /^([0-9]+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/**
 * pdb.Limits over the store's PodDisruptionBudgets. `status.disruptionsAllowed` is used when the
 * disruption controller has written it; otherwise it is computed as the disruption controller would
 * (healthy − desiredHealthy, expected = matching pods).
 */
export class PdbLimits {
  private readonly items: PdbItem[] = [];

  constructor(store: Store) {
    for (const pdb of store.list("PodDisruptionBudget")) {
      const ns = pdb.metadata.namespace ?? "default";
      const selector = fromLabelSelector(pdb.spec?.selector ?? {});
      let allowed: number | undefined = pdb.status?.disruptionsAllowed;
      if (allowed === undefined) {
        const pods = store.list("Pod", { namespace: ns }).filter((p) => isActive(p) && selector.matches(p.metadata.labels ?? {}));
        const expected = pods.length;
        const healthy = pods.filter(podReady).length;
        let desired = 0;
        if (pdb.spec?.minAvailable !== undefined) desired = scaled(pdb.spec.minAvailable, expected, true);
        else if (pdb.spec?.maxUnavailable !== undefined) desired = Math.max(0, expected - scaled(pdb.spec.maxUnavailable, expected, true));
        allowed = Math.max(0, healthy - desired);
      }
      this.items.push({
        key: `${ns}/${pdb.metadata.name}`,
        namespace: ns,
        selector,
        disruptionsAllowed: allowed,
        alwaysAllowUnhealthy: pdb.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow",
      });
    }
  }

  /** CanEvictPods: the key of the first blocking PDB, or undefined when every pod is evictable. */
  blocking(pods: readonly KubeObject[]): string | undefined {
    if (this.items.length === 0) return undefined;
    for (const p of pods) {
      if (!isEvictable(p)) continue;
      const ns = p.metadata.namespace ?? "default";
      const labels = p.metadata.labels ?? {};
      let matched: PdbItem | undefined;
      for (const pdb of this.items) {
        if (pdb.namespace !== ns || !pdb.selector.matches(labels)) continue;
        // The eviction API refuses pods covered by more than one PDB.
        if (matched) return matched.key;
        matched = pdb;
      }
      if (!matched) continue;
      if (matched.alwaysAllowUnhealthy && !podReady(p)) continue;
      if (matched.disruptionsAllowed <= 0) return matched.key;
    }
    return undefined;
  }
}

// ------------------------------------------------------------------------------- costs

/** EvictionCost: clamp(1 + deletion-cost/2^27 + priority/2^25, −10, 10). */
export function evictionCost(p: KubeObject): number {
  let cost = 1;
  const dc = p.metadata.annotations?.["controller.kubernetes.io/pod-deletion-cost"];
  if (dc !== undefined) {
    const v = Number(dc);
    if (Number.isFinite(v)) cost += v / 2 ** 27;
  }
  const prio = p.spec?.priority;
  if (typeof prio === "number") cost += prio / 2 ** 25;
  return Math.min(10, Math.max(-10, cost));
}

export function reschedulingCost(pods: readonly KubeObject[]): number {
  let c = 0;
  for (const p of pods) c += evictionCost(p);
  return c;
}

/** LifetimeRemaining: clamp((expireAfter − age)/expireAfter, 0, 1), 1 without expiry. */
export function lifetimeRemaining(nodeClaim: KubeObject, now: number, parseTime: (s: string) => number): number {
  const exp = parseNillableDuration(nodeClaim.spec?.expireAfter);
  if (exp === undefined || exp <= 0) return 1;
  const created = nodeClaim.metadata.creationTimestamp ? parseTime(nodeClaim.metadata.creationTimestamp) : now;
  const age = now - created;
  return Math.min(1, Math.max(0, (exp - age) / exp));
}

// ------------------------------------------------------------------------------- candidates

/** Cheapest offering of the type compatible with the node's labels (getCandidatePrices). */
export function offeringPrice(it: CloudInstanceType, labels: Readonly<Record<string, string>>): number | undefined {
  const zone = labels[ZONE_LABEL];
  const ct = labels[CAPACITY_TYPE_LABEL];
  let best: number | undefined;
  for (const o of it.offerings) {
    if (zone !== undefined && o.zone !== zone) continue;
    if (ct !== undefined && o.capacityType !== ct) continue;
    if (best === undefined || o.price < best) best = o.price;
  }
  return best;
}

export interface CandidateContext {
  store: Store;
  state: StateView;
  now: number;
  parseTime: (s: string) => number;
  nodePools: Map<string, NodePool>;
  instanceTypes: Map<string, Map<string, CloudInstanceType>>;
  pdbs: PdbLimits;
  /** names of nodes already in the orchestration queue */
  inQueue: ReadonlySet<string>;
  /** "eventual" (drift) lets NodeClaims with terminationGracePeriod ignore pod-level blocks. */
  disruptionClass: "graceful" | "eventual";
}

export type CandidateResult = { ok: true; candidate: Candidate } | { ok: false; reason: string; event: boolean };

/** ValidateNodeDisruptable + NewCandidate for one state node. */
export function newCandidate(sn: StateNode, ctx: CandidateContext): CandidateResult {
  const nc = sn.nodeClaim;
  if (!nc) return { ok: false, reason: "node isn't managed by karpenter", event: false };
  if (!sn.node) return { ok: false, reason: "nodeclaim does not have an associated node", event: true };
  if (!sn.initialized) return { ok: false, reason: "node isn't initialized", event: true };
  if (sn.markedForDeletion) return { ok: false, reason: "node is deleting or marked for deletion", event: true };
  if (ctx.state.isNominated(sn.name)) return { ok: false, reason: "node is nominated for a pending pod", event: true };
  if (sn.node.metadata.annotations?.[DO_NOT_DISRUPT_ANNOTATION] === "true" || nc.metadata.annotations?.[DO_NOT_DISRUPT_ANNOTATION] === "true") {
    return { ok: false, reason: `disruption is blocked through the "${DO_NOT_DISRUPT_ANNOTATION}" annotation`, event: false };
  }
  const npName = sn.labels[NODEPOOL_LABEL];
  if (npName === undefined) return { ok: false, reason: `node doesn't have required label "${NODEPOOL_LABEL}"`, event: true };
  if (ctx.inQueue.has(sn.name)) return { ok: false, reason: "candidate is already being disrupted", event: false };
  const np = ctx.nodePools.get(npName);
  const its = ctx.instanceTypes.get(npName);
  if (!np || !its) return { ok: false, reason: `NodePool "${npName}" not found`, event: true };
  const itName = sn.labels[INSTANCE_TYPE_LABEL];
  const it = itName !== undefined ? its.get(itName) : undefined;
  if (!it) return { ok: false, reason: `Instance Type "${itName ?? ""}" not found`, event: true };
  const pods = sn.pods;
  const ignorePodBlocks = ctx.disruptionClass === "eventual" && nc.spec?.terminationGracePeriod !== undefined;
  if (!ignorePodBlocks) {
    for (const p of pods) {
      if (podDoNotDisrupt(p, ctx.now, ctx.parseTime)) {
        return { ok: false, reason: `pod "${p.metadata.namespace ?? "default"}/${p.metadata.name}" has "${DO_NOT_DISRUPT_ANNOTATION}" annotation`, event: false };
      }
    }
    const pdb = ctx.pdbs.blocking(pods);
    if (pdb !== undefined) return { ok: false, reason: `pdb "${pdb}" prevents pod evictions`, event: true };
  }
  const resched: KubeObject[] = [];
  for (const p of pods) if (isReschedulable(p)) resched.push(p);
  const price = offeringPrice(it, sn.labels) ?? Number.POSITIVE_INFINITY;
  return {
    ok: true,
    candidate: {
      name: sn.name,
      stateNode: sn,
      node: sn.node,
      nodeClaim: nc,
      nodePool: np,
      nodePoolName: npName,
      instanceType: it,
      capacityType: sn.labels[CAPACITY_TYPE_LABEL] ?? "",
      zone: sn.labels[ZONE_LABEL] ?? "",
      price,
      pods,
      reschedulablePods: resched,
      disruptionCost: reschedulingCost(pods) * lifetimeRemaining(nc, ctx.now, ctx.parseTime),
    },
  };
}

/** Initialized-condition time of a NodeClaim (ms), for Consolidatable. */
export function initializedAt(nc: KubeObject, parseTime: (s: string) => number): number | undefined {
  const c = getCondition(nc, COND_INITIALIZED);
  return c && c.status === "True" ? parseTime(c.lastTransitionTime) : undefined;
}

/** Requirements from a node's labels (NewLabelRequirements), for offering compatibility. */
export function labelRequirements(labels: Readonly<Record<string, string>>): Requirements {
  return Requirements.fromLabels(labels);
}
