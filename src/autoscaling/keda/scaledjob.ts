/**
 * KEDA v2.16's ScaledJob operator on the simulated cluster: the reconciler
 * (controllers/keda/scaledjob_controller.go — pause, trigger validation, rollout of a new spec,
 * scalers, the Ready condition) and the scale loop (pkg/scaling/scale_handler.go checkScalers →
 * pkg/scaling/executor/scale_jobs.go RequestJobScale: at once, then every pollingInterval, create
 * Jobs, set Active / lastActiveTime, prune finished Jobs to the history limits).
 *
 * The arithmetic is in scaledjob-scale.ts. Like upstream, no HPA is involved and Jobs are never
 * deleted to scale in: a Job ends when its pods do.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { Logger } from "../../api/logs.js";
import { ownerRef, type KubeObject } from "../../api/meta.js";
import { deepEqual, type WatchEvent } from "../../api/store.js";
import type { TimerHandle } from "../../core/clock.js";
import { fromLabelMap } from "../../core/labels.js";
import { QUEUES_SERVICE, type QueuesApi } from "../../cluster/queues.js";
import { EXTERNAL_METRICS_SERVICE, type ExternalMetricsApi } from "../../metrics/api.js";
import { ANNOTATION_PAUSED, KEDA_API_VERSION, type ScaledJobSpec } from "./api.js";
import { KEDA_VERSION } from "./names.js";
import { buildScaler, type Scaler, type ScalerEnv } from "./scalers.js";
import {
  SCALEDJOB_DEFAULTS,
  isJobPending,
  isScaledJobActive,
  jobsBeyondHistoryLimits,
  scaledJobMaxReplicaCount,
  scaledJobMinReplicaCount,
  scalerJobMetrics,
  scalingDecision,
  selectScalingStrategy,
  type FinishedJob,
  type PodStatusView,
  type ScalerJobMetrics,
} from "./scaledjob-scale.js";

export const SCALEDJOB_NAME_LABEL = "scaledjob.keda.sh/name";
export const SCALEDJOB_GENERATION_ANNOTATION = "scaledjob.keda.sh/generation";
/** scaledjob_finalizer.go: the operator's finalizer on every ScaledJob it reconciles. */
export const SCALEDJOB_FINALIZER = "finalizer.keda.sh";
/** The operator's log component (shared with the ScaledObject loop, as in the one keda-operator pod). */
export const SCALEDJOB_LOG_COMPONENT = "keda-operator";
/** Event sources: the reconciler records as keda-operator, its scale handler as scale-handler. */
const OPERATOR = "keda-operator";
const SCALE_HANDLER = "scale-handler";

const COND_TYPES = ["Ready", "Active", "Fallback", "Paused"] as const;
interface Cond {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

/** Why the reconcile stopped (msg goes to the Ready condition and the event, cause to the log). */
class CheckFailed extends Error {
  constructor(
    readonly msg: string,
    override readonly cause: unknown,
  ) {
    super(msg);
  }
}

interface SjState {
  key: string;
  ns: string;
  name: string;
  /** generation + paused annotation: what makes the reconciler run (GenerationChanged / Paused predicates). */
  trigger: string;
  scalers: Scaler[];
  /** Generation the scalers were built for (the scalers cache key). */
  scalersGeneration?: number;
  timer?: TimerHandle;
  /** A scale loop is registered (HandleScalableObject emits "Started scalers watch" only for a new one). */
  looping: boolean;
}

export class ScaledJobController implements Controller {
  readonly name = "keda-operator-scaledjob";
  private ctx!: ControllerContext;
  private reconcilerLog!: Logger;
  private executorLog!: Logger;
  private handlerLog!: Logger;
  private readonly states = new Map<string, SjState>();
  private unwatch: (() => void) | undefined;

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    const logger = ctx.logs.logger(SCALEDJOB_LOG_COMPONENT);
    // controller-runtime / logr names, carried as a field on one component's log.
    const named = (n: string): Logger => ({
      info: (m, f) => logger.info(m, { logger: n, ...f }),
      warn: (m, f) => logger.warn(m, { logger: n, ...f }),
      error: (m, f) => logger.error(m, { logger: n, ...f }),
      debug: (m, f) => logger.debug(m, { logger: n, ...f }),
    });
    this.reconcilerLog = named("scaledjob");
    this.executorLog = named("scaleexecutor");
    this.handlerLog = named("scalehandler");
    this.unwatch = ctx.store.watch("ScaledJob", (ev) => this.onScaledJob(ev));
    for (const sj of ctx.store.list("ScaledJob")) this.onScaledJob({ type: "ADDED", object: sj });
  }

