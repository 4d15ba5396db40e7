/**
 * The orchestration queue of Karpenter v1.0–v1.2 (`pkg/controllers/disruption/orchestration/queue.go`)
 * and what executeCommand does before handing a command to it (`controller.go`: MarkDisrupted,
 * schedulingResults.Record). Times are hand-computed from the upstream constants: the command is
 * queued at 25 s (first pass 10 s + 15 s validation), the queue first looks 1 s later and then backs
 * off 1, 2, 4, 8, 10, 10 … s, so it looks at 26, 27, 29, 33, 41, 51 … s; maxRetryDuration is 10 min.
 */
import { describe, expect, it } from "vitest";
import type { Condition } from "../api.js";
import { titleCase } from "./controller.js";
import { Harness } from "./testkit.js";

const QUEUED_AT = 25_000;

function replaceHarness(): Harness {
  const h = new Harness();
  h.node("n1", "large", [1000]);
  h.run(QUEUED_AT + 1); // replace n1 (large, $0.40) with small/medium
  expect(h.disruptionLogs()).toHaveLength(1);
  return h;
}

function replacementName(h: Harness): string {
  const names = h.store.list("NodeClaim").map((c) => c.metadata.name!).filter((n) => !n.startsWith("nc-"));
  expect(names).toHaveLength(1);
  return names[0]!;
}

function taints(h: Harness, node: string): string[] {
  return ((h.store.get("Node", undefined, node)!.spec.taints ?? []) as Array<{ key: string }>).map((t) => t.key);
}

function condition(h: Harness, claim: string, type: string): Condition | undefined {
  return (h.store.get("NodeClaim", undefined, claim)!.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
}

function queueErrors(h: Harness): Array<{ t: number; fields: Record<string, unknown> }> {
  return h.logs
    .records("karpenter")
    .filter((r) => r.message === "failed terminating nodes while executing a disruption command")
    .map((r) => ({ t: r.t, fields: r.fields as Record<string, unknown> }));
}

describe("disruption queue: timeout and roll-back", () => {
  it("a replacement never initialized fails the command at the first look past 10 min (10m6s) and rolls it back", () => {
    const h = replaceHarness();
    const repl = replacementName(h);
    expect(taints(h, "n1")).toContain("karpenter.sh/disrupted");
    // MarkDisrupted (v1.0–v1.2): reason "DisruptionReason", message the method's reason
    expect(condition(h, "nc-n1", "DisruptionReason")).toMatchObject({ status: "True", reason: "DisruptionReason", message: "Underutilized" });
    expect(h.state.node("n1")!.markedForDeletion).toBe(true);
    // looks at 26, 27, 29, 33, 41, then every 10 s: …, 621 s (596 s after queueing), 631 s (606 s)
    h.run(QUEUED_AT + 605_999 - h.clock.now());
    expect(queueErrors(h)).toHaveLength(0);
    h.run(2);
    const errs = queueErrors(h);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.t).toBe(QUEUED_AT + 606_000);
    expect(errs[0]!.fields.controller).toBe("disruption.queue");
    expect(errs[0]!.fields.nodes).toBe("n1");
    expect(errs[0]!.fields.error).toBe(`command reached timeout after 10m6s; waiting for replacement initialization, nodeclaim ${repl} not initialized`);
    // rolled back: untainted, no longer marked, condition cleared; the replacement is left alone
    expect(taints(h, "n1")).not.toContain("karpenter.sh/disrupted");
    expect(h.state.node("n1")!.markedForDeletion).toBe(false);
    expect(condition(h, "nc-n1", "DisruptionReason")).toBeUndefined();
    expect(h.store.get("NodeClaim", undefined, "nc-n1")!.metadata.deletionTimestamp).toBeUndefined();
    expect(h.store.get("NodeClaim", undefined, repl)).toBeDefined();
    const m = (h.services.get("karpenter-metrics") as { disruptionQueueFailures: { get(l: object): number } }).disruptionQueueFailures;
    expect(m.get({ decision: "replace", reason: "underutilized", consolidation_type: "single" })).toBe(1);
  });

  it("a replacement that disappears fails the command once the command is older than 5 s", () => {
    const h = replaceHarness();
    const repl = replacementName(h);
    h.run(QUEUED_AT + 3_000 - h.clock.now());
    // e.g. insufficient capacity at launch: deleted, and the lifecycle controller lets its finalizer go
    h.store.delete("NodeClaim", undefined, repl);
    h.store.mutate("NodeClaim", undefined, repl, (nc) => {
      nc.metadata.finalizers = [];
    });
    expect(h.store.get("NodeClaim", undefined, repl)).toBeUndefined();
    // the look at 29 s (4 s old) only retries; the one at 33 s (8 s old) fails
    h.run(QUEUED_AT + 7_999 - h.clock.now());
    expect(queueErrors(h)).toHaveLength(0);
    h.run(2);
    const errs = queueErrors(h);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.t).toBe(QUEUED_AT + 8_000);
    const notFound = `nodeclaims.karpenter.sh "${repl}" not found`;
    expect(errs[0]!.fields.error).toBe(`replacement was deleted, ${notFound}; waiting for replacement initialization, getting node claim, ${notFound}`);
    expect(taints(h, "n1")).not.toContain("karpenter.sh/disrupted");
    expect(h.store.get("NodeClaim", undefined, "nc-n1")!.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe("disruption: schedulingResults.Record at execution", () => {
  it("nominates the node the moved pods go to for 20 s and tells each pod where it should go", () => {
    const h = new Harness();
    h.node("n1", "medium", [3000]);
    h.node("n2", "medium", [1000]);
    h.run(QUEUED_AT + 1);
    expect(h.disruptionLogs()[0]!.message).toBe("disrupting nodeclaim(s) via delete, terminating 1 nodes (1 pods) n1/medium/on-demand");
    // n1's pod (p1) is simulated onto n2
    expect(h.state.isNominated("n2")).toBe(true);
    expect(h.state.isNominated("n1")).toBe(false);
    expect(h.eventsOf("Nominated")).toEqual(["p1: Pod should schedule on: nodeclaim/nc-n2, node/n2"]);
    // the pass right after the command already sees n2 as nominated, so it is not a candidate
    expect(h.ctrl.decisions().some((d) => d.t === QUEUED_AT && d.node === "n2" && d.reason === "node is nominated for a pending pod")).toBe(true);
    h.run(QUEUED_AT + 19_999 - h.clock.now());
    expect(h.state.isNominated("n2")).toBe(true);
    h.run(1);
    expect(h.state.isNominated("n2")).toBe(false);
  });

  it("empty-node deletes record nothing (no simulation)", () => {
    const h = new Harness({ budgets: [{ nodes: "100%" }] });
    h.node("n1", "medium", []);
    h.node("n2", "medium", [1000]);
    h.run(QUEUED_AT + 1);
    expect(h.disruptionLogs()[0]!.message).toBe("disrupting nodeclaim(s) via delete, terminating 1 nodes (0 pods) n1/medium/on-demand");
    expect(h.state.isNominated("n2")).toBe(false);
    expect(h.eventsOf("Nominated")).toEqual([]);
  });
});

describe("titleCase (cases.Title, NoLower)", () => {
  it("capitalises each word, leaves the rest", () => {
    expect(titleCase("Underutilized/replace")).toBe("Underutilized/Replace");
    expect(titleCase("Drifted/delete")).toBe("Drifted/Delete");
    expect(titleCase("empty")).toBe("Empty");
  });
});
