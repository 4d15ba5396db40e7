/**
 * A NodePool's instance types for one scheduling solve, as the provisioning scheduler filters them
 * (`NodeClaim.Add` → `filterInstanceTypesByRequirements`, v1.0–v1.2): requirement compatibility,
 * fit of the summed requests, and an available offering in the claim's zones / capacity types.
 *
 * Every NodeClaim of the solve keeps a subset of the pool's types; subsets are bitsets over the
 * pool's type positions, so filtering a claim is a few word ANDs with cached masks (one per distinct
 * requirement or zone / capacity-type pair) plus one pass over the surviving types' allocatable
 * arrays. Bit order is the pool's type order, which is the order the per-claim lists had.
 */
import type { CloudInstanceType, Offering, ResourceList } from "../../cloud/provider.js";
import type { ResourceVector } from "../../scheduling/resources.js";
import { Requirement, Requirements, LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_ZONE } from "../../scheduling/requirements.js";

/** One instance type's requirements (offerings folded in), allocatable and offerings. */
export class TypeInfo {
  readonly reqs: Requirements;
  readonly cpu: number;
  readonly mem: number;
  readonly pods: number;
  readonly eph: number;
  readonly ext: Array<[string, number]>;
  readonly capacity: ResourceList;
  readonly offerings: Offering[];
  constructor(
    readonly it: CloudInstanceType,
    readonly index: number,
  ) {
    this.reqs = Requirements.fromNodeSelector(it.requirements);
    if (!this.reqs.has(LABEL_INSTANCE_TYPE)) this.reqs.add(Requirement.of(LABEL_INSTANCE_TYPE, "In", [it.name]));
    const zones = new Set<string>();
    const cts = new Set<string>();
    for (const o of it.offerings) {
      zones.add(o.zone);
      cts.add(o.capacityType);
    }
    if (!this.reqs.has(LABEL_ZONE)) this.reqs.add(Requirement.of(LABEL_ZONE, "In", [...zones]));
    if (!this.reqs.has(LABEL_CAPACITY_TYPE)) this.reqs.add(Requirement.of(LABEL_CAPACITY_TYPE, "In", [...cts]));
    const a = it.allocatable;
    this.cpu = a.cpu;
    this.mem = a.memory;
    this.pods = a.pods;
    this.eph = a.ephemeralStorage;
    this.ext = [];
    for (const k in a) if (k !== "cpu" && k !== "memory" && k !== "pods" && k !== "ephemeralStorage") this.ext.push([k, a[k]!]);
    this.capacity = it.capacity;
    this.offerings = it.offerings;
  }

  fits(r: ResourceVector): boolean {
    if (r.cpu > this.cpu || r.memory > this.mem || r.pods > this.pods || r.ephemeralStorage > this.eph) return false;
    for (const k in r) {
      if (k === "cpu" || k === "memory" || k === "pods" || k === "ephemeralStorage") continue;
      const q = r[k]!;
      if (q === 0) continue;
      let have = 0;
      for (const [n, v] of this.ext) if (n === k) have = v;
      if (q > have) return false;
    }
    return true;
  }

  /** Cheapest available offering compatible with the zone / capacity-type requirements (Infinity if none). */
  cheapest(zone: Requirement | undefined, ct: Requirement | undefined): number {
    let best = Infinity;
    for (const o of this.offerings) {
      if (!o.available) continue;
      if (zone && !zone.has(o.zone)) continue;
      if (ct && !ct.has(o.capacityType)) continue;
      if (o.price < best) best = o.price;
    }
    return best;
  }

  hasOffering(zone: Requirement | undefined, ct: Requirement | undefined): boolean {
    for (const o of this.offerings) {
      if (!o.available) continue;
      if (zone && !zone.has(o.zone)) continue;
      if (ct && !ct.has(o.capacityType)) continue;
      return true;
    }
    return false;
  }
}

// ------------------------------------------------------------------------------------ bitsets

export type TypeSet = Uint32Array;

export function isEmptySet(a: TypeSet): boolean {
  for (let w = 0; w < a.length; w++) if (a[w] !== 0) return false;
  return true;
}

/** True when a ∩ b is non-empty. */
export function overlaps(a: TypeSet, b: TypeSet): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & b[w]!) !== 0) return true;
  return false;
}