  stop(): void {
    this.unwatch?.();
    for (const s of this.states.values()) if (s.timer) this.ctx.clock.cancel(s.timer);
    this.states.clear();
  }

  // ------------------------------------------------------------------------ reconciler

  private onScaledJob(ev: WatchEvent): void {
    const sj = ev.object;
    const ns = sj.metadata.namespace ?? "default";
    const key = `${ns}/${sj.metadata.name}`;
    if (ev.type === "DELETED") {
      const st = this.states.get(key);
      if (st) this.stopScaleLoop(st);
      this.states.delete(key);
      return;
    }
    if (sj.metadata.deletionTimestamp) {
      this.finalize(key, sj);
      return;
    }
    // Our own write comes back through this watch and reconciles from there.
    if (this.ensureFinalizer(key, sj)) return;
    const trigger = `${sj.metadata.generation ?? 0}|${sj.metadata.annotations?.[ANNOTATION_PAUSED] ?? "\u0000"}`;
    let st = this.states.get(key);
    if (st && st.trigger === trigger) return; // status or metadata-only write: no reconcile
    if (!st) this.states.set(key, (st = { key, ns, name: sj.metadata.name!, trigger, scalers: [], looping: false }));
    st.trigger = trigger;
    this.reconcile(st, sj);
  }

  /** ensureFinalizer (scaledjob_finalizer.go). Returns true when it wrote. */
  private ensureFinalizer(key: string, sj: KubeObject): boolean {
    if ((sj.metadata.finalizers ?? []).includes(SCALEDJOB_FINALIZER)) return false;
    this.reconcilerLog.info("Adding Finalizer for the ScaledJob", { ScaledJob: key });
    try {
      this.ctx.store.mutate("ScaledJob", sj.metadata.namespace, sj.metadata.name!, (d) => {
        d.metadata.finalizers = [...(d.metadata.finalizers ?? []), SCALEDJOB_FINALIZER];
      });
      return true;
    } catch (e) {
      this.reconcilerLog.error("Failed to update ScaledJob with a finalizer", { ScaledJob: key, finalizer: SCALEDJOB_FINALIZER, error: errorText(e) });
      return false;
    }
  }

  /**
   * finalizeScaledJob: stop the loop and drop the finalizer; the Jobs are owned by the ScaledJob and
   * go with it (garbage collection).
   */
  private finalize(key: string, sj: KubeObject): void {
    const st = this.states.get(key);
    if (st) this.stopScaleLoop(st);
    if (!(sj.metadata.finalizers ?? []).includes(SCALEDJOB_FINALIZER)) return;
    try {
      this.ctx.store.mutate("ScaledJob", sj.metadata.namespace, sj.metadata.name!, (d) => {
        d.metadata.finalizers = (d.metadata.finalizers ?? []).filter((f) => f !== SCALEDJOB_FINALIZER);
      });
    } catch (e) {
      this.reconcilerLog.error("Failed to update ScaledJob after removing a finalizer", { ScaledJob: key, finalizer: SCALEDJOB_FINALIZER, error: errorText(e) });
      return;
    }
    this.reconcilerLog.info("Successfully finalized ScaledJob", { ScaledJob: key });
    this.ctx.events.record(sj, "Warning", "ScaledJobDeleted", "ScaledJob was deleted", OPERATOR);
  }

