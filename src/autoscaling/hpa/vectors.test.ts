/**
 * Every vector of test/fixtures/hpa-vectors.json (copied from the upstream-derived spec vectors,
 * conventions in hpa.md §15) run through the pure HPA functions. Times in the file are seconds
 * relative to "now"; here now = 0 ms and "zero" is Go's zero time (far in the past but finite, so
 * that `zero + window` stays later than `zero`, as in Go).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  defaultScaleDownRules,
  defaultScaleUpRules,
  normalizeLegacy,
  rateLimitWithBehavior,
  scaleUpLimit,
  stabilizeLegacy,
  stabilizeWithBehavior,
  type ScaleEvent,
  type TimestampedRecommendation,
} from "./normalize.js";
import { reconcileHpa, type HpaConfig, type MetricSpec, type ReconcileEnv } from "./reconcile.js";
import {
  GO_ZERO_TIME_MS,
  calcExternalReplicas,
  calcObjectReplicas,
  calcPlainMetricReplicas,
  getRawResourceReplicas,
  getResourceReplicas,
  groupPods,
  type CalcContext,
  type HpaPod,
  type PodMetricsInfo,
  type RawPodResourceMetrics,
} from "./replicas.js";

const vectors: any[] = JSON.parse(readFileSync(new URL("../../../test/fixtures/hpa-vectors.json", import.meta.url), "utf8"));

const NOW = 0;
function t(x: number | "zero" | null | undefined): number | undefined {
  if (x === null || x === undefined) return undefined;
  if (x === "zero") return GO_ZERO_TIME_MS;
  return x * 1000;
}

function pod(p: any): HpaPod {
  return {
    name: p.name,
    phase: p.phase,
    deleted: p.deleted === true,
    startTime: t(p.startTime),
    ready: p.readyCondition ? { status: p.readyCondition.status ? "True" : "False", lastTransitionTime: t(p.readyCondition.lastTransitionTime)! } : undefined,
    containers: (p.containers ?? []).map((c: any) => ({
      name: c.name,
      requestsMilli: { cpu: c.cpuRequestMilli === null || c.cpuRequestMilli === undefined ? undefined : c.cpuRequestMilli },
    })),
  };
}

function rawMetrics(list: any[] | undefined): RawPodResourceMetrics[] {
  return (list ?? []).map((m) => ({
    name: m.pod,
    timestamp: t(m.timestamp)!,
    windowMs: m.windowSec * 1000,
    containers: m.containers.map((c: any) => ({ name: c.name, milli: c.usageMilli === null ? undefined : c.usageMilli })),
  }));
}

function podMetricMap(list: any[] | undefined): PodMetricsInfo {
  const m: PodMetricsInfo = new Map();
  for (const x of list ?? []) m.set(x.pod, { value: x.valueMilli, timestamp: NOW, windowMs: 60_000 });
  return m;
}

function calcCtx(cfg: any): CalcContext {
  return {
    tolerances: { scaleUp: cfg.tolerance.scaleUp, scaleDown: cfg.tolerance.scaleDown },
    now: NOW,
    cpuInitializationPeriodMs: cfg.cpuInitializationPeriodSec * 1000,
    initialReadinessDelayMs: cfg.initialReadinessDelaySec * 1000,
  };
}

/** Vector metric (simplified) → autoscaling/v2 MetricSpec. */
function metricSpec(m: any): MetricSpec {
  const target = (x: any) => ({
    type: x.type,
    ...(x.averageUtilization !== undefined ? { averageUtilization: x.averageUtilization } : {}),
    ...(x.averageValueMilli !== undefined ? { averageValue: `${x.averageValueMilli}m` } : {}),
    ...(x.valueMilli !== undefined ? { value: `${x.valueMilli}m` } : {}),
  });
  switch (m.type) {
    case "Resource":
      return { type: "Resource", resource: { name: m.name, target: target(m.target) } };
    case "ContainerResource":
      return { type: "ContainerResource", containerResource: { name: m.name, container: m.container, target: target(m.target) } };
    case "Pods":
      return { type: "Pods", pods: { metric: { name: m.name }, target: target(m.target) } };
    case "Object":
      return { type: "Object", object: { describedObject: m.describedObject, metric: { name: m.name }, target: target(m.target) } };
    case "External":
      return { type: "External", external: { metric: { name: m.name, selector: m.selector }, target: target(m.target) } };
    default:
      return { type: m.type };
  }
}

