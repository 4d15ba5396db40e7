/**
 * Seeded pseudo-random numbers (sfc32 seeded through splitmix32). The domain core never calls
 * Math.random: same seed ⇒ same run. `fork(label)` derives an independent stream per component so
 * that adding a random draw in one controller does not shift every other controller's numbers.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The 32-bit seed this generator started from; forks derive from it, not from the current state. */
  private readonly seed32: number;

  constructor(seed: number | string) {
    let s = typeof seed === "number" ? seed >>> 0 : hashString(seed);
    this.seed32 = s;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Lower-case alphanumeric string like Kubernetes' generateName suffixes (no vowels, as upstream). */
  suffix(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += SUFFIX_ALPHABET[this.int(SUFFIX_ALPHABET.length)];
    return out;
  }

  /**
   * An independent generator derived from this one's seed and a label. It does not depend on how many
   * numbers were drawn from this generator, so a component's stream is the same whenever it forks.
   */
  fork(label: string): Rng {
    return new Rng((hashString(label) ^ Math.imul(this.seed32 ^ 0x5bd1e995, 0x9e3779b1)) >>> 0);
  }
}

/** k8s.io/apimachinery/pkg/util/rand alphanums: "bcdfghjklmnpqrstvwxz2456789". */
export const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function hashString(s: string): number {
  // FNV-1a, 32-bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
