import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { Requirements } from "../../scheduling/requirements.js";
import { InsufficientCapacityError, type CloudEvent, type NodeRequirement } from "../provider.js";
import { SimulatedAws, type SimulatedAwsOptions } from "./ec2.js";
import { HOUR_MS } from "./pricing.js";

const OD_C5A: NodeRequirement[] = [
  { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
  { key: "node.kubernetes.io/instance-type", operator: "In", values: ["c5a.2xlarge"] },
];

function setup(options: SimulatedAwsOptions = {}, region = "ap-northeast-2", seed = 1) {
  const clock = new VirtualClock();
  const aws = new SimulatedAws({ region, clock, rng: new Rng(seed), options });
  const events: Array<CloudEvent & { t: number }> = [];
  aws.on((e) => events.push({ ...e, t: clock.now() }));
  const types = (reqs: NodeRequirement[]) => {
    const r = Requirements.fromNodeSelector(reqs);
    return aws.instanceTypes().filter((t) => r.isCompatible(Requirements.fromNodeSelector(t.requirements)));
  };
  return { clock, aws, events, types };
}

describe("SimulatedAws instances", () => {
  it("launch: ids, providerID, EKS-style private DNS, AMI; pending → running after 30 s ± 5 s", () => {
    const { clock, aws, events, types } = setup();
    const inst = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: { "karpenter.sh/nodepool": "default" } });
    expect(inst.id).toMatch(/^i-0[0-9a-f]{16}$/);
    expect(inst.providerID).toBe(`aws:///ap-northeast-2a/${inst.id}`);
    expect(inst.privateIp).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(inst.privateDnsName).toBe(`ip-${inst.privateIp.replace(/\./g, "-")}.ap-northeast-2.compute.internal`);
    expect(inst.imageID).toBe("ami-0c7f7f2fb1a7e6a1b");
    expect(inst.state).toBe("pending");
    expect(inst.tags["karpenter.sh/nodepool"]).toBe("default");
    expect(aws.list().map((i) => i.id)).toEqual([inst.id]);
    clock.runUntil(24_999);
    expect(aws.get(inst.id)!.state).toBe("pending");
    clock.runUntil(35_000);
    expect(aws.get(inst.id)!.state).toBe("running");
    expect(events.length).toBe(1);
    expect(events[0]!.type).toBe("running");
    expect(events[0]!.t).toBeGreaterThanOrEqual(25_000);
    expect(events[0]!.t).toBeLessThanOrEqual(35_000);
  });

  it("launch delays are configurable and deterministic per seed", () => {
    const runAt = (seed: number) => {
      const { clock, aws, events, types } = setup({ launchDelayMs: 60_000, launchJitterMs: 10_000 }, "ap-northeast-2", seed);
      for (let i = 0; i < 5; i++) aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} });
      clock.runUntil(HOUR_MS);
      return events.map((e) => e.t);
    };
    const a = runAt(3);
    expect(a.length).toBe(5);
    for (const t of a) expect(Math.abs(t - 60_000)).toBeLessThanOrEqual(10_000);
    expect(runAt(3)).toEqual(a);
    expect(runAt(4)).not.toEqual(a);
  });

  it("private IPs are unique across launches and reused only after termination", () => {
    const { clock, aws, types } = setup();
    const ips = new Set<string>();
    for (let i = 0; i < 50; i++) ips.add(aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} }).privateIp);
    expect(ips.size).toBe(50);
    clock.runUntil(60_000);
  });

  it("delete: shutting-down at once, terminated ~30 s later; list drops it, get keeps it for an hour", () => {
    const { clock, aws, events, types } = setup();
    const inst = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} });
    clock.runUntil(60_000);
    aws.delete(inst.id);
    expect(aws.get(inst.id)!.state).toBe("shutting-down");
    aws.delete(inst.id); // idempotent
    aws.delete("i-0nonexistent00000"); // unknown: ignored
    clock.runUntil(60_000 + 24_999);
    expect(aws.get(inst.id)!.state).toBe("shutting-down");
    clock.runUntil(60_000 + 35_000);
    expect(aws.get(inst.id)!.state).toBe("terminated");
    expect(aws.list()).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(["running", "terminated"]);
    clock.runUntil(60_000 + 35_000 + HOUR_MS);
    expect(aws.get(inst.id)).toBeUndefined();
  });

  it("billing: on-demand running time × price; summary by capacity type and zone", () => {
    const { clock, aws, types } = setup({ launchJitterMs: 0, terminateJitterMs: 0 });
    const inst = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} });
    clock.runUntil(30_000 + 2 * HOUR_MS);
    // running since t = 30 s: 2 h × $0.344
    expect(aws.instanceCost(inst.id)).toBeCloseTo(0.688, 10);
    const s = aws.costSummary();
    expect(s.perHour.total).toBe(0.344);
    expect(s.perHour.byCapacityType).toEqual({ "on-demand": 0.344 });
    expect(s.perHour.byZone).toEqual({ "ap-northeast-2a": 0.344 });
    aws.delete(inst.id);
    clock.runUntil(3 * HOUR_MS);
    // billing stopped at shutting-down
    expect(aws.instanceCost(inst.id)).toBeCloseTo(0.688, 10);
    expect(aws.costSummary().accrued.total).toBeCloseTo(0.688, 10);
    expect(aws.costSummary().perHour.total).toBe(0);
  });

  it("billing: spot pays the pool's moving price", () => {
    const { clock, aws, types } = setup({ launchJitterMs: 0 }, "us-east-1", 5);
    const reqs: NodeRequirement[] = [
      { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
      { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] },
      { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1b"] },
    ];
    const inst = aws.create({ instanceTypes: types(reqs), requirements: reqs, tags: {} });
    expect(inst.capacityType).toBe("spot");
    expect(inst.zone).toBe("us-east-1b");
    clock.runUntil(30_000 + HOUR_MS);
    // independent reference: same seed's model, priced step by step (the running start is at 30 s)
    const ref = new SimulatedAws({ region: "us-east-1", clock: new VirtualClock(), rng: new Rng(5) }).pricing;
    const step = 5 * 60_000;
    let expected = 0;
    for (let t = 30_000; t < 30_000 + HOUR_MS; ) {
      const next = Math.min((Math.floor(t / step) + 1) * step, 30_000 + HOUR_MS);
      expected += (ref.spot("m5.large", "us-east-1b", t)! * (next - t)) / HOUR_MS;
      t = next;
    }
    expect(aws.instanceCost(inst.id)).toBeCloseTo(expected, 10);
    expect(aws.instanceCost(inst.id)).toBeLessThan(0.096 * 0.6);
  });
});

