/**
 * JSON encoding of API responses, with two jobs:
 *
 * 1. Speed: a stored object is encoded once per version (store objects are replaced, never
 *    mutated, so a WeakMap keyed by the object is a valid cache) and lists are written in chunks
 *    instead of one giant string.
 *
 * 2. The client's clock. Object timestamps are virtual calendar time, which runs `--speed` times
 *    faster than the wall clock, while kubectl computes the ages it prints in `describe` and
 *    `events` from its own wall clock. So every timestamp is served shifted by
 *    `delta = wall now − virtual now` (whole seconds, rounded down): a timestamp t virtual-seconds
 *    old is served as t seconds before the wall clock, and `describe`'s ages equal the ages
 *    `kubectl get` shows (those are computed here from virtual now). Bodies clients send are
 *    shifted back. At --speed 1 the delta stays ~0; at other speeds the served form of a
 *    timestamp moves between reads (by (speed−1) s per wall second), which is the price of ages
 *    that agree. Pod log lines are not shifted: they are text, and stay as written.
 *
 * A timestamp is a JSON string value in RFC 3339 UTC form (`2025-01-01T00:00:00Z`, MicroTime's
 * `.000000Z` too), except inside labels, annotations and ConfigMap/Secret data, which are opaque
 * user text.
 */

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;
const OPAQUE_KEYS = new Set(["labels", "annotations", "data", "binaryData", "stringData"]);
export function isTimestamp(v: unknown): v is string {
  return typeof v === "string" && v.length >= 20 && v.length <= 30 && TS.test(v);
}

/**
 * `ts` moved by `deltaMs` (a whole number of seconds), keeping its fractional digits. Times before
 * 1970 are left alone: they are Go's zero time (0001-01-01T00:00:00Z) standing for "never".
 */
export function shiftTimestamp(ts: string, deltaMs: number): string {
  if (deltaMs === 0) return ts;
  const t = Date.parse(ts.slice(0, 19) + "Z");
  if (!Number.isFinite(t) || t < 0) return ts;
  return new Date(t + deltaMs).toISOString().slice(0, 19) + ts.slice(19);
}

/** An object's JSON split around its timestamps: parts[0] "ts0" parts[1] "ts1" … parts[n]. */
interface Template {
  parts: string[];
  stamps: string[];
}

/** End (index after the closing brace) of the JSON object starting at `open`. */
function objectEnd(json: string, open: number): number {
  let depth = 0;
  for (let i = open; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < json.length; i++) {
        const d = json.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) return i + 1;
  }
  return json.length;
}