  private reconcile(st: SjState, sj: KubeObject): void {
    const log = this.reconcilerLog;
    const fields = { ScaledJob: st.name, namespace: st.ns };
    log.info("Reconciling ScaledJob", fields);
    const conds = conditionsOf(sj.status);
    if (!sj.spec?.jobTargetRef) {
      const msg = "ScaledJob.spec.jobTargetRef not found";
      log.error(msg, fields);
      this.ctx.events.record(sj, "Warning", "ScaledJobCheckFailed", msg, OPERATOR);
      this.writeConditions(st, conds);
      return;
    }
    let startLoop = false;
    try {
      const r = this.reconcileScaledJob(st, sj, conds);
      startLoop = r.startLoop;
      const ready = conds.find((c) => c.type === "Ready")!;
      if (ready.status !== "True") this.ctx.events.record(sj, "Normal", "ScaledJobReady", "ScaledJob is ready for scaling", OPERATOR);
      setCond(conds, { type: "Ready", status: "True", reason: "ScaledJobReady", message: r.msg });
    } catch (e) {
      if (!(e instanceof CheckFailed)) throw e;
      log.error(e.msg, { ...fields, error: errorText(e.cause) });
      setCond(conds, { type: "Ready", status: "False", reason: "ScaledJobCheckFailed", message: e.msg });
      setCond(conds, { type: "Active", status: "Unknown", reason: "UnknownState", message: "ScaledJob check failed" });
      this.ctx.events.record(sj, "Warning", "ScaledJobCheckFailed", e.msg, OPERATOR);
    }
    this.writeConditions(st, conds);
    // The scale loop's goroutine runs its first check right away, after the reconciler's status write.
    if (startLoop) this.poll(st);
  }

  /** reconcileScaledJob: returns the Ready message, or throws CheckFailed. */
  private reconcileScaledJob(st: SjState, sj: KubeObject, conds: Cond[]): { msg: string; startLoop: boolean } {
    const log = this.reconcilerLog;
    const fields = { ScaledJob: st.name, namespace: st.ns };
    const spec = sj.spec as ScaledJobSpec;
    if (this.checkIfPaused(st, sj, conds)) return { msg: "ScaledJob is paused, skipping reconcile loop", startLoop: false };
    const bad = triggersError(spec.triggers ?? []);
    if (bad) throw new CheckFailed("ScaledJob doesn't have correct triggers specification", bad);
    this.setTriggersAndAuthsTypes(st, spec);
    this.deletePreviousVersionJobs(sj);
    this.ensureScalers(st, sj);
    for (const t of spec.triggers) {
      if (t.useCachedMetrics) log.info("Warning: property useCachedMetrics is not supported for ScaledJobs.", fields);
      if (t.metricType) throw new CheckFailed("Cannot set metricType in ScaledJob triggers", "metricType is set in one of the ScaledJob scaler");
    }
    // requestScaleLoop: a running loop is cancelled and replaced (its first check comes at once).
    if (st.timer) this.ctx.clock.cancel(st.timer);
    st.timer = undefined;
    if (!st.looping) this.ctx.events.record(sj, "Normal", "KEDAScalersStarted", "Started scalers watch", SCALE_HANDLER);
    st.looping = true;
    log.info("Initializing Scaling logic according to ScaledJob Specification", fields);
    return { msg: "ScaledJob is defined correctly and is ready to scaling", startLoop: true };
  }

  /** updateStatusWithTriggersAndAuthsTypes (v2.16, kedacore/keda#6232): the distinct trigger types and TriggerAuthentication names, comma-joined. */
  private setTriggersAndAuthsTypes(st: SjState, spec: ScaledJobSpec): void {
    const cur = this.ctx.store.get("ScaledJob", st.ns, st.name);
    if (!cur) return;
    const triggersTypes = [...new Set(spec.triggers.map((t) => t.type))].join(",");
    const authenticationsTypes = [...new Set(spec.triggers.flatMap((t) => (t.authenticationRef?.name ? [t.authenticationRef.name] : [])))].join(",");
    this.writeStatus(st, { ...(cur.status ?? {}), triggersTypes, authenticationsTypes });
  }

  /** checkIfPaused: `autoscaling.keda.sh/paused` (strconv.ParseBool; an unparsable value pauses). */
  private checkIfPaused(st: SjState, sj: KubeObject, conds: Cond[]): boolean {
    const v = sj.metadata.annotations?.[ANNOTATION_PAUSED];
    const shouldPause = v !== undefined && parseGoBool(v) !== false;
    const pausedNow = conds.find((c) => c.type === "Paused")!.status === "True";
    if (shouldPause) {
      if (!pausedNow) {
        this.reconcilerLog.info("ScaledJob is paused, stopping scaling loop.", { ScaledJob: st.name, namespace: st.ns });
        this.stopScaleLoop(st);
        setCond(conds, { type: "Paused", status: "True", reason: "ScaledJobPaused", message: "ScaledJob is paused" });
      }
      return true;
    }
    if (pausedNow) {
      this.reconcilerLog.info("Unpausing ScaledJob.", { ScaledJob: st.name, namespace: st.ns });
      setCond(conds, { type: "Paused", status: "False", reason: "ScaledJobUnpaused", message: "ScaledJob is unpaused" });
    }
    return false;
  }