describe("insufficient capacity", () => {
  it("an out-of-capacity pool fails over to the next override and enters the ICE cache for 3 min", () => {
    const { clock, aws, types } = setup({ insufficientCapacity: [{ instanceType: "c5a.2xlarge", zone: "ap-northeast-2a", capacityType: "on-demand" }] });
    const inst = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} });
    expect(inst.instanceType).toBe("c5a.2xlarge");
    expect(inst.zone).toBe("ap-northeast-2b");
    expect(aws.isUnavailable("c5a.2xlarge", "ap-northeast-2a", "on-demand")).toBe(true);
    const off = aws.instanceTypes().find((t) => t.name === "c5a.2xlarge")!.offerings.find((o) => o.zone === "ap-northeast-2a" && o.capacityType === "on-demand")!;
    expect(off.available).toBe(false);
    clock.runUntil(3 * 60_000 - 1);
    expect(aws.isUnavailable("c5a.2xlarge", "ap-northeast-2a", "on-demand")).toBe(true);
    clock.runUntil(3 * 60_000);
    expect(aws.isUnavailable("c5a.2xlarge", "ap-northeast-2a", "on-demand")).toBe(false);
  });

  it("every pool out of capacity → InsufficientCapacityError naming the pools; then cached unavailable", () => {
    const { aws, types } = setup({ insufficientCapacity: [{ instanceType: "c5a.*", capacityType: "on-demand" }] });
    let err: unknown;
    try {
      aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InsufficientCapacityError);
    const ice = err as InsufficientCapacityError;
    expect(ice.offerings.map((o) => o.zone)).toEqual(["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"]);
    expect(ice.message).toContain(
      "with fleet error(s), InsufficientInstanceCapacity: We currently do not have sufficient c5a.2xlarge capacity in the Availability Zone you requested (ap-northeast-2a).",
    );
    // a retry within 3 min finds nothing available
    expect(() => aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} })).toThrow("all requested instance types were unavailable during launch");
    expect(aws.stats().insufficientCapacityErrors).toBe(2);
  });

  it("outages honour their time window", () => {
    const { clock, aws, types } = setup({ insufficientCapacity: [{ instanceType: "c5a.2xlarge", fromMs: 60_000, untilMs: 120_000 }] });
    expect(aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} }).zone).toBe("ap-northeast-2a");
    clock.runUntil(60_000);
    expect(() => aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} })).toThrow(InsufficientCapacityError);
  });

  it("a random ICE rate fails pools with about that probability (seeded)", () => {
    const { aws, types } = setup({ iceRate: 0.5 });
    const reqs: NodeRequirement[] = [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }];
    let failures = 0;
    const n = 40;
    for (let i = 0; i < n; i++) {
      try {
        aws.create({ instanceTypes: types(reqs), requirements: reqs, tags: {} });
      } catch {
        failures++;
      }
    }
    // with hundreds of pools per launch some pool always has capacity
    expect(failures).toBe(0);
    const marked = aws.instanceTypes().reduce((n, t) => n + t.offerings.filter((o) => !o.available).length, 0);
    expect(marked).toBeGreaterThan(10);
  });
});

