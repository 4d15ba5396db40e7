/**
 * Job controller (kube-controller-manager 1.32, pkg/controller/job), with 1.32's default feature
 * gates (JobPodReplacementPolicy and JobManagedBy beta = on, JobSuccessPolicy beta = on,
 * PodIndexLabel on, JobBackoffLimitPerIndex on but `backoffLimitPerIndex` not modelled).
 *
 * - Pods from spec.template with generateName `<job>-` (Indexed: `<job>-<index>-`), a controller
 *   ownerReference and the `batch.kubernetes.io/job-tracking` finalizer, which is removed once the
 *   pod's success or failure is counted in the status (Indexed: completion-index annotation + label,
 *   hostname `<job>-<index>`, env JOB_COMPLETION_INDEX). Creates in slow-start batches, at most 500
 *   creates or deletes per sync.
 * - active = min(parallelism, completions − succeeded); no completions: parallelism until one pod
 *   succeeded, then done once none is active. Surplus pods are deleted (controller.ActivePods order).
 *   With podReplacementPolicy Failed (or a podFailurePolicy) terminating pods are not replaced yet.
 * - Failures: failed > backoffLimit (or, for OnFailure, container restarts ≥ backoffLimit) →
 *   BackoffLimitExceeded; activeDeadlineSeconds → DeadlineExceeded; podFailurePolicy rules
 *   (FailJob/Ignore/Count, onExitCodes/onPodConditions). Replacement pods wait for the pod failure
 *   back-off: 10 s · 2^(failures since the last success − 1), at most 10 min, from the last failure.
 * - Terminal conditions are delayed until the Job's pods are terminated (1.31+ with the gates above):
 *   first `SuccessCriteriaMet` / `FailureTarget`, then `Complete` / `Failed` with the same reason
 *   and message once no pod is terminating. Events: SuccessfulCreate, SuccessfulDelete, Completed,
 *   BackoffLimitExceeded, DeadlineExceeded, Suspended, Resumed.
 * - Sync timing: a Job change syncs at once; pod changes are batched (syncJobBatchPeriod, 1 s), so
 *   a Job completes 1 s after its last pod succeeded.
 *
 * Sim notes: the store is synchronous, so no expectations and no two-phase uncountedTerminatedPods
 * (a sync removes finalizers and counts in one status write; the field stays `{}`). Pod adoption by
 * selector is not modelled (pods belong to their controller ownerReference). The simulated kubelet
 * removes a deleted pod without waiting for finalizers; such a pod is still counted (as upstream
 * counts a deleted pod) from its last state. Not modelled: backoffLimitPerIndex / maxFailedIndexes,
 * successPolicy, managedBy, the FailIndex action.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { isApiError } from "../../api/errors.js";
import { controllerOf, type KubeObject } from "../../api/meta.js";
import type { Clock } from "../../core/clock.js";
import { KeyQueue, isPodActive, isPodReady, isTerminal, splitKey } from "./util.js";
import { ownedPods, podFromTemplate, slowStartBatch } from "./replicaset.js";

export const JOB_COMPONENT = "job-controller";
export const JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
export const JOB_COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";
/** syncJobBatchPeriod: pod events sync their Job this much later, so that bursts collapse. */
export const SYNC_JOB_BATCH_MS = 1_000;
/** DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 600_000;
/** MaxPodCreateDeletePerSync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export const MSG_BACKOFF_LIMIT = "Job has reached the specified backoff limit";
export const MSG_DEADLINE = "Job was active longer than specified deadline";
export const MSG_COMPLETIONS_REACHED = "Reached expected number of succeeded pods";

export interface JobCondition {
  type: string;
  status: string;
  lastProbeTime: string;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

// ------------------------------------------------------------------ pure helpers

/** The Job is finished: a Complete or Failed condition is True (util.IsJobFinished). */
export function isJobFinished(job: KubeObject): boolean {
  return ((job.status?.conditions ?? []) as JobCondition[]).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

export function hasTrackingFinalizer(p: KubeObject): boolean {
  return (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/**
 * getRemainingTimeForFailuresCount: the pod failure back-off is 10 s doubled per consecutive
 * failure after the last success (capped at 10 min), counted from the last failure's finish time.
 */
export function podFailureBackoffRemaining(failures: number, lastFailureAt: number | undefined, now: number): number {
  if (failures === 0 || lastFailureAt === undefined) return 0;
  let backoff = DEFAULT_POD_FAILURE_BACKOFF_MS;
  for (let i = 1; i < failures; i++) {
    backoff *= 2;
    if (backoff >= MAX_POD_FAILURE_BACKOFF_MS) {
      backoff = MAX_POD_FAILURE_BACKOFF_MS;
      break;
    }
  }
  const elapsed = now - lastFailureAt;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/**
 * getFinishedTime: the latest container finishedAt when all containers terminated, else the Ready=False
 * transition, else deletionTimestamp − grace period, else creation.
 */
export function podFinishedAt(p: KubeObject, clock: Clock): number {
  const statuses: any[] = p.status?.containerStatuses ?? [];
  let latest: number | undefined;
  let all = statuses.length > 0;
  for (const cs of statuses) {
    const f = cs.state?.terminated?.finishedAt;
    if (!f) {
      all = false;
      break;
    }
    const t = clock.parseIso(f);
    if (latest === undefined || t > latest) latest = t;
  }
  if (all && latest !== undefined) return latest;
  const ready = (p.status?.conditions ?? []).find((c: any) => c.type === "Ready");
  if (ready && ready.status === "False" && ready.lastTransitionTime) return clock.parseIso(ready.lastTransitionTime);
  if (p.metadata.deletionTimestamp) return clock.parseIso(p.metadata.deletionTimestamp) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return p.metadata.creationTimestamp ? clock.parseIso(p.metadata.creationTimestamp) : 0;
}

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureAt?: number;
}

/** backoffStore.newBackoffRecord: fold the newly finished pods into the consecutive-failure count. */
export function nextBackoffRecord(prev: BackoffRecord, succeededAt: readonly number[], failedAt: readonly number[]): BackoffRecord {
  const s = [...succeededAt].sort((a, b) => a - b);
  const f = [...failedAt].sort((a, b) => a - b);
  if (s.length === 0) {
    if (f.length === 0) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + f.length, lastFailureAt: f[f.length - 1] };
  }
  const lastSuccess = s[s.length - 1]!;
  const out: BackoffRecord = { failuresAfterLastSuccess: 0 };
  for (let i = f.length - 1; i >= 0 && f[i]! > lastSuccess; i--) {
    out.lastFailureAt ??= f[i];
    out.failuresAfterLastSuccess++;
  }
  return out;
}

/** The completion index of a pod (annotation), or -1. */
export function completionIndex(p: KubeObject): number {
  const v = p.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** "1,3-5,7" → sorted indexes below `completions` (parseIndexesFromString; malformed parts are skipped). */
export function parseIndexes(s: string | undefined, completions: number): number[] {
  const out: number[] = [];
  if (!s) return out;
  for (const part of s.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i < completions; i++) out.push(i);
  }
  return [...new Set(out)].sort((x, y) => x - y);
}

/** Sorted indexes → intervals "1,3-5,7,8" (orderedIntervals.String). */
export function formatIndexes(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    // Two neighbours print as "3,4", longer runs as "3-5" (orderedIntervals.String).
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}${j === i + 1 ? "," : "-"}${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * controller.ActivePods ordering, the ones to delete first: unassigned < assigned; Pending < Unknown <
 * Running; not ready < ready; ready more recently first; more restarts first; newer first.
 */
export function sortActivePods(pods: KubeObject[], clock: Clock): KubeObject[] {
  const info = pods.map((p) => {
    const rc = (p.status?.conditions ?? []).find((c: any) => c.type === "Ready");
    const ready = rc?.status === "True";
    let restarts = 0;
    for (const c of p.status?.containerStatuses ?? []) restarts = Math.max(restarts, c.restartCount ?? 0);
    return {
      p,
      assigned: !!p.spec?.nodeName,
      phase: PHASE_RANK[p.status?.phase ?? "Pending"] ?? 0,
      ready,
      readyAt: ready && rc.lastTransitionTime ? clock.parseIso(rc.lastTransitionTime) : undefined,
      restarts,
      created: p.metadata.creationTimestamp ? clock.parseIso(p.metadata.creationTimestamp) : undefined,
    };
  });
  type I = (typeof info)[number];
  const cmp = (a: I, b: I): number => {
    if (a.assigned !== b.assigned) return a.assigned ? 1 : -1;
    if (a.phase !== b.phase) return a.phase - b.phase;
    if (a.ready !== b.ready) return a.ready ? 1 : -1;
    if (a.ready && b.ready && a.readyAt !== b.readyAt) {
      if (a.readyAt === undefined) return -1;
      if (b.readyAt === undefined) return 1;
      return b.readyAt - a.readyAt;
    }
    if (a.restarts !== b.restarts) return b.restarts - a.restarts;
    if (a.created !== b.created) {
      if (a.created === undefined) return -1;
      if (b.created === undefined) return 1;
      return b.created - a.created;
    }
    return 0;
  };
  return info.sort(cmp).map((x) => x.p);
}

/**
 * activePodsForRemoval: for Indexed Jobs first the pods with an invalid or out-of-range index and all
 * but one pod of a repeated index; then, if still fewer than `rmAtLeast`, in ActivePods order.
 */
export function activePodsForRemoval(indexed: boolean, completions: number, pods: readonly KubeObject[], rmAtLeast: number, clock: Clock): KubeObject[] {
  const rm: KubeObject[] = [];
  let left: KubeObject[] = [...pods];
  if (indexed) {
    left = [];
    const byIndex = new Map<number, KubeObject[]>();
    for (const p of pods) {
      const ix = completionIndex(p);
      if (ix < 0 || ix >= completions) rm.push(p);
      else {
        let g = byIndex.get(ix);
        if (!g) byIndex.set(ix, (g = []));
        g.push(p);
      }
    }
    for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
      const g = byIndex.get(ix)!;
      if (g.length === 1) left.push(g[0]!);
      else {
        const sorted = sortActivePods(g, clock);
        rm.push(...sorted.slice(0, -1));
        left.push(sorted[sorted.length - 1]!);
      }
    }
  }
  if (rm.length < rmAtLeast) rm.push(...sortActivePods(left, clock).slice(0, rmAtLeast - rm.length));
  return rm;
}

interface PodFailurePolicyMatch {
  /** FailJob: the Job's failure message. */
  failJobMessage?: string;
  /** Ignore: the failure does not count towards backoffLimit. */
  countFailed: boolean;
}

/** matchPodFailurePolicy for a failed pod: the first rule whose onExitCodes / onPodConditions match. */
export function matchPodFailurePolicy(policy: any, pod: KubeObject): PodFailurePolicyMatch {
  if (!policy) return { countFailed: true };
  const rules: any[] = policy.rules ?? [];
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    let msg: string | undefined;
    if (rule.onExitCodes) {
      const cs = matchOnExitCodes(pod, rule.onExitCodes);
      if (!cs) continue;
      msg = `Container ${cs.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${cs.state.terminated.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((c: any) => (rule.onPodConditions as any[]).some((pat) => c.type === pat.type && c.status === (pat.status ?? "True")));
      if (!cond) continue;
      msg = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${cond.type} matching ${rule.action} rule at index ${index}`;
    } else continue;
    switch (rule.action) {
      case "Ignore":
        return { countFailed: false };
      case "Count":
        return { countFailed: true };
      case "FailJob":
        return { failJobMessage: msg, countFailed: true };
      default:
        // FailIndex needs backoffLimitPerIndex (not modelled): the rule is passed over as upstream
        // does when its feature is off.
        continue;
    }
  }
  return { countFailed: true };
}

function matchOnExitCodes(pod: KubeObject, req: any): any {
  for (const list of [pod.status?.containerStatuses ?? [], pod.status?.initContainerStatuses ?? []]) {
    for (const cs of list) {
      const t = cs.state?.terminated;
      if (!t) continue;
      if (req.containerName && req.containerName !== cs.name) continue;
      if (t.exitCode === 0) continue;
      const inValues = ((req.values ?? []) as number[]).includes(t.exitCode);
      if (req.operator === "In" ? inValues : req.operator === "NotIn" ? !inValues : false) return cs;
    }
  }
  return undefined;
}

// ------------------------------------------------------------------ controller

interface SyncState {
  job: KubeObject;
  key: string;
  pods: KubeObject[];
  active: KubeObject[];
  ready: number;
  terminating: number;
  onlyReplaceFailed: boolean;
  succeeded: number;
  failed: number;
  indexed: boolean;
  completions: number | undefined;
}

export class JobController implements Controller {
  readonly name = JOB_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  /** Pods whose tracking finalizer should go because their Job is gone or finished (orphanQueue). */
  private orphans!: KeyQueue;
  private unwatch: Array<() => void> = [];
  /** Per Job key: consecutive pod failures since the last success (podBackoffStore). */
  private backoff = new Map<string, BackoffRecord>();
  /** Per Job key: pods removed while their success/failure was still uncounted (see the header). */
  private vanished = new Map<string, KubeObject[]>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    this.orphans = new KeyQueue(ctx.clock, (k) => this.syncOrphanPod(k));
    const { store } = ctx;
    this.unwatch.push(
      store.watch("Job", (ev) => {
        const j = ev.object;
        const key = `${j.metadata.namespace}/${j.metadata.name}`;
        if (ev.type === "DELETED") {
          this.queue.add(key);
          this.releaseFinalizers(j);
          return;
        }
        if (ev.type === "MODIFIED" && ev.old && ev.old.metadata.generation === j.metadata.generation) {
          // Status writes (ours) change nothing a sync would do; deletion starts one.
          if (ev.old.metadata.deletionTimestamp === j.metadata.deletionTimestamp) return;
        }
        this.queue.add(key);
      }),
      store.watch("Pod", (ev) => {
        const p = ev.object;
        const ref = controllerOf(p);
        if (!ref || ref.kind !== "Job") {
          if (hasTrackingFinalizer(p) && ev.type !== "DELETED") this.orphans.add(`${p.metadata.namespace}/${p.metadata.name}`);
          return;
        }
        const key = `${p.metadata.namespace}/${ref.name}`;
        if (ev.type === "DELETED" && hasTrackingFinalizer(p)) {
          let list = this.vanished.get(key);
          if (!list) this.vanished.set(key, (list = []));
          list.push(p);
        }
        this.queue.add(key, SYNC_JOB_BATCH_MS);
      }),
    );
    for (const j of store.list("Job")) this.queue.add(`${j.metadata.namespace}/${j.metadata.name}`);
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private sync(key: string): void {
    const { store, clock } = this.ctx;
    const [ns, name] = splitKey(key);
    const job = store.get("Job", ns, name);
    if (!job) {
      this.queue.forget(key);
      this.backoff.delete(key);
      this.vanished.delete(key);
      return;
    }
    if (isJobFinished(job)) {
      this.backoff.delete(key);
      this.vanished.delete(key);
      this.releaseFinalizers(job);
      return;
    }
    const spec = job.spec ?? {};
    if (spec.completionMode && spec.completionMode !== "NonIndexed" && spec.completionMode !== "Indexed") {
      this.ctx.events.record(job, "Warning", "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown", JOB_COMPONENT);
      return;
    }
    const now = clock.now();
    const indexed = spec.completionMode === "Indexed";
    const completions: number | undefined = spec.completions ?? undefined;
    const suspended = spec.suspend === true;
    const status: any = { ...(job.status ?? {}) };
    const pods = ownedPods(store, job);
    const vanished = this.vanished.get(key) ?? [];
    this.vanished.delete(key);
    const onlyReplaceFailed = spec.podReplacementPolicy === "Failed" || !!spec.podFailurePolicy;
    const isFailed = (p: KubeObject) =>
      p.status?.phase === "Failed" || (!onlyReplaceFailed && !!p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded");
    const validIndex = (p: KubeObject) => !indexed || (completionIndex(p) >= 0 && completionIndex(p) < (completions ?? 0));
    const active = pods.filter(isPodActive);
    const st: SyncState = {
      job,
      key,
      pods,
      active,
      ready: active.filter(isPodReady).length,
      terminating: pods.filter((p) => !isTerminal(p) && !!p.metadata.deletionTimestamp).length,
      onlyReplaceFailed,
      succeeded: 0,
      failed: 0,
      indexed,
      completions,
    };

    // Uncounted = still carrying the tracking finalizer (or removed before we saw it finish).
    const gone = new Set(vanished);
    // A pod removed before it was counted was deleted: a failure unless it had succeeded.
    const considerFailed = (p: KubeObject) => isFailed(p) || (gone.has(p) && p.status?.phase !== "Succeeded");
    const uncounted = [...pods.filter(hasTrackingFinalizer), ...vanished].filter(validIndex);
    const newSucceeded = uncounted.filter((p) => p.status?.phase === "Succeeded");
    const newFailed = uncounted.filter(considerFailed);
    const countedFailures = newFailed.filter((p) => matchPodFailurePolicy(spec.podFailurePolicy, p).countFailed);
    st.succeeded = (status.succeeded ?? 0) + newSucceeded.length;
    st.failed = (status.failed ?? 0) + countedFailures.length;

    if (!status.startTime && !suspended) status.startTime = clock.iso(now);
    const record = nextBackoffRecord(
      this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 },
      newSucceeded.map((p) => podFinishedAt(p, clock)),
      newFailed.map((p) => podFinishedAt(p, clock)),
    );
    this.backoff.set(key, record);

    const conds: JobCondition[] = [...((status.conditions ?? []) as JobCondition[])];
    const cond = (type: string) => conds.find((c) => c.type === type && c.status === "True");
    const iso = clock.iso(now);
    const newCond = (type: string, reason: string, message: string): JobCondition => ({ type, status: "True", lastProbeTime: iso, lastTransitionTime: iso, reason, message });

    let finished: JobCondition | undefined = cond("SuccessCriteriaMet");
    if (!finished) {
      const ft = cond("FailureTarget");
      if (ft) finished = newCond("Failed", ft.reason ?? "", ft.message ?? "");
      else if (spec.podFailurePolicy) {
        for (const p of pods) {
          if (!isFailed(p)) continue;
          const m = matchPodFailurePolicy(spec.podFailurePolicy, p).failJobMessage;
          if (m) {
            finished = newCond("FailureTarget", "PodFailurePolicy", m);
            break;
          }
        }
      }
    }
    const startTime = status.startTime ? clock.parseIso(status.startTime) : undefined;
    if (!finished) {
      const ads: number | undefined = spec.activeDeadlineSeconds ?? undefined;
      if (st.failed > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
        finished = newCond("FailureTarget", "BackoffLimitExceeded", MSG_BACKOFF_LIMIT);
      } else if (ads !== undefined && startTime !== undefined && !suspended && now - startTime >= ads * 1000) {
        finished = newCond("FailureTarget", "DeadlineExceeded", MSG_DEADLINE);
      } else if (ads !== undefined && startTime !== undefined && !suspended) {
        this.queue.add(key, ads * 1000 - (now - startTime));
      }
    }

    let succeededIndexes: number[] = [];
    if (indexed) {
      const set = new Set(parseIndexes(status.completedIndexes, completions ?? 0));
      for (const p of newSucceeded) set.add(completionIndex(p));
      succeededIndexes = [...set].sort((a, b) => a - b);
      st.succeeded = succeededIndexes.length;
    }

    let activeCount = active.length;
    if (finished) {
      const { removed, removedReady } = this.deletePods(job, active);
      activeCount -= removed;
      st.terminating += removed;
      st.ready -= removedReady;
    } else {
      let manageJobCalled = false;
      if (!job.metadata.deletionTimestamp) {
        activeCount = this.manageJob(st, record, succeededIndexes);
        manageJobCalled = true;
      }
      const complete = completions === undefined ? st.succeeded > 0 && activeCount === 0 : st.succeeded >= completions && activeCount === 0;
      if (complete) finished = newCond("SuccessCriteriaMet", "CompletionsReached", MSG_COMPLETIONS_REACHED);
      else if (manageJobCalled) {
        // ensureJobConditionStatus: Suspended=True when suspended; on resume an existing one turns False.
        const s = conds.find((c) => c.type === "Suspended");
        if (suspended) {
          if (setCondition(conds, newCond("Suspended", "JobSuspended", "Job suspended"))) {
            this.ctx.events.record(job, "Normal", "Suspended", "Job suspended", JOB_COMPONENT);
          }
        } else if (s && setCondition(conds, { ...newCond("Suspended", "JobResumed", "Job resumed"), status: "False" })) {
          this.ctx.events.record(job, "Normal", "Resumed", "Job resumed", JOB_COMPONENT);
          // ActiveDeadlineSeconds counts from the resume.
          status.startTime = iso;
        }
      }
    }

    // trackJobStatusAndRemoveFinalizers: count finished pods, then let them go.
    let newlySucceeded = 0;
    let newlyFailed = 0;
    const failing = finished !== undefined && finished.type !== "SuccessCriteriaMet";
    const release: KubeObject[] = [];
    for (const p of [...pods, ...vanished]) {
      if (!gone.has(p) && !hasTrackingFinalizer(p)) continue;
      const failedPod = considerFailed(p);
      if (!(job.metadata.deletionTimestamp || finished || p.status?.phase === "Succeeded" || failedPod)) continue;
      if (!gone.has(p)) release.push(p);
      if (!validIndex(p)) continue;
      if (p.status?.phase === "Succeeded") {
        if (!indexed) newlySucceeded++;
      } else if (failedPod || failing) {
        if (matchPodFailurePolicy(spec.podFailurePolicy, p).countFailed) newlyFailed++;
      }
    }
    for (const p of release) this.removeFinalizer(p);
    status.succeeded = indexed ? succeededIndexes.length : (status.succeeded ?? 0) + newlySucceeded;
    status.failed = (status.failed ?? 0) + newlyFailed;
    if (indexed) status.completedIndexes = formatIndexes(succeededIndexes);

    if (finished?.type === "FailureTarget") {
      if (!cond("FailureTarget")) conds.push(finished);
      finished = newCond("Failed", finished.reason ?? "", finished.message ?? "");
    } else if (finished?.type === "SuccessCriteriaMet") {
      if (!cond("SuccessCriteriaMet")) conds.push(finished);
      finished = newCond("Complete", finished.reason ?? "", finished.message ?? "");
    }
    // enactJobFinished: the terminal condition waits for the terminating pods.
    let jobFinished = false;
    if (finished && st.terminating === 0) {
      setCondition(conds, finished);
      if (finished.type === "Complete") status.completionTime = finished.lastTransitionTime;
      jobFinished = true;
    }
    status.conditions = conds;
    status.active = activeCount;
    status.ready = st.ready;
    status.terminating = st.terminating;
    this.writeStatus(job, status);
    if (jobFinished) this.recordFinished(job, finished!, status.succeeded, completions);
  }

  /** manageJob: create or delete pods towards the wanted active count; returns the active count. */
  private manageJob(st: SyncState, record: BackoffRecord, succeededIndexes: number[]): number {
    const { clock } = this.ctx;
    const { job, active } = st;
    const spec = job.spec ?? {};
    let activeCount = active.length;
    const parallelism: number = spec.parallelism ?? 1;
    if (spec.suspend === true) {
      const { removed, removedReady } = this.deletePods(job, activePodsForRemoval(st.indexed, st.completions ?? 0, active, activeCount, clock));
      st.terminating += removed;
      st.ready -= removedReady;
      return activeCount - removed;
    }
    let wantActive: number;
    if (st.completions === undefined) wantActive = st.succeeded > 0 ? activeCount : parallelism;
    else wantActive = Math.max(0, Math.min(st.completions - st.succeeded, parallelism));
    const rmAtLeast = Math.max(0, activeCount - wantActive);
    let toDelete = activePodsForRemoval(st.indexed, st.completions ?? 0, active, rmAtLeast, clock);
    if (toDelete.length > MAX_POD_CREATE_DELETE_PER_SYNC) toDelete = toDelete.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      const { removed, removedReady } = this.deletePods(job, toDelete);
      st.terminating += removed;
      st.ready -= removedReady;
      // Deletion and creation never happen in the same sync.
      return activeCount - removed;
    }
    const terminating = st.onlyReplaceFailed ? st.terminating : 0;
    let diff = wantActive - terminating - activeCount;
    if (diff <= 0) return activeCount;
    const remaining = podFailureBackoffRemaining(record.failuresAfterLastSuccess, record.lastFailureAt, clock.now());
    if (remaining > 0) {
      this.queue.add(st.key, Math.max(remaining, SYNC_JOB_BATCH_MS));
      // As upstream: the status reports no active pods while the re-creation waits.
      return 0;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (st.indexed) {
      indexes = firstPendingIndexes(succeededIndexes, active, diff, st.completions ?? 0);
      diff = indexes.length;
    }
    let next = 0;
    const created = slowStartBatch(diff, 1, () => this.createPod(job, st.indexed ? indexes[next++] : undefined));
    return activeCount + created;
  }

  private createPod(job: KubeObject, index: number | undefined): boolean {
    const { store, events } = this.ctx;
    const name = job.metadata.name!;
    const pod = podFromTemplate(job.spec?.template, job, index === undefined ? `${name}-` : podGenerateNameWithIndex(name, index));
    pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER), JOB_TRACKING_FINALIZER];
    if (index !== undefined) {
      pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
      pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
      pod.spec.hostname = `${name}-${index}`;
      for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
        if ((c.env ?? []).some((e: any) => e.name === JOB_COMPLETION_INDEX_ENV)) continue;
        c.env = [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }];
      }
    }
    try {
      const created = store.create(pod);
      events.record(job, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`, JOB_COMPONENT);
      return true;
    } catch (e) {
      if (!isApiError(e)) throw e;
      events.record(job, "Warning", "FailedCreate", `Error creating: ${e.message}`, JOB_COMPONENT);
      return false;
    }
  }

  /**
   * Delete pods (PodControl.DeletePod, event SuccessfulDelete). The tracking finalizer goes first:
   * manageJob's deletes do so upstream (deleteJobPods); a failing Job's deletes (deleteActivePods)
   * keep it until the same sync has counted them, which here is already decided. Removing it after the
   * DELETE would make our store drop the pod at once instead of letting it terminate gracefully.
   */
  private deletePods(job: KubeObject, pods: readonly KubeObject[]): { removed: number; removedReady: number } {
    const { store, events } = this.ctx;
    let removed = 0;
    let removedReady = 0;
    for (const p of pods) {
      try {
        this.removeFinalizer(p);
        store.delete("Pod", p.metadata.namespace, p.metadata.name!);
        events.record(job, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, JOB_COMPONENT);
        removed++;
      } catch (e) {
        if (!isApiError(e, "NotFound")) throw e;
        removed++;
      }
      if (isPodReady(p)) removedReady++;
    }
    return { removed, removedReady };
  }

  private removeFinalizer(p: KubeObject): void {
    const { store } = this.ctx;
    const cur = store.get("Pod", p.metadata.namespace, p.metadata.name!);
    if (!cur || cur.metadata.uid !== p.metadata.uid || !hasTrackingFinalizer(cur)) return;
    store.update({ ...cur, metadata: { ...cur.metadata, finalizers: cur.metadata.finalizers!.filter((f) => f !== JOB_TRACKING_FINALIZER), resourceVersion: undefined } });
  }

  /** cleanupPodFinalizers: a deleted or finished Job's pods lose the tracking finalizer. */
  private releaseFinalizers(job: KubeObject): void {
    for (const d of this.ctx.store.dependentsOf(job.metadata.uid!)) {
      if (d.kind === "Pod" && hasTrackingFinalizer(d)) this.orphans.add(`${d.metadata.namespace}/${d.metadata.name}`);
    }
  }

  /** syncOrphanPod: drop the finalizer unless the pod's Job exists and is still running. */
  private syncOrphanPod(key: string): void {
    const { store } = this.ctx;
    const [ns, name] = splitKey(key);
    const pod = store.get("Pod", ns, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerOf(pod);
    if (ref) {
      if (ref.kind !== "Job" || ref.apiVersion !== "batch/v1") return;
      const job = store.get("Job", ns, ref.name);
      if (job && job.metadata.uid === ref.uid && !isJobFinished(job)) return;
    }
    this.removeFinalizer(pod);
  }

  private writeStatus(job: KubeObject, status: any): void {
    const { store } = this.ctx;
    const ordered = orderStatus(status);
    if (JSON.stringify(ordered) === JSON.stringify(job.status ?? {})) return;
    const cur = store.get("Job", job.metadata.namespace, job.metadata.name!);
    if (!cur || cur.metadata.uid !== job.metadata.uid) return;
    store.setStatus(cur, ordered);
  }

  private recordFinished(job: KubeObject, finished: JobCondition, succeeded: number, completions: number | undefined): void {
    const { events } = this.ctx;
    if (finished.type === "Complete") {
      if (completions !== undefined && succeeded > completions) {
        events.record(job, "Warning", "TooManySucceededPods", "Too many succeeded pods running after completion count reached", JOB_COMPONENT);
      }
      events.record(job, "Normal", "Completed", "Job completed", JOB_COMPONENT);
    } else {
      events.record(job, "Warning", finished.reason ?? "", finished.message ?? "", JOB_COMPONENT);
    }
  }
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts of live pods count as failures. */
function pastBackoffLimitOnFailure(job: KubeObject, pods: readonly KubeObject[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== "Running" && phase !== "Pending") continue;
    for (const c of p.status?.initContainerStatuses ?? []) restarts += c.restartCount ?? 0;
    for (const c of p.status?.containerStatuses ?? []) restarts += c.restartCount ?? 0;
  }
  const limit: number = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** names.MaxGeneratedNameLength: 63 minus the 5-character random suffix. */
const MAX_GENERATED_NAME_LENGTH = 58;

/** podGenerateNameWithIndex: `<job>-<index>-`, the Job name shortened so that the index survives. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? prefix.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix : prefix;
}

/** firstPendingIndexes: the lowest indexes neither succeeded nor held by an active pod. */
function firstPendingIndexes(succeeded: readonly number[], active: readonly KubeObject[], count: number, completions: number): number[] {
  const taken = new Set<number>(succeeded);
  for (const p of active) {
    const ix = completionIndex(p);
    if (ix >= 0) taken.add(ix);
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.has(i)) out.push(i);
  return out;
}

/** ensureJobConditionStatus: replace the condition of that type when its status/reason/message differ, or append it. Returns whether it changed. */
function setCondition(conds: JobCondition[], c: JobCondition): boolean {
  const i = conds.findIndex((x) => x.type === c.type);
  if (i < 0) {
    if (c.status === "False") return false;
    conds.push(c);
    return true;
  }
  const x = conds[i]!;
  if (x.status === c.status && x.reason === c.reason && x.message === c.message) return false;
  conds[i] = c;
  return true;
}

/** JobStatus in Go field order, zero counters omitted as omitempty does (ready/terminating are pointers). */
function orderStatus(s: any): any {
  const out: any = {};
  if (s.conditions?.length) out.conditions = s.conditions;
  if (s.startTime) out.startTime = s.startTime;
  if (s.completionTime) out.completionTime = s.completionTime;
  if (s.active) out.active = s.active;
  if (s.succeeded) out.succeeded = s.succeeded;
  if (s.failed) out.failed = s.failed;
  out.terminating = s.terminating ?? 0;
  if (s.completedIndexes) out.completedIndexes = s.completedIndexes;
  out.uncountedTerminatedPods = {};
  out.ready = s.ready ?? 0;
  return out;
}
