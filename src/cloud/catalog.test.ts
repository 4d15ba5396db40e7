import { describe, expect, it } from "vitest";
import { eksAllocatable, eniLimitedPods, instanceType, instanceTypes, kubeReservedCpuMilli, onDemandPrice } from "./catalog.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe("EC2 catalog", () => {
  it("holds the 273 documented types", () => {
    expect(instanceTypes().length).toBe(273);
    const m5 = instanceType("m5.large")!;
    expect(m5.vcpu).toBe(2);
    expect(m5.memoryMiB).toBe(8192);
    expect(m5.maxPods).toBe(29);
    expect(instanceType("t3.medium")!.maxPods).toBe(17);
    expect(instanceType("nope.large")).toBeUndefined();
  });

  it("maxPods is the ENI formula maxENI × (IPs − 1) + 2 for every type", () => {
    for (const t of instanceTypes()) expect(eniLimitedPods(t), t.name).toBe(t.maxPods);
  });

  it("prices: direct, estimated for Seoul, undefined where not offered", () => {
    expect(onDemandPrice("m5.large", "us-east-1")).toBe(0.096);
    expect(onDemandPrice("c4.large", "ap-northeast-2")).toBe(0.114); // sourced
    expect(onDemandPrice("m5.large", "ap-northeast-2")).toBe(0.118); // estimated 0.096 × 1.2292
    expect(onDemandPrice("c6a.large", "ap-northeast-2")).toBeUndefined();
    expect(onDemandPrice("m5.large", "eu-west-9")).toBeUndefined();
  });

  it("kube-reserved CPU ladder (spec worked values)", () => {
    expect(kubeReservedCpuMilli(1)).toBe(60);
    expect(kubeReservedCpuMilli(2)).toBe(70);
    expect(kubeReservedCpuMilli(4)).toBe(80);
    expect(kubeReservedCpuMilli(8)).toBe(90);
    expect(kubeReservedCpuMilli(16)).toBe(110);
    expect(kubeReservedCpuMilli(96)).toBe(310);
  });
});

describe("eksAllocatable", () => {
  it("worked examples from the Karpenter spec", () => {
    const c5a = eksAllocatable("c5a.2xlarge");
    expect(c5a.allocatable.cpuMilli).toBe(7910);
    expect(c5a.memoryMiB).toBe(14162);
    expect(c5a.allocatable.pods).toBe(58);
    const m5 = eksAllocatable("m5.large");
    expect(m5.allocatable.cpuMilli).toBe(1930);
    expect(m5.allocatable.memoryBytes).toBe(6903 * MiB);
    expect(m5.allocatable.pods).toBe(29);
    expect(m5.capacity.memoryBytes).toBe((8192 - 615) * MiB);
    expect(eksAllocatable("c6g.large").memoryMiB).toBe(3055); // arm64 −64 MiB
    expect(eksAllocatable("t3.medium").memoryMiB).toBe(3246);
    expect(eksAllocatable("m6i.4xlarge").memoryMiB).toBe(57691);
    const r5 = eksAllocatable("r5.24xlarge");
    expect([r5.allocatable.cpuMilli, r5.memoryMiB, r5.allocatable.pods]).toEqual([95690, 718987, 737]);
    expect(m5.allocatable.ephemeralStorageBytes).toBe(17 * GiB);
  });

  it("maxPods override changes pods but not the ENI-based kube-reserved memory (AL2023)", () => {
    const r = eksAllocatable("c6a.4xlarge", { maxPods: 110 });
    expect(r.allocatable.pods).toBe(110);
    expect(r.memoryMiB).toBe(27381);
  });

  it("matches Karpenter's published allocatable for all 273 types", () => {
    const mismatches: string[] = [];
    for (const t of instanceTypes()) {
      const r = eksAllocatable(t);
      const k = t.karpenterAllocatable;
      const got = [r.allocatable.cpuMilli, r.memoryMiB, r.allocatable.pods, r.allocatable.ephemeralStorageBytes / GiB];
      const want = [k.cpuMillicores, k.memoryMiB, k.pods, k.ephemeralStorageGiB];
      if (got.join() !== want.join()) mismatches.push(`${t.name}: ${got.join("/")} != ${want.join("/")}`);
    }
    expect(mismatches).toEqual([]);
  });
});
