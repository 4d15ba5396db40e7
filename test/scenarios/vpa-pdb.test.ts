/**
 * The VPA updater evicts through the Eviction API (src/cluster/eviction.ts), so a
 * PodDisruptionBudget refuses its evictions with 429 "Cannot evict pod as it would violate the pod's
 * disruption budget." — hamster (2 replicas, both Ready) with minAvailable 2: 0 disruptions allowed.
 * With maxUnavailable 1 the same run evicts (2 − (2 − 1) = 1 disruption allowed).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runScenario } from "./helpers.js";

const hamster = readFileSync(fileURLToPath(new URL("../../examples/vpa-hamster.yaml", import.meta.url)), "utf8").replace("duration: 30m", "duration: 5m");
const pdb = (budget: string): string => `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hamster
spec:
  ${budget}
  selector:
    matchLabels:
      app: hamster
`;

describe("VPA updater and PodDisruptionBudgets", () => {
  it("minAvailable: 2 refuses every eviction with the 429 message; the pods keep their requests", () => {
    const run = runScenario({ text: hamster + pdb("minAvailable: 2") });
    expect(run.events.filter((e) => e.reason === "EvictedByVPA")).toHaveLength(0);
    const refusals = run.sim.logs.records("vpa-updater").filter((r) => r.message.includes("Cannot evict pod as it would violate the pod's disruption budget."));
    expect(refusals.length).toBeGreaterThanOrEqual(4); // one per pod per loop from 60 s
    const pods = run.sim.store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "hamster");
    expect(pods.map((p) => p.spec.containers[0].resources.requests.cpu)).toEqual(["100m", "100m"]);
  });

  it("maxUnavailable: 1 lets the updater evict", () => {
    const run = runScenario({ text: hamster + pdb("maxUnavailable: 1") });
    expect(run.events.filter((e) => e.reason === "EvictedByVPA").length).toBeGreaterThanOrEqual(1);
  });
});
