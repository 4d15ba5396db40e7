/**
 * CronJob controller against the real store (with the API strategies); the Job controller's part —
 * Jobs finishing — is played by hand so each figure is a hand-worked schedule time. The virtual clock
 * starts at 2025-01-01T00:00:00Z = Unix 1735689600 s = minute 28928160.
 */
import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { registerBuiltinStrategies } from "../../api/strategies.js";
import { VirtualClock } from "../../core/clock.js";
import { parseCron } from "../../core/cron.js";
import { Rng } from "../../core/rng.js";
import {
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  CronJobController,
  compareJobStartTime,
  cronJobJobName,
  jobFromTemplate,
  mostRecentScheduleTime,
  nextScheduleDelay,
  rfc1123z,
} from "./cronjob.js";

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2025, 0, 1);
/** Unix minute of virtual minute m. */
const minute = (m: number) => 28928160 + m;

describe("schedule arithmetic (utils.go)", () => {
  const every = parseCron("* * * * *");

  it("job names carry the scheduled Unix minute", () => {
    expect(cronJobJobName("hello", T0 + MIN)).toBe("hello-28928161");
    expect(cronJobJobName("hello", Date.UTC(2025, 0, 2))).toBe("hello-28929600");
  });

  it("mostRecentScheduleTime: none before the first time, the latest one after several", () => {
    const created = T0 + 30 * S;
    expect(mostRecentScheduleTime(every, T0 + 59 * S, created, undefined, undefined, true)).toEqual({ earliest: created, missed: "none" });
    expect(mostRecentScheduleTime(every, T0 + MIN + 100, created, undefined, undefined, true)).toEqual({ earliest: created, mostRecent: T0 + MIN, missed: "none" });
    // 00:05:30: t1 = 00:01, t2 = 00:02, 270 s / 60 s → 5 missed; walk from 00:04 → 00:05.
    expect(mostRecentScheduleTime(every, T0 + 5.5 * MIN, created, undefined, undefined, true)).toEqual({ earliest: created, mostRecent: T0 + 5 * MIN, missed: "few" });
    // Two hours: 119 + 1 = 120 estimated misses > 100.
    expect(mostRecentScheduleTime(every, T0 + 120 * MIN, T0, undefined, undefined, true)).toEqual({ earliest: T0, mostRecent: T0 + 120 * MIN, missed: "many" });
    // startingDeadlineSeconds 200 raises the earliest time to now − 200 s: 4 misses, "few".
    expect(mostRecentScheduleTime(every, T0 + 120 * MIN, T0, undefined, 200, true)).toEqual({ earliest: T0 + 120 * MIN - 200 * S, mostRecent: T0 + 120 * MIN, missed: "few" });
    // lastScheduleTime wins over creation.
    expect(mostRecentScheduleTime(every, T0 + 3 * MIN + 100, T0, T0 + 3 * MIN, undefined, true)).toEqual({ earliest: T0 + 3 * MIN, missed: "none" });
  });

  it("a schedule that never fires is an error (Feb 31)", () => {
    const r = mostRecentScheduleTime(parseCron("59 23 31 2 *"), T0 + MIN, T0, undefined, undefined, true);
    expect(r.error).toBe("time difference between two schedules is less than 1 second");
  });

  it("the requeue is 100 ms after the next schedule time", () => {
    expect(nextScheduleDelay(parseCron("*/5 * * * *"), T0 + MIN, T0 + 30 * S, undefined)).toBe(4 * MIN + 100);
    expect(nextScheduleDelay(every, T0 + MIN + 100, T0, T0 + MIN)).toBe(MIN);
  });

  it("MissSchedule is worded with Go's RFC1123Z in UTC", () => {
    expect(rfc1123z(T0 + MIN)).toBe("Wed, 01 Jan 2025 00:01:00 +0000");
  });

  it("getJobFromTemplate2: name, labels, annotations with the scheduled time in the CronJob's zone", () => {
    const cj: KubeObject = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "hello", namespace: "default", uid: "u-1" },
      spec: { jobTemplate: { metadata: { labels: { app: "hello" }, annotations: { a: "b" } }, spec: { backoffLimit: 2, template: { spec: {} } } } },
    };
    const j = jobFromTemplate(cj, T0 + MIN, "Asia/Seoul");
    expect(j.metadata).toEqual({
      name: "hello-28928161",
      namespace: "default",
      labels: { app: "hello" },
      annotations: { a: "b", [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: "2025-01-01T09:01:00+09:00" },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: "u-1", controller: true, blockOwnerDeletion: true }],
    });
    expect(j.spec).toEqual({ backoffLimit: 2, template: { spec: {} } });
    expect(jobFromTemplate(cj, T0 + MIN, "").metadata.annotations![CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe("2025-01-01T00:01:00Z");
  });

  it("byJobStartTime: started first, by start time, then by name", () => {
    const j = (name: string, startTime?: string): KubeObject => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name }, status: startTime ? { startTime } : {} });
    const sorted = [j("c"), j("b", "2025-01-01T00:02:00Z"), j("a", "2025-01-01T00:02:00Z"), j("d", "2025-01-01T00:01:00Z")].sort(compareJobStartTime);
    expect(sorted.map((x) => x.metadata.name)).toEqual(["d", "a", "b", "c"]);
  });
});

