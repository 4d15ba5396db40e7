/**
 * KEDA's rabbitmq (QueueLength over HTTP: ready + unacked) and redis list (LLEN) scalers on the same
 * work-queue model as SQS: the workers scale out with the backlog and back to 0, and no message is
 * lost. The scenario is examples/keda-sqs.yaml with the queue and trigger swapped.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QUEUES_SERVICE, type QueuesApi } from "../../src/cluster/queues.js";
import { loadScenarioText } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";

const base = readFileSync("examples/keda-sqs.yaml", "utf8");
const sqsTrigger = base.slice(base.indexOf("  - type: aws-sqs-queue"));

function variant(type: "rabbitmq" | "redis", trigger: string): string {
  return base.replace("      type: sqs\n", `      type: ${type}\n`).replace(sqsTrigger, trigger);
}

// 5 msg/s, 50 msg/s from 2m to 12m, 5 msg/s to 20m, then 0 (the SQS example's producer).
const produced = (s: number) => (s <= 120 ? 5 * s : s <= 720 ? 600 + 50 * (s - 120) : s <= 1200 ? 30600 + 5 * (s - 720) : 33000);

function run(text: string, name: string) {
  const sim = new Simulation(loadScenarioText(text, `${name}.yaml`));
  const samples: Array<{ t: number; replicas: number; q: NonNullable<ReturnType<QueuesApi["queue"]>> }> = [];
  for (let t = 0; t <= sim.scenario.spec.durationMs; t += 15_000) {
    sim.runUntil(t);
    const q = (sim.services.get(QUEUES_SERVICE) as QueuesApi).queue("orders")!;
    samples.push({ t, replicas: sim.store.get("Deployment", "default", "sqs-worker")!.spec.replicas, q });
  }
  expect(sim.inputErrors).toEqual([]);
  return { sim, samples };
}

for (const [type, trigger, metric] of [
  [
    "rabbitmq",
    `  - type: rabbitmq\n    metadata:\n      host: http://guest:guest@rabbitmq.default.svc:15672/\n      queueName: orders\n      mode: QueueLength\n      value: "10"\n`,
    "s0-rabbitmq-orders",
  ],
  ["redis", `  - type: redis\n    metadata:\n      address: redis.default.svc:6379\n      listName: orders\n      listLength: "10"\n`, "s0-redis-orders"],
] as const) {
  describe(`${type} scaler on a work queue`, () => {
    const { sim, samples } = run(variant(type, trigger), type);

    it("never loses a message: produced = consumed + visible + in flight", () => {
      for (const s of samples) {
        expect(s.q.produced).toBe(produced(s.t / 1000));
        expect(s.q.produced).toBe(s.q.consumed + s.q.visible + s.q.inFlight);
      }
      expect(samples[samples.length - 1]!.q.consumed).toBe(33_000);
    });

    it("scales the workers out with the backlog and back to 0, through the generated HPA's external metric", () => {
      expect(Math.max(...samples.map((s) => s.replicas))).toBe(15);
      expect(samples[samples.length - 1]!.replicas).toBe(0);
      const hpa = sim.store.get("HorizontalPodAutoscaler", "default", "keda-hpa-sqs-worker")!;
      expect(hpa.spec.metrics[0].external.metric.name).toBe(metric);
    });
  });
}
