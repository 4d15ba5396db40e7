/**
 * The KEDA operator (v2.16) on the simulated cluster: one scale loop per ScaledObject (checkScalers
 * at once, then every pollingInterval), the generated HPA `keda-hpa-<so>`, status and conditions,
 * events, and KEDA's metrics server: an external.metrics.k8s.io provider that answers the HPA's
 * reads of `s<i>-…` metrics live (or from the last poll with useCachedMetrics) and hands every
 * other metric to the provider registered before it (the scenario's metric feeds).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { Logger } from "../../api/logs.js";
import { ApiError } from "../../api/errors.js";
import type { KubeObject } from "../../api/meta.js";
import type { WatchEvent } from "../../api/store.js";
import { deepEqual } from "../../api/store.js";
import type { TimerHandle } from "../../core/clock.js";
import type { Selector } from "../../core/labels.js";
import { kindInfo } from "../../api/kinds.js";
import { getScale, updateScale } from "../../cluster/scale.js";
import { QUEUES_SERVICE, type QueuesApi } from "../../cluster/queues.js";
import { EXTERNAL_METRICS_SERVICE, type ExternalMetricsApi, type MetricValue } from "../../metrics/api.js";
import {
  ANNOTATION_FORCE_ACTIVATION,
  ANNOTATION_PAUSED,
  ANNOTATION_PAUSED_REPLICAS,
  SCALEDOBJECT_NAME_LABEL,
  effectiveSpec,
  hpaNameOf,
  targetGvkString,
  type ScaledObjectSpec,
} from "./api.js";
import { compileFormula, type CompiledFormula } from "./expr.js";
import { COND, fallbackActive, fallbackValue, requestScale, type Condition } from "./executor.js";
import { buildHpa } from "./hpa.js";
import { COMPOSITE_METRIC_NAME, KEDA_VERSION, versionAtLeast } from "./names.js";
import { buildScaler, type Scaler, type ScalerEnv } from "./scalers.js";

export const KEDA_OPERATOR = "keda-operator";
/** scaledobject_finalizer.go: the operator's finalizer on every ScaledObject it reconciles. */
export const SCALEDOBJECT_FINALIZER = "finalizer.keda.sh";

interface SoState {
  key: string;
  ns: string;
  name: string;
  specFingerprint: string;
  scalers: Scaler[];
  formula?: CompiledFormula;
  timer?: TimerHandle;
  /** metric name → last polled value (useCachedMetrics). */
  cache: Map<string, number>;
  /** metric name → consecutive failures. */
  failures: Map<string, number>;
  fallbackOn: boolean;
  buildError?: string;
}

type Cond = Condition & { type: string };

export interface KedaOptions {
  /** KEDA release whose behaviour to reproduce (metric names, inactive cron value). Default 2.16.0. */
  version?: string;
}

export class KedaOperator implements Controller, ExternalMetricsApi {
  readonly name = KEDA_OPERATOR;
  private ctx!: ControllerContext;
  private log!: Logger;
  private states = new Map<string, SoState>();
  private unwatch: (() => void) | undefined;
  private next: ExternalMetricsApi | undefined;
  private readonly version: string;

  constructor(opts: KedaOptions = {}) {
    this.version = opts.version ?? KEDA_VERSION;
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.log = ctx.logs.logger(KEDA_OPERATOR);
    // Compose with the provider registered before us (scenario feeds): KEDA answers its own metrics.
    const prev = ctx.services.get(EXTERNAL_METRICS_SERVICE) as ExternalMetricsApi | undefined;
    if (prev !== this) this.next = prev;
    ctx.services.set(EXTERNAL_METRICS_SERVICE, this);
    this.unwatch = ctx.store.watch("ScaledObject", (ev) => this.onScaledObject(ev));
    for (const so of ctx.store.list("ScaledObject")) this.onScaledObject({ type: "ADDED", object: so });
  }

