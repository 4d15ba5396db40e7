/**
 * `metrics.k8s.io/v1beta1` over HTTP, in metrics-server's JSON shapes (pkg/api/pod.go, node.go):
 *
 *   GET /apis/metrics.k8s.io/v1beta1/nodes[/{name}]
 *   GET /apis/metrics.k8s.io/v1beta1/pods
 *   GET /apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods[/{name}]
 *
 * Usage is rendered as metrics-server does: CPU `NewScaledQuantity(nanocores, -9)` (canonical
 * form: `"123456789n"`, `"250m"`, `"1"`, `"0"`), memory `NewQuantity(bytes, BinarySI)`
 * (`"12345Ki"`, `"1Mi"`). `timestamp` is the sample time, `window` a Go duration (`"15s"`), and
 * `metadata.creationTimestamp` is the time of the request (metrics are not stored objects).
 * Only objects that still exist in the store are served (metrics-server lists its pod/node
 * informers and looks their metrics up). A pod/node that does not exist gives
 * `pods "x" not found`; one without metrics `podmetrics.metrics.k8s.io "ns/x" not found`.
 */
import type { KubeObject } from "../api/meta.js";
import { parseFieldSelector, type Store } from "../api/store.js";
import type { Clock } from "../core/clock.js";
import { formatDuration } from "../core/duration.js";
import { Selector, parseSelector } from "../core/labels.js";
import { Quantity, formatBytes } from "../core/quantity.js";
import type { NodeMetrics, PodMetrics, ResourceMetricsApi } from "../metrics/api.js";

export const METRICS_GROUP_VERSION = "metrics.k8s.io/v1beta1";
const PREFIX = "/apis/metrics.k8s.io/v1beta1";

export interface MetricsResponse {
  status: number;
  body: unknown;
}

/** CPU usage as metrics-server serialises it: whole nano-cores, canonical DecimalSI. */
export function formatCpuNano(cpuMilli: number): string {
  // cpuMilli carries whole nano-cores / 1e6; rounding undoes the float division.
  const nanos = Math.max(0, Math.round(cpuMilli * 1e6));
  return Quantity.fromScaled(nanos, -9).toString();
}

/** Memory (working set bytes) as metrics-server serialises it: canonical BinarySI. */
export function formatMemory(bytes: number): string {
  return formatBytes(Math.max(0, Math.trunc(bytes)));
}

function notFoundStatus(resource: string, group: string, name: string): MetricsResponse {
  const qualified = group ? `${resource}.${group}` : resource;
  const details: Record<string, string> = { name, kind: resource };
  if (group) details.group = group;
  return {
    status: 404,
    body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `${qualified} "${name}" not found`, reason: "NotFound", details, code: 404 },
  };
}

function badRequest(message: string): MetricsResponse {
  return { status: 400, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "BadRequest", code: 400 } };
}

function podItem(m: PodMetrics, clock: Clock, withType: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (withType) {
    o.kind = "PodMetrics";
    o.apiVersion = METRICS_GROUP_VERSION;
  }
  o.metadata = { name: m.name, namespace: m.namespace, creationTimestamp: clock.iso(), labels: m.labels };
  o.timestamp = clock.iso(m.timestamp);
  o.window = formatDuration(m.windowMs);
  o.containers = m.containers.map((c) => ({ name: c.name, usage: { cpu: formatCpuNano(c.cpuMilli), memory: formatMemory(c.memoryBytes) } }));
  return o;
}

function nodeItem(m: NodeMetrics, clock: Clock, withType: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (withType) {
    o.kind = "NodeMetrics";
    o.apiVersion = METRICS_GROUP_VERSION;
  }
  o.metadata = { name: m.name, creationTimestamp: clock.iso(), labels: m.labels };
  o.timestamp = clock.iso(m.timestamp);
  o.window = formatDuration(m.windowMs);
  o.usage = { cpu: formatCpuNano(m.cpuMilli), memory: formatMemory(m.memoryBytes) };
  return o;
}

function list(kind: string, items: unknown[]): MetricsResponse {
  return { status: 200, body: { kind, apiVersion: METRICS_GROUP_VERSION, metadata: {}, items } };
}

