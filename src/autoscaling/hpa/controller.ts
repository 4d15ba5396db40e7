/**
 * The horizontal-pod-autoscaler controller of kube-controller-manager (1.32) on the simulated cluster.
 * Thin reconciler: it gathers the inputs of `reconcileHpa` from the store (HPA, scale subresource,
 * pods) and the metrics services, and writes back the scale, the HPA status, events and log lines.
 *
 * Timing (hpa.md §2): every HPA key sits in a work queue whose delay is always the sync period
 * (15 s); adds, updates and each finished reconcile re-add the key with that delay, so a new HPA is
 * first evaluated 15 s after creation and then every 15 s. History (recommendations, scale events)
 * lives here in memory and is dropped when the HPA is deleted.
 */
import { WorkQueue, type Controller, type ControllerContext, type Logger } from "../../api/controller.js";
import { isApiError } from "../../api/errors.js";
import type { KubeObject } from "../../api/meta.js";
import type { WatchEvent } from "../../api/store.js";
import { Selector } from "../../core/labels.js";
import { cpuMilli, parseQuantity } from "../../core/quantity.js";
import { getScale, updateScale } from "../../cluster/scale.js";
import {
  CUSTOM_METRICS_SERVICE,
  EXTERNAL_METRICS_SERVICE,
  RESOURCE_METRICS_SERVICE,
  type CustomMetricsApi,
  type ExternalMetricsApi,
  type PodMetrics,
  type ResourceMetricsApi,
} from "../../metrics/api.js";
import {
  DEFAULT_HPA_CONFIG,
  newHistory,
  reconcileHpa,
  type HpaConfig,
  type HpaHistory,
  type HpaMetricsClient,
  type HpaSpec,
  type HpaStatus,
  type ReconcileResult,
  type ScaleInfo,
} from "./reconcile.js";
import type { HpaPod, PodMetricsInfo, RawPodResourceMetrics } from "./replicas.js";

export const HPA_CONTROLLER_NAME = "horizontal-pod-autoscaler";

export interface HpaControllerOptions {
  /** --horizontal-pod-autoscaler-sync-period, default 15 s. */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-tolerance, default 0.1. */
  tolerance?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization, default 5 min. */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period, default 5 min. */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay, default 30 s. */
  initialReadinessDelayMs?: number;
  /** HPAConfigurableTolerance feature gate (off in 1.32). */
  configurableTolerance?: boolean;
  /** ≤ v1.32 symmetric tolerance test `|1 − ratio| <= tolerance` (hpa.md §4.9 prescribes the bounds form). */
  absoluteTolerance?: boolean;
}

/** CPU usage as the HPA reads it: MilliValue() of a nano-core quantity = ceil(nanocores / 1e6). */
export function cpuMilliFromFloat(cpuMilliFloat: number): number {
  const nano = Math.round(cpuMilliFloat * 1e6);
  return Math.ceil(nano / 1e6);
}

/** Converts a stored Pod into the facts the HPA uses (cached per stored object version). */
export function hpaPodOf(pod: KubeObject, parseTime: (iso: string) => number): HpaPod {
  const st = pod.status ?? {};
  const readyCond = (st.conditions as Array<{ type: string; status: string; lastTransitionTime?: string }> | undefined)?.find((c) => c.type === "Ready");
  const containers: HpaPod["containers"] = [];
  const addContainer = (c: any) => {
    const req: Record<string, string | number> | undefined = c.resources?.requests;
    const requestsMilli: Record<string, number | undefined> = {};
    if (req) {
      for (const [k, v] of Object.entries(req)) requestsMilli[k] = k === "cpu" ? cpuMilli(v) : parseQuantity(v).milliValue();
    }
    containers.push({ name: c.name, requestsMilli });
  };
  for (const c of pod.spec?.containers ?? []) addContainer(c);
  for (const c of pod.spec?.initContainers ?? []) if (c.restartPolicy === "Always") addContainer(c);
  const out: HpaPod = {
    name: pod.metadata.name!,
    phase: st.phase ?? "Pending",
    deleted: pod.metadata.deletionTimestamp !== undefined,
    startTime: st.startTime ? parseTime(st.startTime) : undefined,
    ready: readyCond
      ? {
          status: readyCond.status === "True" ? "True" : readyCond.status === "False" ? "False" : "Unknown",
          lastTransitionTime: readyCond.lastTransitionTime ? parseTime(readyCond.lastTransitionTime) : Number.NEGATIVE_INFINITY,
        }
      : undefined,
    containers,
  };
  const podReq = pod.spec?.resources?.requests as Record<string, string | number> | undefined;
  if (podReq) {
    out.podRequestsMilli = {};
    for (const [k, v] of Object.entries(podReq)) out.podRequestsMilli[k] = k === "cpu" ? cpuMilli(v) : parseQuantity(v).milliValue();
  }
  return out;
}

