/**
 * KEDA scalers (pkg/scalers/*): metadata parsing with upstream defaults, metric names, activation
 * rules and metric values. Pure: a scaler gets its inputs (time, metric sources) from a
 * ScalerEnv and never touches the store.
 */
import { cronNext, checkTimezone, parseCron, formatWall, type CronSchedule } from "./cron.js";
import {
  KEDA_VERSION,
  cronMetricName,
  kafkaMetricName,
  prometheusMetricName,
  rabbitmqMetricName,
  redisMetricName,
  sqsMetricName,
  versionAtLeast,
} from "./names.js";

export type MetricTargetType = "AverageValue" | "Value" | "Utilization";

export interface Trigger {
  type: string;
  name?: string;
  metadata?: Record<string, string>;
  metricType?: MetricTargetType;
  useCachedMetrics?: boolean;
  authenticationRef?: { name: string; kind?: string };
}

/** Where scalers read the outside world: virtual UTC time and scenario-provided series. */
export interface ScalerEnv {
  /** Calendar time (Unix ms). */
  nowUtcMs: number;
  /** A scenario series (e.g. a Prometheus query result); throws if absent. */
  series?(name: string): number[];
}

export interface MetricsAndActivity {
  value: number;
  active: boolean;
}

export interface Scaler {
  readonly type: string;
  readonly triggerIndex: number;
  /** The trigger's `name`, if given (referenced by scalingModifiers). */
  readonly triggerName?: string;
  /** External metric name (`s0-cron-…`), or the resource name for cpu/memory. */
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  /** cpu/memory: an HPA Resource metric, no external value, always active. */
  readonly resource?: { name: "cpu" | "memory"; containerName?: string; target: string };
  /** External target (averageValue or value), as a float. */
  readonly target: number;
  readonly useCachedMetrics: boolean;
  getMetricsAndActivity(env: ScalerEnv): MetricsAndActivity;
}

export class ScalerError extends Error {}

function req(md: Record<string, string>, key: string, scaler: string): string {
  const v = md[key];
  if (v === undefined || v === "") throw new ScalerError(`error parsing ${scaler} metadata: missing required parameter "${key}" in [triggerMetadata]`);
  return v;
}

function float(md: Record<string, string>, key: string, def: number, scaler: string): number {
  const v = md[key];
  if (v === undefined || v === "") return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ScalerError(`error parsing ${scaler} metadata: unable to set param "${key}" value "${v}": unable to unmarshal to field type float64: invalid character`);
  return n;
}

function bool(md: Record<string, string>, key: string, def: boolean): boolean {
  const v = md[key];
  if (v === undefined || v === "") return def;
  return v === "true" || v === "1" || v === "True" || v === "TRUE" || v === "t";
}

// ---------------------------------------------------------------------------- cron

export interface CronActivity {
  isActive: boolean;
  nextStart: { utcMs: number; wallMs: number };
  nextEnd: { utcMs: number; wallMs: number };
}

/** cron_scaler GetMetricsAndActivity: active iff the next end is not after the next start. */
export function cronActivity(start: CronSchedule, end: CronSchedule, timezone: string, nowUtcMs: number): CronActivity {
  const nextStart = cronNext(start, timezone, nowUtcMs);
  const nextEnd = cronNext(end, timezone, nowUtcMs);
  if (!nextStart || !nextEnd) throw new ScalerError("cron schedule has no next firing");
  return { isActive: !(nextStart.utcMs < nextEnd.utcMs), nextStart, nextEnd };
}

/** The metric an inactive cron trigger reports: 1 before v2.18, 0 from v2.18. */
export function cronInactiveValue(version = KEDA_VERSION): number {
  return versionAtLeast(version, "2.18.0") ? 0 : 1;
}

export { formatWall };

