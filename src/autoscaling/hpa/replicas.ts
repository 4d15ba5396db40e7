/**
 * The HPA replica calculator (kube-controller-manager pkg/controller/podautoscaler/replica_calculator.go
 * and metrics/utilization.go): pure functions from pods + metric samples to a replica proposal.
 *
 * Units: every metric value and request is in milli-units (Quantity.MilliValue(): millicores for
 * CPU, bytes × 1000 for memory, milli-units for custom metrics). Times are virtual milliseconds.
 * Errors are thrown as `HpaCalcError` with upstream's wording.
 */

/** Go's zero time (0001-01-01T00:00:00Z) in virtual ms relative to a 2025 epoch: earlier than anything. */
export const GO_ZERO_TIME_MS = -62_135_596_800_000 - 1_735_689_600_000;

/** math.MaxInt32: proposals above it are clamped (Object/External metrics). */
export const MAX_INT32 = 2_147_483_647;

export class HpaCalcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HpaCalcError";
  }
}

/**
 * Tolerance band. Default form (KEP-4951, v1.33+ code, what spec hpa.md §4.9 prescribes):
 * `1 - scaleDown <= ratio <= 1 + scaleUp`, both bounds inclusive.
 * `absolute: true` selects the ≤ v1.32 form `|1 - ratio| <= scaleUp` (differs only at the exact
 * upper bound in float64, e.g. 55 % of a 50 % target).
 */
export interface Tolerances {
  scaleDown: number;
  scaleUp: number;
  absolute?: boolean;
}

export function isWithinTolerance(t: Tolerances, ratio: number): boolean {
  if (t.absolute) return Math.abs(1.0 - ratio) <= t.scaleUp;
  return 1.0 - t.scaleDown <= ratio && ratio <= 1.0 + t.scaleUp;
}

/** The pod facts the HPA looks at. */
export interface HpaPod {
  name: string;
  /** status.phase ("Pending", "Running", "Succeeded", "Failed", "Unknown"). */
  phase: string;
  /** metadata.deletionTimestamp is set. */
  deleted: boolean;
  /** status.startTime in virtual ms, undefined when absent. */
  startTime: number | undefined;
  /** The Ready condition, undefined when absent. */
  ready: { status: "True" | "False" | "Unknown"; lastTransitionTime: number } | undefined;
  /** Regular containers followed by restartable (sidecar) init containers, with requests in milli. */
  containers: Array<{ name: string; requestsMilli: Record<string, number | undefined> }>;
  /** Pod-level requests (PodLevelResources), milli; used when set and no container is named. */
  podRequestsMilli?: Record<string, number | undefined>;
}

