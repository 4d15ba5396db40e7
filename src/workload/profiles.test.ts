import { describe, expect, it } from "vitest";
import { averageRate, integral, nextChange, rate } from "./profiles.js";
import type { RateProfile } from "./types.js";

describe("rate profiles", () => {
  it("constant never changes", () => {
    const p: RateProfile = { type: "constant", rps: 7 };
    expect(rate(p, 123456)).toBe(7);
    expect(nextChange(p, 0)).toBeUndefined();
    expect(integral(p, 0, 10_000)).toBeCloseTo(70, 10);
  });

  it("steps: 0 before the first step, exact breakpoints and integral", () => {
    const p: RateProfile = { type: "steps", steps: [{ atMs: 5000, rps: 10 }, { atMs: 15000, rps: 20 }] };
    expect(rate(p, 0)).toBe(0);
    expect(rate(p, 5000)).toBe(10);
    expect(rate(p, 14999)).toBe(10);
    expect(rate(p, 15000)).toBe(20);
    expect(nextChange(p, 0)).toBe(5000);
    expect(nextChange(p, 5000)).toBe(15000);
    expect(nextChange(p, 15000)).toBeUndefined();
    // 10 rps × 10 s + 20 rps × 5 s
    expect(integral(p, 0, 20000)).toBeCloseTo(200, 10);
    expect(integral(p, 10000, 17000)).toBeCloseTo(10 * 5 + 20 * 2, 10);
  });

  it("ramp: linear, re-evaluated on the 5 s grid, average = mid-point", () => {
    const p: RateProfile = { type: "ramp", fromRps: 0, toRps: 100, overMs: 60000 };
    expect(rate(p, 30000)).toBeCloseTo(50, 10);
    expect(rate(p, 90000)).toBe(100);
    expect(nextChange(p, 0)).toBe(5000);
    expect(nextChange(p, 7000)).toBe(10000);
    expect(nextChange(p, 58000)).toBe(60000);
    expect(nextChange(p, 60000)).toBeUndefined();
    expect(nextChange(p, 0, 1000)).toBe(1000);
    expect(integral(p, 0, 60000)).toBeCloseTo(3000, 9); // ½ × 100 × 60
    expect(averageRate(p, 0, 5000)).toBeCloseTo((100 * 2.5) / 60, 9);
    expect(integral(p, 50000, 70000)).toBeCloseTo(((500 / 6 + 100) / 2) * 10 + 100 * 10, 9);
  });

  it("diurnal: peak, trough, exact integral over a period", () => {
    const p: RateProfile = { type: "diurnal", minRps: 10, maxRps: 30, periodMs: 100_000, peakAtMs: 25_000 };
    expect(rate(p, 25_000)).toBeCloseTo(30, 10);
    expect(rate(p, 75_000)).toBeCloseTo(10, 10);
    expect(rate(p, 50_000)).toBeCloseTo(20, 10);
    expect(integral(p, 0, 100_000)).toBeCloseTo(2000, 8);
    // Half period around the peak: mid × 50 s + amp × ∫cos = 20×50 + 10 × (100/π)
    expect(integral(p, 0, 50_000)).toBeCloseTo(1000 + (10 * 100) / Math.PI, 8);
    expect(nextChange(p, 12_345)).toBe(15_000);
  });

  it("trace: linear between points, flat segments jump to their end, held after the last point", () => {
    const p: RateProfile = {
      type: "trace",
      points: [
        { atMs: 0, rps: 0 },
        { atMs: 10_000, rps: 100 },
        { atMs: 20_000, rps: 100 },
      ],
    };
    expect(rate(p, 5000)).toBeCloseTo(50, 10);
    expect(rate(p, 15000)).toBe(100);
    expect(rate(p, 99_000)).toBe(100);
    expect(nextChange(p, 2000)).toBe(5000);
    expect(nextChange(p, 12_000)).toBe(20_000);
    expect(nextChange(p, 20_000)).toBeUndefined();
    expect(integral(p, 0, 20_000)).toBeCloseTo(500 + 1000, 9);
    expect(integral(p, 20_000, 30_000)).toBeCloseTo(1000, 9);
  });

  it("negative values are clipped to 0", () => {
    const p: RateProfile = { type: "trace", points: [{ atMs: 0, rps: -10 }, { atMs: 10_000, rps: 10 }] };
    expect(rate(p, 0)).toBe(0);
    // Only the positive triangle from 5 s to 10 s counts: ½ × 10 × 5.
    expect(integral(p, 0, 10_000)).toBeCloseTo(25, 9);
  });
});
