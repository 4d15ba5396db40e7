/** Stepping a Karpenter scenario and reading its zap log lines. */
import type { LogRecord } from "../../src/api/logs.js";
import type { KubeObject } from "../../src/api/meta.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";
import type { OutputRecord } from "../../src/report/recorder.js";

export interface KarpenterRun {
  sim: Simulation;
  records: OutputRecord[];
  /** Karpenter's log lines so far. */
  logs(): LogRecord[];
  /** Karpenter-launched nodes now. */
  karpenterNodes(): KubeObject[];
  /** Running pods of the `inflate` Deployment now. */
  inflateRunning(): number;
}

export function startScenario(file: string): KarpenterRun {
  const sim = new Simulation(loadScenarioFile(file));
  sim.recorder.podRecords = false;
  const records: OutputRecord[] = [];
  sim.recorder.on((r) => records.push(r));
  const logs: LogRecord[] = [];
  sim.logs.on((r) => {
    if (r.component === "karpenter") logs.push(r);
  });
  sim.start();
  return {
    sim,
    records,
    logs: () => logs,
    karpenterNodes: () => sim.store.list("Node").filter((n) => n.metadata.labels?.["karpenter.sh/nodepool"] !== undefined),
    inflateRunning: () =>
      sim.store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "inflate" && p.status?.phase === "Running" && !p.metadata.deletionTimestamp).length,
  };
}

export const min = (m: number) => m * 60_000;

/** `disrupting nodeclaim(s) via <decision>, …` lines (Karpenter v1.0–v1.2 wording). */
export function disruptionLines(logs: readonly LogRecord[]): LogRecord[] {
  return logs.filter((l) => l.message.startsWith("disrupting nodeclaim(s) via "));
}
