import { describe, expect, it } from "vitest";
import { AggregateState, ContainerState, DEFAULT_RECOMMENDER_CONFIG, confidence, estimateContainer } from "./model.js";

const MIN = 60_000;
const H = 60 * MIN;
const MiB = 1024 * 1024;

function hamster(minutes: number): AggregateState {
  const agg = new AggregateState();
  const c = new ContainerState(agg);
  for (let i = 0; i < minutes; i++) {
    c.addCpuSample(500, 100, i * MIN);
    c.addMemorySample(2 * MiB, i * MIN);
  }
  return agg;
}

describe("estimation pipeline", () => {
  it("gives the pod minimum (25m / 250 MiB) for every bound with no samples", () => {
    const r = estimateContainer(new AggregateState(), 1);
    expect(r).toEqual({ target: { cpu: 25, memory: 262_144_000 }, lowerBound: { cpu: 25, memory: 262_144_000 }, upperBound: { cpu: 25, memory: 262_144_000 } });
  });
  it("splits the pod minimum across containers", () => {
    const r = estimateContainer(new AggregateState(), 2);
    expect(r.target).toEqual({ cpu: 12, memory: 131_072_000 });
  });
  it("hamster: P90 = end of bucket 25 = 511m, + 15 % = 587m; memory floored to 262144000", () => {
    const r = estimateContainer(hamster(60), 1);
    expect(r.target).toEqual({ cpu: 587, memory: 262_144_000 });
  });
  it("scales bounds by confidence c = min(lifespan days, samples / 1440)", () => {
    const agg = hamster(60); // samples at 0..59 min: c = min(59/1440, 60/1440) = 59/1440
    expect(confidence(agg)).toBeCloseTo(59 / 1440, 12);
    const r = estimateContainer(agg, 1);
    // lower: 587 × (1 + 0.001 × 1440/59)^-2 = 559.36 → 559; upper: 587 × (1 + 1440/59) = 14913.78 → 14913
    expect(r.lowerBound.cpu).toBe(559);
    expect(r.upperBound.cpu).toBe(14913);
    expect(r.lowerBound.memory).toBe(262_144_000);
  });
  it("drops duplicate and out-of-order CPU samples", () => {
    const agg = new AggregateState();
    const c = new ContainerState(agg);
    expect(c.addCpuSample(500, 100, MIN)).toBe(true);
    expect(c.addCpuSample(900, 100, MIN)).toBe(false);
    expect(c.addCpuSample(900, 100, 0)).toBe(false);
    expect(c.addCpuSample(-1, 100, 2 * MIN)).toBe(false);
    expect(agg.totalSamplesCount).toBe(1);
  });
  it("weights CPU samples by max(request cores, 0.1) (VPA 1.3)", () => {
    const agg = new AggregateState();
    const c = new ContainerState(agg);
    c.addCpuSample(100, 50, 0); // weight 0.1
    c.addCpuSample(500, 900, MIN); // weight 0.9 (decay over 1 min is negligible)
    expect(agg.cpu.histogram.total).toBeCloseTo(0.1 + 0.9 * 2 ** (1 / 1440), 12);
    expect(agg.cpu.percentile(0.5)).toBeCloseTo(0.5111345, 6);
  });
});

describe("memory peaks per 24 h window", () => {
  it("keeps one peak per window, stored at the window end", () => {
    const agg = new AggregateState();
    const c = new ContainerState(agg);
    c.addMemorySample(5e6, 0);
    expect(c.windowEnd).toBe(24 * H);
    c.addMemorySample(3e7, H); // replaces the 5e6 peak
    c.addMemorySample(2e7, 2 * H); // smaller: ignored
    // One peak, at t = 24 h; the first sample sets the reference to time.Round(24 h, 24 h) = 24 h: weight 1.
    expect(agg.memory.histogram.total).toBeCloseTo(1, 9);
    // 3e7 is in bucket 2 [2.05e7, 3.1525e7): P90 = 31525000, truncated to 31524999 (float), +15 %.
    const r = estimateContainer(agg, 1, { ...DEFAULT_RECOMMENDER_CONFIG, podMinMemoryMb: 0 });
    expect(r.target.memory).toBe(31_524_999 + Math.trunc(31_524_999 * 0.15));
    c.addMemorySample(1e7, 25 * H); // next window
    expect(c.windowEnd).toBe(48 * H);
    expect(agg.memory.histogram.total).toBeCloseTo(1 + 2, 9); // the new peak, at 48 h, weighs 2^1
  });
  it("drops out-of-order memory samples", () => {
    const c = new ContainerState(new AggregateState());
    expect(c.addMemorySample(1e6, 10 * MIN)).toBe(true);
    expect(c.addMemorySample(9e9, 5 * MIN)).toBe(false);
  });
});

describe("OOM bump", () => {
  it("records max(request + 100Mi, request × 1.2) as a memory peak", () => {
    const agg = new AggregateState();
    const c = new ContainerState(agg);
    c.addMemorySample(1e6, 0);
    expect(c.recordOOM(MIN, 50 * MiB)).toBe(true);
    // 52428800 + 104857600 = 157286400 → bucket 11, ends at 159171265.2 → 159171265 + 23875689
    expect(c.oomPeak).toBe(157_286_400);
    expect(estimateContainer(agg, 1, { ...DEFAULT_RECOMMENDER_CONFIG, podMinMemoryMb: 0 }).target.memory).toBe(183_046_954);
    expect(estimateContainer(agg, 1).target.memory).toBe(262_144_000); // still below the pod minimum
  });
  it("uses the usage peak when it is above the request, ×1.2 when that is larger than +100Mi", () => {
    const c = new ContainerState(new AggregateState());
    c.addMemorySample(1000 * MiB, 0);
    c.recordOOM(MIN, 500 * MiB);
    expect(c.oomPeak).toBe(Math.trunc(1000 * MiB * 1.2));
  });
  it("discards an OOM older than one interval before the window end", () => {
    const c = new ContainerState(new AggregateState());
    c.addMemorySample(1e6, 48 * H); // window end 72 h
    expect(c.recordOOM(47 * H, 50 * MiB)).toBe(false);
  });
});
