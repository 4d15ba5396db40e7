import { describe, expect, it } from "vitest";
import {
  bytesOf,
  cpuMilli,
  ERR_FORMAT_WRONG,
  ERR_SUFFIX,
  formatBytes,
  formatCpuMilli,
  isValidQuantity,
  parseQuantity,
  Quantity,
  QuantityError,
} from "./quantity.js";

// Cases adapted from k8s.io/apimachinery/pkg/api/resource/quantity_test.go.
// Expected values are [mantissa, exponent] so that value = mantissa × 10^exponent.

function same(q: Quantity, mantissa: bigint, exponent: number): boolean {
  return q.cmp(new Quantity(mantissa, exponent)) === 0;
}

describe("parseQuantity values and formats (TestQuantityParse)", () => {
  const table: Array<[string, bigint, number, string]> = [
    ["0", 0n, 0, "DecimalSI"],
    ["0n", 0n, 0, "DecimalSI"],
    ["0m", 0n, 0, "DecimalSI"],
    ["0Ki", 0n, 0, "BinarySI"],
    ["0Mi", 0n, 0, "BinarySI"],
    ["1", 1n, 0, "DecimalSI"],
    ["1Ki", 1024n, 0, "BinarySI"],
    ["8Ki", 8n * 1024n, 0, "BinarySI"],
    ["7Mi", 7n * 1024n ** 2n, 0, "BinarySI"],
    ["6Gi", 6n * 1024n ** 3n, 0, "BinarySI"],
    ["5Ti", 5n * 1024n ** 4n, 0, "BinarySI"],
    ["4Pi", 4n * 1024n ** 5n, 0, "BinarySI"],
    ["3Ei", 3n * 1024n ** 6n, 0, "BinarySI"],
    ["100Ti", 100n * 1024n ** 4n, 0, "BinarySI"],
    ["5n", 5n, -9, "DecimalSI"],
    ["4u", 4n, -6, "DecimalSI"],
    ["3m", 3n, -3, "DecimalSI"],
    ["8k", 8n, 3, "DecimalSI"],
    ["50k", 5n, 4, "DecimalSI"],
    ["7M", 7n, 6, "DecimalSI"],
    ["6G", 6n, 9, "DecimalSI"],
    ["40T", 4n, 13, "DecimalSI"],
    ["2P", 2n, 15, "DecimalSI"],
    ["1E", 1n, 18, "DecimalSI"],
    ["1E-3", 1n, -3, "DecimalExponent"],
    ["1e3", 1n, 3, "DecimalExponent"],
    ["1E18", 1n, 18, "DecimalExponent"],
    ["100.035k", 100035n, 0, "DecimalSI"],
    ["0.001", 1n, -3, "DecimalSI"],
    ["0.0005k", 5n, -1, "DecimalSI"],
    ["0.50000", 5n, -1, "DecimalSI"],
    ["0.5e-2", 5n, -3, "DecimalExponent"],
    ["10.035M", 10035n, 3, "DecimalSI"],
    ["1.3E+6", 13n, 5, "DecimalExponent"],
    ["1.7E18", 17n, 17, "DecimalExponent"],
    ["9.01", 901n, -2, "DecimalSI"],
    ["6.987654321G", 6987654321n, 0, "DecimalSI"],
    ["1.01E", 101n, 16, "DecimalSI"],
    // Things that saturate/round.
    ["3.001n", 4n, -9, "DecimalSI"],
    ["1.1E-9", 2n, -9, "DecimalExponent"],
    ["0.0000000001", 1n, -9, "DecimalSI"],
    ["0.00000000050", 1n, -9, "DecimalSI"],
    ["0.9n", 1n, -9, "DecimalSI"],
    ["0.00000012345", 124n, -9, "DecimalSI"],
    ["9Ei", (1n << 63n) - 1n, 0, "BinarySI"],
    ["9223372036854775807Ki", (1n << 63n) - 1n, 0, "BinarySI"],
    ["12E", 12n, 18, "DecimalSI"],
    // Fractional binary.
    ["100.035Ki", 10243584n, -2, "BinarySI"],
    ["0.5Mi", 524288n, 0, "BinarySI"],
    ["0.025Ti", 274877906944n, -1, "BinarySI"],
    // Written by trolls.
    ["0.000000000001Ki", 2n, -9, "DecimalSI"],
    [".001", 1n, -3, "DecimalSI"],
    [".0001k", 100n, -3, "DecimalSI"],
    ["1.", 1n, 0, "DecimalSI"],
    ["1.G", 1n, 9, "DecimalSI"],
  ];
  for (const [input, m, e, format] of table) {
    it(`${input}`, () => {
      const q = parseQuantity(input);
      expect(same(q, m, e)).toBe(true);
      expect(q.format).toBe(format);
      const neg = parseQuantity(`-${input}`);
      expect(same(neg, -m, e)).toBe(true);
      expect(neg.format).toBe(format);
      const pos = parseQuantity(`+${input}`);
      expect(same(pos, m, e)).toBe(true);
    });
  }

  it("rejects invalid input with upstream's errors", () => {
    for (const bad of ["1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", "1e4294967297", " 1", "1 ", ""]) {
      expect(() => parseQuantity(bad), bad).toThrow(QuantityError);
      expect(isValidQuantity(bad), bad).toBe(false);
    }
    expect(() => parseQuantity("aoeu")).toThrow(ERR_FORMAT_WRONG);
    expect(() => parseQuantity("1.1.M")).toThrow(ERR_FORMAT_WRONG);
    expect(() => parseQuantity("1i")).toThrow(ERR_SUFFIX);
    expect(() => parseQuantity("")).toThrow(ERR_FORMAT_WRONG);
    expect(isValidQuantity("250m")).toBe(true);
  });

  it("accepts numbers as JSON/YAML numbers", () => {
    expect(parseQuantity(2).toString()).toBe("2");
    expect(parseQuantity(0.5).toString()).toBe("500m");
    expect(parseQuantity(1e21).value()).toBe(1e21);
    expect(() => parseQuantity(Number.NaN)).toThrow(QuantityError);
  });
});