/** One pod's metric sample (metrics.PodMetric). */
export interface PodMetricSample {
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodMetricsInfo = Map<string, PodMetricSample>;

/** A metrics.k8s.io PodMetrics item reduced to one resource, values already in milli. */
export interface RawPodResourceMetrics {
  name: string;
  timestamp: number;
  windowMs: number;
  /** `milli` undefined = the container lacks the resource (the whole pod then has no metric). */
  containers: Array<{ name: string; milli: number | undefined }>;
}

/**
 * metrics client GetResourceMetric: PodMetrics list → per-pod value. Without a container name the pod
 * value is the sum over containers (absent if the item has no container or one lacks the resource);
 * with a container name only that container counts (pod absent if it is not there).
 */
export function podResourceMetrics(items: readonly RawPodResourceMetrics[], container?: string): PodMetricsInfo {
  if (items.length === 0) throw new HpaCalcError("no metrics returned from resource metrics API");
  const res: PodMetricsInfo = new Map();
  for (const m of items) {
    if (container) {
      for (const c of m.containers) {
        if (c.name === container) {
          if (c.milli !== undefined) res.set(m.name, { value: c.milli, timestamp: m.timestamp, windowMs: m.windowMs });
          break;
        }
      }
      continue;
    }
    let sum = 0;
    let missing = m.containers.length === 0;
    for (const c of m.containers) {
      if (c.milli === undefined) {
        missing = true;
        break;
      }
      sum += c.milli;
    }
    if (!missing) res.set(m.name, { value: sum, timestamp: m.timestamp, windowMs: m.windowMs });
  }
  return res;
}

export interface PodGroups {
  readyPodCount: number;
  unreadyPods: Set<string>;
  missingPods: Set<string>;
  ignoredPods: Set<string>;
}

export interface GroupConfig {
  /** --horizontal-pod-autoscaler-cpu-initialization-period (default 5 min). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (default 30 s). */
  initialReadinessDelayMs: number;
}

/** groupPods (§4.2): classify pods as ready / unready / missing / ignored. */
export function groupPods(pods: readonly HpaPod[], metrics: PodMetricsInfo, resource: string, cfg: GroupConfig, now: number): PodGroups {
  const out: PodGroups = { readyPodCount: 0, unreadyPods: new Set(), missingPods: new Set(), ignoredPods: new Set() };
  for (const pod of pods) {
    if (pod.deleted || pod.phase === "Failed") {
      out.ignoredPods.add(pod.name);
      continue;
    }
    if (pod.phase === "Pending") {
      out.unreadyPods.add(pod.name);
      continue;
    }
    const metric = metrics.get(pod.name);
    if (!metric) {
      out.missingPods.add(pod.name);
      continue;
    }
    if (resource === "cpu") {
      let unready: boolean;
      const cond = pod.ready;
      if (!cond || pod.startTime === undefined) {
        unready = true;
      } else if (pod.startTime + cfg.cpuInitializationPeriodMs > now) {
        // Within the initialization period: distrust the sample if not ready, or if its window
        // may include time before the pod became ready.
        unready = cond.status === "False" || metric.timestamp < cond.lastTransitionTime + metric.windowMs;
      } else {
        // Afterwards: only a pod that has never become ready is unready.
        unready = cond.status === "False" && pod.startTime + cfg.initialReadinessDelayMs > cond.lastTransitionTime;
      }
      if (unready) {
        out.unreadyPods.add(pod.name);
        continue;
      }
    }
    out.readyPodCount++;
  }
  return out;
}

/** calculatePodRequests (§4.8): per-pod request in milli. Throws on a container without request. */
export function calculatePodRequests(pods: readonly HpaPod[], container: string | undefined, resource: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    if (!container && pod.podRequestsMilli && pod.podRequestsMilli[resource] !== undefined) {
      requests.set(pod.name, pod.podRequestsMilli[resource]!);
      continue;
    }
    let sum = 0;
    for (const c of pod.containers) {
      if (!container || container === c.name) {
        const r = c.requestsMilli[resource];
        if (r === undefined) throw new HpaCalcError(`missing request for ${resource} in container ${c.name} of Pod ${pod.name}`);
        sum += r;
      }
    }
    requests.set(pod.name, sum);
  }
  return requests;
}

/** GetResourceUtilizationRatio: integer percent over pods that have both a metric and a request. */
export function resourceUtilizationRatio(
  metrics: PodMetricsInfo,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverageValue: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [pod, m] of metrics) {
    const r = requests.get(pod);
    if (r === undefined) continue; // superfluous metric
    metricsTotal += m.value;
    requestsTotal += r;
    n++;
  }
  if (requestsTotal === 0) throw new HpaCalcError("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverageValue: Math.trunc(metricsTotal / n) };
}

/** GetMetricUsageRatio: integer average over every sample (superfluous ones included). */
export function metricUsageRatio(metrics: PodMetricsInfo, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

export interface ResourceReplicasResult {
  replicas: number;
  /** First-pass integer utilization (ready pods only) — status.currentMetrics averageUtilization. */
  utilization: number;
  /** First-pass average usage in milli — status averageValue. */
  rawAverageValue: number;
  /** Classification, for explanations. */
  groups: PodGroups;
}

export interface CalcContext extends GroupConfig {
  tolerances: Tolerances;
  now: number;
}

function removeAll(metrics: PodMetricsInfo, names: Set<string>): void {
  for (const n of names) metrics.delete(n);
}

/**
 * GetResourceReplicas (§4.3) on already fetched metrics: Resource / ContainerResource with an
 * Utilization target. `metrics` is copied, not modified.
 */
export function calcResourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  container: string | undefined,
  pods: readonly HpaPod[],
  podMetrics: PodMetricsInfo,
  ctx: CalcContext,
): ResourceReplicasResult {
  if (pods.length === 0) throw new HpaCalcError("no pods returned by selector while calculating replica count");
  const metrics: PodMetricsInfo = new Map(podMetrics);
  const groups = groupPods(pods, metrics, resource, ctx, ctx.now);
  removeAll(metrics, groups.ignoredPods);
  removeAll(metrics, groups.unreadyPods);
  if (metrics.size === 0) throw new HpaCalcError("did not receive metrics for targeted pods (pods might be unready)");
  const requests = calculatePodRequests(pods, container, resource);
  const first = resourceUtilizationRatio(metrics, requests, targetUtilization);
  const usageRatio = first.ratio;
  const done = (replicas: number): ResourceReplicasResult => ({
    replicas,
    utilization: first.utilization,
    rawAverageValue: first.rawAverageValue,
    groups,
  });

  const scaleUpWithUnready = groups.unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && groups.missingPods.size === 0) {
    if (isWithinTolerance(ctx.tolerances, usageRatio)) return done(currentReplicas);
    return done(Math.ceil(usageRatio * groups.readyPodCount));
  }

  if (groups.missingPods.size > 0) {
    if (usageRatio < 1.0) {
      // Scale down: missing pods count as 100 % of request (or the target if above 100 %).
      const fallback = Math.max(100, targetUtilization);
      for (const p of groups.missingPods) {
        metrics.set(p, { value: Math.trunc((requests.get(p)! * fallback) / 100), timestamp: 0, windowMs: 0 });
      }
    } else if (usageRatio > 1.0) {
      for (const p of groups.missingPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) {
    for (const p of groups.unreadyPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });
  }

  const newUsageRatio = resourceUtilizationRatio(metrics, requests, targetUtilization).ratio;
  return done(rebalancedReplicas(ctx.tolerances, usageRatio, newUsageRatio, metrics.size, currentReplicas));
}

