/**
 * Job controller against the real store (with the API strategies), scheduler and kubelet.
 * Start-up delay 3 s without jitter, so a container started at t runs `sleep N` until t + 3 + N s;
 * pod events reach the Job 1 s later (syncJobBatchPeriod).
 */
import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { registerBuiltinStrategies } from "../../api/strategies.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { tableFor } from "../../server/tables.js";
import { Kubelet } from "../kubelet.js";
import { makeNode } from "../nodes.js";
import { ContainerRuntime, RUNTIME_SERVICE } from "../runtime.js";
import { Scheduler } from "../scheduler.js";
import {
  activePodsForRemoval,
  formatIndexes,
  JOB_TRACKING_FINALIZER,
  JobController,
  nextBackoffRecord,
  parseIndexes,
  podFailureBackoffRemaining,
  podGenerateNameWithIndex,
} from "./job.js";
import { TTLAfterFinishedController } from "./ttl-after-finished.js";

const S = 1000;

function cluster() {
  const clock = new VirtualClock();
  const rng = new Rng(5);
  const store = new Store(clock, rng.fork("store"));
  registerBuiltinStrategies(store);
  const events = new EventRecorder(store, clock);
  const ctx: ControllerContext = { store, clock, rng, events, logs: new LogSink(clock), services: new Map([[RUNTIME_SERVICE, new ContainerRuntime()]]) };
  for (let i = 0; i < 2; i++) {
    store.create(makeNode({ instanceType: "m5.large", zone: "us-east-1a", region: "us-east-1", capacityType: "ON_DEMAND", index: i, rng: rng.fork(`n${i}`), time: clock.iso() }));
  }
  // The order the simulation starts them in.
  for (const c of [new Scheduler(), new Kubelet({ podStartupDelayMs: 3 * S, startupJitter: 0 }), new JobController(), new TTLAfterFinishedController()]) c.start(ctx);
  const job = (name: string, spec: any, command: string[], restartPolicy = "Never") =>
    store.create({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: "default" },
      spec: { ...spec, template: { spec: { restartPolicy, containers: [{ name: "main", image: "busybox:1.36", command }] } } },
    });
  const get = (name: string) => store.get<KubeObject>("Job", "default", name);
  const pods = () => store.list("Pod", { namespace: "default" });
  const activePods = () => pods().filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  const cond = (name: string, type: string) => get(name)?.status?.conditions?.find((c: any) => c.type === type);
  const evs = (name: string) =>
    store
      .list("Event")
      .filter((e: any) => e.involvedObject.kind === "Job" && e.involvedObject.name === name)
      .map((e: any) => `${e.type} ${e.reason}: ${e.message}`);
  /** Run to `untilMs`, calling `each` at every instant something happened. */
  const runTo = (untilMs: number, each?: () => void) => clock.runUntil(untilMs, each ? () => each() : undefined);
  const row = (name: string) => tableFor("Job", [get(name)!], { nowMs: clock.now() + Date.UTC(2025, 0, 1) }).rows[0]!.cells.slice(0, 4);
  return { clock, store, job, get, pods, activePods, cond, evs, runTo, row };
}

describe("Job API defaulting (jobStrategy generateSelector)", () => {
  it("template and Job labels get job-name and controller-uid; the selector is the uid", () => {
    const k = cluster();
    const j = k.job("pi", {}, ["sleep", "1"]) as KubeObject;
    const uid = j.metadata.uid!;
    expect(j.spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(j.spec.template.metadata.labels).toEqual({
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": "pi",
      "controller-uid": uid,
      "job-name": "pi",
    });
    // a Job without labels shows its template's (kubectl describe job pi in the Job docs)
    expect(j.metadata.labels).toEqual(j.spec.template.metadata.labels);
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false, podReplacementPolicy: "TerminatingOrFailed" });

    const withLabels = k.store.create<KubeObject>({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "tagged", namespace: "default" },
      spec: { template: { metadata: { labels: { app: "x" } }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
    });
    expect(withLabels.metadata.labels).toMatchObject({ app: "x", "batch.kubernetes.io/job-name": "tagged", "batch.kubernetes.io/controller-uid": withLabels.metadata.uid });
  });

  it("a hand-written selector needs manualSelector: true", () => {
    const k = cluster();
    const tpl = { metadata: { labels: { app: "x" } }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } };
    expect(() =>
      k.store.create({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "own", namespace: "default" }, spec: { selector: { matchLabels: { app: "x" } }, template: tpl } }),
    ).toThrow(/spec\.selector: Invalid value: .*`selector` not auto-generated/);
    const ok = k.store.create<KubeObject>({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "own", namespace: "default" },
      spec: { manualSelector: true, selector: { matchLabels: { app: "x" } }, template: tpl },
    });
    expect(ok.spec.selector).toEqual({ matchLabels: { app: "x" } });
    expect(ok.spec.template.metadata.labels).toEqual({ app: "x" });
  });
});

