/** The example of docs/hpa-api.md, kept runnable. */
import { describe, expect, it } from "vitest";
import { calcResourceReplicas, type HpaPod } from "./index.js";

const pod = (name: string): HpaPod => ({
  name, phase: "Running", deleted: false, startTime: -600_000,
  ready: { status: "True", lastTransitionTime: -600_000 },
  containers: [{ name: "app", requestsMilli: { cpu: 200 } }],
});
const ctx = { tolerances: { scaleUp: 0.1, scaleDown: 0.1 }, now: 0, cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000 };
const usage = (m: number) => ({ value: m, timestamp: 0, windowMs: 15_000 });

describe("my HPA settings", () => {
  it("52 % stays at 2, 56 % goes to 3", () => {
    const pods = [pod("a"), pod("b")];
    const at = (m: number) => calcResourceReplicas(2, 50, "cpu", undefined, pods, new Map([["a", usage(m)], ["b", usage(m)]]), ctx);
    expect(at(104).replicas).toBe(2); // 52 % → ratio 1.04, inside [0.9, 1.1]
    expect(at(112).replicas).toBe(3); // 56 % → ceil(1.12 × 2)
  });
});