export interface PlainReplicasResult {
  replicas: number;
  /** First-pass average usage in milli. */
  usage: number;
  groups: PodGroups;
}

/**
 * calcPlainMetricReplicas (§4.5): Pods metrics and Resource AverageValue targets. `resource` is the
 * resource name for Resource metrics ("cpu" enables the readiness rules) or "" for Pods metrics.
 */
export function calcPlainMetricReplicas(
  currentReplicas: number,
  targetUsage: number,
  resource: string,
  pods: readonly HpaPod[],
  podMetrics: PodMetricsInfo,
  ctx: CalcContext,
): PlainReplicasResult {
  if (pods.length === 0) throw new HpaCalcError("no pods returned by selector while calculating replica count");
  const metrics: PodMetricsInfo = new Map(podMetrics);
  const groups = groupPods(pods, metrics, resource, ctx, ctx.now);
  removeAll(metrics, groups.ignoredPods);
  removeAll(metrics, groups.unreadyPods);
  if (metrics.size === 0) throw new HpaCalcError("did not receive metrics for targeted pods (pods might be unready)");
  const first = metricUsageRatio(metrics, targetUsage);
  const usageRatio = first.ratio;
  const done = (replicas: number): PlainReplicasResult => ({ replicas, usage: first.usage, groups });

  const scaleUpWithUnready = groups.unreadyPods.size > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && groups.missingPods.size === 0) {
    if (isWithinTolerance(ctx.tolerances, usageRatio)) return done(currentReplicas);
    return done(Math.ceil(usageRatio * groups.readyPodCount));
  }
  if (groups.missingPods.size > 0) {
    if (usageRatio < 1.0) {
      for (const p of groups.missingPods) metrics.set(p, { value: targetUsage, timestamp: 0, windowMs: 0 });
    } else if (usageRatio > 1.0) {
      for (const p of groups.missingPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) {
    for (const p of groups.unreadyPods) metrics.set(p, { value: 0, timestamp: 0, windowMs: 0 });
  }
  const newUsageRatio = metricUsageRatio(metrics, targetUsage).ratio;
  return done(rebalancedReplicas(ctx.tolerances, usageRatio, newUsageRatio, metrics.size, currentReplicas));
}

/** getReadyPodsCount: pods with phase Running and Ready=True. Throws if the selector matches nothing. */
export function readyPodsCount(pods: readonly HpaPod[]): number {
  if (pods.length === 0) throw new HpaCalcError("no pods returned by selector while calculating replica count");
  let n = 0;
  for (const p of pods) if (p.phase === "Running" && p.ready?.status === "True") n++;
  return n;
}

function clampInt32(x: number): number {
  return x > MAX_INT32 ? MAX_INT32 : x;
}

/**
 * getUsageRatioReplicaCount: Object/External Value targets. At `currentReplicas == 0` the result is
 * `ceil(ratio)` without tolerance; otherwise tolerance, then `ceil(ratio × Running+Ready pods)`.
 */
export function usageRatioReplicaCount(currentReplicas: number, usageRatio: number, pods: readonly HpaPod[], tolerances: Tolerances): number {
  if (currentReplicas !== 0) {
    if (isWithinTolerance(tolerances, usageRatio)) return currentReplicas;
    let ready: number;
    try {
      ready = readyPodsCount(pods);
    } catch (e) {
      throw new HpaCalcError(`unable to calculate ready pods: ${(e as Error).message}`);
    }
    return clampInt32(Math.ceil(usageRatio * ready));
  }
  return clampInt32(Math.ceil(usageRatio));
}

/** Per-pod (AverageValue) Object/External targets: uses scale.status.replicas. */
export function perPodReplicaCount(
  statusReplicas: number,
  usage: number,
  targetAverage: number,
  tolerances: Tolerances,
): { replicas: number; usage: number } {
  let replicas = statusReplicas;
  const usageRatio = usage / (targetAverage * replicas);
  if (!isWithinTolerance(tolerances, usageRatio)) replicas = clampInt32(Math.ceil(usage / targetAverage));
  return { replicas, usage: goInt64(Math.ceil(usage / statusReplicas)) };
}

/**
 * Go's int64(f) on amd64: ±Inf, NaN and out-of-range values become MinInt64 (0x8000000000000000).
 * Upstream divides by scale.status.replicas without a guard, so at 0 replicas (KEDA activating a
 * target from zero) the reported average is that value, not an error.
 */
function goInt64(f: number): number {
  return Number.isFinite(f) && Math.abs(f) < 2 ** 63 ? f : -(2 ** 63);
}

export type ObjectTarget = { type: "Value"; valueMilli: number } | { type: "AverageValue"; averageValueMilli: number };

/** GetObjectMetricReplicas / GetObjectPerPodMetricReplicas (§4.6) given the object's metric value. */
export function calcObjectReplicas(
  specReplicas: number,
  statusReplicas: number,
  usageMilli: number,
  target: ObjectTarget,
  pods: readonly HpaPod[],
  tolerances: Tolerances,
): { replicas: number; usage: number } {
  if (target.type === "Value") {
    const ratio = usageMilli / target.valueMilli;
    return { replicas: usageRatioReplicaCount(specReplicas, ratio, pods, tolerances), usage: usageMilli };
  }
  return perPodReplicaCount(statusReplicas, usageMilli, target.averageValueMilli, tolerances);
}

const MAX_INT64 = 9_223_372_036_854_775_807;

/** GetExternalMetricReplicas / GetExternalPerPodMetricReplicas (§4.7): all series are summed. */
export function calcExternalReplicas(
  specReplicas: number,
  statusReplicas: number,
  valuesMilli: readonly number[],
  target: ObjectTarget,
  pods: readonly HpaPod[],
  tolerances: Tolerances,
): { replicas: number; usage: number } {
  let usage = 0;
  for (const v of valuesMilli) usage = Math.min(MAX_INT64, usage + v);
  return calcObjectReplicas(specReplicas, statusReplicas, usage, target, pods, tolerances);
}

/** A metrics fetch that may throw (the metrics client call). */
export type Fetch<T> = () => T;

function fetchResource(resource: string, container: string | undefined, fetch: Fetch<readonly RawPodResourceMetrics[]>): PodMetricsInfo {
  let raw: readonly RawPodResourceMetrics[];
  try {
    raw = fetch();
  } catch (e) {
    throw new HpaCalcError(`unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${(e as Error).message}`);
  }
  try {
    return podResourceMetrics(raw, container);
  } catch (e) {
    throw new HpaCalcError(`unable to get metrics for resource ${resource}: ${(e as Error).message}`);
  }
}

/** ReplicaCalculator.GetResourceReplicas: fetch resource metrics, then calcResourceReplicas. */
export function getResourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  container: string | undefined,
  pods: Fetch<readonly HpaPod[]>,
  metrics: Fetch<readonly RawPodResourceMetrics[]>,
  ctx: CalcContext,
): ResourceReplicasResult {
  const m = fetchResource(resource, container, metrics);
  return calcResourceReplicas(currentReplicas, targetUtilization, resource, container, pods(), m, ctx);
}

