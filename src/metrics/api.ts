/**
 * The metrics APIs the autoscalers read, as in-process services (the aggregated APIs
 * metrics.k8s.io, custom.metrics.k8s.io and external.metrics.k8s.io are not stored in etcd either).
 * metrics-server implements ResourceMetricsApi; scenario-fed sources implement the other two.
 * They are registered in ControllerContext.services under the *_SERVICE names.
 */
import type { Selector } from "../core/labels.js";

export const RESOURCE_METRICS_SERVICE = "metrics.k8s.io";
export const CUSTOM_METRICS_SERVICE = "custom.metrics.k8s.io";
export const EXTERNAL_METRICS_SERVICE = "external.metrics.k8s.io";

export interface ContainerMetrics {
  name: string;
  /** CPU usage in millicores (float: nano-core precision / 1e6). */
  cpuMilli: number;
  /** Working-set memory in bytes. */
  memoryBytes: number;
}

/** metrics.k8s.io/v1beta1 PodMetrics. */
export interface PodMetrics {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** Virtual ms of the sample (end of the window). */
  timestamp: number;
  windowMs: number;
  containers: ContainerMetrics[];
}

/** metrics.k8s.io/v1beta1 NodeMetrics. */
export interface NodeMetrics {
  name: string;
  labels: Record<string, string>;
  timestamp: number;
  windowMs: number;
  cpuMilli: number;
  memoryBytes: number;
}

export interface ResourceMetricsApi {
  /** Pods of a namespace (all namespaces if undefined) matching the selector that have complete metrics. */
  podMetrics(namespace: string | undefined, selector?: Selector): PodMetrics[];
  nodeMetrics(selector?: Selector): NodeMetrics[];
}

export interface MetricValue {
  /** Value in milli-units (Quantity.MilliValue()). */
  valueMilli: number;
  timestamp: number;
  windowMs?: number;
}

export interface CustomMetricsApi {
  /** `pods/*` metric `name` for pods matching `selector` in `namespace`: podName → value. Throws if unknown. */
  podMetrics(namespace: string, selector: Selector, name: string, metricSelector?: Selector): Map<string, MetricValue>;
  /** Metric `name` describing one object. Throws if unknown. */
  objectMetric(namespace: string, object: { kind: string; name: string; apiVersion?: string }, name: string, metricSelector?: Selector): MetricValue;
}

export interface ExternalMetricsApi {
  /** All series of external metric `name` matching `metricSelector`. Throws if unknown. */
  externalMetric(namespace: string, name: string, metricSelector?: Selector): MetricValue[];
}
