/**
 * The ScaledJob operator against a store with kube-apiserver's strategies, an SQS queue whose depth
 * the test sets, and Jobs whose status the test writes by hand (playing the Job controller).
 * Figures are worked out from KEDA v2.16's rules (scale_jobs.go, metrics.go, scaledjob_controller.go).
 */
import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { registerBuiltinStrategies } from "../../api/strategies.js";
import { QUEUES_SERVICE, type QueuesApi, type QueueSnapshot } from "../../cluster/queues.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { registerKedaKinds } from "./api.js";
import { ScaledJobController, SCALEDJOB_NAME_LABEL } from "./scaledjob.js";

function setup() {
  const clock = new VirtualClock();
  const rng = new Rng(7);
  const store = new Store(clock, rng.fork("apiserver"));
  registerBuiltinStrategies(store);
  registerKedaKinds(store);
  const events = new EventRecorder(store, clock);
  const logs = new LogSink(clock);
  const depth = { visible: 0, inFlight: 0, exists: true };
  const queues: QueuesApi = {
    queue: (name) => (depth.exists && name === "jobs" ? ({ name, type: "sqs", visible: depth.visible, inFlight: depth.inFlight } as QueueSnapshot) : undefined),
    list: () => [],
  };
  const ctx: ControllerContext = { store, clock, rng, events, logs, services: new Map([[QUEUES_SERVICE, queues]]) };
  const ctl = new ScaledJobController();
  ctl.start(ctx);
  const run = (ms: number) => clock.runUntil(clock.now() + ms);
  const jobs = () => store.list("Job", { namespace: "default" });
  const sjOf = (name = "worker") => store.get("ScaledJob", "default", name)!;
  const cond = (type: string, name = "worker") => (sjOf(name).status?.conditions ?? []).find((c: any) => c.type === type);
  const eventsFor = (name = "worker") =>
    store
      .list("Event")
      .filter((e: any) => e.involvedObject.kind === "ScaledJob" && e.involvedObject.name === name)
      .sort((a: any, b: any) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
      .map((e: any) => `${e.reason}: ${e.message}`);
  /** Play the Job controller: mark a job finished at the current time. */
  const finish = (job: KubeObject, type: "Complete" | "Failed") => {
    const cur = store.get("Job", "default", job.metadata.name!)!;
    store.setStatus(cur, {
      ...(cur.status ?? {}),
      conditions: [{ type, status: "True", lastTransitionTime: clock.iso() }],
      ...(type === "Complete" ? { completionTime: clock.iso(), succeeded: 1 } : { failed: 1 }),
    });
  };
  return { clock, store, logs, depth, run, jobs, sjOf, cond, eventsFor, finish, ctl };
}

function scaledJob(spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledJob",
    metadata: { name: "worker", namespace: "default", ...meta },
    spec: {
      jobTargetRef: {
        template: { spec: { containers: [{ name: "w", image: "busybox", resources: { requests: { cpu: "100m" } } }] } },
      },
      maxReplicaCount: 5,
      triggers: [{ type: "aws-sqs-queue", metadata: { queueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", awsRegion: "us-east-1", queueLength: "1" } }],
      ...spec,
    },
  };
}

describe("ScaledJobController", () => {
  it("creates one Job per message at once, with KEDA's name, labels, annotation, owner and template", () => {
    const h = setup();
    h.depth.visible = 3;
    const sj = h.store.create(scaledJob({}, { labels: { team: "a" } }));
    h.run(0);
    const jobs = h.jobs();
    expect(jobs).toHaveLength(3);
    const j = jobs[0]!;
    expect(j.metadata.name).toMatch(/^worker-[a-z0-9]{5}$/);
    expect(j.metadata.labels).toEqual({
      "app.kubernetes.io/name": "worker",
      "app.kubernetes.io/version": "2.16.0",
      "app.kubernetes.io/part-of": "worker",
      "app.kubernetes.io/managed-by": "keda-operator",
      [SCALEDJOB_NAME_LABEL]: "worker",
      team: "a",
    });
    expect(j.metadata.annotations).toEqual({ "scaledjob.keda.sh/generation": "1" });
    expect(j.metadata.ownerReferences).toEqual([{ apiVersion: "keda.sh/v1alpha1", kind: "ScaledJob", name: "worker", uid: sj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(j.spec.template.metadata.labels[SCALEDJOB_NAME_LABEL]).toBe("worker");
    expect(j.spec.template.metadata.generateName).toBe("worker-");
    expect(j.spec.template.spec.restartPolicy).toBe("OnFailure");
    expect(h.eventsFor()).toEqual([
      "KEDAScalersStarted: Scaler aws-sqs-queue is built",
      "KEDAScalersStarted: Started scalers watch",
      "ScaledJobReady: ScaledJob is ready for scaling",
      "KEDAJobsCreated: Created 3 jobs",
    ]);
    expect(h.cond("Ready")).toEqual({ type: "Ready", status: "True", reason: "ScaledJobReady", message: "ScaledJob is defined correctly and is ready to scaling" });
    expect(h.cond("Active")).toEqual({ type: "Active", status: "True", reason: "ScalerActive", message: "Scaling is performed because triggers are active" });
    expect(h.cond("Paused")!.status).toBe("Unknown");
    expect(h.sjOf().status.lastActiveTime).toBe(h.clock.iso(0));
    const execLog = h.logs.records("keda-operator").filter((r) => r.fields?.logger === "scaleexecutor" && r.level === "info").map((r) => [r.message, r.fields]);
    expect(execLog.slice(0, 2)).toEqual([
      ["Scaling Jobs", { logger: "scaleexecutor", "scaledJob.Name": "worker", "scaledJob.Namespace": "default", "Number of running Jobs": 0 }],
      ["Scaling Jobs", { logger: "scaleexecutor", "scaledJob.Name": "worker", "scaledJob.Namespace": "default", "Number of pending Jobs": 0 }],
    ]);
    expect(execLog.at(-1)).toEqual(["Created jobs", { logger: "scaleexecutor", "scaledJob.Name": "worker", "scaledJob.Namespace": "default", "Number of jobs": 3 }]);
  });

  it("polls every pollingInterval and never runs more than maxReplicaCount: 3, then 10 messages with 3 running → 2 more", () => {
    const h = setup();
    h.depth.visible = 3;
    h.store.create(scaledJob({ pollingInterval: 10 }));
    h.run(0);
    expect(h.jobs()).toHaveLength(3);
    h.depth.visible = 10;
    h.run(9_999);
    expect(h.jobs()).toHaveLength(3);
    h.run(1);
    // maxScale = min(10 / 1, 5) = 5; default: 5 − 3 running = 2.
    expect(h.jobs()).toHaveLength(5);
    h.run(10_000);
    expect(h.jobs()).toHaveLength(5);
    expect(h.eventsFor().filter((e) => e.startsWith("KEDAJobsCreated"))).toEqual(["KEDAJobsCreated: Created 3 jobs", "KEDAJobsCreated: Created 2 jobs"]);
  });

  it("finished jobs free their slots and are pruned to the history limits, oldest first", () => {
    const h = setup();
    h.depth.visible = 2;
    h.store.create(scaledJob({ pollingInterval: 10, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 }));
    h.run(0);
    const [a, b] = h.jobs();
    h.run(1000);
    h.finish(a!, "Complete");
    h.run(1000);
    h.finish(b!, "Complete");
    // Next poll (t = 10 s): 2 running slots free, 2 messages → 2 new jobs; the older Complete job goes.
    h.run(8000);
    const names = h.jobs().map((j) => j.metadata.name);
    expect(names).toHaveLength(3);
    expect(names).not.toContain(a!.metadata.name);
    expect(names).toContain(b!.metadata.name);
    const c = h.jobs().find((j) => j.metadata.name !== b!.metadata.name)!;
    h.finish(c, "Failed");
    h.run(10_000);
    expect(h.jobs().map((j) => j.metadata.name)).not.toContain(c.metadata.name);
    const removed = h.logs.records("keda-operator").filter((r) => r.message === "Remove a job by reaching the historyLimit").map((r) => [r.fields!["job.Name"], r.fields!.historyLimit]);
    expect(removed).toEqual([
      [a!.metadata.name, 1],
      [c.metadata.name, 0],
    ]);
  });

  it("accurate: jobs without a Running/Succeeded pod are pending and deducted (3 pending of 3 → none; one pod Running → 1)", () => {
    const h = setup();
    h.depth.visible = 3;
    h.store.create(scaledJob({ pollingInterval: 10, maxReplicaCount: 10, scalingStrategy: { strategy: "accurate" } }));
    h.run(0);
    expect(h.jobs()).toHaveLength(3);
    // maxScale 3 + running 3 ≤ 10 → maxScale − pending = 3 − 3 = 0.
    h.run(10_000);
    expect(h.jobs()).toHaveLength(3);
    const job = h.jobs()[0]!;
    const pod = h.store.create<KubeObject>({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${job.metadata.name}-abcde`, namespace: "default", labels: { "job-name": job.metadata.name! } },
      spec: { restartPolicy: "OnFailure", containers: [{ name: "w", image: "busybox" }] },
    });
    h.store.setStatus(pod, { phase: "Running" });
    h.run(10_000);
    // pending 2 → 3 − 2 = 1.
    expect(h.jobs()).toHaveLength(4);
    const pendingLogged = h.logs.records("keda-operator").filter((r) => r.message === "Scaling Jobs" && r.fields && "Number of pending Jobs" in r.fields);
    expect(pendingLogged.map((r) => r.fields!["Number of pending Jobs"])).toEqual([0, 3, 2]);
  });

  it("accurate at the cap (v2.16): maxScale + running > max → max − running, pending not deducted", () => {
    const h = setup();
    h.depth.visible = 3;
    h.store.create(scaledJob({ pollingInterval: 10, scalingStrategy: { strategy: "accurate" } }));
    h.run(0);
    // 3 + 3 > 5 → 5 − 3 = 2 although all 3 running jobs are pending (kedacore/keda#7417 changed this later).
    h.run(10_000);
    expect(h.jobs()).toHaveLength(5);
  });

  it("minReplicaCount keeps that many jobs running on an empty queue (and makes the ScaledJob active)", () => {
    const h = setup();
    h.store.create(scaledJob({ minReplicaCount: 2, pollingInterval: 10 }));
    h.run(0);
    expect(h.jobs()).toHaveLength(2);
    expect(h.cond("Active")!.status).toBe("True");
    h.finish(h.jobs()[0]!, "Complete");
    h.run(10_000);
    expect(h.jobs().filter((j) => !j.status?.conditions)).toHaveLength(2);
  });

  it("an inactive trigger creates nothing: Active False ScalerNotActive, no lastActiveTime", () => {
    const h = setup();
    h.store.create(scaledJob());
    h.run(0);
    expect(h.jobs()).toHaveLength(0);
    expect(h.cond("Active")).toEqual({ type: "Active", status: "False", reason: "ScalerNotActive", message: "Scaling is not performed because triggers are not active" });
    expect(h.sjOf().status.lastActiveTime).toBeUndefined();
  });

  it("a failing trigger: KEDAScalerFailed event and Ready Unknown PartialTriggerError", () => {
    const h = setup();
    h.depth.exists = false;
    h.store.create(scaledJob());
    h.run(0);
    expect(h.eventsFor()).toContain("KEDAScalerFailed: AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist.");
    expect(h.cond("Ready")).toEqual({ type: "Ready", status: "Unknown", reason: "PartialTriggerError", message: "Some triggers defined in ScaledJob are not working correctly" });
    expect(h.cond("Active")!.status).toBe("False");
  });

  it("rollout default: a spec change deletes the jobs of the previous generation; gradual keeps them", () => {
    for (const strategy of ["default", "gradual"]) {
      const h = setup();
      h.depth.visible = 2;
      h.store.create(scaledJob({ pollingInterval: 30, rollout: { strategy } }));
      h.run(0);
      const old = h.jobs().map((j) => j.metadata.name);
      expect(old).toHaveLength(2);
      h.depth.visible = 0;
      h.run(5000);
      const cur = h.sjOf();
      h.store.update({ ...cur, spec: { ...cur.spec, maxReplicaCount: 4 } });
      h.run(0);
      const left = h.jobs().map((j) => j.metadata.name);
      expect(left).toEqual(strategy === "default" ? [] : old);
    }
  });

  it("paused: no jobs, Paused True; unpaused: Paused False ScaledJobUnpaused and scaling resumes", () => {
    const h = setup();
    h.depth.visible = 2;
    h.store.create(scaledJob({ pollingInterval: 10 }, { annotations: { "autoscaling.keda.sh/paused": "true" } }));
    h.run(30_000);
    expect(h.jobs()).toHaveLength(0);
    expect(h.cond("Paused")).toEqual({ type: "Paused", status: "True", reason: "ScaledJobPaused", message: "ScaledJob is paused" });
    expect(h.cond("Ready")!.message).toBe("ScaledJob is paused, skipping reconcile loop");
    const cur = h.sjOf();
    h.store.update({ ...cur, metadata: { ...cur.metadata, annotations: {} } });
    h.run(0);
    expect(h.cond("Paused")).toEqual({ type: "Paused", status: "False", reason: "ScaledJobUnpaused", message: "ScaledJob is unpaused" });
    expect(h.jobs()).toHaveLength(2);
  });

  it("puts finalizer.keda.sh on the ScaledJob; deleting it stops the loop, drops the finalizer and its Jobs go by GC", () => {
    const h = setup();
    h.depth.visible = 2;
    h.store.create(scaledJob({ pollingInterval: 10 }));
    h.run(0);
    expect(h.sjOf().metadata.finalizers).toEqual(["finalizer.keda.sh"]);
    expect(h.jobs()).toHaveLength(2);
    h.store.delete("ScaledJob", "default", "worker");
    h.run(30_000);
    expect(h.store.get("ScaledJob", "default", "worker")).toBeUndefined();
    expect(h.jobs()).toHaveLength(0);
    expect(h.eventsFor()).toContain("ScaledJobDeleted: ScaledJob was deleted");
  });

  it("kubectl get scaledjob: 2.16's columns read the conditions and status.triggersTypes / authenticationsTypes", async () => {
    const { registerControllerViews } = await import("../../server/components.js");
    const { defaultParts } = await import("../../server/parts.js");
    const h = setup();
    h.depth.visible = 1;
    const sqs = scaledJob().spec.triggers[0];
    h.store.create(scaledJob({ minReplicaCount: 1, triggers: [{ ...sqs, authenticationRef: { name: "aws-auth" } }, { ...sqs, authenticationRef: { name: "aws-auth" } }] }));
    h.run(0);
    expect([h.sjOf().status.triggersTypes, h.sjOf().status.authenticationsTypes]).toEqual(["aws-sqs-queue", "aws-auth"]);
    registerControllerViews({ karpenterEnabled: false } as Parameters<typeof registerControllerViews>[0]);
    const t = defaultParts().tableFor("ScaledJob", [h.sjOf()], { nowMs: h.clock.epochMs + 90_000 }) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Min", "Max", "Ready", "Active", "Paused", "Triggers", "Authentications", "Age"]);
    expect(t.rows[0]!.cells).toEqual(["worker", 1, 5, "True", "True", "Unknown", "aws-sqs-queue", "aws-auth", "90s"]);
  });

  it("refuses bad specs with the field named", () => {
    const h = setup();
    const noTemplate = scaledJob({ jobTargetRef: { parallelism: 1 } });
    expect(() => h.store.create(noTemplate)).toThrow('ScaledJob.keda.sh "worker" is invalid: spec.jobTargetRef.template: Required value');
    expect(() => h.store.create(scaledJob({ failedJobsHistoryLimit: -1 }))).toThrow("spec.failedJobsHistoryLimit in body should be greater than or equal to 0");
    const dup = scaledJob({
      triggers: [
        { type: "cron", name: "t", metadata: { timezone: "UTC", start: "0 * * * *", end: "5 * * * *", desiredReplicas: "1" } },
        { type: "cron", name: "t", metadata: { timezone: "UTC", start: "10 * * * *", end: "15 * * * *", desiredReplicas: "1" } },
      ],
    });
    expect(() => h.store.create(scaledJob({ triggers: [] }))).toThrow('admission webhook "vscaledjob.kb.io" denied the request: no triggers defined in the ScaledObject/ScaledJob');
    expect(() => h.store.create(dup)).toThrow('admission webhook "vscaledjob.kb.io" denied the request: triggerName "t" is defined multiple times in the ScaledObject/ScaledJob, but it must be unique');
  });

  it("metricType on a trigger fails the check: Ready False ScaledJobCheckFailed, no loop", () => {
    const h = setup();
    h.depth.visible = 4;
    h.store.create(scaledJob({ triggers: [{ ...scaledJob().spec.triggers[0], metricType: "Value" }] }));
    h.run(60_000);
    expect(h.jobs()).toHaveLength(0);
    expect(h.cond("Ready")).toEqual({ type: "Ready", status: "False", reason: "ScaledJobCheckFailed", message: "Cannot set metricType in ScaledJob triggers" });
    expect(h.cond("Active")).toEqual({ type: "Active", status: "Unknown", reason: "UnknownState", message: "ScaledJob check failed" });
  });
});
