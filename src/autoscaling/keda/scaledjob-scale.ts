/**
 * KEDA v2.16's ScaledJob arithmetic, pure: the replica bounds (apis/keda/v1alpha1/scaledjob_types.go),
 * the per-scaler queue length and max value and their combination (pkg/scaling/scaledjob/metrics.go),
 * the four scaling strategies and the minReplicaCount top-up (pkg/scaling/executor/scale_jobs.go),
 * the pending-job rule and the history-limit pruning order. The controller (scaledjob.ts) gathers
 * the inputs from the store and applies the results.
 *
 * Pinned to v2.16, where later releases changed the arithmetic:
 * - `accurate` compares maxScale + running (not + running − pending) with maxReplicaCount (changed by
 *   kedacore/keda#7417, 2026);
 * - pendingPodConditions are counted over all the job's pods together, not per pod (changed by
 *   kedacore/keda#6980, 2025): a job with two pods that both meet every condition counts as pending.
 */

/** Defaults of scaledjob_types.go and scale_jobs.go. */
export const SCALEDJOB_DEFAULTS = {
  pollingInterval: 30,
  successfulJobsHistoryLimit: 100,
  failedJobsHistoryLimit: 100,
  minReplicaCount: 0,
  maxReplicaCount: 100,
} as const;

export interface ReplicaCounts {
  minReplicaCount?: number | null;
  maxReplicaCount?: number | null;
}

const isSet = (v: number | null | undefined): v is number => v !== undefined && v !== null;

/** ScaledJob.MinReplicaCount(): min, capped at max when both are set; 0 when unset. */
export function scaledJobMinReplicaCount(s: ReplicaCounts): number {
  if (!isSet(s.minReplicaCount)) return SCALEDJOB_DEFAULTS.minReplicaCount;
  if (isSet(s.maxReplicaCount) && s.minReplicaCount > s.maxReplicaCount) return s.maxReplicaCount;
  return s.minReplicaCount;
}

/**
 * ScaledJob.MaxReplicaCount(): the room above the min — max − MinReplicaCount() — because the
 * strategies only see the jobs above the min; max itself when min > max. Unset max is 100 with
 * nothing deducted (upstream's quirk: min 10 with no max allows 10 + 100 jobs).
 */
export function scaledJobMaxReplicaCount(s: ReplicaCounts): number {
  if (!isSet(s.maxReplicaCount)) return SCALEDJOB_DEFAULTS.maxReplicaCount;
  if (isSet(s.minReplicaCount) && s.minReplicaCount > s.maxReplicaCount) return s.maxReplicaCount;
  return s.maxReplicaCount - scaledJobMinReplicaCount(s);
}

// ---------------------------------------------------------------------------- metrics

export interface ScalerJobMetrics {
  queueLength: number;
  maxValue: number;
  isActive: boolean;
}

/**
 * CalculateQueueLengthAndMaxValue for one scaler: the queue length is the sum of the metric's values,
 * the max value min(queueLength / target, maxReplicaCount) as a float (0 when the target is 0).
 */
export function scalerJobMetrics(values: readonly number[], target: number, maxReplicaCount: number, isActive: boolean): ScalerJobMetrics {
  let queueLength = 0;
  for (const v of values) queueLength += v;
  const maxValue = target !== 0 ? Math.min(queueLength / target, maxReplicaCount) : 0;
  return { queueLength, maxValue, isActive };
}

export interface JobScaleMetrics {
  isActive: boolean;
  /** ceil of the combined queue length: the `scaleTo` handed to the executor. */
  queueLength: number;
  /** ceil of the combined max value, capped at maxReplicaCount: the `maxScale`. */
  maxScale: number;
  /** The combined max value before rounding (logged as maxValue). */
  maxValue: number;
}

/** Go's int64(math.Ceil(x)), saturating like ceilToInt64 does for ±Inf. */
function ceilToInt(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.ceil(x);
}

/**
 * IsScaledJobActive: combine the scalers by multipleScalersCalculation (max by default: the active
 * scaler with the longest queue; min: the active one with the shortest; avg and sum over the active
 * ones), then minReplicaCount > 0 makes the ScaledJob active whatever the triggers say.
 */
