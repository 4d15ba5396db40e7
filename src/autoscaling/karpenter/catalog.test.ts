import { describe, expect, it } from "vitest";
import type { CloudInstanceType, Offering } from "../../cloud/provider.js";
import { Requirement } from "../../scheduling/requirements.js";
import { overlaps, PoolCatalog, positions, TypeInfo } from "./catalog.js";

const Gi = 1024 ** 3;
const zero = { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 };

function it_(name: string, cpu: number, zones: Array<[string, string, number, boolean?]>, extra: Array<{ key: string; operator: string; values?: string[] }> = []): CloudInstanceType {
  const offerings = zones.map(([zone, capacityType, price, available]) => ({ zone, capacityType, price, available: available ?? true })) as Offering[];
  const res = { cpu: cpu * 1000, memory: cpu * 2 * Gi, pods: 110, ephemeralStorage: 20 * Gi };
  return {
    name,
    requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: [name] }, ...extra] as CloudInstanceType["requirements"],
    offerings,
    capacity: res,
    overhead: { kubeReserved: zero, systemReserved: zero, evictionThreshold: zero },
    allocatable: res,
  };
}

// 40 types (more than one 32-bit word): family f0/f1 alternate, every 3rd only in zone b, every 5th has no spot.
const types = Array.from({ length: 40 }, (_, i) => {
  const zones: Array<[string, string, number, boolean?]> = [];
  for (const z of i % 3 === 0 ? ["b"] : ["a", "b"]) {
    zones.push([z, "on-demand", 1 + (i % 7) * 0.1]);
    if (i % 5 !== 0) zones.push([z, "spot", 0.3 + (i % 4) * 0.1, i % 11 !== 0]);
  }
  return new TypeInfo(it_(`t${String(i).padStart(2, "0")}`, 1 + (i % 9), zones, [{ key: "family", operator: "In", values: [`f${i % 2}`] }]), i);
});
const cat = new PoolCatalog(types);
const names = (list: TypeInfo[]) => list.map((t) => t.it.name);
const at = (c: PoolCatalog, positions: number[]) => positions.map((p) => c.types[p]!);

describe("PoolCatalog masks agree with filtering each type", () => {
  it("requirement mask: types without the key pass, others must intersect", () => {
    const q = Requirement.of("family", "In", ["f1"]);
    expect(positions(cat.requirementMask(q))).toEqual(types.filter((_, i) => i % 2 === 1).map((t) => t.index));
    // a key no type defines filters nothing
    expect(cat.constrains("example.com/team")).toBe(false);
    expect(cat.constrains("family")).toBe(true);
    // NotIn on the zone the types derive from their offerings: the types only in zone b are dropped
    const nb = Requirement.of("topology.kubernetes.io/zone", "NotIn", ["b"]);
    expect(positions(cat.requirementMask(nb))).toEqual(types.filter((_, i) => i % 3 !== 0).map((t) => t.index));
    const na = Requirement.of("topology.kubernetes.io/zone", "NotIn", ["a"]);
    expect(positions(cat.requirementMask(na))).toEqual(types.map((t) => t.index));
  });

  it("offering mask: an available offering in the zone and capacity type", () => {
    const zone = Requirement.of("topology.kubernetes.io/zone", "In", ["a"]);
    const spot = Requirement.of("karpenter.sh/capacity-type", "In", ["spot"]);
    // zone a: not every 3rd; spot: not every 5th; available unless i % 11 == 0
    const want = types.filter((_, i) => i % 3 !== 0 && i % 5 !== 0 && i % 11 !== 0).map((t) => t.index);
    expect(positions(cat.offeringMask(zone, spot))).toEqual(want);
    expect(positions(cat.offeringMask(undefined, undefined))).toEqual(types.map((t) => t.index));
    expect(overlaps(cat.offeringMask(zone, spot), cat.requirementMask(Requirement.of("family", "In", ["f9"])))).toBe(false);
  });

  it("cheapest: members in (cheapest compatible offering, name) order, truncated", () => {
    const zone = Requirement.of("topology.kubernetes.io/zone", "In", ["b"]);
    const set = cat.subset((t) => t.index % 4 !== 1);
    // the per-claim sort it replaces, written out
    const members = types.filter((t) => t.index % 4 !== 1);
    const price = (t: TypeInfo) => Math.min(...t.offerings.filter((o) => o.available && o.zone === "b").map((o) => o.price));
    const want = [...members].sort((a, b) => price(a) - price(b) || (a.it.name < b.it.name ? -1 : 1)).slice(0, 12);
    expect(names(at(cat, cat.cheapest(set, zone, undefined, 12)))).toEqual(names(want));
    // t00 (zone b only, on-demand only at 1.0): spot 0.3 goes to i % 4 == 0 types with spot, first t04
    expect(at(cat, cat.cheapest(set, zone, undefined, 1))[0]!.it.name).toBe("t04");
  });

  it("the same type listed twice keeps both places, as the stable per-claim sort did", () => {
    const dup = new PoolCatalog([types[2]!, types[1]!, types[2]!]);
    // t01: spot 0.4 in a/b; t02: spot 0.5
    expect(names(at(dup, dup.cheapest(dup.all, undefined, undefined, 60)))).toEqual(["t01", "t02", "t02"]);
  });

  it("capacity-type requirement: available offerings in the zone / capacity-type requirements of the given types", () => {
    const zoneA = Requirement.of("topology.kubernetes.io/zone", "In", ["a"]);
    const cts = (p: number[], zone?: Requirement, ct?: Requirement) => cat.capacityTypeRequirement(p, zone, ct)?.valueList();
    // t05: no spot at all; t07: spot in a and b; t11: its spot offerings are unavailable
    expect(cts([5], zoneA)).toEqual(["on-demand"]);
    expect(cts([5, 7], zoneA)).toEqual(["on-demand", "spot"]);
    expect(cts([11])).toEqual(["on-demand"]);
    // t03 is only in zone b
    expect(cts([3], zoneA)).toBeUndefined();
    expect(cts([7], zoneA, Requirement.of("karpenter.sh/capacity-type", "In", ["spot"]))).toEqual(["spot"]);
    // one shared requirement per combination
    expect(cat.capacityTypeRequirement([5], zoneA, undefined)).toBe(cat.capacityTypeRequirement([11], undefined, undefined));
  });
});
