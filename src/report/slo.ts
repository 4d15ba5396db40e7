/**
 * Service-level objectives (`spec.slo`) against a run's figures: each objective comes back met or
 * missed with the figure measured. Pure: the caller hands in the load generators' totals and a probe
 * for "requests answered within T".
 */
import { LATENCY_PERCENTILES, type LatencyPercentile, type LoadObjectives, type SloSpec } from "../scenario/slo.js";

/** What the evaluator needs of a load generator (a subset of the traffic controller's LoadStats). */
export interface LoadFigures {
  name: string;
  requests: number;
  failed: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms?: number;
}

export interface SloResult {
  /** Stable key: `load/<name>/latency/p95`, `load/<name>/requestsUnder/250ms`, `pendingPods/max`. */
  id: string;
  /** Readable objective: `load-generator p95 ≤ 300ms`. */
  objective: string;
  kind: "latency" | "requestsUnder" | "pendingPods";
  load?: string;
  /** The bound: ms for latency and pendingPods, the target fraction for requestsUnder. */
  limit: number;
  /** requestsUnder: the threshold (ms). */
  thresholdMs?: number;
  /** The figure measured (ms, or a fraction for requestsUnder); null when there was nothing to measure. */
  measured: number | null;
  met: boolean;
}

export interface SloInputs {
  load: readonly LoadFigures[];
  /** Max time any pod outside kube-system waited from creation until it ran (s). */
  maxPendingSeconds: number;
  /** Share of generator `name`'s requests (answered + failed) answered within `ms`; undefined if it sent none. */
  shareAnsweredWithin: (name: string, ms: number) => number | undefined;
}

const PERCENTILE_FIELD: Record<LatencyPercentile, keyof LoadFigures> = { p50: "latencyP50Ms", p95: "latencyP95Ms", p99: "latencyP99Ms" };

/**
 * The objectives that hold for each load generator: `spec.slo.latency`/`requestsUnder` for every
 * generator that ran, replaced field by field by `spec.slo.load.<name>`; generators named there but
 * never seen are kept (they miss, with no figure).
 */
export function objectivesByLoad(slo: SloSpec, seen: readonly string[]): Array<[string, LoadObjectives]> {
  const names = [...new Set([...seen, ...Object.keys(slo.load ?? {})])];
  const out: Array<[string, LoadObjectives]> = [];
  for (const name of names) {
    const own = slo.load?.[name];
    const o: LoadObjectives = {};
    const latency = own?.latency ?? slo.latency;
    const under = own?.requestsUnder ?? slo.requestsUnder;
    if (latency) o.latency = latency;
    if (under) o.requestsUnder = under;
    if (o.latency || o.requestsUnder) out.push([name, o]);
  }
  return out;
}

export function evaluateSlo(slo: SloSpec, inputs: SloInputs): SloResult[] {
  const results: SloResult[] = [];
  const byName = new Map(inputs.load.map((l) => [l.name, l]));
  for (const [name, o] of objectivesByLoad(
    slo,
    inputs.load.map((l) => l.name),
  )) {
    const l = byName.get(name);
    // No answered request: a percentile of nothing is not a pass.
    const answered = l !== undefined && l.requests > 0;
    for (const p of LATENCY_PERCENTILES) {
      const limit = o.latency?.[p];
      if (limit === undefined) continue;
      const v = answered ? (l![PERCENTILE_FIELD[p]] as number | undefined) : undefined;
      const measured = v === undefined ? null : round(v, 3);
      results.push({
        id: `load/${name}/latency/${p}`,
        objective: `${name} ${p} ≤ ${fmtMs(limit)}`,
        kind: "latency",
        load: name,
        limit,
        measured,
        met: measured !== null && measured <= limit,
      });
    }
    if (o.requestsUnder) {
      const { thresholdMs, target } = o.requestsUnder;
      // Timed-out requests count as not answered within the threshold.
      const share = l ? inputs.shareAnsweredWithin(name, thresholdMs) : undefined;
      const measured = share === undefined ? null : round(share, 6);
      results.push({
        id: `load/${name}/requestsUnder/${fmtMs(thresholdMs)}`,
        objective: `${name} requests under ${fmtMs(thresholdMs)} ≥ ${fmtPct(target)}`,
        kind: "requestsUnder",
        load: name,
        limit: target,
        thresholdMs,
        measured,
        met: measured !== null && measured >= target,
      });
    }
  }
  if (slo.pendingPods) {
    const measured = round(inputs.maxPendingSeconds * 1000, 3);
    results.push({
      id: "pendingPods/max",
      objective: `pods pending ≤ ${fmtMs(slo.pendingPods.maxMs)}`,
      kind: "pendingPods",
      limit: slo.pendingPods.maxMs,
      measured,
      met: measured <= slo.pendingPods.maxMs,
    });
  }
  return results;
}

/** `300ms`, `1.5s`, `2m`, `1m30s`: how a user would write the bound. */
export function fmtMs(ms: number): string {
  if (ms < 1000) return `${round(ms, 3)}ms`;
  if (ms < 60_000) return `${round(ms / 1000, 3)}s`;
  const m = Math.floor(ms / 60_000);
  const s = round((ms - m * 60_000) / 1000, 3);
  return s ? `${m}m${s}s` : `${m}m`;
}

export function fmtPct(f: number): string {
  return `${round(f * 100, 4)}%`;
}

/** `met`/`missed` with the figure, as the summaries print it. */
export function describeSloResult(r: SloResult): string {
  const fig = r.measured === null ? "no data" : r.kind === "requestsUnder" ? fmtPct(r.measured) : fmtMs(r.measured);
  return `${(r.met ? "met" : "MISSED").padEnd(6)} ${r.objective}: ${fig}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
