/** Cases the shared vector half does not cover, worked out by hand from hpa.md §7–§8. */
import { describe, expect, it } from "vitest";
import {
  defaultScaleDownRules,
  defaultScaleUpRules,
  normalizeDesiredReplicasWithBehavior,
  rateLimitWithBehavior,
  scaleDownLimit,
  storeScaleEvent,
  type ScaleEvent,
} from "./normalize.js";

describe("scaleDownLimit", () => {
  const ev = (change: number, sec: number): ScaleEvent => ({ change, timestamp: sec * 1000, outdated: false });
  it("selectPolicy Min keeps the highest count (smallest change)", () => {
    const rules = defaultScaleDownRules({
      selectPolicy: "Min",
      policies: [
        { type: "Pods", value: 20, periodSeconds: 60 },
        { type: "Percent", value: 10, periodSeconds: 60 },
      ],
    });
    // max(100 − 20, floor(100 × 0.9)) = 90
    expect(scaleDownLimit(100, [], [], rules, 0)).toBe(90);
  });
  it("Percent truncates; events inside the period move the period start", () => {
    const rules = defaultScaleDownRules({ policies: [{ type: "Percent", value: 30, periodSeconds: 60 }] });
    // start = 10 + 5 (removed 30 s ago) = 15 → floor(15 × 0.7) = 10 (10.5 truncated)
    expect(scaleDownLimit(10, [], [ev(5, -30)], rules, 0)).toBe(10);
    // an event exactly one period old is outside (strictly after the cutoff counts)
    expect(scaleDownLimit(10, [], [ev(5, -60)], rules, 0)).toBe(7);
  });
});

describe("rateLimitWithBehavior", () => {
  it("default rules: current 10, proposal 50 → max(10 + 4, 10 × 2) = 20, ScaleUpLimit", () => {
    const r = rateLimitWithBehavior({
      current: 10,
      desired: 50,
      minReplicas: 1,
      maxReplicas: 100,
      scaleUp: defaultScaleUpRules(null),
      scaleDown: defaultScaleDownRules(null),
      upEvents: [],
      downEvents: [],
      now: 0,
    });
    expect(r).toMatchObject({ desired: 20, reason: "ScaleUpLimit" });
  });
  it("scale-down below minReplicas stops at minReplicas with TooFewReplicas", () => {
    const r = rateLimitWithBehavior({
      current: 10,
      desired: 1,
      minReplicas: 3,
      maxReplicas: 100,
      scaleUp: defaultScaleUpRules(null),
      scaleDown: defaultScaleDownRules(null), // 100 % per 15 s → limit 0
      upEvents: [],
      downEvents: [],
      now: 0,
    });
    expect(r).toMatchObject({ desired: 3, reason: "TooFewReplicas" });
  });
});

describe("storeScaleEvent", () => {
  const behavior = { scaleUp: defaultScaleUpRules(null), scaleDown: defaultScaleDownRules({ policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] }) };
  it("appends, then reuses the last outdated slot of the same direction", () => {
    const h = { up: [] as ScaleEvent[], down: [] as ScaleEvent[] };
    storeScaleEvent(behavior, h, 2, 6, 0);
    storeScaleEvent(behavior, h, 6, 5, 10_000);
    expect(h.up).toEqual([{ change: 4, timestamp: 0, outdated: false }]);
    expect(h.down).toEqual([{ change: 1, timestamp: 10_000, outdated: false }]);
    // 20 s later the up event (longest up period 15 s) is outdated and gets overwritten.
    storeScaleEvent(behavior, h, 5, 8, 20_000);
    expect(h.up).toEqual([{ change: 3, timestamp: 20_000, outdated: false }]);
    // the down event is only 50 s old (< 60 s): appended.
    storeScaleEvent(behavior, h, 8, 7, 60_000);
    expect(h.down.length).toBe(2);
  });
  it("stores nothing for legacy HPAs", () => {
    const h = { up: [] as ScaleEvent[], down: [] as ScaleEvent[] };
    storeScaleEvent(undefined, h, 2, 6, 0);
    expect(h.up).toEqual([]);
  });
});

describe("normalizeDesiredReplicasWithBehavior", () => {
  it("uses the controller's 300 s flag when scaleDown.stabilizationWindowSeconds is unset", () => {
    const recs = [{ replicas: 8, timestamp: -299_000 }];
    const b = { scaleUp: defaultScaleUpRules(null), scaleDown: defaultScaleDownRules(null) };
    const d = normalizeDesiredReplicasWithBehavior(recs, { up: [], down: [] }, b, 8, 2, 1, 10, 0, 300_000);
    expect(d.desired).toBe(8);
    expect(d.ableToScale.reason).toBe("ScaleDownStabilized");
    const recs2 = [{ replicas: 8, timestamp: -300_000 }];
    expect(normalizeDesiredReplicasWithBehavior(recs2, { up: [], down: [] }, b, 8, 2, 1, 10, 0, 300_000).desired).toBe(2);
  });
});