class CronScaler implements Scaler {
  readonly type = "cron";
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  readonly target = 1;
  readonly useCachedMetrics = false;
  private readonly start: CronSchedule;
  private readonly end: CronSchedule;
  private readonly timezone: string;
  private readonly desired: number;
  constructor(
    readonly triggerIndex: number,
    t: Trigger,
    private readonly version: string,
    readonly triggerName?: string,
  ) {
    const md = t.metadata ?? {};
    this.timezone = req(md, "timezone", "cron");
    checkTimezone(this.timezone);
    const s = req(md, "start", "cron");
    const e = req(md, "end", "cron");
    if (s === e) throw new ScalerError("error parsing cron metadata: start and end should not be same");
    try {
      this.start = parseCron(s);
    } catch (err) {
      throw new ScalerError(`error parsing start schedule: ${(err as Error).message}`);
    }
    try {
      this.end = parseCron(e);
    } catch (err) {
      throw new ScalerError(`error parsing end schedule: ${(err as Error).message}`);
    }
    const dr = req(md, "desiredReplicas", "cron");
    const n = Number(dr);
    if (!Number.isInteger(n)) throw new ScalerError(`error parsing cron metadata: unable to set param "desiredReplicas" value "${dr}"`);
    if (n === 0) throw new ScalerError("error parsing cron metadata: DesiredReplicas must be a non-zero value");
    this.desired = n;
    this.metricType = t.metricType ?? "AverageValue";
    this.metricName = cronMetricName(triggerIndex, this.timezone, s, e, version);
  }
  getMetricsAndActivity(env: ScalerEnv): MetricsAndActivity {
    const a = cronActivity(this.start, this.end, this.timezone, env.nowUtcMs);
    return a.isActive ? { value: this.desired, active: true } : { value: cronInactiveValue(this.version), active: false };
  }
}

// ---------------------------------------------------------------------------- cpu / memory

class ResourceScaler implements Scaler {
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  readonly resource: { name: "cpu" | "memory"; containerName?: string; target: string };
  readonly target = 0;
  readonly useCachedMetrics = false;
  constructor(
    readonly type: "cpu" | "memory",
    readonly triggerIndex: number,
    t: Trigger,
    readonly triggerName?: string,
  ) {
    const md = t.metadata ?? {};
    const mt = t.metricType ?? (md.type as MetricTargetType | undefined);
    if (!mt) throw new ScalerError("no type given in neither trigger.metadata.type or trigger.metricType");
    if (mt !== "Utilization" && mt !== "AverageValue") throw new ScalerError(`unknown metric type: ${mt}`);
    this.metricType = mt;
    const value = req(md, "value", type);
    this.resource = { name: type, target: value, ...(md.containerName ? { containerName: md.containerName } : {}) };
    this.metricName = type;
  }
  getMetricsAndActivity(): MetricsAndActivity {
    return { value: 0, active: true };
  }
}

// ---------------------------------------------------------------------------- series-backed scalers

/** prometheus_scaler: single sample expected; empty → 0 with ignoreNullValues, else error; >1 → error. */
export function prometheusValue(result: number[], ignoreNullValues = true): number {
  if (result.length === 0) {
    if (ignoreNullValues) return 0;
    throw new ScalerError("prometheus metrics 'prometheus' target may be lost, the result is empty");
  }
  if (result.length > 1) throw new ScalerError("prometheus query  returned multiple elements");
  const v = result[0]!;
  if (!Number.isFinite(v)) {
    if (ignoreNullValues) return 0;
    throw new ScalerError(`promtheus query returns ${v}`);
  }
  return v;
}

class PrometheusScaler implements Scaler {
  readonly type = "prometheus";
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  readonly target: number;
  readonly useCachedMetrics: boolean;
  private readonly query: string;
  private readonly activation: number;
  private readonly ignoreNull: boolean;
  constructor(
    readonly triggerIndex: number,
    t: Trigger,
    readonly triggerName?: string,
  ) {
    const md = t.metadata ?? {};
    req(md, "serverAddress", "prometheus");
    this.query = req(md, "query", "prometheus");
    req(md, "threshold", "prometheus");
    this.target = float(md, "threshold", 0, "prometheus");
    this.activation = float(md, "activationThreshold", 0, "prometheus");
    this.ignoreNull = bool(md, "ignoreNullValues", true);
    this.metricType = t.metricType ?? "AverageValue";
    this.useCachedMetrics = t.useCachedMetrics ?? false;
    this.metricName = prometheusMetricName(triggerIndex);
  }
  getMetricsAndActivity(env: ScalerEnv): MetricsAndActivity {
    if (!env.series) throw new ScalerError(`error requesting prometheus: no series source`);
    const v = prometheusValue(env.series(this.query), this.ignoreNull);
    return { value: v, active: v > this.activation };
  }
}

