/**
 * Scenario-fed custom.metrics.k8s.io and external.metrics.k8s.io: what a Prometheus adapter or a
 * KEDA metrics server would serve, driven by the scenario's `metrics` section. Each feed's value is
 * its profile at the current virtual time (profile origin t = 0; the `rps` fields carry the value).
 *
 * Errors read like the HPA controller's when the API returns nothing
 * (pkg/controller/podautoscaler/metrics/client.go + replica_calculator.go).
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import type { Clock } from "../core/clock.js";
import type { Selector } from "../core/labels.js";
import type { Store } from "../api/store.js";
import type { MetricFeedSpec } from "../scenario/types.js";
import { rate } from "../workload/profiles.js";
import {
  CUSTOM_METRICS_SERVICE,
  EXTERNAL_METRICS_SERVICE,
  type CustomMetricsApi,
  type ExternalMetricsApi,
  type MetricValue,
} from "./api.js";

export class MetricFeeds implements Controller, CustomMetricsApi, ExternalMetricsApi {
  readonly name = "metric-feeds";
  private clock: Clock | undefined;
  private store: Store | undefined;

  constructor(private readonly feeds: readonly MetricFeedSpec[] = []) {}

  start(ctx: ControllerContext): void {
    this.clock = ctx.clock;
    this.store = ctx.store;
    ctx.services.set(CUSTOM_METRICS_SERVICE, this);
    ctx.services.set(EXTERNAL_METRICS_SERVICE, this);
  }

  externalMetric(namespace: string, name: string, metricSelector?: Selector): MetricValue[] {
    const now = this.now();
    const out: MetricValue[] = [];
    for (const f of this.feeds) {
      if (f.type !== "External" || f.name !== name) continue;
      if (f.namespace !== undefined && f.namespace !== namespace) continue;
      if (metricSelector && !metricSelector.matches(f.labels ?? {})) continue;
      out.push({ valueMilli: toMilli(rate(f.profile, now)), timestamp: now });
    }
    if (out.length === 0) {
      throw new Error(
        `unable to get external metric ${namespace}/${name}/${goLabelSelector(metricSelector)}: no metrics returned from external metrics API`,
      );
    }
    return out;
  }

  podMetrics(namespace: string, selector: Selector, name: string, metricSelector?: Selector): Map<string, MetricValue> {
    const now = this.now();
    const feed = this.feeds.find(
      (f) =>
        f.type === "Pods" &&
        f.name === name &&
        (f.namespace === undefined || f.namespace === namespace) &&
        (!metricSelector || metricSelector.matches(f.labels ?? {})),
    );
    const out = new Map<string, MetricValue>();
    if (feed && this.store) {
      const v = toMilli(rate(feed.profile, now));
      for (const p of this.store.list("Pod", { namespace, labelSelector: selector })) {
        if (p.metadata.deletionTimestamp || p.status?.phase !== "Running") continue;
        // An adapter's rate() over Prometheus samples: 60 s window by default.
        out.set(p.metadata.name!, { valueMilli: v, timestamp: now, windowMs: 60_000 });
      }
    }
    if (out.size === 0) {
      throw new Error(`unable to get metric ${name}: unable to fetch metrics from custom metrics API: no metrics returned from custom metrics API`);
    }
    return out;
  }

  objectMetric(namespace: string, object: { kind: string; name: string; apiVersion?: string }, name: string, metricSelector?: Selector): MetricValue {
    const now = this.now();
    const feed = this.feeds.find(
      (f) =>
        f.type === "Object" &&
        f.name === name &&
        f.object?.kind === object.kind &&
        f.object.name === object.name &&
        (f.namespace === undefined || object.kind === "Namespace" || f.namespace === namespace) &&
        (!metricSelector || metricSelector.matches(f.labels ?? {})),
    );
    if (!feed) {
      throw new Error(
        `unable to get metric ${name}: ${object.kind} on ${namespace} ${object.name}/unable to fetch metrics from custom metrics API: the server could not find the metric ${name} for ${resourceOf(object.kind)} ${object.name}`,
      );
    }
    return { valueMilli: toMilli(rate(feed.profile, now)), timestamp: now };
  }

  private now(): number {
    return this.clock?.now() ?? 0;
  }
}

/** Quantity.MilliValue() of a float value (rounded up; float noise like 0.1·1000 removed first). */
export function toMilli(v: number): number {
  const x = v * 1000;
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}

/**
 * `%+v` of a *metav1.LabelSelector as the HPA prints it in errors: equality requirements become
 * MatchLabels, the rest MatchExpressions; undefined → "nil".
 */
export function goLabelSelector(sel: Selector | undefined): string {
  if (!sel) return "nil";
  const labels: Array<[string, string]> = [];
  const exprs: string[] = [];
  for (const r of sel.requirements) {
    if (r.op === "=" || r.op === "==") labels.push([r.key, r.values[0]!]);
    else {
      const op = r.op === "!=" ? "NotIn" : r.op;
      exprs.push(`LabelSelectorRequirement{Key:${r.key},Operator:${op},Values:[${r.values.join(" ")}],}`);
    }
  }
  labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const ml = labels.map(([k, v]) => `${k}: ${v},`).join("");
  return `&LabelSelector{MatchLabels:map[string]string{${ml}},MatchExpressions:[]LabelSelectorRequirement{${exprs.map((e) => e + ",").join("")}},}`;
}

function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
  const plural = k.endsWith("s") ? `${k}es` : k.endsWith("y") ? `${k.slice(0, -1)}ies` : `${k}s`;
  const group: Record<string, string> = { deployment: ".apps", statefulset: ".apps", replicaset: ".apps", daemonset: ".apps", ingress: ".networking.k8s.io" };
  return plural + (group[k] ?? "");
}