function runReplicaCalculation(v: any): { replicas: number; utilization?: number; raw?: number; usage?: number } {
  const i = v.input;
  const ctx = calcCtx(i.config);
  const pods = (i.pods ?? []).map(pod);
  const m = i.metric;
  const tol = ctx.tolerances;
  switch (m.type) {
    case "Resource":
    case "ContainerResource": {
      const container = m.type === "ContainerResource" ? m.container : undefined;
      if (m.target.type === "Utilization") {
        const r = getResourceReplicas(i.currentReplicas, m.target.averageUtilization, m.name, container, () => pods, () => rawMetrics(i.resourceMetrics), ctx);
        return { replicas: r.replicas, utilization: r.utilization, raw: r.rawAverageValue };
      }
      const r = getRawResourceReplicas(i.currentReplicas, m.target.averageValueMilli, m.name, container, () => pods, () => rawMetrics(i.resourceMetrics), ctx);
      return { replicas: r.replicas, usage: r.usage };
    }
    case "Pods": {
      const r = calcPlainMetricReplicas(i.currentReplicas, m.target.averageValueMilli, "", pods, podMetricMap(i.podMetrics), ctx);
      return { replicas: r.replicas, usage: r.usage };
    }
    case "Object": {
      const target =
        m.target.type === "Value" ? { type: "Value" as const, valueMilli: m.target.valueMilli } : { type: "AverageValue" as const, averageValueMilli: m.target.averageValueMilli };
      const r = calcObjectReplicas(i.currentReplicas, i.statusReplicas, i.objectMetricValueMilli, target, pods, tol);
      return { replicas: r.replicas, usage: r.usage };
    }
    case "External": {
      const target =
        m.target.type === "Value" ? { type: "Value" as const, valueMilli: m.target.valueMilli } : { type: "AverageValue" as const, averageValueMilli: m.target.averageValueMilli };
      const r = calcExternalReplicas(i.currentReplicas, i.statusReplicas, i.externalMetricValuesMilli, target, pods, tol);
      return { replicas: r.replicas, usage: r.usage };
    }
    default:
      throw new Error(`vector ${v.id}: unsupported metric type ${m.type}`);
  }
}

function recs(list: any[] | null): TimestampedRecommendation[] | undefined {
  if (list === null) return undefined;
  return list.map((r) => ({ replicas: r.replicas, timestamp: r.offsetSec * 1000 }));
}

function scaleEvents(list: any[]): ScaleEvent[] {
  return list.map((e) => ({ change: e.change, timestamp: e.offsetSec * 1000, outdated: false }));
}

