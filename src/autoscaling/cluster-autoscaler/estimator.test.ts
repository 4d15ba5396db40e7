import { describe, expect, it } from "vitest";
import type { AutoScalingGroup } from "../../cloud/aws/asg.js";
import { BinpackingEstimator } from "./estimator.js";
import { equivalenceGroups } from "./pods.js";
import { CaSnapshot } from "./snapshot.js";
import { templateFromAsg } from "./templates.js";
import { Gi, node, pod, RS, template } from "./testkit.js";

const tpl4x16 = () => template(node("tpl", "4", "16Gi"), 4000, 16 * Gi);
const pods = (n: number, cpu: string, mem: string, owner = RS, prefix = "p") => Array.from({ length: n }, (_, i) => pod(`${prefix}-${i}`, cpu, mem, { owner }));

describe("binpacking estimator", () => {
  it("packs 10 × 1 CPU pods 4 per 4-CPU template node: 3 nodes", () => {
    const s = new CaSnapshot();
    const r = new BinpackingEstimator(s).estimate(equivalenceGroups(pods(10, "1", "1Gi")), tpl4x16(), { maxNodes: 1000 }, "ng");
    expect(r.nodeCount).toBe(3);
    expect(r.pods).toHaveLength(10);
    expect(s.nodes()).toHaveLength(0); // reverted
  });

  it("counts the template's DaemonSet pods: 3 per node with a 100m DaemonSet pod → 4 nodes", () => {
    const ds = pod("ds", "100m", "50Mi", { owner: { kind: "DaemonSet", name: "ds", uid: "ds-1" }, nodeName: "tpl" });
    const t = template(node("tpl", "4", "16Gi"), 4000, 16 * Gi, [ds]);
    const r = new BinpackingEstimator(new CaSnapshot()).estimate(equivalenceGroups(pods(10, "1", "1Gi")), t, { maxNodes: 1000 }, "ng");
    expect(r.nodeCount).toBe(4);
  });

  it("stops at the limiter's node count (group max − target)", () => {
    const r = new BinpackingEstimator(new CaSnapshot()).estimate(equivalenceGroups(pods(10, "1", "1Gi")), tpl4x16(), { maxNodes: 2 }, "ng");
    expect(r.nodeCount).toBe(2);
    expect(r.pods).toHaveLength(8);
  });

  it("adds no node for a pod that cannot fit an empty template node", () => {
    const r = new BinpackingEstimator(new CaSnapshot()).estimate(equivalenceGroups(pods(2, "5", "1Gi")), tpl4x16(), { maxNodes: 10 }, "ng");
    expect(r).toEqual({ nodeCount: 0, pods: [] });
  });

  it("orders groups by cpu/alloc + mem/alloc descending (first-fit decreasing): 2 nodes, not 3", () => {
    const small = pods(2, "1", "1Gi", { kind: "ReplicaSet", name: "small", uid: "rs-small" }, "small");
    const big = pods(2, "3", "1Gi", { kind: "ReplicaSet", name: "big", uid: "rs-big" }, "big");
    const r = new BinpackingEstimator(new CaSnapshot()).estimate(equivalenceGroups([...small, ...big]), tpl4x16(), { maxNodes: 10 }, "ng");
    expect(r.nodeCount).toBe(2);
    expect(r.pods).toHaveLength(4);
  });

  it("respects pod anti-affinity on hostname: one pod per new node", () => {
    const anti = {
      affinity: {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" }] },
      },
    };
    const ps = Array.from({ length: 3 }, (_, i) => pod(`w-${i}`, "100m", "100Mi", { owner: RS, labels: { app: "web" }, spec: anti }));
    const r = new BinpackingEstimator(new CaSnapshot()).estimate(equivalenceGroups(ps), tpl4x16(), { maxNodes: 10 }, "ng");
    expect(r.nodeCount).toBe(3);
  });

  it("builds a scale-from-zero template from the ASG's launch template type (allocatable = capacity, 110 pods)", () => {
    const asg: AutoScalingGroup = {
      AutoScalingGroupName: "eks-ng-1",
      MinSize: 0,
      MaxSize: 10,
      DesiredCapacity: 0,
      AvailabilityZones: ["us-west-2b", "us-west-2a"],
      LaunchTemplate: { LaunchTemplateName: "lt", Version: "1", InstanceType: "m5.large" },
      Tags: [
        { Key: "k8s.io/cluster-autoscaler/node-template/label/team", Value: "a" },
        { Key: "k8s.io/cluster-autoscaler/node-template/taint/dedicated", Value: "a:NoSchedule" },
      ],
      Instances: [],
      nodeGroup: "ng",
      capacityType: "ON_DEMAND",
      labels: {},
      taints: [],
    };
    const t = templateFromAsg(asg, "us-west-2", []);
    expect(t.node.status.capacity).toEqual({ cpu: "2", memory: "8192Mi", pods: "110" });
    expect(t.node.status.allocatable).toEqual(t.node.status.capacity);
    expect(t.capacity).toEqual({ cpu: 2000, memory: 8 * Gi });
    expect(t.node.metadata.labels).toMatchObject({ "topology.kubernetes.io/zone": "us-west-2b", "node.kubernetes.io/instance-type": "m5.large", team: "a", "kubernetes.io/arch": "amd64" });
    expect(t.node.spec.taints).toEqual([{ key: "dedicated", value: "a", effect: "NoSchedule" }]);
    // m5.large from zero: 2 CPU / 8 GiB → 4 pods of 500m per node; 10 pods → 3 nodes.
    const r = new BinpackingEstimator(new CaSnapshot()).estimate(equivalenceGroups(pods(10, "500m", "512Mi", RS).map((p) => ({ ...p, spec: { ...p.spec, tolerations: [{ key: "dedicated", operator: "Exists" }] } }))), t, { maxNodes: 10 }, "ng");
    expect(r.nodeCount).toBe(3);
  });
});
