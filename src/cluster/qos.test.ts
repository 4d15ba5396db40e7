import { describe, expect, it } from "vitest";
import { computePodQOS, containerOOMScoreAdjust, getPodQOS } from "./qos.js";

const Gi = 1024 ** 3;
const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>, extra: object = {}) => ({
  name,
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
  ...extra,
});
const pod = (containers: any[], initContainers: any[] = [], extra: object = {}) => ({ spec: { containers, initContainers, ...extra } });

describe("QoS class (ComputePodQOS)", () => {
  it("BestEffort: no requests or limits", () => {
    expect(computePodQOS(pod([c("a"), c("b")]))).toBe("BestEffort");
    // Non-QoS resources and zero quantities do not count.
    expect(computePodQOS(pod([c("a", { "ephemeral-storage": "1Gi", cpu: "0" })]))).toBe("BestEffort");
  });

  it("Guaranteed: cpu and memory limits everywhere equal requests", () => {
    expect(computePodQOS(pod([c("a", { cpu: "700m", memory: "200Mi" }, { cpu: "700m", memory: "200Mi" })]))).toBe("Guaranteed");
    // limits only: requests default to limits
    expect(computePodQOS(pod([c("a", undefined, { cpu: "1", memory: "1Gi" })]))).toBe("Guaranteed");
    // same quantity, different spelling
    expect(computePodQOS(pod([c("a", { cpu: "1000m", memory: "1024Mi" }, { cpu: "1", memory: "1Gi" })]))).toBe("Guaranteed");
  });

  it("Burstable: some request, or limits not on every container / not equal", () => {
    expect(computePodQOS(pod([c("a", { memory: "100Mi" }, { memory: "200Mi" })]))).toBe("Burstable");
    expect(computePodQOS(pod([c("a", { cpu: "1", memory: "1Gi" }, { cpu: "1", memory: "1Gi" }), c("b")]))).toBe("Burstable");
    expect(computePodQOS(pod([c("a", { cpu: "500m", memory: "1Gi" }, { cpu: "1", memory: "1Gi" })]))).toBe("Burstable");
    expect(computePodQOS(pod([c("a", undefined, { memory: "1Gi" })]))).toBe("Burstable");
    // an init container without limits makes it Burstable
    expect(
      computePodQOS(pod([c("a", { cpu: "1", memory: "1Gi" }, { cpu: "1", memory: "1Gi" })], [c("init", { cpu: "100m" })])),
    ).toBe("Burstable");
  });

  it("getPodQOS prefers status.qosClass", () => {
    expect(getPodQOS({ ...pod([c("a")]), status: { qosClass: "Burstable" } })).toBe("Burstable");
  });
});

describe("oom_score_adj (GetContainerOOMScoreAdjust)", () => {
  const cap = 8 * Gi;
  it("Guaranteed −997, BestEffort 1000, node-critical −997", () => {
    const g = pod([c("a", undefined, { cpu: "1", memory: "1Gi" })]);
    expect(containerOOMScoreAdjust(g, g.spec.containers[0]!, cap)).toBe(-997);
    const be = pod([c("a")]);
    expect(containerOOMScoreAdjust(be, be.spec.containers[0]!, cap)).toBe(1000);
    const crit = pod([c("a")], [], { priorityClassName: "system-node-critical" });
    expect(containerOOMScoreAdjust(crit, crit.spec.containers[0]!, cap)).toBe(-997);
  });

  it("Burstable: 1000 − 1000·request/capacity, clamped to [3, 999]", () => {
    // 1Gi of 8Gi: 1000 − 125 = 875
    const b = pod([c("a", { memory: "1Gi" })]);
    expect(containerOOMScoreAdjust(b, b.spec.containers[0]!, cap)).toBe(875);
    // 3Gi of 8Gi: 1000 − floor(375) = 625; 100Mi of 8Gi: 1000 − floor(12.2) = 988
    const b2 = pod([c("a", { memory: "3Gi" }), c("b", { memory: "100Mi" })]);
    expect(containerOOMScoreAdjust(b2, b2.spec.containers[0]!, cap)).toBe(625);
    expect(containerOOMScoreAdjust(b2, b2.spec.containers[1]!, cap)).toBe(988);
    // cpu-only request: 1000 → 999 (stays below BestEffort)
    const b3 = pod([c("a", { cpu: "100m" })]);
    expect(containerOOMScoreAdjust(b3, b3.spec.containers[0]!, cap)).toBe(999);
    // request ≥ capacity: 0 → 3
    const b4 = pod([c("a", { memory: "8Gi" })]);
    expect(containerOOMScoreAdjust(b4, b4.spec.containers[0]!, cap)).toBe(3);
  });

  it("sidecar gets no more than the smallest regular container", () => {
    const p = pod([c("app", { memory: "2Gi" })], [c("side", { memory: "100Mi" }, undefined, { restartPolicy: "Always" })]);
    // own: 988, regular min 2Gi → 750
    expect(containerOOMScoreAdjust(p, p.spec.initContainers[0]!, cap)).toBe(750);
  });
});
