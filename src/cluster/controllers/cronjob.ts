/**
 * CronJob controller (kube-controller-manager 1.32, pkg/controller/cronjob: cronjob_controllerv2.go,
 * utils.go), with the 1.32 default gate CronJobsScheduledAnnotation on.
 *
 * - The schedule is robfig/cron's ParseStandard of `spec.schedule`, prefixed `TZ=<spec.timeZone> `
 *   when a time zone is set (src/core/cron.ts); without one it runs in the controller's zone, UTC.
 * - A sync finds the most recent unmet schedule time since `status.lastScheduleTime` (or the
 *   creation time), no earlier than now − startingDeadlineSeconds. More than 100 missed times only
 *   adds a TooManyMissedTimes warning; the most recent one is still started. A time older than
 *   startingDeadlineSeconds is a MissSchedule.
 * - One Job per schedule time, named `<cronjob>-<scheduled time in minutes since the epoch>`, with
 *   the job template's labels and annotations plus `batch.kubernetes.io/cronjob-scheduled-timestamp`
 *   (RFC 3339 in spec.timeZone, UTC without one) and a controller ownerReference.
 * - concurrencyPolicy: Allow starts regardless; Forbid skips while `status.active` is non-empty
 *   (JobAlreadyActive); Replace deletes the active Jobs first (SuccessfulDelete).
 * - Finished Jobs leave `status.active` (SawCompletedJob); Complete ones advance
 *   `status.lastSuccessfulTime` to their completionTime. Before each sync the oldest finished Jobs
 *   beyond successfulJobsHistoryLimit / failedJobsHistoryLimit (ordered by startTime, then name) are
 *   deleted with background propagation.
 * - Requeue: 100 ms after the next schedule time (nextScheduleDelta), and at once on any change of
 *   the CronJob or of a Job it owns; a schedule or time-zone change requeues for the new schedule.
 *
 * Sim notes: the store is synchronous, so the re-reads upstream does against the API server (the
 * CronJob before an UnexpectedJob, a Job before MissingJob) see what the sync already sees. Errors
 * from the API requeue with client-go's per-item exponential back-off (5 ms doubling, at most 1000 s).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { isApiError } from "../../api/errors.js";
import { controllerOf, ownerRef, type KubeObject } from "../../api/meta.js";
import { parseCron, ZERO_TIME, type CronSchedule } from "../../core/cron.js";
import { formatRfc3339, loadLocation } from "../../core/timezone.js";
import { KeyQueue, splitKey } from "./util.js";

export const CRONJOB_COMPONENT = "cronjob-controller";
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** nextScheduleDelta: wake this long after a schedule time, against clock skew. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed schedule times than this is reported as TooManyMissedTimes. */
export const MANY_MISSED = 100;

export type MissedSchedules = "none" | "few" | "many";

export interface MostRecent {
  /** lastScheduleTime, else creation, raised to now − startingDeadlineSeconds when asked. */
  earliest: number;
  /** The latest schedule time in (earliest, now], if any. */
  mostRecent?: number;
  missed: MissedSchedules;
  error?: string;
}

// ------------------------------------------------------------------ pure schedule arithmetic (utils.go)

/**
 * mostRecentScheduleTime. `creation`/`lastSchedule` and the result are Unix ms. The count of missed
 * times is upstream's estimate from the first two gaps, which is what decides "many".
 */
