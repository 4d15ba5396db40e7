/**
 * Cron schedules with robfig/cron v3 semantics — the library behind all three users in scalelab:
 * the CronJob controller (cron.ParseStandard, `spec.timeZone` as a `TZ=` prefix), KEDA's cron scaler
 * (cron.New(cron.WithLocation(tz)) to evaluate; NewParser(Minute|Hour|Dom|Month|Dow) to validate)
 * and Karpenter's disruption budgets (cron.ParseStandard("TZ=UTC " + schedule)).
 *
 * Why this is not a wrapper over `croner` (the library the team named): croner 11 was checked
 * against robfig v3 and differs where these users can see it —
 * - it accepts `L`, `W`, `#`, `+`, day-of-week 7 and 6/7-field patterns, which robfig rejects (so
 *   kube-apiserver would return 422 where croner says yes);
 * - it rejects `N/step` (robfig: N-max/step, e.g. `5/20` = 5,25,45) unless `sloppyRanges`, and steps
 *   larger than the range (`*\/61`, robfig: minute 0 only);
 * - it has no `@every`, no `TZ=`/`CRON_TZ=` prefix, and error texts of its own, while validation
 *   errors must read like robfig's (`end of range (61) above maximum (59): 61`);
 * - day-of-month/day-of-week: robfig ANDs them when either field starts with `*` or `?` and has no
 *   step > 1 (`*\/1` counts as a star), croner only for a literal star;
 * - DST: robfig walks hours and minutes in absolute time, so a time inside a spring-forward gap is
 *   skipped that day (`0 2 * * *` in New York on 2012-03-11 next runs 2012-03-12) and a time in a
 *   fall-back overlap runs twice; croner runs the first as 03:00 the same day and the second once.
 * Configuring croner could not close these gaps, so this module re-implements robfig's parser and
 * SpecSchedule.Next (spec.go) instead, with its error texts. It replaces the two hand-written parsers
 * that KEDA and Karpenter had.
 *
 * Times are Unix milliseconds; Next is strictly after its argument (rounded up to the next whole
 * second) and the seconds field is always 0 for standard specs, so schedules have minute precision.
 */
import { parseDurationNs } from "./duration.js";
import { goDate, loadLocation, newWallFields, toWall, wallFields, type WallFields } from "./timezone.js";

export { formatWall } from "./timezone.js";

export class CronError extends Error {
  override readonly name = "CronError";
}

/** Go's zero time.Time (0001-01-01T00:00:00Z): what Next returns when nothing matches within 5 years. */
export const ZERO_TIME = -62_135_596_800_000;

export interface CronSchedule {
  /** The spec as written. */
  readonly spec: string;
  /** Zone of a `TZ=`/`CRON_TZ=` prefix; undefined: evaluated in the caller's zone (Go's time.Local). */
  readonly location: string | undefined;
  /** The first activation strictly after `afterMs`, or ZERO_TIME. `zone` stands in for time.Local. */
  next(afterMs: number, zone?: string): number;
}

export interface ParseOptions {
  /** Accept `@daily`, `@every 1h`, … (ParseStandard: yes; KEDA's validating parser: no). Default true. */
  descriptors?: boolean;
}

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
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

/** parseDescriptor's fixed schedules, as the 5-field specs with the same bits (and star bits). */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

// ------------------------------------------------------------------ parsing

/** strconv.Atoi, with its error text. */
function atoi(s: string): number {
  const syntax = () => new CronError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  let i = 0;
  if (s[0] === "+" || s[0] === "-") i = 1;
  if (i >= s.length) throw syntax();
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) throw syntax();
  }
  // int64 range; beyond 2^53 the value is only used in range errors, where the digits can blur.
  if (s.length - i > 18 && (BigInt(s) > 9_223_372_036_854_775_807n || BigInt(s) < -9_223_372_036_854_775_808n)) {
    throw new CronError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  }
  const n = Number(s);
  return n === 0 ? 0 : n;
}

