/**
 * examples/keda-scaledjob-sqs.yaml end to end: KEDA v2.16's ScaledJob creates one Job per SQS
 * message (queueLength 1), the Job controller runs each Job's pod, the pod's worker takes one
 * message, works 20 s, deletes it and exits 0 (messagesPerPod 1), the Job completes, and KEDA prunes
 * finished Jobs to successfulJobsHistoryLimit 5.
 *
 * Hand-worked: the producer sends 1 msg/s over [60 s, 90 s) and 2 msg/s over [360 s, 375 s) — 30 +
 * 30 messages. KEDA polls at 0, 10, 20, … s. At 70 s ten messages are visible: maxScale =
 * min(10 / 1, maxReplicaCount 10) = 10, no Job runs → "Created 10 jobs". Those ten hold all ten
 * running slots until they complete (pod start-up of a few seconds + 20 s + the Job controller's 1 s
 * batch, before the 100 s poll), so the polls at 80 and 90 s create nothing (10 − 10 = 0). At 100 s
 * the other 20 are waiting: 10 more; at 130 s the last 10. The second burst goes the same way at
 * 370, 400 and 430 s. Sixty Jobs in all, one message each.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/meta.js";
import { QUEUES_SERVICE, type QueuesApi, type QueueSnapshot } from "../../src/cluster/queues.js";
import { loadScenarioFile } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";

const finished = (j: KubeObject) => ((j.status?.conditions ?? []) as Array<{ type: string; status: string }>).find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type;

describe("examples/keda-scaledjob-sqs.yaml (ScaledJob, aws-sqs-queue, queueLength 1, maxReplicaCount 10)", () => {
  const sim = new Simulation(loadScenarioFile("examples/keda-scaledjob-sqs.yaml"));
  const queue = (): QueueSnapshot => (sim.services.get(QUEUES_SERVICE) as QueuesApi).queue("jobs")!;
  const jobs = () => sim.store.list("Job", { namespace: "default", labelSelector: "scaledjob.keda.sh/name=sqs-job-worker" });

  // Every Job that ever existed, its completion, and the most unfinished Jobs seen at any change.
  const seen = new Map<string, { created: number; complete?: number; completionTime?: string }>();
  let maxUnfinished = 0;
  sim.store.watch("Job", (ev) => {
    const j = ev.object;
    if (j.metadata.labels?.["scaledjob.keda.sh/name"] !== "sqs-job-worker") return;
    const name = j.metadata.name!;
    if (!seen.has(name)) seen.set(name, { created: sim.clock.now() });
    if (ev.type !== "DELETED" && finished(j) === "Complete") {
      const rec = seen.get(name)!;
      rec.complete ??= sim.clock.now();
      rec.completionTime = j.status.completionTime;
    }
    maxUnfinished = Math.max(maxUnfinished, jobs().filter((x) => !finished(x)).length);
  });
  const created: Array<[number, string]> = [];
  sim.recorder.on((r) => {
    if (r.type === "event" && r.object === "ScaledJob/default/sqs-job-worker" && r.reason === "KEDAJobsCreated") created.push([Number(r.t), String(r.message)]);
  });

  const samples: Array<{ t: number; q: QueueSnapshot; complete: number; failed: number }> = [];
  for (let t = 0; t <= sim.scenario.spec.durationMs; t += 1000) {
    sim.runUntil(t);
    const js = jobs();
    samples.push({ t, q: queue(), complete: js.filter((j) => finished(j) === "Complete").length, failed: js.filter((j) => finished(j) === "Failed").length });
  }
  const end = samples.at(-1)!;
  const produced = (s: number) => (s <= 60 ? 0 : s <= 90 ? s - 60 : s <= 360 ? 30 : s <= 375 ? 30 + 2 * (s - 360) : 60);

  it("creates Jobs as messages arrive: 10 at 70, 100, 130, 370, 400 and 430 s", () => {
    expect(created).toEqual([70, 100, 130, 370, 400, 430].map((t) => [t, "Created 10 jobs"]));
    expect(seen.size).toBe(60);
  });

  it("never runs more than maxReplicaCount (10) unfinished Jobs", () => {
    expect(maxUnfinished).toBe(10);
  });

  it("never loses a message: produced (by hand) = consumed + visible + in flight at every second", () => {
    for (const { t, q } of samples) {
      expect(q.produced).toBe(produced(t / 1000));
      expect(q.produced).toBe(q.consumed + q.visible + q.inFlight);
    }
  });

  it("consumes every message, one per Job, and every Job completes", () => {
    expect([end.q.produced, end.q.consumed, end.q.remaining]).toEqual([60, 60, 0]);
    expect([...seen.values()].every((j) => j.complete !== undefined)).toBe(true);
    expect(sim.inputErrors).toEqual([]);
  });

  it("prunes finished Jobs to successfulJobsHistoryLimit 5 at each poll, keeping the newest, and their pods go with them", () => {
    // Between polls up to 10 more can finish; every poll (a multiple of 10 s) leaves at most 5.
    for (const s of samples) if (s.t % 10_000 === 0) expect(s.complete).toBeLessThanOrEqual(5);
    for (const s of samples) expect(s.failed).toBe(0);
    // KEDA sorts by status.completionTime (whole seconds): no pruned Job completed later than a kept one.
    const kept = jobs().map((j) => j.metadata.name!).sort();
    expect(kept).toHaveLength(5);
    const at = (n: string) => Date.parse(seen.get(n)!.completionTime!);
    const pruned = [...seen.keys()].filter((n) => !kept.includes(n));
    expect(pruned).toHaveLength(55);
    expect(Math.max(...pruned.map(at))).toBeLessThanOrEqual(Math.min(...kept.map(at)));
    const pods = sim.store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.["scaledjob.keda.sh/name"] === "sqs-job-worker");
    expect(pods.map((p) => p.metadata.labels!["job-name"]).sort()).toEqual(kept);
  });

  it("ends Ready and inactive; lastActiveTime is the last poll that saw a message visible or in flight", () => {
    const sj = sim.store.get("ScaledJob", "default", "sqs-job-worker")!;
    const cond = (type: string) => sj.status.conditions.find((c: { type: string }) => c.type === type);
    expect(cond("Ready")).toMatchObject({ status: "True", reason: "ScaledJobReady" });
    expect(cond("Active")).toMatchObject({ status: "False", reason: "ScalerNotActive" });
    // A poll reads the queue after everything due at its instant; the sample at the same instant sees the same queue.
    const lastActivePoll = samples.filter((s) => s.t % 10_000 === 0 && s.q.visible + s.q.inFlight > 0).at(-1)!.t;
    expect(sj.status.lastActiveTime).toBe(sim.clock.iso(lastActivePoll));
  });
});