export function mostRecentScheduleTime(
  sched: CronSchedule,
  now: number,
  creation: number,
  lastSchedule: number | undefined,
  startingDeadlineSeconds: number | undefined,
  includeStartingDeadline: boolean,
): MostRecent {
  let earliest = lastSchedule ?? creation;
  if (includeStartingDeadline && startingDeadlineSeconds !== undefined) {
    const deadline = now - startingDeadlineSeconds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = sched.next(earliest, "UTC");
  const t2 = sched.next(t1, "UTC");
  if (now < t1) return { earliest, missed: "none" };
  if (now < t2) return { earliest, mostRecent: t1, missed: "none" };
  // "59 23 31 2 *" parses but never fires: both times are the zero time.
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: "none", error: "time difference between two schedules is less than 1 second" };
  const elapsed = Math.trunc((now - t1) / 1000);
  const n = Math.trunc(elapsed / between) + 1;
  // One interval further back than the estimate, so irregular schedules (30 6-16/4 * * 1-5) are walked.
  const potentialEarliest = t1 + (n - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = sched.next(potentialEarliest, "UTC"); t <= now && t !== ZERO_TIME; t = sched.next(t, "UTC")) mostRecent = t;
  const missed: MissedSchedules = n > MANY_MISSED ? "many" : n > 0 ? "few" : "none";
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: ms from now until 100 ms after the next schedule time. */
export function nextScheduleDelay(sched: CronSchedule, now: number, creation: number, lastSchedule: number | undefined): number {
  const r = mostRecentScheduleTime(sched, now, creation, lastSchedule, undefined, false);
  let base: number;
  if (r.error !== undefined) base = now;
  else if (r.mostRecent !== undefined) base = r.mostRecent;
  else base = r.missed === "none" ? r.earliest : now;
  return sched.next(base, "UTC") + NEXT_SCHEDULE_DELTA_MS - now;
}

/** getJobName: `<cronjob>-<Unix minutes>`. */
export function cronJobJobName(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.trunc(Math.trunc(scheduledMs / 1000) / 60)}`;
}

/** formatSchedule: `TZ=<timeZone> <schedule>` unless the schedule names a zone itself. */
export function formatSchedule(cj: KubeObject): { spec: string; tzInSchedule: boolean } {
  const schedule: string = cj.spec?.schedule ?? "";
  if (schedule.includes("TZ")) return { spec: schedule, tzInSchedule: true };
  const tz: string | undefined = cj.spec?.timeZone ?? undefined;
  if (tz !== undefined) {
    try {
      loadLocation(tz);
    } catch {
      return { spec: schedule, tzInSchedule: false };
    }
    return { spec: `TZ=${tz} ${schedule}`, tzInSchedule: false };
  }
  return { spec: schedule, tzInSchedule: false };
}

/** getJobFromTemplate2. `scheduledMs` is Unix ms; `zone` the CronJob's spec.timeZone ("" = UTC). */
export function jobFromTemplate(cj: KubeObject, scheduledMs: number, zone: string): KubeObject {
  const tm = cj.spec?.jobTemplate?.metadata ?? {};
  const annotations: Record<string, string> = { ...(tm.annotations ?? {}) };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = formatRfc3339(loadLocation(zone), scheduledMs);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: cronJobJobName(cj.metadata.name!, scheduledMs),
      namespace: cj.metadata.namespace,
      labels: { ...(tm.labels ?? {}) },
      annotations,
      ownerReferences: [ownerRef(cj, true)],
    },
    spec: structuredClone(cj.spec?.jobTemplate?.spec ?? {}),
  };
}

/** Go's time.RFC1123Z of a UTC instant: `Wed, 01 Jan 2025 00:01:00 +0000`. */
export function rfc1123z(unixMs: number): string {
  const d = new Date(unixMs);
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** The Complete/Failed=True condition type, if the Job finished (jobutil.FinishedCondition). */
export function finishedCondition(job: KubeObject): "Complete" | "Failed" | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return c.type;
  }
  return undefined;
}

/** byJobStartTime: started before not started, earlier first, then by name. */
export function compareJobStartTime(a: KubeObject, b: KubeObject): number {
  const sa: string | undefined = a.status?.startTime;
  const sb: string | undefined = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa === sb || (sa && sb && Date.parse(sa) === Date.parse(sb))) return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
  return Date.parse(sa!) - Date.parse(sb!);
}

// ------------------------------------------------------------------ controller

interface ActiveRef {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion: string;
}

interface WorkingStatus {
  active: ActiveRef[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

/** client-go's per-item exponential failure back-off. */
const BACKOFF_BASE_MS = 5;
const BACKOFF_MAX_MS = 1_000_000;

export class CronJobController implements Controller {
  readonly name = CRONJOB_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];
  private failures = new Map<string, number>();
  /** Parsed schedules by their formatted spec (a spec parses to the same schedule every time). */
  private schedules = new Map<string, CronSchedule | Error>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    const { store } = ctx;
    this.unwatch.push(
      store.watch("CronJob", (ev) => {
        const cj = ev.object;
        const key = `${cj.metadata.namespace}/${cj.metadata.name}`;
        if (ev.type !== "MODIFIED" || !ev.old) {
          this.queue.add(key);
          return;
        }
        this.updateCronJob(ev.old, cj, key);
      }),
      store.watch("Job", (ev) => {
        const refs = [controllerOf(ev.object), ev.old ? controllerOf(ev.old) : undefined];
        if (ev.type === "MODIFIED" && ev.old && ev.old.metadata.resourceVersion === ev.object.metadata.resourceVersion) return;
        for (const ref of refs) {
          if (!ref || ref.kind !== "CronJob") continue;
          const cj = store.get("CronJob", ev.object.metadata.namespace, ref.name);
          if (cj && cj.metadata.uid === ref.uid) this.queue.add(`${cj.metadata.namespace}/${cj.metadata.name}`);
        }
      }),
    );
    for (const cj of store.list("CronJob")) this.queue.add(`${cj.metadata.namespace}/${cj.metadata.name}`);
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private nowUnix(): number {
    return this.ctx.clock.epochMs + this.ctx.clock.now();
  }

  private unix(iso: string | undefined): number | undefined {
    return iso ? this.ctx.clock.parseIso(iso) + this.ctx.clock.epochMs : undefined;
  }

  private isoOf(unixMs: number): string {
    return this.ctx.clock.iso(unixMs - this.ctx.clock.epochMs);
  }

  private parse(spec: string): CronSchedule {
    let s = this.schedules.get(spec);
    if (s === undefined) {
      try {
        s = parseCron(spec);
      } catch (e) {
        s = e as Error;
      }
      if (this.schedules.size > 1000) this.schedules.clear();
      this.schedules.set(spec, s);
    }
    if (s instanceof Error) throw s;
    return s;
  }

  /** updateCronJob: a new schedule or zone requeues for its next time; any other change syncs now. */
  private updateCronJob(old: KubeObject, cj: KubeObject, key: string): void {
    if (old.spec?.schedule === cj.spec?.schedule && (old.spec?.timeZone ?? undefined) === (cj.spec?.timeZone ?? undefined)) {
      this.queue.add(key);
      return;
    }
    let sched: CronSchedule;
    try {
      sched = this.parse(formatSchedule(cj).spec);
    } catch {
      this.ctx.events.record(cj, "Warning", "UnParseableCronJobSchedule", `unparseable schedule for cronjob: ${cj.spec?.schedule}`, CRONJOB_COMPONENT);
      return;
    }
    const created = this.unix(cj.metadata.creationTimestamp) ?? this.nowUnix();
    this.queue.add(key, nextScheduleDelay(sched, this.nowUnix(), created, this.unix(cj.status?.lastScheduleTime)));
  }

  private sync(key: string): void {
    const { store } = this.ctx;
    const [ns, name] = splitKey(key);
    const cj = store.get("CronJob", ns, name);
    if (!cj) {
      this.queue.forget(key);
      this.failures.delete(key);
      return;
    }
    // All Jobs of the namespace whose controller reference carries this name (upstream compares only the name).
    const jobs = store.list("Job", { namespace: ns }).filter((j) => controllerOf(j)?.name === name);
    const st: WorkingStatus = {
      active: ((cj.status?.active ?? []) as ActiveRef[]).map((a) => ({ ...a })),
      lastScheduleTime: cj.status?.lastScheduleTime,
      lastSuccessfulTime: cj.status?.lastSuccessfulTime,
    };
    let requeue: number | undefined;
    let failed = false;
    let changed = this.cleanupFinishedJobs(cj, jobs, st);
    try {
      const r = this.syncCronJob(cj, jobs, st);
      requeue = r.requeueAfterMs;
      changed = r.changed || changed;
    } catch (e) {
      if (!isApiError(e) && !(e instanceof RetryError)) throw e;
      failed = true;
    }
    if (changed) this.writeStatus(cj, st);
    if (failed) {
      const n = this.failures.get(key) ?? 0;
      this.failures.set(key, n + 1);
      this.queue.add(key, Math.min(BACKOFF_BASE_MS * 2 ** n, BACKOFF_MAX_MS));
      return;
    }
    this.failures.delete(key);
    if (requeue !== undefined) this.queue.add(key, requeue);
  }

  /** syncCronJob: returns when to look again (undefined: only on the next change) and whether the status changed. */
  private syncCronJob(cj: KubeObject, jobs: readonly KubeObject[], st: WorkingStatus): { requeueAfterMs?: number; changed: boolean } {
    const { store, events } = this.ctx;
    const now = this.nowUnix();
    let changed = false;
    const record = (type: "Normal" | "Warning", reason: string, message: string) => events.record(cj, type, reason, message, CRONJOB_COMPONENT);

    const children = new Set<string>();
    for (const j of jobs) {
      children.add(j.metadata.uid!);
      const found = st.active.some((a) => a.uid === j.metadata.uid);
      const cond = finishedCondition(j);
      if (!found && cond === undefined) {
        record("Warning", "UnexpectedJob", `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (cond !== undefined) {
        if (found) {
          st.active = st.active.filter((a) => a.uid !== j.metadata.uid);
          record("Normal", "SawCompletedJob", `Saw completed job: ${j.metadata.name}, condition: ${cond}`);
          changed = true;
        }
        if (cond === "Complete") {
          const done: string | undefined = j.status?.completionTime;
          if (st.lastSuccessfulTime === undefined) {
            st.lastSuccessfulTime = done;
            changed = true;
          }
          if (done && st.lastSuccessfulTime && Date.parse(done) > Date.parse(st.lastSuccessfulTime)) {
            st.lastSuccessfulTime = done;
            changed = true;
          }
        }
      }
    }

    // An active reference whose Job is gone would keep the CronJob "active" forever.
    for (const a of [...st.active]) {
      if (children.has(a.uid)) continue;
      if (store.get("Job", a.namespace, a.name)) continue;
      record("Normal", "MissingJob", `Active job went missing: ${a.name}`);
      st.active = st.active.filter((x) => x.uid !== a.uid);
      changed = true;
    }

    if (cj.metadata.deletionTimestamp) return { changed };

    const spec = cj.spec ?? {};
    if (spec.timeZone !== undefined && spec.timeZone !== null) {
      try {
        loadLocation(spec.timeZone);
      } catch (e) {
        record("Warning", "UnknownTimeZone", `invalid timeZone: ${JSON.stringify(spec.timeZone)}: ${(e as Error).message}`);
        return { changed };
      }
    }
    if (spec.suspend === true) return { changed };

    const formatted = formatSchedule(cj);
    if (formatted.tzInSchedule) {
      record(
        "Warning",
        "UnsupportedSchedule",
        `CRON_TZ or TZ used in schedule ${JSON.stringify(spec.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    let sched: CronSchedule;
    try {
      sched = this.parse(formatted.spec);
    } catch (e) {
      record("Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${(e as Error).message}`);
      return { changed };
    }

    const created = this.unix(cj.metadata.creationTimestamp) ?? now;
    const lastSchedule = this.unix(st.lastScheduleTime);
    const sds: number | undefined = spec.startingDeadlineSeconds ?? undefined;
    const next = () => nextScheduleDelay(sched, now, created, lastSchedule);

    // nextScheduleTime
    const r = mostRecentScheduleTime(sched, now, created, lastSchedule, sds, true);
    if (r.mostRecent === undefined || r.mostRecent > now) {
      if (r.error !== undefined) {
        record("Warning", "InvalidSchedule", `invalid schedule: ${spec.schedule} : ${r.error}`);
        return { changed };
      }
      return { requeueAfterMs: next(), changed };
    }
    if (r.missed === "many") {
      record("Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    }
    const scheduled = r.mostRecent;

    if (sds !== undefined && scheduled + sds * 1000 < now) {
      record("Warning", "MissSchedule", `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return { requeueAfterMs: next(), changed };
    }
    const jobName = cronJobJobName(cj.metadata.name!, scheduled);
    if (st.active.some((a) => a.name === jobName && a.namespace === cj.metadata.namespace) || (lastSchedule !== undefined && lastSchedule === scheduled)) {
      return { requeueAfterMs: next(), changed };
    }
    if (spec.concurrencyPolicy === "Forbid" && st.active.length > 0) {
      record("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return { requeueAfterMs: next(), changed };
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const a of [...st.active]) {
        const job = store.get("Job", a.namespace, a.name);
        if (!job) {
          record("Warning", "FailedGet", `Get job: jobs.batch "${a.name}" not found`);
          throw new RetryError(`get job ${a.name}`);
        }
        if (!this.deleteJob(cj, job, st)) throw new RetryError(`could not replace job ${a.namespace}/${a.name}`);
        changed = true;
      }
    }

    const req = jobFromTemplate(cj, scheduled, spec.timeZone ?? "");
    let job: KubeObject;
    try {
      job = store.create(req);
      record("Normal", "SuccessfulCreate", `Created job ${job.metadata.name}`);
    } catch (e) {
      if (!isApiError(e)) throw e;
      if (e.reason !== "AlreadyExists") {
        record("Warning", "FailedCreate", `Error creating job: ${e.message}`);
        throw e;
      }
      // Created on an earlier pass whose status write was lost: adopt it into the active list.
      const existing = store.get("Job", req.metadata.namespace, req.metadata.name!);
      if (!existing) throw e;
      const ref = controllerOf(existing);
      if (!ref || ref.uid !== cj.metadata.uid) return { changed };
      if (st.active.some((a) => a.uid === existing.metadata.uid)) return { changed };
      job = existing;
    }
    st.active.push({
      kind: "Job",
      namespace: job.metadata.namespace!,
      name: job.metadata.name!,
      uid: job.metadata.uid!,
      apiVersion: "batch/v1",
      resourceVersion: job.metadata.resourceVersion!,
    });
    st.lastScheduleTime = this.isoOf(scheduled);
    return { requeueAfterMs: nextScheduleDelay(sched, now, created, scheduled), changed: true };
  }

  /** cleanupFinishedJobs: keep the newest `limit` Complete and Failed Jobs. */
  private cleanupFinishedJobs(cj: KubeObject, jobs: readonly KubeObject[], st: WorkingStatus): boolean {
    const spec = cj.spec ?? {};
    const successfulLimit: number | undefined = spec.successfulJobsHistoryLimit ?? undefined;
    const failedLimit: number | undefined = spec.failedJobsHistoryLimit ?? undefined;
    if (successfulLimit === undefined && failedLimit === undefined) return false;
    const successful: KubeObject[] = [];
    const failed: KubeObject[] = [];
    for (const j of jobs) {
      const c = finishedCondition(j);
      if (c === "Complete") successful.push(j);
      else if (c === "Failed") failed.push(j);
    }
    let changed = false;
    if (successfulLimit !== undefined && this.removeOldestJobs(cj, successful, successfulLimit, st)) changed = true;
    if (failedLimit !== undefined && this.removeOldestJobs(cj, failed, failedLimit, st)) changed = true;
    return changed;
  }

  private removeOldestJobs(cj: KubeObject, jobs: KubeObject[], max: number, st: WorkingStatus): boolean {
    const n = jobs.length - max;
    if (n <= 0) return false;
    jobs.sort(compareJobStartTime);
    let changed = false;
    for (let i = 0; i < n; i++) if (this.deleteJob(cj, jobs[i]!, st)) changed = true;
    return changed;
  }

  /** deleteJob: background-propagated delete, out of the active list, SuccessfulDelete. */
  private deleteJob(cj: KubeObject, job: KubeObject, st: WorkingStatus): boolean {
    const { store, events } = this.ctx;
    try {
      store.delete("Job", job.metadata.namespace, job.metadata.name!, { propagationPolicy: "Background" });
    } catch (e) {
      if (!isApiError(e)) throw e;
      events.record(cj, "Warning", "FailedDelete", `Deleted job: ${e.message}`, CRONJOB_COMPONENT);
      return false;
    }
    st.active = st.active.filter((a) => a.uid !== job.metadata.uid);
    events.record(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`, CRONJOB_COMPONENT);
    return true;
  }

  private writeStatus(cj: KubeObject, st: WorkingStatus): void {
    const { store } = this.ctx;
    const cur = store.get("CronJob", cj.metadata.namespace, cj.metadata.name!);
    if (!cur || cur.metadata.uid !== cj.metadata.uid) return;
    // CronJobStatus in Go field order, empty fields omitted.
    const status: Record<string, unknown> = {};
    if (st.active.length > 0) status.active = st.active;
    if (st.lastScheduleTime) status.lastScheduleTime = st.lastScheduleTime;
    if (st.lastSuccessfulTime) status.lastSuccessfulTime = st.lastSuccessfulTime;
    if (JSON.stringify(status) === JSON.stringify(cur.status ?? {})) return;
    store.setStatus(cur, status);
  }
}

/** A sync that failed on the API: requeued with back-off, like an error returned to processNextWorkItem. */
class RetryError extends Error {
  override readonly name = "RetryError";
}
