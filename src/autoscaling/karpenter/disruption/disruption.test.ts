import { describe, expect, it } from "vitest";
import { Rng } from "../../../core/rng.js";
import { commandString } from "./controller.js";
import { Harness, synthType } from "./testkit.js";

// Timeline: first pass at t=10s; consolidation/emptiness validate 15s later (t=25s), then execute.
const PASS_AND_VALIDATE = 10_000 + 15_000 + 1;

function deleted(h: Harness, claim: string): boolean {
  const c = h.store.get("NodeClaim", undefined, claim);
  return !c || c.metadata.deletionTimestamp !== undefined;
}

describe("disruption: emptiness", () => {
  it("deletes every empty consolidatable node in one command after the 15 s validation", () => {
    const h = new Harness({ budgets: [{ nodes: "100%" }] });
    h.node("n1", "medium", []);
    h.node("n2", "medium", []);
    h.node("n3", "medium", [1000]);
    h.run(10_000);
    expect(h.disruptionLogs()).toHaveLength(0); // still validating
    h.run(15_001);
    const logs = h.disruptionLogs();
    expect(logs).toHaveLength(1);
    expect(logs[0]!.message).toBe("disrupting nodeclaim(s) via delete, terminating 2 nodes (0 pods) n1/medium/on-demand, n2/medium/on-demand");
    expect(logs[0]!.fields?.reason).toBe("empty");
    // tainted, then NodeClaims deleted by the queue (no replacements to wait for)
    const n1 = h.store.get("Node", undefined, "n1")!;
    expect(n1.spec.taints).toContainEqual({ key: "karpenter.sh/disrupted", effect: "NoSchedule" });
    h.run(1_000);
    expect(deleted(h, "nc-n1")).toBe(true);
    expect(deleted(h, "nc-n3")).toBe(false);
    // v1.0–v1.2 orchestration queue: the event names Command.Reason() = "<reason>/<decision>", title-cased
    expect(h.eventsOf("DisruptionTerminating")).toContain("n1: Disrupting Node: Empty/Delete");
    expect(h.eventsOf("DisruptionTerminating")).toContain("nc-n1: Disrupting NodeClaim: Empty/Delete");
  });

  it("abandons when a pod lands on the empty node during validation", () => {
    const h = new Harness();
    h.node("n1", "medium", []);
    h.run(10_000);
    h.pod("n1", 500);
    h.run(15_001);
    expect(h.disruptionLogs()).toHaveLength(0);
    expect(h.ctrl.decisions().some((d) => d.method === "validation" && d.outcome === "rejected")).toBe(true);
  });

  it("default 10% budget on 3 nodes allows one disruption at a time", () => {
    const h = new Harness();
    h.node("n1", "medium", []);
    h.node("n2", "medium", []);
    h.node("n3", "medium", []);
    h.run(PASS_AND_VALIDATE);
    expect(h.disruptionLogs()[0]!.message).toMatch(/terminating 1 nodes \(0 pods\) n1\/medium\/on-demand$/);
  });

  it("a zero budget blocks and says so on the NodePool", () => {
    const h = new Harness({ budgets: [{ nodes: "0" }] });
    h.node("n1", "medium", []);
    h.run(PASS_AND_VALIDATE + 20_000);
    expect(h.disruptionLogs()).toHaveLength(0);
    expect(h.eventsOf("DisruptionBlocked")).toContain("default: No allowed disruptions for disruption reason Empty due to blocking budget");
  });

  it("a scheduled zero budget only blocks inside its window", () => {
    // Clock epoch is 2025-01-01T00:00:00Z (a Wednesday); block 00:00–01:00 every day.
    const h = new Harness({ budgets: [{ nodes: "100%" }, { nodes: "0", schedule: "0 0 * * *", duration: "1h" }] });
    h.node("n1", "medium", []);
    h.run(PASS_AND_VALIDATE);
    expect(h.disruptionLogs()).toHaveLength(0);
    h.run(3_600_000);
    expect(h.disruptionLogs()).toHaveLength(1);
  });
});

