/** Running a scenario in a test and collecting its output records. */
import { loadScenarioFile, loadScenarioText } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";
import type { OutputRecord } from "../../src/report/recorder.js";

export interface RunResult {
  sim: Simulation;
  records: OutputRecord[];
  events: OutputRecord[];
  hpa: OutputRecord[];
  summary: OutputRecord;
}

export function runScenario(source: { file: string } | { text: string; name?: string }, untilMs?: number, seed?: number): RunResult {
  const scenario = "file" in source ? loadScenarioFile(source.file) : loadScenarioText(source.text, source.name ?? "inline.yaml");
  const sim = new Simulation(scenario, { seed });
  const records: OutputRecord[] = [];
  sim.recorder.on((r) => records.push(r));
  sim.runUntil(untilMs ?? scenario.spec.durationMs);
  const summary = sim.summary();
  return {
    sim,
    records,
    events: records.filter((r) => r.type === "event"),
    hpa: records.filter((r) => r.type === "hpa"),
    summary,
  };
}

/** Rescale events of one HPA as [t seconds, new size]. */
export function rescales(events: OutputRecord[], hpaName: string): Array<[number, number, string]> {
  return events
    .filter((e) => e.reason === "SuccessfulRescale" && String(e.object).endsWith(`/${hpaName}`))
    .map((e) => [e.t, Number(/New size: (\d+)/.exec(String(e.message))![1]), String(e.message)]);
}
