/**
 * The VPA hamster example (VPA 1.3): two pods requesting 100m / 50Mi burn ~500m. The recommender's
 * P90 of samples in CPU bucket 25 [477.3m, 511.1m) is the bucket end 511m, + 15 % margin (76) = 587m;
 * memory (a few MB, first bucket) is raised to the pod minimum 250 × 2^20 = 262144000 → "262144k".
 * The updater evicts one pod per minute (tolerance floor(2 × 0.5) = 1) with the upstream event, and
 * the admission hook recreates them with the recommendation.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runScenario } from "./helpers.js";

const file = fileURLToPath(new URL("../../examples/vpa-hamster.yaml", import.meta.url));

describe("examples/vpa-hamster.yaml", () => {
  const run = runScenario({ file });
  const store = run.sim.store;
  const vpa = store.get("VerticalPodAutoscaler", "default", "hamster-vpa")!;

  it("recommends 587m CPU and the 262144k memory minimum, capped upper bounds", () => {
    const rec = vpa.status.recommendation.containerRecommendations;
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({
      containerName: "hamster",
      target: { cpu: "587m", memory: "262144k" },
      uncappedTarget: { cpu: "587m", memory: "262144k" },
      upperBound: { cpu: "1", memory: "500Mi" },
    });
    // Lower bound: 587m × (1 + 0.001/c)^-2 with c ≈ 30 min / 1440 min → ≈ 0.91 × 587 ≈ 535m.
    const lower = parseInt(rec[0].lowerBound.cpu, 10);
    expect(lower).toBeGreaterThan(500);
    expect(lower).toBeLessThan(587);
    expect(rec[0].lowerBound.memory).toBe("262144k");
    expect(vpa.status.conditions).toEqual([expect.objectContaining({ type: "RecommendationProvided", status: "True" })]);
  });

  it("evicts pods with the upstream event text and recreates them with the new requests", () => {
    const evictions = run.events.filter((e) => e.reason === "EvictedByVPA");
    expect(evictions.length).toBeGreaterThanOrEqual(2);
    for (const e of evictions) expect(e.message).toBe("Pod was evicted by VPA Updater to apply resource recommendation.");
    // Never two in one updater loop (2 replicas → tolerance 1).
    const times = evictions.map((e) => e.t);
    expect(new Set(times).size).toBe(times.length);
    const pods = store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "hamster" && !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec.containers[0].resources.requests).toEqual({ cpu: "587m", memory: "262144k" });
      expect(p.spec.containers[0].resources.limits).toBeUndefined();
      expect(p.metadata.annotations).toMatchObject({
        vpaObservedContainers: "hamster",
        vpaUpdates: "Pod resources updated by hamster-vpa: container 0: cpu request, memory request",
      });
    }
  });
});

describe("update modes and the HPA warning", () => {
  const text = readFileSync(file, "utf8").replace("duration: 30m", "duration: 10m");
  const withMode = (mode: string): string => text.replace("  resourcePolicy:\n", `  updatePolicy:\n    updateMode: "${mode}"\n  resourcePolicy:\n`);
  const hamsterPods = (r: ReturnType<typeof runScenario>) => r.sim.store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "hamster");

  it("Off: recommends but never evicts nor mutates pods", () => {
    const r = runScenario({ text: withMode("Off") });
    expect(r.sim.store.get("VerticalPodAutoscaler", "default", "hamster-vpa")!.status.recommendation.containerRecommendations[0].target.cpu).toBe("587m");
    expect(r.events.filter((e) => e.reason === "EvictedByVPA")).toHaveLength(0);
    for (const p of hamsterPods(r)) expect(p.spec.containers[0].resources.requests).toEqual({ cpu: "100m", memory: "50Mi" });
  });

  it("Initial: never evicts, but a pod created later gets the recommendation", () => {
    const r = runScenario({ text: withMode("Initial").replace("duration: 10m", "duration: 10m\n  timeline:\n    - at: 8m\n      scale: {kind: Deployment, name: hamster, replicas: 3}") });
    expect(r.events.filter((e) => e.reason === "EvictedByVPA")).toHaveLength(0);
    const reqs = hamsterPods(r).map((p) => p.spec.containers[0].resources.requests.cpu).sort();
    expect(reqs).toEqual(["100m", "100m", "587m"]);
  });

  it("warns when an HPA scales the same Deployment on CPU", () => {
    const hpa = `---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: hamster}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: hamster}\n  minReplicas: 2\n  maxReplicas: 4\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]\n`;
    const r = runScenario({ text: text + hpa });
    const warn = r.events.filter((e) => e.reason === "HPAConflict");
    expect(warn).toHaveLength(1);
    expect(String(warn[0]!.message)).toContain("HorizontalPodAutoscaler hamster also scales Deployment/hamster on cpu");
  });
});