  /**
   * deletePreviousVersionScaleJobs: with the default rollout, every Job of this ScaledJob whose
   * generation annotation is not the current generation is deleted — finished ones included.
   */
  private deletePreviousVersionJobs(sj: KubeObject): void {
    const log = this.reconcilerLog;
    const spec = sj.spec as ScaledJobSpec;
    const fields = { ScaledJob: sj.metadata.name, namespace: sj.metadata.namespace };
    let strategy = spec.rollout?.strategy;
    if (spec.rolloutStrategy) {
      log.info("RolloutStrategy is deprecated, please us Rollout.Strategy in order to define the desired strategy for job rollouts", fields);
      strategy = spec.rolloutStrategy;
    }
    if (strategy === "gradual") {
      log.info("RolloutStrategy: gradual, Not deleting jobs owned by the previous version of the scaleJob", fields);
      return;
    }
    const gen = String(sj.metadata.generation ?? 0);
    const stale = this.jobsOf(sj).filter((j) => j.metadata.annotations?.[SCALEDJOB_GENERATION_ANNOTATION] !== gen);
    if (stale.length === 0) {
      log.info("RolloutStrategy: immediate, No jobs owned by the previous version of the scaledJob", fields);
      return;
    }
    log.info("RolloutStrategy: immediate, Deleting jobs owned by the previous version of the scaledJob", { ...fields, numJobsToDelete: stale.length });
    const propagationPolicy = spec.rollout?.propagationPolicy === "foreground" ? "Foreground" : "Background";
    for (const j of stale) {
      try {
        this.ctx.store.delete("Job", j.metadata.namespace, j.metadata.name!, { propagationPolicy });
      } catch (e) {
        throw new CheckFailed(`Not able to delete job: ${j.metadata.name}`, e);
      }
    }
  }

  /** GetScalersCache: rebuilt when the generation changed; one "Scaler <type> is built" event per trigger. */
  private ensureScalers(st: SjState, sj: KubeObject): void {
    const gen = sj.metadata.generation ?? 0;
    if (st.scalersGeneration === gen && st.scalers.length > 0) return;
    const spec = sj.spec as ScaledJobSpec;
    const built: Scaler[] = [];
    for (const [i, t] of spec.triggers.entries()) {
      try {
        built.push(buildScaler(i, t, KEDA_VERSION));
      } catch (e) {
        this.ctx.events.record(sj, "Warning", "KEDAScalerFailed", errorText(e), SCALE_HANDLER);
        this.handlerLog.error("error resolving auth params", { ScaledJob: st.name, namespace: st.ns, triggerIndex: i, error: errorText(e) });
        st.scalers = [];
        st.scalersGeneration = undefined;
        throw new CheckFailed("Failed to ensure ScaledJob is correctly created", e);
      }
      this.ctx.events.record(sj, "Normal", "KEDAScalersStarted", `Scaler ${t.type} is built`, SCALE_HANDLER);
    }
    st.scalers = built;
    st.scalersGeneration = gen;
  }

  private stopScaleLoop(st: SjState): void {
    if (st.timer) this.ctx.clock.cancel(st.timer);
    st.timer = undefined;
    st.looping = false;
    // DeleteScalableObject also drops the scalers cache.
    st.scalers = [];
    st.scalersGeneration = undefined;
  }

  // ------------------------------------------------------------------------ scale loop

  private poll(st: SjState): void {
    if (this.states.get(st.key) !== st || !st.looping) return;
    const sj = this.ctx.store.get("ScaledJob", st.ns, st.name);
    if (!sj) return;
    this.checkScalers(st, sj);
    const interval = (sj.spec as ScaledJobSpec).pollingInterval ?? SCALEDJOB_DEFAULTS.pollingInterval;
    st.timer = this.ctx.clock.after(interval * 1000, () => this.poll(st));
  }

