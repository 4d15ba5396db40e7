import { describe, expect, it } from "vitest";
import type { CloudInstance } from "../../../cloud/provider.js";
import { ec2NodeClassHash, type EC2NodeClass, type NodeClaim, type NodePool } from "../api.js";
import { evaluateDrift, NodeClaimDisruptionController } from "./drift.js";
import { Harness, synthType } from "./testkit.js";

describe("drift", () => {
  it("a NodePool template change marks NodePoolDrifted; empty drifted nodes are deleted without validation", () => {
    const h = new Harness({ budgets: [{ nodes: "100%" }] });
    h.node("n1", "medium", []);
    h.node("n2", "medium", [1000]);
    const dc = new NodeClaimDisruptionController();
    dc.start({ store: h.store, clock: h.clock, rng: h.rng, events: h.events, logs: h.logs, services: h.services });
    h.store.mutate<NodePool>("NodePool", undefined, "default", (np) => {
      np.spec.template.metadata = { labels: { team: "a" } };
    });
    h.run(1);
    const c1 = h.store.get("NodeClaim", undefined, "nc-n1")!;
    expect((c1.status.conditions as Array<{ type: string; status: string; reason: string }>).find((c) => c.type === "Drifted")).toMatchObject({ status: "True", reason: "NodePoolDrifted" });
    h.run(10_000);
    // Drift runs first and does not wait for validation: the empty drifted node goes at once.
    const logs = h.disruptionLogs();
    expect(logs[0]!.message).toBe("disrupting nodeclaim(s) via delete, terminating 1 nodes (0 pods) n1/medium/on-demand");
    expect(logs[0]!.fields?.reason).toBe("drifted");
    // Then n2 (1 pod) is replaced by a simulated node (no price check for drift).
    h.run(1);
    const second = h.disruptionLogs()[1];
    expect(second?.message).toMatch(/^disrupting nodeclaim\(s\) via replace, terminating 1 nodes \(1 pods\) n2\/medium\/on-demand and replacing with on-demand node from types small, medium, large$/);
  });

  it("requirements drift: a label no longer allowed by the NodePool", () => {
    const h = new Harness();
    h.node("n1", "medium", []);
    const dc = new NodeClaimDisruptionController();
    dc.start({ store: h.store, clock: h.clock, rng: h.rng, events: h.events, logs: h.logs, services: h.services });
    h.store.mutate<NodePool>("NodePool", undefined, "default", (np) => {
      np.spec.template.spec.requirements.push({ key: "node.kubernetes.io/instance-type", operator: "In", values: ["large"] });
    });
    h.run(1);
    const c = h.store.get("NodeClaim", undefined, "nc-n1")!;
    expect((c.status.conditions as Array<{ type: string; reason: string }>).find((x) => x.type === "Drifted")?.reason).toBe("RequirementsDrifted");
  });

  it("Consolidatable follows lastPodEventTime + consolidateAfter", () => {
    const h = new Harness();
    h.store.mutate<NodePool>("NodePool", undefined, "default", (np) => {
      np.spec.disruption.consolidateAfter = "1m";
    });
    h.node("n1", "medium", []);
    const dc = new NodeClaimDisruptionController();
    dc.start({ store: h.store, clock: h.clock, rng: h.rng, events: h.events, logs: h.logs, services: h.services });
    h.run(30_000);
    h.pod("n1", 100); // bound at t=30s → lastPodEventTime
    h.run(1);
    const cond = () => (h.store.get("NodeClaim", undefined, "nc-n1")!.status.conditions as Array<{ type: string }>).some((c) => c.type === "Consolidatable");
    expect(cond()).toBe(false);
    h.run(59_000);
    expect(cond()).toBe(false);
    h.run(1_000); // t = 90 s = 30 s + 1 m
    expect(cond()).toBe(true);
  });
});

// ------------------------------------------------------------------------------ drift reasons (pure)

const amd = synthType("m5.large", 2, 0.1);
const AMI_AMD_NEW = "ami-0amd64new";
const AMI_AMD_OLD = "ami-0amd64old";
const AMI_ARM_NEW = "ami-0arm64new";

