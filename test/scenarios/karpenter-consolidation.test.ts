/**
 * examples/karpenter-consolidation.yaml — the workshop's consolidation lab: inflate (1 CPU / 1.5Gi)
 * 5 → 12 → 5 → 1 with WhenEmptyOrUnderutilized / consolidateAfter 1m. The lab's logs show, in order,
 * a delete for `underutilized` after 12 → 5 and a replace with a cheaper type after → 1.
 */
import { describe, expect, it } from "vitest";
import { onDemandPrice } from "../../src/cloud/catalog.js";
import { disruptionLines, min, startScenario } from "./karpenter-helpers.js";

const REGION = "ap-northeast-2";

describe("examples/karpenter-consolidation.yaml", () => {
  const run = startScenario("examples/karpenter-consolidation.yaml");
  // Step in 5 s and track the longest stretch in which fewer inflate pods run than the Deployment wants
  // after the scale-downs (t > 10m): consolidation must only remove capacity the pods do not need.
  let worstDeficitMs = 0;
  let deficitSince: number | undefined;
  for (let t = 5_000; t <= run.sim.scenario.spec.durationMs; t += 5_000) {
    run.sim.runUntil(t);
    if (t <= min(10)) continue;
    const want = run.sim.store.get("Deployment", "default", "inflate")!.spec.replicas as number;
    if (run.inflateRunning() < want) {
      deficitSince ??= t;
      worstDeficitMs = Math.max(worstDeficitMs, t - deficitSince);
    } else deficitSince = undefined;
  }
  const lines = disruptionLines(run.logs());
  const reasonOf = (l: (typeof lines)[number]) => (l.fields as Record<string, unknown>)?.reason;

  it("deletes an underutilized node after 12 → 5, before any replace", () => {
    const del = lines.find((l) => l.t > min(10) && l.message.includes(" via delete,") && reasonOf(l) === "underutilized");
    expect(del).toBeDefined();
    expect(del!.t).toBeLessThan(min(18));
    const firstReplace = lines.find((l) => l.message.includes(" via replace,"));
    expect(firstReplace).toBeDefined();
    expect(firstReplace!.t).toBeGreaterThan(del!.t);
  });

  it("replaces the last node with a cheaper type after scaling to 1", () => {
    const rep = lines.find((l) => l.t > min(18) && l.message.includes(" via replace,") && reasonOf(l) === "underutilized");
    expect(rep).toBeDefined();
    const m = /^disrupting nodeclaim\(s\) via replace, terminating 1 nodes \((\d+) pods\) (\S+)\/(\S+)\/on-demand and replacing with on-demand node from types (.+)$/.exec(rep!.message);
    expect(m).not.toBeNull();
    const [, pods, , oldType, types] = m!;
    expect(Number(pods)).toBe(1);
    const newTypes = types!.split(/, | and \d+ other\(s\)/).filter(Boolean);
    // every listed replacement option is strictly cheaper than the node it replaces
    for (const t of newTypes) expect(onDemandPrice(t, REGION)!).toBeLessThan(onDemandPrice(oldType!, REGION)!);
  });

  it("keeps the remaining pod running: ends with 1 replica on one smaller Karpenter node", () => {
    expect(run.inflateRunning()).toBe(1);
    const nodes = run.karpenterNodes();
    expect(nodes).toHaveLength(1);
    expect(run.sim.store.list("NodeClaim")).toHaveLength(1);
  });

  it("never leaves a pod without capacity: moved pods run again within 30 s", () => {
    // delete: the evicted pods fit on the remaining node at once (only pod start-up, ~3 s);
    // replace: pods are evicted only once the replacement is initialized.
    expect(worstDeficitMs).toBeLessThanOrEqual(30_000);
  });
});
