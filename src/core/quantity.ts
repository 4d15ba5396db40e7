/**
 * resource.Quantity of k8s.io/apimachinery/pkg/api/resource: parsing, canonical printing, and the
 * rounding rules of Value()/MilliValue().
 *
 * A quantity is held exactly as `unscaled × 10^scale` (BigInt mantissa), so "0.1" or "1.5Gi" never
 * pick up binary floating-point error. Parsing follows upstream's hand-written scanner (not only the
 * regular expression quoted in its error message), including its quirks:
 *   - values are rounded up (away from zero) to nano precision ("0.1n" → "1n");
 *   - BinarySI values are capped at 2^63-1;
 *   - a string already in canonical form is kept verbatim by String() ("1e3", "262144k", "1Ki").
 */

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** Error texts of resource.ErrFormatWrong / ErrNumeric / ErrSuffix. */
export const ERR_FORMAT_WRONG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ERR_NUMERIC = "unable to parse quantity's numeric part";
export const ERR_SUFFIX = "unable to parse quantity's suffix";

export class QuantityError extends Error {
  override readonly name = "QuantityError";
}

const DEC_SUFFIXES = new Map<string, number>([
  ["n", -9],
  ["u", -6],
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18],
]);
const DEC_SUFFIX_BY_EXP = new Map<number, string>([...DEC_SUFFIXES].map(([s, e]) => [e, s]));
const BIN_SUFFIXES = new Map<string, number>([
  ["Ki", 10],
  ["Mi", 20],
  ["Gi", 30],
  ["Ti", 40],
  ["Pi", 50],
  ["Ei", 60],
]);
const BIN_SUFFIX_BY_EXP = new Map<number, string>([...BIN_SUFFIXES].map(([s, e]) => [e, s]));

const NANO = -9;
const MAX_INT64 = (1n << 63n) - 1n;
const POW10: bigint[] = [];
for (let i = 0, p = 1n; i <= 40; i++, p *= 10n) POW10.push(p);

