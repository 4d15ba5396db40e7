import { describe, expect, it } from "vitest";
import { VirtualClock } from "./clock.js";

describe("VirtualClock", () => {
  it("runs timers ordered by time, then by insertion", () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.at(200, () => seen.push("b@200"));
    c.at(100, () => seen.push("a1@100"));
    c.at(300, () => seen.push("c@300"));
    c.at(100, () => seen.push("a2@100"));
    c.after(200, () => seen.push("b2@200"));
    c.runUntil(1000);
    expect(seen).toEqual(["a1@100", "a2@100", "b@200", "b2@200", "c@300"]);
    expect(c.eventsProcessed).toBe(5);
  });

  it("keeps insertion order among many same-instant timers (heap stability)", () => {
    const c = new VirtualClock();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) c.at(i % 3 === 0 ? 10 : 5, () => seen.push(i));
    c.runUntil(10);
    const fives = [...Array(50).keys()].filter((i) => i % 3 !== 0);
    const tens = [...Array(50).keys()].filter((i) => i % 3 === 0);
    expect(seen).toEqual([...fives, ...tens]);
  });

  it("each callback sees now() equal to its scheduled time", () => {
    const c = new VirtualClock();
    const at: number[] = [];
    for (const t of [70, 10, 40]) c.at(t, () => at.push(c.now()));
    c.runUntil(100);
    expect(at).toEqual([10, 40, 70]);
  });

  it("cancel prevents a timer from running", () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    const h = c.at(50, () => seen.push("cancelled"));
    c.at(60, () => seen.push("kept"));
    c.cancel(h);
    expect(h.cancelled).toBe(true);
    c.runUntil(100);
    expect(seen).toEqual(["kept"]);
    expect(c.peek()).toBeUndefined();
  });

  it("runUntil leaves time at `until` and does not run later timers", () => {
    const c = new VirtualClock();
    let ran = false;
    c.at(5000, () => (ran = true));
    const advances: number[] = [];
    c.runUntil(1234, (t) => advances.push(t));
    expect(c.now()).toBe(1234);
    expect(ran).toBe(false);
    expect(advances).toEqual([1234]);
    expect(c.peek()).toBe(5000);
    c.runUntil(5000);
    expect(ran).toBe(true);
    expect(c.now()).toBe(5000);
  });

  it("after(0) inside a callback runs at the same instant, after already-queued same-instant timers", () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.at(100, () => {
      seen.push(`first@${c.now()}`);
      c.after(0, () => seen.push(`nested@${c.now()}`));
    });
    c.at(100, () => seen.push(`second@${c.now()}`));
    c.at(101, () => seen.push(`later@${c.now()}`));
    c.runUntil(100);
    expect(seen).toEqual(["first@100", "second@100", "nested@100"]);
    expect(c.now()).toBe(100);
  });

  it("timers in the past or with negative delay run at now", () => {
    const c = new VirtualClock();
    c.runUntil(500);
    const h1 = c.at(100, () => {});
    const h2 = c.after(-20, () => {});
    expect(h1.at).toBe(500);
    expect(h2.at).toBe(500);
  });

  it("iso() truncates to seconds from the epoch and parseIso inverts it", () => {
    const c = new VirtualClock(Date.UTC(2025, 0, 1, 0, 0, 0));
    expect(c.iso(0)).toBe("2025-01-01T00:00:00Z");
    expect(c.iso(61_999)).toBe("2025-01-01T00:01:01Z");
    expect(c.parseIso("2025-01-01T00:01:01Z")).toBe(61_000);
    c.runUntil(3_600_000);
    expect(c.iso()).toBe("2025-01-01T01:00:00Z");
  });

  it("iso() answers the same text within a second and the right one when asked out of order", () => {
    const c = new VirtualClock(Date.UTC(2025, 0, 1, 0, 0, 0));
    expect(c.iso(5_000)).toBe("2025-01-01T00:00:05Z");
    expect(c.iso(5_999)).toBe("2025-01-01T00:00:05Z");
    expect(c.iso(35_000)).toBe("2025-01-01T00:00:35Z"); // a deletionTimestamp 30 s ahead
    expect(c.iso(5_500)).toBe("2025-01-01T00:00:05Z");
    expect(c.iso(-1)).toBe("2024-12-31T23:59:59Z");
    // An epoch with milliseconds keeps them (nothing to strip).
    expect(new VirtualClock(Date.UTC(2025, 0, 1) + 250).iso(1_000)).toBe("2025-01-01T00:00:01.250Z");
  });

  it("a 100k-timer run stays ordered", () => {
    const c = new VirtualClock();
    let last = -1;
    let ok = true;
    // Deterministic pseudo-random times (LCG) so the heap sees an unsorted insertion sequence.
    let x = 12345;
    for (let i = 0; i < 100_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      c.at(x % 1_000_000, () => {
        if (c.now() < last) ok = false;
        last = c.now();
      });
    }
    c.runUntil(1_000_000);
    expect(ok).toBe(true);
    expect(c.pending).toBe(0);
  });
});
