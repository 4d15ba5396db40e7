import { describe, expect, it } from "vitest";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, hpaV1ToV2, hpaV2ToV1 } from "./hpa-conversion.js";
import type { KubeObject } from "./meta.js";
import { Store } from "./store.js";
import { registerBuiltinStrategies } from "./strategies.js";

const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" };

function v1(spec: Record<string, unknown>, annotations?: Record<string, string>, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "php-apache", namespace: "default", ...(annotations ? { annotations } : {}) },
    spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 10, ...spec },
    ...(status ? { status } : {}),
  };
}

describe("autoscaling/v1 → v2", () => {
  it("targetCPUUtilizationPercentage becomes a cpu Utilization metric", () => {
    const out = hpaV1ToV2(v1({ targetCPUUtilizationPercentage: 50 }));
    expect(out.apiVersion).toBe("autoscaling/v2");
    expect(out.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }]);
  });
  it("no target and no other metrics → 80 % CPU", () => {
    expect(hpaV1ToV2(v1({})).spec.metrics[0].resource.target.averageUtilization).toBe(80);
  });
  it("other metrics from the annotation come first, then the cpu target; annotations are dropped", () => {
    const other = JSON.stringify([{ type: "Pods", pods: { metricName: "rps", targetAverageValue: "10" } }]);
    const out = hpaV1ToV2(v1({ targetCPUUtilizationPercentage: 60 }, { [METRIC_SPECS_ANNOTATION]: other, team: "a" }));
    expect(out.spec.metrics).toEqual([
      { type: "Pods", pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } } },
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
    ]);
    expect(out.metadata.annotations).toEqual({ team: "a" });
  });
  it("status: currentCPUUtilizationPercentage → currentMetrics", () => {
    const out = hpaV1ToV2(v1({ targetCPUUtilizationPercentage: 50 }, undefined, { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 120 }));
    expect(out.status).toEqual({
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 120 } } }],
    });
  });
});

describe("autoscaling/v2 → v1 and round trip", () => {
  const v2: KubeObject = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: "default" },
    spec: {
      scaleTargetRef: ref,
      minReplicas: 2,
      maxReplicas: 20,
      metrics: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
        { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } } },
        { type: "External", external: { metric: { name: "sqs", selector: { matchLabels: { q: "jobs" } } }, target: { type: "Value", value: "30" } } },
      ],
      behavior: { scaleDown: { selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] } },
    },
    status: {
      currentReplicas: 2,
      desiredReplicas: 2,
      currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageValue: "250m", averageUtilization: 125 } } }],
      conditions: [{ type: "AbleToScale", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z", reason: "ReadyForNewScale", message: "recommended size matches current size" }],
    },
  };

  it("v1 view: cpu target, annotations in the v1 alpha shape, internal-JSON behavior", () => {
    const out = hpaV2ToV1(v2);
    expect(out.spec).toEqual({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 20, targetCPUUtilizationPercentage: 50 });
    expect(out.status).toEqual({ currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 125 });
    const ann = out.metadata.annotations!;
    expect(ann[METRIC_SPECS_ANNOTATION]).toBe(
      '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}},{"type":"External","external":{"metricName":"sqs","metricSelector":{"matchLabels":{"q":"jobs"}},"targetValue":"30"}}]',
    );
    expect(ann[METRIC_STATUSES_ANNOTATION]).toBe('[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":125,"currentAverageValue":"250m"}}]');
    expect(ann[BEHAVIOR_ANNOTATION]).toBe('{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}');
    expect(JSON.parse(ann[CONDITIONS_ANNOTATION]!)[0].reason).toBe("ReadyForNewScale");
  });

  it("round trip v2 → v1 → v2 keeps metrics, behavior, current metrics and conditions", () => {
    const back = hpaV1ToV2(hpaV2ToV1(v2));
    expect(back.spec.metrics).toEqual([v2.spec.metrics[1], v2.spec.metrics[2], v2.spec.metrics[0]]);
    expect(back.spec.behavior).toEqual(v2.spec.behavior);
    expect(back.status.currentMetrics).toEqual(v2.status.currentMetrics);
    expect(back.status.conditions).toEqual(v2.status.conditions);
    expect(back.metadata.annotations).toBeUndefined();
  });
});

describe("store strategy", () => {
  it("an autoscaling/v1 object is converted, defaulted and stored as v2", () => {
    const store = new Store(new VirtualClock(), new Rng(1));
    registerBuiltinStrategies(store);
    const created = store.create(v1({ targetCPUUtilizationPercentage: 50, minReplicas: undefined }));
    expect(created.apiVersion).toBe("autoscaling/v2");
    expect(created.metadata.uid).toBeDefined();
    expect(created.spec).toEqual({
      scaleTargetRef: ref,
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
    });
    expect(created.spec.targetCPUUtilizationPercentage).toBeUndefined();
    const stored = store.get("HorizontalPodAutoscaler", "default", "php-apache")!;
    expect(stored.metadata.uid).toBe(created.metadata.uid);
  });
  it("v1 validation messages come from the v2 rules", () => {
    const store = new Store(new VirtualClock(), new Rng(1));
    registerBuiltinStrategies(store);
    expect(() => store.create(v1({ targetCPUUtilizationPercentage: 50, maxReplicas: 0 }))).toThrow(
      'HorizontalPodAutoscaler.autoscaling "php-apache" is invalid: [spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`]',
    );
  });
});
