/**
 * KEDA scalers (pkg/scalers/*): metadata parsing with upstream defaults, metric names, activation
 * rules and metric values. Pure: a scaler gets its inputs (time, metric sources) from a
 * ScalerEnv and never touches the store.
 */
import { cronNext, checkTimezone, parseCron, formatWall, type CronSchedule } from "../../core/cron.js";
import {
  KEDA_VERSION,
  cronMetricName,
  kafkaMetricName,
  prometheusMetricName,
  rabbitmqMetricName,
  redisMetricName,
  sqsMetricName,
  sqsQueueName,
  versionAtLeast,
} from "./names.js";
import type { QueuesApi } from "../../cluster/queues.js";

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
  /** The simulated SQS queues and Kafka topics (scenario `spec.queues`). */
  queues?: QueuesApi;
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
      // KEDA validates with cron.NewParser(Minute|Hour|Dom|Month|Dow): no @descriptors.
      this.start = parseCron(s, { descriptors: false });
    } catch (err) {
      throw new ScalerError(`error parsing start schedule: ${(err as Error).message}`);
    }
    try {
      this.end = parseCron(e, { descriptors: false });
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

// ---------------------------------------------------------------------------- aws-sqs-queue / kafka (live)

class SqsScaler implements Scaler {
  readonly type = "aws-sqs-queue";
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  readonly target: number;
  readonly useCachedMetrics: boolean;
  private readonly queueName: string;
  private readonly activation: number;
  private readonly onInFlight: boolean;
  private readonly onDelayed: boolean;
  constructor(
    readonly triggerIndex: number,
    t: Trigger,
    readonly triggerName?: string,
  ) {
    const md = t.metadata ?? {};
    const url = req(md, "queueURL", "aws-sqs-queue");
    req(md, "awsRegion", "aws-sqs-queue");
    try {
      this.queueName = sqsQueueName(url);
    } catch (e) {
      throw new ScalerError((e as Error).message);
    }
    this.target = float(md, "queueLength", 5, "aws-sqs-queue");
    this.activation = float(md, "activationQueueLength", 0, "aws-sqs-queue");
    this.onInFlight = bool(md, "scaleOnInFlight", true);
    this.onDelayed = bool(md, "scaleOnDelayed", false);
    this.metricType = t.metricType ?? "AverageValue";
    this.useCachedMetrics = t.useCachedMetrics ?? false;
    this.metricName = sqsMetricName(triggerIndex, url);
  }
  getMetricsAndActivity(env: ScalerEnv): MetricsAndActivity {
    const q = env.queues?.queue(this.queueName);
    if (!q || q.type !== "sqs") throw new ScalerError("AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist.");
    // The simulated queue has no delay queue: ApproximateNumberOfMessagesDelayed is 0.
    const v = sqsValue(q.visible, q.inFlight, 0, this.onInFlight, this.onDelayed);
    return { value: v, active: v > this.activation };
  }
}

/**
 * redis (list): LLEN of `listName` — items a worker popped are no longer in the list, so the value is
 * the visible backlog only; a missing key counts as 0. AverageValue target listLength (default 5).
 */
class RedisListScaler implements Scaler {
  readonly type = "redis";
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  readonly target: number;
  readonly useCachedMetrics: boolean;
  private readonly listName: string;
  private readonly activation: number;
  constructor(
    readonly triggerIndex: number,
    t: Trigger,
    readonly triggerName?: string,
  ) {
    const md = t.metadata ?? {};
    if (!md.address && !md.host) throw new ScalerError("error parsing redis metadata: no address or host given. address should be in the format of host:port");
    this.listName = req(md, "listName", "redis");
    this.target = float(md, "listLength", 5, "redis");
    this.activation = float(md, "activationListLength", 0, "redis");
    this.metricType = t.metricType ?? "AverageValue";
    this.useCachedMetrics = t.useCachedMetrics ?? false;
    this.metricName = redisMetricName(triggerIndex, this.listName);
  }
  getMetricsAndActivity(env: ScalerEnv): MetricsAndActivity {
    const q = env.queues?.queue(this.listName);
    const v = q && q.type === "redis" ? q.visible : 0;
    return { value: v, active: v > this.activation };
  }
}

/**
 * rabbitmq, QueueLength and MessageRate modes. QueueLength over HTTP counts `messages` (ready +
 * unacked) unless excludeUnacknowledged; over AMQP the passive declare counts ready messages only.
 * Default: QueueLength with value 20. The rate-based modes other than MessageRate are not simulated.
 */
class RabbitMqScaler implements Scaler {
  readonly type = "rabbitmq";
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  readonly target: number;
  readonly useCachedMetrics: boolean;
  private readonly queueName: string;
  private readonly activation: number;
  private readonly mode: "QueueLength" | "MessageRate";
  private readonly http: boolean;
  private readonly excludeUnacked: boolean;
  constructor(
    readonly triggerIndex: number,
    t: Trigger,
    readonly triggerName?: string,
  ) {
    const md = t.metadata ?? {};
    const host = md.host ?? "";
    if (!host && !md.hostFromEnv) throw new ScalerError("error parsing rabbitmq metadata: no host setting given");
    this.queueName = req(md, "queueName", "rabbitmq");
    const protocol = md.protocol ?? "auto";
    this.http = protocol === "http" || (protocol === "auto" && /^https?:/.test(host));
    if (md.queueLength !== undefined && (md.mode !== undefined || md.value !== undefined)) {
      throw new ScalerError("error parsing rabbitmq metadata: queueLength is deprecated; configure only mode and value");
    }
    const mode = md.mode ?? "QueueLength";
    if (mode !== "QueueLength" && mode !== "MessageRate") {
      throw new ScalerError(`error parsing rabbitmq metadata: trigger mode ${mode} is not simulated (QueueLength and MessageRate are)`);
    }
    if (mode === "MessageRate" && !this.http) throw new ScalerError("error parsing rabbitmq metadata: protocol amqp not supported; must be http to use mode MessageRate");
    this.mode = mode;
    this.target = md.queueLength !== undefined ? float(md, "queueLength", 20, "rabbitmq") : float(md, "value", 20, "rabbitmq");
    this.activation = float(md, "activationValue", 0, "rabbitmq");
    this.excludeUnacked = bool(md, "excludeUnacknowledged", false);
    if (this.excludeUnacked && !this.http) throw new ScalerError("error parsing rabbitmq metadata: excludeUnacknowledged parameter works only with http protocol");
    this.metricType = t.metricType ?? "AverageValue";
    this.useCachedMetrics = t.useCachedMetrics ?? false;
    this.metricName = rabbitmqMetricName(triggerIndex, this.queueName);
  }
  getMetricsAndActivity(env: ScalerEnv): MetricsAndActivity {
    const q = env.queues?.queue(this.queueName);
    if (!q || q.type !== "rabbitmq") throw new ScalerError(`error inspecting rabbitMQ: Exception (404) Reason: "NOT_FOUND - no queue '${this.queueName}' in vhost '/'"`);
    const count = q.visible + (this.http && !this.excludeUnacked ? q.inFlight : 0);
    if (this.mode === "MessageRate") {
      return { value: q.producerRate, active: q.producerRate > this.activation || count > this.activation };
    }
    return { value: count, active: count > this.activation };
  }
}

/** kafka partitionLimitation: "1,2,10-12" → partition ids. */
export function parsePartitionLimitation(s: string): Set<number> {
  const out = new Set<number>();
  for (const part of s.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const m = /^(\d+)-(\d+)$/.exec(p);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (a > b) throw new ScalerError(`error parsing kafka metadata: invalid range ${p}`);
      for (let i = a; i <= b; i++) out.add(i);
    } else if (/^\d+$/.test(p)) out.add(Number(p));
    else throw new ScalerError(`error parsing kafka metadata: error parsing partitionLimitation ${p}`);
  }
  return out;
}

