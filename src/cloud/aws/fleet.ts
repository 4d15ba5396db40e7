/**
 * The launch decision of Karpenter's AWS instance provider (`pkg/providers/instance`, v1.0–v1.2)
 * and of EC2 CreateFleet (`Type=instant`, `TotalTargetCapacity=1`), as pure functions:
 *
 * 1. filter the NodeClaim's instance types: compatible with its requirements and with a compatible,
 *    available offering; exotic filter (drop metal / GPU / accelerator types unless that removes
 *    everything or a requirement has minValues); for a spot launch, drop types whose cheapest
 *    compatible spot offering is dearer than the cheapest compatible on-demand offering;
 * 2. order by cheapest compatible available offering (ties by name) and truncate to 60;
 * 3. capacity type: spot if the requirements allow it and some type has a compatible available spot
 *    offering, else on-demand;
 * 4. overrides = every (type, zone) pool of that capacity type; EC2 tries them in allocation-strategy
 *    order: on-demand `lowest-price` → cheapest first; spot `price-capacity-optimized` → a
 *    deterministic approximation: pools within 5 % of the cheapest price form the first tier, inside
 *    a tier the deepest pool (synthetic capacity score) wins, then price.
 */
import { Requirements, WELL_KNOWN_LABELS } from "../../scheduling/requirements.js";
import type { CapacityType, CloudInstanceType, NodeRequirement, Offering } from "../provider.js";
import { LABEL_CAPACITY_TYPE, LABEL_ZONE, LABEL_ZONE_ID } from "./instancetypes.js";

/** Karpenter's AWS provider truncates CreateFleet overrides to this many instance types. */
export const MAX_INSTANCE_TYPES = 60;
/** checkODFallback threshold (instance-type × zone overrides). */
export const INSTANCE_TYPE_FLEXIBILITY_THRESHOLD = 5;
/** Near-tie band of the price-capacity-optimized approximation. */
export const PCO_PRICE_BAND = 0.05;

const typeReqCache = new WeakMap<CloudInstanceType, Requirements>();

export function typeRequirements(it: CloudInstanceType): Requirements {
  let r = typeReqCache.get(it);
  if (!r) {
    r = Requirements.fromNodeSelector(it.requirements);
    typeReqCache.set(it, r);
  }
  return r;
}

/** Offering.Requirements compatibility: capacity type, zone and zone id must be allowed. */
export function offeringCompatible(reqs: Requirements, o: Offering, capacityType?: CapacityType): boolean {
  if (capacityType !== undefined && o.capacityType !== capacityType) return false;
  const ct = reqs.get(LABEL_CAPACITY_TYPE);
  if (ct && !ct.has(o.capacityType)) return false;
  const z = reqs.get(LABEL_ZONE);
  if (z && !z.has(o.zone)) return false;
  if (o.zoneId !== undefined) {
    const zid = reqs.get(LABEL_ZONE_ID);
    if (zid && !zid.has(o.zoneId)) return false;
  }
  return true;
}

/** Cheapest compatible available offering price, +∞ if none. */
export function cheapestPrice(it: CloudInstanceType, reqs: Requirements, capacityType?: CapacityType): number {
  let best = Infinity;
  for (const o of it.offerings) if (o.available && o.price < best && offeringCompatible(reqs, o, capacityType)) best = o.price;
  return best;
}

const exoticCache = new WeakMap<CloudInstanceType, boolean>();

function isExotic(it: CloudInstanceType): boolean {
  let v = exoticCache.get(it);
  if (v !== undefined) return v;
  v = false;
  for (const r of it.requirements) {
    if (r.key === "karpenter.k8s.aws/instance-size" && r.values?.some((x) => x.includes("metal"))) v = true;
  }
  for (const k of ["nvidia.com/gpu", "amd.com/gpu", "aws.amazon.com/neuron", "aws.amazon.com/neuroncore", "habana.ai/gaudi"]) {
    if ((it.capacity[k] ?? 0) > 0) v = true;
  }
  exoticCache.set(it, v);
  return v;
}

