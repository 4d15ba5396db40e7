/**
 * `scalelab compare A.yaml B.yaml … | FILE --variant 'NAME: [Kind/name] path=value[; …]' …`: runs
 * each scenario in turn in this process (same seed, same end time) and prints one table of their
 * summaries, or one JSON object with the summaries and the differences.
 */
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "../core/duration.js";
import { buildComparison, formatComparison, type ComparisonColumn } from "../report/compare.js";
import type { OutputRecord } from "../report/recorder.js";
import { loadScenarioFile, loadScenarioText, readInput, ScenarioError } from "../scenario/loader.js";
import { applyVariant, parseVariant, VariantError, type Variant } from "../scenario/overrides.js";
import type { Scenario } from "../scenario/types.js";
import { Simulation, SimulationInputError } from "../sim/simulation.js";
import { describeInputError } from "./run.js";

export const COMPARE_USAGE = `Usage:
  scalelab compare A.yaml B.yaml [C.yaml…] [--seed N] [--until DURATION] [--output text|json]
  scalelab compare FILE --variant 'NAME: [Kind/name] path=value[; …]' [--variant …] [--seed N] [--until DURATION] [--output text|json]

Runs each scenario (and each variant of FILE) with the same seed to the same simulated time and prints
one table: a column per scenario, a row per summary figure, the best of each row marked with *.

Options:
  -o, --output   text (default) or json (one object: the columns with their summaries, and the rows
                 with each value's difference from the first column)
      --seed     RNG seed for every run (default: the first scenario's spec.seed; a variant that sets
                 spec.seed runs with its own)
      --until    stop every run at this simulated time (default: the longest spec.duration)
      --variant  NAME: OVERRIDE[; OVERRIDE…], OVERRIDE = [Kind/name | Kind/namespace/name] path=value
                 (no Kind/name: the Scenario document). Columns: FILE, then each variant.
                 e.g. --variant 'hpa70: HorizontalPodAutoscaler/php-apache spec.metrics[0].resource.target.averageUtilization=70'
`;

export interface CompareOptions {
  output: string;
  seed?: string;
  until?: string;
  variants: string[];
}

/** Where the command's output goes (tests capture it). */
export interface CompareIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const processIo: CompareIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export function compareArgs(rest: string[]): { files: string[]; opts: CompareOptions } | { help: true } | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o", default: "text" },
        seed: { type: "string" },
        until: { type: "string" },
        variant: { type: "string", multiple: true, default: [] },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (parsed.values.help) return { help: true };
  return {
    files: parsed.positionals,
    opts: { output: parsed.values.output as string, seed: parsed.values.seed, until: parsed.values.until, variants: (parsed.values.variant ?? []) as string[] },
  };
}

export async function compareMain(rest: string[], io: CompareIo = processIo): Promise<number> {
  const a = compareArgs(rest);
  if ("help" in a) {
    io.out(COMPARE_USAGE);
    return 0;
  }
  if ("error" in a) {
    io.err(`error: ${a.error}\n${COMPARE_USAGE}`);
    return 2;
  }
  return compareCommand(a.files, a.opts, io);
}

interface Planned {
  name: string;
  file: string;
  variant?: Variant;
  scenario: Scenario;
}

