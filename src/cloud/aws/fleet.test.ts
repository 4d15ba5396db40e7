import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { Requirements } from "../../scheduling/requirements.js";
import type { CloudInstanceType, NodeRequirement, Offering } from "../provider.js";
import { SimulatedAws } from "./ec2.js";
import { MAX_INSTANCE_TYPES, planFleet } from "./fleet.js";

const LAB_POOL: NodeRequirement[] = [
  { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
  { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
  { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
  { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
  { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["2"] },
];

/** Stand-in for the scheduler's instance-type filter: compatible and fitting `cpu` millicores + `pods`. */
function fitting(types: CloudInstanceType[], reqs: NodeRequirement[], cpu: number, pods: number): CloudInstanceType[] {
  const r = Requirements.fromNodeSelector(reqs);
  return types.filter((t) => r.isCompatible(Requirements.fromNodeSelector(t.requirements)) && t.allocatable.cpu >= cpu && t.allocatable.pods >= pods);
}

function synthetic(name: string, offerings: Array<Partial<Offering> & Pick<Offering, "capacityType" | "price">>, extra: NodeRequirement[] = []): CloudInstanceType {
  const rl = { cpu: 4000, memory: 8 << 30, pods: 58, ephemeralStorage: 20 << 30 };
  return {
    name,
    requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: [name] }, ...extra],
    offerings: offerings.map((o) => ({ zone: "z-a", available: true, ...o })),
    capacity: rl,
    allocatable: rl,
    overhead: { kubeReserved: rl, systemReserved: rl, evictionThreshold: rl },
  };
}

describe("CreateFleet planning", () => {
  it("lab: 5 × 1 CPU pods on c/m/r gen > 2 amd64 on-demand in ap-northeast-2 launch c5a.2xlarge", () => {
    const aws = new SimulatedAws({ region: "ap-northeast-2", clock: new VirtualClock(), rng: new Rng(1) });
    // 5 pods × 1000m + aws-node 25m + kube-proxy 100m; 7 pods
    const candidates = fitting(aws.instanceTypes(), LAB_POOL, 5125, 7);
    expect(candidates.length).toBe(120);
    const plan = planFleet(candidates, LAB_POOL, () => 0)!;
    expect(plan.capacityType).toBe("on-demand");
    expect(plan.instanceTypes.length).toBe(MAX_INSTANCE_TYPES);
    // price order: c5a.2xlarge $0.344 < c5.2xlarge = c6i.2xlarge $0.384 (name order) < c7i.2xlarge $0.404
    expect(plan.instanceTypes.slice(0, 4).map((t) => t.name)).toEqual(["c5a.2xlarge", "c5.2xlarge", "c6i.2xlarge", "c7i.2xlarge"]);
    const inst = aws.create({ instanceTypes: candidates, requirements: LAB_POOL, tags: {} });
    expect(inst.instanceType).toBe("c5a.2xlarge");
    expect(inst.capacityType).toBe("on-demand");
    expect(inst.price).toBe(0.344);
    // same price in every zone: EC2's lowest-price picks the first override (zone order)
    expect(inst.zone).toBe("ap-northeast-2a");
  });

  it("honours the zone requirement and prices ordering across types", () => {
    const aws = new SimulatedAws({ region: "ap-northeast-2", clock: new VirtualClock(), rng: new Rng(1) });
    const reqs: NodeRequirement[] = [...LAB_POOL, { key: "topology.kubernetes.io/zone", operator: "In", values: ["ap-northeast-2c"] }];
    const inst = aws.create({ instanceTypes: fitting(aws.instanceTypes(), reqs, 5125, 7), requirements: reqs, tags: {} });
    expect(inst.zone).toBe("ap-northeast-2c");
    expect(inst.instanceType).toBe("c5a.2xlarge");
  });

  it("chooses spot when allowed, and drops spot types dearer than the cheapest on-demand", () => {
    const cheapOD = synthetic("a.large", [
      { capacityType: "on-demand", price: 0.1 },
      { capacityType: "spot", price: 0.12 },
    ]);
    const cheapSpot = synthetic("b.large", [
      { capacityType: "on-demand", price: 0.2 },
      { capacityType: "spot", price: 0.05 },
    ]);
    const plan = planFleet([cheapOD, cheapSpot], [], () => 0)!;
    expect(plan.capacityType).toBe("spot");
    // a.large's spot 0.12 > cheapest on-demand 0.10 → filtered
    expect(plan.instanceTypes.map((t) => t.name)).toEqual(["b.large"]);
    expect(plan.pools.map((p) => [p.instanceType.name, p.offering.capacityType])).toEqual([["b.large", "spot"]]);
    const od = planFleet([cheapOD, cheapSpot], [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }], () => 0)!;
    expect(od.capacityType).toBe("on-demand");
    expect(od.pools[0]!.instanceType.name).toBe("a.large");
  });

  it("on-demand when no spot offering is available; warns about < 5 options when flexible to spot", () => {
    const t = synthetic("a.large", [
      { capacityType: "on-demand", price: 0.1 },
      { capacityType: "spot", price: 0.03, available: false },
    ]);
    const plan = planFleet([t], [], () => 0)!;
    expect(plan.capacityType).toBe("on-demand");
    expect(plan.onDemandFallbackError).toBe(
      "at least 5 instance types are recommended when flexible to spot but requesting on-demand, the current provisioning request only has 1 instance type options",
    );
  });

  it("spot price-capacity-optimized: within 5 % of the cheapest, the deepest pool wins", () => {
    const t1 = synthetic("a.large", [
      { capacityType: "spot", price: 0.1, zone: "z-a" },
      { capacityType: "spot", price: 0.104, zone: "z-b" },
      { capacityType: "spot", price: 0.2, zone: "z-c" },
    ]);
    const scores: Record<string, number> = { "z-a": 0.1, "z-b": 0.9, "z-c": 1 };
    const plan = planFleet([t1], [], (_t, z) => scores[z]!)!;
    // z-b (0.104 ≤ 1.05 × 0.1) has more capacity than z-a; z-c is outside the band despite its score
    expect(plan.pools.map((p) => p.offering.zone)).toEqual(["z-b", "z-a", "z-c"]);
  });

  it("exotic filter: metal only when nothing else is compatible", () => {
    const metal = synthetic("m.metal", [{ capacityType: "on-demand", price: 0.01 }], [{ key: "karpenter.k8s.aws/instance-size", operator: "In", values: ["metal"] }]);
    const normal = synthetic("m.large", [{ capacityType: "on-demand", price: 0.5 }], [{ key: "karpenter.k8s.aws/instance-size", operator: "In", values: ["large"] }]);
    expect(planFleet([metal, normal], [], () => 0)!.instanceTypes.map((t) => t.name)).toEqual(["m.large"]);
    expect(planFleet([metal], [], () => 0)!.instanceTypes.map((t) => t.name)).toEqual(["m.metal"]);
    // minValues disables the filter
    const mv: NodeRequirement[] = [{ key: "node.kubernetes.io/instance-type", operator: "Exists", minValues: 1 }];
    expect(planFleet([metal, normal], mv, () => 0)!.instanceTypes.map((t) => t.name)).toEqual(["m.metal", "m.large"]);
  });

  it("no compatible available offering → undefined", () => {
    const t = synthetic("a.large", [{ capacityType: "on-demand", price: 0.1, available: false }]);
    expect(planFleet([t], [], () => 0)).toBeUndefined();
    const u = synthetic("b.large", [{ capacityType: "on-demand", price: 0.1, zone: "z-a" }]);
    expect(planFleet([u], [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["z-b"] }], () => 0)).toBeUndefined();
  });
});