export function isScaledJobActive(scalers: readonly ScalerJobMetrics[], multipleScalersCalculation: string | undefined, minReplicaCount: number, maxReplicaCount: number): JobScaleMetrics {
  let queueLength = 0;
  let maxValue = 0;
  let isActive = false;
  switch (multipleScalersCalculation) {
    case "min":
      for (const m of scalers) {
        if ((queueLength === 0 || m.queueLength < queueLength) && m.isActive) {
          queueLength = m.queueLength;
          maxValue = m.maxValue;
          isActive = true;
        }
      }
      break;
    case "avg": {
      let q = 0;
      let mv = 0;
      let n = 0;
      for (const m of scalers) {
        if (!m.isActive) continue;
        q += m.queueLength;
        mv += m.maxValue;
        isActive = true;
        n++;
      }
      if (n !== 0) {
        queueLength = q / n;
        maxValue = mv / n;
      }
      break;
    }
    case "sum":
      for (const m of scalers) {
        if (!m.isActive) continue;
        queueLength += m.queueLength;
        maxValue += m.maxValue;
        isActive = true;
      }
      break;
    default:
      for (const m of scalers) {
        if (m.queueLength > queueLength && m.isActive) {
          queueLength = m.queueLength;
          maxValue = m.maxValue;
          isActive = true;
        }
      }
  }
  if (minReplicaCount > 0) isActive = true;
  maxValue = Math.min(maxValue, maxReplicaCount);
  return { isActive, queueLength: ceilToInt(queueLength), maxScale: ceilToInt(maxValue), maxValue };
}

// ---------------------------------------------------------------------------- strategies

export interface ScalingStrategySpec {
  strategy?: string;
  customScalingQueueLengthDeduction?: number | null;
  customScalingRunningJobPercentage?: string | null;
  pendingPodConditions?: string[] | null;
  multipleScalersCalculation?: string;
}

export type SelectedStrategy =
  | { name: "default" }
  | { name: "accurate" }
  | { name: "eager" }
  | { name: "custom"; deduction: number; percentage: number };

