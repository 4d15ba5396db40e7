/**
 * ScaledJob arithmetic against upstream's own test figures (kedacore/keda, the v2.15–v2.17 files that
 * carry the eager strategy): pkg/scaling/executor/scale_jobs_test.go (TestDefaultScalingStrategy,
 * TestCustomScalingStrategy, TestAccurateScalingStrategy, TestEagerScalingStrategy,
 * TestRunningJobCount*, TestCleanUp*, TestGetPendingJobCount), pkg/scaling/scale_handler_test.go
 * (TestIsScaledJobActive, TestIsScaledJobActiveIfQueueEmptyButMinReplicaCountGreaterZero) and the
 * keda-docs 2.16 maxReplicaCount table. Where v2.16 differs from later upstream tests it is said.
 */
import { describe, expect, it } from "vitest";
import {
  effectiveMaxScale,
  isJobPending,
  isScaledJobActive,
  jobsBeyondHistoryLimits,
  jobsToCreateThisPoll,
  scaledJobMaxReplicaCount,
  scaledJobMinReplicaCount,
  scalerJobMetrics,
  scalingDecision,
  selectScalingStrategy,
  type FinishedJob,
  type ScalerJobMetrics,
} from "./scaledjob-scale.js";

/** GetEffectiveMaxScale(maxScale, running, pending, maxReplicaCount, scaleTo) → effectiveMaxScale. */
const eff = (spec: Parameters<typeof selectScalingStrategy>[0], maxScale: number, running: number, pending: number, maxRC: number, scaleTo = 1) =>
  effectiveMaxScale(selectScalingStrategy(spec), maxScale, running, pending, maxRC, scaleTo);

describe("replica bounds (scaledjob_types.go)", () => {
  it("max is the room above the min; unset max is 100 with nothing deducted; min > max caps both at max", () => {
    expect([scaledJobMinReplicaCount({}), scaledJobMaxReplicaCount({})]).toEqual([0, 100]);
    expect([scaledJobMinReplicaCount({ minReplicaCount: 1, maxReplicaCount: 10 }), scaledJobMaxReplicaCount({ minReplicaCount: 1, maxReplicaCount: 10 })]).toEqual([1, 9]);
    expect([scaledJobMinReplicaCount({ minReplicaCount: 2 }), scaledJobMaxReplicaCount({ minReplicaCount: 2 })]).toEqual([2, 100]);
    expect([scaledJobMinReplicaCount({ minReplicaCount: 5, maxReplicaCount: 3 }), scaledJobMaxReplicaCount({ minReplicaCount: 5, maxReplicaCount: 3 })]).toEqual([3, 3]);
  });
});

describe("queue length and maxScale (metrics.go, scale_handler_test TestIsScaledJobActive)", () => {
  // Four scalers (queueLength, target averageValue, active): (20,1,✓) (10,2,✓) (5,3,✓) (7,4,✗), min 0.
  const four = (max: number): ScalerJobMetrics[] =>
    [
      [20, 1, true],
      [10, 2, true],
      [5, 3, true],
      [7, 4, false],
    ].map(([q, t, a]) => scalerJobMetrics([q as number], t as number, max, a as boolean));

  it.each([
    ["max", 100, 20, 20],
    ["min", 100, 5, 2],
    ["avg", 100, 12, 9],
    ["sum", 100, 35, 27],
    ["sum", 25, 35, 25],
  ] as const)("%s with maxReplicaCount %i → queueLength %i, maxScale %i", (calc, max, q, m) => {
    const r = isScaledJobActive(four(max), calc, 0, max);
    expect([r.isActive, r.queueLength, r.maxScale]).toEqual([true, q, m]);
  });

  it("one scaler, 20 messages at target 2 → queueLength 20, maxScale 10; an empty queue with minReplicaCount 1 is active at 0/0", () => {
    const mr = scaledJobMaxReplicaCount({ minReplicaCount: 1, maxReplicaCount: 100 });
    const one = isScaledJobActive([scalerJobMetrics([20], 2, mr, true)], "", 1, mr);
    expect([one.isActive, one.queueLength, one.maxScale]).toEqual([true, 20, 10]);
    const empty = isScaledJobActive([scalerJobMetrics([0], 1, mr, true)], "", 1, mr);
    expect([empty.isActive, empty.queueLength, empty.maxScale]).toEqual([true, 0, 0]);
  });

  it("maxScale is ceil(queue / target) capped at maxReplicaCount (keda-docs 2.16 maxReplicaCount table)", () => {
    // Queue 10, max 3, target 1 / 2 → 3; queue 10, max 100, target 1 → 10; queue 4, max 3, target 5 → 1.
    const ms = (q: number, max: number, t: number) => isScaledJobActive([scalerJobMetrics([q], t, max, true)], undefined, 0, max).maxScale;
    expect([ms(10, 3, 1), ms(10, 3, 2), ms(10, 100, 1), ms(4, 3, 5)]).toEqual([3, 3, 10, 1]);
  });

  it("an inactive trigger contributes nothing; a zero target gives maxValue 0", () => {
    const r = isScaledJobActive([scalerJobMetrics([0], 2, 100, false)], "max", 0, 100);
    expect([r.isActive, r.queueLength, r.maxScale]).toEqual([false, 0, 0]);
    expect(scalerJobMetrics([7], 0, 100, true).maxValue).toBe(0);
  });
});

