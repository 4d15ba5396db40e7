/**
 * examples/karpenter-drift.yaml: changing amiSelectorTerms at 8m drifts every node (AMIDrift); the
 * nodes are replaced one at a time (budget nodes: "1") and end on the new AMI.
 * examples/karpenter-spot-to-spot.yaml: spot capacity, a spot→spot replace with the 15 cheapest types,
 * and an injected interruption notice that Karpenter answers by draining the node.
 */
import { describe, expect, it } from "vitest";
import { disruptionLines, min, startScenario } from "./karpenter-helpers.js";

describe("examples/karpenter-drift.yaml", () => {
  const run = startScenario("examples/karpenter-drift.yaml");
  run.sim.runUntil(min(7.9));
  const before = new Set(run.sim.store.list("NodeClaim").map((c) => c.status?.imageID as string));
  const beforeNames = new Set(run.sim.store.list("NodeClaim").map((c) => c.metadata.name!));
  run.sim.runUntil(run.sim.scenario.spec.durationMs);
  const drifted = disruptionLines(run.logs()).filter((l) => (l.fields as Record<string, unknown>)?.reason === "drifted");

  it("replaces every node launched from the old AMI, after the patch, one at a time", () => {
    expect(before.size).toBe(1);
    expect(drifted.length).toBe(beforeNames.size);
    for (const l of drifted) {
      expect(l.t).toBeGreaterThanOrEqual(min(8));
      expect(l.message).toMatch(/^disrupting nodeclaim\(s\) via replace, terminating 1 nodes \(\d+ pods\) /);
    }
    const after = run.sim.store.list("NodeClaim");
    expect(after.some((c) => beforeNames.has(c.metadata.name!))).toBe(false);
    for (const c of after) expect(before.has(c.status?.imageID)).toBe(false);
    expect(run.inflateRunning()).toBe(12);
  });

  it("while a candidate waits for its replacement, the provisioner places its pods on the replacement and nominates them there", () => {
    // provisioner.trigger.node: the karpenter.sh/disrupted taint triggers a scheduling round (1 s batch
    // idle) and again every 10 s; the candidate is marked for deletion, so its pods are scheduled onto
    // the in-flight replacement NodeClaim (an unready existing node) instead of new capacity.
    const first = drifted[0]!;
    const replacement = run.logs().find((l) => l.t === first.t && l.message === "created nodeclaim" && (l.fields as Record<string, any>).controller === "disruption")!;
    const name = (replacement.fields as Record<string, any>).NodeClaim.name as string;
    const pods = Number(/\((\d+) pods\)/.exec(first.message)![1]);
    const unready = run.logs().filter((l) => l.message === "computed unready node(s) will fit pod(s)" && l.t > first.t && l.t <= first.t + 30_000);
    expect(unready.map((l) => l.t - first.t)).toEqual([1_000, 11_000, 21_000]);
    for (const l of unready) expect(l.fields).toMatchObject({ controller: "provisioner", nodes: 1, pods });
    expect(run.logs().some((l) => l.message === "created nodeclaim" && l.t > first.t && l.t < first.t + 60_000 && (l.fields as Record<string, any>).controller === "provisioner")).toBe(false);
    const nominated = run.sim.store.list("Event").filter((e) => (e as any).reason === "Nominated" && (e as any).message === `Pod should schedule on: nodeclaim/${name}`);
    expect(nominated.length).toBe(pods);
  });

  it("never has more than one node disrupting at once (budget nodes: 1)", () => {
    // a replace command finishes (old node deleted) before the next starts
    const deletedAt = run.logs().filter((l) => l.message === "deleted nodeclaim").map((l) => l.t);
    for (let i = 1; i < drifted.length; i++) expect(deletedAt.some((t) => t > drifted[i - 1]!.t && t <= drifted[i]!.t)).toBe(true);
  });
});

describe("examples/karpenter-spot-to-spot.yaml", () => {
  const run = startScenario("examples/karpenter-spot-to-spot.yaml");
  run.sim.runUntil(run.sim.scenario.spec.durationMs);
  const lines = disruptionLines(run.logs());

  it("launches spot capacity and replaces it with cheaper spot when scaled down (feature gate on)", () => {
    const launched = run.logs().filter((l) => l.message === "launched nodeclaim");
    expect(launched.length).toBeGreaterThan(0);
    for (const l of launched) expect((l.fields as Record<string, unknown>)["capacity-type"]).toBe("spot");
    const rep = lines.find((l) => l.message.includes(" via replace,") && (l.fields as Record<string, unknown>).reason === "underutilized");
    expect(rep).toBeDefined();
    // spot-to-spot single-node: the replacement options are cut to the 15 cheapest
    const m = /and replacing with spot node from types (.+)$/.exec(rep!.message);
    expect(m).not.toBeNull();
    const listed = m![1]!.split(", ");
    const others = /and (\d+) other\(s\)$/.exec(m![1]!);
    expect(listed.length + Number(others?.[1] ?? 0)).toBe(15);
  });

  it("drains the interrupted node and keeps the pods running", () => {
    const msg = run.logs().find((l) => l.message === "initiating delete from interruption message");
    expect(msg).toBeDefined();
    expect(msg!.t).toBeGreaterThanOrEqual(min(20));
    expect(run.inflateRunning()).toBe(2);
    const s = run.sim.summary();
    expect(Object.keys(s.costByCapacityType as object)).toEqual(["on-demand", "spot"]);
  });
});
