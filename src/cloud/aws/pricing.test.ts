import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.js";
import { HOUR_MS, PriceModel } from "./pricing.js";

const MIN5 = 5 * 60_000;

describe("PriceModel", () => {
  it("on-demand prices come from the catalog; types without a price in the region are not offered", () => {
    const seoul = new PriceModel("ap-northeast-2", new Rng(1));
    expect(seoul.onDemand("c5a.2xlarge")).toBe(0.344);
    // c6a/m6a/r6a have no Seoul rows in the source data
    expect(seoul.onDemand("c6a.large")).toBeUndefined();
    expect(seoul.spot("c6a.large", "ap-northeast-2a", 0)).toBeUndefined();
    const virginia = new PriceModel("us-east-1", new Rng(1));
    expect(virginia.onDemand("m5.large")).toBe(0.096);
  });

  it("initial spot factor lies in the regional range (Seoul U(0.20, 0.45), us-east-1 U(0.25, 0.55))", () => {
    for (const [region, lo, hi] of [
      ["ap-northeast-2", 0.2, 0.45],
      ["us-east-1", 0.25, 0.55],
    ] as const) {
      const m = new PriceModel(region, new Rng(42));
      let min = 1;
      let max = 0;
      for (const t of ["c5.large", "c5.xlarge", "m5.large", "m5.2xlarge", "r5.large", "t3.medium", "c5a.2xlarge", "m5a.xlarge"]) {
        for (const z of ["a", "b", "c"]) {
          const f = m.spot(t, `${region}${z}`, 0)! / m.onDemand(t)!;
          // 4-decimal rounding of the price moves the factor by at most 0.00005 / price
          const tol = 0.00005 / m.onDemand(t)! + 1e-12;
          expect(f).toBeGreaterThanOrEqual(lo - tol);
          expect(f).toBeLessThan(hi + tol);
          min = Math.min(min, f);
          max = Math.max(max, f);
        }
      }
      // 24 draws spread over the range, not a constant
      expect(max - min).toBeGreaterThan((hi - lo) / 3);
    }
  });

  it("is deterministic per seed and independent of query order; different seeds differ", () => {
    const a = new PriceModel("us-east-1", new Rng(7));
    const b = new PriceModel("us-east-1", new Rng(7));
    const t = 3 * HOUR_MS;
    const pa1 = a.spot("m5.large", "us-east-1a", t);
    const pa2 = a.spot("c5.large", "us-east-1b", t);
    // reverse order on b, and with intermediate queries
    b.spot("c5.large", "us-east-1b", HOUR_MS);
    const pb2 = b.spot("c5.large", "us-east-1b", t);
    const pb1 = b.spot("m5.large", "us-east-1a", t);
    expect(pb1).toBe(pa1);
    expect(pb2).toBe(pa2);
    const c = new PriceModel("us-east-1", new Rng(8));
    expect(c.spot("m5.large", "us-east-1a", t)).not.toBe(pa1);
  });

  it("re-prices only at 5-minute boundaries, by at most ±5 %/h × 5 min per step", () => {
    const m = new PriceModel("us-east-1", new Rng(3));
    const od = m.onDemand("m5.xlarge")!;
    const p0 = m.spot("m5.xlarge", "us-east-1a", 0)!;
    expect(m.spot("m5.xlarge", "us-east-1a", MIN5 - 1)).toBe(p0);
    let prevFactor = m.spotFactor("m5.xlarge", "us-east-1a", 0)!;
    let changed = 0;
    const w = 0.05 / 12;
    for (let k = 1; k <= 24; k++) {
      const f = m.spotFactor("m5.xlarge", "us-east-1a", k * MIN5)!;
      if (f !== prevFactor) changed++;
      // |f_k / f_{k-1} − 1| ≤ w (plus rounding of both prices to 4 decimals)
      expect(Math.abs(f / prevFactor - 1)).toBeLessThanOrEqual(w + 0.0002 / (od * prevFactor));
      prevFactor = f;
    }
    expect(changed).toBeGreaterThan(12);
  });

  it("the walk stays clamped to [0.1, 1.0] × on-demand", () => {
    const m = new PriceModel("us-east-1", new Rng(5), { walkPerHour: 5, discountRange: [0.95, 0.99] });
    const od = m.onDemand("c5.large")!;
    for (let k = 0; k < 500; k++) {
      const p = m.spot("c5.large", "us-east-1a", k * MIN5)!;
      expect(p).toBeLessThanOrEqual(od + 1e-9);
      expect(p).toBeGreaterThanOrEqual(Math.round(od * 0.1 * 1e4) / 1e4 - 1e-9);
    }
  });

  it("spot = on-demand until the price feed is loaded", () => {
    const m = new PriceModel("us-east-1", new Rng(9), { spotPricesLoadedAtMs: 60_000 });
    expect(m.spot("m5.large", "us-east-1a", 0)).toBe(0.096);
    expect(m.spot("m5.large", "us-east-1a", 59_999)).toBe(0.096);
    expect(m.spot("m5.large", "us-east-1a", 60_000)).toBeLessThan(0.096 * 0.56);
  });

  it("integral: on-demand is price × hours; spot sums each 5-minute step's price", () => {
    const m = new PriceModel("us-east-1", new Rng(11));
    expect(m.integral("m5.large", "us-east-1a", "on-demand", 2 * HOUR_MS)).toBeCloseTo(0.192, 12);
    const ref = new PriceModel("us-east-1", new Rng(11));
    let expected = 0;
    for (let k = 0; k < 12; k++) expected += (ref.spot("m5.large", "us-east-1a", k * MIN5)! * 5) / 60;
    // plus half a step at the 13th price
    expected += (ref.spot("m5.large", "us-east-1a", 12 * MIN5)! * 2.5) / 60;
    expect(m.integral("m5.large", "us-east-1a", "spot", 12 * MIN5 + MIN5 / 2)).toBeCloseTo(expected, 12);
  });

  it("integral counts on-demand price during the warm-up", () => {
    const m = new PriceModel("us-east-1", new Rng(12), { spotPricesLoadedAtMs: 30 * 60_000 });
    const ref = new PriceModel("us-east-1", new Rng(12));
    // 30 min at on-demand, then 30 min at the walk's prices (steps 6..11)
    let expected = 0.096 * 0.5;
    for (let k = 6; k < 12; k++) expected += (ref.spot("m5.large", "us-east-1a", k * MIN5)! * 5) / 60;
    expect(m.integral("m5.large", "us-east-1a", "spot", HOUR_MS)).toBeCloseTo(expected, 12);
  });
});
