/**
 * --balance-similar-node-groups against compare_nodegroups.go (1.32): ratios 0.015 (capacity memory),
 * 0.05 (allocatable), 0.05 (free), each tested as `larger − smaller ≤ larger × ratio`, and the AWS
 * ignored labels. Figures (MiB): allocatable 7000 vs 6720 differs by 280 ≤ 350 (4 %), vs 6580 by
 * 420 > 350 (6 %); capacity 8192 vs 8070 differs by 122 ≤ 122.88 (1.49 %), vs 8060 by 132 > 122.88.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { Rng } from "../../core/rng.js";
import { buildExpanderChain } from "./expanders.js";
import { awsIgnoredLabels, balanceScaleUp, sameBalancingLabels, similarTemplates } from "./nodegroupset.js";
import { planScaleUp, type NodeGroupView } from "./scaleup.js";
import { CaSnapshot } from "./snapshot.js";
import type { TemplateNode } from "./templates.js";
import { Mi, pod, RS } from "./testkit.js";

interface Shape {
  capMemMi?: number;
  allocMemMi?: number;
  allocCpu?: string;
  labels?: Record<string, string>;
  extraCapacity?: Record<string, string>;
  dsMemMi?: number;
}

const ZONE_LABELS = (zone: string) => ({
  "topology.kubernetes.io/zone": zone,
  "failure-domain.beta.kubernetes.io/zone": zone,
  "topology.ebs.csi.aws.com/zone": zone,
});

function tpl(name: string, s: Shape = {}): TemplateNode {
  const capacity = { cpu: "2", memory: `${s.capMemMi ?? 8192}Mi`, pods: "29", "ephemeral-storage": "20971520Ki", ...(s.extraCapacity ?? {}) };
  const allocatable = { cpu: s.allocCpu ?? "1930m", memory: `${s.allocMemMi ?? 7000}Mi`, pods: "29", "ephemeral-storage": "18253611008" };
  const labels = {
    "kubernetes.io/hostname": name,
    "node.kubernetes.io/instance-type": "m5.large",
    "eks.amazonaws.com/nodegroup": name,
    "eks.amazonaws.com/capacityType": "ON_DEMAND",
    "k8s.io/cloud-provider-aws": `${name}-random`,
    ...ZONE_LABELS("us-east-1a"),
    ...(s.labels ?? {}),
  };
  const pods: KubeObject[] = [];
  if (s.dsMemMi !== undefined) pods.push(pod(`ds-${name}`, "25m", `${s.dsMemMi}Mi`, { owner: { kind: "DaemonSet", name: "ds", uid: "ds-1" }, nodeName: name }));
  return {
    node: { metadata: { name, labels }, spec: { taints: [] }, status: { capacity, allocatable, conditions: [{ type: "Ready", status: "True" }] } },
    pods,
    capacity: { cpu: 2000, memory: (s.capMemMi ?? 8192) * Mi },
    fromRealNode: true,
  };
}

const aws = awsIgnoredLabels();
const similar = (a: TemplateNode, b: TemplateNode, ignored = aws) => similarTemplates(a, b, ignored);

describe("IsCloudProviderNodeInfoSimilar (AWS comparator, 1.32)", () => {
  it("allocatable within 5 %: 4 % apart is similar, 6 % apart is not", () => {
    expect(similar(tpl("a", { allocMemMi: 7000 }), tpl("b", { allocMemMi: 6720 }))).toBe(true);
    expect(similar(tpl("a", { allocMemMi: 7000 }), tpl("b", { allocMemMi: 6580 }))).toBe(false);
    // cpu too: 1930m vs 1853m (4 %) / 1814m (6 %)
    expect(similar(tpl("a"), tpl("b", { allocCpu: "1853m" }))).toBe(true);
    expect(similar(tpl("a"), tpl("b", { allocCpu: "1814m" }))).toBe(false);
  });

  it("free resources (allocatable − DaemonSet requests) within 5 %: 280Mi of DaemonSets is fine, 420Mi is not", () => {
    // free memory 7000 vs 6720 (4 %) and 7000 vs 6580 (6 %), allocatable identical
    expect(similar(tpl("a", { dsMemMi: 0 }), tpl("b", { dsMemMi: 280 }))).toBe(true);
    expect(similar(tpl("a", { dsMemMi: 0 }), tpl("b", { dsMemMi: 420 }))).toBe(false);
  });

  it("capacity memory within 1.5 %, every other capacity exactly equal and present on both", () => {
    expect(similar(tpl("a", { capMemMi: 8192 }), tpl("b", { capMemMi: 8070 }))).toBe(true);
    expect(similar(tpl("a", { capMemMi: 8192 }), tpl("b", { capMemMi: 8060 }))).toBe(false);
    expect(similar(tpl("a"), tpl("b", { extraCapacity: { "nvidia.com/gpu": "0" } }))).toBe(false);
  });

  it("ignores the basic and AWS node-group/zone labels, but not topology.k8s.aws/zone-id in 1.32.1", () => {
    const a = tpl("ng-a", { labels: { ...ZONE_LABELS("us-east-1a"), "alpha.eksctl.io/nodegroup-name": "a", lifecycle: "Ec2Spot", "k8s.amazonaws.com/eniConfig": "a" } });
    const b = tpl("ng-b", { labels: { ...ZONE_LABELS("us-east-1b"), "alpha.eksctl.io/nodegroup-name": "b", lifecycle: "OnDemand", "k8s.amazonaws.com/eniConfig": "b" } });
    expect(similar(a, b)).toBe(true);
    const za = tpl("ng-a", { labels: { "topology.k8s.aws/zone-id": "use1-az1" } });
    const zb = tpl("ng-b", { labels: { "topology.k8s.aws/zone-id": "use1-az2" } });
    expect(similar(za, zb)).toBe(false);
    expect(similar(za, zb, awsIgnoredLabels(["topology.k8s.aws/zone-id"]))).toBe(true);
  });

  it("any other label must be on both with the same value", () => {
    expect(similar(tpl("a", { labels: { team: "x" } }), tpl("b", { labels: { team: "y" } }))).toBe(false);
    expect(similar(tpl("a", { labels: { team: "x" } }), tpl("b"))).toBe(false);
    expect(similar(tpl("a", { labels: { "eks.amazonaws.com/capacityType": "SPOT" } }), tpl("b"))).toBe(false);
    expect(similar(tpl("a", { labels: { team: "x" } }), tpl("b"), awsIgnoredLabels(["team"]))).toBe(true);
  });

  it("--balancing-label compares only the given labels, which must be present on both", () => {
    const a = tpl("a", { allocMemMi: 4000, labels: { pool: "web" } });
    const b = tpl("b", { labels: { pool: "web" } });
    expect(sameBalancingLabels(a, b, ["pool"])).toBe(true);
    expect(sameBalancingLabels(a, tpl("c"), ["pool"])).toBe(false);
  });
});

describe("BalanceScaleUpBetweenGroups", () => {
  it("fills the smallest groups first and skips groups at max: 3 + 5 new nodes over sizes 1/3/4 (max 4/10/10)", () => {
    const m = balanceScaleUp(
      [
        { id: "a", current: 1, max: 4 },
        { id: "b", current: 3, max: 10 },
        { id: "c", current: 4, max: 10 },
      ],
      8,
    );
    // a 1→4 (max), then b and c water-filled: 3+5 = 8 nodes → b 3→6, c 4→6
    expect(Object.fromEntries(m)).toEqual({ a: 4, b: 6, c: 6 });
  });
});

describe("scale-up split between similar groups", () => {
  // Three 1-CPU pods per 1930m node; 12 pending pods → 4 nodes, split 2 + 2 when the groups are similar.
  const pods = Array.from({ length: 12 }, (_, i) => pod(`w-${i}`, "600m", "1Gi", { owner: RS }));
  const view = (id: string, t: TemplateNode): NodeGroupView => ({ id, min: 1, max: 10, target: 1, template: t });

  function plan(b: TemplateNode) {
    return planScaleUp({
      snapshot: new CaSnapshot(),
      pods,
      groups: [view("ng-a", tpl("ng-a", { allocMemMi: 7000 })), view("ng-b", b)],
      chain: buildExpanderChain(["least-nodes", "random"], { pricingAvailable: false }),
      expander: { rng: new Rng(1), log: () => {}, warn: () => {}, priorityConfigMap: () => undefined },
      maxNodesPerScaleUp: 1000,
      clusterRoom: Infinity,
      balanceSimilar: true,
      similar: (x, y) => similarTemplates(x.template!, y.template!, aws),
    });
  }

  it("4 % apart: both groups grow by 2", () => {
    const p = plan(tpl("ng-b", { allocMemMi: 6720 }));
    expect(p.estimated).toBe(4);
    expect(p.infos.map((i) => `${i.group} ${i.current}->${i.newSize}`).sort()).toEqual(["ng-a 1->3", "ng-b 1->3"]);
    expect(p.logs).toContain("Splitting scale-up between 2 similar node groups: {" + p.option!.nodeGroup + ", " + (p.option!.nodeGroup === "ng-a" ? "ng-b" : "ng-a") + "}");
  });

  it("6 % apart: the chosen group takes all 4", () => {
    const p = plan(tpl("ng-b", { allocMemMi: 6580 }));
    expect(p.infos).toHaveLength(1);
    expect(p.infos[0]!.newSize - p.infos[0]!.current).toBe(4);
    expect(p.logs).toContain("No similar node groups found");
  });

  it("a similar group in backoff is left out of the split", () => {
    const p = planScaleUp({
      snapshot: new CaSnapshot(),
      pods,
      groups: [view("ng-a", tpl("ng-a")), { ...view("ng-b", tpl("ng-b", { allocMemMi: 6720 })), skipReason: "in backoff after failed scale-up" }],
      chain: buildExpanderChain(["random"], { pricingAvailable: false }),
      expander: { rng: new Rng(1), log: () => {}, warn: () => {}, priorityConfigMap: () => undefined },
      maxNodesPerScaleUp: 1000,
      clusterRoom: Infinity,
      balanceSimilar: true,
      similar: (x, y) => similarTemplates(x.template!, y.template!, aws),
    });
    expect(p.infos.map((i) => `${i.group} ${i.current}->${i.newSize}`)).toEqual(["ng-a 1->5"]);
    expect(p.logs).toContain("Ignoring node group ng-b when balancing: group is not ready for scaleup");
  });
});
