/**
 * The standard 5-field cron of robfig/cron v3 `ParseStandard` (what Karpenter parses budget
 * schedules with, in UTC): `minute hour day-of-month month day-of-week`, with `*`, `?`, lists,
 * ranges `a-b`, steps `/n`, month and weekday names, and the descriptors @yearly/@annually,
 * @monthly, @weekly, @daily/@midnight, @hourly. Day matching follows cron: when both day fields are
 * restricted (neither starts with `*`/`?`), a day matches if either does.
 */
export class CronError extends Error {
  override readonly name = "CronError";
}

export interface CronSchedule {
  minutes: Uint8Array; // 60
  hours: Uint8Array; // 24
  dom: Uint8Array; // 32 (1..31)
  months: Uint8Array; // 13 (1..12)
  dow: Uint8Array; // 7
  domStar: boolean;
  dowStar: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function parseValue(s: string, names: string[] | undefined, offset: number): number {
  if (names) {
    const i = names.indexOf(s.toLowerCase());
    if (i >= 0) return i + offset;
  }
  if (!/^[0-9]+$/.test(s)) throw new CronError(`failed to parse int from ${s}`);
  return Number(s);
}

function parseField(field: string, min: number, max: number, names?: string[], nameOffset = 0): { bits: Uint8Array; star: boolean } {
  const bits = new Uint8Array(max + 1);
  let star = false;
  for (const part of field.split(",")) {
    const [rangeExpr, stepExpr, extra] = part.split("/");
    if (extra !== undefined) throw new CronError(`too many slashes: ${part}`);
    let lo: number;
    let hi: number;
    let isStar = false;
    if (rangeExpr === "*" || rangeExpr === "?") {
      lo = min;
      hi = max;
      isStar = true;
    } else {
      const [a, b, more] = rangeExpr!.split("-");
      if (more !== undefined) throw new CronError(`too many hyphens: ${part}`);
      lo = parseValue(a!, names, nameOffset);
      hi = b !== undefined ? parseValue(b, names, nameOffset) : lo;
    }
    let step = 1;
    if (stepExpr !== undefined) {
      step = parseValue(stepExpr, undefined, 0);
      if (b_isSingle(rangeExpr!)) hi = max; // "N/step" means N-max/step
      if (step > 1) isStar = false;
    }
    if (lo < min) throw new CronError(`beginning of range (${lo}) below minimum (${min}): ${part}`);
    if (hi > max) throw new CronError(`end of range (${hi}) above maximum (${max}): ${part}`);
    if (lo > hi) throw new CronError(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    if (step === 0) throw new CronError(`step of range should be a positive number: ${part}`);
    for (let v = lo; v <= hi; v += step) bits[v] = 1;
    if (isStar) star = true;
  }
  return { bits, star };
}

function b_isSingle(rangeExpr: string): boolean {
  return rangeExpr !== "*" && rangeExpr !== "?" && !rangeExpr.includes("-");
}

export function parseCron(spec: string): CronSchedule {
  let s = spec.trim();
  if (s.startsWith("TZ=") || s.startsWith("CRON_TZ=")) {
    const i = s.indexOf(" ");
    const tz = s.slice(s.indexOf("=") + 1, i < 0 ? undefined : i);
    if (tz !== "UTC" && tz !== "Etc/UTC") throw new CronError(`provided bad location ${tz}: only UTC is simulated`);
    s = i < 0 ? "" : s.slice(i + 1).trim();
  }
  if (s.startsWith("@")) {
    const d = DESCRIPTORS[s.toLowerCase()];
    if (!d) throw new CronError(`unrecognized descriptor: ${s}`);
    s = d;
  }
  const fields = s.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  const minutes = parseField(fields[0]!, 0, 59);
  const hours = parseField(fields[1]!, 0, 23);
  const dom = parseField(fields[2]!, 1, 31);
  const months = parseField(fields[3]!, 1, 12, MONTHS, 1);
  const dow = parseField(fields[4]!, 0, 6, DAYS, 0);
  return {
    minutes: minutes.bits,
    hours: hours.bits,
    dom: dom.bits,
    months: months.bits,
    dow: dow.bits,
    domStar: dom.star,
    dowStar: dow.star,
  };
}

function dayMatches(c: CronSchedule, d: Date): boolean {
  const domMatch = c.dom[d.getUTCDate()] === 1;
  const dowMatch = c.dow[d.getUTCDay()] === 1;
  if (c.domStar || c.dowStar) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The latest activation at or before `unixMs` (whole minutes, UTC), or undefined if none within
 * `lookbackMs`.
 */
export function lastActivation(c: CronSchedule, unixMs: number, lookbackMs: number): number | undefined {
  const floorMin = Math.floor(unixMs / MINUTE) * MINUTE;
  const earliest = unixMs - lookbackMs;
  let dayStart = Math.floor(floorMin / DAY) * DAY;
  let limitMinuteOfDay = (floorMin - dayStart) / MINUTE;
  while (dayStart + DAY > earliest) {
    const d = new Date(dayStart);
    if (c.months[d.getUTCMonth() + 1] === 1 && dayMatches(c, d)) {
      for (let m = limitMinuteOfDay; m >= 0; m--) {
        const h = (m / 60) | 0;
        if (c.hours[h] !== 1) {
          m = h * 60; // skip the rest of this hour
          continue;
        }
        if (c.minutes[m % 60] === 1) {
          const t = dayStart + m * MINUTE;
          return t >= earliest ? t : undefined;
        }
      }
    }
    dayStart -= DAY;
    limitMinuteOfDay = 1439;
  }
  return undefined;
}

/**
 * robfig `schedule.Next(now − duration) <= now`: is a schedule window [activation, activation +
 * duration) open at `unixMs`? (Next is strictly after its argument.)
 */
export function scheduleActive(c: CronSchedule, unixMs: number, durationMs: number): boolean {
  const last = lastActivation(c, unixMs, durationMs);
  return last !== undefined && last > unixMs - durationMs;
}
