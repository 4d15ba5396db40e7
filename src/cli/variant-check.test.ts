import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/meta.js";
import { parseOverridePath } from "../scenario/overrides.js";
import { newUnknownFields, valueTypeError } from "./variant-check.js";

const check = (apiVersion: string, kind: string, path: string, value: unknown) => valueTypeError(apiVersion, kind, parseOverridePath(path), value);

describe("valueTypeError", () => {
  it("says what the decoder says for a wrong scalar type", () => {
    expect(check("apps/v1", "Deployment", "spec.replicas", "three")).toBe(
      `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
    );
    expect(check("autoscaling/v2", "HorizontalPodAutoscaler", "spec.metrics[0].resource.target.averageUtilization", 7.5)).toMatch(
      /cannot unmarshal number 7\.5 into Go struct field MetricTarget\.spec\.metrics\.resource\.target\.averageUtilization of type int32$/,
    );
  });

  it("accepts what decodes: quantities as strings or numbers, int-or-string, null", () => {
    expect(check("apps/v1", "Deployment", "spec.template.spec.containers[name=web].resources.limits.cpu", 1)).toBeUndefined();
    expect(check("apps/v1", "Deployment", "spec.template.spec.containers[0].resources.limits.cpu", "500m")).toBeUndefined();
    expect(check("apps/v1", "Deployment", "spec.strategy.rollingUpdate.maxSurge", "25%")).toBeUndefined();
    expect(check("apps/v1", "Deployment", "spec.strategy.rollingUpdate.maxSurge", 2)).toBeUndefined();
    expect(check("apps/v1", "Deployment", "spec.replicas", null)).toBeUndefined();
  });

  it("checks inside object values and names the nested field", () => {
    expect(check("autoscaling/v2", "HorizontalPodAutoscaler", "spec.behavior", { scaleUp: { policies: [{ type: "Pods", value: "4", periodSeconds: 15 }] } })).toMatch(
      /cannot unmarshal string into Go struct field HPAScalingPolicy\.spec\.behavior\.scaleUp\.policies\.value of type int32$/,
    );
    expect(check("autoscaling/v2", "HorizontalPodAutoscaler", "spec.metrics", { type: "Pods" })).toMatch(/cannot unmarshal object into Go struct field HorizontalPodAutoscalerSpec\.spec\.metrics of type \[\]v2\.MetricSpec$/);
  });

  it("has nothing to say about kinds without a built-in schema", () => {
    expect(check("karpenter.sh/v1", "NodePool", "spec.limits.cpu", { a: 1 })).toBeUndefined();
  });
});

describe("newUnknownFields", () => {
  const hpa = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec });
  it("reports only fields the edit added, in kube-apiserver's strict-decoding words", () => {
    expect(newUnknownFields(hpa({ maxReplicas: 3 }), hpa({ maxReplicas: 3, maxReplica: 4 }))).toBe(
      `HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.maxReplica"`,
    );
    expect(newUnknownFields(hpa({ typo: 1 }), hpa({ typo: 1, maxReplicas: 4 }))).toBeUndefined();
  });
});
