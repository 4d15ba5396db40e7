/**
 * examples/job-pi.yaml end to end: the Kubernetes docs' pi Job (documented "around 10s" of work),
 * a 5-completion / parallelism-2 copy with ttlSecondsAfterFinished 60, and a failing copy with
 * backoffLimit 2. Figures are worked out from the pods' own timestamps: a container runs 10 s, a
 * pod's completion reaches its Job 1 s later (syncJobBatchPeriod), failed pods are replaced after
 * 10 s then 20 s from their (second-resolution) finish time.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/api/meta.js";
import { TextPrinter } from "../../src/cli/text.js";
import { loadScenarioText } from "../../src/scenario/loader.js";
import { tableFor } from "../../src/server/tables.js";
import { runScenario } from "./helpers.js";

const S = 1000;

describe("examples/job-pi.yaml", () => {
  const run = runScenario({ file: "examples/job-pi.yaml" }, 3 * 60 * S);
  const { sim } = run;
  const clock = sim.clock;
  const t = (iso: string) => clock.parseIso(iso);
  const nowMs = clock.epochMs + clock.now();
  const jobPods = (job: string) => sim.store.list("Pod", { namespace: "default", labelSelector: `batch.kubernetes.io/job-name=${job}` });
  const getJobs = () => tableFor("Job", sim.store.list("Job"), { nowMs, wide: false }).rows.map((r) => r.cells.slice(0, 3));
  const events = (job: string) => run.events.filter((e) => e.object === `Job/default/${job}`).map((e) => `${e.reason}: ${e.message}`);

  it("kubectl get jobs: pi Complete 1/1, pi-typo Failed 0/1 (pi-parallel already deleted by its TTL)", () => {
    expect(getJobs()).toEqual([
      ["pi", "Complete", "1/1"],
      ["pi-typo", "Failed", "0/1"],
    ]);
  });

  it("pi: one pod, Completed after the documented 10 s; the Job completes 1 s later", () => {
    const [pod] = jobPods("pi");
    expect(jobPods("pi")).toHaveLength(1);
    const term = pod!.status.containerStatuses[0].state.terminated;
    expect(term).toMatchObject({ exitCode: 0, reason: "Completed" });
    const started = pod!.status.containerStatuses[0].state.terminated.startedAt;
    expect(t(term.finishedAt) - t(started)).toBe(10 * S);
    const job = sim.store.get<KubeObject>("Job", "default", "pi")!;
    expect(t(job.status.completionTime) - t(term.finishedAt)).toBe(1 * S);
    expect(job.status).toMatchObject({ succeeded: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(job.status.conditions.map((c: any) => `${c.type}=${c.status} ${c.reason}`)).toEqual(["SuccessCriteriaMet=True CompletionsReached", "Complete=True CompletionsReached"]);
    // kubectl get pods: READY 0/1, STATUS Completed, RESTARTS 0
    expect(tableFor("Pod", [pod!], { nowMs }).rows[0]!.cells.slice(1, 4)).toEqual(["0/1", "Completed", "0"]);
    expect(events("pi")).toEqual([`SuccessfulCreate: Created pod: ${pod!.metadata.name}`, "Completed: Job completed"]);
  });

  it("pi-parallel: 2 + 2 + 1 pods, never more than 2 at once; deleted with its pods 60 s after Complete", () => {
    const creates = run.events.filter((e) => e.object === "Job/default/pi-parallel" && e.reason === "SuccessfulCreate").map((e) => e.t);
    expect(creates).toHaveLength(5);
    const completed = run.events.find((e) => e.object === "Job/default/pi-parallel" && e.reason === "Completed")!;
    expect(sim.store.get("Job", "default", "pi-parallel")).toBeUndefined();
    expect(jobPods("pi-parallel")).toHaveLength(0);
    // The pod records: at no instant more than 2 of its pods Running or Pending.
    const live = new Map<string, boolean>();
    let peak = 0;
    let lastPodGone = 0;
    for (const r of run.records) {
      if (r.type !== "pod" || !String(r.name).startsWith("pi-parallel-")) continue;
      const alive = r.change !== "deleted" && (r.phase === "Pending" || r.phase === "Running");
      live.set(String(r.name), alive);
      peak = Math.max(peak, [...live.values()].filter(Boolean).length);
      if (r.change === "deleted") lastPodGone = Number(r.t);
    }
    expect(peak).toBe(2);
    // The TTL counts from the Complete condition's lastTransitionTime, a whole second.
    expect(lastPodGone).toBe(Math.floor(Number(completed.t)) + 60);
  });

  it("pi-typo: exit 1 three times; replacements 10 s and 20 s after each failure; BackoffLimitExceeded", () => {
    const pods = jobPods("pi-typo").sort((a, b) => t(a.metadata.creationTimestamp!) - t(b.metadata.creationTimestamp!));
    expect(pods).toHaveLength(3);
    const finished = pods.map((p) => t(p.status.containerStatuses[0].state.terminated.finishedAt));
    const created = pods.map((p) => t(p.metadata.creationTimestamp!));
    expect(created[1]! - finished[0]!).toBe(10 * S);
    expect(created[2]! - finished[1]!).toBe(20 * S);
    for (const p of pods) {
      expect(p.status.phase).toBe("Failed");
      expect(tableFor("Pod", [p], { nowMs }).rows[0]!.cells[2]).toBe("Error");
    }
    const job = sim.store.get<KubeObject>("Job", "default", "pi-typo")!;
    expect(job.status.failed).toBe(3);
    expect(job.status.conditions.map((c: any) => `${c.type} ${c.reason}`)).toEqual(["FailureTarget BackoffLimitExceeded", "Failed BackoffLimitExceeded"]);
    expect(t(job.status.conditions[1].lastTransitionTime) - finished[2]!).toBe(1 * S);
    expect(events("pi-typo").at(-1)).toBe("BackoffLimitExceeded: Job has reached the specified backoff limit");
  });

  it("kubectl delete job pi at 4m takes its pod along; the text view lists the Jobs left", () => {
    const full = runScenario({ file: "examples/job-pi.yaml" });
    expect(full.sim.store.get("Job", "default", "pi")).toBeUndefined();
    expect(full.sim.store.list("Pod", { namespace: "default", labelSelector: "batch.kubernetes.io/job-name=pi" })).toHaveLength(0);
    let text = "";
    const printer = new TextPrinter(full.sim, (s) => (text += s));
    for (const r of [...full.records, full.summary]) printer.record(r);
    expect(text).toContain("Normal  Completed            job/pi                                   Job completed");
    expect(text).toMatch(/Warning BackoffLimitExceeded job\/pi-typo\s+Job has reached the specified backoff limit/);
    expect(text).toMatch(/jobs:\n\s+NAME\s+STATUS\s+COMPLETIONS\s+DURATION\n\s+pi-typo\s+Failed\s+0\/1\s+5m\n/);
  });
});

describe("spec.usage run / exitCode", () => {
  const scenario = (usage: string) =>
    `apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nmetadata: {name: u}\nspec:\n  duration: 5m\n  nodeGroups: [{name: ng, instanceType: m5.large, desired: 1, min: 1, max: 1}]\n  usage: ${usage}\n---\n` +
    `apiVersion: batch/v1\nkind: Job\nmetadata: {name: report}\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: app, image: myorg/report:2}]\n`;

  it("run: 90s / exitCode: 3 make an unknown program finish and fail", () => {
    const s = loadScenarioText(scenario("[{workload: report, run: 90s, exitCode: 3}]"), "u.yaml");
    expect(s.spec.usage).toEqual([{ match: { workload: "report" }, runMs: 90 * S, exitCode: 3 }]);
    const run = runScenario({ text: scenario("[{workload: report, run: 90s, exitCode: 3}]") });
    const [pod] = run.sim.store.list("Pod", { namespace: "default" });
    const term = pod!.status.containerStatuses[0].state.terminated;
    expect(term).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(run.sim.clock.parseIso(term.finishedAt) - run.sim.clock.parseIso(term.startedAt)).toBe(90 * S);
    const job = run.sim.store.get<KubeObject>("Job", "default", "report")!;
    expect(job.status.conditions.at(-1)).toMatchObject({ type: "Failed", reason: "BackoffLimitExceeded" });
  });

  it("bad values are rejected naming the field", () => {
    expect(() => loadScenarioText(scenario("[{image: x, run: soon}]"), "u.yaml")).toThrow(/spec\.usage\[0\]\.run: Invalid value: "soon": time: invalid duration "soon"/);
    expect(() => loadScenarioText(scenario("[{image: x, run: -5s}]"), "u.yaml")).toThrow(/spec\.usage\[0\]\.run: Invalid value: "-5s": must be greater than or equal to 0/);
    expect(() => loadScenarioText(scenario("[{image: x, exitCode: 256}]"), "u.yaml")).toThrow(/spec\.usage\[0\]\.exitCode: Invalid value: 256: must be less than or equal to 255/);
    expect(() => loadScenarioText(scenario("[{image: x, exitCode: one}]"), "u.yaml")).toThrow(/spec\.usage\[0\]\.exitCode: Invalid value: "one": must be an integer/);
  });
});
