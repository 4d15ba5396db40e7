/**
 * Every KEDA vector (test/fixtures/keda-vectors.json, a copy of the spec's upstream-derived set)
 * against the pure functions. Vectors from upstream `main` without a version use the v2.20+ names
 * where they differ; the v2.16 form (the pinned release) is asserted alongside.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hpaMaxReplicas, hpaMinReplicas } from "./api.js";
import { parseCron } from "../../core/cron.js";
import { fallbackActive, fallbackValue, requestScale } from "./executor.js";
import { effectiveMaxScale, selectScalingStrategy } from "./scaledjob-scale.js";
import { cronMetricName } from "./names.js";
import { cronActivity, cronInactiveValue, formatWall, kafkaTotalLag, prometheusValue, rabbitmqMetric, rabbitmqMode, triggerMetricName } from "./scalers.js";

interface Vector {
  id: string;
  input: any;
  expect: any;
}
const vectors: Vector[] = JSON.parse(readFileSync(fileURLToPath(new URL("../../../test/fixtures/keda-vectors.json", import.meta.url)), "utf8"));

/** HPA arithmetic for an AverageValue target from one replica (ceil(value/target)). */
const hpaDesired = (value: number, target: number) => Math.ceil(value / target);

function check(v: Vector): void {
  const i = v.input;
  const x = v.expect;
  if (v.id.startsWith("name-")) {
    if (i.type === "cron") {
      const version = i.kedaVersion ? i.kedaVersion.replace(/^>=/, "") : "2.20.0";
      expect(cronMetricName(i.triggerIndex, i.timezone, i.start, i.end, version)).toBe(x.metricName);
      // v2.16 keeps the commas.
      expect(cronMetricName(i.triggerIndex, i.timezone, i.start, i.end, "2.16.0")).toBe(String(x.metricName).replace(/Cm/g, ","));
      return;
    }
    expect(triggerMetricName(i.triggerIndex, { type: i.type, metadata: i })).toBe(x.metricName);
    return;
  }
  if (v.id === "hpa-min-max") {
    expect(hpaMinReplicas(i.minReplicaCount)).toBe(x.hpaMinReplicas);
    expect(hpaMaxReplicas(i.maxReplicaCount)).toBe(x.hpaMaxReplicas);
    return;
  }
  if (v.id.startsWith("cron-active")) {
    const now = Date.parse(i.nowUTC);
    const a = cronActivity(parseCron(i.start), parseCron(i.end), i.timezone, now);
    expect(formatWall(a.nextStart.wallMs)).toBe(x.nextStart);
    expect(formatWall(a.nextEnd.wallMs)).toBe(x.nextEnd);
    expect(a.isActive).toBe(x.isActive);
    expect(a.isActive ? i.desiredReplicas : cronInactiveValue("2.18.0")).toBe(x.metricValue);
    expect(a.isActive ? i.desiredReplicas : cronInactiveValue("2.16.0")).toBe(x.metricValueBeforeV2_18);
    return;
  }
  switch (v.id) {
    case "kafka-intdiv-quirk":
    case "kafka-even-distribution": {
      const m = kafkaTotalLag(i.partitionLags, { lagThreshold: i.lagThreshold, ensureEvenDistributionOfPartitions: i.ensureEvenDistributionOfPartitions });
      expect(m).toBe(x.metricValue);
      expect(hpaDesired(m, i.lagThreshold)).toBe(x.hpaDesiredReplicas);
      return;
    }
    case "kafka-activation":
      expect(i.totalLagWithPersistent.map((l: number) => l > i.activationLagThreshold)).toEqual(x.isActive);
      return;
    case "redis-list": {
      const active = i.observedLength > i.activationListLength;
      expect(i.observedLength).toBe(x.metricValue);
      expect(active).toBe(x.isActive);
      expect(hpaDesired(i.observedLength, i.listLength)).toBe(x.hpaDesiredReplicas);
      return;
    }
    case "rabbitmq-default-mode":
      expect(rabbitmqMode(i.metadata)).toEqual({ mode: x.mode, value: x.value });
      return;
    case "rabbitmq-messagerate-activity": {
      const r = rabbitmqMetric(i.mode, i.messages, i.publishRate, i.activationValue);
      expect(r.value).toBe(x.metricValue);
      expect(r.active).toBe(x.isActive);
      return;
    }
    case "prometheus-threshold":
    case "prometheus-activation": {
      const val = prometheusValue([i.queryResult]);
      if (x.metricValue !== undefined) expect(val).toBe(x.metricValue);
      expect(val > i.activationThreshold).toBe(x.isActive);
      if (x.hpaDesiredReplicas !== undefined) expect(hpaDesired(val, i.threshold)).toBe(x.hpaDesiredReplicas);
      return;
    }
    case "exec-cooldown-wait": {
      const now = 1_000_000;
      const d = requestScale({
        isActive: i.isActive,
        isError: false,
        currentReplicas: i.currentReplicas,
        minReplicaCount: i.minReplicaCount,
        cooldownPeriodSec: i.cooldownPeriod,
        lastActiveTime: now - i.secondsSinceLastActive * 1000,
        creationTime: 0,
        now,
      });
      expect(d.action.kind).toBe(x.action);
      expect({ status: d.active!.status, reason: d.active!.reason }).toEqual(x.activeCondition);
      return;
    }
    case "exec-activate-from-zero": {
      const d = requestScale({ isActive: true, isError: false, currentReplicas: i.currentReplicas, minReplicaCount: i.minReplicaCount, creationTime: 0, now: 1 });
      expect(d.action).toEqual({ kind: "activate", replicas: Number(/to (\d+)/.exec(x.action)![1]) });
      expect(x.event).toBe("KEDAScaleTargetActivated");
      return;
    }
    case "fallback-static": {
      expect(i.consecutiveFailures.map((n: number) => fallbackActive(n, i.failureThreshold))).toEqual(x.fallbackActive);
      const val = fallbackValue({ failureThreshold: i.failureThreshold, replicas: i.fallbackReplicas }, i.targetType, i.targetAverageValue, 1);
      expect(val).toBe(x.metricValueWhenActive);
      expect(hpaDesired(val, i.targetAverageValue)).toBe(x.hpaDesiredReplicas);
      return;
    }
    case "scaledjob-default":
      expect(effectiveMaxScale(selectScalingStrategy(undefined), i.maxScale, i.runningJobCount, 0, 100, i.maxScale).effectiveMaxScale).toBe(x.effectiveMaxScale);
      return;
  }
  throw new Error(`vector ${v.id} not handled`);
}

describe("keda vectors", () => {
  it("has the whole set", () => {
    expect(vectors.length).toBe(28);
  });
  for (const v of vectors) it(v.id, () => check(v));
});
