/**
 * The shared cron module against robfig/cron v3: its spec_test.go vectors (TestActivation, TestNext,
 * TestNextWithTz, TestErrors, TestSlash0NoHang; the 6-field ones with a zero seconds field written as
 * the 5-field specs ParseStandard takes), parser error texts from parser.go, and the Karpenter budget
 * vectors that used to test the parser Karpenter had.
 */
import { describe, expect, it } from "vitest";
import { checkTimezone, cronNext, CronError, parseCron, ZERO_TIME } from "./cron.js";
import { formatRfc3339, formatWall, goDate } from "./timezone.js";

const T = (s: string) => {
  const ms = Date.parse(s.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
  if (Number.isNaN(ms)) throw new Error(`bad time ${s}`);
  return ms;
};
const next = (spec: string, from: string, zone = "UTC") => parseCron(spec).next(T(from), zone);

describe("parseCron: robfig ParseStandard", () => {
  it("TestActivation: Next(t − 1 s) == t", () => {
    const cases: Array<[string, string, boolean]> = [
      ["2012-07-09T15:00:00Z", "0/15 * * * *", true],
      ["2012-07-09T15:45:00Z", "0/15 * * * *", true],
      ["2012-07-09T15:40:00Z", "0/15 * * * *", false],
      ["2012-07-09T15:05:00Z", "5/15 * * * *", true],
      ["2012-07-09T15:20:00Z", "5/15 * * * *", true],
      ["2012-07-09T15:50:00Z", "5/15 * * * *", true],
      ["2012-07-15T15:00:00Z", "0/15 * * Jul *", true],
      ["2012-07-15T15:00:00Z", "0/15 * * Jun *", false],
      ["2012-07-15T08:30:00Z", "30 08 ? Jul Sun", true],
      ["2012-07-15T08:30:00Z", "30 08 15 Jul ?", true],
      ["2012-07-16T08:30:00Z", "30 08 ? Jul Sun", false],
      ["2012-07-16T08:30:00Z", "30 08 15 Jul ?", false],
      ["2012-07-09T15:00:00Z", "@hourly", true],
      ["2012-07-09T15:04:00Z", "@hourly", false],
      ["2012-07-09T15:00:00Z", "@daily", false],
      ["2012-07-09T00:00:00Z", "@daily", true],
      ["2012-07-09T00:00:00Z", "@weekly", false],
      ["2012-07-08T00:00:00Z", "@weekly", true],
      ["2012-07-08T01:00:00Z", "@weekly", false],
      ["2012-07-08T00:00:00Z", "@monthly", false],
      ["2012-07-01T00:00:00Z", "@monthly", true],
      // Both day fields restricted: either matches.
      ["2012-07-15T00:00:00Z", "* * 1,15 * Sun", true],
      ["2012-06-15T00:00:00Z", "* * 1,15 * Sun", true],
      ["2012-08-01T00:00:00Z", "* * 1,15 * Sun", true],
      ["2012-07-15T00:00:00Z", "* * */10 * Sun", true], // a step > 1 drops the star (robfig #70)
      // One of them a star: both must match.
      ["2012-07-15T00:00:00Z", "* * * * Mon", false],
      ["2012-07-09T00:00:00Z", "* * 1,15 * *", false],
      ["2012-07-15T00:00:00Z", "* * 1,15 * *", true],
      ["2012-07-15T00:00:00Z", "* * */2 * Sun", true],
    ];
    for (const [time, spec, expected] of cases) {
      expect(parseCron(spec).next(T(time) - 1000, "UTC") === T(time), `${spec} at ${time}`).toBe(expected);
    }
  });

  it("TestNext: wrap-arounds, leap years, unsatisfiable specs", () => {
    const cases: Array<[string, string, string]> = [
      ["2012-07-09T14:45:00Z", "0/15 * * * *", "2012-07-09T15:00:00Z"],
      ["2012-07-09T14:59:00Z", "0/15 * * * *", "2012-07-09T15:00:00Z"],
      ["2012-07-09T14:59:59Z", "0/15 * * * *", "2012-07-09T15:00:00Z"],
      ["2012-07-09T15:45:00Z", "20-35/15 * * * *", "2012-07-09T16:20:00Z"],
      ["2012-07-09T23:46:00Z", "*/15 * * * *", "2012-07-10T00:00:00Z"],
      ["2012-07-09T23:45:00Z", "20-35/15 * * * *", "2012-07-10T00:20:00Z"],
      ["2012-07-09T23:35:00Z", "0 0 9 Apr-Oct ?", "2012-08-09T00:00:00Z"],
      ["2012-07-09T23:35:00Z", "0 0 */5 Apr,Aug,Oct Mon", "2012-08-01T00:00:00Z"],
      ["2012-07-09T23:35:00Z", "0 0 */5 Oct Mon", "2012-10-01T00:00:00Z"],
      ["2012-07-09T23:35:00Z", "0 0 * Feb Mon", "2013-02-04T00:00:00Z"],
      ["2012-07-09T23:35:00Z", "0 0 * Feb Mon/2", "2013-02-01T00:00:00Z"],
      ["2012-12-31T23:59:45Z", "* * * * *", "2013-01-01T00:00:00Z"],
      ["2012-07-09T23:35:00Z", "0 0 29 Feb ?", "2016-02-29T00:00:00Z"],
    ];
    for (const [from, spec, want] of cases) expect(new Date(next(spec, from)).toISOString(), `${spec} after ${from}`).toBe(new Date(T(want)).toISOString());
    expect(next("0 0 30 Feb ?", "2012-07-09T23:35:00Z")).toBe(ZERO_TIME);
    expect(next("0 0 31 Apr ?", "2012-07-09T23:35:00Z")).toBe(ZERO_TIME);
  });

  it("TestNext DST (America/New_York): a gap time is skipped that day, an overlap time runs twice", () => {
    const NY = "America/New_York";
    const cases: Array<[string, string, string]> = [
      // 2012-03-11: 02:00 EST → 03:00 EDT
      ["2012-03-11T00:00:00-0500", "TZ=America/New_York 30 2 11 Mar ?", "2013-03-11T02:30:00-0400"],
      ["2012-03-11T00:00:00-0500", "TZ=America/New_York 0 * * * ?", "2012-03-11T01:00:00-0500"],
      ["2012-03-11T01:00:00-0500", "TZ=America/New_York 0 * * * ?", "2012-03-11T03:00:00-0400"],
      ["2012-03-11T03:00:00-0400", "TZ=America/New_York 0 * * * ?", "2012-03-11T04:00:00-0400"],
      ["2012-03-11T04:00:00-0400", "TZ=America/New_York 0 * * * ?", "2012-03-11T05:00:00-0400"],
      ["2012-03-11T01:00:00-0500", "CRON_TZ=America/New_York 0 * * * ?", "2012-03-11T03:00:00-0400"],
      ["2012-03-11T00:00:00-0500", "TZ=America/New_York 0 1 * * ?", "2012-03-11T01:00:00-0500"],
      ["2012-03-11T01:00:00-0500", "TZ=America/New_York 0 1 * * ?", "2012-03-12T01:00:00-0400"],
      ["2012-03-11T00:00:00-0500", "TZ=America/New_York 0 2 * * ?", "2012-03-12T02:00:00-0400"],
      // 2012-11-04: 02:00 EDT → 01:00 EST
      ["2012-11-04T00:00:00-0400", "TZ=America/New_York 30 2 04 Nov ?", "2012-11-04T02:30:00-0500"],
      ["2012-11-04T01:45:00-0400", "TZ=America/New_York 30 1 04 Nov ?", "2012-11-04T01:30:00-0500"],
      ["2012-11-04T00:00:00-0400", "TZ=America/New_York 0 * * * ?", "2012-11-04T01:00:00-0400"],
      ["2012-11-04T01:00:00-0400", "TZ=America/New_York 0 * * * ?", "2012-11-04T01:00:00-0500"],
      ["2012-11-04T01:00:00-0500", "TZ=America/New_York 0 * * * ?", "2012-11-04T02:00:00-0500"],
      ["2012-11-04T00:00:00-0400", "TZ=America/New_York 0 1 * * ?", "2012-11-04T01:00:00-0400"],
      ["2012-11-04T01:00:00-0400", "TZ=America/New_York 0 1 * * ?", "2012-11-04T01:00:00-0500"],
      ["2012-11-04T01:00:00-0500", "TZ=America/New_York 0 1 * * ?", "2012-11-05T01:00:00-0500"],
      ["2012-11-04T00:00:00-0400", "TZ=America/New_York 0 2 * * ?", "2012-11-04T02:00:00-0500"],
      ["2012-11-04T02:00:00-0500", "TZ=America/New_York 0 2 * * ?", "2012-11-05T02:00:00-0500"],
      ["2012-11-04T00:00:00-0400", "TZ=America/New_York 0 3 * * ?", "2012-11-04T03:00:00-0500"],
      ["2012-11-04T03:00:00-0500", "TZ=America/New_York 0 3 * * ?", "2012-11-05T03:00:00-0500"],
      ["2012-11-04T00:00:00-0400", "TZ=America/New_York 0 3 3 * ?", "2012-12-03T03:00:00-0500"],
      // Midnight does not exist in Sao Paulo on DST days (robfig #157).
      ["2018-10-17T05:00:00-0400", "TZ=America/Sao_Paulo 0 9 10 * ?", "2018-11-10T06:00:00-0500"],
      ["2018-02-14T05:00:00-0500", "TZ=America/Sao_Paulo 0 9 22 * ?", "2018-02-22T07:00:00-0500"],
    ];
    for (const [from, spec, want] of cases) {
      expect(formatRfc3339(NY, next(spec, from)), `${spec} after ${from}`).toBe(formatRfc3339(NY, T(want)));
    }
    // Without a prefix the schedule runs in the caller's zone (time.Local): the same answers.
    expect(next("0 1 * * ?", "2012-11-04T01:00:00-0400", NY)).toBe(T("2012-11-04T01:00:00-0500"));
    expect(next("0 2 * * ?", "2012-03-11T00:00:00-0500", NY)).toBe(T("2012-03-12T02:00:00-0400"));
  });

  it("TestNextWithTz: a fixed +05:30 zone", () => {
    for (const from of ["2016-01-03T13:09:03+0530", "2016-01-03T04:09:03+0530", "2016-01-03T14:09:03+0530", "2016-01-03T14:00:00+0530"]) {
      expect(next("14 14 * * *", from, "Asia/Kolkata")).toBe(T("2016-01-03T14:14:00+0530"));
    }
  });

  it("Next is strictly after now, at minute precision", () => {
    expect(next("*/20 * * * *", "2024-01-01T10:20:00Z")).toBe(T("2024-01-01T10:40:00Z"));
    expect(next("*/20 * * * *", "2024-01-01T10:19:59.999Z")).toBe(T("2024-01-01T10:20:00Z"));
    expect(next("* * * * *", "2024-01-01T10:20:00.001Z")).toBe(T("2024-01-01T10:21:00Z"));
  });

  it("ranges, steps and names as robfig reads them", () => {
    const minutes = (spec: string) => {
      const out: number[] = [];
      let t = T("2024-01-01T09:59:00Z");
      for (;;) {
        t = parseCron(spec).next(t, "UTC");
        if (t >= T("2024-01-01T11:00:00Z")) return out;
        out.push(new Date(t).getUTCMinutes());
      }
    };
    expect(minutes("5/20 * * * *")).toEqual([5, 25, 45]); // N/step = N-max/step
    expect(minutes("*/61 * * * *")).toEqual([0]); // a step past the range keeps the first value
    expect(minutes("10-20/5,58 * * * *")).toEqual([10, 15, 20, 58]);
    expect(minutes("*-5 * * * *")).toHaveLength(60); // after `*` the rest of a range is ignored
    expect(minutes("1,,2 * * * *")).toEqual([1, 2]); // empty list items are dropped
    // `+1` is strconv.Atoi's +1, Monday; not croner's AND modifier.
    expect(next("0 0 * * +1", "2024-01-02T00:00:00Z")).toBe(T("2024-01-08T00:00:00Z"));
    expect(next("0 0 * JAN-mar mon-FRI", "2024-03-29T00:00:00Z")).toBe(T("2025-01-01T00:00:00Z"));
    // `*/1` keeps the star bit: AND with the weekday. `1-31` does not: OR.
    expect(next("0 0 */1 * MON", "2024-01-02T00:00:00Z")).toBe(T("2024-01-08T00:00:00Z"));
    expect(next("0 0 1-31 * MON", "2024-01-02T00:00:00Z")).toBe(T("2024-01-03T00:00:00Z"));
  });

  it("@every: a constant delay from the current second, at least 1 s", () => {
    expect(next("@every 1h30m", "2024-01-01T10:00:00.500Z")).toBe(T("2024-01-01T11:30:00Z"));
    expect(next("@every 500ms", "2024-01-01T10:00:00.500Z")).toBe(T("2024-01-01T10:00:01Z"));
    expect(next("@every 90.9s", "2024-01-01T10:00:00Z")).toBe(T("2024-01-01T10:01:30Z"));
  });

  it("rejects what robfig rejects, with its words (TestErrors, TestSlash0NoHang, parser.go)", () => {
    const err = (spec: string, opts?: { descriptors?: boolean }) => {
      try {
        parseCron(spec, opts);
      } catch (e) {
        expect(e).toBeInstanceOf(CronError);
        return (e as Error).message;
      }
      return "no error";
    };
    expect(err("")).toBe("empty spec string");
    expect(err("xyz")).toBe("expected exactly 5 fields, found 1: [xyz]");
    expect(err("0 0 0 * * *")).toBe("expected exactly 5 fields, found 6: [0 0 0 * * *]");
    expect(err("60 0 * * *")).toBe("end of range (60) above maximum (59): 60");
    expect(err("0 60 * * *")).toBe("end of range (60) above maximum (23): 60");
    expect(err("0 0 * * XYZ")).toBe('failed to parse int from XYZ: strconv.Atoi: parsing "XYZ": invalid syntax');
    expect(err("* * * * 7")).toBe("end of range (7) above maximum (6): 7");
    expect(err("0 0 0 * *")).toBe("beginning of range (0) below minimum (1): 0");
    expect(err("5-3 * * * *")).toBe("beginning of range (5) beyond end of range (3): 5-3");
    expect(err("1-2-3 * * * *")).toBe("too many hyphens: 1-2-3");
    expect(err("*/2/3 * * * *")).toBe("too many slashes: */2/3");
    expect(err("*/-1 * * * *")).toBe("negative number (-1) not allowed: -1");
    expect(err("TZ=America/New_York 15/0 * * * *")).toBe("step of range should be a positive number: 15/0");
    // Quartz/croner extensions are not robfig's.
    expect(err("0 0 L * *")).toBe('failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax');
    expect(err("0 0 15W * *")).toBe('failed to parse int from 15W: strconv.Atoi: parsing "15W": invalid syntax');
    expect(err("0 0 * * 5#2")).toBe('failed to parse int from 5#2: strconv.Atoi: parsing "5#2": invalid syntax');
    // Descriptors are exact, case-sensitive words.
    expect(err("@Daily")).toBe("unrecognized descriptor: @Daily");
    expect(err("@reboot")).toBe("unrecognized descriptor: @reboot");
    expect(err("@every 1d")).toBe('failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"');
    expect(err("@daily", { descriptors: false })).toBe("parser does not accept descriptors: @daily");
    expect(err("TZ=Mars/Olympus * * * * *")).toBe("provided bad location Mars/Olympus: unknown time zone Mars/Olympus");
    expect(err("TZ=asia/seoul * * * * *")).toBe("provided bad location asia/seoul: unknown time zone asia/seoul");
    expect(err("99999999999999999999 * * * *")).toBe('failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range');
  });
});

describe("time zones as Go's time package", () => {
  it("time.Date resolves a gap reading before the gap and an overlap reading to its first occurrence", () => {
    const NY = "America/New_York";
    expect(formatRfc3339(NY, goDate(NY, 2012, 3, 11, 2, 30, 0))).toBe("2012-03-11T01:30:00-05:00");
    expect(formatRfc3339(NY, goDate(NY, 2012, 11, 4, 1, 30, 0))).toBe("2012-11-04T01:30:00-04:00");
    expect(formatRfc3339(NY, goDate(NY, 2012, 13, 32, 0, 0, 0))).toBe("2013-02-01T00:00:00-05:00");
    expect(formatRfc3339("UTC", T("2025-01-01T00:01:00Z"))).toBe("2025-01-01T00:01:00Z");
    expect(formatRfc3339("Asia/Seoul", T("2025-01-01T00:01:00Z"))).toBe("2025-01-01T09:01:00+09:00");
  });

  it("time.LoadLocation: unknown, wrongly cased and path-like names fail", () => {
    expect(() => checkTimezone("Asia/Seoul")).not.toThrow();
    expect(() => checkTimezone("")).not.toThrow();
    expect(() => checkTimezone("Local")).not.toThrow();
    expect(() => checkTimezone("Europe/Pariss")).toThrow("unknown time zone Europe/Pariss");
    expect(() => checkTimezone("utc")).toThrow("unknown time zone utc");
    expect(() => checkTimezone("../etc/passwd")).toThrow("time: invalid location name");
  });

  it("cronNext gives the wall-clock reading in the caller's zone", () => {
    const n = cronNext(parseCron("0 9 * * *"), "Asia/Kolkata", T("2024-01-01T03:00:00Z"))!;
    expect([formatWall(n.wallMs), new Date(n.utcMs).toISOString()]).toEqual(["2024-01-01T09:00:00", "2024-01-01T03:30:00.000Z"]);
    expect(cronNext(parseCron("0 0 30 Feb *"), "UTC", T("2024-01-01T03:00:00Z"))).toBeUndefined();
  });
});

describe("Karpenter budget windows: Next(now − duration) ≤ now (Budget.IsActive)", () => {
  const active = (spec: string, at: string, durationMs: number) => {
    const s = parseCron(`TZ=UTC ${spec}`);
    return s.next(T(at) - durationMs) <= T(at);
  };
  const h8 = 8 * 3_600_000;

  it("a window [activation, activation + duration) is open", () => {
    expect(active("0 9 * * *", "2025-01-02T09:00:00Z", h8)).toBe(true);
    expect(active("0 9 * * *", "2025-01-02T16:59:59Z", h8)).toBe(true);
    // At exactly 17:00 Next(09:00) is the following day: closed.
    expect(active("0 9 * * *", "2025-01-02T17:00:00Z", h8)).toBe(false);
    expect(active("0 9 * * *", "2025-01-02T08:59:00Z", h8)).toBe(false);
  });

  it("weekday windows: the last activation before Saturday 10:00 was Friday 09:00", () => {
    const week = 7 * 86_400_000;
    // Fri 2025-01-03 09:00 + 25 h = Sat 10:00: a 25 h window is just closed, a 25 h 1 s one is open.
    expect(active("0 9 * * 1-5", "2025-01-04T10:00:00Z", 25 * 3_600_000)).toBe(false);
    expect(active("0 9 * * 1-5", "2025-01-04T10:00:00Z", 25 * 3_600_000 + 1000)).toBe(true);
    expect(active("0 9 * * 1-5", "2025-01-04T10:00:00Z", week)).toBe(true);
    expect(active("0 9 * * 1-5", "2025-01-03T09:00:00Z", 60_000)).toBe(true);
    expect(active("0 9 * * 1-5", "2025-01-03T08:59:59Z", 3_600_000)).toBe(false);
  });

  it("day-of-month OR day-of-week when both are restricted, AND when one is *", () => {
    // 2025-01-10 is a Friday, not the 13th; 2025-01-13 a Monday.
    expect(active("0 0 13 * 5", "2025-01-10T00:30:00Z", 3_600_000)).toBe(true);
    expect(active("0 0 13 * 5", "2025-01-13T00:30:00Z", 3_600_000)).toBe(true);
    expect(active("0 0 13 * 5", "2025-01-14T00:30:00Z", 3_600_000)).toBe(false);
    expect(active("0 0 * * 5", "2025-01-13T00:30:00Z", 3_600_000)).toBe(false);
  });

  it("an unsatisfiable schedule's zero time is never after now: upstream counts it active", () => {
    expect(active("0 0 30 2 *", "2025-01-13T00:30:00Z", 3_600_000)).toBe(true);
  });
});
