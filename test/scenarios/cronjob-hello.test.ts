/**
 * examples/cronjob-hello.yaml end to end: the Kubernetes docs' hello CronJob (`* * * * *`, busybox
 * `date; echo Hello from the Kubernetes cluster`) for 6 min 30 s from 2025-01-01T00:00:00Z.
 *
 * Hand-worked: the CronJob exists from t = 0, so the first schedule time is 00:01:00 and the
 * controller wakes 100 ms after each minute: Jobs at 60.1 s, 120.1 s, … 360.1 s, named
 * hello-<Unix minutes> = hello-28928161 … hello-28928166 (1735689600 s / 60 = 28928160 at t = 0).
 * The container exits at once; the Job completes 1 s after its pod finished (syncJobBatchPeriod) and
 * the CronJob sees it in the same instant. successfulJobsHistoryLimit 3: the 4th, 5th and 6th
 * completions delete the Jobs of minutes 1, 2 and 3, leaving 4, 5 and 6.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/meta.js";
import { runScenario } from "./helpers.js";

const S = 1000;
const minute = (k: number) => 28928160 + k;

describe("examples/cronjob-hello.yaml", () => {
  const run = runScenario({ file: "examples/cronjob-hello.yaml" });
  const { sim } = run;
  const clock = sim.clock;
  const cronEvents = run.events.filter((e) => e.object === "CronJob/default/hello");
  const at = (reason: string) => cronEvents.filter((e) => e.reason === reason).map((e) => [e.t, e.message]);

  it("a Job 100 ms after every minute, named by the scheduled minute since the epoch", () => {
    expect(at("SuccessfulCreate")).toEqual([1, 2, 3, 4, 5, 6].map((k) => [k * 60 + 0.1, `Created job hello-${minute(k)}`]));
  });

  it("each Job: created on its minute, scheduled-timestamp annotation, pod Completed, Complete 1 s after the pod finished", () => {
    const jobs = sim.store.list<KubeObject>("Job", { namespace: "default" }).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    expect(jobs.map((j) => j.metadata.name)).toEqual([4, 5, 6].map((k) => `hello-${minute(k)}`));
    for (const [i, job] of jobs.entries()) {
      const k = i + 4;
      expect(job.metadata.creationTimestamp).toBe(`2025-01-01T00:0${k}:00Z`);
      expect(job.metadata.annotations!["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe(`2025-01-01T00:0${k}:00Z`);
      expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "CronJob", name: "hello", controller: true })]);
      const pods = sim.store.list<KubeObject>("Pod", { namespace: "default", labelSelector: `batch.kubernetes.io/job-name=${job.metadata.name}` });
      expect(pods).toHaveLength(1);
      const term = pods[0]!.status.containerStatuses[0].state.terminated;
      expect(pods[0]!.status.phase).toBe("Succeeded");
      expect(term).toMatchObject({ exitCode: 0, reason: "Completed" });
      expect(clock.parseIso(job.status.completionTime) - clock.parseIso(term.finishedAt)).toBe(1 * S);
      expect(job.status.conditions.find((c: any) => c.type === "Complete")).toMatchObject({ status: "True" });
    }
  });

  it("SawCompletedJob at the instant each Job completes", () => {
    const completed = run.events.filter((e) => String(e.object).startsWith("Job/default/hello-") && e.reason === "Completed").map((e) => e.t);
    expect(at("SawCompletedJob")).toEqual(completed.map((t, i) => [t, `Saw completed job: hello-${minute(i + 1)}, condition: Complete`]));
  });

  it("history limited to 3 successful Jobs: the 4th, 5th and 6th completions delete minutes 1, 2, 3 and their pods", () => {
    const deletes = at("SuccessfulDelete");
    expect(deletes.map((d) => d[1])).toEqual([1, 2, 3].map((k) => `Deleted job hello-${minute(k)}`));
    const sawAt = at("SawCompletedJob").map((e) => e[0]);
    expect(deletes.map((d) => d[0])).toEqual([sawAt[3], sawAt[4], sawAt[5]]);
    for (const k of [1, 2, 3]) {
      expect(sim.store.list("Pod", { namespace: "default", labelSelector: `batch.kubernetes.io/job-name=hello-${minute(k)}` })).toHaveLength(0);
    }
  });

  it("CronJob status: nothing active, last scheduled 00:06, last success the 6th Job's completion", () => {
    const cj = sim.store.get<KubeObject>("CronJob", "default", "hello")!;
    const last = sim.store.get<KubeObject>("Job", "default", `hello-${minute(6)}`)!;
    expect(cj.status).toEqual({ lastScheduleTime: "2025-01-01T00:06:00Z", lastSuccessfulTime: last.status.completionTime });
    expect(cj.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });

  it("the run summary counts the Jobs' pods under the CronJob: one at a time", () => {
    expect(run.summary.workloads).toMatchObject({ "CronJob/default/hello": { peakReplicas: 1, runningNow: 0 } });
  });
});
