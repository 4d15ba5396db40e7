import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { capToPolicy, validateVpa, type VpaObject } from "./api.js";
import { proportionalLimit } from "./admission.js";
import { updatePriority } from "./updater.js";

describe("capToPolicy", () => {
  const policy = { containerName: "*", minAllowed: { cpu: "100m", memory: "50Mi" }, maxAllowed: { cpu: 1, memory: "500Mi" } };
  it("raises to minAllowed and lowers to maxAllowed, using the policy quantity", () => {
    expect(capToPolicy({ cpu: "25m", memory: "262144k" }, policy)).toEqual({ list: { cpu: "100m", memory: "262144k" }, notes: ["cpu capped to minAllowed"] });
    expect(capToPolicy({ cpu: "14913m", memory: "100000M" }, policy).list).toEqual({ cpu: "1", memory: "500Mi" });
  });
  it("with RequestsOnly also caps to the container's limit", () => {
    const r = capToPolicy({ cpu: "587m" }, { controlledValues: "RequestsOnly" }, { cpu: "300m" });
    expect(r).toEqual({ list: { cpu: "300m" }, notes: ["cpu capped to container limit"] });
    expect(capToPolicy({ cpu: "587m" }, {}, { cpu: "300m" }).list).toEqual({ cpu: "587m" });
  });
});

describe("proportional limits (admission)", () => {
  it("keeps the limit/request ratio", () => {
    expect(proportionalLimit("cpu", "200m", "100m", "587m").limit).toBe("1174m");
    // 104857600 × 262144000 / 52428800 = 524288000 bytes, printed in the original limit's format
    // (scaleQuantityProportionallyMem builds NewQuantity(v, originalLimit.Format): BinarySI → 500Mi).
    expect(proportionalLimit("memory", "100Mi", "50Mi", "262144k").limit).toBe("500Mi");
    expect(proportionalLimit("memory", "100M", "50M", "262144k").limit).toBe("524288k");
  });
  it("sets limit = request when they were equal or the request was missing; none without a limit", () => {
    expect(proportionalLimit("cpu", "100m", "100m", "587m").limit).toBe("587m");
    expect(proportionalLimit("cpu", "1", undefined, "587m").limit).toBe("587m");
    expect(proportionalLimit("cpu", undefined, "100m", "587m").limit).toBeUndefined();
  });
});

describe("updatePriority", () => {
  const pod = (cpu: string, memory: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", resources: { requests: { cpu, memory } } }] } });
  const rec = [{ containerName: "c", target: { cpu: "587m", memory: "262144k" }, lowerBound: { cpu: "500m", memory: "262144k" }, upperBound: { cpu: "1", memory: "500Mi" } }];
  it("flags requests outside [lowerBound, upperBound] and sums the relative diffs", () => {
    const p = updatePriority(pod("100m", "50Mi"), rec);
    expect(p.outsideRecommendedRange).toBe(true);
    expect(p.scaleUp).toBe(true);
    // cpu |100 − 587| / 100 = 4.87; memory |52428800 − 262144000| / 52428800 = 4.0
    expect(p.resourceDiff).toBeCloseTo(4.87 + 4, 9);
  });
  it("is in range with a small diff for requests near the target", () => {
    const p = updatePriority(pod("600m", "262144k"), rec);
    expect(p).toEqual({ outsideRecommendedRange: false, scaleUp: false, resourceDiff: 13 / 600 });
  });
});

describe("validateVpa", () => {
  const vpa = (spec: VpaObject["spec"]): VpaObject => ({ apiVersion: "autoscaling.k8s.io/v1", kind: "VerticalPodAutoscaler", metadata: { name: "v" }, spec });
  it("requires targetRef on create and known modes", () => {
    expect(validateVpa(vpa({}), true).map((e) => e.field)).toEqual(["spec.targetRef"]);
    const errs = validateVpa(vpa({ targetRef: { kind: "Deployment", name: "d" }, updatePolicy: { updateMode: "Sometimes" } }), true);
    expect(errs).toEqual([expect.objectContaining({ field: "spec.updatePolicy.updateMode", detail: "unexpected UpdateMode value Sometimes" })]);
  });
  it("rejects more than one recommender and maxAllowed below minAllowed", () => {
    const errs = validateVpa(vpa({ targetRef: { kind: "Deployment", name: "d" }, recommenders: [{ name: "a" }, { name: "b" }], resourcePolicy: { containerPolicies: [{ containerName: "*", minAllowed: { cpu: "1" }, maxAllowed: { cpu: "500m" } }] } }), true);
    expect(errs.map((e) => e.field).sort()).toEqual(["spec.recommenders", "spec.resourcePolicy.containerPolicies[0].maxAllowed.cpu"]);
  });
});