  /** Where scalers read the world: calendar time, the scenario's series (through KEDA's chained external metrics API), the queues. */
  private env(namespace: string): ScalerEnv {
    const provider = this.ctx.services.get(EXTERNAL_METRICS_SERVICE) as ExternalMetricsApi | undefined;
    return {
      nowUtcMs: this.ctx.clock.epochMs + this.ctx.clock.now(),
      series: (name) => {
        if (!provider) throw new Error(`no series ${name}`);
        return provider.externalMetric(namespace, name).map((v) => v.valueMilli / 1000);
      },
      queues: this.ctx.services.get(QUEUES_SERVICE) as QueuesApi | undefined,
    };
  }

  /** scale_handler checkScalers for a ScaledJob: getScaledJobMetrics → isScaledJobActive → RequestJobScale. */
  private checkScalers(st: SjState, sj: KubeObject): void {
    const spec = sj.spec as ScaledJobSpec;
    const minRC = scaledJobMinReplicaCount(spec);
    const maxRC = scaledJobMaxReplicaCount(spec);
    const env = this.env(st.ns);
    const metrics: ScalerJobMetrics[] = [];
    let isError = false;
    if (st.scalersGeneration !== (sj.metadata.generation ?? 0)) {
      // The scalers cache is rebuilt on every check until it builds (a broken trigger fails each poll).
      try {
        this.ensureScalers(st, sj);
      } catch (e) {
        this.handlerLog.error("error getting scalers cache", { "scaledJob.Namespace": st.ns, "scaledJob.Name": st.name, error: errorText((e as CheckFailed).cause ?? e) });
        isError = true;
      }
    }
    for (const s of st.scalers) {
      // cpu/memory triggers have no External metric spec: skipped for ScaledJobs.
      if (s.resource) continue;
      const scalerFields = { "scaledJob.Name": st.name, Scaler: `${s.type}:` };
      let r: { value: number; active: boolean };
      try {
        r = s.getMetricsAndActivity(env);
      } catch (e) {
        this.handlerLog.error("Error getting scaler metrics and activity, but continue", { ...scalerFields, error: errorText(e) });
        this.ctx.events.record(sj, "Warning", "KEDAScalerFailed", errorText(e), SCALE_HANDLER);
        isError = true;
        continue;
      }
      // Metric values travel as milli-precision quantities.
      const m = scalerJobMetrics([Math.trunc(r.value * 1000) / 1000], s.target, maxRC, r.active);
      this.handlerLog.debug("Scaler Metric value", { ...scalerFields, isTriggerActive: r.active, [s.metricName]: m.queueLength, targetAverageValue: s.target });
      metrics.push(m);
    }
    const calc = spec.scalingStrategy?.multipleScalersCalculation;
    const a = isScaledJobActive(metrics, calc, minRC, maxRC);
    this.handlerLog.debug("Checking if ScaleJob Scalers are active", { "scaledJob.Name": st.name, isActive: a.isActive, maxValue: a.maxValue, MultipleScalersCalculation: calc ?? "" });
    this.requestJobScale(st, sj, a.isActive, isError, a.queueLength, a.maxScale);
  }