function pool(): NodePool {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: "default" },
    spec: {
      template: { spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } },
      disruption: { consolidateAfter: "0s" },
    },
  } as unknown as NodePool;
}

function nodeClass(status: EC2NodeClass["status"], tags?: Record<string, string>): EC2NodeClass {
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: "default" },
    spec: { amiSelectorTerms: [{ alias: "al2023@latest" }], role: "r", subnetSelectorTerms: [{ id: "subnet-a" }], securityGroupSelectorTerms: [{ id: "sg-1" }], ...(tags ? { tags } : {}) },
    status,
  } as EC2NodeClass;
}

const STATUS: EC2NodeClass["status"] = {
  subnets: [{ id: "subnet-a", zone: "z-a" }],
  securityGroups: [{ id: "sg-1" }],
  // newest first, one per architecture
  amis: [
    { id: AMI_ARM_NEW, name: "arm", requirements: [{ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }] },
    { id: AMI_AMD_NEW, name: "amd", requirements: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }] },
  ],
};

function claim(nc: EC2NodeClass, labels: Record<string, string> = {}): NodeClaim {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      name: "c",
      labels: { "node.kubernetes.io/instance-type": "m5.large", "topology.kubernetes.io/zone": "z-a", "karpenter.sh/capacity-type": "on-demand", ...labels },
      annotations: { "karpenter.k8s.aws/ec2nodeclass-hash": ec2NodeClassHash(nc), "karpenter.k8s.aws/ec2nodeclass-hash-version": "v3" },
    },
    spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
    status: { providerID: "aws:///z-a/i-1", imageID: AMI_AMD_NEW },
  } as unknown as NodeClaim;
}

function instance(o: Partial<CloudInstance> = {}): CloudInstance {
  return {
    id: "i-1",
    providerID: "aws:///z-a/i-1",
    instanceType: "m5.large",
    zone: "z-a",
    capacityType: "on-demand",
    price: 0.1,
    imageID: AMI_AMD_NEW,
    launchedAt: 0,
    state: "running",
    tags: {},
    privateIp: "10.0.0.1",
    privateDnsName: "ip-10-0-0-1",
    subnetId: "subnet-a",
    securityGroupIds: ["sg-1"],
    ...o,
  };
}

