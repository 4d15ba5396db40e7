import { describe, expect, it } from "vitest";
import { QueueWorkerModel, isFinishing } from "./queue-workers.js";
import type { QueueSnapshot } from "./queues.js";
import type { QueueSpec, RateProfile } from "./types.js";

const spec = (profile: RateProfile, consumer: Partial<QueueSpec["consumer"]>): QueueSpec => ({
  name: "jobs",
  type: "sqs",
  partitions: 1,
  producer: { profile },
  consumer: { namespace: "default", selector: { app: "w" }, perPodRate: 0.1, messagesPerPod: 1, idleExitMs: 20_000, ...consumer },
});

/** Ten messages, one every 100 ms, all produced by t = 1 s. */
const tenBy1s: RateProfile = { type: "steps", steps: [{ atMs: 0, rps: 10 }, { atMs: 1000, rps: 0 }] };

function at(m: QueueWorkerModel, t: number): QueueSnapshot {
  m.advance(t);
  const s = m.snapshot();
  // The account is exact at every instant; inFlight is Σ of what the workers hold, not a difference.
  expect(s.produced).toBe(s.consumed + s.visible + s.inFlight);
  expect(s.remaining).toBe(s.visible + s.inFlight);
  expect(s.inFlight).toBe((s.workers ?? []).reduce((a, w) => a + w.held, 0));
  return s;
}

