/** `scalelab run FILE`: load, simulate, print the lab view or JSON lines, then the summary. */
import { isApiError } from "../api/errors.js";
import { parseDuration } from "../core/duration.js";
import { describeSource, loadScenarioFile, ScenarioError } from "../scenario/loader.js";
import { Simulation, SimulationInputError } from "../sim/simulation.js";
import type { OutputRecord } from "../report/recorder.js";
import { TextPrinter } from "./text.js";
import { simulationNodeView } from "./nodes.js";

export interface RunOptions {
  output: string;
  seed?: string;
  until?: string;
  speed: string;
  logs: boolean;
  quietPods: boolean;
  allNamespaces?: boolean;
  /** Print the eks-node-viewer view at the end. */
  nodes?: boolean;
}

export async function runCommand(file: string, opts: RunOptions): Promise<number> {
  if (opts.output !== "text" && opts.output !== "json") {
    process.stderr.write(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,text\n`);
    return 2;
  }
  let scenario;
  try {
    scenario = loadScenarioFile(file);
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  let seed: number | undefined;
  if (opts.seed !== undefined) {
    seed = Number(opts.seed);
    if (!Number.isInteger(seed)) {
      process.stderr.write(`error: invalid argument "${opts.seed}" for "--seed" flag: must be an integer\n`);
      return 2;
    }
  }
  let until = scenario.spec.durationMs;
  if (opts.until !== undefined) {
    try {
      until = parseDuration(opts.until);
    } catch (e) {
      process.stderr.write(`error: invalid argument "${opts.until}" for "--until" flag: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const speed = Number(opts.speed);
  if (!Number.isFinite(speed) || speed < 0) {
    process.stderr.write(`error: invalid argument "${opts.speed}" for "--speed" flag: must be a number >= 0\n`);
    return 2;
  }

  const sim = new Simulation(scenario, { seed });
  sim.recorder.podRecords = !opts.quietPods;
  sim.recorder.logRecords = opts.logs;
  const out = process.stdout;
  let write: (r: OutputRecord) => void;
  let printer: TextPrinter | undefined;
  if (opts.output === "json") {
    write = (r) => out.write(JSON.stringify(r) + "\n");
  } else {
    printer = new TextPrinter(sim, (s) => out.write(s), opts.allNamespaces === true);
    write = (r) => printer!.record(r);
  }
  sim.recorder.on(write);

  // On a terminal the text view is the progress; otherwise (json, or stdout redirected) draw a bar on stderr.
  const progress = process.stderr.isTTY && (opts.output === "json" || !process.stdout.isTTY) ? new Progress(until) : undefined;
  const wallStart = process.hrtime.bigint();
  try {
    sim.start();
  } catch (e) {
    if (e instanceof SimulationInputError) {
      process.stderr.write(`error: ${describeInputError(e)}\n`);
      return 1;
    }
    throw e;
  }
  if (speed === 0) {
    const step = Math.max(1000, Math.floor(until / 200));
    for (let t = 0; t < until; ) {
      t = Math.min(until, t + step);
      sim.runUntil(t);
      progress?.update(t);
    }
  } else {
    const tickWallMs = 100;
    for (let t = 0; t < until; ) {
      const t0 = Date.now();
      t = Math.min(until, t + tickWallMs * speed);
      sim.runUntil(t);
      progress?.update(t);
      const spent = Date.now() - t0;
      if (spent < tickWallMs) await new Promise((r) => setTimeout(r, tickWallMs - spent));
    }
  }
  progress?.done();
  const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
  const summary = sim.summary({ seed: sim.seed, scenario: scenario.spec.name, wallSeconds: Math.round(wallMs) / 1000 });
  if (opts.output === "json") {
    // Wall time varies between runs; keep JSON output byte-identical for the same scenario and seed.
    delete (summary as Record<string, unknown>).wallSeconds;
  }
  write(summary);
  if (opts.nodes) {
    const view = simulationNodeView(sim, { resources: ["cpu", "memory"] });
    if (opts.output === "json") write({ t: sim.clock.now() / 1000, type: "nodes", view: view.trimEnd().split("\n") });
    else out.write("\n" + view);
  }
  return 0;
}

/** `file: document N, line L: <kube-apiserver message>`, the line being that of the first bad field. */
export function describeInputError(e: SimulationInputError): string {
  const field = isApiError(e.cause) ? e.cause.status.details?.causes?.[0]?.field : undefined;
  const where = describeSource(e.source, field ?? "");
  return `${where}: ${isApiError(e.cause) ? e.cause.message : ((e.cause as Error)?.message ?? String(e.cause))}`;
}

class Progress {
  private last = -1;
  constructor(private readonly total: number) {}
  update(t: number): void {
    const pct = Math.floor((t / this.total) * 100);
    if (pct === this.last) return;
    this.last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${pct}% simulated ${Math.round(t / 1000)}s`);
  }
  done(): void {
    process.stderr.write("\n");
  }
}