function cluster() {
  const clock = new VirtualClock(T0);
  const rng = new Rng(3);
  const store = new Store(clock, rng.fork("store"));
  registerBuiltinStrategies(store);
  const events = new EventRecorder(store, clock);
  const ctx: ControllerContext = { store, clock, rng, events, logs: new LogSink(clock), services: new Map() };
  new CronJobController().start(ctx);
  const cronjob = (name: string, spec: Record<string, unknown>): KubeObject =>
    store.create<KubeObject>({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name, namespace: "default" },
      spec: {
        schedule: "* * * * *",
        jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "hello", image: "busybox:1.28", command: ["/bin/sh", "-c", "date"] }] } } } },
        ...spec,
      },
    });
  const runTo = (ms: number) => clock.runUntil(ms);
  const jobs = () => store.list("Job", { namespace: "default" }).map((j) => j.metadata.name!).sort();
  const cj = (name: string) => store.get<KubeObject>("CronJob", "default", name)!;
  const evs = (name: string) =>
    store
      .list("Event")
      .filter((e: any) => e.involvedObject.kind === "CronJob" && e.involvedObject.name === name)
      .map((e: any) => `${e.reason}: ${e.message}`);
  /** The Job controller's verdict, by hand: Complete or Failed now. */
  const finish = (job: string, type: "Complete" | "Failed" = "Complete") => {
    const j = store.get("Job", "default", job)!;
    const now = clock.iso();
    store.setStatus(j, {
      conditions: [{ type, status: "True", lastProbeTime: now, lastTransitionTime: now, reason: type === "Complete" ? "CompletionsReached" : "BackoffLimitExceeded" }],
      startTime: clock.iso(clock.parseIso(j.metadata.creationTimestamp!)),
      ...(type === "Complete" ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
    });
  };
  return { clock, store, cronjob, runTo, jobs, cj, evs, finish };
}

