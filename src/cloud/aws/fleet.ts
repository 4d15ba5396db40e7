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
import { Requirements } from "../../scheduling/requirements.js";
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

function isExotic(it: CloudInstanceType): boolean {
  for (const r of it.requirements) {
    if (r.key === "karpenter.k8s.aws/instance-size" && r.values?.some((v) => v.includes("metal"))) return true;
  }
  for (const k of ["nvidia.com/gpu", "amd.com/gpu", "aws.amazon.com/neuron", "aws.amazon.com/neuroncore", "habana.ai/gaudi"]) {
    if ((it.capacity[k] ?? 0) > 0) return true;
  }
  return false;
}

export interface FleetPool {
  instanceType: CloudInstanceType;
  offering: Offering;
}

export interface FleetPlan {
  capacityType: CapacityType;
  /** Filtered, price-ordered, truncated instance types (what Karpenter sends). */
  instanceTypes: CloudInstanceType[];
  /** Overrides in the order EC2 tries them. */
  pools: FleetPool[];
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
  // 1. compatible + available
  let types = candidates.filter((it) => reqs.isCompatible(typeRequirements(it), true) && cheapestPrice(it, reqs) < Infinity);
  if (types.length === 0) return undefined;
  // exotic filter
  if (!reqs.hasMinValues()) {
    const generic = types.filter((it) => !isExotic(it));
    if (generic.length > 0) types = generic;
  }
  // unwanted-spot filter (spot launch only)
  if (getCapacityType(reqs, types) === "spot" && !reqs.hasMinValues()) {
    let cheapestOD = Infinity;
    for (const it of types) {
      const p = cheapestPrice(it, reqs, "on-demand");
      if (p < cheapestOD) cheapestOD = p;
    }
    if (cheapestOD < Infinity) {
      types = types.filter((it) => {
        const spot = cheapestPrice(it, reqs, "spot");
        return spot === Infinity || spot <= cheapestOD;
      });
    }
  }
  // 2. order by price, truncate
  const priceOf = new Map<CloudInstanceType, number>();
  for (const it of types) priceOf.set(it, cheapestPrice(it, reqs));
  types.sort((a, b) => {
    const pa = priceOf.get(a)!;
    const pb = priceOf.get(b)!;
    if (pa !== pb) return pa < pb ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  if (types.length > MAX_INSTANCE_TYPES) types = types.slice(0, MAX_INSTANCE_TYPES);
  // 3. capacity type
  const capacityType = getCapacityType(reqs, types);
  // 4. overrides
  const pools: FleetPool[] = [];
  for (const it of types) for (const o of it.offerings) if (o.available && offeringCompatible(reqs, o, capacityType)) pools.push({ instanceType: it, offering: o });
  if (pools.length === 0) return undefined;
  const rank = new Map<CloudInstanceType, number>();
  types.forEach((t, i) => rank.set(t, i));
  const byPrice = (a: FleetPool, b: FleetPool) => {
    if (a.offering.price !== b.offering.price) return a.offering.price - b.offering.price;
    const r = rank.get(a.instanceType)! - rank.get(b.instanceType)!;
    if (r !== 0) return r;
    return a.offering.zone < b.offering.zone ? -1 : a.offering.zone > b.offering.zone ? 1 : 0;
  };
  if (capacityType === "spot") {
    let min = Infinity;
    for (const p of pools) if (p.offering.price < min) min = p.offering.price;
    const tier = (p: FleetPool) => Math.max(0, Math.floor(Math.log(p.offering.price / min) / Math.log(1 + PCO_PRICE_BAND) + 1e-9));
    const score = new Map<FleetPool, number>();
    for (const p of pools) score.set(p, capacityScore(p.instanceType.name, p.offering.zone));
    pools.sort((a, b) => {
      const t = tier(a) - tier(b);
      if (t !== 0) return t;
      const s = score.get(b)! - score.get(a)!;
      if (s !== 0) return s;
      return byPrice(a, b);
    });
  } else {
    pools.sort(byPrice);
  }
  const plan: FleetPlan = { capacityType, instanceTypes: types, pools };
  if (capacityType === "on-demand") {
    const ct = reqs.get(LABEL_CAPACITY_TYPE);
    if ((!ct || ct.has("spot")) && pools.length < INSTANCE_TYPE_FLEXIBILITY_THRESHOLD) {
      plan.onDemandFallbackError =
        `at least ${INSTANCE_TYPE_FLEXIBILITY_THRESHOLD} instance types are recommended when flexible to spot but requesting on-demand, ` +
        `the current provisioning request only has ${pools.length} instance type options`;
    }
  }
  return plan;
}
