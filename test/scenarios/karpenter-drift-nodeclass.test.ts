/**
 * Drift from EC2NodeClass changes on the timeline, as Karpenter 1.2 + the AWS provider detect it:
 *   8m  subnetSelectorTerms → the public subnets      every node: SubnetDrift
 *   16m securityGroupSelectorTerms + the shared SG    every node: SecurityGroupDrift
 *   24m subnetSelectorTerms → the private subnet of b  nodes in zone a: InstanceTypeNotFound (their
 *                                                       zone's offerings are gone; checked before the provider)
 *   32m spec.tags changed                              every node: NodeClassDrift (static hash)
 * Each wave is replaced one node at a time (budget nodes: "1"): launch, wait for initialized, delete.
 */
import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../src/api/logs.js";
import { loadScenarioText } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";
import { disruptionLines, min } from "./karpenter-helpers.js";

const NAME = "drift-nodeclass";
const SCENARIO = `
apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: ${NAME}}
spec:
  region: ap-northeast-2
  duration: 40m
  seed: 3
  nodeGroups: [{name: default, instanceType: m5.large, desired: 2, min: 2, max: 2}]
  timeline:
    - at: 1m
      run: kubectl scale deployment inflate --replicas 12
    - at: 8m
      patch: {target: ec2nodeclass/default, type: merge, patch: {spec: {subnetSelectorTerms: [{tags: {kubernetes.io/role/elb: "1"}}]}}}
    - at: 16m
      patch:
        target: ec2nodeclass/default
        type: merge
        patch: {spec: {securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: ${NAME}}}, {tags: {Name: eksctl-${NAME}-cluster/ClusterSharedNodeSecurityGroup}}]}}
    - at: 24m
      patch: {target: ec2nodeclass/default, type: merge, patch: {spec: {subnetSelectorTerms: [{tags: {Name: eksctl-${NAME}-cluster/SubnetPrivateB}}]}}}
    - at: 32m
      patch: {target: ec2nodeclass/default, type: merge, patch: {spec: {tags: {team: blue}}}}
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: default}
spec:
  template:
    spec:
      requirements:
        - {key: karpenter.k8s.aws/instance-category, operator: In, values: [c, m, r]}
        - {key: kubernetes.io/arch, operator: In, values: [amd64]}
        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
        - {key: karpenter.k8s.aws/instance-cpu, operator: In, values: ["4"]}
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
  limits: {cpu: 1000}
  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: 1m
    budgets: [{nodes: "1"}]
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: default}
spec:
  amiSelectorTerms: [{alias: al2023@latest}]
  role: KarpenterNodeRole-${NAME}
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: ${NAME}}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: ${NAME}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: inflate}
spec:
  replicas: 0
  selector: {matchLabels: {app: inflate}}
  template:
    metadata: {labels: {app: inflate}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: inflate
          image: public.ecr.aws/eks-distro/kubernetes/pause:3.7
          resources: {requests: {cpu: "1"}}
`;