describe("JobController: completions and parallelism", () => {
  it("completions 5 / parallelism 2 with sleep 30: never more than 2 active, Complete at 102 s", () => {
    // Pods 1–2 created at 0 s, run 3–33 s; sync at 34 s creates 3–4 (run 37–67 s); sync at 68 s
    // creates the fifth (min(5 − 4, 2) = 1; runs 71–101 s); sync at 102 s: 5 succeeded, none active.
    const k = cluster();
    k.job("work", { completions: 5, parallelism: 2 }, ["sh", "-c", "sleep 30"]);
    let maxActive = 0;
    k.runTo(200 * S, () => {
      maxActive = Math.max(maxActive, k.activePods().length);
    });
    expect(maxActive).toBe(2);
    const created = k.pods().map((p) => k.clock.parseIso(p.metadata.creationTimestamp!) / S).sort((a, b) => a - b);
    expect(created).toEqual([0, 0, 34, 34, 68]);
    const j = k.get("work")!;
    expect(j.status).toMatchObject({ succeeded: 5, ready: 0, terminating: 0, uncountedTerminatedPods: {}, startTime: k.clock.iso(0), completionTime: k.clock.iso(102 * S) });
    expect(j.status.failed).toBeUndefined();
    expect(j.status.active).toBeUndefined();
    expect(j.status.conditions).toEqual([
      { type: "SuccessCriteriaMet", status: "True", lastProbeTime: k.clock.iso(102 * S), lastTransitionTime: k.clock.iso(102 * S), reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
      { type: "Complete", status: "True", lastProbeTime: k.clock.iso(102 * S), lastTransitionTime: k.clock.iso(102 * S), reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
    ]);
    const names = k.pods().map((p) => p.metadata.name!);
    expect(k.evs("work")).toEqual([...names.map(() => expect.stringMatching(/^Normal SuccessfulCreate: Created pod: work-[a-z0-9]{5}$/)), "Normal Completed: Job completed"]);
    expect(k.row("work")).toEqual(["work", "Complete", "5/5", "102s"]);
    for (const p of k.pods()) {
      expect(p.status.phase).toBe("Succeeded");
      expect(p.metadata.finalizers ?? []).not.toContain(JOB_TRACKING_FINALIZER);
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: "work", uid: j.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.metadata.labels).toMatchObject({ "batch.kubernetes.io/job-name": "work", "job-name": "work" });
    }
  });

  it("a running pod carries the tracking finalizer; the status counts ready and active", () => {
    const k = cluster();
    k.job("one", {}, ["sleep", "30"]);
    k.runTo(5 * S);
    const [p] = k.pods();
    expect(p!.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    expect(k.get("one")!.status).toMatchObject({ active: 1, ready: 1, terminating: 0 });
    expect(k.row("one")).toEqual(["one", "Running", "0/1", "5s"]);
  });

  it("no completions (work queue): done when one pod succeeded and none is active", () => {
    const k = cluster();
    k.job("queue", { parallelism: 2 }, ["sleep", "10"]);
    k.runTo(60 * S);
    const j = k.get("queue")!;
    expect(j.spec.completions).toBeUndefined();
    expect(j.status).toMatchObject({ succeeded: 2, completionTime: k.clock.iso(14 * S) });
    expect(k.row("queue")).toEqual(["queue", "Complete", "2/1 of 2", "14s"]);
  });

  it("lowering parallelism deletes the surplus pods (not counted as failures)", () => {
    const k = cluster();
    k.job("wide", { completions: 10, parallelism: 3 }, ["sleep", "100"]);
    k.runTo(10 * S);
    expect(k.activePods()).toHaveLength(3);
    k.store.mutate("Job", "default", "wide", (j) => {
      j.spec.parallelism = 1;
    });
    k.runTo(11 * S);
    expect(k.activePods()).toHaveLength(1);
    expect(k.evs("wide").filter((e) => e.includes("SuccessfulDelete"))).toHaveLength(2);
    k.runTo(20 * S);
    expect(k.get("wide")!.status.failed).toBeUndefined();
    expect(k.get("wide")!.status.active).toBe(1);
  });

  it("suspend deletes the active pods; resuming recreates them and resets startTime", () => {
    const k = cluster();
    k.job("held", { completions: 2, parallelism: 2 }, ["sleep", "100"]);
    k.runTo(10 * S);
    k.store.mutate("Job", "default", "held", (j) => {
      j.spec.suspend = true;
    });
    k.runTo(20 * S);
    expect(k.activePods()).toHaveLength(0);
    expect(k.cond("held", "Suspended")).toMatchObject({ status: "True", reason: "JobSuspended", message: "Job suspended" });
    k.store.mutate("Job", "default", "held", (j) => {
      j.spec.suspend = false;
    });
    k.runTo(20 * S); // the spec change syncs at once
    expect(k.cond("held", "Suspended")).toMatchObject({ status: "False", reason: "JobResumed", message: "Job resumed" });
    expect(k.get("held")!.status.startTime).toBe(k.clock.iso(20 * S));
    expect(k.activePods()).toHaveLength(2);
    expect(k.evs("held")).toContain("Normal Suspended: Job suspended");
    expect(k.evs("held")).toContain("Normal Resumed: Job resumed");
  });
});

describe("JobController: failures", () => {
  it("backoffLimit 2 with exit 1: replacements after 10 s and 20 s back-off, Failed after the 3rd failure", () => {
    // Pod 1: created 0 s, fails at 3 s. Back-off 10 s from 3 s → pod 2 at 13 s, fails at 16 s.
    // Back-off 20 s from 16 s → pod 3 at 36 s, fails at 39 s; sync at 40 s: 3 failures > 2.
    const k = cluster();
    k.job("flaky", { backoffLimit: 2 }, ["sh", "-c", "exit 1"]);
    k.runTo(300 * S);
    const created = k.pods().map((p) => k.clock.parseIso(p.metadata.creationTimestamp!) / S).sort((a, b) => a - b);
    expect(created).toEqual([0, 13, 36]);
    const j = k.get("flaky")!;
    expect(j.status.failed).toBe(3);
    expect(j.status.succeeded).toBeUndefined();
    expect(j.status.completionTime).toBeUndefined();
    const at = k.clock.iso(40 * S);
    expect(j.status.conditions).toEqual([
      { type: "FailureTarget", status: "True", lastProbeTime: at, lastTransitionTime: at, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" },
      { type: "Failed", status: "True", lastProbeTime: at, lastTransitionTime: at, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" },
    ]);
    expect(k.evs("flaky").at(-1)).toBe("Warning BackoffLimitExceeded: Job has reached the specified backoff limit");
    expect(k.row("flaky")).toEqual(["flaky", "Failed", "0/1", "5m"]);
    for (const p of k.pods()) expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
  });

  it("restartPolicy OnFailure: container restarts count against backoffLimit", () => {
    // Runs 3–4 s, restarted at the next relist (5 s, restartCount 1), fails at 6 s, back-off 10 s →
    // restart at 16 s (restartCount 2); the sync at 17 s sees 2 restarts ≥ backoffLimit 2.
    const k = cluster();
    k.job("retry", { backoffLimit: 2 }, ["sh", "-c", "sleep 1; exit 1"], "OnFailure");
    k.runTo(16_999);
    expect(k.cond("retry", "FailureTarget")).toBeUndefined();
    k.runTo(17 * S);
    expect(k.cond("retry", "FailureTarget")).toMatchObject({ reason: "BackoffLimitExceeded", lastTransitionTime: k.clock.iso(17 * S) });
    // the running pod is deleted and counted as the one failure
    expect(k.get("retry")!.status).toMatchObject({ failed: 1, terminating: 1 });
    k.runTo(60 * S);
    expect(k.cond("retry", "Failed")?.reason).toBe("BackoffLimitExceeded");
    expect(k.pods()).toHaveLength(0);
  });

  it("a deleted pod counts as a failure and feeds the re-creation back-off (either podReplacementPolicy)", () => {
    // Deleted at 10 s with the default 30 s grace: its finish time is deletionTimestamp − grace = 10 s,
    // so the replacement waits 10 s: created at 20 s.
    for (const [policy, replacedAt] of [
      ["TerminatingOrFailed", 20 * S],
      ["Failed", 20 * S],
    ] as const) {
      const k = cluster();
      k.job("w", { podReplacementPolicy: policy }, ["sleep", "100"]);
      k.runTo(10 * S);
      const first = k.pods()[0]!;
      k.store.delete("Pod", "default", first.metadata.name!);
      k.runTo(30 * S);
      const second = k.pods().find((p) => p.metadata.name !== first.metadata.name)!;
      expect(k.clock.parseIso(second.metadata.creationTimestamp!)).toBe(replacedAt);
      // a deleted pod that never reached Succeeded counts as failed
      expect(k.get("w")!.status.failed).toBe(1);
    }
  });

  it("the pod failure back-off: 10 s doubling per failure since the last success, capped at 10 min", () => {
    expect(podFailureBackoffRemaining(0, undefined, 0)).toBe(0);
    expect(podFailureBackoffRemaining(1, 3 * S, 4 * S)).toBe(9 * S);
    expect(podFailureBackoffRemaining(2, 16 * S, 17 * S)).toBe(19 * S);
    expect(podFailureBackoffRemaining(1, 0, 10 * S)).toBe(0);
    expect(podFailureBackoffRemaining(7, 0, 0)).toBe(600 * S); // 10·2^6 = 640 s → 600 s
    expect(podFailureBackoffRemaining(50, 0, 0)).toBe(600 * S);
    // a success resets the count; failures after it count again
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 4, lastFailureAt: 5 }, [10], [])).toEqual({ failuresAfterLastSuccess: 0 });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 4, lastFailureAt: 5 }, [10], [8, 12, 15])).toEqual({ failuresAfterLastSuccess: 2, lastFailureAt: 15 });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 1, lastFailureAt: 5 }, [], [7, 6])).toEqual({ failuresAfterLastSuccess: 3, lastFailureAt: 7 });
  });

  it("activeDeadlineSeconds: DeadlineExceeded, the running pod deleted, Failed once it is gone", () => {
    // startTime 0 s; the requeue fires at 20 s: FailureTarget, pod deleted (counted failed). The batched
    // sync at 21 s still sees it terminating (the kubelet removes it 1 s after the delete, just after
    // that sync); the removal's sync at 22 s adds the terminal Failed condition.
    const k = cluster();
    k.job("slow", { activeDeadlineSeconds: 20 }, ["sleep", "60"]);
    k.runTo(19_999);
    expect(k.get("slow")!.status.conditions).toBeUndefined();
    k.runTo(20 * S);
    expect(k.cond("slow", "FailureTarget")).toMatchObject({ reason: "DeadlineExceeded", message: "Job was active longer than specified deadline", lastTransitionTime: k.clock.iso(20 * S) });
    expect(k.cond("slow", "Failed")).toBeUndefined();
    expect(k.get("slow")!.status).toMatchObject({ failed: 1, terminating: 1 });
    k.runTo(60 * S);
    expect(k.cond("slow", "Failed")).toMatchObject({ reason: "DeadlineExceeded", lastTransitionTime: k.clock.iso(22 * S) });
    expect(k.pods()).toHaveLength(0);
    expect(k.get("slow")!.status).toMatchObject({ failed: 1, terminating: 0, ready: 0 });
    const evs = k.evs("slow");
    expect(evs).toContain(`Normal SuccessfulDelete: Deleted pod: ${evs[0]!.slice("Normal SuccessfulCreate: Created pod: ".length)}`);
    expect(evs.at(-1)).toBe("Warning DeadlineExceeded: Job was active longer than specified deadline");
  });

  it("podFailurePolicy FailJob on an exit code fails the Job at once; Ignore does not count", () => {
    const k = cluster();
    k.job(
      "strict",
      { backoffLimit: 6, podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } }] } },
      ["sh", "-c", "sleep 1; exit 42"],
    );
    k.runTo(60 * S);
    const p = k.pods()[0]!;
    expect(k.cond("strict", "Failed")).toMatchObject({
      reason: "PodFailurePolicy",
      message: `Container main for pod default/${p.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
      lastTransitionTime: k.clock.iso(5 * S),
    });
    expect(k.pods()).toHaveLength(1);

    const k2 = cluster();
    k2.job("lenient", { backoffLimit: 0, podFailurePolicy: { rules: [{ action: "Ignore", onExitCodes: { operator: "In", values: [3] } }] } }, ["sh", "-c", "sleep 1; exit 3"]);
    k2.runTo(30 * S);
    // ignored failures do not count towards backoffLimit 0, but they do feed the re-creation back-off
    // (newBackoffRecord takes every failed pod): fails at 4 s → next pod at 14 s, fails at 18 s → 38 s.
    expect(k2.get("lenient")!.status.failed).toBeUndefined();
    expect(k2.cond("lenient", "Failed")).toBeUndefined();
    expect(k2.pods().map((p) => k2.clock.parseIso(p.metadata.creationTimestamp!) / S).sort((a, b) => a - b)).toEqual([0, 14]);
    k2.runTo(38 * S);
    expect(k2.pods()).toHaveLength(3);
  });
});

describe("JobController: Indexed", () => {
  it("completion indexes: names, hostname, env, label/annotation; completedIndexes", () => {
    const k = cluster();
    k.job("idx", { completions: 3, parallelism: 2, completionMode: "Indexed" }, ["sleep", "10"]);
    k.runTo(1);
    const first = k.pods().sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    expect(first.map((p) => p.metadata.name)).toEqual([expect.stringMatching(/^idx-0-[a-z0-9]{5}$/), expect.stringMatching(/^idx-1-[a-z0-9]{5}$/)]);
    expect(first[1]!.metadata.annotations).toMatchObject({ "batch.kubernetes.io/job-completion-index": "1" });
    expect(first[1]!.metadata.labels).toMatchObject({ "batch.kubernetes.io/job-completion-index": "1" });
    expect(first[1]!.spec.hostname).toBe("idx-1");
    expect(first[1]!.spec.containers[0].env).toEqual([
      { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ]);
    k.runTo(14 * S); // indexes 0, 1 succeeded at 13 s
    expect(k.get("idx")!.status).toMatchObject({ completedIndexes: "0,1", succeeded: 2, active: 1 });
    expect(k.activePods()[0]!.metadata.name).toMatch(/^idx-2-/);
    k.runTo(60 * S);
    expect(k.get("idx")!.status).toMatchObject({ completedIndexes: "0-2", succeeded: 3, completionTime: k.clock.iso(28 * S) });
  });

  it("a long Job name is shortened in the pod's generateName so that the index survives", () => {
    const long = "a".repeat(60);
    expect(podGenerateNameWithIndex("pi", 3)).toBe("pi-3-");
    expect(podGenerateNameWithIndex(long, 12)).toBe(`${"a".repeat(54)}-12-`);
    expect(podGenerateNameWithIndex(long, 12)).toHaveLength(58);
  });

  it("interval strings and the removal of repeated indexes", () => {
    expect(formatIndexes([0, 1, 2, 4, 6, 7])).toBe("0-2,4,6,7");
    expect(formatIndexes([])).toBe("");
    expect(parseIndexes("0-2,4,6-7", 7)).toEqual([0, 1, 2, 4, 6]);
    const clock = new VirtualClock();
    const pod = (name: string, ix: string | undefined, ready: boolean) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, creationTimestamp: clock.iso(0), ...(ix !== undefined ? { annotations: { "batch.kubernetes.io/job-completion-index": ix } } : {}) },
      spec: { nodeName: "n" },
      status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
    });
    const rm = activePodsForRemoval(true, 3, [pod("a", "0", true), pod("b", "0", false), pod("c", "5", true), pod("d", undefined, true), pod("e", "1", true)], 0, clock);
    expect(rm.map((p) => p.metadata.name).sort()).toEqual(["b", "c", "d"]);
  });
});

describe("TTL-after-finished", () => {
  it("deletes a finished Job ttlSecondsAfterFinished after it completed, and its pods with it", () => {
    // sleep 5 runs 3–8 s, Complete at 9 s; the TTL of 10 s expires at 19 s.
    const k = cluster();
    k.job("short", { ttlSecondsAfterFinished: 10 }, ["sleep", "5"]);
    k.runTo(18_999);
    expect(k.cond("short", "Complete")?.lastTransitionTime).toBe(k.clock.iso(9 * S));
    expect(k.get("short")).toBeDefined();
    expect(k.pods()).toHaveLength(1);
    k.runTo(19 * S);
    expect(k.get("short")).toBeUndefined();
    expect(k.pods()).toHaveLength(0);
  });

  it("leaves Jobs without a TTL, and unfinished ones", () => {
    const k = cluster();
    k.job("keep", {}, ["sleep", "5"]);
    k.job("long", { ttlSecondsAfterFinished: 0 }, ["sleep", "600"]);
    k.runTo(300 * S);
    expect(k.get("keep")).toBeDefined();
    expect(k.get("long")).toBeDefined();
  });
});