/** The legacy discovery document of the group version. */
export function metricsApiResourceList(): Record<string, unknown> {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: METRICS_GROUP_VERSION,
    resources: [
      { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
      { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
    ],
  };
}

function selectors(query: URLSearchParams | undefined): { label?: Selector; field?: (o: KubeObject) => boolean } | MetricsResponse {
  const out: { label?: Selector; field?: (o: KubeObject) => boolean } = {};
  const ls = query?.get("labelSelector");
  const fs = query?.get("fieldSelector");
  try {
    if (ls) out.label = parseSelector(ls);
  } catch (e) {
    return badRequest(`unable to parse requirement: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    if (fs) out.field = parseFieldSelector(fs);
  } catch (e) {
    return badRequest(e instanceof Error ? e.message : String(e));
  }
  return out;
}

/**
 * Answer a `metrics.k8s.io/v1beta1` GET, or `undefined` when `path` is not under the group.
 * `path` may carry a query string; `query` (if given) takes precedence for selectors.
 */
export function metricsApiResponse(path: string, api: ResourceMetricsApi, store: Store, clock: Clock, query?: URLSearchParams): MetricsResponse | undefined {
  const q = path.indexOf("?");
  const pathname = q >= 0 ? path.slice(0, q) : path;
  const params = query ?? (q >= 0 ? new URLSearchParams(path.slice(q + 1)) : undefined);
  if (pathname !== PREFIX && !pathname.startsWith(PREFIX + "/")) return undefined;
  const rest = pathname.slice(PREFIX.length).replace(/\/+$/, "");
  if (rest === "") return { status: 200, body: metricsApiResourceList() };
  const seg = rest.slice(1).split("/").map(decodeURIComponent);

  const sel = selectors(params);
  if ("status" in sel) return sel as MetricsResponse;
  const metaOf = (name: string, namespace: string | undefined, labels: Record<string, string>) =>
    ({ apiVersion: "", kind: "", metadata: { name, namespace, labels } }) as KubeObject;

  // nodes
  if (seg[0] === "nodes" && seg.length <= 2) {
    if (seg.length === 2) {
      const name = seg[1]!;
      if (!store.get("Node", undefined, name)) return notFoundStatus("nodes", "", name);
      const m = api.nodeMetrics().find((n) => n.name === name);
      if (!m) return notFoundStatus("nodemetrics", "metrics.k8s.io", name);
      return { status: 200, body: nodeItem(m, clock, true) };
    }
    const items: unknown[] = [];
    for (const m of api.nodeMetrics(sel.label)) {
      if (!store.get("Node", undefined, m.name)) continue;
      if (sel.field && !sel.field(metaOf(m.name, undefined, m.labels))) continue;
      items.push(nodeItem(m, clock, false));
    }
    return list("NodeMetricsList", items);
  }

  // pods (all namespaces) / namespaces/{ns}/pods[/{name}]
  let namespace: string | undefined;
  let name: string | undefined;
  if (seg[0] === "pods" && seg.length === 1) {
    namespace = undefined;
  } else if (seg[0] === "namespaces" && seg.length >= 3 && seg.length <= 4 && seg[2] === "pods") {
    namespace = seg[1]!;
    name = seg[3];
  } else {
    return { status: 404, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", details: {}, code: 404 } };
  }

  if (name !== undefined) {
    const pod = store.get("Pod", namespace, name);
    if (!pod) return notFoundStatus("pods", "", name);
    const m = api.podMetrics(namespace, ownLabelSelector(pod.metadata.labels)).find((p) => p.name === name && p.namespace === namespace);
    if (!m) return notFoundStatus("podmetrics", "metrics.k8s.io", `${namespace}/${name}`);
    return { status: 200, body: podItem(m, clock, true) };
  }
  const items: unknown[] = [];
  for (const m of api.podMetrics(namespace, sel.label)) {
    if (!store.get("Pod", m.namespace, m.name)) continue;
    if (sel.field && !sel.field(metaOf(m.name, m.namespace, m.labels))) continue;
    items.push(podItem(m, clock, false));
  }
  return list("PodMetricsList", items);
}

/** An equality selector for a pod's own labels (narrows the metrics lookup to its label bucket). */
function ownLabelSelector(labels: Record<string, string> | undefined): Selector {
  const k = labels ? Object.keys(labels)[0] : undefined;
  return k === undefined ? Selector.everything : new Selector([{ key: k, op: "=", values: [labels![k]!] }]);
}