describe("canonical String()", () => {
  it("matches the task's worked examples", () => {
    const cases: Array<[string, string]> = [
      ["1.5Gi", "1536Mi"],
      ["1000m", "1"],
      ["0.5", "500m"],
      ["262144k", "262144k"],
      ["1e3", "1e3"],
      ["100M", "100M"],
      ["0.1", "100m"],
      ["1.5", "1500m"],
      ["12e6", "12e6"],
    ];
    for (const [input, want] of cases) expect(parseQuantity(input).toString(), input).toBe(want);
  });

  it("TestQuantityParseEmit", () => {
    const cases: Array<[string, string]> = [
      ["1Ki", "1Ki"],
      ["1Mi", "1Mi"],
      ["1Gi", "1Gi"],
      ["1024Mi", "1Gi"],
      ["1000M", "1G"],
      [".001Ki", "1024m"],
      [".000001Ki", "1024u"],
      [".000000001Ki", "1024n"],
      [".000000000001Ki", "2n"],
    ];
    for (const [input, want] of cases) {
      expect(parseQuantity(input).toString(), input).toBe(want);
      expect(parseQuantity(`-${input}`).toString(), `-${input}`).toBe(`-${want}`);
    }
  });

  it("TestQuantityString: value → canonical text, alternate spellings canonicalise to it", () => {
    const table: Array<[bigint, number, "DecimalSI" | "BinarySI" | "DecimalExponent", string, string]> = [
      [1024n ** 3n, 0, "BinarySI", "1Gi", "1024Mi"],
      [300n * 1024n ** 2n, 0, "BinarySI", "300Mi", "307200Ki"],
      [6n * 1024n, 0, "BinarySI", "6Ki", ""],
      [1001n * 1024n ** 3n, 0, "BinarySI", "1001Gi", "1025024Mi"],
      [1024n ** 4n, 0, "BinarySI", "1Ti", "1024Gi"],
      [5n, 0, "BinarySI", "5", "5000m"],
      [500n, -3, "BinarySI", "500m", "0.5"],
      [1n, 9, "DecimalSI", "1G", "1000M"],
      [1000n, 6, "DecimalSI", "1G", "0.001T"],
      [1n, -3, "DecimalSI", "1m", "1000u"],
      [1080n, -3, "DecimalSI", "1080m", "1.08"],
      [108n, -2, "DecimalSI", "1080m", "1080000000n"],
      [10800n, -4, "DecimalSI", "1080m", ""],
      [300n, 6, "DecimalSI", "300M", ""],
      [1n, 18, "DecimalSI", "1E", ""],
      [1n, 21, "DecimalSI", "1e21", "1000E"],
      [5n, 21, "DecimalSI", "5e21", "5000E"],
      [1n, 70, "BinarySI", "10e69", ""],
      [1234567n, 6, "DecimalSI", "1234567M", ""],
      [1234567n, -3, "BinarySI", "1234567m", ""],
      [1025n, 0, "BinarySI", "1025", ""],
      [0n, 0, "BinarySI", "0", ""],
      [1n, 9, "DecimalExponent", "1e9", ".001e12"],
      [1n, -3, "DecimalExponent", "1e-3", "0.001e0"],
      [1n, -9, "DecimalExponent", "1e-9", "1000e-12"],
      [80n, -3, "DecimalExponent", "80e-3", ""],
      [300n, 6, "DecimalExponent", "300e6", ""],
      [0n, 0, "DecimalExponent", "0", "00"],
      [108n, -8, "DecimalSI", "1080n", ""],
      [1080n, -6, "DecimalSI", "1080u", ""],
    ];
    for (const [m, e, format, want, alternate] of table) {
      const q = new Quantity(m, e, format);
      expect(q.toString(), `${m}e${e} ${format}`).toBe(want);
      if (m !== 0n) expect(new Quantity(-m, e, format).toString()).toBe(`-${want}`);
      // The canonical text parses back to the same value and prints itself.
      const back = parseQuantity(want);
      expect(back.cmp(q)).toBe(0);
      expect(back.toString()).toBe(want);
      if (alternate) {
        const alt = parseQuantity(alternate);
        expect(alt.toString(), alternate).toBe(want);
        expect(alt.cmp(q)).toBe(0);
      }
    }
  });

  it("below nano and past Ei fall back to exponent notation / exact digits", () => {
    expect(new Quantity(1n, -12, "DecimalSI").toString()).toBe("1e-12");
    expect(new Quantity(1n, -10, "DecimalSI").toString()).toBe("100e-12");
    expect(new Quantity(1n << 70n, 0, "BinarySI").toString()).toBe("1180591620717411303424");
    expect(new Quantity(2000n, 0, "BinarySI").toString()).toBe("2000");
  });

  it("keeps an input that was already canonical verbatim", () => {
    expect(parseQuantity("1025Ki").toString()).toBe("1025Ki");
    expect(parseQuantity("2048Ki").toString()).toBe("2Mi");
    expect(parseQuantity("1536Ki").toString()).toBe("1536Ki");
    expect(JSON.stringify({ cpu: parseQuantity("1000m") })).toBe('{"cpu":"1"}');
  });
});