/** mustParseInt: a non-negative integer. */
function mustParseInt(expr: string): number {
  let n: number;
  try {
    n = atoi(expr);
  } catch (e) {
    throw new CronError(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named !== undefined ? named : mustParseInt(expr);
}

/** One field: which values match (index = value) and whether it carries robfig's star bit. */
interface Field {
  bits: Uint8Array;
  star: boolean;
}

/** getRange: `*`, `?`, `n`, `a-b`, each optionally `/step`. */
function getRange(expr: string, b: Bounds, into: Field): void {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0]!.split("-");
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    // Anything after `*-` is ignored, as upstream does.
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, b);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    // "N/step" means "N-max/step".
    if (singleDigit) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.bits[v] = 1;
  if (star) into.star = true;
}

/** getField: comma-separated ranges; empty pieces are dropped (strings.FieldsFunc). */
function getField(field: string, b: Bounds): Field {
  const out: Field = { bits: new Uint8Array(b.max + 1), star: false };
  for (const part of field.split(",")) if (part !== "") getRange(part, b, out);
  return out;
}

/**
 * robfig Parser.Parse for the standard parser (Minute|Hour|Dom|Month|Dow|Descriptor): an optional
 * `TZ=zone ` / `CRON_TZ=zone ` prefix, then a descriptor or exactly 5 fields. Throws robfig's texts.
 */
export function parseCron(spec: string, opts: ParseOptions = {}): CronSchedule {
  const source = spec;
  if (spec.length === 0) throw new CronError("empty spec string");
  let location: string | undefined;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const eq = spec.indexOf("=");
    const sp = spec.indexOf(" ");
    // Upstream slices spec[eq+1:i] and panics when there is no space; here the rest is simply empty.
    const name = sp < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, sp);
    try {
      location = loadLocation(name);
    } catch (e) {
      throw new CronError(`provided bad location ${name}: ${(e as Error).message}`);
    }
    spec = sp < 0 ? "" : spec.slice(sp).trim();
  }
  if (spec.startsWith("@")) {
    if (opts.descriptors === false) throw new CronError(`parser does not accept descriptors: ${spec}`);
    const fixed = DESCRIPTORS[spec];
    if (fixed !== undefined) return new SpecSchedule(source, location, fixed.split(" "));
    if (spec.startsWith("@every ")) {
      let ns: bigint;
      try {
        ns = parseDurationNs(spec.slice("@every ".length));
      } catch (e) {
        throw new CronError(`failed to parse duration ${spec}: ${(e as Error).message}`);
      }
      return new ConstantDelaySchedule(source, location, ns);
    }
    throw new CronError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  return new SpecSchedule(source, location, fields);
}

// ------------------------------------------------------------------ schedules

const MS_SECOND = 1000;
const MS_MINUTE = 60_000;
const MS_HOUR = 3_600_000;

/** robfig SpecSchedule: bit sets per field; the seconds field is {0}. */
class SpecSchedule implements CronSchedule {
  private readonly minute: Uint8Array;
  private readonly hour: Uint8Array;
  private readonly dom: Field;
  private readonly month: Uint8Array;
  private readonly dow: Field;
  /** Scratch for the calendar fields of the time under test (Next is not re-entrant, and need not be). */
  private readonly f: WallFields = newWallFields();

  constructor(
    readonly spec: string,
    readonly location: string | undefined,
    fields: readonly string[],
  ) {
    this.minute = getField(fields[0]!, MINUTES).bits;
    this.hour = getField(fields[1]!, HOURS).bits;
    this.dom = getField(fields[2]!, DOM);
    this.month = getField(fields[3]!, MONTHS).bits;
    this.dow = getField(fields[4]!, DOW);
  }