function runFullReconcile(v: any, factor: number) {
  const i = v.input;
  const failing = new Set<string>(i.failingMetricSources ?? []);
  const pods = (i.pods ?? []).map(pod);
  let written: number | undefined;
  const env: ReconcileEnv = {
    listPods: () => pods,
    metrics: {
      resourceMetrics: () => {
        if (failing.has("Resource")) throw new Error("unavailable");
        return rawMetrics(i.resourceMetrics);
      },
      podsMetric: () => {
        if (failing.has("Pods")) throw new Error("unavailable");
        return podMetricMap(i.podMetrics);
      },
      objectMetric: () => {
        if (failing.has("Object")) throw new Error("unavailable");
        return i.objectMetricValueMilli;
      },
      externalMetric: () => {
        if (failing.has("External")) throw new Error("unavailable");
        return i.externalMetricValuesMilli;
      },
    },
    updateScale: (n) => {
      written = n;
    },
  };
  const cfg: HpaConfig = {
    tolerance: i.config.tolerance.scaleUp,
    downscaleStabilizationMs: i.config.downscaleStabilizationWindowSec * 1000,
    cpuInitializationPeriodMs: i.config.cpuInitializationPeriodSec * 1000,
    initialReadinessDelayMs: i.config.initialReadinessDelaySec * 1000,
    scaleUpLimitFactor: factor,
    scaleUpLimitMinimum: i.config.scaleUpLimitMinimum,
  };
  const result = reconcileHpa({
    namespace: "test-namespace",
    name: "test-hpa",
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "test-deployment" },
      minReplicas: i.hpa.minReplicas,
      maxReplicas: i.hpa.maxReplicas,
      metrics: i.hpa.metrics.map(metricSpec),
      behavior: i.hpa.behavior,
    },
    status: { currentReplicas: i.scale.specReplicas, desiredReplicas: i.previousStatusDesiredReplicas },
    scale: { specReplicas: i.scale.specReplicas, statusReplicas: i.scale.statusReplicas, selector: "name=test-pod" },
    history: { recommendations: recs(i.recommendationHistory), scaleUpEvents: scaleEvents(i.scaleUpEvents), scaleDownEvents: scaleEvents(i.scaleDownEvents) },
    config: cfg,
    now: NOW,
    nowIso: "2025-01-01T00:00:00Z",
    env,
  });
  return { result, written };
}

const byStage = (stage: string | undefined, kind: string) => vectors.filter((v) => v.kind === kind && v.input.stage === stage);

describe("hpa vectors: inventory", () => {
  it("every vector has a runner (no silent skips)", () => {
    const known = new Set([
      "replicaCalculation/",
      "replicaCalculation/groupPods",
      "controllerStep/fullReconcile",
      "controllerStep/rateLimitWithBehavior",
      "controllerStep/stabilizeWithBehavior",
      "controllerStep/stabilizeLegacy",
      "controllerStep/normalizeLegacy",
      "controllerStep/scaleUpLimit",
    ]);
    for (const v of vectors) expect(known.has(`${v.kind}/${v.input.stage ?? ""}`), v.id).toBe(true);
    expect(vectors.length).toBe(83);
  });
});

describe("hpa vectors: replica calculator", () => {
  for (const v of byStage(undefined, "replicaCalculation")) {
    it(`${v.id}`, () => {
      const e = v.expect;
      if (e.error !== undefined) {
        expect(() => runReplicaCalculation(v)).toThrow(e.error);
        return;
      }
      const r = runReplicaCalculation(v);
      expect(r.replicas).toBe(e.desiredReplicas);
      if (e.utilization !== undefined) expect(r.utilization).toBe(e.utilization);
      if (e.rawAverageValueMilli !== undefined) expect(r.raw).toBe(e.rawAverageValueMilli);
      if (e.usageMilli !== undefined) expect(r.usage).toBe(e.usageMilli);
    });
  }
});

describe("hpa vectors: groupPods", () => {
  for (const v of byStage("groupPods", "replicaCalculation")) {
    it(`${v.id}`, () => {
      const i = v.input;
      const metrics: PodMetricsInfo = new Map();
      for (const [name, m] of Object.entries<any>(i.metrics)) metrics.set(name, { value: 0, timestamp: t(m.timestamp)!, windowMs: m.windowSec * 1000 });
      const ctx = calcCtx(i.config);
      const g = groupPods(i.pods.map(pod), metrics, i.resource, ctx, NOW);
      expect(g.readyPodCount).toBe(v.expect.readyPodCount);
      expect([...g.unreadyPods].sort()).toEqual([...v.expect.unreadyPods].sort());
      expect([...g.missingPods].sort()).toEqual([...v.expect.missingPods].sort());
      expect([...g.ignoredPods].sort()).toEqual([...v.expect.ignoredPods].sort());
    });
  }
});

