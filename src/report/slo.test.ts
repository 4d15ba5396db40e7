import { describe, expect, it } from "vitest";
import { describeSloResult, evaluateSlo, fmtMs, objectivesByLoad, type LoadFigures } from "./slo.js";

const web: LoadFigures = { name: "web", requests: 900, failed: 100, latencyP50Ms: 120, latencyP95Ms: 310, latencyP99Ms: 900 };
const idle: LoadFigures = { name: "idle", requests: 0, failed: 0, latencyP50Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0 };

describe("evaluateSlo", () => {
  it("compares each percentile with its bound (≤ meets)", () => {
    const r = evaluateSlo({ latency: { p50: 120, p95: 300, p99: 1000 } }, { load: [web], maxPendingSeconds: 0, shareAnsweredWithin: () => undefined });
    expect(r.map((x) => [x.id, x.measured, x.met])).toEqual([
      ["load/web/latency/p50", 120, true],
      ["load/web/latency/p95", 310, false],
      ["load/web/latency/p99", 900, true],
    ]);
    expect(describeSloResult(r[1]!)).toBe("MISSED web p95 ≤ 300ms: 310ms");
  });

  it("requestsUnder: the share of all requests, failed ones included, against the target", () => {
    // 850 of 900 answered within 250 ms, 100 timed out: 850 / 1000 = 85 %.
    const share = (name: string, ms: number) => (name === "web" && ms === 250 ? 850 / 1000 : undefined);
    const r = evaluateSlo({ requestsUnder: { thresholdMs: 250, target: 0.85 } }, { load: [web], maxPendingSeconds: 0, shareAnsweredWithin: share });
    expect(r).toEqual([
      { id: "load/web/requestsUnder/250ms", objective: "web requests under 250ms ≥ 85%", kind: "requestsUnder", load: "web", limit: 0.85, thresholdMs: 250, measured: 0.85, met: true },
    ]);
    const strict = evaluateSlo({ requestsUnder: { thresholdMs: 250, target: 0.9 } }, { load: [web], maxPendingSeconds: 0, shareAnsweredWithin: share });
    expect(strict[0]!.met).toBe(false);
    expect(describeSloResult(strict[0]!)).toBe("MISSED web requests under 250ms ≥ 90%: 85%");
  });

  it("a generator that answered nothing, or was never seen, misses with no figure", () => {
    const r = evaluateSlo({ latency: { p95: 300 }, load: { ghost: { latency: { p50: 1000 } } } }, { load: [idle], maxPendingSeconds: 0, shareAnsweredWithin: () => undefined });
    expect(r.map((x) => [x.id, x.measured, x.met])).toEqual([
      ["load/idle/latency/p95", null, false],
      ["load/ghost/latency/p50", null, false],
    ]);
    expect(describeSloResult(r[1]!)).toBe("MISSED ghost p50 ≤ 1s: no data");
  });

  it("per-generator objectives replace the defaults field by field", () => {
    const o = objectivesByLoad({ latency: { p95: 300 }, requestsUnder: { thresholdMs: 250, target: 0.99 }, load: { web: { latency: { p99: 2000 } } } }, ["web", "api"]);
    expect(o).toEqual([
      ["web", { latency: { p99: 2000 }, requestsUnder: { thresholdMs: 250, target: 0.99 } }],
      ["api", { latency: { p95: 300 }, requestsUnder: { thresholdMs: 250, target: 0.99 } }],
    ]);
  });

  it("pendingPods compares the longest wait with the bound", () => {
    const at = (s: number) => evaluateSlo({ pendingPods: { maxMs: 60_000 } }, { load: [], maxPendingSeconds: s, shareAnsweredWithin: () => undefined })[0]!;
    expect([at(60).met, at(60.001).met]).toEqual([true, false]);
    expect(describeSloResult(at(61.5))).toBe("MISSED pods pending ≤ 1m: 1m1.5s");
  });

  it("prints bounds as they are written", () => {
    expect([fmtMs(250), fmtMs(1500), fmtMs(60_000), fmtMs(90_000)]).toEqual(["250ms", "1.5s", "1m", "1m30s"]);
  });
});
