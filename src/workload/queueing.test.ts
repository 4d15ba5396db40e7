import { describe, expect, it } from "vitest";
import { closedLoop, latencyPercentile, openLoopPod } from "./queueing.js";

describe("open loop (M/M/1-PS per pod)", () => {
  it("ρ = λc/C and mean response c/C/(1−ρ)", () => {
    const r = openLoopPod(2, 0.1, 0.5);
    expect(r.utilization).toBeCloseTo(0.4, 12);
    expect(r.usageCores).toBeCloseTo(0.2, 12);
    expect(r.latency.serviceS).toBeCloseTo(0.2, 12);
    expect(r.latency.serviceS + r.latency.waitS).toBeCloseTo(0.2 / 0.6, 12);
    expect(r.failedRps).toBeCloseTo(0, 12);
    expect(r.inFlight).toBeCloseTo(2 * (0.2 / 0.6), 12);
  });

  it("a request uses at most one core: Seidmann delay + PS queue when C > 1", () => {
    // C = 2 cores, c = 0.1 s, λ = 10: s = 0.1, queue part 0.05/(1−0.5) = 0.1, delay 0.05 → 0.15 s.
    const r = openLoopPod(10, 0.1, 2);
    expect(r.utilization).toBeCloseTo(0.5, 12);
    expect(r.latency.serviceS + r.latency.waitS).toBeCloseTo(0.15, 12);
  });

  it("saturated: burns C, serves C/c, the rest fails", () => {
    const r = openLoopPod(10, 0.1, 0.5, { timeoutS: 30 });
    expect(r.usageCores).toBe(0.5);
    expect(r.servedRps).toBeCloseTo(5, 12);
    expect(r.failedRps).toBeCloseTo(5, 12);
  });
});

describe("closed loop (MVA)", () => {
  it("one client: X = 1 / (c/C + Z) exactly, no queueing", () => {
    const r = closedLoop(1, 0.013, [{ count: 1, visit: 1, capacityCores: 0.5 }], 0.1);
    expect(r.throughputRps).toBeCloseTo(1 / 0.213, 10);
    expect(r.pods[0]!.usageCores).toBeCloseTo(0.1 / 0.213, 10);
    expect(latencyPercentile(r.pods[0]!.latency, 0.5)).toBeCloseTo(0.2, 12);
    expect(latencyPercentile(r.pods[0]!.latency, 0.95)).toBeCloseTo(0.2, 12);
  });

  it("one client over 4 pods: same throughput, work split four ways", () => {
    const r = closedLoop(1, 0.013, [{ count: 4, visit: 0.25, capacityCores: 0.5 }], 0.1);
    expect(r.throughputRps).toBeCloseTo(1 / 0.213, 10);
    expect(r.pods[0]!.usageCores).toBeCloseTo(0.1 / 0.213 / 4, 10);
  });

  it("two clients, hand-computed MVA", () => {
    // D = 0.1, Z = 0.1. n=1: R=0.1, X=5, Q=0.5. n=2: R=0.1·1.5=0.15, X=2/0.25=8.
    const r = closedLoop(2, 0.1, [{ count: 1, visit: 1, capacityCores: 1 }], 0.1);
    expect(r.throughputRps).toBeCloseTo(8, 12);
    expect(r.responseS).toBeCloseTo(0.15, 12);
    expect(r.pods[0]!.utilization).toBeCloseTo(0.8, 12);
    // Without think time the pod saturates at 1/c = 10 rps.
    expect(closedLoop(2, 0, [{ count: 1, visit: 1, capacityCores: 1 }], 0.1).throughputRps).toBeCloseTo(10, 12);
  });

  it("many clients approach the bottleneck bound (approximate MVA)", () => {
    const r = closedLoop(100_000, 1, [{ count: 10, visit: 0.1, capacityCores: 1 }], 0.1);
    expect(r.throughputRps).toBeGreaterThan(99);
    expect(r.throughputRps).toBeLessThanOrEqual(100 + 1e-9);
  });

  it("uneven pods: the faster group takes its visit share at a lower latency", () => {
    const r = closedLoop(1, 0.013, [
      { count: 1, visit: 0.5, capacityCores: 0.5 },
      { count: 1, visit: 0.5, capacityCores: 1 },
    ], 0.1);
    // Mean response = ½·0.2 + ½·0.1 = 0.15 → X = 1/0.163.
    expect(r.throughputRps).toBeCloseTo(1 / 0.163, 10);
    expect(r.pods[1]!.latency.serviceS).toBeCloseTo(0.1, 12);
  });
});