describe("disruption: single-node consolidation", () => {
  it("deletes a node whose pods fit on the others", () => {
    const h = new Harness();
    h.node("n1", "medium", [3000]);
    h.node("n2", "medium", [1000]);
    // multi-node: both → 4 CPU needs one new node; medium is the same type at the same price and
    // large/small are not cheaper-and-fitting → no multi command. single-node: n1's 3-CPU pod fits n2.
    h.run(PASS_AND_VALIDATE);
    const logs = h.disruptionLogs();
    expect(logs).toHaveLength(1);
    expect(logs[0]!.message).toBe("disrupting nodeclaim(s) via delete, terminating 1 nodes (1 pods) n1/medium/on-demand");
    expect(logs[0]!.fields?.reason).toBe("underutilized");
  });

  it("replaces with a cheaper node, waits for it to initialize, then deletes the candidate", () => {
    const h = new Harness();
    h.node("n1", "large", [1000]);
    h.run(PASS_AND_VALIDATE);
    const logs = h.disruptionLogs();
    expect(logs).toHaveLength(1);
    // small ($0.10) and medium ($0.20) are strictly cheaper than large ($0.40) and fit 1 CPU.
    expect(logs[0]!.message).toBe(
      "disrupting nodeclaim(s) via replace, terminating 1 nodes (1 pods) n1/large/on-demand and replacing with on-demand node from types small, medium",
    );
    // The command was queued at 25 s. The queue looks at it 1 s later, then backs off 1, 2, 4, 8, 10, 10 … s
    // (ItemExponentialFailureRateLimiter(1s, 10s)): checks at 26, 27, 29, 33, 41, 51 … s.
    h.run(5_000); // t = 30 s
    expect(h.store.get("NodeClaim", undefined, "nc-n1")?.metadata.deletionTimestamp).toBeUndefined();
    expect(h.eventsOf("DisruptionWaitingReadiness").length).toBeGreaterThan(0);
    const repl = h.initializeReplacements();
    expect(repl).toHaveLength(1);
    expect(repl[0]).toMatch(/^default-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(h.eventsOf("DisruptionLaunching")).toContain(`${repl[0]}: Launching NodeClaim: Underutilized/Replace`);
    const claim = h.store.get("NodeClaim", undefined, repl[0]!)!;
    expect(claim.spec.requirements).toContainEqual({ key: "node.kubernetes.io/instance-type", operator: "In", values: ["small", "medium"] });
    h.run(2_998); // t = 32.999 s: initialized, but the next look is at 33 s
    expect(deleted(h, "nc-n1")).toBe(false);
    h.run(2);
    expect(deleted(h, "nc-n1")).toBe(true);
    expect(h.eventsOf("DisruptionTerminating")).toContain("n1: Disrupting Node: Underutilized/Replace");
    const m = (h.services.get("karpenter-metrics") as { nodeClaimsDisrupted: { get(l: object): number } }).nodeClaimsDisrupted;
    expect(m.get({ reason: "underutilized", nodepool: "default", capacity_type: "on-demand" })).toBe(1);
  });

  it("does not replace with an equally priced node", () => {
    const h = new Harness();
    h.node("n1", "small", [1500]);
    h.run(PASS_AND_VALIDATE + 30_000);
    expect(h.disruptionLogs()).toHaveLength(0);
    expect(h.eventsOf("Unconsolidatable")).toContain("n1: Can't replace with a cheaper node");
  });

  it("pins an on-demand → [spot, on-demand] replacement to spot", () => {
    const h = new Harness({ capacityTypes: ["on-demand", "spot"] });
    h.node("n1", "large", [1000]);
    h.run(PASS_AND_VALIDATE);
    // spot worst launch prices: small 0.03, medium 0.06, large 0.12 — all below the 0.40 on-demand node.
    expect(h.disruptionLogs()[0]!.message).toBe(
      "disrupting nodeclaim(s) via replace, terminating 1 nodes (1 pods) n1/large/on-demand and replacing with spot node from types small, medium, large",
    );
  });

  it("spot → spot is off by default", () => {
    const h = new Harness({ capacityTypes: ["spot"] });
    h.node("n1", "large", [1000], { capacityType: "spot" });
    h.run(PASS_AND_VALIDATE);
    expect(h.disruptionLogs()).toHaveLength(0);
    expect(h.eventsOf("Unconsolidatable")).toContain("n1: SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node");
  });

  it("spot → spot needs ≥ 15 cheaper spot types and keeps the 15 cheapest", () => {
    const few = [synthType("large", 8, 0.4), ...Array.from({ length: 14 }, (_, i) => synthType(`t${String(i).padStart(2, "0")}`, 2, 0.1 + i * 0.01))];
    const h1 = new Harness({ capacityTypes: ["spot"], spotToSpotConsolidation: true, types: few });
    h1.node("n1", "large", [1000], { capacityType: "spot" });
    h1.run(PASS_AND_VALIDATE);
    expect(h1.disruptionLogs()).toHaveLength(0);
    expect(h1.eventsOf("Unconsolidatable")).toContain(
      "n1: SpotToSpotConsolidation requires 15 cheaper instance type options than the current candidate to consolidate, got 14",
    );
    const many = [synthType("large", 8, 0.4), ...Array.from({ length: 20 }, (_, i) => synthType(`t${String(i).padStart(2, "0")}`, 2, 0.1 + i * 0.01))];
    const h2 = new Harness({ capacityTypes: ["spot"], spotToSpotConsolidation: true, types: many });
    h2.node("n1", "large", [1000], { capacityType: "spot" });
    h2.run(PASS_AND_VALIDATE);
    const msg = h2.disruptionLogs()[0]!.message;
    expect(msg).toBe(
      "disrupting nodeclaim(s) via replace, terminating 1 nodes (1 pods) n1/large/spot and replacing with spot node from types t00, t01, t02, t03, t04 and 10 other(s)",
    );
  });
});

describe("disruption: multi-node consolidation", () => {
  it("deletes the largest prefix whose pods fit elsewhere", () => {
    const h = new Harness({ budgets: [{ nodes: "100%" }] });
    h.node("n1", "medium", [1000]);
    h.node("n2", "medium", [1000]);
    h.node("n3", "medium", [1000]);
    h.run(PASS_AND_VALIDATE);
    // prefix 3 needs a new node (3 CPU): medium is a candidate type at $0.20 → filtered; small too small;
    // prefix 2 moves two 1-CPU pods onto n3 (3 CPU free) → delete. P = pods of the last candidate (1).
    expect(h.disruptionLogs()[0]!.message).toBe("disrupting nodeclaim(s) via delete, terminating 2 nodes (1 pods) n1/medium/on-demand, n2/medium/on-demand");
  });

  it("replaces several nodes with one cheaper node", () => {
    const h = new Harness({ budgets: [{ nodes: "100%" }] });
    h.node("n1", "large", [1000]);
    h.node("n2", "large", [1000]);
    h.run(PASS_AND_VALIDATE);
    // 2 CPU of pods: small (0.10) and medium (0.20) are cheaper than the large candidates (0.40 each);
    // single-node would delete one but multi-node runs first.
    const msg = h.disruptionLogs()[0]!.message;
    expect(msg).toBe(
      "disrupting nodeclaim(s) via replace, terminating 2 nodes (1 pods) n1/large/on-demand, n2/large/on-demand and replacing with on-demand node from types small, medium",
    );
  });
});

describe("disruption: blocks", () => {
  it("pod and node do-not-disrupt, duration form expires", () => {
    const h = new Harness({ budgets: [{ nodes: "100%" }] });
    h.node("n1", "large", [1000], { podAnnotations: { "karpenter.sh/do-not-disrupt": "true" } });
    h.node("n2", "large", [], { nodeAnnotations: { "karpenter.sh/do-not-disrupt": "true" } });
    h.node("n3", "large", [1000], { podAnnotations: { "karpenter.sh/do-not-disrupt": "1m" } });
    h.run(PASS_AND_VALIDATE);
    expect(h.disruptionLogs()).toHaveLength(0);
    const reasons = h.ctrl.decisions().filter((d) => d.outcome === "blocked").map((d) => `${d.node}: ${d.reason}`);
    expect(reasons).toContain('n1: pod "default/p1" has "karpenter.sh/do-not-disrupt" annotation');
    expect(reasons).toContain('n2: disruption is blocked through the "karpenter.sh/do-not-disrupt" annotation');
    // no DisruptionBlocked events for the intentional annotation
    expect(h.eventsOf("DisruptionBlocked").filter((e) => e.startsWith("n1") || e.startsWith("n2"))).toHaveLength(0);
    // The expiry changes no object: the "consolidated" cache holds until its 5-minute forced re-check.
    h.run(60_000);
    expect(h.disruptionLogs()).toHaveLength(0);
    h.run(5 * 60_000);
    expect(h.disruptionLogs().map((l) => l.message)).toContainEqual(expect.stringContaining("n3/large/on-demand"));
  });

  it("a PDB allowing no disruptions blocks the node", () => {
    const h = new Harness();
    h.node("n1", "large", [1000], { podLabels: { app: "db" } });
    h.store.create({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "db", namespace: "default" },
      spec: { selector: { matchLabels: { app: "db" } }, minAvailable: 1 },
    });
    h.run(PASS_AND_VALIDATE);
    expect(h.disruptionLogs()).toHaveLength(0);
    expect(h.eventsOf("DisruptionBlocked")).toContain('n1: Cannot disrupt Node: pdb "default/db" prevents pod evictions');
  });

  it("WhenEmpty pools are never consolidated when underutilized", () => {
    const h = new Harness({ consolidationPolicy: "WhenEmpty" });
    h.node("n1", "large", [1000]);
    h.run(PASS_AND_VALIDATE + 60_000);
    expect(h.disruptionLogs()).toHaveLength(0);
  });
});

