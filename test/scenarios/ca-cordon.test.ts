/**
 * --cordon-node-before-terminating: false by default in 1.32 (the default became true in 1.34,
 * kubernetes/autoscaler#8183). examples/ca-nginx-scaleout.yaml taints its two empty nodes
 * ToBeDeletedByClusterAutoscaler at 25m10s and terminates them 5 s later (see ca-labs.test.ts):
 * at 25m10s the tainted nodes are cordoned (spec.unschedulable) only when the flag is set.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import type { KubeObject } from "../../src/api/meta.js";
import { loadScenarioText } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";
import { min } from "./ca-helpers.js";

function taintedAt(extraArgs: string[]): { tainted: KubeObject[]; logs: string[] } {
  let text = readFileSync("examples/ca-nginx-scaleout.yaml", "utf8");
  for (const a of extraArgs) text = text.replace("- --skip-nodes-with-system-pods=false", `- --skip-nodes-with-system-pods=false\n            - ${a}`);
  const sim = new Simulation(loadScenarioText(text, "inline.yaml"));
  const logs: string[] = [];
  sim.logs.on((r) => {
    if (r.component === "cluster-autoscaler") logs.push(r.message);
  });
  sim.runUntil(min(25) + 10_000);
  const tainted = sim.store.list("Node").filter((n) => (n.spec?.taints ?? []).some((t: { key: string }) => t.key === "ToBeDeletedByClusterAutoscaler"));
  return { tainted, logs };
}

describe("--cordon-node-before-terminating (1.32 default false)", () => {
  it("default: the ToBeDeleted taint only, no cordon", () => {
    const { tainted, logs } = taintedAt([]);
    expect(tainted).toHaveLength(2);
    for (const n of tainted) expect(n.spec.unschedulable).toBeUndefined();
    expect(logs.some((l) => l.includes("to be cordoned"))).toBe(false);
  });

  it("=true: the tainted nodes are also cordoned", () => {
    const { tainted, logs } = taintedAt(["--cordon-node-before-terminating=true"]);
    expect(tainted).toHaveLength(2);
    for (const n of tainted) {
      expect(n.spec.unschedulable).toBe(true);
      expect(logs).toContain(`Marking node ${n.metadata.name} to be cordoned by Cluster Autoscaler`);
    }
  });
});