/** kafka getLagForPartition: latest − committed, with the invalid-offset (−1) rules. */
export function kafkaPartitionLag(latest: number, committed: number, offsetResetPolicy: "latest" | "earliest", scaleToZeroOnInvalidOffset: boolean): number {
  if (committed < 0) {
    if (scaleToZeroOnInvalidOffset) return 0;
    return offsetResetPolicy === "latest" ? 1 : latest;
  }
  return latest - committed;
}

class KafkaScaler implements Scaler {
  readonly type = "kafka";
  readonly metricName: string;
  readonly metricType: MetricTargetType;
  readonly target: number;
  readonly useCachedMetrics: boolean;
  private readonly topic: string;
  private readonly group: string;
  private readonly activation: number;
  private readonly policy: "latest" | "earliest";
  private readonly opts: KafkaLagOptions;
  private readonly excludePersistentLag: boolean;
  private readonly scaleToZeroOnInvalid: boolean;
  private readonly limitation?: Set<number>;
  /** excludePersistentLag: consumer offsets of the previous poll. */
  private readonly previousOffsets = new Map<string, number>();
  constructor(
    readonly triggerIndex: number,
    t: Trigger,
    readonly triggerName?: string,
  ) {
    const md = t.metadata ?? {};
    req(md, "bootstrapServers", "kafka");
    this.group = req(md, "consumerGroup", "kafka");
    this.topic = md.topic ?? "";
    this.target = float(md, "lagThreshold", 10, "kafka");
    if (this.target <= 0) throw new ScalerError(`"lagThreshold" must be positive number`);
    this.activation = float(md, "activationLagThreshold", 0, "kafka");
    if (this.activation < 0) throw new ScalerError(`"activationLagThreshold" must be positive number`);
    const pol = md.offsetResetPolicy ?? "latest";
    if (pol !== "latest" && pol !== "earliest") throw new ScalerError(`err offsetResetPolicy policy "${pol}" given`);
    this.policy = pol;
    const allowIdle = bool(md, "allowIdleConsumers", false);
    const limitLag = bool(md, "limitToPartitionsWithLag", false);
    const even = bool(md, "ensureEvenDistributionOfPartitions", false);
    if (allowIdle && limitLag) throw new ScalerError(`allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously`);
    if (limitLag && !this.topic) throw new ScalerError(`topic must be specified when using limitToPartitionsWithLag`);
    if (even && !this.topic) throw new ScalerError(`topic must be specified when using ensureEvenDistributionOfPartitions`);
    if (limitLag && even) throw new ScalerError(`limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously`);
    this.opts = { lagThreshold: this.target, allowIdleConsumers: allowIdle, limitToPartitionsWithLag: limitLag, ensureEvenDistributionOfPartitions: even };
    this.excludePersistentLag = bool(md, "excludePersistentLag", false);
    this.scaleToZeroOnInvalid = bool(md, "scaleToZeroOnInvalidOffset", false);
    if (md.partitionLimitation) this.limitation = parsePartitionLimitation(md.partitionLimitation);
    this.metricType = t.metricType ?? "AverageValue";
    this.useCachedMetrics = t.useCachedMetrics ?? false;
    this.metricName = kafkaMetricName(triggerIndex, this.topic || undefined, this.group);
  }
  getMetricsAndActivity(env: ScalerEnv): MetricsAndActivity {
    const all = env.queues?.list().filter((q) => q.type === "kafka") ?? [];
    const topics = this.topic ? all.filter((q) => q.name === this.topic) : all.filter((q) => q.group === this.group);
    if (this.topic && topics.length === 0) throw new ScalerError(`error describing topics: kafka server: Request was for a topic or partition that does not exist on this broker`);
    const lags: number[] = [];
    let withPersistent = 0;
    for (const q of topics) {
      // Another group than the topic's consumers has committed nothing: every offset is invalid (−1).
      const ours = q.group === this.group;
      for (let p = 0; p < q.partitions; p++) {
        if (this.limitation && !this.limitation.has(p)) continue;
        const committed = ours ? q.committedOffsets[p]! : -1;
        const lag = kafkaPartitionLag(q.latestOffsets[p]!, committed, this.policy, this.scaleToZeroOnInvalid);
        withPersistent += lag;
        let metricLag = lag;
        if (this.excludePersistentLag) {
          const key = `${q.name}/${p}`;
          if (this.previousOffsets.get(key) === committed && committed >= 0) metricLag = 0;
          this.previousOffsets.set(key, committed);
        }
        lags.push(metricLag);
      }
    }
    const total = kafkaTotalLag(lags, this.opts);
    return { value: total, active: withPersistent > this.activation };
  }
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
    case "aws-sqs-queue":
      return new SqsScaler(i, t, t.name);
    case "kafka":
      return new KafkaScaler(i, t, t.name);
    case "redis":
      return new RedisListScaler(i, t, t.name);
    case "rabbitmq":
      return new RabbitMqScaler(i, t, t.name);
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
