/**
 * IANA time zones the way Go's time package uses them (time.LoadLocation, Time.In, time.Date), on
 * the tz database built into Node (Intl). The cron schedules of KEDA, Karpenter and the CronJob
 * controller are evaluated through these, so DST gaps and overlaps resolve as they do upstream.
 *
 * Instants are Unix milliseconds (UTC). A "wall" time is the zone's local clock reading expressed as
 * if it were UTC milliseconds (wall = utc + offset), so calendar fields come from plain arithmetic.
 */

export class TimeZoneError extends Error {
  override readonly name = "TimeZoneError";
}

const MS_DAY = 86_400_000;
/** Offsets are sampled per 15 minutes: every tz transition since 1970 falls on a quarter hour. */
const BUCKET_MS = 900_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCaches = new Map<string, Map<number, number>>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * time.LoadLocation: "" and "UTC" are UTC; "Local" is the process's zone, which on the simulated
 * control plane (like the distroless images of kube-controller-manager, KEDA and Karpenter) is UTC.
 * Returns the zone name to evaluate in; throws Go's error text.
 */
const knownZones = new Set<string>();

export function loadLocation(name: string): string {
  if (name === "" || name === "UTC" || name === "Local") return "UTC";
  if (knownZones.has(name)) return name;
  if (name.includes("..") || name[0] === "/" || name[0] === "\\") throw new TimeZoneError("time: invalid location name");
  let resolved: string;
  try {
    resolved = formatter(name).resolvedOptions().timeZone;
  } catch {
    formatters.delete(name);
    throw new TimeZoneError(`unknown time zone ${name}`);
  }
  // Intl matches names case-insensitively; Go opens zoneinfo files, whose names are case-sensitive.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) throw new TimeZoneError(`unknown time zone ${name}`);
  knownZones.add(name);
  return name;
}

/** Offset (ms) of `zone` at instant `utcMs`: wall = utc + offset. */
export function tzOffsetMs(zone: string, utcMs: number): number {
  if (zone === "UTC" || zone === "Etc/UTC" || zone === "") return 0;
  let cache = offsetCaches.get(zone);
  if (!cache) offsetCaches.set(zone, (cache = new Map()));
  const bucket = Math.floor(utcMs / BUCKET_MS);
  const hit = cache.get(bucket);
  if (hit !== undefined) return hit;
  const at = bucket * BUCKET_MS;
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of formatter(zone).formatToParts(new Date(at))) {
    switch (p.type) {
      case "year":
        y = Number(p.value);
        break;
      case "month":
        mo = Number(p.value);
        break;
      case "day":
        d = Number(p.value);
        break;
      case "hour":
        h = Number(p.value) % 24;
        break;
      case "minute":
        mi = Number(p.value);
        break;
      case "second":
        s = Number(p.value);
        break;
      case "era":
        bc = p.value.startsWith("B");
        break;
    }
  }
  if (bc) y = 1 - y;
  const wall = daysFromCivil(y, mo, d) * MS_DAY + h * 3_600_000 + mi * 60_000 + s * 1000;
  const off = wall - at;
  if (cache.size > 20_000) cache.clear();
  cache.set(bucket, off);
  return off;
}

/** The wall-clock reading of instant `utcMs` in `zone` (Time.In). */
export function toWall(zone: string, utcMs: number): number {
  return utcMs + tzOffsetMs(zone, utcMs);
}

/**
 * The instant of a wall-clock reading, resolved as Go's time.Date does: the offset in force at the
 * reading taken as UTC, re-looked-up once at the resulting instant when that falls outside the first
 * offset's period. In a spring-forward gap this lands before the gap (02:30 New York on the change
 * day is 01:30 EST); in a fall-back overlap it picks the first (daylight) occurrence.
 */
export function fromWall(zone: string, wallMs: number): number {
  const off1 = tzOffsetMs(zone, wallMs);
  const utc = wallMs - off1;
  const off2 = tzOffsetMs(zone, utc);
  return off2 === off1 ? utc : wallMs - off2;
}

/** `2024-01-01T09:00:00`: a wall-clock time without zone. */
export function formatWall(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, 19);
}

/** RFC 3339 of an instant in `zone`, as Go formats time.RFC3339 (`Z` for UTC, else `+09:00`). */
export function formatRfc3339(zone: string, utcMs: number): string {
  const off = tzOffsetMs(zone, utcMs);
  const base = formatWall(utcMs + off);
  if (off === 0 && (zone === "UTC" || zone === "Etc/UTC" || zone === "")) return `${base}Z`;
  if (off === 0) return `${base}+00:00`;
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${base}${sign}${hh}:${mm}`;
}

// ------------------------------------------------------------------ civil calendar (proleptic Gregorian)

/** Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil; any year, no Date object). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Calendar fields of a wall time; written into one reusable object to keep Next() allocation-free. */
export interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday. */
  weekday: number;
}

export function newWallFields(): WallFields {
  return { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 4 };
}

/** Fill `out` with the fields of wall time `wallMs` (civil_from_days). */
export function wallFields(wallMs: number, out: WallFields): WallFields {
  const days = Math.floor(wallMs / MS_DAY);
  let rem = wallMs - days * MS_DAY;
  out.hour = Math.floor(rem / 3_600_000);
  rem -= out.hour * 3_600_000;
  out.minute = Math.floor(rem / 60_000);
  rem -= out.minute * 60_000;
  out.second = Math.floor(rem / 1000);
  out.weekday = (((days + 4) % 7) + 7) % 7;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

/**
 * time.Date(year, month, day, hour, min, sec, 0, zone) as an instant: month and day overflow are
 * normalised the way Go does (month 13 is January of the next year, day 32 runs into the next month).
 */
export function goDate(zone: string, year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const m0 = month - 1;
  const y = year + Math.floor(m0 / 12);
  const m = (((m0 % 12) + 12) % 12) + 1;
  const wall = (daysFromCivil(y, m, 1) + day - 1) * MS_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000;
  return fromWall(zone, wall);
}