  /** RequestJobScale (scale_jobs.go, v2.16). */
  private requestJobScale(st: SjState, sj: KubeObject, isActive: boolean, isError: boolean, scaleTo: number, maxScale: number): void {
    const log = this.executorLog;
    const fields = { "scaledJob.Name": st.name, "scaledJob.Namespace": st.ns };
    const spec = sj.spec as ScaledJobSpec;
    const jobs = this.jobsOf(sj);
    const unfinished = jobs.filter((j) => finishedType(j) === undefined);
    const pendingConds = spec.scalingStrategy?.pendingPodConditions;
    let pending = 0;
    for (const j of unfinished) if (isJobPending(this.podsOf(j), pendingConds)) pending++;
    log.info("Scaling Jobs", { ...fields, "Number of running Jobs": unfinished.length });
    log.info("Scaling Jobs", { ...fields, "Number of pending Jobs": pending });
    const d = scalingDecision({
      strategy: selectScalingStrategy(spec.scalingStrategy),
      runningJobCount: unfinished.length,
      pendingJobCount: pending,
      scaleTo,
      maxScale,
      minReplicaCount: scaledJobMinReplicaCount(spec),
      maxReplicaCount: scaledJobMaxReplicaCount(spec),
    });
    const effective = Math.max(0, d.effectiveMaxScale);
    const status: Record<string, unknown> = { ...(sj.status ?? {}) };
    if (isActive) {
      log.debug("At least one scaler is active", fields);
      status.lastActiveTime = this.ctx.clock.iso();
      this.createJobs(sj, d.scaleTo, effective);
    } else {
      log.debug("No change in activity", fields);
    }
    const conds = conditionsOf(sj.status);
    if (isError) {
      // v2.16 marks any trigger error as partial, whether or not another trigger is active.
      const msg = "Some triggers defined in ScaledJob are not working correctly";
      log.debug(msg, fields);
      const ready = conds.find((c) => c.type === "Ready")!;
      if (ready.status !== "Unknown") setCond(conds, { type: "Ready", status: "Unknown", reason: "PartialTriggerError", message: msg });
    }
    const active = conds.find((c) => c.type === "Active")!;
    if (active.status === "Unknown" || (active.status === "True") !== isActive) {
      setCond(
        conds,
        isActive
          ? { type: "Active", status: "True", reason: "ScalerActive", message: "Scaling is performed because triggers are active" }
          : { type: "Active", status: "False", reason: "ScalerNotActive", message: "Scaling is not performed because triggers are not active" },
      );
    }
    status.conditions = conds.map(condJson);
    this.writeStatus(st, status);
    this.cleanUp(sj);
  }

  /** createJobs + generateJobs. */
  private createJobs(sj: KubeObject, scaleTo: number, maxScale: number): void {
    const log = this.executorLog;
    const fields = { "scaledJob.Name": sj.metadata.name, "scaledJob.Namespace": sj.metadata.namespace };
    if (maxScale <= 0) {
      log.info("No need to create jobs - all requested jobs already exist", { ...fields, jobs: maxScale });
      return;
    }
    log.info("Creating jobs", { ...fields, "Effective number of max jobs": maxScale });
    const n = scaleTo > maxScale ? maxScale : scaleTo;
    log.info("Creating jobs", { ...fields, "Number of jobs": n });
    for (let i = 0; i < n; i++) {
      try {
        this.ctx.store.create(jobFor(sj));
      } catch (e) {
        log.error("Failed to create a new Job", { ...fields, error: errorText(e) });
      }
    }
    log.info("Created jobs", { ...fields, "Number of jobs": n });
    this.ctx.events.record(sj, "Normal", "KEDAJobsCreated", `Created ${n} jobs`, SCALE_HANDLER);
  }

  /** cleanUp: delete the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  private cleanUp(sj: KubeObject): void {
    const spec = sj.spec as ScaledJobSpec;
    const fields = { "scaledJob.Name": sj.metadata.name, "scaledJob.Namespace": sj.metadata.namespace };
    const finished: FinishedJob[] = [];
    for (const j of this.jobsOf(sj)) {
      const type = finishedType(j);
      if (!type) continue;
      const ct = j.status?.completionTime as string | undefined;
      finished.push({ name: j.metadata.name!, finished: type, ...(ct ? { completionTime: this.ctx.clock.parseIso(ct) } : {}) });
    }
    const successful = spec.successfulJobsHistoryLimit ?? SCALEDJOB_DEFAULTS.successfulJobsHistoryLimit;
    const failed = spec.failedJobsHistoryLimit ?? SCALEDJOB_DEFAULTS.failedJobsHistoryLimit;
    const kinds = new Map(finished.map((f) => [f.name, f.finished]));
    for (const name of jobsBeyondHistoryLimits(finished, successful, failed)) {
      try {
        this.ctx.store.delete("Job", sj.metadata.namespace, name, { propagationPolicy: "Background" });
      } catch (e) {
        this.executorLog.error("Failed to cleanUp jobs", { ...fields, error: errorText(e) });
        return;
      }
      this.executorLog.info("Remove a job by reaching the historyLimit", { ...fields, "job.Name": name, historyLimit: kinds.get(name) === "Complete" ? successful : failed });
    }
  }

  // ------------------------------------------------------------------------ store helpers

  private jobsOf(sj: KubeObject): KubeObject[] {
    return this.ctx.store.list("Job", { namespace: sj.metadata.namespace, labelSelector: fromLabelMap({ [SCALEDJOB_NAME_LABEL]: sj.metadata.name! }) });
  }

  /** The job's pods, found by the `job-name` label as KEDA lists them. */
  private podsOf(job: KubeObject): PodStatusView[] {
    return this.ctx.store.list("Pod", { namespace: job.metadata.namespace, labelSelector: fromLabelMap({ "job-name": job.metadata.name! }) }).map((p) => p.status ?? {});
  }