export async function compareCommand(files: string[], opts: CompareOptions, io: CompareIo = processIo): Promise<number> {
  if (opts.output !== "text" && opts.output !== "json") {
    io.err(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,text\n`);
    return 2;
  }
  if (files.length === 0) {
    io.err(`error: compare needs at least one scenario file\n${COMPARE_USAGE}`);
    return 2;
  }
  if (opts.variants.length > 0 && files.length !== 1) {
    io.err(`error: --variant needs exactly one scenario file (got ${files.length}); its variants are compared with it\n`);
    return 2;
  }
  if (opts.variants.length === 0 && files.length < 2) {
    io.err(`error: compare needs two or more scenario files, or one file and --variant\n${COMPARE_USAGE}`);
    return 2;
  }
  let seedOverride: number | undefined;
  if (opts.seed !== undefined) {
    seedOverride = Number(opts.seed);
    if (!Number.isInteger(seedOverride)) {
      io.err(`error: invalid argument "${opts.seed}" for "--seed" flag: must be an integer\n`);
      return 2;
    }
  }
  let untilOverride: number | undefined;
  if (opts.until !== undefined) {
    try {
      untilOverride = parseDuration(opts.until);
    } catch (e) {
      io.err(`error: invalid argument "${opts.until}" for "--until" flag: ${(e as Error).message}\n`);
      return 2;
    }
  }

  let planned: Planned[];
  try {
    planned = plan(files, opts.variants);
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof VariantError) {
      io.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const seed = seedOverride ?? planned[0]!.scenario.spec.seed;
  const until = untilOverride ?? Math.max(...planned.map((p) => p.scenario.spec.durationMs));
  // A variant that sets spec.seed asks for that seed (a seed sweep); --seed still wins.
  const seedOf = (p: Planned) => seedOverride ?? (p.variant?.overrides.some((o) => !o.target && o.path.length === 2 && "key" in o.path[1]! && o.path[1].key === "seed") ? p.scenario.spec.seed : seed);

  const columns: ComparisonColumn[] = [];
  const progress = io === processIo && process.stderr.isTTY;
  for (const [i, p] of planned.entries()) {
    if (progress) process.stderr.write(`\rrunning ${p.name} (${i + 1}/${planned.length})…\x1b[K`);
    const summary = runOne(p, seedOf(p), until, io);
    if (typeof summary === "string") {
      io.err(`error: ${summary}\n`);
      return 1;
    }
    const col: ComparisonColumn = { name: p.name, file: p.file, seed: seedOf(p), summary };
    if (p.variant) col.variant = p.variant.overrides.map((o) => o.text);
    columns.push(col);
  }
  if (progress) process.stderr.write("\r\x1b[K");
  const comparison = buildComparison(columns);
  if (opts.output === "json") io.out(JSON.stringify({ ...comparison, seed, simulatedSeconds: until / 1000 }) + "\n");
  else io.out(formatComparison(comparison, { seed, simulatedSeconds: until / 1000 }));
  return 0;
}

/** Load every column's scenario first, so a typo in the last variant fails before any run. */
function plan(files: string[], variantSpecs: string[]): Planned[] {
  const out: Planned[] = [];
  if (variantSpecs.length > 0) {
    const file = files[0]!;
    const text = readInput(file);
    out.push({ name: "", file, scenario: loadScenarioFile(file) });
    const variants = mergeVariants(variantSpecs.map(parseVariant));
    for (const v of variants) {
      const edited = applyVariant(text, file, v);
      // A name of its own, so the loader's positions (kept per file name) do not replace the original's.
      // The loader decodes the edited objects strictly, as kube-apiserver would (a value of the wrong
      // type, a field the kind does not define), so a mistyped override cannot run as another what-if.
      const scenario = loadScenarioText(edited, `${file} (variant ${v.name})`, { baseDir: dirname(file) });
      out.push({ name: v.name, file, variant: v, scenario });
    }
  } else {
    for (const file of files) out.push({ name: "", file, scenario: loadScenarioFile(file) });
  }
  nameColumns(out);
  return out;
}

/** `--variant 'x: a=1' --variant 'x: b=2'` is one variant with both overrides. */
function mergeVariants(vs: Variant[]): Variant[] {
  const byName = new Map<string, Variant>();
  for (const v of vs) {
    const prev = byName.get(v.name);
    if (prev) prev.overrides.push(...v.overrides);
    else byName.set(v.name, { name: v.name, overrides: [...v.overrides] });
  }
  return [...byName.values()];
}

/** metadata.name, or the file path when two files share one; variants keep their own names. */
function nameColumns(cols: Planned[]): void {
  const base = cols.filter((c) => !c.variant);
  const count = new Map<string, number>();
  for (const c of base) count.set(c.scenario.spec.name, (count.get(c.scenario.spec.name) ?? 0) + 1);
  for (const c of base) c.name = count.get(c.scenario.spec.name)! > 1 ? c.file : c.scenario.spec.name || basename(c.file);
  const taken = new Set<string>();
  for (const c of cols) {
    let n = c.name;
    for (let i = 2; taken.has(n); i++) n = `${c.name}#${i}`;
    c.name = n;
    taken.add(n);
  }
}

/** One run to `until`, stepped as `scalelab run` steps it; its summary, or the reason it could not start. */
function runOne(p: Planned, seed: number, until: number, io: CompareIo): OutputRecord | string {
  const sim = new Simulation(p.scenario, { seed });
  sim.recorder.podRecords = false;
  try {
    sim.start();
  } catch (e) {
    if (e instanceof SimulationInputError) return `${p.variant ? `variant "${p.name}": ` : ""}${describeInputError(e)}`;
    throw e;
  }
  const step = Math.max(1000, Math.floor(until / 200));
  for (let t = 0; t < until; ) {
    t = Math.min(until, t + step);
    sim.runUntil(t);
  }
  // A refused timeline step does not stop a run (as with `scalelab run`); say so, once per column.
  for (const err of sim.inputErrors) io.err(`warning: ${p.name}: ${describeInputError(err)}\n`);
  return sim.summary({ seed, scenario: p.scenario.spec.name });
}
