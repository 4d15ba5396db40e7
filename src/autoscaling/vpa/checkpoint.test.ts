import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../core/clock.js";
import { loadAggregate, saveAggregate } from "./checkpoint.js";
import { AggregateState, DEFAULT_RECOMMENDER_CONFIG } from "./model.js";

const DAY = 86_400_000;
const clock = new VirtualClock(); // t = 0 is 2025-01-01T00:00:00Z

describe("checkpoint of a small histogram, worked by hand", () => {
  // CPU buckets: floor(ln(v·0.05/0.01 + 1) / ln 1.05): 0.2 → 14, 0.3 → 18, 0.4 → 22, 0.5 → 25, 1.0 → 36.
  // Weights (VPA < 1.4): max(request cores, 0.1) × 2^((t − ref)/24 h), ref = time.Round(first sample, 24 h) = 13 d.
  const agg = new AggregateState(DEFAULT_RECOMMENDER_CONFIG, clock.epochMs);
  agg.addCpuSample(500, 0, 13 * DAY); // bucket 25: 0.1
  agg.addCpuSample(500, 0, 13 * DAY); // bucket 25: 0.2
  agg.addCpuSample(200, 0, 13 * DAY); // bucket 14: 0.1
  agg.addCpuSample(1000, 250, 13 * DAY); // bucket 36: 0.25 (request 250m)
  agg.addCpuSample(300, 0, 1 * DAY); // bucket 18: 0.1 × 2^-12 = 2.44140625e-5
  agg.addCpuSample(400, 0, 0); // bucket 22: 0.1 × 2^-13 = 1.220703125e-5
  agg.addMemoryPeak(5e6, 14 * DAY); // memory bucket 0, weight 1 (the memory reference becomes 14 d)
  const status = saveAggregate(agg, clock);

  it("rescales the largest bucket to 10000, rounds half up and drops buckets that round to 0", () => {
    // ratio 10000 / 0.25 = 40000: 0.2 → 8000, 0.1 → 4000, 2.44e-5 → 0.977 → 1, 1.22e-5 → 0.488 → dropped.
    expect(status).toEqual({
      lastUpdateTime: null,
      version: "v3",
      cpuHistogram: { referenceTimestamp: "2025-01-14T00:00:00Z", bucketWeights: { "14": 4000, "18": 1, "25": 8000, "36": 10000 }, totalWeight: expect.closeTo(0.55 + 0.1 * 2 ** -12 + 0.1 * 2 ** -13, 15) },
      memoryHistogram: { referenceTimestamp: "2025-01-15T00:00:00Z", bucketWeights: { "0": 10000 }, totalWeight: 1 },
      firstSampleStart: "2025-01-01T00:00:00Z",
      lastSampleStart: "2025-01-14T00:00:00Z",
      totalSamplesCount: 6,
    });
  });

  it("loads the weights back scaled to the stored total weight", () => {
    const back = loadAggregate(JSON.parse(JSON.stringify(status)), DEFAULT_RECOMMENDER_CONFIG, clock.epochMs, clock);
    const t = status.cpuHistogram.totalWeight;
    // Stored weights sum to 22001; each bucket gets weight × t / 22001.
    expect(back.cpu.histogram.weights[25]).toBeCloseTo((8000 * t) / 22001, 15);
    expect(back.cpu.histogram.weights[18]).toBeCloseTo(t / 22001, 15);
    expect(back.cpu.histogram.weights[22]).toBe(0);
    expect(back.cpu.histogram.total).toBe(t);
    expect(back.cpu.referenceMs).toBe(13 * DAY);
    expect([back.firstSampleStart, back.lastSampleStart, back.totalSamplesCount]).toEqual([0, 13 * DAY, 6]);
    // Percentiles survive: P50 needs 0.275 of 0.55 → bucket 25 (cumulative 0.1 + 2.4e-5 + 1.2e-5 + 0.2 = 0.30004).
    expect(back.cpu.percentile(0.5)).toBe(agg.cpu.percentile(0.5));
    expect(back.cpu.percentile(0.95)).toBe(agg.cpu.percentile(0.95));
  });

  it("refuses another checkpoint version", () => {
    expect(() => loadAggregate({ ...status, version: "v2" }, DEFAULT_RECOMMENDER_CONFIG, clock.epochMs, clock)).toThrow("unsupported checkpoint version v2");
  });
});