/** ReplicaCalculator.GetRawResourceReplicas: Resource metrics with an AverageValue target. */
export function getRawResourceReplicas(
  currentReplicas: number,
  targetUsage: number,
  resource: string,
  container: string | undefined,
  pods: Fetch<readonly HpaPod[]>,
  metrics: Fetch<readonly RawPodResourceMetrics[]>,
  ctx: CalcContext,
): PlainReplicasResult {
  const m = fetchResource(resource, container, metrics);
  return calcPlainMetricReplicas(currentReplicas, targetUsage, resource, pods(), m, ctx);
}

/**
 * The second pass after missing/unready pods were filled in (hpa.md §4.3/§4.5): keep the current
 * count when the new ratio is within tolerance or flips direction, or when the result would move
 * against the ratio.
 */
function rebalancedReplicas(tolerances: Tolerances, usageRatio: number, newUsageRatio: number, podCount: number, currentReplicas: number): number {
  if (
    isWithinTolerance(tolerances, newUsageRatio) ||
    (usageRatio < 1.0 && newUsageRatio > 1.0) ||
    (usageRatio > 1.0 && newUsageRatio < 1.0)
  ) {
    return currentReplicas;
  }
  const newReplicas = Math.ceil(newUsageRatio * podCount);
  if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
    return currentReplicas;
  }
  return newReplicas;
}