describe("spot interruptions", () => {
  const SPOT: NodeRequirement[] = [
    { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
    { key: "node.kubernetes.io/instance-type", operator: "In", values: ["c5a.2xlarge"] },
  ];

  it("notice 2 min ahead, reclaim at that time, (type, zone, spot) unavailable for 3 min", () => {
    const { clock, aws, events, types } = setup();
    const inst = aws.create({ instanceTypes: types(SPOT), requirements: SPOT, tags: {} });
    clock.runUntil(100_000);
    const ev = aws.interrupt(inst.id);
    expect(ev.at).toBe(220_000);
    expect(events.at(-1)).toMatchObject({ type: "spot-interruption", at: 220_000, t: 100_000 });
    expect(aws.isUnavailable("c5a.2xlarge", inst.zone, "spot")).toBe(true);
    clock.runUntil(219_999);
    expect(aws.get(inst.id)!.state).toBe("running");
    clock.runUntil(220_000);
    expect(aws.get(inst.id)!.state).toBe("shutting-down");
    clock.runUntil(280_000);
    expect(aws.get(inst.id)!.state).toBe("terminated");
    expect(events.map((e) => e.type)).toEqual(["running", "spot-interruption", "terminated"]);
    expect(aws.isUnavailable("c5a.2xlarge", inst.zone, "spot")).toBe(false);
  });

  it("on-demand instances cannot be interrupted", () => {
    const { aws, types } = setup();
    const inst = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} });
    expect(() => aws.interrupt(inst.id)).toThrow("is not a spot instance");
  });

  it("random interruptions at a rate per instance-hour (seeded)", () => {
    const { clock, aws, events, types } = setup({ spotInterruptionRatePerHour: 0.5, rebalanceLeadMs: 60_000 });
    const reqs: NodeRequirement[] = [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }];
    for (let i = 0; i < 200; i++) aws.create({ instanceTypes: types(reqs), requirements: reqs, tags: {} });
    clock.runUntil(HOUR_MS + 35_000);
    const notices = events.filter((e) => e.type === "spot-interruption").length;
    // P(interrupted within 1 h) = 1 − e^−0.5 = 0.393 → 78.7 of 200 (σ ≈ 6.9)
    expect(notices).toBeGreaterThan(55);
    expect(notices).toBeLessThan(100);
    expect(events.filter((e) => e.type === "rebalance-recommendation").length).toBeGreaterThanOrEqual(notices);
  });
});

