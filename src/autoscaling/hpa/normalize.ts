/**
 * From a replica proposal to the replica count the HPA writes: stabilization windows, the legacy
 * scale-up cap, and the autoscaling/v2 `behavior` policies (horizontal.go normalizeDesiredReplicas*,
 * stabilizeRecommendation*, convertDesiredReplicasWith*, calculateScale{Up,Down}Limit*,
 * storeScaleEvent). Pure: history lists are passed in and updated in place. Times are virtual ms.
 */
import { MSG, limitMessage, type LimitReason } from "./conditions.js";

export interface TimestampedRecommendation {
  replicas: number;
  timestamp: number;
}

export interface ScaleEvent {
  /** |new − old| replicas. */
  change: number;
  timestamp: number;
  outdated: boolean;
}

export type SelectPolicy = "Max" | "Min" | "Disabled";

export interface ScalingPolicy {
  type: "Pods" | "Percent" | string;
  value: number;
  periodSeconds: number;
}

/** autoscaling/v2 HPAScalingRules. */
export interface ScalingRules {
  stabilizationWindowSeconds?: number | null;
  selectPolicy?: SelectPolicy | string | null;
  policies?: ScalingPolicy[] | null;
  tolerance?: string | number | null;
}

/** autoscaling/v2 HorizontalPodAutoscalerBehavior. */
export interface HpaBehavior {
  scaleUp?: ScalingRules | null;
  scaleDown?: ScalingRules | null;
}

/** Fully defaulted rules (what the API server stores for a non-null behavior). */
export interface ResolvedRules {
  stabilizationWindowSeconds: number | undefined;
  selectPolicy: SelectPolicy | string;
  policies: ScalingPolicy[];
  tolerance?: string | number;
}

/** GenerateHPAScaleUpRules: window 0, Max, [Pods 4 / 15 s, Percent 100 / 15 s]. */
export function defaultScaleUpRules(r?: ScalingRules | null): ResolvedRules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? "Max",
    policies: r?.policies ?? [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
    ...(r?.tolerance !== undefined && r?.tolerance !== null ? { tolerance: r.tolerance } : {}),
  };
}

/** GenerateHPAScaleDownRules: window unset (controller flag), Max, [Percent 100 / 15 s]. */
export function defaultScaleDownRules(r?: ScalingRules | null): ResolvedRules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? undefined,
    selectPolicy: r?.selectPolicy ?? "Max",
    policies: r?.policies ?? [{ type: "Percent", value: 100, periodSeconds: 15 }],
    ...(r?.tolerance !== undefined && r?.tolerance !== null ? { tolerance: r.tolerance } : {}),
  };
}

// ------------------------------------------------------------------ legacy path (§6)

/**
 * stabilizeRecommendation (no behavior): max of the proposal and every recommendation not older than
 * the window; the proposal overwrites the last too-old entry, else is appended.
 */
export function stabilizeLegacy(recs: TimestampedRecommendation[], proposal: number, now: number, windowMs: number): number {
  let max = proposal;
  let oldIndex = -1;
  const cutoff = now - windowMs;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (r.timestamp < cutoff) oldIndex = i;
    else if (r.replicas > max) max = r.replicas;
  }
  const entry = { replicas: proposal, timestamp: now };
  if (oldIndex >= 0) recs[oldIndex] = entry;
  else recs.push(entry);
  return max;
}

/** calculateScaleUpLimit: max(factor × current, minimum), production factor 2, minimum 4. */
export function legacyScaleUpLimit(current: number, factor = 2, minimum = 4): number {
  return Math.trunc(Math.max(factor * current, minimum));
}

export interface LimitDecision {
  desired: number;
  reason: LimitReason;
  message: string;
}

/** convertDesiredReplicasWithRules (§6.2): min/max clamp with the legacy scale-up cap. */
export function normalizeLegacy(current: number, desired: number, minReplicas: number, maxReplicas: number, factor = 2, minimum = 4): LimitDecision {
  const upLimit = legacyScaleUpLimit(current, factor, minimum);
  let maxAllowed: number;
  let reason: LimitReason;
  if (maxReplicas > upLimit) {
    maxAllowed = upLimit;
    reason = "ScaleUpLimit";
  } else {
    maxAllowed = maxReplicas;
    reason = "TooManyReplicas";
  }
  if (desired < minReplicas) return { desired: minReplicas, reason: "TooFewReplicas", message: limitMessage("TooFewReplicas") };
  if (desired > maxAllowed) return { desired: maxAllowed, reason, message: limitMessage(reason) };
  return { desired, reason: "DesiredWithinRange", message: limitMessage("DesiredWithinRange") };
}

// ------------------------------------------------------------------ behavior path (§7)