describe("drift reasons (v1.2 order)", () => {
  const nc = nodeClass(STATUS);
  const base = { nodeClass: nc, instanceTypes: [amd] };

  it("not drifted when the instance matches the node class status", () => {
    expect(evaluateDrift(claim(nc), pool(), { ...base, instance: instance() })).toEqual({});
  });

  it("AMI, then security groups, then subnet — the provider reports the first that applies", () => {
    const all = instance({ imageID: AMI_AMD_OLD, securityGroupIds: ["sg-1", "sg-2"], subnetId: "subnet-b" });
    expect(evaluateDrift(claim(nc), pool(), { ...base, instance: all }).reason).toBe("AMIDrift");
    expect(evaluateDrift(claim(nc), pool(), { ...base, instance: { ...all, imageID: AMI_AMD_NEW } }).reason).toBe("SecurityGroupDrift");
    expect(evaluateDrift(claim(nc), pool(), { ...base, instance: instance({ subnetId: "subnet-b" }) }).reason).toBe("SubnetDrift");
    // a security group set is compared as a set: a missing group drifts as much as an extra one
    expect(evaluateDrift(claim(nc), pool(), { ...base, instance: instance({ securityGroupIds: [] }) }).reason).toBe("SecurityGroupDrift");
  });

  it("AMI drift compares with the AMI the instance type maps to (its architecture), not any status AMI", () => {
    expect(evaluateDrift(claim(nc), pool(), { ...base, instance: instance({ imageID: AMI_ARM_NEW }) }).reason).toBe("AMIDrift");
  });

  it("the static NodeClass hash comes before the dynamic checks, and only with the same hash version", () => {
    const changed = nodeClass(STATUS, { team: "blue" });
    const c = claim(nc);
    expect(evaluateDrift(c, pool(), { ...base, nodeClass: changed, instance: instance({ imageID: AMI_AMD_OLD }) }).reason).toBe("NodeClassDrift");
    c.metadata.annotations!["karpenter.k8s.aws/ec2nodeclass-hash-version"] = "v2";
    expect(evaluateDrift(c, pool(), { ...base, nodeClass: changed, instance: instance() }).reason).toBeUndefined();
  });

  it("InstanceTypeNotFound: the type is gone, or no offering (available or not) matches the zone / capacity type", () => {
    expect(evaluateDrift(claim(nc, { "node.kubernetes.io/instance-type": "m5.xlarge" }), pool(), { ...base, instance: instance() }).reason).toBe("InstanceTypeNotFound");
    expect(evaluateDrift(claim(nc, { "topology.kubernetes.io/zone": "z-b" }), pool(), { ...base, instance: instance({ subnetId: "subnet-b" }) }).reason).toBe("InstanceTypeNotFound");
    const iced = { ...amd, offerings: amd.offerings.map((o) => ({ ...o, available: false })) };
    expect(evaluateDrift(claim(nc), pool(), { ...base, instanceTypes: [iced], instance: instance() }).reason).toBeUndefined();
  });

  it("core reasons come first", () => {
    const np = pool();
    np.spec.template.spec.requirements = [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }];
    expect(evaluateDrift(claim(nc), np, { ...base, instance: instance({ imageID: AMI_AMD_OLD }) }).reason).toBe("RequirementsDrifted");
  });

  it("an empty status or a vanished instance is an error / not-found, never a drift", () => {
    const noSgs = nodeClass({ ...STATUS, securityGroups: [] });
    expect(evaluateDrift(claim(noSgs), pool(), { nodeClass: noSgs, instanceTypes: [amd], instance: instance({ imageID: AMI_AMD_OLD }) })).toEqual({
      error: "calculating securitygroup drift, no security groups are present in the status",
    });
    const noSubnets = nodeClass({ ...STATUS, subnets: [] });
    expect(evaluateDrift(claim(noSubnets), pool(), { nodeClass: noSubnets, instanceTypes: [amd], instance: instance() }).error).toBe("calculating subnet drift, no subnets are discovered");
    expect(evaluateDrift(claim(nc), pool(), { ...base, instance: undefined })).toEqual({ notFound: true });
  });
});

describe("drift controller: provider errors", () => {
  it("keep the Drifted condition, log `Reconciler error` and retry with the 5 ms · 2^n back-off", () => {
    const h = new Harness();
    h.node("n1", "medium", [1000]);
    const inst = instance({ id: "i-n1", providerID: "aws:///z-a/i-n1", instanceType: "medium", subnetId: "subnet-b" });
    (h.cloud as { get: (id: string) => CloudInstance | undefined }).get = (id) => (id === "i-n1" ? inst : undefined);
    const setStatus = (st: EC2NodeClass["status"]) => h.store.setStatus(h.store.read("EC2NodeClass", undefined, "default"), st);
    setStatus({ subnets: [{ id: "subnet-a", zone: "z-a" }], securityGroups: [{ id: "sg-1" }], amis: STATUS!.amis });
    const dc = new NodeClaimDisruptionController();
    dc.start({ store: h.store, clock: h.clock, rng: h.rng, events: h.events, logs: h.logs, services: h.services });
    h.run(1);
    const drifted = () => (h.store.get("NodeClaim", undefined, "nc-n1")!.status.conditions as Array<{ type: string; reason: string }>).find((c) => c.type === "Drifted");
    expect(drifted()?.reason).toBe("SubnetDrift");
    // the security groups stop resolving: the check errors and the condition stays
    setStatus({ subnets: [{ id: "subnet-a", zone: "z-a" }], securityGroups: [], amis: STATUS!.amis });
    const t0 = h.clock.now();
    h.run(100);
    expect(drifted()?.reason).toBe("SubnetDrift");
    const errs = h.logs.records("karpenter").filter((r) => r.message === "Reconciler error");
    expect(errs[0]!.fields).toMatchObject({ controller: "nodeclaim.disruption", NodeClaim: { name: "nc-n1" }, error: "getting drift, calculating securitygroup drift, no security groups are present in the status" });
    // attempts at t0, +5, +15, +35, +75 ms (5, 10, 20, 40 ms apart)
    expect(errs.map((r) => r.t - t0)).toEqual([0, 5, 15, 35, 75]);
  });
});
