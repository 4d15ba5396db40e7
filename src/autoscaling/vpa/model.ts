/**
 * Recommender model (VPA 1.3, pkg/recommender/model): per-container state (last CPU sample, memory
 * peak window, OOM peak) feeding an aggregate state (decaying CPU histogram, memory-peaks histogram,
 * first/last sample, sample count), and the estimation pipeline of pkg/recommender/logic.
 */
import { CPU_HISTOGRAM_OPTIONS, DecayingHistogram, MEMORY_HISTOGRAM_OPTIONS, MIN_SAMPLE_WEIGHT } from "./histogram.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Recommender flags with their 1.3 defaults (recommender/main.go, model/aggregations_config.go). */
export interface RecommenderConfig {
  cpuHalfLifeMs: number;
  memoryHalfLifeMs: number;
  memoryAggregationIntervalMs: number;
  memoryAggregationIntervalCount: number;
  targetCpuPercentile: number;
  lowerBoundCpuPercentile: number;
  upperBoundCpuPercentile: number;
  targetMemoryPercentile: number;
  lowerBoundMemoryPercentile: number;
  upperBoundMemoryPercentile: number;
  marginFraction: number;
  podMinCpuMillicores: number;
  podMinMemoryMb: number;
  oomBumpUpRatio: number;
  oomMinBumpUpBytes: number;
  confidenceIntervalCpuMs: number;
  confidenceIntervalMemoryMs: number;
}

export const DEFAULT_RECOMMENDER_CONFIG: Readonly<RecommenderConfig> = {
  cpuHalfLifeMs: DAY,
  memoryHalfLifeMs: DAY,
  memoryAggregationIntervalMs: DAY,
  memoryAggregationIntervalCount: 8,
  targetCpuPercentile: 0.9,
  lowerBoundCpuPercentile: 0.5,
  upperBoundCpuPercentile: 0.95,
  targetMemoryPercentile: 0.9,
  lowerBoundMemoryPercentile: 0.5,
  upperBoundMemoryPercentile: 0.95,
  marginFraction: 0.15,
  podMinCpuMillicores: 25,
  podMinMemoryMb: 250,
  oomBumpUpRatio: 1.2,
  oomMinBumpUpBytes: 100 * 1024 * 1024,
  confidenceIntervalCpuMs: DAY,
  confidenceIntervalMemoryMs: DAY,
};

/** model.MaxResourceAmount. */
export const MAX_RESOURCE_AMOUNT = 1e14;

/** resourceAmountFromFloat: negatives → 0, beyond the max → max, else truncated (NaN → int64 min, as on amd64). */
export function amountFromFloat(x: number): number {
  if (x < 0) return 0;
  if (x > MAX_RESOURCE_AMOUNT) return MAX_RESOURCE_AMOUNT;
  if (Number.isNaN(x)) return Number.MIN_SAFE_INTEGER;
  return Math.trunc(x);
}

/** model.ScaleResource. */
export function scaleAmount(amount: number, factor: number): number {
  return amountFromFloat(amount * factor);
}

export class AggregateState {
  readonly cpu: DecayingHistogram;
  readonly memory: DecayingHistogram;
  firstSampleStart = -Infinity;
  lastSampleStart = -Infinity;
  totalSamplesCount = 0;

  /** @param epochMs Unix ms of virtual time 0 (the histograms round their reference as Go's time.Round). */
  constructor(
    readonly config: Readonly<RecommenderConfig> = DEFAULT_RECOMMENDER_CONFIG,
    readonly epochMs = 0,
  ) {
    this.cpu = new DecayingHistogram(CPU_HISTOGRAM_OPTIONS, config.cpuHalfLifeMs, epochMs);
    this.memory = new DecayingHistogram(MEMORY_HISTOGRAM_OPTIONS, config.memoryHalfLifeMs, epochMs);
  }

  /** A detached copy (as AggregateStateByContainerName builds one by merging into a new state). */
  clone(): AggregateState {
    const a = new AggregateState(this.config, this.epochMs);
    a.merge(this);
    return a;
  }

  /** CPU sample in millicores, weighted by max(request cores, 0.1) (VPA < 1.4). */
  addCpuSample(usageMilli: number, requestMilli: number, t: number): void {
    this.cpu.addSample(usageMilli / 1000, Math.max(requestMilli / 1000, MIN_SAMPLE_WEIGHT), t);
    if (t > this.lastSampleStart) this.lastSampleStart = t;
    if (this.firstSampleStart === -Infinity || t < this.firstSampleStart) this.firstSampleStart = t;
    this.totalSamplesCount++;
  }

  addMemoryPeak(bytes: number, t: number): void {
    this.memory.addSample(bytes, 1, t);
  }

  subtractMemoryPeak(bytes: number, t: number): void {
    this.memory.subtractSample(bytes, 1, t);
  }

  merge(other: AggregateState): void {
    this.cpu.merge(other.cpu);
    this.memory.merge(other.memory);
    if (other.firstSampleStart !== -Infinity && (this.firstSampleStart === -Infinity || other.firstSampleStart < this.firstSampleStart)) this.firstSampleStart = other.firstSampleStart;
    if (other.lastSampleStart > this.lastSampleStart) this.lastSampleStart = other.lastSampleStart;
    this.totalSamplesCount += other.totalSamplesCount;
  }
}

