import { describe, expect, it } from "vitest";
import { lastActivation, parseCron, scheduleActive } from "./cron.js";

const T = (s: string) => Date.parse(s);

describe("cron (robfig ParseStandard semantics)", () => {
  it("parses fields, names, steps and descriptors", () => {
    const c = parseCron("*/15 9-17 * JAN-mar mon-FRI");
    expect([...c.minutes.keys()].filter((i) => c.minutes[i])).toEqual([0, 15, 30, 45]);
    expect(c.hours[8]).toBe(0);
    expect(c.hours[9]).toBe(1);
    expect(c.hours[17]).toBe(1);
    expect(c.months[3]).toBe(1);
    expect(c.months[4]).toBe(0);
    expect(c.dow[0]).toBe(0);
    expect(c.dow[5]).toBe(1);
    expect(parseCron("@daily").hours[0]).toBe(1);
    expect(parseCron("5/20 * * * *").minutes.filter((x) => x).length).toBe(3); // 5,25,45
  });

  it("rejects malformed schedules", () => {
    expect(() => parseCron("* * * *")).toThrow(/expected exactly 5 fields/);
    expect(() => parseCron("61 * * * *")).toThrow(/above maximum/);
    expect(() => parseCron("x * * * *")).toThrow();
    expect(() => parseCron("* * * * 7")).toThrow(/above maximum/);
  });

  it("finds the latest activation at or before a time", () => {
    const c = parseCron("0 9 * * 1-5"); // weekdays 09:00
    // 2025-01-04 is a Saturday; the last activation before Sat 10:00 is Fri 2025-01-03 09:00.
    expect(lastActivation(c, T("2025-01-04T10:00:00Z"), 7 * 86400000)).toBe(T("2025-01-03T09:00:00Z"));
    expect(lastActivation(c, T("2025-01-03T09:00:00Z"), 60000)).toBe(T("2025-01-03T09:00:00Z"));
    expect(lastActivation(c, T("2025-01-03T08:59:59Z"), 3600000)).toBeUndefined();
  });

  it("window [activation, activation+duration) is active (Next(now-d) <= now)", () => {
    const c = parseCron("0 9 * * *");
    const h8 = 8 * 3600000;
    expect(scheduleActive(c, T("2025-01-02T09:00:00Z"), h8)).toBe(true);
    expect(scheduleActive(c, T("2025-01-02T16:59:59Z"), h8)).toBe(true);
    // At exactly 17:00 Next(09:00) is the following day: closed.
    expect(scheduleActive(c, T("2025-01-02T17:00:00Z"), h8)).toBe(false);
    expect(scheduleActive(c, T("2025-01-02T08:59:00Z"), h8)).toBe(false);
  });

  it("day-of-month OR day-of-week when both restricted, AND when one is *", () => {
    const or = parseCron("0 0 13 * 5"); // 13th or any Friday
    // 2025-01-10 is a Friday, not the 13th.
    expect(scheduleActive(or, T("2025-01-10T00:30:00Z"), 3600000)).toBe(true);
    expect(scheduleActive(or, T("2025-01-13T00:30:00Z"), 3600000)).toBe(true); // Monday the 13th
    expect(scheduleActive(or, T("2025-01-14T00:30:00Z"), 3600000)).toBe(false);
    const and = parseCron("0 0 * * 5");
    expect(scheduleActive(and, T("2025-01-13T00:30:00Z"), 3600000)).toBe(false);
  });
});
