/**
 * Go time.Duration text: time.ParseDuration and Duration.String(), in milliseconds (the virtual
 * clock's unit). Sub-millisecond durations come back as fractional milliseconds ("300us" → 0.3).
 */

const UNITS = new Map<string, bigint>([
  ["ns", 1n],
  ["us", 1_000n],
  ["\u00b5s", 1_000n], // µ (micro sign)
  ["\u03bcs", 1_000n], // μ (Greek mu)
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
  ["m", 60_000_000_000n],
  ["h", 3_600_000_000_000n],
]);

const MAX_U = 1n << 63n;

export class DurationError extends Error {
  override readonly name = "DurationError";
}

/** Go's time.quote: a double-quoted string. */
function quote(s: string): string {
  return JSON.stringify(s);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/**
 * time.ParseDuration in nanoseconds (BigInt, exact). Accepts "300ms", "-1.5h", "2h45m", "1h30m10.5s",
 * "0"; errors carry Go's messages (`time: invalid duration "x"`, `time: missing unit in duration "1"`,
 * `time: unknown unit "d" in duration "1d"`).
 */
export function parseDurationNs(orig: string): bigint {
  let s = orig;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  const invalid = () => new DurationError(`time: invalid duration ${quote(orig)}`);
  if (s === "") throw invalid();
  let d = 0n;
  let i = 0;
  while (i < s.length) {
    if (!(s[i] === "." || isDigit(s[i]))) throw invalid();
    // [0-9]*
    const startInt = i;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX_U) throw invalid();
      i++;
    }
    const pre = i > startInt;
    // (\.[0-9]*)?
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s[i] === ".") {
      i++;
      const startFrac = i;
      let overflow = false;
      while (isDigit(s[i])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
          if (y > MAX_U) overflow = true;
          else {
            f = y;
            scale *= 10;
          }
        }
        i++;
      }
      post = i > startFrac;
    }
    if (!pre && !post) throw invalid();
    // Unit: everything up to the next [.0-9].
    const startUnit = i;
    while (i < s.length && !(s[i] === "." || isDigit(s[i]))) i++;
    if (i === startUnit) throw new DurationError(`time: missing unit in duration ${quote(orig)}`);
    const u = s.slice(startUnit, i);
    const unit = UNITS.get(u);
    if (unit === undefined) throw new DurationError(`time: unknown unit ${quote(u)} in duration ${quote(orig)}`);
    if (v > MAX_U / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)) — truncating float arithmetic.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_U) throw invalid();
    }
    d += v;
    if (d > MAX_U) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX_U - 1n) throw invalid();
  return d;
}

/**
 * Duration in milliseconds. Strings follow time.ParseDuration ("1m30s", "300ms", "1h"); a bare
 * number is seconds (as in `--horizontal-pod-autoscaler-sync-period=15` style YAML values).
 */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new DurationError(`time: invalid duration ${quote(String(input))}`);
    return input * 1000;
  }
  const ns = parseDurationNs(input);
  const whole = ns / 1_000_000n;
  const rem = ns - whole * 1_000_000n;
  return rem === 0n ? Number(whole) : Number(whole) + Number(rem) / 1e6;
}

/** Go's fmtFrac: fraction digits of v (precision prec), trailing zeros dropped. */
function fmtFrac(v: bigint, prec: number): { frac: string; rest: bigint } {
  let digits = "";
  let printed = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    printed = printed || digit !== 0n;
    if (printed) digits = `${digit}${digits}`;
    v /= 10n;
  }
  return { frac: printed ? `.${digits}` : "", rest: v };
}

/** Duration.String() of a nanosecond count: "5m0s", "1h0m0s", "300ms", "1.5µs", "0s". */
export function formatDurationNs(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    // Sub-second: ns, µs or ms with a fraction.
    let prec: number;
    let unit: string;
    if (u < 1_000n) return `${neg ? "-" : ""}${u}ns`;
    if (u < 1_000_000n) {
      prec = 3;
      unit = "\u00b5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    const { frac, rest } = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const { frac, rest } = fmtFrac(u, 9);
    u = rest; // whole seconds
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Duration.String() of milliseconds (fractions down to the nanosecond are kept). */
export function formatDuration(ms: number): string {
  if (Number.isInteger(ms)) return formatDurationNs(BigInt(ms) * 1_000_000n);
  const whole = Math.trunc(ms);
  return formatDurationNs(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)));
}