/**
 * `reqs.isCompatible(typeRequirements(it), AllowUndefinedWellKnownLabels)`. When every key of the
 * type is well-known (always true for the provider's own types), only keys both sides define can
 * conflict, so iterate the NodeClaim's (few) keys instead of the type's (many).
 */
function typeCompatible(reqs: Requirements, it: CloudInstanceType): boolean {
  const tr = typeRequirements(it);
  if (!allWellKnown(it, tr)) return reqs.isCompatible(tr, true);
  for (const q of reqs.values()) {
    const t = tr.get(q.key);
    if (t === undefined) continue;
    if (!q.intersects(t) && !(q.isNegative() && t.isNegative())) return false;
  }
  return true;
}

const wellKnownCache = new WeakMap<CloudInstanceType, boolean>();
function allWellKnown(it: CloudInstanceType, tr: Requirements): boolean {
  let v = wellKnownCache.get(it);
  if (v === undefined) {
    v = true;
    for (const k of tr.keys()) if (!WELL_KNOWN_LABELS.has(k)) v = false;
    wellKnownCache.set(it, v);
  }
  return v;
}

export interface FleetPool {
  instanceType: CloudInstanceType;
  offering: Offering;
}

export interface FleetPlan {
  capacityType: CapacityType;
  /** Filtered, price-ordered, truncated instance types (what Karpenter sends). */
  instanceTypes: CloudInstanceType[];
  /** Number of (type, zone) overrides. */
  poolCount: number;
  /** The next override EC2 tries, skipping offerings already tried. */
  next(tried: ReadonlySet<Offering>): FleetPool | undefined;
  /** All overrides in the order EC2 tries them (computed on access). */
  readonly pools: FleetPool[];
  /** Karpenter's checkODFallback error text, when it applies. */
  onDemandFallbackError?: string;
}

export function getCapacityType(reqs: Requirements, types: readonly CloudInstanceType[]): CapacityType {
  const ct = reqs.get(LABEL_CAPACITY_TYPE);
  if (!ct || ct.has("spot")) {
    for (const it of types) for (const o of it.offerings) if (o.available && offeringCompatible(reqs, o, "spot")) return "spot";
  }
  return "on-demand";
}

/**
 * Plan a launch. `capacityScore(type, zone)` is the spot pool depth used by
 * price-capacity-optimized. Returns undefined when no type survives the filters
 * ("all requested instance types were unavailable during launch").
 */