  stop(): void {
    this.unwatch?.();
    for (const s of this.states.values()) if (s.timer) this.ctx.clock.cancel(s.timer);
    this.states.clear();
  }

  // ------------------------------------------------------------------------ reconcile

  private onScaledObject(ev: WatchEvent): void {
    const so = ev.object;
    const ns = so.metadata.namespace ?? "default";
    const key = `${ns}/${so.metadata.name}`;
    if (ev.type === "DELETED") {
      this.stopScaleLoop(key);
      return;
    }
    if (so.metadata.deletionTimestamp) {
      this.finalize(key, so);
      return;
    }
    // Our own write comes back through this watch and reconciles from there.
    if (this.ensureFinalizerAndLabel(key, so)) return;
    const fp = JSON.stringify([so.metadata.generation, so.spec, so.metadata.annotations ?? null, so.metadata.labels ?? null]);
    const prev = this.states.get(key);
    if (prev && prev.specFingerprint === fp) return; // status write
    if (prev?.timer) this.ctx.clock.cancel(prev.timer);
    const st: SoState = { key, ns, name: so.metadata.name!, specFingerprint: fp, scalers: [], cache: new Map(), failures: prev?.failures ?? new Map(), fallbackOn: prev?.fallbackOn ?? false };
    this.states.set(key, st);
    this.reconcile(st, so, prev === undefined);
  }

  /**
   * ensureFinalizer + ensureScaledObjectLabel: `finalizer.keda.sh` and `scaledobject.keda.sh/name`
   * on the ScaledObject itself (one write). Returns true when it wrote.
   */
  private ensureFinalizerAndLabel(key: string, so: KubeObject): boolean {
    const needFinalizer = !(so.metadata.finalizers ?? []).includes(SCALEDOBJECT_FINALIZER);
    const needLabel = so.metadata.labels?.[SCALEDOBJECT_NAME_LABEL] !== so.metadata.name;
    if (!needFinalizer && !needLabel) return false;
    if (needFinalizer) this.log.info("Adding Finalizer for the ScaledObject", { ScaledObject: key });
    try {
      this.ctx.store.mutate("ScaledObject", so.metadata.namespace, so.metadata.name!, (d) => {
        if (needFinalizer) d.metadata.finalizers = [...(d.metadata.finalizers ?? []), SCALEDOBJECT_FINALIZER];
        if (needLabel) d.metadata.labels = { ...(d.metadata.labels ?? {}), [SCALEDOBJECT_NAME_LABEL]: d.metadata.name! };
      });
      return true;
    } catch (e) {
      this.log.error("Failed to update ScaledObject with a finalizer", { ScaledObject: key, finalizer: SCALEDOBJECT_FINALIZER, error: (e as Error).message });
      return false;
    }
  }

  /** stopScaleLoop: no more polls, and the metrics server forgets the SO's scalers. */
  private stopScaleLoop(key: string): void {
    const s = this.states.get(key);
    if (s?.timer) this.ctx.clock.cancel(s.timer);
    this.states.delete(key);
  }

  /**
   * finalizeScaledObject (scaledobject_finalizer.go): stop the loop, restore
   * status.originalReplicaCount when advanced.restoreToOriginalReplicaCount is set, drop the
   * finalizer. The HPA is not deleted here: it is owned by the ScaledObject and goes with it (GC).
   */
  private finalize(key: string, so: KubeObject): void {
    this.stopScaleLoop(key);
    if (!(so.metadata.finalizers ?? []).includes(SCALEDOBJECT_FINALIZER)) return;
    const spec = so.spec as ScaledObjectSpec;
    const ns = so.metadata.namespace ?? "default";
    if (spec.advanced?.restoreToOriginalReplicaCount) this.restoreOriginalReplicas(key, so, spec, ns);
    try {
      this.ctx.store.mutate("ScaledObject", ns, so.metadata.name!, (d) => {
        d.metadata.finalizers = (d.metadata.finalizers ?? []).filter((f) => f !== SCALEDOBJECT_FINALIZER);
      });
    } catch (e) {
      this.log.error("Failed to update ScaledObject after removing a finalizer", { ScaledObject: key, finalizer: SCALEDOBJECT_FINALIZER, error: (e as Error).message });
      return;
    }
    this.log.info("Successfully finalized ScaledObject", { ScaledObject: key });
    this.ctx.events.record(so, "Warning", "ScaledObjectDeleted", "ScaledObject was deleted", KEDA_OPERATOR);
  }