export interface StabilizeDecision {
  stabilized: number;
  reason: "ScaleUpStabilized" | "ScaleDownStabilized";
  message: string;
}

/**
 * stabilizeRecommendationWithBehaviors (§7.2): scale up only to the lowest recommendation of the
 * scale-up window, down only to the highest of the scale-down window. Stores the proposal over the
 * last entry older than both windows, else appends.
 */
export function stabilizeWithBehavior(
  recs: TimestampedRecommendation[],
  current: number,
  proposal: number,
  upWindowSeconds: number,
  downWindowSeconds: number,
  now: number,
): StabilizeDecision {
  let upRec = proposal;
  let downRec = proposal;
  const upCutoff = now - upWindowSeconds * 1000;
  const downCutoff = now - downWindowSeconds * 1000;
  let oldIndex = -1;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (r.timestamp > upCutoff && r.replicas < upRec) upRec = r.replicas;
    if (r.timestamp > downCutoff && r.replicas > downRec) downRec = r.replicas;
    if (r.timestamp < upCutoff && r.timestamp < downCutoff) oldIndex = i;
  }
  let rec = current;
  if (rec < upRec) rec = upRec;
  if (rec > downRec) rec = downRec;
  const entry = { replicas: proposal, timestamp: now };
  if (oldIndex >= 0) recs[oldIndex] = entry;
  else recs.push(entry);
  return proposal >= current
    ? { stabilized: rec, reason: "ScaleUpStabilized", message: MSG.scaleUpStabilized }
    : { stabilized: rec, reason: "ScaleDownStabilized", message: MSG.scaleDownStabilized };
}

/** getReplicasChangePerPeriod: Σ change of events strictly younger than the period. */
export function replicasChangePerPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.timestamp > cutoff) n += e.change;
  return n;
}

const MIN_INT32 = -2147483648;
const MAX_INT32 = 2147483647;

