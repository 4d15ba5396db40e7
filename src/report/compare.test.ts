import { describe, expect, it } from "vitest";
import { buildComparison, formatComparison, type ComparisonColumn } from "./compare.js";
import type { OutputRecord } from "./recorder.js";

const summary = (o: Record<string, unknown>): OutputRecord => ({ t: 1800, type: "summary", ...o });

const a = summary({
  costUSD: 0.2,
  nodeHours: 2,
  costByCapacityType: { "on-demand": { nodeHours: 2, costUSD: 0.2 } },
  peakNodes: 3,
  avgNodes: 2.5,
  workloads: { "Deployment/default/web": { replicaSeconds: 600, peakReplicas: 4 }, "DaemonSet/kube-system/aws-node": { replicaSeconds: 9, peakReplicas: 3 } },
  pendingPodSeconds: 10,
  peakPendingPods: 2,
  maxPendingSeconds: 4,
  load: [{ name: "shop", requests: 100, failed: 0, latencyP50Ms: 100, latencyP95Ms: 200, latencyP99Ms: 300 }],
  scaleActions: { hpa: { rescale: 3 } },
  podsDisrupted: 0,
  podsDisruptedByReason: {},
  slo: [{ id: "pendingPods/max", objective: "pods pending ≤ 1m", kind: "pendingPods", limit: 60000, measured: 4000, met: true }],
});
const b = summary({
  costUSD: 0.15,
  nodeHours: 1.5,
  costByCapacityType: { spot: { nodeHours: 1.5, costUSD: 0.15 } },
  peakNodes: 2,
  avgNodes: 1.5,
  workloads: { "Deployment/default/api": { replicaSeconds: 300, peakReplicas: 2 } },
  pendingPodSeconds: 80,
  peakPendingPods: 5,
  maxPendingSeconds: 75,
  load: [{ name: "shop", requests: 0, failed: 4, latencyP50Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0 }],
  scaleActions: { karpenter: { launch: 2 } },
  podsDisrupted: 3,
  podsDisruptedByReason: { Evicted: 3 },
  slo: [{ id: "pendingPods/max", objective: "pods pending ≤ 1m", kind: "pendingPods", limit: 60000, measured: 75000, met: false }],
});
const cols: ComparisonColumn[] = [
  { name: "ca", file: "a.yaml", seed: 1, summary: a },
  { name: "karpenter", file: "b.yaml", seed: 1, summary: b },
];

describe("buildComparison", () => {
  const c = buildComparison(cols);
  const row = (key: string) => c.rows.find((r) => r.key === key)!;

  it("puts each summary figure on a row, columns in order, differences against the first", () => {
    expect(c.baseline).toBe("ca");
    expect(row("cost.usd")).toMatchObject({ values: [0.2, 0.15], deltas: [0, -0.05], deltaPercents: [0, -25], best: ["karpenter"], lowerIsBetter: true });
    expect(row("pending.maxSeconds")).toMatchObject({ values: [4, 75], deltas: [0, 71], deltaPercents: [0, 1775], best: ["ca"] });
    expect(row("nodes.peak")).toMatchObject({ values: [3, 2], best: [] }); // not plainly better or worse
  });

  it("has rows for anything present in any column: missing figures are '-', missing counts 0", () => {
    expect(row("cost.usd.on-demand").values).toEqual([0.2, 0]);
    expect(row("cost.usd.spot").values).toEqual([0, 0.15]);
    expect(row("workload.Deployment/default/web.replicaSeconds").values).toEqual([600, null]);
    expect(row("workload.Deployment/default/api.replicaSeconds")).toMatchObject({ values: [null, 300], deltas: [null, null] });
    expect(c.rows.some((r) => r.key.includes("kube-system"))).toBe(false);
    expect(row("scaleActions.hpa.rescale").values).toEqual([3, 0]);
    expect(row("scaleActions.karpenter.launch").values).toEqual([0, 2]);
    expect(row("podsDisrupted.Evicted").values).toEqual([0, 3]);
  });

  it("has no latency where nothing was answered", () => {
    expect(row("load.shop.p95").values).toEqual([200, null]);
    expect(row("load.shop.failed")).toMatchObject({ values: [0, 4], best: ["ca"] });
  });

  it("reports SLOs with the measured figure and met per column", () => {
    expect(row("slo.pendingPods/max")).toMatchObject({ label: "SLO pods pending ≤ 1m", values: [4000, 75000], met: [true, false], best: ["ca"] });
  });

  it("prints one table with the best marked and the change against the baseline", () => {
    const text = formatComparison(c, { seed: 7, simulatedSeconds: 1800 });
    const lines = text.split("\n");
    expect(lines[0]).toBe("== Compare: ca vs karpenter (seed 7, 00:30:00 simulated) ==");
    expect(lines.find((l) => l.startsWith("cost $"))).toMatch(/^cost \$\s+\$0\.2000\s+\$0\.1500 \(-25%\) \*$/);
    expect(lines.find((l) => l.startsWith("SLO pods pending"))).toMatch(/met 4s \*\s+MISSED 75s \(\+1775%\)$/);
    expect(lines.find((l) => l.startsWith("Deployment/default/api replica-seconds"))).toMatch(/\s-\s+300$/);
  });
});