  private dayMatches(f: WallFields): boolean {
    const domMatch = this.dom.bits[f.day] === 1;
    const dowMatch = this.dow.bits[f.weekday] === 1;
    if (this.dom.star || this.dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  /**
   * SpecSchedule.Next, step for step: months and days move on the calendar (time.Date / AddDate,
   * normalised as Go does), hours and minutes move in absolute time (Time.Add), which is what makes
   * a gap time skip a day and an overlap time fire twice.
   */
  next(afterMs: number, zone?: string): number {
    const loc = this.location ?? zone ?? "UTC";
    const f = this.f;
    const fields = (t: number) => wallFields(toWall(loc, t), f);
    let t = Math.floor(afterMs / MS_SECOND) * MS_SECOND + MS_SECOND;
    let added = false;
    const yearLimit = fields(t).year + 5;
    wrap: for (;;) {
      if (fields(t).year > yearLimit) return ZERO_TIME;

      while (this.month[fields(t).month] !== 1) {
        if (!added) {
          added = true;
          t = goDate(loc, f.year, f.month, 1, 0, 0, 0);
          fields(t);
        }
        t = goDate(loc, f.year, f.month + 1, f.day, f.hour, f.minute, f.second);
        if (fields(t).month === 1) continue wrap;
      }

      while (!this.dayMatches(fields(t))) {
        if (!added) {
          added = true;
          t = goDate(loc, f.year, f.month, f.day, 0, 0, 0);
          fields(t);
        }
        t = goDate(loc, f.year, f.month, f.day + 1, f.hour, f.minute, f.second);
        // Where midnight does not exist (DST at 00:00), land back on the day's first hour.
        const h = fields(t).hour;
        if (h !== 0) t += h > 12 ? (24 - h) * MS_HOUR : -h * MS_HOUR;
        if (fields(t).day === 1) continue wrap;
      }

      while (this.hour[fields(t).hour] !== 1) {
        if (!added) {
          added = true;
          t = goDate(loc, f.year, f.month, f.day, f.hour, 0, 0);
        }
        t += MS_HOUR;
        if (fields(t).hour === 0) continue wrap;
      }

      while (this.minute[fields(t).minute] !== 1) {
        if (!added) {
          added = true;
          t = Math.floor(t / MS_MINUTE) * MS_MINUTE;
        }
        t += MS_MINUTE;
        if (fields(t).minute === 0) continue wrap;
      }

      while (fields(t).second !== 0) {
        if (!added) {
          added = true;
          t = Math.floor(t / MS_SECOND) * MS_SECOND;
        }
        t += MS_SECOND;
        if (fields(t).second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** `@every <duration>`: ConstantDelaySchedule, at least 1 s, whole seconds, from the second of `after`. */
class ConstantDelaySchedule implements CronSchedule {
  readonly delayMs: number;

  constructor(
    readonly spec: string,
    readonly location: string | undefined,
    ns: bigint,
  ) {
    // Every(): below one second becomes one second; sub-second remainders are dropped.
    const whole = ns < 1_000_000_000n ? 1_000_000_000n : ns - (ns % 1_000_000_000n);
    this.delayMs = Number(whole / 1_000_000n);
  }

  next(afterMs: number): number {
    const sub = ((afterMs % MS_SECOND) + MS_SECOND) % MS_SECOND;
    return afterMs - sub + this.delayMs;
  }
}

// ------------------------------------------------------------------ conveniences for the callers

/** time.LoadLocation for a zone a caller evaluates in (KEDA's `timezone`); throws `unknown time zone X`. */
export function checkTimezone(tz: string): void {
  loadLocation(tz);
}

/** Next activation after `utcMs` in zone `tz`, as instant and wall-clock reading; undefined for the zero time. */
export function cronNext(s: CronSchedule, tz: string, utcMs: number): { utcMs: number; wallMs: number } | undefined {
  const zone = s.location ?? loadLocation(tz);
  const n = s.next(utcMs, zone);
  if (n === ZERO_TIME) return undefined;
  return { utcMs: n, wallMs: toWall(zone, n) };
}