function pow10(n: number): bigint {
  return n <= 40 ? POW10[n]! : 10n ** BigInt(n);
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

/** Divide by 10^d rounding away from zero. */
function divRoundAway(x: bigint, d: number): { q: bigint; exact: boolean } {
  if (d <= 0) return { q: x * pow10(-d), exact: true };
  const ax = abs(x);
  // Cheap bound for absurd exponents: |x| < 10^d ⇒ quotient 0.
  if (ax.toString().length <= d) return ax === 0n ? { q: 0n, exact: true } : { q: x < 0n ? -1n : 1n, exact: false };
  const p = pow10(d);
  let q = ax / p;
  const exact = q * p === ax;
  if (!exact) q += 1n;
  return { q: x < 0n ? -q : q, exact };
}

export class Quantity {
  /**
   * value = unscaled × 10^scale. Prefer `parseQuantity`, `Quantity.fromMilli`, `Quantity.fromValue`.
   * `cached` is the string form kept verbatim when the input already was canonical.
   */
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
    readonly format: QuantityFormat = "DecimalSI",
    private cached?: string,
  ) {}

  /** resource.NewMilliQuantity. */
  static fromMilli(milli: number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(Math.ceil(milli)), -3, format);
  }

  /** resource.NewQuantity. */
  static fromValue(value: number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(Math.ceil(value)), 0, format);
  }

  /** resource.NewScaledQuantity: value × 10^scale. */
  static fromScaled(value: number, scale: number): Quantity {
    return new Quantity(BigInt(Math.ceil(value)), scale, "DecimalSI");
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled < 0n ? -1 : this.unscaled > 0n ? 1 : 0;
  }

  /** Value in units of 10^newScale, rounded away from zero (Quantity.ScaledValue). */
  scaledValue(newScale: number): number {
    const d = newScale - this.scale;
    if (d === 0) return Number(this.unscaled);
    if (d < 0) {
      const k = -d;
      return k <= 40 ? Number(this.unscaled * pow10(k)) : Number(this.unscaled) * 10 ** k;
    }
    return Number(divRoundAway(this.unscaled, d).q);
  }

  /** Quantity.MilliValue: ceil(value × 1000) (away from zero). */
  milliValue(): number {
    return this.scaledValue(-3);
  }

  /** Quantity.Value: ceil(value) (away from zero). */
  value(): number {
    return this.scaledValue(0);
  }

  /** Quantity.AsApproximateFloat64. */
  asApproximateFloat64(): number {
    if (this.scale === 0) return Number(this.unscaled);
    if (this.scale > 0) return Number(this.unscaled) * 10 ** this.scale;
    // Strip trailing zeros first so that the division is by the smallest exact power of ten.
    let u = this.unscaled;
    let s = this.scale;
    while (s < 0 && u !== 0n && u % 10n === 0n) {
      u /= 10n;
      s++;
    }
    return s <= -23 ? Number(u) * 10 ** s : Number(u) / 10 ** -s;
  }

  /** -1, 0, 1 as this <, =, > other (Quantity.Cmp). */
  cmp(other: Quantity): -1 | 0 | 1 {
    const s = Math.min(this.scale, other.scale);
    const a = this.unscaled * pow10(this.scale - s);
    const b = other.unscaled * pow10(other.scale - s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Sum, keeping this quantity's format (Quantity.Add). */
  add(other: Quantity): Quantity {
    const s = Math.min(this.scale, other.scale);
    return new Quantity(this.unscaled * pow10(this.scale - s) + other.unscaled * pow10(other.scale - s), s, this.format);
  }

  /** Difference, keeping this quantity's format (Quantity.Sub). */
  sub(other: Quantity): Quantity {
    return this.add(new Quantity(-other.unscaled, other.scale, other.format));
  }

  /** Canonical string form (Quantity.String). */
  toString(): string {
    if (this.cached === undefined) this.cached = this.canonicalize();
    return this.cached;
  }

  toJSON(): string {
    return this.toString();
  }

  private canonicalize(): string {
    if (this.unscaled === 0n) return "0";
    let format = this.format;
    let integral: bigint | undefined;
    if (format === "BinarySI") {
      if (this.cmp(LOWER_1024) > 0 && this.cmp(UPPER_1024) < 0) {
        format = "DecimalSI";
      } else {
        const r = divRoundAway(this.unscaled, -this.scale);
        if (!r.exact) format = "DecimalSI";
        else integral = r.q;
      }
    }
    if (format === "BinarySI") {
      let amount = integral!;
      let exp = 0;
      while (amount % 1024n === 0n) {
        amount /= 1024n;
        exp += 10;
      }
      const suffix = BIN_SUFFIX_BY_EXP.get(exp);
      if (exp === 0 || suffix !== undefined) return `${amount}${suffix ?? ""}`;
      // Past "Ei" there is no binary suffix: fall back to exact decimal exponent notation.
      format = "DecimalExponent";
    }
    // Move all factors of ten into the exponent, then lower it to a multiple of three.
    let amount = this.unscaled;
    let exp = this.scale;
    while (amount % 10n === 0n) {
      amount /= 10n;
      exp++;
    }
    const rem = ((exp % 3) + 3) % 3;
    if (rem !== 0) {
      amount *= pow10(rem);
      exp -= rem;
    }
    if (format === "DecimalSI") {
      const suffix = DEC_SUFFIX_BY_EXP.get(exp);
      if (suffix !== undefined) return `${amount}${suffix}`;
      // No SI suffix beyond "E" or below "n": exponent notation keeps the magnitude.
    }
    return exp === 0 ? `${amount}` : `${amount}e${exp}`;
  }
}

const LOWER_1024 = new Quantity(-1024n, 0);
const UPPER_1024 = new Quantity(1024n, 0);

interface Scanned {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** Port of parseQuantityString's scanner. */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (end > 0) {
    if (str[0] === "-") {
      positive = false;
      pos++;
    } else if (str[0] === "+") {
      pos++;
    }
  }
  // Strip leading zeros.
  for (;;) {
    if (pos >= end) return { positive, num: "0", denom: "", suffix: "" };
    if (str.charCodeAt(pos) === 48) pos++;
    else break;
  }
  let i = pos;
  while (i < end && isDigit(str.charCodeAt(i))) i++;
  if (i >= end) return { positive, num: str.slice(pos), denom: "", suffix: "" };
  let num = str.slice(pos, i);
  pos = i;
  if (num === "") num = "0";
  let denom = "";
  if (str[pos] === ".") {
    pos++;
    i = pos;
    while (i < end && isDigit(str.charCodeAt(i))) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, num, denom, suffix: "" };
    pos = i;
  }
  const suffixStart = pos;
  i = pos;
  while (i < end && "eEinumkKMGTP".includes(str[i]!)) i++;
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  pos = i;
  if (str[pos] === "-" || str[pos] === "+") pos++;
  i = pos;
  while (i < end && isDigit(str.charCodeAt(i))) i++;
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  throw new QuantityError(ERR_FORMAT_WRONG);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** suffixHandler.interpret. */
function interpret(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  const d = DEC_SUFFIXES.get(suffix);
  if (d !== undefined) return { base: 10, exponent: d, format: "DecimalSI" };
  const b = BIN_SUFFIXES.get(suffix);
  if (b !== undefined) return { base: 2, exponent: b, format: "BinarySI" };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const rest = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const n = Number.parseInt(rest, 10);
    // The exponent lives in an int32 scale that is later negated: reject what would not fit.
    if (n > 2147483647 || n < -2147483647) return undefined;
    return { base: 10, exponent: n, format: "DecimalExponent" };
  }
  return undefined;
}