  private writeConditions(st: SjState, conds: Cond[]): void {
    const cur = this.ctx.store.get("ScaledJob", st.ns, st.name);
    if (!cur) return;
    this.writeStatus(st, { ...(cur.status ?? {}), conditions: conds.map(condJson) });
  }

  private writeStatus(st: SjState, status: Record<string, unknown>): void {
    const cur = this.ctx.store.get("ScaledJob", st.ns, st.name);
    if (!cur || deepEqual(cur.status, status)) return;
    this.ctx.store.setStatus(cur, status);
  }
}

/**
 * generateJobs: `<scaledjob>-` + the API server's random suffix, KEDA's labels (the ScaledJob's own
 * labels override them), the generation annotation (the ScaledJob's annotations override it), the
 * ScaledJob as controller owner, the jobTargetRef as spec with the pod template labelled
 * `scaledjob.keda.sh/name` and restartPolicy OnFailure when unset.
 */
export function jobFor(sj: KubeObject): KubeObject {
  const name = sj.metadata.name!;
  const spec = structuredClone((sj.spec as ScaledJobSpec).jobTargetRef) as Record<string, any>;
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.metadata.generateName = `${name}-`;
  spec.template.metadata.labels = { ...(spec.template.metadata.labels ?? {}), [SCALEDJOB_NAME_LABEL]: name };
  spec.template.spec ??= {};
  if (!spec.template.spec.restartPolicy) spec.template.spec.restartPolicy = "OnFailure";
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      generateName: `${name}-`,
      namespace: sj.metadata.namespace,
      labels: {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/version": KEDA_VERSION,
        "app.kubernetes.io/part-of": name,
        "app.kubernetes.io/managed-by": "keda-operator",
        [SCALEDJOB_NAME_LABEL]: name,
        ...(sj.metadata.labels ?? {}),
      },
      annotations: { [SCALEDJOB_GENERATION_ANNOTATION]: String(sj.metadata.generation ?? 0), ...(sj.metadata.annotations ?? {}) },
      ownerReferences: [{ ...ownerRef({ ...sj, apiVersion: sj.apiVersion || KEDA_API_VERSION }), controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}

/** The type of the job's first True Complete/Failed condition (getFinishedJobConditionType). */
function finishedType(job: KubeObject): "Complete" | "Failed" | undefined {
  for (const c of (job.status?.conditions ?? []) as Cond[]) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return c.type;
  }
  return undefined;
}

/** KEDA's ValidateTriggers (the reconciler runs it again in case the webhook was skipped). */
function triggersError(triggers: ScaledJobSpec["triggers"]): string | undefined {
  if (triggers.length === 0) return "no triggers defined in the ScaledObject/ScaledJob";
  const names = new Set<string>();
  for (const t of triggers) {
    if (t.useCachedMetrics && (t.type === "cpu" || t.type === "memory" || t.type === "cron")) return `property "useCachedMetrics" is not supported for "${t.type}" scaler`;
    if (t.name) {
      if (names.has(t.name)) return `triggerName "${t.name}" is defined multiple times in the ScaledObject/ScaledJob, but it must be unique`;
      names.add(t.name);
    }
  }
  return undefined;
}

/** strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}

/** status.conditions with the four KEDA condition types initialised to Unknown (GetInitializedConditions). */
function conditionsOf(status: Record<string, any> | undefined): Cond[] {
  const out: Cond[] = COND_TYPES.map((type) => ({ type, status: "Unknown" }));
  for (const c of (status?.conditions ?? []) as Cond[]) setCond(out, { ...c });
  return out;
}

function setCond(conds: Cond[], c: Cond): void {
  const i = conds.findIndex((x) => x.type === c.type);
  if (i >= 0) conds[i] = c;
  else conds.push(c);
}

function condJson(c: Cond): Record<string, string> {
  const o: Record<string, string> = { type: c.type, status: c.status };
  if (c.reason) o.reason = c.reason;
  if (c.message) o.message = c.message;
  return o;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