describe("scaling strategies (scale_jobs.go)", () => {
  it("default: maxScale − running", () => {
    expect(eff({ strategy: "default" }, 3, 2, 0, 5).effectiveMaxScale).toBe(1);
    expect(eff({ strategy: "default" }, 2, 0, 0, 5).effectiveMaxScale).toBe(2);
    // The keda-vectors.json figure: maxScale 10, running 3 → 7.
    expect(eff(undefined, 10, 3, 0, 100).effectiveMaxScale).toBe(7);
  });

  it("custom: min(maxScale − deduction − int(running × percentage), maxReplicaCount); no parsable percentage → default", () => {
    expect(eff({ strategy: "custom", customScalingQueueLengthDeduction: 1, customScalingRunningJobPercentage: "0.5" }, 3, 2, 0, 5).effectiveMaxScale).toBe(1);
    expect(eff({ strategy: "custom", customScalingQueueLengthDeduction: 1, customScalingRunningJobPercentage: "0.5" }, 10, 0, 0, 10).effectiveMaxScale).toBe(9);
    expect(selectScalingStrategy({ strategy: "custom" })).toEqual({ name: "default" });
    expect(eff({ strategy: "custom" }, 3, 2, 0, 5).effectiveMaxScale).toBe(1);
    expect(eff({ strategy: "custom" }, 2, 0, 0, 5).effectiveMaxScale).toBe(2);
    expect(selectScalingStrategy({ strategy: "custom", customScalingQueueLengthDeduction: 1, customScalingRunningJobPercentage: "" })).toEqual({ name: "default" });
    expect(eff({ strategy: "custom", customScalingQueueLengthDeduction: 2, customScalingRunningJobPercentage: "0" }, 3, 2, 0, 5).effectiveMaxScale).toBe(1);
    expect(eff({ strategy: "custom", customScalingQueueLengthDeduction: -2, customScalingRunningJobPercentage: "0" }, 3, 2, 0, 4).effectiveMaxScale).toBe(4);
    // int64(2 × 0.75) = 1: the running share truncates.
    expect(eff({ strategy: "custom", customScalingQueueLengthDeduction: 0, customScalingRunningJobPercentage: "0.75" }, 5, 2, 0, 10).effectiveMaxScale).toBe(4);
  });

  it("accurate (v2.16): maxScale + running > max → max − running, else maxScale − pending", () => {
    const a = { strategy: "accurate" };
    expect(eff(a, 3, 2, 0, 5).effectiveMaxScale).toBe(3);
    expect(eff(a, 5, 2, 0, 5).effectiveMaxScale).toBe(3);
    expect(eff(a, 3, 4, 2, 10).effectiveMaxScale).toBe(1);
    expect(eff(a, 5, 4, 2, 5).effectiveMaxScale).toBe(1);
    // Upstream's 2026 test (after kedacore/keda#7417) expects 0 here; v2.16 ignores pending in the cap: 5 − 3 = 2.
    expect(eff(a, 3, 3, 3, 5).effectiveMaxScale).toBe(2);
  });

  it("eager: min(max − running − pending, maxScale), and scaleTo becomes maxReplicaCount", () => {
    const e = { strategy: "eager" };
    expect(eff(e, 4, 3, 0, 10)).toEqual({ effectiveMaxScale: 4, scaleTo: 10 });
    expect(eff(e, 4, 0, 3, 10)).toEqual({ effectiveMaxScale: 4, scaleTo: 10 });
    expect(eff(e, 4, 7, 0, 10)).toEqual({ effectiveMaxScale: 3, scaleTo: 10 });
    expect(eff(e, 4, 1, 6, 10)).toEqual({ effectiveMaxScale: 3, scaleTo: 10 });
    expect(eff(e, 15, 0, 0, 10)).toEqual({ effectiveMaxScale: 10, scaleTo: 10 });
  });

  it("unknown strategy names select default", () => {
    expect(selectScalingStrategy({ strategy: "fastest" })).toEqual({ name: "default" });
  });
});

