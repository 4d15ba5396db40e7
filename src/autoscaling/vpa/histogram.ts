/**
 * The VPA recommender's histograms (vertical-pod-autoscaler 1.3, pkg/recommender/util/histogram*.go):
 * exponential bucket scheme, weighted samples, percentile = end of the bucket where the cumulative
 * weight reaches p × total, and the decaying variant (weights 2^((t - ref)/halfLife), ref a whole
 * multiple of the half-life, renormalised past 100 half-lives).
 */

export interface HistogramOptions {
  readonly numBuckets: number;
  readonly firstBucketSize: number;
  readonly ratio: number;
  readonly epsilon: number;
  findBucket(value: number): number;
  bucketStart(bucket: number): number;
}

/** NewExponentialHistogramOptions(maxValue, firstBucketSize, ratio, epsilon). */
export function exponentialOptions(maxValue: number, firstBucketSize: number, ratio: number, epsilon: number): HistogramOptions {
  const numBuckets = Math.ceil(Math.log(maxValue * (ratio - 1) / firstBucketSize + 1) / Math.log(ratio)) + 1;
  const logRatio = Math.log(ratio);
  return {
    numBuckets,
    firstBucketSize,
    ratio,
    epsilon,
    findBucket(value: number): number {
      if (value < firstBucketSize) return 0;
      const b = Math.floor(Math.log(value * (ratio - 1) / firstBucketSize + 1) / logRatio);
      return b >= numBuckets ? numBuckets - 1 : b;
    },
    bucketStart(bucket: number): number {
      if (bucket === 0) return 0;
      return firstBucketSize * (Math.pow(ratio, bucket) - 1) / (ratio - 1);
    },
  };
}

/** Minimum CPU sample weight (minSampleWeight) and the histograms' epsilon = 0.001 × it. */
export const MIN_SAMPLE_WEIGHT = 0.1;
export const EPSILON = 0.001 * MIN_SAMPLE_WEIGHT;
/** CPU: 10m first bucket, 5 % growth, up to 1000 cores → 176 buckets. */
export const CPU_HISTOGRAM_OPTIONS = exponentialOptions(1000, 0.01, 1.05, EPSILON);
/** Memory: 1e7 bytes first bucket, 5 % growth, up to 1e12 bytes → 176 buckets. */
export const MEMORY_HISTOGRAM_OPTIONS = exponentialOptions(1e12, 1e7, 1.05, EPSILON);

export class Histogram {
  readonly weights: Float64Array;
  total = 0;
  minBucket: number;
  maxBucket = 0;

  constructor(readonly options: HistogramOptions) {
    this.weights = new Float64Array(options.numBuckets);
    this.minBucket = options.numBuckets - 1;
  }

  isEmpty(): boolean {
    return this.weights[this.minBucket]! < this.options.epsilon;
  }

  addSample(value: number, weight: number): void {
    if (weight < 0) throw new Error("sample weight must be non-negative");
    const b = this.options.findBucket(value);
    this.weights[b]! += weight;
    this.total += weight;
    if (b < this.minBucket && this.weights[b]! >= this.options.epsilon) this.minBucket = b;
    if (b > this.maxBucket && this.weights[b]! >= this.options.epsilon) this.maxBucket = b;
  }

  subtractSample(value: number, weight: number): void {
    if (weight < 0) throw new Error("sample weight must be non-negative");
    const b = this.options.findBucket(value);
    // safeSubtract: what would fall below epsilon becomes exactly 0.
    const eps = this.options.epsilon;
    const t = this.total - weight;
    this.total = t < eps ? 0 : t;
    const w = this.weights[b]! - weight;
    this.weights[b] = w < eps ? 0 : w;
    this.updateMinAndMax();
  }

  /** Multiply every weight by `factor` (≥ 0). */
  scale(factor: number): void {
    for (let i = 0; i < this.weights.length; i++) this.weights[i]! *= factor;
    this.total *= factor;
    this.updateMinAndMax();
  }

  merge(other: Histogram, factor = 1): void {
    for (let i = other.minBucket; i <= other.maxBucket; i++) {
      const w = other.weights[i]! * factor;
      if (w === 0) continue;
      this.weights[i]! += w;
      this.total += w;
      if (i < this.minBucket && this.weights[i]! >= this.options.epsilon) this.minBucket = i;
      if (i > this.maxBucket && this.weights[i]! >= this.options.epsilon) this.maxBucket = i;
    }
  }

  /** Percentile: the end (= next bucket's start) of the bucket where the cumulative weight reaches p × total; 0 if empty. */
  percentile(p: number): number {
    if (this.isEmpty()) return 0;
    const threshold = p * this.total;
    let partial = 0;
    let b = this.minBucket;
    for (; b < this.maxBucket; b++) {
      partial += this.weights[b]!;
      if (partial >= threshold) break;
    }
    if (b < this.options.numBuckets - 1) return this.options.bucketStart(b + 1);
    return this.options.bucketStart(b);
  }

  /**
   * SaveToChekpoint: bucket weights rescaled so the largest is MAX_CHECKPOINT_WEIGHT, each rounded
   * half up to an integer (round(x) = floor(x + 0.5)); buckets that round to 0 are left out. The
   * real total weight is kept so that loading can restore the scale.
   */
  saveToCheckpoint(): HistogramCheckpointData {
    let max = 0;
    for (let b = this.minBucket; b <= this.maxBucket; b++) if (this.weights[b]! > max) max = this.weights[b]!;
    const ratio = MAX_CHECKPOINT_WEIGHT / max;
    const bucketWeights: Record<string, number> = {};
    for (let b = this.minBucket; b <= this.maxBucket; b++) {
      const w = Math.floor(this.weights[b]! * ratio + 0.5);
      if (w > 0) bucketWeights[String(b)] = w;
    }
    return { bucketWeights, totalWeight: this.total };
  }

