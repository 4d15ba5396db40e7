/**
 * Side-by-side what-if comparison of run summaries: one row per figure (cost, nodes, replica-seconds
 * per workload, pending time, latency per load generator, SLOs, scale actions per controller,
 * disrupted pods), one column per scenario, the best value of each row marked where lower is plainly
 * better, and every value's difference from the first column (the baseline).
 *
 * Pure: it reads summaries as `Simulation.summary()` produced them and never re-derives a figure, so
 * a column always equals the `scalelab run` summary of the same scenario and seed.
 */
import type { OutputRecord } from "./recorder.js";
import { fmtPct, type SloResult } from "./slo.js";

export type RowUnit = "usd" | "hours" | "nodes" | "replica-seconds" | "replicas" | "seconds" | "pods" | "ms" | "requests" | "count" | "fraction";

export interface ComparisonColumn {
  /** Column header: the variant's name, else metadata.name (the file path when names repeat). */
  name: string;
  file: string;
  /** The overrides (as typed) when this column is a variant of `file`. */
  variant?: string[];
  seed: number;
  summary: OutputRecord;
}

export interface ComparisonRow {
  key: string;
  label: string;
  unit: RowUnit;
  /** Lower is plainly better (cost, waiting, latency, failures, disruptions): the row's best is marked. */
  lowerIsBetter: boolean;
  /** Per column; null where the figure does not exist in that scenario (a workload it lacks). */
  values: Array<number | null>;
  /** Column names holding the best value (empty when not marked or all equal). */
  best: string[];
  /** value − baseline value, per column (null where either is missing). */
  deltas: Array<number | null>;
  /** 100 × delta / baseline (null where the baseline is 0 or missing). */
  deltaPercents: Array<number | null>;
  /** SLO rows: met per column (null where the objective does not exist there). */
  met?: Array<boolean | null>;
}

export interface Comparison {
  type: "comparison";
  baseline: string;
  columns: ComparisonColumn[];
  rows: ComparisonRow[];
}

interface CostBucket {
  nodeHours: number;
  costUSD: number;
}
interface WorkloadFigures {
  replicaSeconds: number;
  peakReplicas: number;
}
interface LoadFigures {
  name: string;
  requests: number;
  failed: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms?: number;
}

type Getter = (s: OutputRecord) => number | null | undefined;

interface RowDef {
  key: string;
  label: string;
  unit: RowUnit;
  lowerIsBetter: boolean;
  get: Getter;
  /** A missing figure reads as 0 (a count nobody incremented), not as "not there". */
  zeroIfMissing?: boolean;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const rec = <T>(v: unknown): Record<string, T> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, T>) : {});
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** Keys present in any summary, in first-seen order then sorted, so rows line up across columns. */
function unionKeys(summaries: readonly OutputRecord[], pick: (s: OutputRecord) => Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const s of summaries) for (const k of pick(s)) seen.add(k);
  return [...seen].sort();
}