/** resource.ParseQuantity. Accepts a number as JSON/YAML does (`cpu: 0.5`). Throws QuantityError. */
export function parseQuantity(input: string | number): Quantity {
  let str: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new QuantityError(ERR_FORMAT_WRONG);
    str = String(input);
  } else {
    str = input;
  }
  if (str.length === 0) throw new QuantityError(ERR_FORMAT_WRONG);
  if (str === "0") return new Quantity(0n, 0, "DecimalSI", "0");

  const { positive, num, denom, suffix } = scan(str);
  const suf = interpret(suffix);
  if (!suf) throw new QuantityError(ERR_SUFFIX);
  const { base, exponent } = suf;
  let format = suf.format;

  // Fast path (upstream's int64Amount): few enough digits to be exact in an int64.
  let precision = 0;
  let scale = 0;
  let mantissa = 1n;
  if (format === "BinarySI") {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= NANO) {
      const shifted = num + denom;
      const value = BigInt(shifted);
      let result = value * mantissa;
      if (result <= MAX_INT64) {
        if (!positive) result = -result;
        let keep: boolean;
        if (format === "BinarySI") keep = exponent % 10 === 0 && (value & 7n) !== 0n;
        else keep = scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
        return new Quantity(result, scale, format, keep ? str : undefined);
      }
    }
  }

  // Arbitrary-precision path (upstream's inf.Dec).
  let unscaled = BigInt(num + denom);
  scale = -denom.length;
  if (base === 10) scale += exponent;
  else unscaled *= 1n << BigInt(exponent);
  // Round non-zero values up to the minimum representable value (1n).
  if (unscaled !== 0n && scale < NANO) {
    unscaled = divRoundAway(unscaled, NANO - scale).q;
    scale = NANO;
  }
  if (format === "BinarySI" && scale <= 0 && unscaled > MAX_INT64 * pow10(-scale)) {
    unscaled = MAX_INT64;
    scale = 0;
  }
  // A non-zero binary amount below one is shown as DecimalSI ("0.000000000001Ki" → "2n").
  if (format === "BinarySI" && unscaled > 0n && (scale >= 0 ? false : unscaled < pow10(-scale))) format = "DecimalSI";
  if (!positive) unscaled = -unscaled;
  return new Quantity(unscaled, scale, format);
}

export function isValidQuantity(s: string | number): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

// Memoised helpers: resource strings repeat across thousands of pods.
const MEMO_LIMIT = 4096;
const milliMemo = new Map<string | number, number>();
const bytesMemo = new Map<string | number, number>();

function memo(m: Map<string | number, number>, key: string | number, f: () => number): number {
  const hit = m.get(key);
  if (hit !== undefined) return hit;
  const v = f();
  if (m.size >= MEMO_LIMIT) m.clear();
  m.set(key, v);
  return v;
}

/** CPU in millicores (MilliValue, rounded up); 0 when undefined. Throws QuantityError on bad input. */
export function cpuMilli(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return memo(milliMemo, q, () => parseQuantity(q).milliValue());
}

/** Bytes (Value, rounded up); 0 when undefined. Throws QuantityError on bad input. */
export function bytesOf(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return memo(bytesMemo, q, () => parseQuantity(q).value());
}

/** NewMilliQuantity(m, DecimalSI).String(): 500 → "500m", 2000 → "2". */
export function formatCpuMilli(m: number): string {
  return Quantity.fromMilli(m, "DecimalSI").toString();
}

/** NewQuantity(b, BinarySI).String(): 134217728 → "128Mi", 1000 → "1000". */
export function formatBytes(b: number): string {
  return Quantity.fromValue(b, "BinarySI").toString();
}