/** Where the opaque maps' JSON objects lie, as [start, end) pairs in text order. */
function opaqueRanges(json: string): number[] {
  const ranges: [number, number][] = [];
  for (const key of OPAQUE_KEYS) {
    // Inside a JSON string these quotes would be escaped, so every hit is a real key.
    const pat = `"${key}":{`;
    for (let i = json.indexOf(pat); i >= 0; i = json.indexOf(pat, i + 1)) {
      const open = i + pat.length - 1;
      ranges.push([open, objectEnd(json, open)]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  return ranges.flat();
}

/**
 * Native JSON.stringify, then the timestamp values found by their closing `Z"` (rarer in JSON
 * text than quotes), skipping opaque maps. A value is followed by `,`, `}` or `]`, a key by `:`.
 */
function buildTemplate(value: unknown, dropTypeMeta: boolean): Template {
  let v = value;
  if (dropTypeMeta && v !== null && typeof v === "object") {
    // Typed lists carry no kind/apiVersion on their items.
    const { kind: _k, apiVersion: _a, ...rest } = v as Record<string, unknown>;
    v = rest;
  }
  const json = JSON.stringify(v) ?? "null";
  const parts: string[] = [];
  const stamps: string[] = [];
  let opaque: number[] | undefined;
  let from = 0;
  let k = 0;
  for (let z = json.indexOf('Z"'); z >= 0; z = json.indexOf('Z"', z + 2)) {
    const next = json.charCodeAt(z + 2);
    if (next !== 44 /* , */ && next !== 125 /* } */ && next !== 93 /* ] */) continue;
    const q = json.lastIndexOf('"', z);
    if (z - q < 20 || z - q > 30) continue;
    const ts = json.slice(q + 1, z + 1);
    if (!TS.test(ts)) continue;
    opaque ??= opaqueRanges(json);
    while (k < opaque.length && opaque[k + 1]! <= q) k += 2;
    if (k < opaque.length && opaque[k]! <= q) continue;
    parts.push(json.slice(from, q));
    stamps.push(ts);
    from = z + 2;
  }
  parts.push(json.slice(from));
  return { parts, stamps };
}

/** Per-request memo of shifted timestamps (thousands of objects share a handful of seconds). */
export class Shift {
  private memo?: Map<string, string>;
  constructor(readonly deltaMs: number) {}
  stamp(ts: string): string {
    if (this.deltaMs === 0) return ts;
    this.memo ??= new Map();
    let s = this.memo.get(ts);
    if (s === undefined) {
      s = shiftTimestamp(ts, this.deltaMs);
      this.memo.set(ts, s);
    }
    return s;
  }
}

export class JsonEncoder {
  private full = new WeakMap<object, Template>();
  private items = new WeakMap<object, Template>();

  private template(o: object, dropTypeMeta: boolean): Template {
    const cache = dropTypeMeta ? this.items : this.full;
    let t = cache.get(o);
    if (!t) {
      t = buildTemplate(o, dropTypeMeta);
      cache.set(o, t);
    }
    return t;
  }

  private latest = new WeakMap<object, { deltaMs: number; json: string }>();

  /** `encode`, remembering the last result per object: one watch event fans out to many watchers at once. */
  encodeLatest(o: object, shift: Shift): string {
    const l = this.latest.get(o);
    if (l && l.deltaMs === shift.deltaMs) return l.json;
    const json = this.encode(o, shift);
    this.latest.set(o, { deltaMs: shift.deltaMs, json });
    return json;
  }

  /** JSON of `o` with its timestamps shifted. `listItem` leaves out kind and apiVersion. */
  encode(o: unknown, shift: Shift, listItem = false): string {
    if (o === null || typeof o !== "object") return JSON.stringify(o) ?? "null";
    const t = this.template(o, listItem && !Array.isArray(o));
    const { parts, stamps } = t;
    if (stamps.length === 0) return parts[0]!;
    let s = parts[0]!;
    for (let i = 0; i < stamps.length; i++) s += `"${shift.stamp(stamps[i]!)}"` + parts[i + 1]!;
    return s;
  }
}

/** Table cells: small, built per request (ages change); only `date` cells hold timestamps. */
export function encodeCells(cells: readonly unknown[], shift: Shift): string {
  if (shift.deltaMs === 0 || !cells.some(isTimestamp)) return JSON.stringify(cells);
  return JSON.stringify(cells.map((c) => (isTimestamp(c) ? shift.stamp(c) : c)));
}

/**
 * Parsed request bodies are in the client's frame: move their timestamps back to virtual time
 * (in place; opaque maps untouched).
 */
export function unshiftTimestamps(v: unknown, deltaMs: number): void {
  if (deltaMs === 0) return;
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        const e = x[i];
        if (isTimestamp(e)) x[i] = shiftTimestamp(e, -deltaMs);
        else walk(e);
      }
    } else if (x !== null && typeof x === "object") {
      const m = x as Record<string, unknown>;
      for (const k of Object.keys(m)) {
        const e = m[k];
        if (OPAQUE_KEYS.has(k)) continue;
        if (isTimestamp(e)) m[k] = shiftTimestamp(e, -deltaMs);
        else walk(e);
      }
    }
  };
  walk(v);
}

/**
 * Writes a JSON body assembled from many strings: one write when small (with Content-Length),
 * otherwise chunked in ~1 MB writes so no single giant string is built.
 */
export class BodyWriter {
  private chunks: string[] = [];
  private size = 0;
  private started = false;

  constructor(
    private readonly res: import("node:http").ServerResponse,
    private readonly code: number,
    private readonly contentType: string,
  ) {}

  push(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (!this.started) {
      this.res.writeHead(this.code, { "Content-Type": this.contentType, "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
      this.started = true;
    }
    this.res.write(this.chunks.join(""));
    this.chunks = [];
    this.size = 0;
  }

  end(): void {
    if (this.started) {
      if (this.chunks.length) this.res.write(this.chunks.join(""));
      this.res.end();
      return;
    }
    const text = this.chunks.join("");
    this.res.writeHead(this.code, { "Content-Type": this.contentType, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
    this.res.end(text);
  }
}
