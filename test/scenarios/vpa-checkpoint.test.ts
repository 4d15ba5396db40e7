/**
 * VerticalPodAutoscalerCheckpoints (VPA 1.3) on the hamster example: written every recommender loop,
 * loaded by a fresh recommender, garbage-collected when their VPA is gone.
 *
 * Round-trip bound: a checkpoint stores n_i = round(w_i × 10000 / max w) and the total T; loading
 * gives n_i × T / N (N = Σ n_i ≥ 10000). With B buckets in the stored range each rounded by ≤ ½,
 * a cumulative fraction moves by at most (B/2)/N + F·(B/2)/N ≤ B/N. So every percentile — a bucket
 * edge — is unchanged when no cumulative fraction F(k) lies within B/N of p (0.5, 0.9, 0.95); then
 * the restored recommendation equals the original exactly (confidence uses the sample count, exact,
 * and first/last sample times, stored to the second — metrics timestamps are whole seconds).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VpaRecommender } from "../../src/autoscaling/vpa/recommender.js";
import type { VpaObject } from "../../src/autoscaling/vpa/api.js";
import { aggregatedDiscovery } from "../../src/server/discovery.js";
import { registerControllerViews } from "../../src/server/components.js";
import { defaultParts } from "../../src/server/parts.js";
import { runScenario } from "./helpers.js";

const hamster = readFileSync(fileURLToPath(new URL("../../examples/vpa-hamster.yaml", import.meta.url)), "utf8");

describe("checkpoint round trip after 2 h", () => {
  const run = runScenario({ text: hamster.replace("duration: 30m", "duration: 2h") });
  const { store } = run.sim;
  const vpa = store.get<VpaObject>("VerticalPodAutoscaler", "default", "hamster-vpa")!;
  const a = run.sim.controllers.find((c): c is VpaRecommender => c instanceof VpaRecommender)!;
  const cp = store.get("VerticalPodAutoscalerCheckpoint", "default", "hamster-vpa-hamster")!;

  it("writes one checkpoint per VPA × container, without the current window's memory peaks", () => {
    expect(store.list("VerticalPodAutoscalerCheckpoint").map((c) => c.metadata.name)).toEqual(["hamster-vpa-hamster"]);
    expect(cp.spec).toEqual({ containerName: "hamster", vpaObjectName: "hamster-vpa" });
    expect(cp.status.version).toBe("v3");
    expect(cp.status.lastSampleStart).toBe(run.sim.clock.iso(a.aggregate(vpa, "hamster")!.lastSampleStart));
    expect(cp.status.totalSamplesCount).toBe(a.aggregate(vpa, "hamster")!.totalSamplesCount);
    // Four peaks of a few MB (memory bucket 0), one per pod ever seen, each weighing 2^(Δ/24 h) with
    // Δ its pod's first-sample minute (≈ 1.000x): the two live pods' peaks are in unfinished windows
    // and left out; the two evicted pods' stay (a restarted recommender never sees those pods again).
    const memory = a.aggregate(vpa, "hamster")!.memory.histogram.total;
    expect(memory).toBeCloseTo(4, 2);
    expect(cp.status.memoryHistogram.bucketWeights).toEqual({ "0": 10000 });
    expect(cp.status.memoryHistogram.totalWeight).toBeCloseTo(memory / 2, 2);
    expect(cp.status.memoryHistogram.totalWeight).toBeLessThan(memory / 2); // the evicted pods started first
    expect(Math.max(...Object.values(cp.status.cpuHistogram.bucketWeights as Record<string, number>))).toBe(10000);
  });

  it("a fresh recommender loaded from it recommends exactly what the first one wrote", () => {
    // The premise of exactness: no cumulative fraction within B/N of a percentile.
    const h = a.aggregate(vpa, "hamster")!.cpu.histogram;
    const stored = Object.values(cp.status.cpuHistogram.bucketWeights as Record<string, number>);
    const n = stored.reduce((x, y) => x + y, 0);
    const buckets = h.maxBucket - h.minBucket + 1;
    let cum = 0;
    for (let k = h.minBucket; k <= h.maxBucket; k++) {
      cum += h.weights[k]!;
      for (const p of [0.5, 0.9, 0.95]) expect(Math.abs(cum / h.total - p)).toBeGreaterThan(buckets / n);
    }
    const b = new VpaRecommender();
    b.start(run.sim.context);
    b.stop();
    expect(b.recommendationFor(vpa)).toEqual(vpa.status!.recommendation!.containerRecommendations);
    const restored = b.aggregate(vpa, "hamster")!;
    expect(restored.totalSamplesCount).toBe(a.aggregate(vpa, "hamster")!.totalSamplesCount);
    expect(restored.cpu.histogram.total).toBe(h.total);
  });
});

describe("checkpoint garbage collection", () => {
  const text = hamster.replace("duration: 30m", "duration: 40m\n  timeline:\n    - at: 30m\n      run: kubectl delete verticalpodautoscaler hamster-vpa");
  it("deletes the orphaned checkpoint at the next GC (every 10 min from start: 11, 22, 33 min)", () => {
    const early = runScenario({ text }, 32 * 60_000 + 1);
    expect(early.sim.store.get("VerticalPodAutoscalerCheckpoint", "default", "hamster-vpa-hamster")).toBeDefined();
    const late = runScenario({ text }, 33 * 60_000 + 1);
    expect(late.sim.store.get("VerticalPodAutoscalerCheckpoint", "default", "hamster-vpa-hamster")).toBeUndefined();
  });
});

describe("the checkpoint CRD through discovery", () => {
  it("is served as verticalpodautoscalercheckpoints.autoscaling.k8s.io (short name vpacheckpoint, no subresources)", () => {
    const groups = (aggregatedDiscovery("apis") as { items: Array<{ metadata: { name: string }; versions: Array<{ version: string; resources: Array<Record<string, unknown>> }> }> }).items;
    const v1 = groups.find((g) => g.metadata.name === "autoscaling.k8s.io")!.versions.find((v) => v.version === "v1")!;
    const r = v1.resources.find((x) => x.resource === "verticalpodautoscalercheckpoints")!;
    expect(r).toMatchObject({ scope: "Namespaced", singularResource: "verticalpodautoscalercheckpoint", shortNames: ["vpacheckpoint"], responseKind: { kind: "VerticalPodAutoscalerCheckpoint" } });
    expect(r.subresources ?? []).toEqual([]);
  });
  it("is listed by kubectl with the CRD default columns NAME, AGE", () => {
    const run = runScenario({ text: hamster.replace("duration: 30m", "duration: 2m") });
    registerControllerViews(run.sim);
    const table = defaultParts().tableFor("VerticalPodAutoscalerCheckpoint", run.sim.store.list("VerticalPodAutoscalerCheckpoint"), { nowMs: run.sim.clock.epochMs + 120_000 }) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Age"]);
    expect(table.rows.map((r) => r.cells[0])).toEqual(["hamster-vpa-hamster"]);
  });
});

