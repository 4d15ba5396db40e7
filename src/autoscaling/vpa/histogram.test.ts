import { describe, expect, it } from "vitest";
import { CPU_HISTOGRAM_OPTIONS as CPU, DecayingHistogram, Histogram, MEMORY_HISTOGRAM_OPTIONS as MEM } from "./histogram.js";

const DAY = 86_400_000;

describe("exponential bucket scheme", () => {
  it("has 176 buckets for CPU (10m, ×1.05, 1000 cores) and memory (1e7 B, ×1.05, 1e12 B)", () => {
    // ceil(log(1000 × 0.05 / 0.01 + 1) / log 1.05) + 1 = ceil(174.57) + 1
    expect(CPU.numBuckets).toBe(176);
    expect(MEM.numBuckets).toBe(176);
  });
  it("bucket n starts at first × (1.05^n − 1) / 0.05", () => {
    expect(CPU.bucketStart(0)).toBe(0);
    expect(CPU.bucketStart(1)).toBeCloseTo(0.01, 12);
    expect(CPU.bucketStart(25)).toBeCloseTo(0.477271, 6);
    expect(CPU.bucketStart(26)).toBeCloseTo(0.511135, 6);
    expect(MEM.bucketStart(3)).toBeCloseTo(31_525_000, 0);
  });
  it("maps values to buckets, clamping to the last", () => {
    expect(CPU.findBucket(0.009)).toBe(0);
    expect(CPU.findBucket(0.01)).toBe(1);
    expect(CPU.findBucket(0.477)).toBe(24);
    expect(CPU.findBucket(0.5)).toBe(25);
    expect(CPU.findBucket(0.512)).toBe(26);
    expect(CPU.findBucket(5000)).toBe(175);
    expect(MEM.findBucket(2 * 1024 * 1024)).toBe(0);
  });
});

describe("percentile", () => {
  it("is 0 for an empty histogram", () => {
    expect(new Histogram(CPU).percentile(0.9)).toBe(0);
  });
  it("returns the end of the bucket where the cumulative weight reaches p × total", () => {
    const h = new Histogram(CPU);
    h.addSample(0.1, 1); // bucket 8, ends at 0.110266
    h.addSample(0.5, 1); // bucket 25, ends at 0.511135
    expect(h.percentile(0.5)).toBeCloseTo(0.1102656, 6);
    expect(h.percentile(0.9)).toBeCloseTo(0.5111345, 6);
    expect(h.percentile(0.51)).toBeCloseTo(0.5111345, 6);
  });
  it("returns the bucket start when the walk ends in the last bucket", () => {
    const h = new Histogram(CPU);
    h.addSample(5000, 1);
    expect(h.percentile(0.5)).toBeCloseTo(1021.109409, 5);
  });
  it("subtracting a sample empties its bucket", () => {
    const h = new Histogram(CPU);
    h.addSample(0.1, 1);
    h.addSample(0.5, 1);
    h.subtractSample(0.1, 1);
    expect(h.percentile(0.1)).toBeCloseTo(0.5111345, 6);
    h.subtractSample(0.5, 1);
    expect(h.isEmpty()).toBe(true);
  });
  it("treats weights below epsilon 1e-4 as empty", () => {
    const h = new Histogram(CPU);
    h.addSample(0.5, 0.00005);
    expect(h.isEmpty()).toBe(true);
    expect(h.percentile(0.5)).toBe(0);
  });
});

describe("decaying histogram (half-life 24 h)", () => {
  it("weighs a sample one half-life newer twice as much", () => {
    const h = new DecayingHistogram(CPU, DAY);
    h.addSample(0.1, 1, 0); // weight 1
    h.addSample(0.5, 1, DAY); // weight 2
    // total 3: P33 still in the old bucket, P50 (threshold 1.5) needs the new one.
    expect(h.percentile(0.33)).toBeCloseTo(0.1102656, 6);
    expect(h.percentile(0.5)).toBeCloseTo(0.5111345, 6);
    expect(h.histogram.total).toBeCloseTo(3, 12);
  });
  it("renormalises past 100 half-lives without changing percentiles", () => {
    const h = new DecayingHistogram(CPU, DAY);
    h.addSample(0.1, 1, 0);
    h.addSample(0.5, 1, 150 * DAY);
    expect(h.referenceMs).toBe(150 * DAY);
    expect(h.histogram.total).toBeCloseTo(1, 9); // the old sample now weighs 2^-150
    expect(h.percentile(0.5)).toBeCloseTo(0.5111345, 6);
  });
});