describe("drift from EC2NodeClass subnet / security-group / tags changes", () => {
  const sim = new Simulation(loadScenarioText(SCENARIO, "drift-nodeclass.yaml"));
  sim.recorder.podRecords = false;
  const logs: LogRecord[] = [];
  sim.logs.on((r) => {
    if (r.component === "karpenter") logs.push(r);
  });
  sim.start();
  const aws = sim.aws;
  const privateSubnets = new Set(aws.subnets.filter((s) => s.tags["karpenter.sh/discovery"] === NAME).map((s) => s.id));
  const publicSubnets = new Set(aws.subnets.filter((s) => s.tags["kubernetes.io/role/elb"] === "1").map((s) => s.id));
  const clusterSg = aws.securityGroups[0]!.id;
  const sharedSg = aws.securityGroups[1]!.id;
  const instanceOf = (nc: { status?: { providerID?: string } }) => aws.get(nc.status!.providerID!.split("/").pop()!)!;
  const claimsAt: Record<string, Array<{ name: string; zone: string }>> = {};
  const instancesAt: Record<string, ReturnType<typeof instanceOf>[]> = {};
  let inflateOnKarpenterBefore = 0;
  for (const [label, at] of [
    ["before", 7.9],
    ["subnets", 15.9],
    ["sgs", 23.9],
    ["zone", 31.9],
  ] as const) {
    sim.runUntil(min(at));
    const claims = sim.store.list("NodeClaim").filter((c) => !c.metadata.deletionTimestamp);
    claimsAt[label] = claims.map((c) => ({ name: c.metadata.name!, zone: c.metadata.labels!["topology.kubernetes.io/zone"]! }));
    instancesAt[label] = claims.map(instanceOf);
    if (label === "before") {
      const karpenterNodes = new Set(claims.map((c) => c.status!.nodeName as string));
      inflateOnKarpenterBefore = sim.store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "inflate" && karpenterNodes.has(p.spec.nodeName)).length;
    }
  }
  sim.runUntil(sim.scenario.spec.durationMs);
  const marked = logs.filter((l) => l.message === "marking drifted");
  const reasonsIn = (from: number, to: number) => new Set(marked.filter((l) => l.t >= min(from) && l.t < min(to)).map((l) => (l.fields as Record<string, unknown>).reason));
  const drifted = disruptionLines(logs).filter((l) => (l.fields as Record<string, unknown>).reason === "drifted");
  const inflateRunning = () => sim.store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "inflate" && p.status?.phase === "Running").length;

  it("starts on the discovery-tagged private subnets with the cluster security group", () => {
    expect(instancesAt.before!.length).toBe(4);
    // 1-CPU pods: one fits each managed m5.large (1930m allocatable), the other 10 go to Karpenter
    expect(inflateOnKarpenterBefore).toBe(10);
    for (const i of instancesAt.before!) {
      expect(privateSubnets.has(i.subnetId!)).toBe(true);
      expect(i.securityGroupIds).toEqual([clusterSg]);
    }
    expect(marked.filter((l) => l.t < min(8))).toHaveLength(0);
  });

  it("moving the node class to the public subnets drifts every node (SubnetDrift) and replaces them there", () => {
    expect(reasonsIn(8, 16)).toEqual(new Set(["SubnetDrift"]));
    expect(instancesAt.subnets!.length).toBe(4);
    for (const i of instancesAt.subnets!) expect(publicSubnets.has(i.subnetId!)).toBe(true);
    const names = new Set(claimsAt.before!.map((c) => c.name));
    expect(claimsAt.subnets!.some((c) => names.has(c.name))).toBe(false);
  });

  it("adding a security group drifts every node (SecurityGroupDrift); replacements carry both groups", () => {
    expect(reasonsIn(16, 24)).toEqual(new Set(["SecurityGroupDrift"]));
    for (const i of instancesAt.sgs!) expect([...i.securityGroupIds!].sort()).toEqual([clusterSg, sharedSg].sort());
  });

  it("dropping a node's zone from the subnets is InstanceTypeNotFound, checked before the provider's SubnetDrift", () => {
    expect(claimsAt.sgs!.every((c) => c.zone === "ap-northeast-2a")).toBe(true);
    expect(reasonsIn(24, 32)).toEqual(new Set(["InstanceTypeNotFound"]));
    for (const c of claimsAt.zone!) expect(c.zone).toBe("ap-northeast-2b");
  });

  it("changing a hashed field (tags) is NodeClassDrift", () => {
    expect(reasonsIn(32, 41)).toEqual(new Set(["NodeClassDrift"]));
    const claims = sim.store.list("NodeClaim").filter((c) => !c.metadata.deletionTimestamp);
    expect(claims).toHaveLength(4);
    for (const c of claims) expect(c.status!.conditions.some((x: { type: string }) => x.type === "Drifted")).toBe(false);
  });

  it("replaces within the budget: one drifted node at a time, and the pods keep running", () => {
    expect(drifted).toHaveLength(16);
    // 12 pods: 1 on each managed m5.large, 10 on four 4-vCPU Karpenter nodes (3 + 3 + 2 + 2)
    for (const l of drifted) expect(l.message).toMatch(/^disrupting nodeclaim\(s\) via replace, terminating 1 nodes \([23] pods\) \S+\/c5a\.xlarge\/on-demand and replacing with on-demand node from types /);
    // the previous candidate is deleted before the next command starts
    const deletedAt = logs.filter((l) => l.message === "deleted nodeclaim").map((l) => l.t);
    for (let i = 1; i < drifted.length; i++) expect(deletedAt.some((t) => t > drifted[i - 1]!.t && t <= drifted[i]!.t)).toBe(true);
    expect(inflateRunning()).toBe(12);
  });
});
