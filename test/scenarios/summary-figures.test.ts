/**
 * The summary figures `scalelab compare` puts side by side — peak nodes, scale actions per controller,
 * disrupted pods — checked against what an independent observer of the same run sees (a store
 * watch, the output records), on the Karpenter and Cluster Autoscaler labs.
 */
import { describe, expect, it } from "vitest";
import type { OutputRecord } from "../../src/report/recorder.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";

function observe(file: string) {
  const scenario = loadScenarioFile(file);
  const sim = new Simulation(scenario);
  const records: OutputRecord[] = [];
  sim.recorder.on((r) => records.push(r));
  const karpenterNodes = new Set<string>();
  sim.store.watch("Node", (ev) => {
    if (ev.type === "ADDED" && ev.object.metadata.labels?.["karpenter.sh/nodepool"]) karpenterNodes.add(ev.object.metadata.name!);
  });
  sim.runUntil(scenario.spec.durationMs);
  let live = 0;
  let peak = 0;
  for (const r of records.filter((x) => x.type === "node")) {
    if (r.change === "added") peak = Math.max(peak, ++live);
    else if (r.change === "deleted") live--;
  }
  const events = records.filter((r) => r.type === "event");
  return { summary: sim.summary(), events, karpenterNodes, peak, records };
}

describe("summary figures against an independent observer", () => {
  it("Karpenter consolidation: launches, disruptions, evicted pods, peak nodes", () => {
    const o = observe("examples/karpenter-consolidation.yaml");
    const s = o.summary;
    const disruptions = o.events.filter((e) => e.reason === "DisruptionTerminating" && String(e.object).startsWith("NodeClaim/")).length;
    const evicted = o.events.filter((e) => e.reason === "Evicted" && String(e.object).startsWith("Pod/default/")).length;
    expect(disruptions).toBeGreaterThan(0);
    expect(s.scaleActions).toEqual({ karpenter: { disrupt: disruptions, launch: o.karpenterNodes.size } });
    expect(s.podsDisruptedByReason).toEqual({ Evicted: evicted });
    expect(s.podsDisrupted).toBe(evicted);
    expect(s.peakNodes).toBe(o.peak);
    // node-hours over the run's hours is the time-average of the node count.
    expect(s.avgNodes).toBeCloseTo((s.nodeHours as number) / 0.5, 2);
  });

  it("Cluster Autoscaler scale-out and scale-down: one scale-up per group resize, one scale-down per node removed", () => {
    const o = observe("examples/ca-nginx-scaleout.yaml");
    const s = o.summary as Record<string, any>;
    const scaledUp = o.events.filter((e) => e.reason === "ScaledUpGroup").length;
    const removed = o.records.filter((r) => r.type === "node" && r.change === "deleted").length;
    expect(scaledUp).toBeGreaterThan(0);
    expect(removed).toBeGreaterThan(0);
    expect(s.scaleActions["cluster-autoscaler"]).toEqual({ scaleUp: scaledUp, scaleDown: removed });
    expect(s.peakNodes).toBe(o.peak);
  });

  it("VPA hamster: the updater's evictions are the disrupted pods", () => {
    const o = observe("examples/vpa-hamster.yaml");
    const byVpa = o.events.filter((e) => e.reason === "EvictedByVPA").length;
    expect(byVpa).toBeGreaterThan(0);
    expect(o.summary.scaleActions).toEqual({ vpa: { evict: byVpa } });
    expect(o.summary.podsDisruptedByReason).toEqual({ EvictedByVPA: byVpa });
  });
});