describe("node classes and AMIs", () => {
  it("lists subnets as the status controller does (most free addresses first, then id) and launches into the first of the zone", () => {
    const { aws, types } = setup();
    const nc = {
      metadata: { name: "default" },
      spec: {
        amiSelectorTerms: [{ alias: "al2023@latest" }],
        // both the private (4091 free) and the public (4088 free) subnets, both security groups
        subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "scalelab" } }, { tags: { "kubernetes.io/role/elb": "1" } }],
        securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "scalelab" } }, { tags: { Name: "eksctl-scalelab-cluster/ClusterSharedNodeSecurityGroup" } }],
      },
    };
    const r = aws.resolveNodeClass(nc);
    expect(r.subnets).toHaveLength(8);
    const free = (id: string) => aws.subnets.find((s) => s.id === id)!.availableIpAddressCount;
    for (let i = 1; i < r.subnets.length; i++) {
      const a = r.subnets[i - 1]!.id;
      const b = r.subnets[i]!.id;
      expect(free(a) > free(b) || (free(a) === free(b) && a < b)).toBe(true);
    }
    expect(r.subnets.slice(0, 4).every((s) => free(s.id) === 4091)).toBe(true);
    expect(r.securityGroups.map((g) => g.id)).toEqual(aws.securityGroups.map((g) => g.id).sort());
    const inst = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {}, nodeClass: nc });
    const privateOfZone = aws.subnets.find((s) => s.zone === inst.zone && s.tags["karpenter.sh/discovery"] === "scalelab")!;
    expect(inst.subnetId).toBe(privateOfZone.id);
    expect(inst.securityGroupIds).toEqual(r.securityGroups.map((g) => g.id));
  });

  it("keeps one AMI per architecture in the status, the newest", () => {
    const { aws } = setup();
    // a name glob matching both AL2023 releases
    const r = aws.resolveNodeClass({ spec: { amiSelectorTerms: [{ name: "amazon-eks-node-al2023-*-standard-1.32-*" }] } });
    expect(r.amis.map((a) => a.name).sort()).toEqual([
      "amazon-eks-node-al2023-arm64-standard-1.32-v20250512",
      "amazon-eks-node-al2023-x86_64-standard-1.32-v20250512",
    ]);
  });

  it("resolves subnets, security groups and AMIs; launches use the class's AMI per arch", () => {
    const { aws, types } = setup();
    const nc = {
      metadata: { name: "default" },
      spec: {
        role: "KarpenterNodeRole-scalelab",
        amiSelectorTerms: [{ alias: "al2023@v20250505" }],
        subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "scalelab" } }],
        securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "scalelab" } }],
      },
    };
    const r = aws.resolveNodeClass(nc);
    // only the discovery-tagged private subnets and the cluster security group
    expect(r.subnets.map((s) => s.zone).sort()).toEqual(["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"]);
    expect(r.subnets.find((s) => s.zone === "ap-northeast-2a")!.zoneID).toBe("apne2-az1");
    expect(r.securityGroups.map((g) => g.id)).toEqual([aws.securityGroups[0]!.id]);
    expect(r.amis.map((a) => a.name).sort()).toEqual([
      "amazon-eks-node-al2023-arm64-standard-1.32-v20250505",
      "amazon-eks-node-al2023-x86_64-standard-1.32-v20250505",
    ]);
    expect(r.instanceProfile).toMatch(/^scalelab_\d+$/);
    const amd = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {}, nodeClass: nc });
    const amdAmi = r.amis.find((a) => a.requirements[0]!.values![0] === "amd64")!.id;
    expect(amd.imageID).toBe(amdAmi);
    expect(amd.subnetId).toBe(r.subnets.find((s) => s.zone === amd.zone)!.id);
    expect(amd.securityGroupIds).toEqual([aws.securityGroups[0]!.id]);
    const arm: NodeRequirement[] = [
      { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
      { key: "node.kubernetes.io/instance-type", operator: "In", values: ["c6g.large"] },
    ];
    expect(aws.create({ instanceTypes: types(arm), requirements: arm, tags: {}, nodeClass: nc }).imageID).toBe(r.amis.find((a) => a.requirements[0]!.values![0] === "arm64")!.id);
  });

  it("publishing a release moves @latest", () => {
    const { aws } = setup();
    const nc = { spec: { amiSelectorTerms: [{ alias: "al2023@latest" }] } };
    const before = aws.resolveNodeClass(nc).amis.map((a) => a.id);
    expect(before).toContain("ami-0c7f7f2fb1a7e6a1b");
    aws.publishAmi("al2023", "v20250601");
    const after = aws.resolveNodeClass(nc).amis;
    expect(after.map((a) => a.id)).not.toContain("ami-0c7f7f2fb1a7e6a1b");
    expect(after[0]!.name).toMatch(/-v20250601$/);
  });
});

describe("timeline helpers", () => {
  it("interruptMatching interrupts the oldest running spot instances of a type", () => {
    const { clock, aws, types } = setup({ launchJitterMs: 0 });
    const spot: NodeRequirement[] = [
      { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
      { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] },
    ];
    const first = aws.create({ instanceTypes: types(spot), requirements: spot, tags: {} });
    clock.runUntil(10_000);
    const second = aws.create({ instanceTypes: types(spot), requirements: spot, tags: {} });
    const od = aws.create({ instanceTypes: types(OD_C5A), requirements: OD_C5A, tags: {} });
    clock.runUntil(60_000);
    expect(aws.interruptMatching({ instanceType: "m5.*", count: 1 })).toEqual([first.id]);
    expect(aws.interruptMatching({})).toEqual([second.id]);
    expect(aws.get(od.id)!.state).toBe("running");
    expect(aws.stats().interruptions).toBe(2);
  });
});

describe("AMI catalog", () => {
  it("names AMIs like the EKS-optimized images", () => {
    const { aws } = setup();
    const names = (alias: string) => aws.resolveNodeClass({ spec: { amiSelectorTerms: [{ alias }] } }).amis.map((a) => a.name).sort();
    expect(names("al2@v20250512")).toEqual(["amazon-eks-arm64-node-1.32-v20250512", "amazon-eks-node-1.32-v20250512"]);
    expect(names("bottlerocket@latest").every((n) => n.startsWith("bottlerocket-aws-k8s-1.32-"))).toBe(true);
    expect(names("al2023@v19990101")).toEqual([]);
  });
});
