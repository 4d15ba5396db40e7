/**
 * `spec.slo`: service-level objectives the run summary reports as met or missed (docs/scenario-format.md,
 * "Service-level objectives"). Only the schema lives here; src/report/slo.ts measures them.
 *
 *   slo:
 *     latency: {p95: 300ms}                          # every load generator
 *     requestsUnder: {threshold: 250ms, target: 99%}  # every load generator
 *     pendingPods: {max: 60s}
 *     load:                                           # per generator, field by field over the above
 *       checkout: {latency: {p99: 1s}}
 */
import { mapKey } from "./positions.js";
import { duration, isPlainObject, obj, render, required, type DocContext, type Path } from "./validate.js";

export const LATENCY_PERCENTILES = ["p50", "p95", "p99"] as const;
export type LatencyPercentile = (typeof LATENCY_PERCENTILES)[number];

/** Upper bounds (ms) on a load generator's latency percentiles over the whole run. */
export type LatencyObjective = Partial<Record<LatencyPercentile, number>>;

/** At least `target` (a fraction) of a generator's requests answered within `thresholdMs`. */
export interface RequestsUnderObjective {
  thresholdMs: number;
  target: number;
}

export interface LoadObjectives {
  latency?: LatencyObjective;
  requestsUnder?: RequestsUnderObjective;
}

export interface SloSpec extends LoadObjectives {
  /** No pod outside kube-system waits longer than `maxMs` from creation until it runs. */
  pendingPods?: { maxMs: number };
  /** Per load generator (by name): replaces `latency` / `requestsUnder` above for that generator. */
  load?: Record<string, LoadObjectives>;
}

const SLO_FIELDS = ["latency", "requestsUnder", "pendingPods", "load"];
const LOAD_OBJECTIVE_FIELDS = ["latency", "requestsUnder"];

export function parseSlo(ctx: DocContext, raw: unknown, path: Path): SloSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = obj(ctx, raw, path, SLO_FIELDS);
  const out: SloSpec = parseLoadObjectives(ctx, o, path);
  if (o.pendingPods !== undefined) {
    const pp = obj(ctx, o.pendingPods, [...path, "pendingPods"], ["max"]);
    out.pendingPods = { maxMs: duration(ctx, required(ctx, pp, [...path, "pendingPods"], "max"), [...path, "pendingPods", "max"]) };
  }
  if (o.load !== undefined) {
    if (!isPlainObject(o.load)) ctx.fail([...path, "load"], `Invalid value: ${render(o.load)}: must be a map of load generator name to objectives`);
    out.load = {};
    for (const [name, v] of Object.entries(o.load)) {
      const p: Path = [...path, "load", mapKey(name)];
      out.load[name] = parseLoadObjectives(ctx, obj(ctx, v, p, LOAD_OBJECTIVE_FIELDS), p);
      if (!out.load[name]!.latency && !out.load[name]!.requestsUnder) ctx.fail(p, "Required value: at least one of latency, requestsUnder");
    }
  }
  if (!out.latency && !out.requestsUnder && !out.pendingPods && !out.load) {
    ctx.fail(path, "Required value: at least one of latency, requestsUnder, pendingPods, load");
  }
  return out;
}

function parseLoadObjectives(ctx: DocContext, o: Record<string, unknown>, path: Path): LoadObjectives {
  const out: LoadObjectives = {};
  if (o.latency !== undefined) {
    const lp: Path = [...path, "latency"];
    const l = obj(ctx, o.latency, lp, LATENCY_PERCENTILES);
    const lat: LatencyObjective = {};
    for (const k of LATENCY_PERCENTILES) if (l[k] !== undefined) lat[k] = duration(ctx, l[k], [...lp, k]);
    if (Object.keys(lat).length === 0) ctx.fail(lp, "Required value: at least one of p50, p95, p99");
    out.latency = lat;
  }
  if (o.requestsUnder !== undefined) {
    const rp: Path = [...path, "requestsUnder"];
    const r = obj(ctx, o.requestsUnder, rp, ["threshold", "target"]);
    const thresholdMs = duration(ctx, required(ctx, r, rp, "threshold"), [...rp, "threshold"]);
    if (thresholdMs <= 0) ctx.fail([...rp, "threshold"], `Invalid value: ${render(r.threshold)}: must be greater than 0`);
    out.requestsUnder = { thresholdMs, target: fraction(ctx, required(ctx, r, rp, "target"), [...rp, "target"]) };
  }
  return out;
}

/** `99%`, `99.9%` or a fraction such as 0.99. */
function fraction(ctx: DocContext, v: unknown, path: Path): number {
  let f = NaN;
  if (typeof v === "number") f = v;
  else if (typeof v === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
    // "99.9e-2" rather than 99.9 / 100, which is 0.9990000000000001.
    if (m) f = Number(`${m[1]}e-2`);
  }
  if (!(f >= 0 && f <= 1)) ctx.fail(path, `Invalid value: ${render(v)}: must be a percentage such as "99%" or a fraction between 0 and 1`);
  return f;
}