describe("Value / MilliValue / ScaledValue", () => {
  it("round away from zero (TestNegativeValueRoundsAwayFromZero)", () => {
    const table: Array<[string, number, number]> = [
      ["-.484785E-7466", -1, -1],
      [".484785E-7466", 1, 1],
      ["-.484785E-1", -1, -49],
      [".484785E-1", 1, 49],
      ["-0.0005", -1, -1],
      ["0.0005", 1, 1],
      ["-1500m", -2, -1500],
      ["1500m", 2, 1500],
      ["-9.5000000001Gi", -10200547329, -10200547328108],
      ["9.5000000001Gi", 10200547329, 10200547328108],
      ["-1", -1, -1000],
      ["1", 1, 1000],
      ["0", 0, 0],
    ];
    for (const [input, value, milli] of table) {
      const q = parseQuantity(input);
      expect(q.value(), input).toBe(value);
      expect(q.milliValue(), input).toBe(milli);
    }
  });

  it("TestScaledValue", () => {
    const table: Array<[number, number, number]> = [
      [-9, -9, 1],
      [-9, -6, 1],
      [-9, 0, 1],
      [-6, -9, 1000],
      [-3, -9, 1_000_000],
      [-3, -3, 1],
      [0, -9, 1_000_000_000],
      [0, -3, 1000],
      [2, -2, 10_000],
    ];
    for (const [from, to, want] of table) expect(Quantity.fromScaled(1, from).scaledValue(to)).toBe(want);
  });

  it("NewMilliQuantity / NewQuantity / NewScaledQuantity printing", () => {
    expect(Quantity.fromMilli(1).toString()).toBe("1m");
    expect(Quantity.fromMilli(1000).toString()).toBe("1");
    expect(Quantity.fromMilli(1234000).toString()).toBe("1234");
    expect(Quantity.fromMilli(1024, "BinarySI").toString()).toBe("1024m");
    expect(Quantity.fromMilli(1024 * 1024, "BinarySI").toString()).toBe("1048576m");
    expect(Quantity.fromValue(1000).toString()).toBe("1k");
    expect(Quantity.fromValue(1234000).toString()).toBe("1234k");
    expect(Quantity.fromValue(1024, "BinarySI").toString()).toBe("1Ki");
    expect(Quantity.fromValue(1000000, "DecimalExponent").toString()).toBe("1e6");
    expect(Quantity.fromScaled(1000, -9).toString()).toBe("1u");
    expect(Quantity.fromScaled(0, -6).toString()).toBe("0");
  });

  it("asApproximateFloat64", () => {
    expect(parseQuantity("1.5Gi").asApproximateFloat64()).toBe(1610612736);
    expect(parseQuantity("250m").asApproximateFloat64()).toBe(0.25);
    expect(parseQuantity("0.1").asApproximateFloat64()).toBe(0.1);
    expect(parseQuantity("12e6").asApproximateFloat64()).toBe(12_000_000);
    expect(parseQuantity("1n").asApproximateFloat64()).toBe(1e-9);
  });

  it("cmp / add / sub (TestQuantityCmp, TestSub)", () => {
    expect(parseQuantity("100m").cmp(parseQuantity("50m"))).toBe(1);
    expect(parseQuantity("50m").cmp(parseQuantity("100m"))).toBe(-1);
    expect(parseQuantity("10000T").cmp(parseQuantity("100Gi"))).toBe(1);
    expect(parseQuantity("0").cmp(parseQuantity("0Mi"))).toBe(0);
    expect(parseQuantity("10").sub(parseQuantity("1")).toString()).toBe("9");
    expect(parseQuantity("100m").add(parseQuantity("0")).toString()).toBe("100m");
    expect(parseQuantity("1Gi").add(parseQuantity("512Mi")).toString()).toBe("1536Mi");
  });
});