  private restoreOriginalReplicas(key: string, so: KubeObject, spec: ScaledObjectSpec, ns: string): void {
    const original = so.status?.originalReplicaCount as number | undefined;
    // Without the GVKR the scaling was never initialised (e.g. created paused): nothing to restore.
    if (!so.status?.scaleTargetGVKR || original === undefined) {
      this.log.debug("Failed to restore scaleTarget's replica count back to the original, the scaling haven't been probably initialized yet.", { ScaledObject: key });
      return;
    }
    const target = effectiveSpec(spec).target;
    try {
      getScale(this.ctx.store, target, ns);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        this.log.debug("Failed to get scaleTarget's scale status, because it was probably deleted", { ScaledObject: key, error: (e as Error).message });
      } else {
        this.log.error("Failed to get scaleTarget's scale status from a finalizer", { ScaledObject: key, finalizer: SCALEDOBJECT_FINALIZER, error: (e as Error).message });
      }
      return;
    }
    try {
      updateScale(this.ctx.store, target, ns, original);
    } catch (e) {
      this.log.error("Failed to restore scaleTarget's replica count back to the original", { ScaledObject: key, finalizer: SCALEDOBJECT_FINALIZER, error: (e as Error).message });
    }
    // Upstream logs success even after a failed update.
    this.log.info("Successfully restored scaleTarget's replica count back to the original", { ScaledObject: key, replicaCount: original });
  }

  private reconcile(st: SoState, so: KubeObject, first: boolean): void {
    const spec = so.spec as ScaledObjectSpec;
    const eff = effectiveSpec(spec);
    const status = { ...(so.status ?? {}) };
    const conds = this.conditions(status);
    const wasReady = getCond(conds, "Ready").status;
    const ann = so.metadata.annotations ?? {};
    const pausedReplicas = ann[ANNOTATION_PAUSED_REPLICAS];
    // `paused` alone: the loop stops and the HPA goes before the target is even looked at.
    if (pausedReplicas === undefined && pausedByAnnotation(ann[ANNOTATION_PAUSED])) {
      this.pause(so, status, conds, wasReady);
      return;
    }
    status.scaleTargetKind = targetGvkString(spec.scaleTargetRef);
    const info = kindInfo(eff.target.kind);
    const [group, version] = eff.target.apiVersion.includes("/") ? eff.target.apiVersion.split("/") : ["", eff.target.apiVersion];
    status.scaleTargetGVKR = { group, version, kind: eff.target.kind, resource: info?.plural ?? `${eff.target.kind.toLowerCase()}s` };
    // Target must exist with a /scale subresource.
    let current: number;
    try {
      current = getScale(this.ctx.store, eff.target, st.ns).specReplicas;
    } catch (e) {
      const msg = `ScaledObject doesn't have correct scaleTargetRef specification`;
      setCond(conds, "Ready", { status: "False", reason: "ScaledObjectCheckFailed", message: msg });
      setCond(conds, "Active", { status: "Unknown", reason: "UnknownState", message: "ScaledObject check failed" });
      this.ctx.events.record(so, "Warning", "ScaledObjectCheckFailed", `${msg}: ${(e as Error).message}`, KEDA_OPERATOR);
      this.writeStatus(so, { ...status, conditions: conds });
      // Retry like a controller-runtime requeue.
      st.timer = this.ctx.clock.after(eff.pollingIntervalSec * 1000, () => this.retry(st));
      return;
    }
    // The target's replicas before KEDA first touched it: what restoreToOriginalReplicaCount restores.
    if (status.originalReplicaCount === undefined) status.originalReplicaCount = current;
    if (pausedReplicas !== undefined) {
      const n = parseInt(pausedReplicas, 10);
      if (Number.isInteger(n) && n >= 0) {
        if (n !== current) updateScale(this.ctx.store, eff.target, st.ns, n);
        status.pausedReplicaCount = n;
      }
      this.pause(so, status, conds, wasReady);
      return;
    }
    if (ann[ANNOTATION_PAUSED] === undefined) delete status.pausedReplicaCount;
    // Only a pause that actually happened is undone; a never-paused SO keeps Paused Unknown.
    if (getCond(conds, "Paused").status === "True") {
      setCond(conds, "Paused", { status: "False", reason: "ScaledObjectUnpaused", message: "pause annotation removed for ScaledObject" });
    }
    // Scalers.
    try {
      st.scalers = spec.triggers.map((t, i) => buildScaler(i, t, this.version));
      const names = new Set<string>();
      for (const s of st.scalers) {
        if (s.resource) continue;
        if (names.has(s.metricName)) throw new Error(`metricName ${s.metricName} defined multiple times in ScaledObject ${st.name}, please refer the documentation how to define metricName manually`);
        names.add(s.metricName);
      }
      const sm = spec.advanced?.scalingModifiers;
      st.formula = sm?.formula ? compileFormula(sm.formula) : undefined;
    } catch (e) {
      const msg = (e as Error).message;
      st.buildError = msg;
      setCond(conds, "Ready", { status: "False", reason: "ScaledObjectCheckFailed", message: "ScaledObject doesn't have correct triggers specification" });
      setCond(conds, "Active", { status: "Unknown", reason: "UnknownState", message: "ScaledObject check failed" });
      this.ctx.events.record(so, "Warning", "ScaledObjectCheckFailed", msg, KEDA_OPERATOR);
      this.log.error(msg, { ScaledObject: st.key });
      this.writeStatus(so, { ...status, conditions: conds });
      return;
    }
    status.externalMetricNames = st.scalers.filter((s) => !s.resource).map((s) => s.metricName);
    const rn = st.scalers.filter((s) => s.resource).map((s) => s.metricName);
    if (rn.length) status.resourceMetricNames = rn;
    else delete status.resourceMetricNames;
    if (st.formula) status.compositeScalerName = COMPOSITE_METRIC_NAME;
    status.hpaName = hpaNameOf(so);
    status.triggersTypes = [...new Set(spec.triggers.map((t) => t.type))].join(",");
    status.authenticationsTypes = [...new Set(spec.triggers.flatMap((t) => (t.authenticationRef?.name ? [t.authenticationRef.name] : [])))].join(",");
    if (getCond(conds, "Fallback").status === "Unknown") setCond(conds, "Fallback", { status: "False", reason: "NoFallbackFound", message: "No fallbacks are active on this scaled object" });
    this.ensureHpa(so, st.scalers);
    if (first) this.ctx.events.record(so, "Normal", "KEDAScalersStarted", `Scaler ${[...new Set(spec.triggers.map((t) => t.type))].join(", ")} is built.`, KEDA_OPERATOR);
    if (wasReady !== "True") this.ctx.events.record(so, "Normal", "ScaledObjectReady", "ScaledObject is ready for scaling", KEDA_OPERATOR);
    setCond(conds, "Ready", COND.ready);
    const cur = this.writeStatus(so, { ...status, conditions: conds }) ?? so;
    // The scale loop: check at once, then every pollingInterval.
    const poll = () => {
      if (this.states.get(st.key) !== st) return;
      this.checkScalers(st);
      st.timer = this.ctx.clock.after(eff.pollingIntervalSec * 1000, poll);
    };
    void cur;
    poll();
  }

  /**
   * The paused branch of reconcileScaledObject: loop stopped (the caller's fresh state has no timer),
   * HPA deleted, Paused True. The reconcile still succeeds, so Ready carries the pause message.
   */
  private pause(so: KubeObject, status: Record<string, unknown>, conds: Cond[], wasReady: string): void {
    this.deleteHpa(so);
    setCond(conds, "Paused", { status: "True", reason: "ScaledObjectPaused", message: "ScaledObject is paused" });
    setCond(conds, "Ready", { ...COND.ready, message: "ScaledObject is paused" });
    if (wasReady !== "True") this.ctx.events.record(so, "Normal", "ScaledObjectReady", "ScaledObject is ready for scaling", KEDA_OPERATOR);
    this.writeStatus(so, { ...status, conditions: conds });
  }

  private retry(st: SoState): void {
    if (this.states.get(st.key) !== st) return;
    const so = this.ctx.store.get("ScaledObject", st.ns, st.name);
    if (so) this.reconcile(st, so, true);
  }

  private ensureHpa(so: KubeObject, scalers: Scaler[]): void {
    const want = buildHpa(so, scalers);
    const cur = this.ctx.store.get("HorizontalPodAutoscaler", so.metadata.namespace, want.metadata.name!);
    if (!cur) {
      this.ctx.store.create(want);
      this.log.info("Creating a new HPA", { HPA: `${so.metadata.namespace}/${want.metadata.name}` });
      return;
    }
    if (deepEqual(cur.spec, want.spec) && deepEqual(cur.metadata.labels, want.metadata.labels)) return;
    this.ctx.store.mutate("HorizontalPodAutoscaler", so.metadata.namespace, want.metadata.name!, (d) => {
      d.spec = want.spec;
      d.metadata.labels = want.metadata.labels;
      if (want.metadata.annotations) d.metadata.annotations = want.metadata.annotations;
    });
    this.log.info("Updated HPA according to ScaledObject", { HPA: `${so.metadata.namespace}/${want.metadata.name}` });
  }

  private deleteHpa(so: KubeObject): void {
    const name = hpaNameOf(so);
    if (this.ctx.store.get("HorizontalPodAutoscaler", so.metadata.namespace, name)) this.ctx.store.delete("HorizontalPodAutoscaler", so.metadata.namespace, name);
  }

  /** Scaler inputs: calendar time, and scenario series (metric feeds) of the SO's namespace by name. */
  private env(namespace: string): ScalerEnv {
    return {
      nowUtcMs: this.ctx.clock.epochMs + this.ctx.clock.now(),
      series: (name) => {
        if (!this.next) throw new Error(`no series ${name}`);
        return this.next.externalMetric(namespace, name).map((v) => v.valueMilli / 1000);
      },
      queues: this.ctx.services.get(QUEUES_SERVICE) as QueuesApi | undefined,
    };
  }

  /** scale_handler checkScalers + executor RequestScale for one poll. */
  private checkScalers(st: SoState): void {
    const so = this.ctx.store.get("ScaledObject", st.ns, st.name);
    if (!so) return;
    const spec = so.spec as ScaledObjectSpec;
    const eff = effectiveSpec(spec);
    const env = this.env(st.ns);
    let isActive = false;
    let isError = false;
    const activeTriggers: string[] = [];
    const activity: Record<string, { isActive: boolean }> = {};
    const values: Record<string, number> = {};
    const health: Record<string, { numberOfFailures: number; status: string }> = { ...(so.status?.health ?? {}) };
    let allResource = st.scalers.length > 0;
    for (const s of st.scalers) {
      if (!s.resource) allResource = false;
      try {
        const r = s.getMetricsAndActivity(env);
        if (!s.resource) {
          st.cache.set(s.metricName, r.value);
          if (s.triggerName) values[s.triggerName] = r.value;
        }
        if (r.active && !st.formula) {
          isActive = true;
          activeTriggers.push(s.metricName);
        }
        activity[s.triggerName ?? s.metricName] = { isActive: r.active };
      } catch (e) {
        isError = true;
        this.log.error("error getting scale decision", { scaledObject: st.key, scaler: s.type, error: (e as Error).message });
        this.ctx.events.record(so, "Warning", "KEDAScalerFailed", (e as Error).message, KEDA_OPERATOR);
      }
    }
    if (st.formula) {
      try {
        const v = Number(st.formula.evaluate(values));
        const act = Number(spec.advanced?.scalingModifiers?.activationTarget ?? 0);
        st.cache.set(COMPOSITE_METRIC_NAME, v);
        if (v > act) {
          isActive = true;
          activeTriggers.push(COMPOSITE_METRIC_NAME);
        }
      } catch (e) {
        isError = true;
        this.log.error("error evaluating scalingModifiers formula", { scaledObject: st.key, error: (e as Error).message });
      }
    }
    if (allResource && !isError) isActive = true;
    let current = 0;
    try {
      current = getScale(this.ctx.store, eff.target, st.ns).specReplicas;
    } catch (e) {
      this.log.error("Error getting information on the current Scale", { error: (e as Error).message });
      return;
    }
    const lastActive = so.status?.lastActiveTime ? this.ctx.clock.parseIso(so.status.lastActiveTime) : undefined;
    const ann = so.metadata.annotations ?? {};
    const d = requestScale({
      isActive,
      isError,
      forceActivation: ann[ANNOTATION_FORCE_ACTIVATION] === "true",
      currentReplicas: current,
      minReplicaCount: eff.minReplicaCount,
      idleReplicaCount: eff.idleReplicaCount,
      hasFallback: spec.fallback !== undefined && spec.fallback !== null,
      fallbackReplicas: spec.fallback?.replicas,
      lastActiveTime: lastActive,
      creationTime: this.ctx.clock.parseIso(so.metadata.creationTimestamp!),
      cooldownPeriodSec: eff.cooldownPeriodSec,
      initialCooldownPeriodSec: eff.initialCooldownPeriodSec,
      now: this.ctx.clock.now(),
    });
    const kind = targetGvkString(spec.scaleTargetRef);
    const a = d.action;
    let touch = d.touchLastActive;
    if (a.kind !== "none") {
      try {
        updateScale(this.ctx.store, eff.target, st.ns, a.replicas);
        if (a.kind === "activate") {
          this.log.info("Successfully updated ScaleTarget", { scaledobject: st.key, "Original Replicas Count": current, "New Replicas Count": a.replicas });
          const msg = ann[ANNOTATION_FORCE_ACTIVATION] === "true" && !isActive
            ? `Scaled ${kind} ${st.ns}/${eff.target.name} from ${current} to ${a.replicas}, caused by forced activation annotation`
            : `Scaled ${kind} ${st.ns}/${eff.target.name} from ${current} to ${a.replicas}, triggered by ${activeTriggers.join(";")}`;
          this.ctx.events.record(so, "Normal", "KEDAScaleTargetActivated", msg, KEDA_OPERATOR);
        } else if (a.kind === "deactivate") {
          this.log.info(`Successfully set ScaleTarget replicas count to ScaledObject ${a.idle ? "idleReplicaCount" : "minReplicaCount"}`, { scaledobject: st.key, "Original Replicas Count": current, "New Replicas Count": a.replicas });
          this.ctx.events.record(so, "Normal", "KEDAScaleTargetDeactivated", `Deactivated ${kind} ${st.ns}/${eff.target.name} from ${current} to ${a.replicas}`, KEDA_OPERATOR);
        } else {
          this.log.info("Successfully set ScaleTarget replicas count to ScaledObject minReplicaCount", { scaledobject: st.key, "Original Replicas Count": current, "New Replicas Count": a.replicas });
        }
      } catch (e) {
        touch = false;
        const verb = a.kind === "activate" ? "Failed to scaled" : "Failed to deactivate";
        this.ctx.events.record(so, "Warning", a.kind === "activate" ? "KEDAScaleTargetActivationFailed" : "KEDAScaleTargetDeactivationFailed", `${verb} ${kind} ${st.ns}/${eff.target.name} from ${current} to ${a.replicas}`, KEDA_OPERATOR);
        this.log.error((e as Error).message, { scaledobject: st.key });
      }
    }
    const status = { ...(so.status ?? {}) };
    const conds = this.conditions(status);
    if (d.ready) setCond(conds, "Ready", d.ready);
    if (d.active) setCond(conds, "Active", d.active);
    if (touch) status.lastActiveTime = this.ctx.clock.iso();
    status.triggersActivity = activity;
    if (Object.keys(health).length) status.health = health;
    this.writeStatus(so, { ...status, conditions: conds });
  }

  private conditions(status: Record<string, any>): Cond[] {
    const base: Cond[] = ["Ready", "Active", "Fallback", "Paused"].map((type) => ({ type, status: "Unknown", reason: "", message: "" }) as Cond);
    for (const c of (status.conditions ?? []) as Cond[]) {
      const i = base.findIndex((b) => b.type === c.type);
      if (i >= 0) base[i] = { ...c };
      else base.push({ ...c });
    }
    return base;
  }

  private writeStatus(so: KubeObject, status: Record<string, unknown>): KubeObject | undefined {
    const cur = this.ctx.store.get("ScaledObject", so.metadata.namespace, so.metadata.name!);
    if (!cur) return undefined;
    const conds = (status.conditions as Cond[]).map((c) => {
      const o: Record<string, string> = { type: c.type, status: c.status };
      if (c.reason) o.reason = c.reason;
      if (c.message) o.message = c.message;
      return o;
    });
    const next = { ...status, conditions: conds };
    if (deepEqual(cur.status, next)) return cur;
    return this.ctx.store.setStatus(cur, next);
  }

  // ------------------------------------------------------------------------ metrics server

  externalMetric(namespace: string, name: string, metricSelector?: Selector): MetricValue[] {
    const soName = metricSelector ? soNameOf(metricSelector) : undefined;
    const st = soName !== undefined ? this.states.get(`${namespace}/${soName}`) : undefined;
    if (!st) {
      if (this.next) return this.next.externalMetric(namespace, name, metricSelector);
      throw new Error(`no metrics returned from external metrics API`);
    }
    const now = this.ctx.clock.now();
    const so = this.ctx.store.get("ScaledObject", st.ns, st.name);
    if (!so) throw new Error(`scaledobjects.keda.sh "${st.name}" not found`);
    const spec = so.spec as ScaledObjectSpec;
    const env = this.env(st.ns);
    if (name === COMPOSITE_METRIC_NAME && st.formula) {
      const values: Record<string, number> = {};
      for (const s of st.scalers) {
        if (s.resource || !s.triggerName) continue;
        values[s.triggerName] = s.useCachedMetrics && st.cache.has(s.metricName) ? st.cache.get(s.metricName)! : s.getMetricsAndActivity(env).value;
      }
      return [{ valueMilli: toMilli(Number(st.formula.evaluate(values))), timestamp: now }];
    }
    const s = st.scalers.find((x) => !x.resource && x.metricName === name);
    if (!s) throw new Error(`no matching metrics found for ${name}`);
    let value: number;
    try {
      value = s.useCachedMetrics && st.cache.has(name) ? st.cache.get(name)! : s.getMetricsAndActivity(env).value;
      this.recordHealth(st, so, name, true);
    } catch (e) {
      const failures = this.recordHealth(st, so, name, false);
      // fallback.behavior arrived in 2.17 (kedacore/keda#6464; older CRDs prune it → static) and
      // fallback on Value targets in 2.18 (#6655; before it, only AverageValue falls back).
      const f = spec.fallback && !versionAtLeast(this.version, "2.17.0") ? { ...spec.fallback, behavior: undefined } : spec.fallback;
      const targetTypeOk = s.metricType === "Value" ? versionAtLeast(this.version, "2.18.0") : s.metricType !== "Utilization";
      if (f && targetTypeOk && fallbackActive(failures, f.failureThreshold)) {
        let current = 0;
        try {
          current = getScale(this.ctx.store, effectiveSpec(spec).target, st.ns).statusReplicas;
        } catch {
          /* keep 0 */
        }
        this.setFallback(st, so, true);
        return [{ valueMilli: toMilli(fallbackValue(f, s.metricType === "Value" ? "Value" : "AverageValue", s.target, current)), timestamp: now }];
      }
      throw e;
    }
    this.setFallback(st, so, false);
    // Metric values are reported at milli precision; NaN/Inf/negative are not reported (0).
    return [{ valueMilli: Number.isFinite(value) && value > 0 ? toMilli(value) : 0, timestamp: now }];
  }

  private recordHealth(st: SoState, so: KubeObject, metric: string, ok: boolean): number {
    const n = ok ? 0 : (st.failures.get(metric) ?? 0) + 1;
    st.failures.set(metric, n);
    if (!so.spec?.fallback) return n;
    const health = { ...(so.status?.health ?? {}), [metric]: { numberOfFailures: n, status: ok ? "Happy" : "Failing" } };
    if (!deepEqual(so.status?.health, health)) this.ctx.store.setStatus(so, { ...(so.status ?? {}), health });
    return n;
  }

  private setFallback(st: SoState, so0: KubeObject, on: boolean): void {
    if (st.fallbackOn === on) return;
    st.fallbackOn = on;
    const so = this.ctx.store.get("ScaledObject", st.ns, st.name) ?? so0;
    const status = { ...(so.status ?? {}) };
    const conds = this.conditions(status);
    setCond(
      conds,
      "Fallback",
      on
        ? { status: "True", reason: "FallbackExists", message: "At least one trigger is falling back on this scaled object" }
        : { status: "False", reason: "NoFallbackFound", message: "No fallbacks are active on this scaled object" },
    );
    this.writeStatus(so, { ...status, conditions: conds });
    this.ctx.events.record(
      so,
      on ? "Warning" : "Normal",
      on ? "ScaledObjectFallbackActivated" : "ScaledObjectFallbackDeactivated",
      on ? "Scaled object fallback is activated" : "Scaled object fallback is deactivated",
      KEDA_OPERATOR,
    );
  }
}

/** NeedToBePausedByAnnotation for `autoscaling.keda.sh/paused`: strconv.ParseBool, and a value that is not a bool pauses. */
function pausedByAnnotation(v: string | undefined): boolean {
  if (v === undefined) return false;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return true;
}

function soNameOf(sel: Selector): string | undefined {
  for (const [k, v] of sel.equalities()) if (k === SCALEDOBJECT_NAME_LABEL) return v;
  return undefined;
}

/** resource.NewMilliQuantity(int64(v*1000)): truncated milli value. */
function toMilli(v: number): number {
  return Math.trunc(v * 1000 + (v >= 0 ? 1e-9 : -1e-9));
}

function getCond(conds: Cond[], type: string): Cond {
  return conds.find((c) => c.type === type) ?? { type, status: "Unknown", reason: "", message: "" };
}

function setCond(conds: Cond[], type: string, c: Condition): void {
  const i = conds.findIndex((x) => x.type === type);
  const v = { type, ...c };
  if (i >= 0) conds[i] = v;
  else conds.push(v);
}