function rowDefs(summaries: readonly OutputRecord[]): RowDef[] {
  const defs: RowDef[] = [];
  const add = (d: RowDef) => defs.push(d);

  add({ key: "cost.usd", label: "cost $", unit: "usd", lowerIsBetter: true, get: (s) => num(s.costUSD) });
  const cts = unionKeys(summaries, (s) => Object.keys(rec(s.costByCapacityType)));
  for (const ct of cts) add({ key: `cost.usd.${ct}`, label: `  ${ct} $`, unit: "usd", lowerIsBetter: true, zeroIfMissing: true, get: (s) => num(rec<CostBucket>(s.costByCapacityType)[ct]?.costUSD) });
  add({ key: "nodeHours", label: "node-hours", unit: "hours", lowerIsBetter: true, get: (s) => num(s.nodeHours) });
  for (const ct of cts) add({ key: `nodeHours.${ct}`, label: `  ${ct} node-hours`, unit: "hours", lowerIsBetter: true, zeroIfMissing: true, get: (s) => num(rec<CostBucket>(s.costByCapacityType)[ct]?.nodeHours) });
  add({ key: "nodes.peak", label: "nodes peak", unit: "nodes", lowerIsBetter: false, get: (s) => num(s.peakNodes) });
  add({ key: "nodes.avg", label: "nodes avg", unit: "nodes", lowerIsBetter: false, get: (s) => num(s.avgNodes) });

  // kube-system's own pods are the cluster's, not the user's workloads (the run summary hides them too).
  const workloads = unionKeys(summaries, (s) => Object.keys(rec(s.workloads)).filter((w) => !w.includes("/kube-system/")));
  for (const w of workloads) {
    add({ key: `workload.${w}.replicaSeconds`, label: `${w} replica-seconds`, unit: "replica-seconds", lowerIsBetter: false, get: (s) => num(rec<WorkloadFigures>(s.workloads)[w]?.replicaSeconds) });
    add({ key: `workload.${w}.peakReplicas`, label: `${w} peak replicas`, unit: "replicas", lowerIsBetter: false, get: (s) => num(rec<WorkloadFigures>(s.workloads)[w]?.peakReplicas) });
  }

  add({ key: "pending.podSeconds", label: "pending-pod seconds", unit: "seconds", lowerIsBetter: true, get: (s) => num(s.pendingPodSeconds) });
  add({ key: "pending.peakPods", label: "peak pending pods", unit: "pods", lowerIsBetter: true, get: (s) => num(s.peakPendingPods) });
  add({ key: "pending.maxSeconds", label: "max pending time of a pod", unit: "seconds", lowerIsBetter: true, get: (s) => num(s.maxPendingSeconds) });

  const loads = unionKeys(summaries, (s) => list<LoadFigures>(s.load).map((l) => l.name));
  const loadOf = (s: OutputRecord, name: string) => list<LoadFigures>(s.load).find((l) => l.name === name);
  for (const n of loads) {
    // A percentile of no answered request is not a figure.
    const pct = (f: keyof LoadFigures): Getter => (s) => {
      const l = loadOf(s, n);
      return l && l.requests > 0 ? num(l[f]) : null;
    };
    add({ key: `load.${n}.requests`, label: `load ${n} requests`, unit: "requests", lowerIsBetter: false, get: (s) => num(loadOf(s, n)?.requests) });
    add({ key: `load.${n}.failed`, label: `load ${n} failed`, unit: "requests", lowerIsBetter: true, get: (s) => num(loadOf(s, n)?.failed) });
    add({ key: `load.${n}.p50`, label: `load ${n} p50`, unit: "ms", lowerIsBetter: true, get: pct("latencyP50Ms") });
    add({ key: `load.${n}.p95`, label: `load ${n} p95`, unit: "ms", lowerIsBetter: true, get: pct("latencyP95Ms") });
    add({ key: `load.${n}.p99`, label: `load ${n} p99`, unit: "ms", lowerIsBetter: true, get: pct("latencyP99Ms") });
  }

  const actions = unionKeys(summaries, (s) => Object.entries(rec<Record<string, number>>(s.scaleActions)).flatMap(([c, m]) => Object.keys(m).map((a) => `${c}\u0000${a}`)));
  for (const ca of actions) {
    const [c, a] = ca.split("\u0000") as [string, string];
    add({ key: `scaleActions.${c}.${a}`, label: `${c} ${a}`, unit: "count", lowerIsBetter: false, zeroIfMissing: true, get: (s) => num(rec<Record<string, number>>(s.scaleActions)[c]?.[a]) });
  }

  add({ key: "podsDisrupted", label: "pods disrupted", unit: "pods", lowerIsBetter: true, zeroIfMissing: true, get: (s) => num(s.podsDisrupted) });
  for (const r of unionKeys(summaries, (s) => Object.keys(rec(s.podsDisruptedByReason)))) {
    add({ key: `podsDisrupted.${r}`, label: `  ${r}`, unit: "pods", lowerIsBetter: true, zeroIfMissing: true, get: (s) => num(rec<number>(s.podsDisruptedByReason)[r]) });
  }
  return defs;
}

function finishRow(columns: readonly ComparisonColumn[], key: string, label: string, unit: RowUnit, lowerIsBetter: boolean, values: Array<number | null>): ComparisonRow {
  const base = values[0] ?? null;
  const deltas = values.map((v) => (v === null || base === null ? null : round(v - base, 6)));
  const deltaPercents = values.map((v) => (v === null || base === null || base === 0 ? null : round((100 * (v - base)) / base, 2)));
  let best: string[] = [];
  const present = values.filter((v): v is number => v !== null);
  if (lowerIsBetter && columns.length > 1 && present.length > 1 && new Set(present).size > 1) {
    const min = Math.min(...present);
    best = columns.filter((_, i) => values[i] === min).map((c) => c.name);
  }
  return { key, label, unit, lowerIsBetter, values, best, deltas, deltaPercents };
}