describe("helpers", () => {
  it("cpuMilli and bytesOf", () => {
    expect(cpuMilli(undefined)).toBe(0);
    expect(cpuMilli("250m")).toBe(250);
    expect(cpuMilli("2")).toBe(2000);
    expect(cpuMilli(0.5)).toBe(500);
    expect(cpuMilli("0.0001")).toBe(1); // rounded up
    expect(cpuMilli("1.5")).toBe(1500);
    expect(bytesOf(undefined)).toBe(0);
    expect(bytesOf("128Mi")).toBe(134217728);
    expect(bytesOf("1G")).toBe(1e9);
    expect(bytesOf("1.5Gi")).toBe(1610612736);
    expect(bytesOf("100m")).toBe(1); // rounded up
    expect(() => cpuMilli("abc")).toThrow(QuantityError);
  });

  it("formatCpuMilli and formatBytes", () => {
    expect(formatCpuMilli(500)).toBe("500m");
    expect(formatCpuMilli(2000)).toBe("2");
    expect(formatCpuMilli(1500)).toBe("1500m");
    expect(formatCpuMilli(0)).toBe("0");
    expect(formatBytes(134217728)).toBe("128Mi");
    expect(formatBytes(1073741824)).toBe("1Gi");
    expect(formatBytes(1000)).toBe("1k"); // below 1024 BinarySI prints as DecimalSI
    expect(formatBytes(1500000)).toBe("1500000");
    expect(formatBytes(0)).toBe("0");
  });
});