/** strconv.ParseFloat's decimal syntax (infinities and NaN are left out: they make no job count). */
function parseGoFloat(s: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * NewScalingStrategy: `custom` needs a customScalingRunningJobPercentage that parses as a float,
 * else it falls back to `default`; any other name than custom/accurate/eager is `default`.
 * v2.16 dereferences an unset customScalingQueueLengthDeduction (a nil-pointer panic in the
 * operator); here it counts as 0, as later releases do.
 */
export function selectScalingStrategy(spec: ScalingStrategySpec | undefined): SelectedStrategy {
  switch (spec?.strategy) {
    case "custom": {
      const p = parseGoFloat(spec.customScalingRunningJobPercentage ?? "");
      if (p === undefined) return { name: "default" };
      return { name: "custom", deduction: spec.customScalingQueueLengthDeduction ?? 0, percentage: p };
    }
    case "accurate":
      return { name: "accurate" };
    case "eager":
      return { name: "eager" };
    default:
      return { name: "default" };
  }
}

export interface EffectiveMaxScale {
  /** How many jobs may be created this poll (before the executor floors it at 0). */
  effectiveMaxScale: number;
  /** How many the executor asks for; it creates min(scaleTo, effectiveMaxScale). */
  scaleTo: number;
}

/** GetEffectiveMaxScale of each strategy (v2.16 signatures: it also returns scaleTo). */
export function effectiveMaxScale(s: SelectedStrategy, maxScale: number, running: number, pending: number, maxReplicaCount: number, scaleTo: number): EffectiveMaxScale {
  switch (s.name) {
    case "custom":
      return { effectiveMaxScale: Math.min(maxScale - s.deduction - Math.trunc(running * s.percentage), maxReplicaCount), scaleTo };
    case "accurate":
      return { effectiveMaxScale: maxScale + running > maxReplicaCount ? maxReplicaCount - running : maxScale - pending, scaleTo };
    case "eager":
      // scaleTo becomes maxReplicaCount, so only effectiveMaxScale limits what is created.
      return { effectiveMaxScale: Math.min(maxReplicaCount - running - pending, maxScale), scaleTo: maxReplicaCount };
    default:
      return { effectiveMaxScale: maxScale - running, scaleTo };
  }
}

export interface ScalingDecisionInputs {
  strategy: SelectedStrategy;
  runningJobCount: number;
  pendingJobCount: number;
  /** ceil(queueLength) from isScaledJobActive. */
  scaleTo: number;
  maxScale: number;
  /** ScaledJob.MinReplicaCount() / MaxReplicaCount(). */
  minReplicaCount: number;
  maxReplicaCount: number;
}

/**
 * getScalingDecision: below minReplicaCount running jobs, top up to it (that many, whatever the
 * queue); otherwise the strategy decides, seeing only the jobs above the min.
 */
export function scalingDecision(i: ScalingDecisionInputs): EffectiveMaxScale {
  if (i.runningJobCount < i.minReplicaCount) {
    const n = i.minReplicaCount - i.runningJobCount;
    return { effectiveMaxScale: n, scaleTo: n };
  }
  return effectiveMaxScale(i.strategy, i.maxScale, i.runningJobCount - i.minReplicaCount, i.pendingJobCount, i.maxReplicaCount, i.scaleTo);
}

/** RequestJobScale + createJobs: jobs created this poll (none while inactive). */
export function jobsToCreateThisPoll(isActive: boolean, d: EffectiveMaxScale): number {
  const eff = Math.max(0, d.effectiveMaxScale);
  if (!isActive || eff <= 0) return 0;
  return Math.max(0, Math.min(d.scaleTo, eff));
}

// ---------------------------------------------------------------------------- pending jobs

export interface PodStatusView {
  phase?: string;
  conditions?: ReadonlyArray<{ type: string; status: string }>;
}

/**
 * Whether an unfinished job counts as pending. Without pendingPodConditions: none of its pods is
 * Running or Succeeded. With them: the True conditions of the listed types, counted over all the
 * job's pods together, do not add up to exactly the number of listed conditions (v2.16).
 */
export function isJobPending(pods: readonly PodStatusView[], pendingPodConditions: readonly string[] | null | undefined): boolean {
  if (pendingPodConditions && pendingPodConditions.length > 0) {
    let fulfilled = 0;
    for (const p of pods) {
      for (const want of pendingPodConditions) {
        for (const c of p.conditions ?? []) if (c.type === want && c.status === "True") fulfilled++;
      }
    }
    return fulfilled !== pendingPodConditions.length;
  }
  for (const p of pods) if (p.phase === "Succeeded" || p.phase === "Running") return false;
  return true;
}

// ---------------------------------------------------------------------------- history

export interface FinishedJob {
  name: string;
  /** The job's first True Complete/Failed condition. */
  finished: "Complete" | "Failed";
  /** status.completionTime (virtual ms); unset for failed jobs. */
  completionTime?: number;
}

/**
 * cleanUp: the Complete and the Failed jobs each sorted by completion time (an unset time is never
 * "before" another, so jobs without one keep their list order — by name), and the oldest beyond the
 * history limit deleted. `jobs` is in list order. Returns the names to delete, in deletion order.
 */
export function jobsBeyondHistoryLimits(jobs: readonly FinishedJob[], successfulJobsHistoryLimit: number, failedJobsHistoryLimit: number): string[] {
  const before = (a: FinishedJob, b: FinishedJob) => a.completionTime !== undefined && b.completionTime !== undefined && a.completionTime < b.completionTime;
  const byTime = (a: FinishedJob, b: FinishedJob) => (before(a, b) ? -1 : before(b, a) ? 1 : 0);
  const out: string[] = [];
  for (const [kind, limit] of [
    ["Complete", successfulJobsHistoryLimit],
    ["Failed", failedJobsHistoryLimit],
  ] as const) {
    const list = jobs.filter((j) => j.finished === kind).sort(byTime);
    if (list.length <= limit) continue;
    for (const j of list.slice(0, list.length - limit)) out.push(j.name);
  }
  return out;
}