/** Positions of the set bits, ascending. */
export function positions(a: TypeSet): number[] {
  const out: number[] = [];
  for (let w = 0; w < a.length; w++) {
    let x = a[w]!;
    while (x !== 0) {
      const low = x & -x;
      out.push(w * 32 + 31 - Math.clz32(low));
      x ^= low;
    }
  }
  return out;
}

function and(a: TypeSet, b: TypeSet): void {
  for (let w = 0; w < a.length; w++) a[w]! &= b[w]!;
}

export interface Bounds {
  maxCpu: number;
  maxMem: number;
  maxPods: number;
  minCpu: number;
  minMem: number;
  minPods: number;
  minEph: number;
}

/** One allocatable dimension: types by value, with the set of types at or above each distinct value. */
class Threshold {
  /** distinct values, ascending */
  private readonly values: Float64Array;
  /** atLeast[k]: types whose value ≥ values[k], plus the NaN ones */
  private readonly atLeast: TypeSet[];
  private readonly nan: TypeSet;
  private readonly all: TypeSet;
  /** positions ascending by value (NaN left out), and their values */
  private readonly ascending: Int32Array;
  private readonly ascendingValues: Float64Array;

  constructor(cat: PoolCatalog, v: Float64Array) {
    const order: number[] = [];
    this.nan = cat.empty();
    for (let i = 0; i < v.length; i++) {
      if (Number.isNaN(v[i]!)) this.nan[i >>> 5]! |= 1 << (i & 31);
      else order.push(i);
    }
    order.sort((a, b) => v[a]! - v[b]! || a - b);
    this.ascending = Int32Array.from(order);
    this.ascendingValues = Float64Array.from(order, (i) => v[i]!);
    const distinct: number[] = [];
    for (const i of order) if (distinct.length === 0 || distinct[distinct.length - 1] !== v[i]) distinct.push(v[i]!);
    this.values = Float64Array.from(distinct);
    this.atLeast = new Array<TypeSet>(distinct.length);
    const acc = this.nan.slice();
    let j = order.length - 1;
    for (let k = distinct.length - 1; k >= 0; k--) {
      while (j >= 0 && v[order[j]!]! >= distinct[k]!) {
        const i = order[j--]!;
        acc[i >>> 5]! |= 1 << (i & 31);
      }
      this.atLeast[k] = acc.slice();
    }
    this.all = acc;
  }

  /** Types with value ≥ t (all of them for a NaN total, which no comparison refuses). */
  get(t: number): TypeSet {
    if (Number.isNaN(t)) return this.all;
    const vs = this.values;
    let lo = 0;
    let hi = vs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (vs[mid]! >= t) hi = mid;
      else lo = mid + 1;
    }
    return lo < vs.length ? this.atLeast[lo]! : this.nan;
  }

  largest(set: TypeSet): number {
    const a = this.ascending;
    for (let k = a.length - 1; k >= 0; k--) {
      const i = a[k]!;
      if ((set[i >>> 5]! & (1 << (i & 31))) !== 0) return this.ascendingValues[k]!;
    }
    return -Infinity;
  }

  smallest(set: TypeSet): number {
    const a = this.ascending;
    for (let k = 0; k < a.length; k++) {
      const i = a[k]!;
      if ((set[i >>> 5]! & (1 << (i & 31))) !== 0) return this.ascendingValues[k]!;
    }
    return Infinity;
  }

}

/** Value-set key of a requirement (equal keys ⇒ equal sets; unsorted, so equal sets may differ). */
export function requirementKey(q: Requirement | undefined): string {
  if (!q) return "*";
  let s = q.complement ? "!" : "=";
  for (const v of q.values) s += v + "\u0001";
  return `${s}|${q.greaterThan ?? ""}|${q.lessThan ?? ""}`;
}

/** A NodePool's compatible instance types (in the pool's order) with cached filter masks. */
export class PoolCatalog {
  readonly words: number;
  readonly cpu: Float64Array;
  readonly mem: Float64Array;
  readonly pods: Float64Array;
  readonly eph: Float64Array;
  /** every type */
  readonly all: TypeSet;
  private readonly typeKeys = new Set<string>();
  private readonly requirementMasks = new Map<string, TypeSet>();
  private readonly offeringMasks = new Map<string, TypeSet>();
  private readonly priceOrders = new Map<string, Int32Array>();