/** PodMetrics (metrics.k8s.io) reduced to one resource in milli-units. */
export function rawResourceMetrics(items: readonly PodMetrics[], resource: string): RawPodResourceMetrics[] {
  return items.map((m) => ({
    name: m.name,
    timestamp: m.timestamp,
    windowMs: m.windowMs,
    containers: m.containers.map((c) => ({
      name: c.name,
      milli: resource === "cpu" ? cpuMilliFromFloat(c.cpuMilli) : resource === "memory" ? Math.ceil(c.memoryBytes * 1000) : undefined,
    })),
  }));
}

export class HpaController implements Controller {
  readonly name = HPA_CONTROLLER_NAME;
  private readonly syncPeriodMs: number;
  private readonly config: HpaConfig;
  private ctx!: ControllerContext;
  private log!: Logger;
  private queue!: WorkQueue;
  private unwatch: (() => void) | undefined;
  private stopped = false;
  private readonly histories = new Map<string, HpaHistory>();
  /** namespace → HPA name → registered selector (Selector.nothing until the first reconcile). */
  private readonly selectors = new Map<string, Map<string, Selector>>();
  /** Selector → its equality requirements (selectors are immutable). */
  private readonly equalityKeys = new WeakMap<Selector, Array<[string, string]>>();
  private readonly lastResults = new Map<string, ReconcileResult>();
  private readonly podCache = new WeakMap<KubeObject, HpaPod>();

  constructor(opts: HpaControllerOptions = {}) {
    this.syncPeriodMs = opts.syncPeriodMs ?? 15_000;
    this.config = {
      ...DEFAULT_HPA_CONFIG,
      tolerance: opts.tolerance ?? DEFAULT_HPA_CONFIG.tolerance,
      downscaleStabilizationMs: opts.downscaleStabilizationMs ?? DEFAULT_HPA_CONFIG.downscaleStabilizationMs,
      cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs ?? DEFAULT_HPA_CONFIG.cpuInitializationPeriodMs,
      initialReadinessDelayMs: opts.initialReadinessDelayMs ?? DEFAULT_HPA_CONFIG.initialReadinessDelayMs,
      configurableTolerance: opts.configurableTolerance === true,
      absoluteTolerance: opts.absoluteTolerance === true,
    };
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.log = ctx.logs.logger(HPA_CONTROLLER_NAME);
    this.queue = new WorkQueue(ctx.clock, (key) => this.sync(key));
    this.unwatch = ctx.store.watch("HorizontalPodAutoscaler", (ev) => this.onHpa(ev));
    for (const h of ctx.store.list("HorizontalPodAutoscaler")) this.onHpa({ type: "ADDED", object: h });
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
  }

  /** The last reconcile outcome of an HPA (`ns/name`): proposal, normalization, reason — for reports. */
  lastResult(key: string): ReconcileResult | undefined {
    return this.lastResults.get(key);
  }

  /** The in-memory history of an HPA (`ns/name`), if any. */
  history(key: string): HpaHistory | undefined {
    return this.histories.get(key);
  }

  private onHpa(ev: WatchEvent): void {
    const ns = ev.object.metadata.namespace ?? "default";
    const name = ev.object.metadata.name!;
    const key = `${ns}/${name}`;
    if (ev.type === "DELETED") {
      this.queue.forget(key);
      this.histories.delete(key);
      this.lastResults.delete(key);
      this.selectors.get(ns)?.delete(name);
      return;
    }
    let m = this.selectors.get(ns);
    if (!m) this.selectors.set(ns, (m = new Map()));
    if (!m.has(name)) m.set(name, Selector.nothing);
    this.queue.add(key, this.syncPeriodMs);
  }

  private sync(key: string): void {
    if (this.stopped) return;
    const slash = key.indexOf("/");
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const hpa = this.ctx.store.get("HorizontalPodAutoscaler", ns, name);
    if (!hpa) {
      this.histories.delete(key);
      return;
    }
    try {
      this.reconcile(hpa, key, ns, name);
    } catch (e) {
      // A bug must not stop the simulated cluster: log it like utilruntime.HandleError and retry.
      this.log.error(`"Unhandled Error" err=${JSON.stringify(e instanceof Error ? e.message : String(e))}`);
    } finally {
      this.queue.add(key, this.syncPeriodMs);
    }
  }