describe("getScalingDecision: the minReplicaCount top-up", () => {
  const base = { strategy: selectScalingStrategy(undefined), pendingJobCount: 0, maxReplicaCount: scaledJobMaxReplicaCount({ minReplicaCount: 2, maxReplicaCount: 100 }) };
  it("running 0 < min 2 → 2 and 2; running 1 < min 2 → 1 and 1", () => {
    expect(scalingDecision({ ...base, runningJobCount: 0, scaleTo: 0, maxScale: 0, minReplicaCount: 2 })).toEqual({ effectiveMaxScale: 2, scaleTo: 2 });
    expect(scalingDecision({ ...base, runningJobCount: 1, scaleTo: 0, maxScale: 0, minReplicaCount: 2 })).toEqual({ effectiveMaxScale: 1, scaleTo: 1 });
  });
  it("running ≥ min: the strategy sees running − min (min 1, running 1, maxScale 2 → 2)", () => {
    expect(scalingDecision({ ...base, runningJobCount: 1, scaleTo: 2, maxScale: 2, minReplicaCount: 1 })).toEqual({ effectiveMaxScale: 2, scaleTo: 2 });
  });
  it("the executor creates min(scaleTo, effectiveMaxScale), nothing while inactive or at ≤ 0", () => {
    // Queue 10 at target 2: maxScale 5, scaleTo 10, running 1 → 4.
    expect(jobsToCreateThisPoll(true, { effectiveMaxScale: 4, scaleTo: 10 })).toBe(4);
    expect(jobsToCreateThisPoll(true, { effectiveMaxScale: 5, scaleTo: 3 })).toBe(3);
    expect(jobsToCreateThisPoll(false, { effectiveMaxScale: 5, scaleTo: 3 })).toBe(0);
    expect(jobsToCreateThisPoll(true, { effectiveMaxScale: -2, scaleTo: 3 })).toBe(0);
  });
});

describe("pending jobs (TestGetPendingJobCount)", () => {
  const ready = { type: "Ready", status: "True" };
  const scheduled = { type: "PodScheduled", status: "True" };
  const conds = ["Ready", "PodScheduled"];
  it("without pendingPodConditions: pending unless a pod is Running or Succeeded", () => {
    expect(["Succeeded", "Running", "Failed", "Pending", "Unknown"].map((phase) => isJobPending([{ phase }], undefined))).toEqual([false, false, true, true, true]);
    expect(isJobPending([], undefined)).toBe(true);
  });
  it("with them: pending until every listed condition is True", () => {
    expect(isJobPending([{ conditions: [] }], conds)).toBe(true);
    expect(isJobPending([{ conditions: [ready] }], conds)).toBe(true);
    expect(isJobPending([{ conditions: [scheduled] }], conds)).toBe(true);
    expect(isJobPending([{ conditions: [ready, scheduled] }], conds)).toBe(false);
    expect(isJobPending([{ phase: "Running", conditions: [ready] }], [])).toBe(false);
  });
  it("v2.16 counts conditions over all pods together (kedacore/keda#6727, fixed by #6980 after v2.16)", () => {
    // Two pods, each with both conditions: 4 ≠ 2 → pending in v2.16 (later: not pending).
    expect(isJobPending([{ conditions: [ready, scheduled] }, { conditions: [ready, scheduled] }], conds)).toBe(true);
    // Two pods with one condition each: 2 = 2 → not pending in v2.16 (later: pending).
    expect(isJobPending([{ conditions: [ready] }, { conditions: [scheduled] }], conds)).toBe(false);
  });
});

describe("history limits (TestCleanUp*)", () => {
  const t = (hhmm: string) => Date.parse(`2020-07-29T${hhmm}:00Z`);
  it("keeps the newest by completionTime: limit 2 of three Complete deletes the oldest", () => {
    const jobs: FinishedJob[] = [
      { name: "name1", finished: "Complete", completionTime: t("15:37") },
      { name: "name2", finished: "Complete", completionTime: t("15:36") },
      { name: "name3", finished: "Complete", completionTime: t("15:38") },
    ];
    expect(jobsBeyondHistoryLimits(jobs, 2, 2)).toEqual(["name2"]);
  });
  it("successful limit 1 and failed limit 2 apply separately", () => {
    const jobs: FinishedJob[] = [
      { name: "success1", finished: "Complete", completionTime: t("15:37") },
      { name: "success2", finished: "Complete", completionTime: t("15:36") },
      { name: "success3", finished: "Complete", completionTime: t("15:35") },
      { name: "fail1", finished: "Failed", completionTime: t("15:37") },
      { name: "fail2", finished: "Failed", completionTime: t("15:36") },
      { name: "fail3", finished: "Failed", completionTime: t("15:38") },
    ];
    expect(new Set(jobsBeyondHistoryLimits(jobs, 1, 2))).toEqual(new Set(["success3", "success2", "fail2"]));
  });
  it("the defaults keep 100 of each: 101 + 101 finished jobs lose their oldest one each", () => {
    const jobs: FinishedJob[] = [{ name: "success0", finished: "Complete", completionTime: t("15:35") }];
    for (let i = 1; i < 101; i++) jobs.push({ name: `success${i}`, finished: "Complete", completionTime: t("15:40") });
    jobs.push({ name: "fail101", finished: "Failed", completionTime: t("15:35") });
    for (let i = 102; i < 202; i++) jobs.push({ name: `fail${i}`, finished: "Failed", completionTime: t("15:40") });
    expect(jobsBeyondHistoryLimits(jobs, 100, 100)).toEqual(["success0", "fail101"]);
  });
  it("failed jobs have no completionTime: the first in list (name) order go", () => {
    const jobs: FinishedJob[] = ["w-c", "w-a", "w-b"].sort().map((name) => ({ name, finished: "Failed" as const }));
    expect(jobsBeyondHistoryLimits(jobs, 100, 1)).toEqual(["w-a", "w-b"]);
  });
});