describe("CronJob controller", () => {
  it("every minute: a Job 100 ms after each minute, SawCompletedJob when it finishes, 3 successful kept", () => {
    const c = cluster();
    c.cronjob("hello", {});
    c.runTo(MIN);
    expect(c.jobs()).toEqual([]);
    c.runTo(MIN + 100);
    expect(c.jobs()).toEqual([`hello-${minute(1)}`]);
    const job = c.store.get<KubeObject>("Job", "default", `hello-${minute(1)}`)!;
    expect(job.metadata.annotations![CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe("2025-01-01T00:01:00Z");
    expect(job.metadata.ownerReferences![0]).toMatchObject({ kind: "CronJob", name: "hello", controller: true });
    expect(c.cj("hello").status).toEqual({
      active: [{ kind: "Job", namespace: "default", name: `hello-${minute(1)}`, uid: job.metadata.uid, apiVersion: "batch/v1", resourceVersion: job.metadata.resourceVersion }],
      lastScheduleTime: "2025-01-01T00:01:00Z",
    });
    // Each Job finishes 10 s after it was made.
    for (let m = 1; m <= 5; m++) {
      c.runTo(m * MIN + 10 * S);
      c.finish(`hello-${minute(m)}`);
      c.runTo((m + 1) * MIN + 100);
    }
    expect(c.cj("hello").status).toMatchObject({ lastScheduleTime: "2025-01-01T00:06:00Z", lastSuccessfulTime: "2025-01-01T00:05:10Z" });
    expect(c.cj("hello").status.active).toHaveLength(1);
    // Jobs of minutes 1..5 finished; the 4th and 5th finishing pushed minutes 1 and 2 out.
    expect(c.jobs()).toEqual([`hello-${minute(3)}`, `hello-${minute(4)}`, `hello-${minute(5)}`, `hello-${minute(6)}`]);
    expect(c.evs("hello").slice(0, 8)).toEqual([
      `SuccessfulCreate: Created job hello-${minute(1)}`,
      `SawCompletedJob: Saw completed job: hello-${minute(1)}, condition: Complete`,
      `SuccessfulCreate: Created job hello-${minute(2)}`,
      `SawCompletedJob: Saw completed job: hello-${minute(2)}, condition: Complete`,
      `SuccessfulCreate: Created job hello-${minute(3)}`,
      `SawCompletedJob: Saw completed job: hello-${minute(3)}, condition: Complete`,
      `SuccessfulCreate: Created job hello-${minute(4)}`,
      `SuccessfulDelete: Deleted job hello-${minute(1)}`,
    ]);
    expect(c.evs("hello")).toContain(`SuccessfulDelete: Deleted job hello-${minute(2)}`);
  });

  it("failedJobsHistoryLimit 1 keeps the newest failed Job", () => {
    const c = cluster();
    c.cronjob("flaky", {});
    for (let m = 1; m <= 3; m++) {
      c.runTo(m * MIN + 10 * S);
      c.finish(`flaky-${minute(m)}`, "Failed");
    }
    c.runTo(3 * MIN + 11 * S);
    expect(c.jobs()).toEqual([`flaky-${minute(3)}`]);
    expect(c.evs("flaky")).toContain(`SawCompletedJob: Saw completed job: flaky-${minute(3)}, condition: Failed`);
    expect(c.cj("flaky").status.lastSuccessfulTime).toBeUndefined();
  });

  it("concurrencyPolicy: Allow runs side by side, Forbid skips, Replace deletes the running Job", () => {
    const c = cluster();
    c.cronjob("allow", {});
    c.cronjob("forbid", { concurrencyPolicy: "Forbid" });
    c.cronjob("replace", { concurrencyPolicy: "Replace" });
    c.runTo(2 * MIN + 100);
    expect(c.cj("allow").status.active.map((a: any) => a.name)).toEqual([`allow-${minute(1)}`, `allow-${minute(2)}`]);
    expect(c.cj("forbid").status.active.map((a: any) => a.name)).toEqual([`forbid-${minute(1)}`]);
    expect(c.evs("forbid")).toEqual([`SuccessfulCreate: Created job forbid-${minute(1)}`, "JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid"]);
    expect(c.cj("replace").status.active.map((a: any) => a.name)).toEqual([`replace-${minute(2)}`]);
    expect(c.evs("replace")).toEqual([
      `SuccessfulCreate: Created job replace-${minute(1)}`,
      `SuccessfulDelete: Deleted job replace-${minute(1)}`,
      `SuccessfulCreate: Created job replace-${minute(2)}`,
    ]);
    // Forbid's lastScheduleTime stays at the Job it made. When that one finishes, the sync it wakes
    // still finds 00:02 unmet (no startingDeadlineSeconds) and starts it late, at once; at 00:03 that
    // Job is running, so 00:03 is skipped.
    expect(c.cj("forbid").status.lastScheduleTime).toBe("2025-01-01T00:01:00Z");
    c.finish(`forbid-${minute(1)}`);
    c.runTo(2 * MIN + 200);
    const late = c.store.get<KubeObject>("Job", "default", `forbid-${minute(2)}`)!;
    expect(late.metadata.creationTimestamp).toBe("2025-01-01T00:02:00Z");
    c.runTo(3 * MIN + 100);
    expect(c.jobs().filter((n) => n.startsWith("forbid"))).toEqual([`forbid-${minute(1)}`, `forbid-${minute(2)}`]);
    // The recorder folds the repeat into one Event with count 2, as client-go's correlator does.
    const skipped = c.store.list("Event").find((e: any) => e.involvedObject.name === "forbid" && e.reason === "JobAlreadyActive") as any;
    expect(skipped.count).toBe(2);
  });

  it("suspend: nothing while suspended; on resume the most recent missed time runs at once, or none inside a starting deadline", () => {
    const c = cluster();
    c.cronjob("late", { suspend: true });
    c.cronjob("strict", { suspend: true, startingDeadlineSeconds: 10 });
    c.runTo(150 * S);
    expect(c.jobs()).toEqual([]);
    for (const n of ["late", "strict"]) {
      const cur = c.cj(n);
      c.store.update({ ...cur, spec: { ...cur.spec, suspend: false } });
    }
    c.runTo(150 * S);
    // 00:02:30: the 00:01 and 00:02 times passed; the latest, 00:02, starts now.
    expect(c.jobs()).toEqual([`late-${minute(2)}`]);
    // With a 10 s deadline nothing before 00:02:20 counts; the next time is 00:03.
    c.runTo(3 * MIN + 100);
    expect(c.jobs()).toContain(`strict-${minute(3)}`);
    expect(c.jobs()).not.toContain(`strict-${minute(2)}`);
  });

  it("more than 100 missed start times: TooManyMissedTimes, and the most recent one still starts", () => {
    const c = cluster();
    c.cronjob("wedged", { suspend: true });
    c.runTo(180 * MIN + 30 * S);
    const cur = c.cj("wedged");
    c.store.update({ ...cur, spec: { ...cur.spec, suspend: false } });
    c.runTo(180 * MIN + 30 * S);
    expect(c.evs("wedged")).toEqual([
      "TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
      `SuccessfulCreate: Created job wedged-${minute(180)}`,
    ]);
  });

  it("spec.timeZone: the schedule runs on the zone's clock; the annotation is in that zone", () => {
    const c = cluster();
    // 09:00 in Seoul is 00:00 UTC; created at 09:00 KST on Jan 1, the first run is Jan 2.
    c.cronjob("seoul", { schedule: "0 9 * * *", timeZone: "Asia/Seoul" });
    c.runTo(24 * 60 * MIN + 100);
    expect(c.jobs()).toEqual(["seoul-28929600"]);
    const job = c.store.get<KubeObject>("Job", "default", "seoul-28929600")!;
    expect(job.metadata.annotations![CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe("2025-01-02T09:00:00+09:00");
    expect(c.cj("seoul").status.lastScheduleTime).toBe("2025-01-02T00:00:00Z");
  });

  it("a changed schedule requeues for its own next time", () => {
    const c = cluster();
    c.cronjob("hourly", { schedule: "0 * * * *" });
    c.runTo(10 * S);
    const cur = c.cj("hourly");
    c.store.update({ ...cur, spec: { ...cur.spec, schedule: "*/5 * * * *" } });
    c.runTo(5 * MIN + 100);
    expect(c.jobs()).toEqual([`hourly-${minute(5)}`]);
  });

  it("MissingJob and UnexpectedJob", () => {
    const c = cluster();
    const cj = c.cronjob("hello", {});
    c.runTo(MIN + 100);
    c.store.delete("Job", "default", `hello-${minute(1)}`);
    c.runTo(MIN + 200);
    expect(c.cj("hello").status.active).toBeUndefined();
    expect(c.evs("hello")).toContain(`MissingJob: Active job went missing: hello-${minute(1)}`);
    c.store.create({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "stray", namespace: "default", ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: cj.metadata.uid!, controller: true }] },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
    });
    c.runTo(MIN + 300);
    expect(c.evs("hello")).toContain("UnexpectedJob: Saw a job that the controller did not create or forgot: stray");
  });

  it("deleting the CronJob removes its Jobs (background garbage collection)", () => {
    const c = cluster();
    c.cronjob("hello", {});
    c.runTo(2 * MIN + 100);
    expect(c.jobs()).toHaveLength(2);
    c.store.delete("CronJob", "default", "hello");
    c.runTo(3 * MIN + 100);
    expect(c.jobs()).toEqual([]);
  });
});
