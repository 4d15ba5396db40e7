/**
 * KEDA queue scalers end to end (examples/keda-kafka.yaml, examples/keda-sqs.yaml): the consumers
 * scale with the backlog and back to 0, and no message is lost — produced = consumed + remaining at
 * every checkpoint, with the produced count worked out by hand from the steps profile.
 */
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";
import { QUEUES_SERVICE, type QueuesApi } from "../../src/cluster/queues.js";

interface Sample {
  t: number;
  replicas: number;
  q: ReturnType<QueuesApi["queue"]> & object;
}

function run(file: string, deployment: string, checkpoints: number[]): { sim: Simulation; samples: Sample[]; at: Map<number, Sample> } {
  const sim = new Simulation(loadScenarioFile(file));
  const queues = () => sim.services.get(QUEUES_SERVICE) as QueuesApi;
  const samples: Sample[] = [];
  const at = new Map<number, Sample>();
  const times = new Set<number>(checkpoints);
  for (let t = 0; t <= sim.scenario.spec.durationMs; t += 15_000) times.add(t);
  for (const t of [...times].sort((a, b) => a - b)) {
    sim.runUntil(t);
    const s = { t, replicas: sim.store.get("Deployment", "default", deployment)!.spec.replicas as number, q: queues().queue("orders")! };
    samples.push(s);
    at.set(t, s);
  }
  expect(sim.inputErrors).toEqual([]);
  return { sim, samples, at };
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

describe("examples/keda-kafka.yaml (10 partitions, lagThreshold 50)", () => {
  // 20 msg/s, 200 msg/s from 5m to 10m, 20 msg/s to 25m, then 0.
  const produced = (s: number) => (s <= 300 ? 20 * s : s <= 600 ? 6000 + 200 * (s - 300) : s <= 1500 ? 66000 + 20 * (s - 600) : 84000);
  const checkpoints = [97_000, 180_000, 421_000, 600_000, 733_000, 1_000_000, 1_500_000, 2_400_000];
  const { sim, samples, at } = run("examples/keda-kafka.yaml", "order-consumer", checkpoints);

  it("never loses a message: produced = consumed + Σ(latest − position), and Σ latest = produced", () => {
    for (const t of checkpoints) {
      const { q } = at.get(t)!;
      expect(q.produced).toBe(produced(t / 1000));
      expect(sum(q.latestOffsets)).toBe(q.produced);
      expect(q.consumed).toBe(sum(q.positions));
      expect(q.remaining).toBe(sum(q.latestOffsets) - sum(q.positions));
      expect(q.produced).toBe(q.consumed + q.remaining);
    }
    for (const s of samples) expect(s.q.produced).toBe(s.q.consumed + s.q.remaining);
  });

  it("builds up lag evenly over the partitions during the burst (10 consumers at 10 msg/s vs 200 msg/s)", () => {
    const { q } = at.get(600_000)!;
    expect(q.consumers).toBe(10);
    // 5 minutes at 200 − 100 msg/s: 30,000 behind, 3,000 per partition (round-robin producer).
    expect(q.remaining).toBe(30_000);
    for (const p of q.positions.map((x, i) => q.latestOffsets[i]! - x)) expect(p).toBe(3000);
  });

  it("scales out to the partition count and no further (allowIdleConsumers false caps the metric)", () => {
    const max = Math.max(...samples.map((s) => s.replicas));
    expect(max).toBe(10);
    expect(samples.filter((s) => s.t >= 300_000 && s.t <= 900_000).every((s) => s.replicas === 10)).toBe(true);
    const hpa = sim.store.get("HorizontalPodAutoscaler", "default", "keda-hpa-order-consumer")!;
    expect(hpa.spec.metrics[0].external.metric.name).toBe("s0-kafka-orders");
    expect(hpa.spec.metrics[0].external.target).toEqual({ type: "AverageValue", averageValue: "50" });
  });

  it("drains the backlog and scales back to 0 after the producer stops", () => {
    const end = samples[samples.length - 1]!;
    expect(end.replicas).toBe(0);
    expect(end.q.consumed).toBe(84_000);
    expect(end.q.remaining).toBe(0);
    const zeroAfter = samples.find((s) => s.t > 1_500_000 && s.replicas === 0)!;
    // The last lag is committed shortly after 25m; cooldown 120 s → 0 between 27m and 28m30s.
    expect(zeroAfter.t).toBeGreaterThanOrEqual(1_620_000);
    expect(zeroAfter.t).toBeLessThanOrEqual(1_710_000);
  });
});

describe("examples/keda-sqs.yaml (queueLength 10, max 15)", () => {
  // 5 msg/s, 50 msg/s from 2m to 12m, 5 msg/s to 20m, then 0.
  const produced = (s: number) => (s <= 120 ? 5 * s : s <= 720 ? 600 + 50 * (s - 120) : s <= 1200 ? 30600 + 5 * (s - 720) : 33000);
  const checkpoints = [61_000, 300_000, 407_000, 720_000, 1_000_000, 2_000_000];
  const { samples, at } = run("examples/keda-sqs.yaml", "sqs-worker", checkpoints);

  it("never loses a message: produced = consumed + visible + in flight", () => {
    for (const t of checkpoints) {
      const { q } = at.get(t)!;
      expect(q.produced).toBe(produced(t / 1000));
      expect(q.remaining).toBe(q.visible + q.inFlight);
      expect(q.produced).toBe(q.consumed + q.visible + q.inFlight);
    }
    for (const s of samples) {
      expect(s.q.produced).toBe(s.q.consumed + s.q.visible + s.q.inFlight);
      // One message in flight per busy worker at most (batchSize 1).
      expect(s.q.inFlight).toBeLessThanOrEqual(s.q.consumers);
    }
  });

  it("scales out with the backlog up to maxReplicaCount and back to 0 once the queue is empty", () => {
    expect(Math.max(...samples.map((s) => s.replicas))).toBe(15);
    expect(samples.some((s) => s.q.visible > 500)).toBe(true);
    const end = samples[samples.length - 1]!;
    expect(end.replicas).toBe(0);
    expect(end.q.consumed).toBe(33_000);
    // Producer stops at 20m. The poll at 1185 s still sees messages (in flight at least); the one
    // at 1200 s sees none (no arrivals, so no busy worker). Cooldown 120 s after the last active
    // poll: 1185 + 120 = 1305 s, which is a poll (15 s interval) where the cooldown has passed.
    const zero = samples.find((s) => s.t > 1_200_000 && s.replicas === 0)!;
    expect(zero.t).toBe(1_305_000);
  });
});
