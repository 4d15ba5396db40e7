/**
 * NodePool disruption budgets (karpenter.sh/v1 `spec.disruption.budgets`, spec §7.4):
 * allowed = min over the active budgets that apply to the reason of ceil(P% × N) or N; inactive
 * scheduled budgets are unlimited; a malformed budget fails closed (0). The per-pool figure the
 * disruption methods spend is max(allowed − disrupting, 0).
 */
import { parseDuration } from "../../../core/duration.js";
import { parseCron, type CronSchedule } from "../../../core/cron.js";

export type DisruptionReason = "Underutilized" | "Empty" | "Drifted";

export interface Budget {
  nodes?: string;
  reasons?: string[];
  schedule?: string;
  duration?: string;
}

export const DEFAULT_BUDGETS: readonly Budget[] = [{ nodes: "10%" }];
export const MAX_INT32 = 2147483647;

const cronCache = new Map<string, CronSchedule | Error>();

function cron(spec: string): CronSchedule {
  let c = cronCache.get(spec);
  if (c === undefined) {
    try {
      c = parseCron(`TZ=UTC ${spec}`);
    } catch (e) {
      c = e as Error;
    }
    cronCache.set(spec, c);
  }
  if (c instanceof Error) throw new Error(`invalid schedule ${spec}, ${c.message}`);
  return c;
}

/**
 * Budget.IsActive: no schedule ⇒ always; else `schedule.Next(now − duration)` is not after now, i.e.
 * a window opened within the last `duration` (Next is strictly after its argument).
 */
export function budgetActive(b: Budget, unixMs: number): boolean {
  if (b.schedule === undefined && b.duration === undefined) return true;
  const c = cron(b.schedule ?? "");
  const d = b.duration !== undefined ? parseDuration(b.duration) : 0;
  return c.next(unixMs - d, "UTC") <= unixMs;
}

/** intstr.GetScaledValueFromIntOrPercent(nodes, numNodes, roundUp=true). */
export function scaledNodes(nodes: string, numNodes: number): number {
  const m = /^([0-9]+)%$/.exec(nodes);
  if (m) return Math.ceil((Number(m[1]) * numNodes) / 100);
  if (/^[0-9]+$/.test(nodes)) return Number(nodes);
  throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
}

/** Budget.GetAllowedDisruptions. Errors (malformed schedule/nodes) ⇒ 0. */
export function budgetAllowed(b: Budget, unixMs: number, numNodes: number): number {
  try {
    if (!budgetActive(b, unixMs)) return MAX_INT32;
    return scaledNodes(b.nodes ?? "10%", numNodes);
  } catch {
    return 0;
  }
}

/** NodePool.GetAllowedDisruptionsByReason. */
export function allowedDisruptions(budgets: readonly Budget[] | undefined, unixMs: number, numNodes: number, reason: DisruptionReason): number {
  let allowed = MAX_INT32;
  for (const b of budgets ?? DEFAULT_BUDGETS) {
    const v = budgetAllowed(b, unixMs, numNodes);
    if (!b.reasons || b.reasons.includes(reason)) allowed = Math.min(allowed, v);
  }
  return allowed;
}

export interface BudgetNode {
  nodePoolName: string | undefined;
  managed: boolean;
  initialized: boolean;
  /** Node Ready condition is True. */
  ready: boolean;
  markedForDeletion: boolean;
}

export interface BudgetPool {
  name: string;
  budgets?: readonly Budget[];
}

/**
 * BuildDisruptionBudgetMapping: per pool, allowed − disrupting (≥ 0), counting only managed,
 * initialized nodes; disrupting = NotReady or marked for deletion. Returns also the raw `allowed`
 * figures (for the NodePoolBlockedForDisruptionReason event and the allowed_disruptions gauge).
 */
export function buildBudgetMapping(
  nodes: Iterable<BudgetNode>,
  pools: Iterable<BudgetPool>,
  unixMs: number,
  reason: DisruptionReason,
): { available: Map<string, number>; allowed: Map<string, number> } {
  const num = new Map<string, number>();
  const disrupting = new Map<string, number>();
  for (const n of nodes) {
    if (!n.managed || !n.initialized || n.nodePoolName === undefined) continue;
    num.set(n.nodePoolName, (num.get(n.nodePoolName) ?? 0) + 1);
    if (!n.ready || n.markedForDeletion) disrupting.set(n.nodePoolName, (disrupting.get(n.nodePoolName) ?? 0) + 1);
  }
  const available = new Map<string, number>();
  const allowedMap = new Map<string, number>();
  for (const p of pools) {
    const allowed = allowedDisruptions(p.budgets, unixMs, num.get(p.name) ?? 0, reason);
    allowedMap.set(p.name, allowed);
    available.set(p.name, Math.max(allowed - (disrupting.get(p.name) ?? 0), 0));
  }
  return { available, allowed: allowedMap };
}