  constructor(readonly types: readonly TypeInfo[]) {
    const n = types.length;
    this.words = Math.max(1, Math.ceil(n / 32));
    this.cpu = new Float64Array(n);
    this.mem = new Float64Array(n);
    this.pods = new Float64Array(n);
    this.eph = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = types[i]!;
      // `undefined` allocatable reads as NaN: every comparison false, as with the object fields
      this.cpu[i] = t.cpu;
      this.mem[i] = t.mem;
      this.pods[i] = t.pods;
      this.eph[i] = t.eph;
      for (const k of t.reqs.keys()) this.typeKeys.add(k);
    }
    this.all = this.subset(() => true);
  }

  /**
   * Types on which a total of (cpu, memory, pods, ephemeral-storage) fits: allocatable ≥ total on
   * each (an undefined allocatable, NaN here, never refuses — as the comparisons on the fields did).
   * The result is scratch space, valid until the next call.
   */
  fitMask(cpu: number, mem: number, pods: number, eph: number): TypeSet {
    const out = (this.fitScratch ??= this.empty());
    out.set(this.cpuAtLeast.get(cpu));
    and(out, this.memAtLeast.get(mem));
    and(out, this.podsAtLeast.get(pods));
    and(out, this.ephAtLeast.get(eph));
    return out;
  }
  private fitScratch: TypeSet | undefined;
  private get cpuAtLeast(): Threshold {
    return (this.cpuT ??= new Threshold(this, this.cpu));
  }
  private get memAtLeast(): Threshold {
    return (this.memT ??= new Threshold(this, this.mem));
  }
  private get podsAtLeast(): Threshold {
    return (this.podsT ??= new Threshold(this, this.pods));
  }
  private get ephAtLeast(): Threshold {
    return (this.ephT ??= new Threshold(this, this.eph));
  }
  private cpuT: Threshold | undefined;
  private memT: Threshold | undefined;
  private podsT: Threshold | undefined;
  private ephT: Threshold | undefined;

  /**
   * Largest cpu / memory / pods and smallest cpu / memory / pods / ephemeral-storage allocatable among
   * `set`, as a pass over its members would find them (largest from 0, smallest from Infinity, NaN skipped).
   */
  bounds(set: TypeSet, out: Bounds): void {
    out.maxCpu = Math.max(0, this.cpuAtLeast.largest(set));
    out.maxMem = Math.max(0, this.memAtLeast.largest(set));
    out.maxPods = Math.max(0, this.podsAtLeast.largest(set));
    out.minCpu = this.cpuAtLeast.smallest(set);
    out.minMem = this.memAtLeast.smallest(set);
    out.minPods = this.podsAtLeast.smallest(set);
    out.minEph = this.ephAtLeast.smallest(set);
  }

  empty(): TypeSet {
    return new Uint32Array(this.words);
  }

  /** The set of the types `keep` accepts. */
  subset(keep: (t: TypeInfo) => boolean): TypeSet {
    const s = this.empty();
    for (let i = 0; i < this.types.length; i++) if (keep(this.types[i]!)) s[i >>> 5]! |= 1 << (i & 31);
    return s;
  }

  /** Some type of the pool has a requirement on `key` (otherwise no requirement on it filters types). */
  constrains(key: string): boolean {
    return this.typeKeys.has(key);
  }

  /** Types whose requirement on q.key is absent or intersects q (the per-key filter of NodeClaim.Add). */
  requirementMask(q: Requirement): TypeSet {
    const key = `${q.key}\u0000${requirementKey(q)}`;
    let m = this.requirementMasks.get(key);
    if (!m) {
      m = this.subset((t) => {
        const tq = t.reqs.get(q.key);
        return tq === undefined || tq.intersects(q);
      });
      this.requirementMasks.set(key, m);
    }
    return m;
  }

  /** Cache key of a zone / capacity-type pair (the last pair's is kept: claims repeat the same objects). */
  private pairKey(zone: Requirement | undefined, ct: Requirement | undefined): string {
    if (zone === this.lastZone && ct === this.lastCt && this.lastPairKey !== undefined) return this.lastPairKey;
    this.lastZone = zone;
    this.lastCt = ct;
    return (this.lastPairKey = `${requirementKey(zone)}\u0000${requirementKey(ct)}`);
  }
  private lastZone: Requirement | undefined;
  private lastCt: Requirement | undefined;
  private lastPairKey: string | undefined;

  /** Types with an available offering in the zone / capacity-type requirements. */
  offeringMask(zone: Requirement | undefined, ct: Requirement | undefined): TypeSet {
    const key = this.pairKey(zone, ct);
    let m = this.offeringMasks.get(key);
    if (!m) {
      m = this.subset((t) => t.hasOffering(zone, ct));
      this.offeringMasks.set(key, m);
    }
    return m;
  }

  /**
   * Type positions by (cheapest compatible offering, name, position): the pool's catalog is sorted
   * once per zone / capacity-type pair and each claim takes its members in that order, which is the
   * order a stable per-claim sort by (price, name) gives.
   */
  priceOrder(zone: Requirement | undefined, ct: Requirement | undefined): Int32Array {
    const key = this.pairKey(zone, ct);
    let order = this.priceOrders.get(key);
    if (!order) {
      const priced = this.types.map((ti, pos) => ({ name: ti.it.name, pos, p: ti.cheapest(zone, ct) }));
      priced.sort((a, b) => a.p - b.p || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.pos - b.pos);
      order = Int32Array.from(priced, (x) => x.pos);
      this.priceOrders.set(key, order);
    }
    return order;
  }

  /** Positions of the first `max` members of `set` in price order. */
  cheapest(set: TypeSet, zone: Requirement | undefined, ct: Requirement | undefined, max: number): number[] {
    const order = this.priceOrder(zone, ct);
    const out: number[] = [];
    for (let i = 0; i < order.length && out.length < max; i++) {
      const p = order[i]!;
      if ((set[p >>> 5]! & (1 << (p & 31))) !== 0) out.push(p);
    }
    return out;
  }

  /**
   * `In` the capacity types offered by the types at `positions` (undefined when none): one shared
   * requirement per combination.
   */
  capacityTypeRequirement(positions: readonly number[], zone: Requirement | undefined, ct: Requirement | undefined): Requirement | undefined {
    const key = this.pairKey(zone, ct);
    const flags = this.capacityTypeFlags.get(key) ?? this.buildCapacityTypeFlags(key, zone, ct);
    if (flags === undefined) {
      const cts = this.capacityTypesSlow(positions, zone, ct);
      return cts.length > 0 ? Requirement.of(LABEL_CAPACITY_TYPE, "In", cts) : undefined;
    }
    let any = 0;
    for (const p of positions) any |= flags[p]!;
    if (any === 0) return undefined;
    let q = this.capacityTypeRequirements.get(any);
    if (q === undefined) this.capacityTypeRequirements.set(any, (q = Requirement.of(LABEL_CAPACITY_TYPE, "In", this.capacityTypesOf(any))));
    return q;
  }
  private readonly capacityTypeRequirements = new Map<number, Requirement>();
  private readonly capacityTypeFlags = new Map<string, Uint32Array>();
  private readonly capacityTypeNames: string[] = [];

  private capacityTypesOf(flags: number): string[] {
    const out: string[] = [];
    for (let j = 0; j < this.capacityTypeNames.length; j++) if ((flags & (1 << j)) !== 0) out.push(this.capacityTypeNames[j]!);
    return out;
  }

  /** Per type, a bit per capacity type it offers (undefined beyond 32 distinct capacity types). */
  private buildCapacityTypeFlags(key: string, zone: Requirement | undefined, ct: Requirement | undefined): Uint32Array | undefined {
    const flags = new Uint32Array(this.types.length);
    for (let i = 0; i < this.types.length; i++) {
      for (const o of this.types[i]!.offerings) {
        if (!o.available || (zone && !zone.has(o.zone)) || (ct && !ct.has(o.capacityType))) continue;
        let j = this.capacityTypeNames.indexOf(o.capacityType);
        if (j < 0) j = this.capacityTypeNames.push(o.capacityType) - 1;
        if (j >= 32) return undefined;
        flags[i]! |= 1 << j;
      }
    }
    this.capacityTypeFlags.set(key, flags);
    return flags;
  }

  private capacityTypesSlow(positions: readonly number[], zone: Requirement | undefined, ct: Requirement | undefined): string[] {
    const cts = new Set<string>();
    for (const p of positions) for (const o of this.types[p]!.offerings) if (o.available && (!zone || zone.has(o.zone)) && (!ct || ct.has(o.capacityType))) cts.add(o.capacityType);
    return [...cts];
  }

  members(set: TypeSet): TypeInfo[] {
    return positions(set).map((p) => this.types[p]!);
  }
}
