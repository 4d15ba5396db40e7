/**
 * 5-field cron schedules (minute hour day-of-month month day-of-week) with robfig/cron v3's
 * standard-parser semantics, evaluated in an IANA timezone, as KEDA's cron scaler does
 * (cron.ParseStandard + Schedule.Next in time.LoadLocation(timezone)).
 *
 * Next(t) is strictly after t: t is rounded up to the next whole second and the seconds field is 0.
 * Times are walked on the wall clock of the zone; the zone offset comes from Intl.DateTimeFormat.
 */

export interface CronSchedule {
  readonly source: string;
  minute: bigint;
  hour: bigint;
  dom: bigint;
  month: bigint;
  dow: bigint;
}

const STAR = 1n << 63n;

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function parseIntStrict(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return parseInt(s, 10);
  void what;
}

function parseValue(s: string, b: Bounds): number {
  const n = b.names?.[s.toLowerCase()];
  return n !== undefined ? n : parseIntStrict(s, "");
}

function bitsBetween(min: number, max: number, step: number): bigint {
  let r = 0n;
  for (let i = min; i <= max; i += step) r |= 1n << BigInt(i);
  return r;
}

/** robfig getRange for one comma-separated term. */
function parseRange(expr: string, b: Bounds): bigint {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0]!.split("-");
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let extra = 0n;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
    extra = STAR;
  } else {
    start = parseValue(lowAndHigh[0]!, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseValue(lowAndHigh[1]!, b);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseIntStrict(rangeAndStep[1]!, "step");
    if (singleDigit) end = b.max;
    if (step > 1) extra = 0n;
  } else if (rangeAndStep.length > 2) throw new Error(`too many slashes: ${expr}`);
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  return bitsBetween(start, end, step) | extra;
}

function parseField(field: string, b: Bounds): bigint {
  let bits = 0n;
  for (const part of field.split(",")) bits |= parseRange(part, b);
  return bits;
}

/** cron.ParseStandard: 5 fields or a descriptor (@daily, @hourly, …). Throws robfig's messages. */
export function parseCron(spec: string): CronSchedule {
  const trimmed = spec.trim();
  if (trimmed.length === 0) throw new Error("empty spec string");
  const expanded = trimmed.startsWith("@") ? DESCRIPTORS[trimmed] : trimmed;
  if (expanded === undefined) throw new Error(`unrecognized descriptor: ${trimmed}`);
  const f = expanded.split(/\s+/);
  if (f.length !== 5) throw new Error(`expected exactly 5 fields, found ${f.length}: ${JSON.stringify(f)}`);
  return {
    source: spec,
    minute: parseField(f[0]!, MINUTES),
    hour: parseField(f[1]!, HOURS),
    dom: parseField(f[2]!, DOM),
    month: parseField(f[3]!, MONTHS),
    dow: parseField(f[4]!, DOW),
  };
}

// ------------------------------------------------------------------ timezones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** time.LoadLocation: "" and "UTC" are UTC; unknown names throw Go's message. */
export function checkTimezone(tz: string): void {
  if (tz === "" || tz === "UTC" || tz === "Local") return;
  try {
    formatter(tz);
  } catch {
    throw new Error(`unknown time zone ${tz}`);
  }
}

function zoneName(tz: string): string {
  return tz === "" || tz === "Local" ? "UTC" : tz;
}

const offsetCache = new Map<string, number>();

/** Offset (ms) of zone `tz` at UTC instant `utcMs`: wall = utc + offset. Cached per 15-minute bucket. */
export function tzOffsetMs(tz: string, utcMs: number): number {
  const zone = zoneName(tz);
  if (zone === "UTC" || zone === "Etc/UTC") return 0;
  const bucket = Math.floor(utcMs / 900_000);
  const key = `${zone}|${bucket}`;
  const c = offsetCache.get(key);
  if (c !== undefined) return c;
  const at = bucket * 900_000;
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(at))) if (part.type !== "literal") p[part.type] = parseInt(part.value, 10);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  const off = wall - at;
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, off);
  return off;
}

/** Wall-clock ms (as if UTC) of `utcMs` in `tz`. */
export function toWall(tz: string, utcMs: number): number {
  return utcMs + tzOffsetMs(tz, utcMs);
}

/** UTC instant of a wall-clock time in `tz` (the later offset wins in a gap, like Go's time.Date normalisation). */
export function fromWall(tz: string, wallMs: number): number {
  const guess = wallMs - tzOffsetMs(tz, wallMs);
  return wallMs - tzOffsetMs(tz, guess);
}

/** `2024-01-01T09:00:00`: a wall-clock time without zone. */
export function formatWall(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, 19);
}

// ------------------------------------------------------------------ Next

function has(bits: bigint, i: number): boolean {
  return ((bits >> BigInt(i)) & 1n) === 1n;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const domMatch = has(s.dom, d.getUTCDate());
  const dowMatch = has(s.dow, d.getUTCDay());
  if ((s.dom & STAR) !== 0n || (s.dow & STAR) !== 0n) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

/**
 * robfig SpecSchedule.Next on the wall clock: the first time strictly after `wallMs` matching the
 * schedule (seconds field 0). Returns undefined when nothing matches within 5 years.
 */
export function nextWall(s: CronSchedule, wallMs: number): number | undefined {
  // Round up to the next whole second.
  let t = Math.floor(wallMs / 1000) * 1000 + 1000;
  let added = false;
  const d = () => new Date(t);
  const yearLimit = d().getUTCFullYear() + 5;
  wrap: for (;;) {
    if (d().getUTCFullYear() > yearLimit) return undefined;
    while (!has(s.month, d().getUTCMonth() + 1)) {
      if (!added) {
        added = true;
        t = Date.UTC(d().getUTCFullYear(), d().getUTCMonth(), 1);
      }
      const x = d();
      t = Date.UTC(x.getUTCFullYear(), x.getUTCMonth() + 1, x.getUTCDate(), x.getUTCHours(), x.getUTCMinutes(), x.getUTCSeconds());
      if (d().getUTCMonth() === 0) continue wrap;
    }
    while (!dayMatches(s, d())) {
      if (!added) {
        added = true;
        const x = d();
        t = Date.UTC(x.getUTCFullYear(), x.getUTCMonth(), x.getUTCDate());
      }
      t += 86_400_000;
      if (d().getUTCDate() === 1) continue wrap;
    }
    while (!has(s.hour, d().getUTCHours())) {
      if (!added) {
        added = true;
        t = Math.floor(t / 3_600_000) * 3_600_000;
      }
      t += 3_600_000;
      if (d().getUTCHours() === 0) continue wrap;
    }
    while (!has(s.minute, d().getUTCMinutes())) {
      if (!added) {
        added = true;
        t = Math.floor(t / 60_000) * 60_000;
      }
      t += 60_000;
      if (d().getUTCMinutes() === 0) continue wrap;
    }
    while (d().getUTCSeconds() !== 0) {
      if (!added) {
        added = true;
        t = Math.floor(t / 1000) * 1000;
      }
      t += 1000;
      if (d().getUTCSeconds() === 0) continue wrap;
    }
    return t;
  }
}

/** Next firing after UTC instant `utcMs` in zone `tz`: UTC instant and wall-clock time. */
export function cronNext(s: CronSchedule, tz: string, utcMs: number): { utcMs: number; wallMs: number } | undefined {
  const w = nextWall(s, toWall(tz, utcMs));
  return w === undefined ? undefined : { utcMs: fromWall(tz, w), wallMs: w };
}