  /** LoadFromCheckpoint: adds the stored weights, scaled so they sum to the stored total weight. */
  loadFromCheckpoint(cp: HistogramCheckpointData): void {
    if (!(cp.totalWeight >= 0)) throw new Error(`Cannot load checkpoint with negative weight ${cp.totalWeight}`);
    let sum = 0;
    const entries: Array<[number, number]> = [];
    for (const [k, w] of Object.entries(cp.bucketWeights ?? {})) {
      const b = Number(k);
      if (!Number.isInteger(b) || b < 0) throw new Error(`Checkpoint has a negative bucket ${k}`);
      if (b >= this.options.numBuckets) throw new Error(`Checkpoint has bucket ${b} that is exceeding histogram buckets ${this.options.numBuckets}`);
      sum += w;
      entries.push([b, w]);
    }
    if (sum === 0) return;
    const ratio = cp.totalWeight / sum;
    for (const [b, w] of entries) {
      if (b < this.minBucket) this.minBucket = b;
      if (b > this.maxBucket) this.maxBucket = b;
      this.weights[b]! += w * ratio;
    }
    this.total += cp.totalWeight;
  }

  private updateMinAndMax(): void {
    const eps = this.options.epsilon;
    const last = this.options.numBuckets - 1;
    let lo = this.minBucket;
    while (lo < last && this.weights[lo]! < eps) lo++;
    let hi = this.maxBucket;
    while (hi > 0 && this.weights[hi]! < eps) hi--;
    this.minBucket = lo;
    this.maxBucket = hi;
  }
}

/** MaxCheckpointWeight: the largest bucket weight stored in a checkpoint. */
export const MAX_CHECKPOINT_WEIGHT = 10000;

/** HistogramCheckpoint without its reference timestamp (bucket index → integer weight). */
export interface HistogramCheckpointData {
  bucketWeights: Record<string, number>;
  totalWeight: number;
}

/** Unix ms of Go's zero time (0001-01-01T00:00:00Z), which time.Round measures from. */
const GO_ZERO_TIME_UNIX_MS = -62_135_596_800_000;

/** Exponent beyond which the reference timestamp is moved (maxDecayExponent). */
const MAX_DECAY_EXPONENT = 100;

/** A histogram whose samples weigh 2^((t - ref)/halfLife): newer samples count exponentially more. */
export class DecayingHistogram {
  readonly histogram: Histogram;
  /** Virtual ms; always a whole multiple of the half-life since Go's zero time. */
  referenceMs = 0;
  /** False until the first sample: upstream's reference is then still the zero time (null in a checkpoint). */
  referenceSet = false;

  /**
   * @param epochMs Unix ms of virtual time 0, so that the reference is rounded as time.Round does
   * (to multiples of the half-life counted from Go's zero time).
   */
  constructor(
    options: HistogramOptions,
    readonly halfLifeMs: number,
    readonly epochMs = 0,
  ) {
    this.histogram = new Histogram(options);
  }

  addSample(value: number, weight: number, t: number): void {
    this.histogram.addSample(value, weight * this.decayFactor(t));
  }

  subtractSample(value: number, weight: number, t: number): void {
    this.histogram.subtractSample(value, weight * this.decayFactor(t));
  }

  percentile(p: number): number {
    return this.histogram.percentile(p);
  }

  isEmpty(): boolean {
    return this.histogram.isEmpty();
  }

  /** Add `other`'s weights, brought to this histogram's reference time. */
  merge(other: DecayingHistogram): void {
    if (other.referenceSet && (!this.referenceSet || this.histogram.total === 0)) {
      this.referenceMs = other.referenceMs;
      this.referenceSet = true;
    }
    if (other.histogram.total === 0) return;
    this.histogram.merge(other.histogram, Math.pow(2, (other.referenceMs - this.referenceMs) / this.halfLifeMs));
  }

  /** Checkpoint of the weights; the reference timestamp is virtual ms (undefined = Go's zero time). */
  saveToCheckpoint(): HistogramCheckpointData & { referenceMs?: number } {
    return { ...this.histogram.saveToCheckpoint(), ...(this.referenceSet ? { referenceMs: this.referenceMs } : {}) };
  }

  loadFromCheckpoint(cp: HistogramCheckpointData & { referenceMs?: number }): void {
    this.histogram.loadFromCheckpoint(cp);
    if (cp.referenceMs !== undefined) {
      this.referenceMs = cp.referenceMs;
      this.referenceSet = true;
    }
  }

  private decayFactor(t: number): number {
    // From the zero time every real timestamp is more than 100 half-lives away: the first sample
    // moves the reference to time.Round(t, halfLife).
    if (!this.referenceSet || t > this.referenceMs + this.halfLifeMs * MAX_DECAY_EXPONENT) this.shiftReference(t);
    return Math.pow(2, (t - this.referenceMs) / this.halfLifeMs);
  }

  /** time.Round(t, halfLife): the nearest multiple counted from Go's zero time, halves rounded up. */
  private roundToHalfLife(t: number): number {
    const d = this.halfLifeMs;
    const abs = this.epochMs - GO_ZERO_TIME_UNIX_MS + t;
    const r = ((abs % d) + d) % d;
    return r + r < d ? t - r : t + d - r;
  }

  private shiftReference(t: number): void {
    const next = this.roundToHalfLife(t);
    if (this.referenceSet) {
      const exponent = Math.floor((this.referenceMs - next) / this.halfLifeMs + 0.5);
      this.histogram.scale(Math.pow(2, exponent));
    }
    this.referenceMs = next;
    this.referenceSet = true;
  }
}
