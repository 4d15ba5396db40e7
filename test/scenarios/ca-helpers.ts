/** Running Cluster Autoscaler scenarios and reading what CA did. */
import type { KubeEvent } from "../../src/api/events.js";
import type { KubeObject } from "../../src/api/meta.js";
import { loadScenarioFile, loadScenarioText } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";

export const min = (m: number) => m * 60_000;

export interface CaRun {
  sim: Simulation;
  /** [virtual ms, node count, ready count, pending pods] sampled every 10 s. */
  samples: Array<[number, number, number, number]>;
  logs: Array<{ t: number; message: string }>;
  caEvents(reason?: string): KubeEvent[];
  status(): string;
}

function ready(n: KubeObject): boolean {
  return (n.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True");
}

export function runCa(src: { file: string } | { text: string }, untilMs?: number): CaRun {
  const scenario = "file" in src ? loadScenarioFile(src.file) : loadScenarioText(src.text, "inline.yaml");
  const sim = new Simulation(scenario);
  const logs: CaRun["logs"] = [];
  sim.logs.on((r) => {
    if (r.component === "cluster-autoscaler") logs.push({ t: r.t, message: r.message });
  });
  const samples: CaRun["samples"] = [];
  const end = untilMs ?? scenario.spec.durationMs;
  for (let t = 0; t <= end; t += 10_000) {
    sim.runUntil(t);
    const nodes = sim.store.list("Node");
    const pending = sim.store.list("Pod").filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp).length;
    samples.push([t, nodes.length, nodes.filter(ready).length, pending]);
  }
  return {
    sim,
    samples,
    logs,
    caEvents: (reason) =>
      (sim.store.list("Event") as KubeEvent[])
        .filter((e) => e.source.component === "cluster-autoscaler" && (reason === undefined || e.reason === reason))
        .sort((a, b) => (a.firstTimestamp < b.firstTimestamp ? -1 : a.firstTimestamp > b.firstTimestamp ? 1 : 0)),
    status: () => String((sim.store.get("ConfigMap", "kube-system", "cluster-autoscaler-status") as { data?: { status?: string } } | undefined)?.data?.status ?? ""),
  };
}

/** Node count at virtual time t (from the 10 s samples). */
export function nodesAt(run: CaRun, t: number): number {
  return run.samples.find((s) => s[0] === t)![1];
}

/** First sample time at which the node count equals n. */
export function firstTimeWithNodes(run: CaRun, n: number, after = 0): number | undefined {
  return run.samples.find((s) => s[0] >= after && s[1] === n)?.[0];
}
