/**
 * The hamster example in a namespace with a Container LimitRange (max cpu 1, default cpu 200m).
 * The LimitRanger gives the pods a 200m limit (ratio 2 to their 100m request), so the VPA may raise
 * the request only to 100m × 1000m / 200m = 500m: the 587m target is capped to 500m at admission
 * and in the updater, the limit follows to 200m × 500 / 100 = 1 CPU, while the VPA status keeps
 * the uncapped 587m (LimitRanges only apply per pod).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runScenario } from "./helpers.js";

const hamster = readFileSync(fileURLToPath(new URL("../../examples/vpa-hamster.yaml", import.meta.url)), "utf8").replace("duration: 30m", "duration: 12m");
const limitRange = `---
apiVersion: v1
kind: LimitRange
metadata:
  name: cpu-limits
spec:
  limits:
    - type: Container
      max:
        cpu: "1"
      default:
        cpu: 200m
`;

describe("VPA with a Container LimitRange", () => {
  const run = runScenario({ text: hamster + limitRange });
  const store = run.sim.store;

  it("keeps the status recommendation uncapped by the LimitRange", () => {
    const rec = store.get("VerticalPodAutoscaler", "default", "hamster-vpa")!.status.recommendation.containerRecommendations[0];
    expect(rec.target).toEqual({ cpu: "587m", memory: "262144k" });
  });

  it("admits replacement pods at the largest request the LimitRange allows, with the limit scaled to it", () => {
    expect(run.events.filter((e) => e.reason === "EvictedByVPA").length).toBeGreaterThanOrEqual(2);
    const pods = store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "hamster" && !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec.containers[0].resources).toEqual({ requests: { cpu: "500m", memory: "262144k" }, limits: { cpu: "1" } });
      expect(p.metadata.annotations?.vpaUpdates).toBe("Pod resources updated by hamster-vpa: container 0: cpu capped to fit Max in container LimitRange, cpu request, memory request, cpu limit");
    }
  });

  it("then leaves the capped pods alone although the 587m target is above their 500m request", () => {
    // Their request equals the capped lower bound, so they are inside the recommended range; the
    // last eviction is of a pod admitted before the recommendation settled.
    const last = Math.max(...run.events.filter((e) => e.reason === "EvictedByVPA").map((e) => e.t));
    expect(last).toBeLessThanOrEqual(300);
    const live = new Set(store.list("Pod", { namespace: "default" }).map((p) => p.metadata.name));
    for (const e of run.events.filter((e) => e.reason === "EvictedByVPA")) expect(live.has(String(e.object).split("/")[2])).toBe(false);
  });
});
