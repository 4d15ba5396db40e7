import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { formatHpaTargets, hpaRow, humanDuration } from "./printer.js";

const cpu50 = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } };

function hpa(metrics: unknown[], currentMetrics?: unknown[], extra: Partial<KubeObject["spec"]> = {}): KubeObject {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "php-apache", namespace: "default", creationTimestamp: "2025-01-01T00:00:00Z" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" }, minReplicas: 1, maxReplicas: 10, metrics, ...extra },
    status: { currentReplicas: 2, desiredReplicas: 2, ...(currentMetrics ? { currentMetrics } : {}) },
  };
}

describe("formatHpaTargets (kubectl 1.32 formatHPAMetrics)", () => {
  it("prints `cpu: <current>%/<target>%` and `<unknown>` before the first sync", () => {
    expect(formatHpaTargets(hpa([cpu50]))).toBe("cpu: <unknown>/50%");
    expect(
      formatHpaTargets(hpa([cpu50], [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 52, averageValue: "104m" } } }])),
    ).toBe("cpu: 52%/50%");
  });

  it("a failed metric (empty status entry) prints <unknown>", () => {
    expect(formatHpaTargets(hpa([cpu50], [{ type: "" }]))).toBe("cpu: <unknown>/50%");
  });

  it("AverageValue resource, Pods, Object and External targets", () => {
    const specs = [
      { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "128Mi" } } },
      { type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "10" } } },
    ];
    const statuses = [
      { type: "Resource", resource: { name: "memory", current: { averageValue: "100Mi" } } },
      { type: "Pods", pods: { metric: { name: "qps" }, current: { averageValue: "12500m" } } },
    ];
    expect(formatHpaTargets(hpa(specs, statuses))).toBe("memory: 100Mi/128Mi, 12500m/10");
    const ext = [
      { type: "External", external: { metric: { name: "queue" }, target: { type: "AverageValue", averageValue: "30" } } },
      { type: "Object", object: { describedObject: { kind: "Ingress", name: "main" }, metric: { name: "rps" }, target: { type: "Value", value: "2k" } } },
    ];
    expect(formatHpaTargets(hpa(ext))).toBe("<unknown>/30 (avg), <unknown>/2k");
  });

  it("shows two metrics then `+ N more...`", () => {
    expect(formatHpaTargets(hpa([cpu50, cpu50, cpu50, cpu50]))).toBe("cpu: <unknown>/50%, cpu: <unknown>/50% + 2 more...");
    expect(formatHpaTargets(hpa([]))).toBe("<none>");
  });
});

describe("hpaRow", () => {
  it("NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE", () => {
    const now = Date.parse("2025-01-01T00:03:30Z");
    expect(hpaRow(hpa([cpu50]), now)).toEqual({
      NAME: "php-apache",
      REFERENCE: "Deployment/php-apache",
      TARGETS: "cpu: <unknown>/50%",
      MINPODS: "1",
      MAXPODS: 10,
      REPLICAS: 2,
      AGE: "3m30s",
    });
    expect(hpaRow(hpa([cpu50], undefined, { minReplicas: undefined }), now).MINPODS).toBe("<unset>");
  });

  it("humanDuration follows apimachinery's buckets", () => {
    expect(humanDuration(119_000)).toBe("119s");
    expect(humanDuration(120_000)).toBe("2m");
    expect(humanDuration(9 * 60_000 + 5_000)).toBe("9m5s");
    expect(humanDuration(61 * 60_000)).toBe("61m");
    expect(humanDuration(3 * 3_600_000 + 5 * 60_000)).toBe("3h5m");
    expect(humanDuration(30 * 3_600_000)).toBe("30h");
    expect(humanDuration(50 * 3_600_000)).toBe("2d2h");
  });
});
