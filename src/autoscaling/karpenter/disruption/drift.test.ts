import { describe, expect, it } from "vitest";
import type { NodePool } from "../api.js";
import { NodeClaimDisruptionController } from "./drift.js";
import { Harness } from "./testkit.js";

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