/** calculateScaleUpLimitWithScalingRules (§7.3). */
export function scaleUpLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ResolvedRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pickMin = rules.selectPolicy === "Min";
  let result = pickMin ? MAX_INT32 : MIN_INT32;
  for (const p of rules.policies) {
    const added = replicasChangePerPeriod(p.periodSeconds, upEvents, now);
    const deleted = replicasChangePerPeriod(p.periodSeconds, downEvents, now);
    const periodStart = current - added + deleted;
    let proposed = 0;
    if (p.type === "Pods") proposed = periodStart + p.value;
    else if (p.type === "Percent") proposed = Math.ceil(periodStart * (1 + p.value / 100));
    result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors (§7.3): `Max` = the largest decrease (lowest count). */
export function scaleDownLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ResolvedRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pickMax = rules.selectPolicy === "Min";
  let result = pickMax ? MIN_INT32 : MAX_INT32;
  for (const p of rules.policies) {
    const added = replicasChangePerPeriod(p.periodSeconds, upEvents, now);
    const deleted = replicasChangePerPeriod(p.periodSeconds, downEvents, now);
    const periodStart = current - added + deleted;
    let proposed = 0;
    if (p.type === "Pods") proposed = periodStart - p.value;
    else if (p.type === "Percent") proposed = Math.trunc(periodStart * (1 - p.value / 100));
    result = pickMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export interface RateLimitInput {
  current: number;
  /** The stabilized recommendation. */
  desired: number;
  minReplicas: number;
  maxReplicas: number;
  scaleUp: ResolvedRules;
  scaleDown: ResolvedRules;
  upEvents: readonly ScaleEvent[];
  downEvents: readonly ScaleEvent[];
  now: number;
}

/** convertDesiredReplicasWithBehaviorRate (§7.3). */
export function rateLimitWithBehavior(a: RateLimitInput): LimitDecision {
  if (a.desired > a.current) {
    let limit = scaleUpLimit(a.current, a.upEvents, a.downEvents, a.scaleUp, a.now);
    if (limit < a.current) limit = a.current;
    let maxAllowed = a.maxReplicas;
    let reason: LimitReason;
    if (maxAllowed > limit) {
      maxAllowed = limit;
      reason = "ScaleUpLimit";
    } else {
      reason = "TooManyReplicas";
    }
    if (a.desired > maxAllowed) return { desired: maxAllowed, reason, message: limitMessage(reason) };
  } else if (a.desired < a.current) {
    let limit = scaleDownLimit(a.current, a.upEvents, a.downEvents, a.scaleDown, a.now);
    if (limit > a.current) limit = a.current;
    let minAllowed = a.minReplicas;
    let reason: LimitReason;
    if (minAllowed < limit) {
      minAllowed = limit;
      reason = "ScaleDownLimit";
    } else {
      reason = "TooFewReplicas";
    }
    if (a.desired < minAllowed) return { desired: minAllowed, reason, message: limitMessage(reason) };
  }
  return { desired: a.desired, reason: "DesiredWithinRange", message: limitMessage("DesiredWithinRange") };
}

/** getLongestPolicyPeriod. */
export function longestPolicyPeriod(rules: ResolvedRules): number {
  let p = 0;
  for (const x of rules.policies) if (x.periodSeconds > p) p = x.periodSeconds;
  return p;
}

/** markScaleEventsOutdated: events older than the period become reusable slots. */
export function markScaleEventsOutdated(events: ScaleEvent[], periodSeconds: number, now: number): void {
  const cutoff = now - periodSeconds * 1000;
  for (const e of events) if (e.timestamp < cutoff) e.outdated = true;
}

export interface ScaleEventHistory {
  up: ScaleEvent[];
  down: ScaleEvent[];
}

/**
 * storeScaleEvent (§8): only for HPAs with a behavior. The new event overwrites the last outdated
 * slot of its direction's list, else is appended.
 */
export function storeScaleEvent(
  behavior: { scaleUp: ResolvedRules; scaleDown: ResolvedRules } | undefined,
  history: ScaleEventHistory,
  prevReplicas: number,
  newReplicas: number,
  now: number,
): void {
  if (!behavior) return;
  const up = newReplicas > prevReplicas;
  const list = up ? history.up : history.down;
  markScaleEventsOutdated(list, longestPolicyPeriod(up ? behavior.scaleUp : behavior.scaleDown), now);
  let idx = -1;
  for (let i = 0; i < list.length; i++) if (list[i]!.outdated) idx = i;
  const ev: ScaleEvent = { change: up ? newReplicas - prevReplicas : prevReplicas - newReplicas, timestamp: now, outdated: false };
  if (idx >= 0) list[idx] = ev;
  else list.push(ev);
}

// ------------------------------------------------------------------ the two normalizers with conditions

export interface NormalizeDecision {
  desired: number;
  /** AbleToScale=True reason/message set by the stabilization step. */
  ableToScale: { reason: string; message: string };
  /** ScalingLimited condition. */
  scalingLimited: { status: "True" | "False"; reason: LimitReason; message: string };
  stabilized: number;
}

/** normalizeDesiredReplicas (no behavior): legacy stabilization then the legacy clamp. */
export function normalizeDesiredReplicasLegacy(
  recs: TimestampedRecommendation[],
  current: number,
  proposal: number,
  minReplicas: number,
  maxReplicas: number,
  now: number,
  downscaleWindowMs: number,
  factor = 2,
  minimum = 4,
): NormalizeDecision {
  const stabilized = stabilizeLegacy(recs, proposal, now, downscaleWindowMs);
  const ableToScale =
    stabilized !== proposal
      ? { reason: "ScaleDownStabilized", message: MSG.scaleDownStabilized }
      : { reason: "ReadyForNewScale", message: MSG.readyForNewScale };
  const lim = normalizeLegacy(current, stabilized, minReplicas, maxReplicas, factor, minimum);
  return {
    desired: lim.desired,
    ableToScale,
    scalingLimited: { status: lim.desired === stabilized ? "False" : "True", reason: lim.reason, message: lim.message },
    stabilized,
  };
}

/** normalizeDesiredReplicasWithBehaviors: stabilization windows then the rate policies. */
export function normalizeDesiredReplicasWithBehavior(
  recs: TimestampedRecommendation[],
  events: ScaleEventHistory,
  behavior: { scaleUp: ResolvedRules; scaleDown: ResolvedRules },
  current: number,
  proposal: number,
  minReplicas: number,
  maxReplicas: number,
  now: number,
  downscaleWindowMs: number,
): NormalizeDecision {
  const downWindow = behavior.scaleDown.stabilizationWindowSeconds ?? Math.round(downscaleWindowMs / 1000);
  const upWindow = behavior.scaleUp.stabilizationWindowSeconds ?? 0;
  const st = stabilizeWithBehavior(recs, current, proposal, upWindow, downWindow, now);
  const ableToScale =
    st.stabilized !== proposal ? { reason: st.reason, message: st.message } : { reason: "ReadyForNewScale", message: MSG.readyForNewScale };
  const lim = rateLimitWithBehavior({
    current,
    desired: st.stabilized,
    minReplicas,
    maxReplicas,
    scaleUp: behavior.scaleUp,
    scaleDown: behavior.scaleDown,
    upEvents: events.up,
    downEvents: events.down,
    now,
  });
  return {
    desired: lim.desired,
    ableToScale,
    scalingLimited: { status: lim.desired === st.stabilized ? "False" : "True", reason: lim.reason, message: lim.message },
    stabilized: st.stabilized,
  };
}