describe("QueueWorkerModel: Job workers that take one message and exit", () => {
  it("10 messages, 3 pods at a time with messagesPerPod 1 at 0.1 msg/s: each pod exits after 10 s", () => {
    const m = new QueueWorkerModel(spec(tenBy1s, {}));
    let s = at(m, 1000);
    expect([s.produced, s.visible, s.inFlight, s.consumed]).toEqual([10, 10, 0, 0]);

    // Round 1: three pods Ready at 1 s each receive one message and hold it for 1 / 0.1 = 10 s.
    m.setWorkers(["job-a", "job-b", "job-c"]);
    s = at(m, 1000);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([7, 3, 0]);
    expect(m.nextEvent()).toBe(11_000);
    s = at(m, 10_999);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([7, 3, 0]);
    expect(m.takeExits()).toEqual([]);
    s = at(m, 11_000);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([7, 0, 3]);
    expect(s.workers!.map((w) => [w.pod, w.processed, w.state])).toEqual([
      ["job-a", 1, "exited"],
      ["job-b", 1, "exited"],
      ["job-c", 1, "exited"],
    ]);
    expect(m.takeExits()).toEqual(["job-a", "job-b", "job-c"]);
    expect(s.consumers).toBe(0);

    // Rounds 2 and 3: the finished pods go away (Succeeded) and three new Job pods take their place.
    for (const [round, pods] of [
      [2, ["job-d", "job-e", "job-f"]],
      [3, ["job-g", "job-h", "job-i"]],
    ] as const) {
      const t0 = 1000 + (round - 1) * 10_000;
      m.setWorkers(pods);
      s = at(m, t0 + 5000);
      expect([s.visible, s.inFlight, s.consumed]).toEqual([10 - 3 * round, 3, 3 * (round - 1)]);
      s = at(m, t0 + 10_000);
      expect([s.visible, s.inFlight, s.consumed]).toEqual([10 - 3 * round, 0, 3 * round]);
      expect(m.takeExits()).toEqual(pods);
    }

    // Round 4 at 31 s: one message left for three pods. job-j (first by name) takes it and exits at
    // 41 s; job-k and job-l find nothing and exit after the 20 s idle wait, at 51 s.
    m.setWorkers(["job-j", "job-k", "job-l"]);
    s = at(m, 31_000);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([0, 1, 9]);
    expect(s.workers!.map((w) => w.state)).toEqual(["busy", "waiting", "waiting"]);
    expect(m.nextEvent()).toBe(41_000);
    s = at(m, 41_000);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([0, 0, 10]);
    expect(m.takeExits()).toEqual(["job-j"]);
    expect(m.nextEvent()).toBe(51_000);
    at(m, 50_999);
    expect(m.takeExits()).toEqual([]);
    s = at(m, 51_000);
    expect(m.takeExits()).toEqual(["job-k", "job-l"]);
    expect(s.exitedWorkers).toBe(12);
    expect(s.workers!.map((w) => [w.pod, w.processed])).toEqual([
      ["job-j", 1],
      ["job-k", 0],
      ["job-l", 0],
    ]);
    expect(m.nextEvent()).toBeUndefined();
  });

  it("a pod that goes away mid-message returns it to the queue; a waiting worker picks it up at once", () => {
    const m = new QueueWorkerModel(spec({ type: "steps", steps: [{ atMs: 0, rps: 2 }, { atMs: 1000, rps: 0 }] }, {}));
    m.advance(1000);
    m.setWorkers(["a", "b"]);
    let s = at(m, 6000);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([0, 2, 0]);
    // a is deleted 5 s into its 10 s message: the message turns visible again.
    m.setWorkers(["b"]);
    s = at(m, 6000);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([1, 1, 0]);
    // c becomes Ready at 8 s and receives it: 10 s from then.
    m.advance(8000);
    m.setWorkers(["b", "c"]);
    s = at(m, 8000);
    expect([s.visible, s.inFlight]).toEqual([0, 2]);
    s = at(m, 11_000);
    expect(m.takeExits()).toEqual(["b"]);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([0, 1, 1]);
    expect(m.nextEvent()).toBe(18_000);
    s = at(m, 18_000);
    expect(m.takeExits()).toEqual(["c"]);
    expect([s.produced, s.consumed, s.remaining]).toEqual([2, 2, 0]);
  });

  describe("idle exit", () => {
    it("exits after exactly idleExit with nothing to receive", () => {
      const m = new QueueWorkerModel(spec({ type: "constant", rps: 0 }, { idleExitMs: 20_000 }));
      m.setWorkers(["a"]);
      expect(m.nextEvent()).toBe(20_000);
      at(m, 19_999);
      expect(m.takeExits()).toEqual([]);
      at(m, 20_000);
      expect(m.takeExits()).toEqual(["a"]);
    });

    it("a message arriving during the wait is received; the wait restarts after it is deleted", () => {
      // Exactly one message, produced at 15 s.
      const m = new QueueWorkerModel(spec({ type: "steps", steps: [{ atMs: 0, rps: 0 }, { atMs: 14_000, rps: 1 }, { atMs: 15_000, rps: 0 }] }, { perPodRate: 1, messagesPerPod: 5 }));
      m.setWorkers(["a"]);
      expect(m.nextEvent()).toBe(15_000);
      let s = at(m, 15_000);
      expect([s.produced, s.inFlight]).toEqual([1, 1]);
      expect(m.nextEvent()).toBe(16_000);
      s = at(m, 16_000);
      expect([s.consumed, s.inFlight]).toEqual([1, 0]);
      expect(m.takeExits()).toEqual([]);
      // 20 s after the delete, not after the pod started.
      expect(m.nextEvent()).toBe(36_000);
      at(m, 36_000);
      expect(m.takeExits()).toEqual(["a"]);
    });

    it("a message arriving exactly at the idle deadline is still received", () => {
      const m = new QueueWorkerModel(spec({ type: "steps", steps: [{ atMs: 0, rps: 0 }, { atMs: 19_000, rps: 1 }, { atMs: 20_000, rps: 0 }] }, {}));
      m.setWorkers(["a"]);
      const s = at(m, 20_000);
      expect(m.takeExits()).toEqual([]);
      expect(s.inFlight).toBe(1);
    });

    it("idleExit 0: a worker that finds the queue empty exits at once", () => {
      const m = new QueueWorkerModel(spec({ type: "constant", rps: 0 }, { idleExitMs: 0 }));
      m.setWorkers(["a"]);
      expect(m.takeExits()).toEqual(["a"]);
    });

    it("without idleExit (never) a worker waits for messages indefinitely", () => {
      const m = new QueueWorkerModel(spec({ type: "steps", steps: [{ atMs: 0, rps: 0 }, { atMs: 3_600_000, rps: 1 }] }, { idleExitMs: undefined, perPodRate: 1 }));
      m.setWorkers(["a"]);
      expect(m.nextEvent()).toBe(3_601_000);
      at(m, 3_602_000);
      expect(m.takeExits()).toEqual(["a"]);
    });
  });

  it("batches: receives min(batchSize, visible, quota left), deletes each message 1/perPodRate after the previous", () => {
    // 3 msg/s: the messages of a batch are deleted ⌈1000/3⌉ = 334, ⌈2000/3⌉ = 667 and 1000 ms after it was received.
    const m = new QueueWorkerModel(spec({ type: "steps", steps: [{ atMs: 0, rps: 100 }, { atMs: 100, rps: 0 }] }, { perPodRate: 3, batchSize: 3, messagesPerPod: 5 }));
    m.advance(100); // 10 messages
    m.setWorkers(["a"]);
    let s = at(m, 100);
    expect([s.visible, s.inFlight]).toEqual([7, 3]);
    const deletions: number[] = [];
    for (let ev = m.nextEvent(); ev !== undefined && ev < 10_000; ev = m.nextEvent()) {
      m.advance(ev);
      deletions.push(ev);
    }
    expect(deletions.slice(0, 5)).toEqual([434, 767, 1100, 1434, 1767]);
    s = at(m, 1767);
    // The second batch is the 2 messages left of the quota, then the worker exits.
    expect(m.takeExits()).toEqual(["a"]);
    expect([s.visible, s.inFlight, s.consumed]).toEqual([5, 0, 5]);
  });

  it("finds arrivals on a varying profile to the millisecond (ramp 0 → 2 msg/s over 10 s: N(t) = ⌊t²/10⌋, t in s)", () => {
    const m = new QueueWorkerModel(spec({ type: "ramp", fromRps: 0, toRps: 2, overMs: 10_000 }, { perPodRate: 1000, messagesPerPod: 10 }));
    m.setWorkers(["a"]);
    // t² / 10 ≥ 1 ⇔ t ≥ √10 s = 3162.28 ms; the second message at √20 s = 4472.14 ms.
    expect(m.nextEvent()).toBe(3163);
    m.advance(3163);
    expect(m.nextEvent()).toBe(3164); // deleted 1 ms later (1000 msg/s)
    m.advance(3164);
    expect(m.nextEvent()).toBe(4473);
    expect(at(m, 4473).inFlight).toBe(1);
  });

  it("the message goes to the worker that has waited longest", () => {
    const m = new QueueWorkerModel(spec({ type: "steps", steps: [{ atMs: 0, rps: 0 }, { atMs: 9000, rps: 1 }, { atMs: 10_000, rps: 0 }] }, {}));
    m.setWorkers(["zed"]);
    m.advance(500);
    m.setWorkers(["alpha", "zed"]);
    const s = at(m, 10_000);
    expect(s.workers!.map((w) => [w.pod, w.state])).toEqual([
      ["alpha", "waiting"],
      ["zed", "busy"],
    ]);
  });

  it("isFinishing: messagesPerPod or idleExit make a consumer finishing", () => {
    const c = { namespace: "d", perPodRate: 1 };
    expect(isFinishing(c)).toBe(false);
    expect(isFinishing({ ...c, messagesPerPod: 1 })).toBe(true);
    expect(isFinishing({ ...c, idleExitMs: 5000 })).toBe(true);
  });
});