export function planFleet(
  candidates: readonly CloudInstanceType[],
  requirements: readonly NodeRequirement[] | Requirements,
  capacityScore: (type: string, zone: string) => number,
): FleetPlan | undefined {
  const reqs = requirements instanceof Requirements ? requirements : Requirements.fromNodeSelector(requirements);
  const ctReq = reqs.get(LABEL_CAPACITY_TYPE);
  const spotAllowed = !ctReq || ctReq.has("spot");
  const minValues = reqs.hasMinValues();
  const zReq = reqs.get(LABEL_ZONE);
  const zidReq = reqs.get(LABEL_ZONE_ID);
  /** offeringCompatible with the requirement lookups hoisted out of the loops. */
  const compat = (o: Offering, ct?: CapacityType): boolean =>
    (ct === undefined || o.capacityType === ct) &&
    (!ctReq || ctReq.has(o.capacityType)) &&
    (!zReq || zReq.has(o.zone)) &&
    (o.zoneId === undefined || !zidReq || zidReq.has(o.zoneId));
  // 1. compatible + available, with the cheapest compatible available offering overall / spot / on-demand (one pass)
  interface Row {
    it: CloudInstanceType;
    any: number;
    spot: number;
    od: number;
  }
  let rows: Row[] = [];
  for (const it of candidates) {
    if (!typeCompatible(reqs, it)) continue;
    let any = Infinity;
    let spot = Infinity;
    let od = Infinity;
    for (const o of it.offerings) {
      if (!o.available || !compat(o)) continue;
      if (o.price < any) any = o.price;
      if (o.capacityType === "spot") {
        if (o.price < spot) spot = o.price;
      } else if (o.capacityType === "on-demand" && o.price < od) od = o.price;
    }
    if (any < Infinity) rows.push({ it, any, spot, od });
  }
  if (rows.length === 0) return undefined;
  // exotic filter
  if (!minValues) {
    const generic = rows.filter((r) => !isExotic(r.it));
    if (generic.length > 0) rows = generic;
  }
  // unwanted-spot filter (spot launch only): drop types whose cheapest spot offering is dearer than the cheapest on-demand one
  if (spotAllowed && !minValues && rows.some((r) => r.spot < Infinity)) {
    let cheapestOD = Infinity;
    for (const r of rows) if (r.od < cheapestOD) cheapestOD = r.od;
    if (cheapestOD < Infinity) rows = rows.filter((r) => r.spot === Infinity || r.spot <= cheapestOD);
  }
  // 2. order by price (ties by name), truncate
  rows.sort((a, b) => (a.any !== b.any ? (a.any < b.any ? -1 : 1) : a.it.name < b.it.name ? -1 : a.it.name > b.it.name ? 1 : 0));
  if (rows.length > MAX_INSTANCE_TYPES) rows.length = MAX_INSTANCE_TYPES;
  const types = rows.map((r) => r.it);
  // 3. capacity type
  const capacityType: CapacityType = spotAllowed && rows.some((r) => r.spot < Infinity) ? "spot" : "on-demand";
  // 4. overrides
  let poolCount = 0;
  let minPrice = Infinity;
  for (const it of types) {
    for (const o of it.offerings) {
      if (!o.available || !compat(o, capacityType)) continue;
      poolCount++;
      if (o.price < minPrice) minPrice = o.price;
    }
  }
  if (poolCount === 0) return undefined;
  const spot = capacityType === "spot";
  const logBand = Math.log(1 + PCO_PRICE_BAND);
  const tierOf = (price: number) => (spot ? Math.max(0, Math.floor(Math.log(price / minPrice) / logBand + 1e-9)) : 0);
  /** EC2's next override to try: a linear scan (usually only the first is needed), no sorting, no allocation. */
  const next = (tried: ReadonlySet<Offering>): FleetPool | undefined => {
    let best: FleetPool | undefined;
    let bTier = 0;
    let bScore = 0;
    let bRank = 0;
    for (let i = 0; i < types.length; i++) {
      const it = types[i]!;
      for (const o of it.offerings) {
        if (!o.available || !compat(o, capacityType) || (tried.size > 0 && tried.has(o))) continue;
        const tier = tierOf(o.price);
        const score = spot ? capacityScore(it.name, o.zone) : 0;
        let better = best === undefined;
        if (!better) {
          const bo = best!.offering;
          if (tier !== bTier) better = tier < bTier;
          else if (score !== bScore) better = score > bScore;
          else if (o.price !== bo.price) better = o.price < bo.price;
          else if (i !== bRank) better = i < bRank;
          else better = o.zone < bo.zone;
        }
        if (better) {
          best = { instanceType: it, offering: o };
          bTier = tier;
          bScore = score;
          bRank = i;
        }
      }
    }
    return best;
  };
  const plan: FleetPlan = {
    capacityType,
    instanceTypes: types,
    poolCount,
    next,
    get pools(): FleetPool[] {
      const out: FleetPool[] = [];
      const tried = new Set<Offering>();
      for (let p = next(tried); p; p = next(tried)) {
        out.push(p);
        tried.add(p.offering);
      }
      return out;
    },
  };
  if (capacityType === "on-demand") {
    if (spotAllowed && poolCount < INSTANCE_TYPE_FLEXIBILITY_THRESHOLD) {
      plan.onDemandFallbackError =
        `at least ${INSTANCE_TYPE_FLEXIBILITY_THRESHOLD} instance types are recommended when flexible to spot but requesting on-demand, ` +
        `the current provisioning request only has ${poolCount} instance type options`;
    }
  }
  return plan;
}
