/**
 * Finishing queue consumers on the simulated cluster: bare restartPolicy Never pods (what a KEDA
 * ScaledJob's Jobs run) drain an SQS queue with messagesPerPod 3 at 0.1 msg/s, their worker
 * container exits 0 through the container runtime, and the kubelet marks them Succeeded.
 *
 * Hand-worked: 10 messages are all produced by t = 1 s (10 msg/s for 1 s). Five pods turn Ready
 * between 2 s and 5 s (image pulls), each takes one message and holds it 10 s. job-5 is deleted at
 * 8 s, mid-message: its message turns visible again (nobody is waiting — every worker is busy).
 * From then on the four workers take a message every 10 s from their Ready time r, in Ready order:
 * at r + 10 s four more (6 → 2 visible), at r + 20 s the first two take the last two. So the first
 * two pods to turn Ready delete their third message at r + 30 s and exit (quota); the other two
 * delete their second at r + 20 s, wait the default 20 s idle (SQS's longest long poll) and exit at
 * r + 40 s. At the end produced 10 = consumed 10, nothing remains, four workers exited.
 */
import { describe, expect, it } from "vitest";
import { QUEUES_SERVICE, type QueuesApi, type QueueSnapshot } from "../../src/cluster/queues.js";
import { RUNTIME_SERVICE, type ContainerRuntime } from "../../src/cluster/runtime.js";
import { loadScenarioText } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";

const pod = (name: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: job-worker}}
spec:
  restartPolicy: Never
  containers:
  - name: worker
    image: public.ecr.aws/example/sqs-worker:1.0
    resources: {requests: {cpu: 100m, memory: 64Mi}}
`;

const text = `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: queue-jobs}
spec:
  duration: 2m
  nodeGroups: [{name: default, instanceType: m5.large, desired: 1, min: 1, max: 1}]
  queues:
    - name: jobs
      type: sqs
      producer:
        profile: {type: steps, steps: [{at: 0s, rps: 10}, {at: 1s, rps: 0}]}
      consumer:
        selector: {app: job-worker}
        perPodRate: 0.1
        messagesPerPod: 3
        cpuPerMessage: 100m
  timeline:
    - at: 8s
      run: kubectl delete pod job-5
${["job-1", "job-2", "job-3", "job-4", "job-5"].map(pod).join("")}`;

describe("finishing consumers: restartPolicy Never pods drain an SQS queue and succeed", () => {
  const sim = new Simulation(loadScenarioText(text, "queue-jobs.yaml"));
  const readyAt = new Map<string, number>();
  const succeededAt = new Map<string, number>();
  sim.recorder.on((r) => {
    if (r.type !== "pod" || r.namespace !== "default") return;
    const name = String(r.name);
    const t = Math.round(Number(r.t) * 1000);
    if (r.ready === true && !readyAt.has(name)) readyAt.set(name, t);
    if (r.phase === "Succeeded" && !succeededAt.has(name)) succeededAt.set(name, t);
  });
  const queue = (): QueueSnapshot => (sim.services.get(QUEUES_SERVICE) as QueuesApi).queue("jobs")!;
  const samples: QueueSnapshot[] = [];
  const snap = (t: number): QueueSnapshot => {
    sim.runUntil(t);
    const q = queue();
    samples.push(q);
    return q;
  };

  const beforeDelete = snap(7_999);
  const afterDelete = snap(8_000);
  const byReady = () => ["job-1", "job-2", "job-3", "job-4"].sort((a, b) => readyAt.get(a)! - readyAt.get(b)!);
  sim.runUntil(8_000);
  const [first, second, third, fourth] = byReady();
  // The last two have deleted their second message (r + 20 s), the first two work on their third
  // (until r + 30 s; all four turned Ready within 8 s).
  const mid = snap(readyAt.get(fourth!)! + 20_500);
  const rt = sim.services.get(RUNTIME_SERVICE) as ContainerRuntime;
  const demand = (p: string) => rt.container(`default/${p}`, "worker")!.cpuDemandMilli;
  const midDemand = { busy: demand(first!), waiting: demand(fourth!) };
  for (let t = 10_000; t <= 120_000; t += 5_000) snap(t);
  const end = samples[samples.length - 1]!;

  it("all five pods turned Ready in the first seconds, before any message was done", () => {
    expect([...readyAt.keys()].sort()).toEqual(["job-1", "job-2", "job-3", "job-4", "job-5"]);
    for (const t of readyAt.values()) expect(t).toBeLessThan(8_000);
  });

  it("deleting a pod mid-message puts its message back in the queue", () => {
    expect([beforeDelete.visible, beforeDelete.inFlight, beforeDelete.consumed]).toEqual([5, 5, 0]);
    expect([afterDelete.visible, afterDelete.inFlight, afterDelete.consumed]).toEqual([6, 4, 0]);
  });

  it("keeps produced = consumed + visible + in flight at every sample", () => {
    for (const q of samples) {
      expect(q.produced).toBe(10);
      expect(q.produced).toBe(q.consumed + q.visible + q.inFlight);
      expect(q.remaining).toBe(q.visible + q.inFlight);
    }
  });

  it("holds messages in flight only while working: busy workers burn perPodRate × cpuPerMessage more CPU", () => {
    expect([mid.visible, mid.inFlight, mid.consumed]).toEqual([0, 2, 8]);
    expect(mid.workers!.find((w) => w.pod === first)).toMatchObject({ processed: 2, held: 1, state: "busy" });
    expect(mid.workers!.find((w) => w.pod === fourth)).toMatchObject({ processed: 2, held: 0, state: "waiting" });
    // 0.1 msg/s × 0.1 CPU-s per message = 10 millicores.
    expect(midDemand.busy - midDemand.waiting).toBeCloseTo(10, 9);
  });

  it("workers exit 0 when their quota is reached or after 20 s idle, and the pods succeed", () => {
    expect(succeededAt.get(first!)).toBe(readyAt.get(first!)! + 30_000);
    expect(succeededAt.get(second!)).toBe(readyAt.get(second!)! + 30_000);
    expect(succeededAt.get(third!)).toBe(readyAt.get(third!)! + 40_000);
    expect(succeededAt.get(fourth!)).toBe(readyAt.get(fourth!)! + 40_000);
    for (const name of [first, second, third, fourth]) {
      const p = sim.store.get("Pod", "default", name!)!;
      expect(p.status.phase).toBe("Succeeded");
      expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    }
    expect(sim.store.get("Pod", "default", "job-5")).toBeUndefined();
  });

  it("ends with every message consumed and the workers gone", () => {
    expect([end.produced, end.consumed, end.remaining]).toEqual([10, 10, 0]);
    expect(end.exitedWorkers).toBe(4);
    expect(end.consumers).toBe(0);
    expect(end.workers).toEqual([]);
    expect(sim.inputErrors).toEqual([]);
  });
});
