import { describe, expect, it } from "vitest";
import { fieldErrorText } from "../errors.js";
import type { KubeObject } from "../meta.js";
import { defaultHPA } from "../defaults.js";
import { validateHorizontalPodAutoscaler } from "./autoscaling.js";

function hpa(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "php-apache", namespace: "default" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" }, minReplicas: 1, maxReplicas: 10, ...spec },
  };
}
const texts = (o: KubeObject) => validateHorizontalPodAutoscaler(o).map(fieldErrorText);
const cpu = (u: number) => ({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: u } } });

describe("HPA validation", () => {
  it("the php-apache lab HPA is valid", () => {
    expect(texts(hpa({ metrics: [cpu(50)] }))).toEqual([]);
  });
  it("replica bounds", () => {
    expect(texts(hpa({ minReplicas: 0, maxReplicas: 0, metrics: [cpu(50)] }))).toEqual([
      "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
      "spec.maxReplicas: Invalid value: 0: must be greater than 0",
      "spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas",
    ]);
    expect(texts(hpa({ minReplicas: 5, maxReplicas: 3, metrics: [cpu(50)] }))).toEqual([
      "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`",
    ]);
  });
  it("scaleTargetRef and metric targets", () => {
    const o = hpa({ scaleTargetRef: { kind: "Deployment", name: "a/b" }, metrics: [cpu(0)] });
    expect(texts(o)).toEqual([
      "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'",
      "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0",
    ]);
    const both = hpa({ metrics: [{ type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi", averageUtilization: 50 } } }] });
    expect(texts(both)).toEqual(["spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization"]);
    const neither = hpa({ metrics: [{ type: "Pods", pods: { metric: { name: "" }, target: { type: "Bogus" } } }] });
    expect(texts(neither)).toEqual([
      "spec.metrics[0].pods.metric.name: Required value: must specify a metric name",
      'spec.metrics[0].pods.target.type: Invalid value: "Bogus": must be either Utilization, Value, or AverageValue',
      "spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue",
    ]);
    const neg = hpa({ metrics: [{ type: "External", external: { metric: { name: "queue" }, target: { type: "Value", value: "-1" } } }] });
    expect(texts(neg)).toEqual(['spec.metrics[0].external.target.value: Invalid value: -1: must be positive']);
  });
  it("metric source type and populated source", () => {
    expect(texts(hpa({ metrics: [{ type: "Resource" }] }))).toEqual(["spec.metrics[0].resource: Required value: must populate information for the given metric source"]);
    const two = hpa({ metrics: [{ ...cpu(50), pods: { metric: { name: "x" }, target: { type: "AverageValue", averageValue: "1" } } }] });
    expect(texts(two)).toContain("spec.metrics[0].pods: Forbidden: must populate the given metric source only");
    const bad = texts(hpa({ metrics: [{ type: "Foo" }] }));
    expect(bad[0]).toBe('spec.metrics[0].type: Unsupported value: "Foo": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"');
  });
  it("behavior rules (hpa.md §7.1)", () => {
    const o = hpa({
      metrics: [cpu(50)],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 3601, selectPolicy: "Avg", policies: [{ type: "Pods", value: 0, periodSeconds: 1801 }] },
        scaleDown: { stabilizationWindowSeconds: -1, policies: [] },
      },
    });
    expect(texts(o)).toEqual([
      "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600",
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Avg": supported values: "Disabled", "Max", "Min"',
      "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero",
      "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800",
      "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero",
      "spec.behavior.scaleDown.policies: Required value: must specify at least one Policy",
    ]);
  });
  it("defaulted behavior passes; an explicit empty policy list does not, even with Disabled", () => {
    const o = hpa({ metrics: [cpu(50)], behavior: { scaleDown: { selectPolicy: "Disabled" } } });
    defaultHPA(o);
    expect(texts(o)).toEqual([]);
    const e = hpa({ metrics: [cpu(50)], behavior: { scaleUp: { selectPolicy: "Disabled", policies: [] } } });
    defaultHPA(e);
    expect(texts(e)).toEqual(["spec.behavior.scaleUp.policies: Required value: must specify at least one Policy"]);
  });
});
