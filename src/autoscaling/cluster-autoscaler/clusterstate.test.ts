import { describe, expect, it } from "vitest";
import type { ScalingActivity } from "../../cloud/aws/asg.js";
import { GroupBackoff, scalingFailedSince } from "./clusterstate.js";

const min = (m: number) => m * 60_000;
const info = { errorClass: "Other" as const, errorCode: "timeout", errorMessage: "x" };

describe("node group backoff (utils/backoff exponentialBackoff, flags 5m / 30m / 3h)", () => {
  it("5 min, then 10, 20, 30, 30 for failures after each backoff ended", () => {
    const b = new GroupBackoff(min(5), min(30), min(180));
    let t = 0;
    const lengths: number[] = [];
    for (let i = 0; i < 5; i++) {
      const until = b.backoff(t, info);
      lengths.push((until - t) / 60_000);
      expect(b.isBackedOff(until - 1)).toBe(true);
      expect(b.isBackedOff(until)).toBe(false);
      t = until + 1;
    }
    expect(lengths).toEqual([5, 10, 20, 30, 30]);
  });

  it("a failure while still backed off restarts the same duration instead of doubling it", () => {
    const b = new GroupBackoff(min(5), min(30), min(180));
    b.backoff(0, info);
    expect(b.backoff(min(2), info)).toBe(min(7));
  });

  it("forgets the doubling 3 h after the last failure", () => {
    const b = new GroupBackoff(min(5), min(30), min(180));
    b.backoff(0, info);
    b.forgetIfStale(min(180));
    expect(b.backoff(min(180), info)).toBe(min(190)); // 3 h is not yet "before now": still doubled
    b.forgetIfStale(min(180) + min(180) + 1);
    expect(b.info).toBeUndefined();
    expect(b.backoff(min(400), info)).toBe(min(405));
  });
});

describe("asgCache.isNodeGroupAvailable", () => {
  const act = (startTime: number, statusCode: ScalingActivity["statusCode"]): ScalingActivity => ({ group: "g", description: "", cause: "", statusCode, startTime });

  it("reports a Failed activity that started at or after CA's last resize, ignoring older ones", () => {
    expect(scalingFailedSince([act(100, "Failed")], 100)).toBeDefined();
    expect(scalingFailedSince([act(99, "Failed")], 100)).toBeUndefined();
    // newest first: a newer success does not hide a failure since the resize
    expect(scalingFailedSince([act(150, "Successful"), act(120, "Failed"), act(50, "Failed")], 100)?.startTime).toBe(120);
    expect(scalingFailedSince([act(150, "Successful"), act(50, "Failed")], 100)).toBeUndefined();
  });
});