export function buildComparison(columns: readonly ComparisonColumn[]): Comparison {
  if (columns.length === 0) throw new Error("nothing to compare");
  const summaries = columns.map((c) => c.summary);
  const rows: ComparisonRow[] = rowDefs(summaries).map((d) =>
    finishRow(
      columns,
      d.key,
      d.label,
      d.unit,
      d.lowerIsBetter,
      summaries.map((s) => {
        const v = d.get(s);
        return v === undefined || v === null ? (d.zeroIfMissing ? 0 : null) : v;
      }),
    ),
  );

  // SLO rows: one per objective declared in any column; the figure measured, and met or missed.
  const ids = new Map<string, SloResult>();
  for (const s of summaries) for (const r of list<SloResult>(s.slo)) if (!ids.has(r.id)) ids.set(r.id, r);
  for (const [id, first] of [...ids].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const results = summaries.map((s) => list<SloResult>(s.slo).find((r) => r.id === id) ?? null);
    const unit: RowUnit = first.kind === "requestsUnder" ? "fraction" : "ms";
    const row = finishRow(columns, `slo.${id}`, `SLO ${first.objective}`, unit, first.kind !== "requestsUnder", results.map((r) => r?.measured ?? null));
    if (first.kind === "requestsUnder") {
      // Higher is better here: mark the highest share instead.
      const present = row.values.filter((v): v is number => v !== null);
      row.best = columns.length > 1 && present.length > 1 && new Set(present).size > 1 ? columns.filter((_, i) => row.values[i] === Math.max(...present)).map((c) => c.name) : [];
    }
    row.met = results.map((r) => (r ? r.met : null));
    rows.push(row);
  }
  return { type: "comparison", baseline: columns[0]!.name, columns: [...columns], rows };
}

/** One cell: the value in the row's unit, its change against the baseline, `*` when best. */
export function formatCell(row: ComparisonRow, i: number, column: string): string {
  const v = row.values[i];
  if (v === null || v === undefined) return "-";
  let s = formatValue(row.unit, v);
  if (row.met) s = `${row.met[i] ? "met" : "MISSED"} ${s}`;
  const d = row.deltas[i];
  if (i > 0 && d !== null && d !== undefined) {
    const p = row.deltaPercents[i];
    if (d === 0) s += " (=)";
    else if (p !== null && p !== undefined) s += ` (${p > 0 ? "+" : ""}${p}%)`;
    else s += ` (${d > 0 ? "+" : ""}${formatValue(row.unit, d)})`;
  }
  if (row.best.includes(column)) s += " *";
  return s;
}

export function formatValue(unit: RowUnit, v: number): string {
  switch (unit) {
    case "usd":
      return `${v < 0 ? "-" : ""}$${Math.abs(v).toFixed(4)}`;
    case "ms":
      return Math.abs(v) < 1000 ? `${round(v, 1)}ms` : `${round(v / 1000, 3)}s`;
    case "seconds":
      return `${round(v, 1)}s`;
    case "fraction":
      return fmtPct(v);
    case "hours":
    case "nodes":
    case "replica-seconds":
      return String(round(v, 3));
    default:
      return String(round(v, 1));
  }
}

/** The comparison as a text table: a header per column, a line per row. */
export function formatComparison(c: Comparison, opts: { seed?: number; simulatedSeconds?: number } = {}): string {
  const names = c.columns.map((col) => col.name);
  const cells = c.rows.map((r) => names.map((n, i) => formatCell(r, i, n)));
  const labelW = Math.max(6, ...c.rows.map((r) => r.label.length)) + 2;
  const colW = names.map((n, i) => Math.max(n.length, ...cells.map((row) => row[i]!.length)) + 2);
  const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
  const lines: string[] = [];
  const oneSeed = c.columns.every((col) => col.seed === c.columns[0]!.seed);
  const how = [opts.seed !== undefined && oneSeed ? `seed ${opts.seed}` : "", opts.simulatedSeconds !== undefined ? `${clock(opts.simulatedSeconds)} simulated` : ""].filter(Boolean).join(", ");
  lines.push(`== Compare: ${names.join(" vs ")}${how ? ` (${how})` : ""} ==`);
  c.columns.forEach((col) => {
    const seed = oneSeed ? "" : ` (seed ${col.seed})`;
    lines.push(col.variant ? `${col.name}: ${col.file} with ${col.variant.join("; ")}${seed}` : `${col.name}: ${col.file}${seed}`);
  });
  lines.push(`${pad("", labelW)}${names.map((n, i) => pad(n, colW[i]!)).join("").trimEnd()}`);
  c.rows.forEach((r, ri) => {
    lines.push(`${pad(r.label, labelW)}${cells[ri]!.map((x, i) => pad(x, colW[i]!)).join("").trimEnd()}`);
  });
  lines.push(`* best of the row (lower is better; for "requests under" SLOs higher); (±N%) against ${c.baseline}`);
  return lines.join("\n") + "\n";
}

function clock(t: number): string {
  const s = Math.floor(t);
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