  private reconcile(hpa: KubeObject, key: string, ns: string, name: string): void {
    const { store, clock } = this.ctx;
    const spec = hpa.spec as HpaSpec;
    let history = this.histories.get(key);
    if (!history) this.histories.set(key, (history = newHistory()));

    let scale: ScaleInfo | { error: string };
    try {
      scale = getScale(store, spec.scaleTargetRef, ns);
    } catch (e) {
      scale = { error: isApiError(e) || e instanceof Error ? e.message : String(e) };
    }

    const parseTime = (s: string) => clock.parseIso(s);
    // hpasSelecting and listPods ask for the same selector within one reconcile, with no write in
    // between: list the pods once.
    let listed: { sel: Selector; pods: KubeObject[] } | undefined;
    const podsOf = (sel: Selector): KubeObject[] => {
      if (listed?.sel !== sel) listed = { sel, pods: store.list("Pod", { namespace: ns, labelSelector: sel }) };
      return listed.pods;
    };
    const listPods = (sel: Selector): HpaPod[] => {
      const out: HpaPod[] = [];
      for (const p of podsOf(sel)) {
        let hp = this.podCache.get(p);
        if (!hp) this.podCache.set(p, (hp = hpaPodOf(p, parseTime)));
        out.push(hp);
      }
      return out;
    };

    const result = reconcileHpa({
      namespace: ns,
      name,
      spec,
      status: hpa.status as HpaStatus | undefined,
      scale,
      history,
      config: this.config,
      now: clock.now(),
      nowIso: clock.iso(),
      env: {
        listPods,
        metrics: this.metricsClient(ns),
        hpasSelecting: (sel) => this.hpasSelecting(ns, name, sel, podsOf),
        updateScale: (n) => updateScale(store, spec.scaleTargetRef, ns, n),
      },
    });
    this.lastResults.set(key, result);

    // Status first (as upstream: status update after the scale write; events are recorded on the way).
    for (const e of result.events) this.ctx.events.record(hpa, e.type, e.reason, e.message, HPA_CONTROLLER_NAME);
    if (result.statusChanged) {
      const cur = store.get("HorizontalPodAutoscaler", ns, name);
      if (cur) {
        try {
          store.setStatus(cur, result.status);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          this.ctx.events.record(hpa, "Warning", "FailedUpdateStatus", msg, HPA_CONTROLLER_NAME);
          this.log.error(`"Unhandled Error" err="failed to update status for ${name}: ${msg}"`);
        }
      }
    }
    for (const l of result.logs) {
      if (l.level === "error") this.log.error(`"Unhandled Error" err=${JSON.stringify(l.message)}`);
      else if (l.level === "info") this.log.info(l.message);
      else this.log.debug(l.message);
    }
  }

  /** hpasControllingPodsUnderSelector: every HPA of the namespace whose selector selects one of the pods. */
  private hpasSelecting(ns: string, self: string, sel: Selector, podsOf: (sel: Selector) => KubeObject[]): string[] {
    const m = this.selectors.get(ns);
    if (!m) return [];
    m.set(self, sel);
    if (m.size < 2) return [`${ns}/${self}`];
    const pods = podsOf(sel);
    // The label pairs the pods carry (key → values): a selector with an equality on a pair none of
    // them has cannot select any of them (skips the per-pod matching for the usual disjoint HPAs).
    const present = new Map<string, Set<string>>();
    for (const p of pods) {
      const labels = p.metadata.labels;
      if (!labels) continue;
      for (const k in labels) {
        let vs = present.get(k);
        if (!vs) present.set(k, (vs = new Set()));
        vs.add(labels[k]!);
      }
    }
    const found = new Set<string>();
    for (const [other, s] of m) {
      let eqs = this.equalityKeys.get(s);
      if (!eqs) this.equalityKeys.set(s, (eqs = s.equalities()));
      let possible = true;
      for (const [k, v] of eqs) {
        if (!present.get(k)?.has(v)) {
          possible = false;
          break;
        }
      }
      if (!possible) continue;
      for (const p of pods) {
        if (s.matches(p.metadata.labels)) {
          found.add(`${ns}/${other}`);
          break;
        }
      }
    }
    return [...found].sort();
  }

  private metricsClient(ns: string): HpaMetricsClient {
    const services = this.ctx.services;
    return {
      resourceMetrics: (resource, selector) => {
        const api = services.get(RESOURCE_METRICS_SERVICE) as ResourceMetricsApi | undefined;
        if (!api) throw new Error("the server could not find the requested resource (get pods.metrics.k8s.io)");
        return rawResourceMetrics(api.podMetrics(ns, selector), resource);
      },
      podsMetric: (metric, selector, metricSelector) => {
        const api = services.get(CUSTOM_METRICS_SERVICE) as CustomMetricsApi | undefined;
        if (!api) throw new Error("no custom metrics API (custom.metrics.k8s.io) registered");
        const out: PodMetricsInfo = new Map();
        for (const [pod, v] of api.podMetrics(ns, selector, metric, metricSelector)) {
          out.set(pod, { value: v.valueMilli, timestamp: v.timestamp, windowMs: v.windowMs ?? 60_000 });
        }
        return out;
      },
      objectMetric: (metric, object, metricSelector) => {
        const api = services.get(CUSTOM_METRICS_SERVICE) as CustomMetricsApi | undefined;
        if (!api) throw new Error("no custom metrics API (custom.metrics.k8s.io) registered");
        return api.objectMetric(ns, object, metric, metricSelector).valueMilli;
      },
      externalMetric: (metric, metricSelector) => {
        const api = services.get(EXTERNAL_METRICS_SERVICE) as ExternalMetricsApi | undefined;
        if (!api) throw new Error(`the server could not find the requested resource (get ${metric}.external.metrics.k8s.io)`);
        return api.externalMetric(ns, metric, metricSelector).map((v) => v.valueMilli);
      },
    };
  }
}