describe("commandString", () => {
  it("words multi-replacement commands as v1.0–v1.2", () => {
    const it = synthType("m5.large", 2, 0.1);
    const cand = { name: "ip-1", stateNode: { labels: { "node.kubernetes.io/instance-type": "m5.xlarge", "karpenter.sh/capacity-type": "spot" } }, reschedulablePods: [{}, {}] };
    const r = (cts: string[]) => ({ requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: cts }], instanceTypeOptions: [it] });
    const s = commandString({ candidates: [cand as never], replacements: [r(["spot"]) as never, r(["spot", "on-demand"]) as never] });
    expect(s).toBe("replace, terminating 1 nodes (2 pods) ip-1/m5.xlarge/spot and replacing with 2 spot and 1 on-demand, from types m5.large");
  });
});

describe("property: consolidation never strands a pod", () => {
  it("after each command, moved pods fit on the remaining + replacement capacity", () => {
    const rng = new Rng(42);
    const sizes: Record<string, number> = { small: 2000, medium: 4000, large: 8000 };
    for (let trial = 0; trial < 25; trial++) {
      const h = new Harness({ budgets: [{ nodes: "100%" }] });
      const n = 2 + rng.int(6);
      for (let i = 0; i < n; i++) {
        const type = ["small", "medium", "large"][rng.int(3)]!;
        const cap = sizes[type]!;
        const pods: number[] = [];
        let used = 0;
        const k = rng.int(4);
        for (let j = 0; j < k; j++) {
          const m = 250 * (1 + rng.int(8));
          if (used + m > cap) break;
          used += m;
          pods.push(m);
        }
        h.node(`n${i}`, type, pods);
      }
      h.run(PASS_AND_VALIDATE);
      const cmd = h.ctrl.inFlight()[0];
      if (!cmd) continue;
      const removed = new Set(cmd.nodes);
      // free capacity of the remaining nodes
      const free: number[] = [];
      const moved: number[] = [];
      for (const sn of h.state.nodes()) {
        if (!sn.node) continue;
        const req = sn.pods.reduce((s, p) => s + Number(String(p.spec.containers[0].resources.requests.cpu).replace("m", "")) * (String(p.spec.containers[0].resources.requests.cpu).endsWith("m") ? 1 : 1000), 0);
        if (removed.has(sn.name)) {
          for (const p of sn.pods) {
            const q = String(p.spec.containers[0].resources.requests.cpu);
            moved.push(q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);
          }
        } else free.push(sn.allocatable.cpu - req);
      }
      for (const r of cmd.replacements) {
        const claim = h.store.get("NodeClaim", undefined, r)!;
        // the smallest option is what could launch in the worst case
        const opts: string[] = claim.spec.requirements.find((q: { key: string }) => q.key === "node.kubernetes.io/instance-type").values;
        free.push(Math.min(...opts.map((o) => sizes[o]!)));
      }
      // first-fit decreasing must place every moved pod
      moved.sort((a, b) => b - a);
      for (const m of moved) {
        const i = free.findIndex((f) => f >= m);
        expect(i, `trial ${trial}: pod of ${m}m stranded`).toBeGreaterThanOrEqual(0);
        free[i]! -= m;
      }
    }
  });
});
