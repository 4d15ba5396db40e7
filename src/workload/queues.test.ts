import { describe, expect, it } from "vitest";
import { QueueModel, rangeAssign } from "./queues.js";
import type { QueueSpec } from "./types.js";

const spec = (o: Partial<QueueSpec> & Pick<QueueSpec, "type">): QueueSpec => ({
  name: "q",
  partitions: 1,
  producer: { profile: { type: "constant", rps: 10 } },
  consumer: { namespace: "default", deployment: "c", perPodRate: 4 },
  ...o,
});

describe("rangeAssign (Kafka RangeAssignor, one topic)", () => {
  it("gives the first P mod n consumers one extra partition and leaves consumers beyond P idle", () => {
    expect(rangeAssign(10, 3)).toEqual([[0, 4], [4, 3], [7, 3]]);
    expect(rangeAssign(3, 5)).toEqual([[0, 1], [1, 1], [2, 1], [3, 0], [3, 0]]);
  });
});

describe("QueueModel", () => {
  it("SQS: backlog grows at λ − n·r and drains to 0 at the rate difference, in whole messages", () => {
    const m = new QueueModel(spec({ type: "sqs" }));
    m.setConsumers(1);
    m.advance(10_000); // 100 produced, 40 received
    let s = m.snapshot();
    expect([s.produced, s.visible, s.inFlight, s.consumed]).toEqual([100, 60, 1, 39]);
    m.setConsumers(5); // 20 msg/s vs 10 msg/s: 60 drain in 6 s
    expect(m.nextEvent(5000)).toBe(16_000);
    m.advance(16_000);
    s = m.snapshot();
    expect(s.produced).toBe(160);
    expect(s.visible).toBe(0);
    // Idle capacity: ceil(10 / 4) = 3 workers busy, one message each.
    expect(s.inFlight).toBe(3);
    expect(s.consumed + s.visible + s.inFlight).toBe(160);
  });

  it("Kafka: round-robin partitions, at most one consumer per partition, lag from committed offsets", () => {
    const m = new QueueModel(spec({ type: "kafka", partitions: 3, producer: { profile: { type: "constant", rps: 30 } } }));
    m.setConsumers(5); // 3 busy consumers at 4 msg/s each, two idle
    m.advance(10_000); // 300 produced, 100 per partition, 40 consumed per partition
    let s = m.snapshot();
    expect(s.latestOffsets).toEqual([100, 100, 100]);
    expect(s.positions).toEqual([40, 40, 40]);
    expect(s.lag).toEqual([100, 100, 100]); // nothing committed yet
    m.commit();
    s = m.snapshot();
    expect(s.lag).toEqual([60, 60, 60]);
    expect(s.produced).toBe(s.consumed + s.remaining);
    expect(m.consumerRate(0)).toBe(4);
    expect(m.consumerRate(4)).toBe(0);
  });
});
