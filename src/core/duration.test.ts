import { describe, expect, it } from "vitest";
import { DurationError, formatDuration, formatDurationNs, parseDuration, parseDurationNs } from "./duration.js";

// Cases adapted from Go's src/time/time_test.go (parseDurationTests, durationTests).
const NS = 1n;
const US = 1000n * NS;
const MS = 1000n * US;
const S = 1000n * MS;
const M = 60n * S;
const H = 60n * M;
const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

describe("parseDurationNs (time.ParseDuration)", () => {
  const ok: Array<[string, bigint]> = [
    ["0", 0n],
    ["5s", 5n * S],
    ["30s", 30n * S],
    ["1478s", 1478n * S],
    ["-5s", -5n * S],
    ["+5s", 5n * S],
    ["-0", 0n],
    ["+0", 0n],
    ["5.0s", 5n * S],
    ["5.6s", 5n * S + 600n * MS],
    ["5.s", 5n * S],
    [".5s", 500n * MS],
    ["1.004s", 1n * S + 4n * MS],
    ["1.0040s", 1n * S + 4n * MS],
    ["100.00100s", 100n * S + 1n * MS],
    ["10ns", 10n],
    ["11us", 11n * US],
    ["12µs", 12n * US],
    ["12μs", 12n * US],
    ["13ms", 13n * MS],
    ["15m", 15n * M],
    ["16h", 16n * H],
    ["3h30m", 3n * H + 30n * M],
    ["10.5s4m", 4n * M + 10n * S + 500n * MS],
    ["-2m3.4s", -(2n * M + 3n * S + 400n * MS)],
    ["1h2m3s4ms5us6ns", H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n],
    ["39h9m14.425s", 39n * H + 9n * M + 14n * S + 425n * MS],
    ["52763797000ns", 52763797000n],
    ["0.3333333333333333333h", 20n * M],
    ["9007199254740993ns", (1n << 53n) + 1n],
    ["9223372036854775807ns", MAX],
    ["9223372036854775.807us", MAX],
    ["9223372036s854ms775us807ns", MAX],
    ["-9223372036854775808ns", MIN],
    ["-9223372036854775.808us", MIN],
    ["0.100000000000000000000h", 6n * M],
    ["0.830103483285477580700h", 49n * M + 48n * S + 372539827n],
  ];
  for (const [input, want] of ok) {
    it(input, () => expect(parseDurationNs(input)).toBe(want));
  }

  it("rejects what Go rejects, with Go's messages", () => {
    const bad = ["", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "9223372036854775808ns", "9223372036854775.808us", "9223372036s854ms775us808ns", "-9223372036854775809ns", "1h 30m"];
    for (const b of bad) expect(() => parseDurationNs(b), b).toThrow(DurationError);
    expect(() => parseDurationNs("")).toThrow('time: invalid duration ""');
    expect(() => parseDurationNs("3")).toThrow('time: missing unit in duration "3"');
    expect(() => parseDurationNs("1d")).toThrow('time: unknown unit "d" in duration "1d"');
    expect(() => parseDurationNs(".s")).toThrow('time: invalid duration ".s"');
  });
});

describe("parseDuration (milliseconds)", () => {
  it("converts Go durations to ms", () => {
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("300ms")).toBe(300);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("300us")).toBe(0.3);
    expect(parseDuration("-15s")).toBe(-15_000);
  });
  it("treats bare numbers as seconds", () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration(0.5)).toBe(500);
    expect(() => parseDuration(Number.NaN)).toThrow(DurationError);
  });
});

describe("formatDuration (Duration.String)", () => {
  it("durationTests", () => {
    const table: Array<[string, bigint]> = [
      ["0s", 0n],
      ["1ns", 1n],
      ["1.1µs", 1100n],
      ["2.2ms", 2200n * US],
      ["3.3s", 3300n * MS],
      ["4m5s", 4n * M + 5n * S],
      ["4m5.001s", 4n * M + 5001n * MS],
      ["5h6m7.001s", 5n * H + 6n * M + 7001n * MS],
      ["8m0.000000001s", 8n * M + 1n],
      ["2562047h47m16.854775807s", MAX],
      ["-2562047h47m16.854775808s", MIN],
    ];
    for (const [want, ns] of table) {
      expect(formatDurationNs(ns)).toBe(want);
      // and the text parses back to the same duration
      expect(parseDurationNs(want)).toBe(ns);
    }
  });
  it("formats milliseconds", () => {
    expect(formatDuration(300_000)).toBe("5m0s");
    expect(formatDuration(3_600_000)).toBe("1h0m0s");
    expect(formatDuration(300)).toBe("300ms");
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(15_000)).toBe("15s");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(0.3)).toBe("300µs");
    expect(formatDuration(-1500)).toBe("-1.5s");
  });
});
