/** `spec.queues[].consumer.messagesPerPod` / `idleExit`: finishing consumers (KEDA ScaledJob workers). */
import { describe, expect, it } from "vitest";
import { loadScenarioText, ScenarioError } from "./loader.js";

const doc = (consumer: string, type = "sqs", rate = "0.5") =>
  `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  queues:
    - name: jobs
      type: ${type}
      producer: {profile: {type: constant, rps: 1}}
      consumer: {selector: {app: w}, perPodRate: ${rate}${consumer}}
`;
const consumer = (c: string, type?: string, rate?: string) => loadScenarioText(doc(c, type, rate), "s.yaml").spec.queues![0]!.consumer;
function fail(c: string, type?: string, rate?: string): string {
  try {
    consumer(c, type, rate);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).message;
  }
  throw new Error("expected ScenarioError");
}

describe("spec.queues[].consumer finishing workers", () => {
  it("messagesPerPod defaults idleExit to 20 s (SQS's longest WaitTimeSeconds)", () => {
    expect(consumer(", messagesPerPod: 1")).toMatchObject({ messagesPerPod: 1, idleExitMs: 20_000 });
  });

  it("idleExit takes a duration or never; alone it makes a worker that runs until the queue stays empty", () => {
    expect(consumer(", messagesPerPod: 3, idleExit: 5s")).toMatchObject({ messagesPerPod: 3, idleExitMs: 5000 });
    const never = consumer(", messagesPerPod: 3, idleExit: never");
    expect(never.messagesPerPod).toBe(3);
    expect(never.idleExitMs).toBeUndefined();
    const idleOnly = consumer(", idleExit: 1m");
    expect(idleOnly.messagesPerPod).toBeUndefined();
    expect(idleOnly.idleExitMs).toBe(60_000);
  });

  it("plain consumers stay plain", () => {
    const c = consumer("");
    expect(c.messagesPerPod).toBeUndefined();
    expect(c.idleExitMs).toBeUndefined();
  });

  it("works on rabbitmq and redis work queues", () => {
    expect(consumer(", messagesPerPod: 2", "rabbitmq").messagesPerPod).toBe(2);
    expect(consumer(", messagesPerPod: 2", "redis").messagesPerPod).toBe(2);
  });

  it("rejects bad values naming the field", () => {
    expect(fail(", messagesPerPod: 0")).toContain("spec.queues[0].consumer.messagesPerPod: Invalid value: 0: must be greater than or equal to 1");
    expect(fail(", messagesPerPod: 1.5")).toContain("spec.queues[0].consumer.messagesPerPod: Invalid value: 1.5: must be an integer");
    expect(fail(", idleExit: soon")).toContain('spec.queues[0].consumer.idleExit: Invalid value: "soon": time: invalid duration "soon"');
    expect(fail(", messagesPerPod: 1", "sqs", "0")).toContain(
      "spec.queues[0].consumer.perPodRate: Invalid value: 0: must be greater than 0 when the consumers finish (messagesPerPod, idleExit)",
    );
  });

  it("rejects them on Kafka topics", () => {
    expect(fail(", messagesPerPod: 1", "kafka")).toContain(
      "spec.queues[0].consumer.messagesPerPod: Forbidden: messagesPerPod is for work queues (sqs, rabbitmq, redis); a Kafka consumer group member owns whole partitions and commits offsets, it does not take single messages",
    );
    expect(fail(", idleExit: 20s", "kafka")).toContain("spec.queues[0].consumer.idleExit: Forbidden: idleExit is for work queues");
  });
});
