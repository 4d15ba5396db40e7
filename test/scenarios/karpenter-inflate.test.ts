/**
 * examples/karpenter-inflate.yaml — the EKS workshop's Karpenter lab (Karpenter 1.2.1, ap-northeast-2).
 * Acceptance: scaling inflate to 5 launches ONE NodeClaim of type c5a.2xlarge with allocatable
 * 7910m / 14162Mi / 58 pods (Karpenter's overhead model: 8000m − 90m; 16384 − 1229 − (11·58 + 255) − 100 MiB;
 * 4 ENIs × (15 − 1) + 2 pods), logged as `launched nodeclaim`; deleting the Deployment ends with no
 * Karpenter nodes after a `disrupting … reason empty` decision.
 */
import { describe, expect, it } from "vitest";
import { onDemandPrice } from "../../src/cloud/catalog.js";
import { disruptionLines, min, startScenario } from "./karpenter-helpers.js";

describe("examples/karpenter-inflate.yaml", () => {
  const run = startScenario("examples/karpenter-inflate.yaml");

  it("scaling to 5 launches one c5a.2xlarge NodeClaim and all 5 pods run on it", () => {
    run.sim.runUntil(min(5));
    const claims = run.sim.store.list("NodeClaim");
    expect(claims).toHaveLength(1);
    expect(claims[0]!.metadata.name).toMatch(/^default-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const launched = run.logs().filter((l) => l.message === "launched nodeclaim");
    expect(launched).toHaveLength(1);
    const f = launched[0]!.fields as Record<string, any>;
    expect(f["instance-type"]).toBe("c5a.2xlarge");
    expect(f["capacity-type"]).toBe("on-demand");
    expect(String(f.zone)).toMatch(/^ap-northeast-2[abcd]$/);
    expect(f.allocatable).toMatchObject({ cpu: "7910m", memory: "14162Mi", pods: "58" });
    expect(String(f["provider-id"])).toMatch(/^aws:\/\/\/ap-northeast-2[abcd]\/i-[0-9a-f]{17}$/);
    expect(launched[0]!.t).toBeGreaterThan(min(1));
    expect(run.inflateRunning()).toBe(5);
    const nodes = run.karpenterNodes();
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.metadata.labels).toMatchObject({
      "node.kubernetes.io/instance-type": "c5a.2xlarge",
      "karpenter.sh/capacity-type": "on-demand",
      "karpenter.sh/nodepool": "default",
      "eks-immersion-team": "my-team",
      "karpenter.k8s.aws/instance-category": "c",
      "karpenter.k8s.aws/instance-family": "c5a",
    });
  });

  it("prices the node at the Seoul on-demand price in the run summary", () => {
    const price = onDemandPrice("c5a.2xlarge", "ap-northeast-2")!;
    const node = run.karpenterNodes()[0]!;
    expect(run.sim.nodePrice(node)).toBeCloseTo(price, 6);
    const s = run.sim.summary();
    const rate = s.costPerHourNow as { byCapacityType: Record<string, number> };
    // 2 × m5.large managed nodes + the c5a.2xlarge
    expect(rate.byCapacityType["on-demand"]).toBeCloseTo(2 * onDemandPrice("m5.large", "ap-northeast-2")! + price, 4);
  });

  it("scaling to 30 gets every pod running on Karpenter capacity", () => {
    run.sim.runUntil(min(8.5));
    expect(run.inflateRunning()).toBe(30);
    const cpu = run.karpenterNodes().reduce((s, n) => s + Number(String(n.status.allocatable.cpu).replace(/m$/, "")) / (String(n.status.allocatable.cpu).endsWith("m") ? 1000 : 1), 0);
    expect(cpu).toBeGreaterThanOrEqual(30);
  });

  it("deleting the deployment ends with no Karpenter nodes, via empty-node disruption", () => {
    run.sim.runUntil(run.sim.scenario.spec.durationMs);
    expect(run.karpenterNodes()).toHaveLength(0);
    expect(run.sim.store.list("NodeClaim")).toHaveLength(0);
    const empties = disruptionLines(run.logs()).filter((l) => (l.fields as Record<string, unknown>)?.reason === "empty");
    expect(empties.length).toBeGreaterThan(0);
    expect(empties[0]!.message).toMatch(/^disrupting nodeclaim\(s\) via delete, terminating \d+ nodes \(0 pods\) ip-[^/]+\/[a-z0-9]+\.[a-z0-9]+\/on-demand/);
    // not before the deployment is gone plus consolidateAfter (1m)
    expect(empties[0]!.t).toBeGreaterThanOrEqual(min(10));
    expect(run.logs().some((l) => l.message === "deleted nodeclaim")).toBe(true);
    // the managed node group stays
    expect(run.sim.store.list("Node")).toHaveLength(2);
  });
});