// ---------------------------------------------------------------------------- pure figures (queue scalers)

export interface KafkaLagOptions {
  lagThreshold: number;
  allowIdleConsumers?: boolean;
  limitToPartitionsWithLag?: boolean;
  ensureEvenDistributionOfPartitions?: boolean;
}

/** kafka_scaler getTotalLag: the metric from per-partition lags (cap uses integer division). */
export function kafkaTotalLag(partitionLags: readonly number[], o: KafkaLagOptions): number {
  let total = 0;
  let withLag = 0;
  for (const l of partitionLags) {
    total += l;
    if (l > 0) withLag++;
  }
  const partitions = partitionLags.length;
  if (!o.allowIdleConsumers || o.limitToPartitionsWithLag || o.ensureEvenDistributionOfPartitions) {
    const upperBound = o.limitToPartitionsWithLag ? withLag : partitions;
    if (o.ensureEvenDistributionOfPartitions) {
      let f = partitions;
      for (let i = 1; i <= partitions; i++) {
        if (partitions % i === 0 && i * o.lagThreshold >= total) {
          f = i;
          break;
        }
      }
      total = f * o.lagThreshold;
    }
    if (Math.trunc(total / o.lagThreshold) > upperBound) total = upperBound * o.lagThreshold;
  }
  return total;
}

/** rabbitmq validateTrigger defaults: no mode/value/queueLength → QueueLength 20. */
export function rabbitmqMode(md: Record<string, string>): { mode: string; value: number } {
  if (md.queueLength !== undefined && (md.mode !== undefined || md.value !== undefined)) {
    throw new ScalerError("queueLength is deprecated; configure only mode and value");
  }
  if (md.queueLength !== undefined) return { mode: "QueueLength", value: Number(md.queueLength) };
  if (md.mode === undefined && md.value === undefined) return { mode: "QueueLength", value: 20 };
  if (md.mode === undefined || md.value === undefined) throw new ScalerError("both mode and value must be given");
  return { mode: md.mode, value: Number(md.value) };
}

/** rabbitmq GetMetricsAndActivity for QueueLength / MessageRate. */
export function rabbitmqMetric(mode: string, messages: number, publishRate: number, activationValue: number): MetricsAndActivity {
  if (mode === "MessageRate") return { value: publishRate, active: publishRate > activationValue || messages > activationValue };
  return { value: messages, active: messages > activationValue };
}

/** aws-sqs-queue: visible (+ in flight if scaleOnInFlight, default true) (+ delayed if scaleOnDelayed). */
export function sqsValue(visible: number, notVisible: number, delayed: number, scaleOnInFlight = true, scaleOnDelayed = false): number {
  return visible + (scaleOnInFlight ? notVisible : 0) + (scaleOnDelayed ? delayed : 0);
}

// ---------------------------------------------------------------------------- factory

/** Build the scaler of trigger `i` (scale_handler buildScalers). Throws ScalerError on bad metadata. */
export function buildScaler(i: number, t: Trigger, version = KEDA_VERSION): Scaler {
  switch (t.type) {
    case "cron":
      return new CronScaler(i, t, version, t.name);
    case "cpu":
    case "memory":
      return new ResourceScaler(t.type, i, t, t.name);
    case "prometheus":
      return new PrometheusScaler(i, t, t.name);
    default:
      throw new ScalerError(`no scaler found for type: ${t.type}`);
  }
}

/** The external metric name a trigger would get, for any scaler type (names only). */
export function triggerMetricName(i: number, t: Trigger, version = KEDA_VERSION): string {
  const md = t.metadata ?? {};
  switch (t.type) {
    case "cron":
      return cronMetricName(i, md.timezone ?? "", md.start ?? "", md.end ?? "", version);
    case "kafka":
      return kafkaMetricName(i, md.topic, md.consumerGroup ?? "");
    case "redis":
      return redisMetricName(i, md.listName ?? "");
    case "rabbitmq":
      return rabbitmqMetricName(i, md.queueName ?? "");
    case "prometheus":
      return prometheusMetricName(i);
    case "aws-sqs-queue":
      return sqsMetricName(i, md.queueURL ?? "");
    default:
      return t.type;
  }
}
