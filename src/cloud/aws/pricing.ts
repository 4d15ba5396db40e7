/**
 * EC2 prices: on-demand from the catalog (Linux, shared tenancy; types with no price in the region
 * are not offered there) and a spot market per (instance type, zone) following
 * data/ec2-instance-types.md's model:
 *
 *   spot(type, zone, t) = onDemand(type) × f(type, zone, t)
 *   f(·, 0)   ~ U(lo, hi) drawn once per pool (us-east-1 U(0.25, 0.55), ap-northeast-2 U(0.20, 0.45))
 *   f(·, k+1) = clamp(f(·, k) × (1 + u), 0.1, 1.0),  u ~ U(−w, w),  w = 5 %/h × repricing interval
 *
 * re-priced every 5 min of virtual time. Each pool has its own seeded stream (`rng.fork`), so a price
 * depends only on the seed, the pool and the time — never on who asked first. Until the price feed
 * is "loaded" (`spotPricesLoadedAtMs`, default 0 = already loaded) spot = on-demand, as Karpenter's
 * pricing provider does before its first DescribeSpotPriceHistory.
 *
 * Each pool also keeps ∫ price dt so instance costs are exact over price changes, and a synthetic
 * "spare capacity" score in [0, 1) that the price-capacity-optimized allocation uses to break
 * near-ties.
 */
import type { Rng } from "../../core/rng.js";
import { onDemandPrice } from "../catalog.js";

export const HOUR_MS = 3_600_000;

export interface SpotModelOptions {
  /** Range of the initial spot/on-demand factor; default per region (see module doc). */
  discountRange?: [number, number];
  /** Max relative change per hour of the random walk (default 0.05). */
  walkPerHour?: number;
  /** Re-pricing interval (default 5 min). */
  repriceIntervalMs?: number;
  /** Clamp of the factor (default [0.1, 1.0]). */
  clamp?: [number, number];
  /** Virtual time at which spot prices become known; before it spot = on-demand. Default 0. */
  spotPricesLoadedAtMs?: number;
}

export function defaultDiscountRange(region: string): [number, number] {
  return region === "ap-northeast-2" ? [0.2, 0.45] : [0.25, 0.55];
}

interface Pool {
  od: number;
  rng: Rng;
  factor: number;
  /** Index of the repricing step `factor` belongs to. */
  step: number;
  /** Time up to which `integral` is accumulated. */
  t: number;
  /** ∫ price dt in $ (price in $/h, time in h) from 0 to t. */
  integral: number;
  capacityScore: number;
}

/** Spot prices have 4 decimals in DescribeSpotPriceHistory. */
function round4(x: number): number {
  const r = Math.round(x * 10_000) / 10_000;
  return r > 0 ? r : 0.0001;
}

export class PriceModel {
  private readonly pools = new Map<string, Map<string, Pool>>();
  private readonly odCache = new Map<string, number | undefined>();
  readonly repriceIntervalMs: number;
  private readonly lo: number;
  private readonly hi: number;
  private readonly walk: number;
  private readonly clampLo: number;
  private readonly clampHi: number;
  readonly spotPricesLoadedAtMs: number;

  constructor(
    readonly region: string,
    private readonly rng: Rng,
    opts: SpotModelOptions = {},
  ) {
    [this.lo, this.hi] = opts.discountRange ?? defaultDiscountRange(region);
    this.repriceIntervalMs = opts.repriceIntervalMs ?? 5 * 60_000;
    this.walk = (opts.walkPerHour ?? 0.05) * (this.repriceIntervalMs / HOUR_MS);
    [this.clampLo, this.clampHi] = opts.clamp ?? [0.1, 1.0];
    this.spotPricesLoadedAtMs = opts.spotPricesLoadedAtMs ?? 0;
  }

  /** On-demand $/h in this region, undefined when the type is not offered here. */
  onDemand(type: string): number | undefined {
    if (this.odCache.has(type)) return this.odCache.get(type);
    const p = onDemandPrice(type, this.region);
    this.odCache.set(type, p);
    return p;
  }

  /** The repricing step of time t (prices change only at step boundaries). */
  stepAt(t: number): number {
    return Math.floor(t / this.repriceIntervalMs);
  }

  spotLoaded(t: number): boolean {
    return t >= this.spotPricesLoadedAtMs;
  }

  private pool(type: string, zone: string): Pool | undefined {
    let byZone = this.pools.get(type);
    if (!byZone) this.pools.set(type, (byZone = new Map()));
    let p = byZone.get(zone);
    if (p) return p;
    const od = this.onDemand(type);
    if (od === undefined) return undefined;
    const rng = this.rng.fork(`spot|${type}|${zone}`);
    const factor = rng.uniform(this.lo, this.hi);
    const capacityScore = rng.next();
    p = { od, rng, factor, step: 0, t: 0, integral: 0, capacityScore };
    byZone.set(zone, p);
    return p;
  }

  private priceOf(p: Pool, t: number): number {
    return this.spotLoaded(t) ? round4(p.od * p.factor) : p.od;
  }

  /** Advance the pool's walk and integral to time t (never backwards). */
  private advance(p: Pool, t: number): void {
    while (p.t < t) {
      const nextBoundary = (p.step + 1) * this.repriceIntervalMs;
      let end = t < nextBoundary ? t : nextBoundary;
      if (p.t < this.spotPricesLoadedAtMs && this.spotPricesLoadedAtMs < end) end = this.spotPricesLoadedAtMs;
      p.integral += (this.priceOf(p, p.t) * (end - p.t)) / HOUR_MS;
      p.t = end;
      if (end === nextBoundary) {
        // The new step's price holds from its boundary on (a query at t = k × interval sees step k).
        const u = p.rng.uniform(-this.walk, this.walk);
        let f = p.factor * (1 + u);
        if (f < this.clampLo) f = this.clampLo;
        else if (f > this.clampHi) f = this.clampHi;
        p.factor = f;
        p.step++;
      }
    }
  }

  /** Spot $/h of (type, zone) at virtual time t (≥ every earlier query), undefined if not offered. */
  spot(type: string, zone: string, t: number): number | undefined {
    const p = this.pool(type, zone);
    if (!p) return undefined;
    this.advance(p, t);
    return this.priceOf(p, t);
  }

  /** Spot price as a fraction of on-demand (after rounding). */
  spotFactor(type: string, zone: string, t: number): number | undefined {
    const s = this.spot(type, zone, t);
    const od = this.onDemand(type);
    return s === undefined || od === undefined ? undefined : s / od;
  }

  /** Synthetic spare-capacity score of a spot pool in [0, 1) (higher = deeper pool). */
  capacityScore(type: string, zone: string): number {
    return this.pool(type, zone)?.capacityScore ?? 0;
  }

  /**
   * ∫ price dt ($) from 0 to t for a pool: cost of an instance = integral(end) − integral(start).
   * On-demand is constant: od × hours.
   */
  integral(type: string, zone: string, capacityType: "on-demand" | "spot" | "reserved", t: number): number {
    if (capacityType !== "spot") return ((this.onDemand(type) ?? 0) * t) / HOUR_MS;
    const p = this.pool(type, zone);
    if (!p) return 0;
    this.advance(p, t);
    return p.integral;
  }
}