describe("hpa vectors: full reconcile", () => {
  for (const v of byStage("fullReconcile", "controllerStep")) {
    // The upstream unit tests use a legacy scale-up factor of 8; the spec states every fullReconcile
    // vector gives the same result with the production factor 2, so both are asserted.
    for (const factor of [v.input.config.scaleUpLimitFactor, 2]) {
      it(`${v.id} (scale-up factor ${factor})${v.uncertain ? " [uncertain: scale from zero, see notes]" : ""}`, () => {
        const { result, written } = runFullReconcile(v, factor);
        const e = v.expect;
        expect(result.status.desiredReplicas).toBe(e.desiredReplicas);
        expect(result.scaled).toBe(e.scaled);
        if (e.scaled) expect(written).toBe(e.desiredReplicas);
        else expect(written).toBeUndefined();
        expect((result.status.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason }))).toEqual(e.conditions);
        if (e.statusCurrentCPUUtilization !== undefined) {
          const cpu = result.status.currentMetrics?.find((m) => m.type === "Resource" && m.resource?.name === "cpu");
          expect(cpu?.resource?.current.averageUtilization).toBe(e.statusCurrentCPUUtilization);
        }
        if (e.event) {
          expect(result.events).toContainEqual({ type: e.event.type, reason: e.event.reason, message: e.event.message });
        }
      });
    }
  }
});

describe("hpa vectors: behavior rate limits", () => {
  for (const v of byStage("rateLimitWithBehavior", "controllerStep")) {
    it(`${v.id}${v.uncertain ? " [uncertain: selectPolicy Disabled, derived from code]" : ""}`, () => {
      const i = v.input;
      const r = rateLimitWithBehavior({
        current: i.currentReplicas,
        desired: i.prenormalizedDesiredReplicas,
        minReplicas: i.minReplicas,
        maxReplicas: i.maxReplicas,
        scaleUp: defaultScaleUpRules(i.scaleUpRules),
        scaleDown: defaultScaleDownRules(i.scaleDownRules),
        upEvents: scaleEvents(i.scaleUpEvents),
        downEvents: scaleEvents(i.scaleDownEvents),
        now: NOW,
      });
      expect(r.desired).toBe(v.expect.desiredReplicas);
      expect(r.reason).toBe(v.expect.scalingLimitedReason);
    });
  }
  for (const v of byStage("scaleUpLimit", "controllerStep")) {
    it(`${v.id}`, () => {
      const i = v.input;
      expect(scaleUpLimit(i.currentReplicas, scaleEvents(i.scaleUpEvents), scaleEvents(i.scaleDownEvents), defaultScaleUpRules(i.rules), NOW)).toBe(
        v.expect.scaleUpLimit,
      );
    });
  }
});

describe("hpa vectors: stabilization and legacy normalization", () => {
  for (const v of byStage("stabilizeWithBehavior", "controllerStep")) {
    it(`${v.id}`, () => {
      const i = v.input;
      const history = recs(i.recommendationHistory)!;
      const r = stabilizeWithBehavior(history, i.currentReplicas, i.prenormalizedDesiredReplicas, i.scaleUpStabilizationWindowSeconds, i.scaleDownStabilizationWindowSeconds, NOW);
      expect(r.stabilized).toBe(v.expect.stabilizedReplicas);
      expect(history.map((h) => h.replicas)).toEqual(v.expect.recommendationHistoryAfter);
    });
  }
  for (const v of byStage("stabilizeLegacy", "controllerStep")) {
    it(`${v.id}`, () => {
      const i = v.input;
      const history = recs(i.recommendationHistory)!;
      expect(stabilizeLegacy(history, i.prenormalizedDesiredReplicas, NOW, i.downscaleStabilizationWindowSec * 1000)).toBe(v.expect.stabilizedReplicas);
      expect(history.length).toBe(v.expect.recommendationHistoryLength);
    });
  }
  for (const v of byStage("normalizeLegacy", "controllerStep")) {
    it(`${v.id}`, () => {
      const i = v.input;
      const r = normalizeLegacy(i.currentReplicas, i.prenormalizedDesiredReplicas, i.minReplicas, i.maxReplicas, i.scaleUpLimitFactor, i.scaleUpLimitMinimum);
      expect(r.desired).toBe(v.expect.desiredReplicas);
      expect(r.reason).toBe(v.expect.scalingLimitedReason);
    });
  }
});