/** One container of one pod: deduplication of CPU samples and the memory peak of the current window. */
export class ContainerState {
  lastCpuSampleStart = -Infinity;
  lastMemorySampleStart = -Infinity;
  windowEnd: number | undefined;
  memoryPeak = 0;
  oomPeak = 0;

  constructor(readonly aggregate: AggregateState) {}

  addCpuSample(usageMilli: number, requestMilli: number, t: number): boolean {
    if (usageMilli < 0 || !(t > this.lastCpuSampleStart)) return false;
    this.aggregate.addCpuSample(usageMilli, requestMilli, t);
    this.lastCpuSampleStart = t;
    return true;
  }

  addMemorySample(bytes: number, t: number, isOOM = false): boolean {
    if (bytes < 0 || (!isOOM && t < this.lastMemorySampleStart)) return false;
    if (!isOOM) this.lastMemorySampleStart = t;
    if (this.windowEnd === undefined) this.windowEnd = t;
    let addNewPeak = false;
    if (t < this.windowEnd) {
      const oldMax = Math.max(this.memoryPeak, this.oomPeak);
      if (oldMax !== 0 && bytes > oldMax) {
        this.aggregate.subtractMemoryPeak(oldMax, this.windowEnd);
        addNewPeak = true;
      }
    } else {
      const interval = this.aggregate.config.memoryAggregationIntervalMs;
      const shift = Math.floor((t - this.windowEnd) / interval) * interval + interval;
      this.windowEnd += shift;
      this.memoryPeak = 0;
      this.oomPeak = 0;
      addNewPeak = true;
    }
    if (addNewPeak) {
      this.aggregate.addMemoryPeak(bytes, this.windowEnd);
      if (isOOM) this.oomPeak = bytes;
      else this.memoryPeak = bytes;
    }
    return true;
  }

  /** RecordOOM: bump max(request, current peak) by max(+100Mi, ×1.2). Returns false if discarded as too old. */
  recordOOM(t: number, requestBytes: number): boolean {
    const cfg = this.aggregate.config;
    if (this.windowEnd !== undefined && t < this.windowEnd - cfg.memoryAggregationIntervalMs) return false;
    const used = Math.max(requestBytes, this.memoryPeak);
    const needed = Math.max(used + cfg.oomMinBumpUpBytes, scaleAmount(used, cfg.oomBumpUpRatio));
    return this.addMemorySample(needed, t, true);
  }
}

/** Recommended amounts: CPU in millicores, memory in bytes. */
export interface Amounts {
  cpu: number;
  memory: number;
}

export interface RecommendedContainerResources {
  target: Amounts;
  lowerBound: Amounts;
  upperBound: Amounts;
}

/** getConfidence: min(lifespan in days, samples / 1440). */
export function confidence(s: AggregateState, intervalMs = DAY): number {
  if (s.totalSamplesCount === 0) return 0;
  const lifespanDays = (s.lastSampleStart - s.firstSampleStart) / intervalMs;
  return Math.min(lifespanDays, s.totalSamplesCount / (60 * 24));
}

function percentileAmounts(s: AggregateState, cpuP: number, memP: number): Amounts {
  return { cpu: amountFromFloat(s.cpu.percentile(cpuP) * 1000), memory: amountFromFloat(s.memory.percentile(memP)) };
}

function withMargin(a: Amounts, fraction: number): Amounts {
  return { cpu: a.cpu + scaleAmount(a.cpu, fraction), memory: a.memory + scaleAmount(a.memory, fraction) };
}

function withConfidence(a: Amounts, c: number, multiplier: number, exponent: number): Amounts {
  const f = Math.pow(1 + multiplier / c, exponent);
  return { cpu: scaleAmount(a.cpu, f), memory: scaleAmount(a.memory, f) };
}

function withMin(a: Amounts, min: Amounts): Amounts {
  return { cpu: Math.max(a.cpu, min.cpu), memory: Math.max(a.memory, min.memory) };
}

/**
 * GetRecommendedPodResources for one container: percentile → margin → confidence (bounds only) →
 * pod minimum split over `containerCount` containers.
 */
export function estimateContainer(s: AggregateState, containerCount: number, cfg: Readonly<RecommenderConfig> = DEFAULT_RECOMMENDER_CONFIG): RecommendedContainerResources {
  const fraction = 1 / containerCount;
  const min: Amounts = {
    cpu: scaleAmount(amountFromFloat(cfg.podMinCpuMillicores * 0.001 * 1000), fraction),
    memory: scaleAmount(amountFromFloat(cfg.podMinMemoryMb * 1024 * 1024), fraction),
  };
  const c = confidence(s, cfg.confidenceIntervalCpuMs);
  const target = withMargin(percentileAmounts(s, cfg.targetCpuPercentile, cfg.targetMemoryPercentile), cfg.marginFraction);
  const lower = withConfidence(withMargin(percentileAmounts(s, cfg.lowerBoundCpuPercentile, cfg.lowerBoundMemoryPercentile), cfg.marginFraction), c, 0.001, -2);
  const upper = withConfidence(withMargin(percentileAmounts(s, cfg.upperBoundCpuPercentile, cfg.upperBoundMemoryPercentile), cfg.marginFraction), c, 1, 1);
  return { target: withMin(target, min), lowerBound: withMin(lower, min), upperBound: withMin(upper, min) };
}
