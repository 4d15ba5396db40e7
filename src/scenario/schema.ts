/**
 * The `kind: Scenario` document (apiVersion scalelab.dev/v1alpha1): its user-facing YAML shape,
 * defaults and strict validation. See docs/scenario-format.md.
 *
 * Everything but `spec.timeline` is converted here; timeline entries are parsed by timeline.ts.
 */
import { regionZones } from "../cloud/aws/network.js";
import { isFinishing, SQS_MAX_WAIT_TIME_MS } from "../workload/queue-workers.js";
import type { LoadGeneratorSpec, QueueSpec, RateProfile, UsageOverride } from "../workload/types.js";
import { parseSlo } from "./slo.js";
import type { AwsSettings, InsufficientCapacitySpec, KarpenterSettings, MetricFeedSpec, NodeGroupSpec, ScenarioSpec } from "./types.js";
import {
  arr,
  bytes,
  cpuMilli,
  duration,
  int,
  isPlainObject,
  num,
  obj,
  oneOf,
  optStr,
  render,
  required,
  str,
  strMap,
  type DocContext,
  type Path,
} from "./validate.js";

export const SCENARIO_API_VERSION = "scalelab.dev/v1alpha1";
export const SCENARIO_KIND = "Scenario";

/** Documented defaults (docs/scenario-format.md). */
export const DEFAULTS = {
  region: "us-east-1",
  durationMs: 60 * 60_000,
  seed: 1,
  startTime: "2025-01-01T00:00:00Z",
  startTimeMs: Date.UTC(2025, 0, 1, 0, 0, 0),
  nodeGroup: { capacityType: "ON_DEMAND" as const, desired: 2 },
  load: { timeoutMs: 30_000, clients: 1, thinkTimeMs: 0 },
  metricNamespace: "default",
  settings: {
    metricResolutionMs: 15_000,
    hpaSyncPeriodMs: 15_000,
    hpaTolerance: 0.1,
    hpaDownscaleStabilizationMs: 5 * 60_000,
    hpaCpuInitializationPeriodMs: 5 * 60_000,
    hpaInitialReadinessDelayMs: 30_000,
    podStartupDelayMs: 3_000,
    nodeStartupDelayMs: 60_000,
  },
  karpenter: { spotToSpotConsolidation: false, batchIdleDurationMs: 1_000, batchMaxDurationMs: 10_000 },
  aws: { iceRate: 0 },
} as const;

/** The default zone list of a scenario: the zones a new account sees in the region (a, b, c otherwise). */
export function defaultZones(region: string): string[] {
  return regionZones(region);
}

const REGION_RE = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** The parsed Scenario document minus the timeline (raw entries returned for timeline.ts). */
export interface ParsedScenarioDoc {
  spec: Omit<ScenarioSpec, "timeline">;
  rawTimeline: unknown[];
}

const TOP_FIELDS = ["apiVersion", "kind", "metadata", "spec"];
const META_FIELDS = ["name", "namespace", "labels", "annotations"];
const SPEC_FIELDS = [
  "region",
  "zones",
  "duration",
  "seed",
  "startTime",
  "nodeGroups",
  "load",
  "usage",
  "metrics",
  "queues",
  "settings",
  "karpenter",
  "aws",
  "slo",
  "timeline",
];

export function parseScenarioDoc(ctx: DocContext, raw: unknown, defaultName: string): ParsedScenarioDoc {
  const top = obj(ctx, raw, [], TOP_FIELDS);
  let name = defaultName;
  if (top.metadata !== undefined && top.metadata !== null) {
    const meta = obj(ctx, top.metadata, ["metadata"], META_FIELDS);
    if (meta.name !== undefined) name = str(ctx, meta.name, ["metadata", "name"]);
  }
  const s = top.spec === undefined || top.spec === null ? {} : obj(ctx, top.spec, ["spec"], SPEC_FIELDS);
  const P = (...p: Path): Path => ["spec", ...p];

  const region = s.region === undefined ? DEFAULTS.region : str(ctx, s.region, P("region"));
  if (!REGION_RE.test(region)) ctx.fail(P("region"), `Invalid value: ${render(region)}: must be an AWS region name such as "us-east-1"`);

  let zones: string[];
  if (s.zones === undefined) zones = defaultZones(region);
  else {
    zones = arr(ctx, s.zones, P("zones")).map((z, i) => {
      const zone = str(ctx, z, P("zones", i));
      if (!(zone.startsWith(region) && /^[a-z]$/.test(zone.slice(region.length)))) {
        ctx.fail(P("zones", i), `Invalid value: ${render(zone)}: zone is not in region ${render(region)}`);
      }
      return zone;
    });
    if (zones.length === 0) ctx.fail(P("zones"), "Required value: at least one zone");
    const dup = zones.findIndex((z, i) => zones.indexOf(z) !== i);
    if (dup >= 0) ctx.fail(P("zones", dup), `Duplicate value: ${render(zones[dup])}`);
  }

  const durationMs = s.duration === undefined ? DEFAULTS.durationMs : duration(ctx, s.duration, P("duration"));
  if (durationMs <= 0) ctx.fail(P("duration"), `Invalid value: ${render(s.duration)}: must be greater than 0`);
  const seed = s.seed === undefined ? DEFAULTS.seed : int(ctx, s.seed, P("seed"), 0);

  let startTimeMs: number = DEFAULTS.startTimeMs;
  if (s.startTime !== undefined) {
    // YAML may already have turned an unquoted timestamp into a Date (yaml 1.1 schema); accept both.
    const v = s.startTime;
    const t = v instanceof Date ? v.getTime() : typeof v === "string" && RFC3339_RE.test(v) ? Date.parse(v) : NaN;
    if (!Number.isFinite(t)) {
      ctx.fail(P("startTime"), `Invalid value: ${render(v)}: must be an RFC 3339 time such as "2025-01-01T00:00:00Z"`);
    }
    startTimeMs = t;
  }

  const nodeGroups =
    s.nodeGroups === undefined ? [] : arr(ctx, s.nodeGroups, P("nodeGroups")).map((g, i) => parseNodeGroup(ctx, g, P("nodeGroups", i), zones));
  uniqueNames(ctx, nodeGroups, P("nodeGroups"));

  const load = s.load === undefined ? [] : arr(ctx, s.load, P("load")).map((l, i) => parseLoad(ctx, l, P("load", i), durationMs));
  uniqueNames(ctx, load, P("load"));

  const usage = s.usage === undefined ? [] : arr(ctx, s.usage, P("usage")).map((u, i) => parseUsage(ctx, u, P("usage", i)));
  const metrics = s.metrics === undefined ? [] : arr(ctx, s.metrics, P("metrics")).map((m, i) => parseMetric(ctx, m, P("metrics", i)));
  const queues = s.queues === undefined || s.queues === null ? [] : arr(ctx, s.queues, P("queues")).map((q, i) => parseQueue(ctx, q, P("queues", i)));
  uniqueNames(ctx, queues, P("queues"));
  const settings = parseSettings(ctx, s.settings, P("settings"));
  const karpenter = parseKarpenter(ctx, s.karpenter, P("karpenter"));
  const aws = parseAws(ctx, s.aws, P("aws"), zones);
  const slo = parseSlo(ctx, s.slo, P("slo"));
  const rawTimeline = s.timeline === undefined || s.timeline === null ? [] : arr(ctx, s.timeline, P("timeline"));

  return {
    spec: { name, region, zones, durationMs, seed, startTimeMs, nodeGroups, load, usage, metrics, ...(queues.length ? { queues } : {}), settings, karpenter, aws, ...(slo ? { slo } : {}) },
    rawTimeline,
  };
}

const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function uniqueNames(ctx: DocContext, items: Array<{ name: string }>, path: Path): void {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.name)) ctx.fail([...path, i, "name"], `Duplicate value: ${render(it.name)}`);
    seen.add(it.name);
  });
}

function dnsLabel(ctx: DocContext, v: unknown, path: Path): string {
  const s = str(ctx, v, path);
  if (s.length > 63 || !DNS_LABEL_RE.test(s)) ctx.fail(path, `Invalid value: ${render(s)}: ${DNS_LABEL_MSG}`);
  return s;
}

const NODE_GROUP_FIELDS = ["name", "instanceType", "capacityType", "desired", "min", "max", "zones", "labels", "taints"];
const TAINT_FIELDS = ["key", "value", "effect"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

function parseNodeGroup(ctx: DocContext, raw: unknown, path: Path, scenarioZones: string[]): NodeGroupSpec {
  const g = obj(ctx, raw, path, NODE_GROUP_FIELDS);
  const P = (...p: Path): Path => [...path, ...p];
  const name = dnsLabel(ctx, required(ctx, g, path, "name"), P("name"));
  const instanceType = str(ctx, required(ctx, g, path, "instanceType"), P("instanceType"));
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(instanceType)) {
    ctx.fail(P("instanceType"), `Invalid value: ${render(instanceType)}: must be an EC2 instance type such as "m5.large"`);
  }
  const capacityType = g.capacityType === undefined ? DEFAULTS.nodeGroup.capacityType : oneOf(ctx, g.capacityType, P("capacityType"), ["ON_DEMAND", "SPOT"] as const);
  // eksctl-style defaults: desired 2, min = desired, max = max(desired, min)
  const desiredGiven = g.desired !== undefined ? int(ctx, g.desired, P("desired"), 0) : undefined;
  const minGiven = g.min !== undefined ? int(ctx, g.min, P("min"), 0) : undefined;
  const maxGiven = g.max !== undefined ? int(ctx, g.max, P("max"), 0) : undefined;
  const desired = desiredGiven ?? minGiven ?? DEFAULTS.nodeGroup.desired;
  const min = minGiven ?? Math.min(desired, maxGiven ?? desired);
  const max = maxGiven ?? Math.max(desired, min);
  if (min > max) ctx.fail(P("min"), `Invalid value: ${min}: must be less than or equal to max (${max})`);
  if (desired < min || desired > max) ctx.fail(P(desiredGiven !== undefined ? "desired" : "min"), `Invalid value: ${desired}: desired must be between min (${min}) and max (${max})`);
  const out: NodeGroupSpec = { name, instanceType, capacityType, desired, min, max };
  if (g.zones !== undefined) {
    out.zones = arr(ctx, g.zones, P("zones")).map((z, i) => {
      const zone = str(ctx, z, P("zones", i));
      if (!scenarioZones.includes(zone)) {
        ctx.fail(P("zones", i), `Unsupported value: ${render(zone)}: supported values: ${scenarioZones.map((s) => JSON.stringify(s)).join(", ")}`);
      }
      return zone;
    });
  }
  if (g.labels !== undefined) out.labels = strMap(ctx, g.labels, P("labels"));
  if (g.taints !== undefined) {
    out.taints = arr(ctx, g.taints, P("taints")).map((t, i) => {
      const tp = P("taints", i);
      const o = obj(ctx, t, tp, TAINT_FIELDS);
      const taint: NonNullable<NodeGroupSpec["taints"]>[number] = {
        key: str(ctx, required(ctx, o, tp, "key"), [...tp, "key"]),
        effect: oneOf(ctx, required(ctx, o, tp, "effect"), [...tp, "effect"], TAINT_EFFECTS),
      };
      if (o.value !== undefined) taint.value = typeof o.value === "string" ? o.value : str(ctx, o.value, [...tp, "value"]);
      return taint;
    });
  }
  return out;
}

const LOAD_FIELDS = ["name", "target", "namespace", "service", "start", "stop", "openLoop", "closedLoop", "timeout"];

/** `service/x`, `svc/x`, `services/x`, `ns/service/x`, or plain `x`. */
export function parseServiceTarget(s: string): { namespace?: string; service: string } | undefined {
  const parts = s.split("/");
  const isSvc = (p: string) => p === "service" || p === "services" || p === "svc";
  if (parts.length === 1 && parts[0]) return { service: parts[0] };
  if (parts.length === 2 && isSvc(parts[0]) && parts[1]) return { service: parts[1] };
  if (parts.length === 3 && parts[0] && isSvc(parts[1]) && parts[2]) return { namespace: parts[0], service: parts[2] };
  return undefined;
}

function parseLoad(ctx: DocContext, raw: unknown, path: Path, durationMs: number): LoadGeneratorSpec {
  const l = obj(ctx, raw, path, LOAD_FIELDS);
  const P = (...p: Path): Path => [...path, ...p];
  const name = dnsLabel(ctx, required(ctx, l, path, "name"), P("name"));
  let namespace = l.namespace !== undefined ? dnsLabel(ctx, l.namespace, P("namespace")) : undefined;
  let service: string;
  if (l.target !== undefined) {
    if (l.service !== undefined) ctx.fail(P("service"), "Forbidden: may not be set together with target");
    const t = str(ctx, l.target, P("target"));
    const parsed = parseServiceTarget(t);
    if (!parsed) ctx.fail(P("target"), `Invalid value: ${render(t)}: must be "service/<name>" or "<namespace>/service/<name>"`);
    if (parsed.namespace && namespace && parsed.namespace !== namespace) {
      ctx.fail(P("target"), `Invalid value: ${render(t)}: namespace does not match namespace ${render(namespace)}`);
    }
    namespace = parsed.namespace ?? namespace;
    service = parsed.service;
  } else if (l.service !== undefined) {
    service = str(ctx, l.service, P("service"));
  } else {
    ctx.fail(P("target"), "Required value: the Service to send requests to, e.g. service/php-apache");
  }
  const startMs = l.start === undefined ? 0 : duration(ctx, l.start, P("start"));
  const stopMs = l.stop === undefined ? undefined : duration(ctx, l.stop, P("stop"));
  if (stopMs !== undefined && stopMs <= startMs) ctx.fail(P("stop"), `Invalid value: ${render(l.stop)}: must be after start`);
  if (startMs > durationMs) ctx.fail(P("start"), `Invalid value: ${render(l.start)}: must not be after spec.duration`);
  const out: LoadGeneratorSpec = {
    name,
    namespace: namespace ?? "default",
    service,
    startMs,
    timeoutMs: l.timeout === undefined ? DEFAULTS.load.timeoutMs : duration(ctx, l.timeout, P("timeout")),
  };
  if (stopMs !== undefined) out.stopMs = stopMs;
  if ((l.openLoop === undefined) === (l.closedLoop === undefined)) {
    ctx.fail(l.openLoop === undefined ? path : P("closedLoop"), l.openLoop === undefined ? "Required value: exactly one of openLoop or closedLoop" : "Forbidden: only one of openLoop or closedLoop may be set");
  }
  if (l.openLoop !== undefined) {
    const o = obj(ctx, l.openLoop, P("openLoop"), ["profile"]);
    out.openLoop = { profile: parseProfile(ctx, required(ctx, o, P("openLoop"), "profile"), P("openLoop", "profile"), "rps") };
  } else {
    const c = obj(ctx, l.closedLoop, P("closedLoop"), ["clients", "thinkTime"]);
    out.closedLoop = {
      clients: c.clients === undefined ? DEFAULTS.load.clients : int(ctx, c.clients, P("closedLoop", "clients"), 1),
      thinkTimeMs: c.thinkTime === undefined ? DEFAULTS.load.thinkTimeMs : duration(ctx, c.thinkTime, P("closedLoop", "thinkTime")),
    };
  }
  return out;
}

const PROFILE_TYPES = ["constant", "steps", "ramp", "diurnal", "trace"] as const;

/**
 * A rate/value profile. `valueKey` is "rps" for load and "value" for metric feeds (both keys are
 * accepted everywhere; the documented one is preferred).
 *   {type: constant, rps}            {type: steps, steps: [{at, rps}]}   {type: ramp, from, to, over}
 *   {type: diurnal, min, max, period, peakAt}                          {type: trace, points: [{at, rps}]}
 */
export function parseProfile(ctx: DocContext, raw: unknown, path: Path, valueKey: "rps" | "value"): RateProfile {
  if (!isPlainObject(raw)) ctx.fail(path, `Invalid value: ${render(raw)}: must be an object`);
  const P = (...p: Path): Path => [...path, ...p];
  const type = oneOf(ctx, required(ctx, raw, path, "type"), P("type"), PROFILE_TYPES);
  const val = (o: Record<string, unknown>, p: Path): number => {
    const k = o.rps !== undefined ? "rps" : o.value !== undefined ? "value" : valueKey;
    return num(ctx, required(ctx, o, p, k), [...p, k], 0);
  };
  const points = (key: "steps" | "points") => {
    const list = arr(ctx, required(ctx, raw, path, key), P(key));
    if (list.length === 0) ctx.fail(P(key), "Required value: at least one point");
    let last = -1;
    return list.map((x, i) => {
      const pp = P(key, i);
      const o = obj(ctx, x, pp, ["at", "rps", "value"]);
      const atMs = duration(ctx, required(ctx, o, pp, "at"), [...pp, "at"]);
      if (atMs < last) ctx.fail([...pp, "at"], `Invalid value: ${render(o.at)}: points must be in time order`);
      last = atMs;
      return { atMs, rps: val(o, pp) };
    });
  };
  switch (type) {
    case "constant":
      obj(ctx, raw, path, ["type", "rps", "value"]);
      return { type, rps: val(raw, path) };
    case "steps":
      obj(ctx, raw, path, ["type", "steps"]);
      return { type, steps: points("steps") };
    case "trace":
      obj(ctx, raw, path, ["type", "points"]);
      return { type, points: points("points") };
    case "ramp": {
      obj(ctx, raw, path, ["type", "from", "to", "over"]);
      const overMs = duration(ctx, required(ctx, raw, path, "over"), P("over"));
      if (overMs <= 0) ctx.fail(P("over"), `Invalid value: ${render(raw.over)}: must be greater than 0`);
      return {
        type,
        fromRps: num(ctx, required(ctx, raw, path, "from"), P("from"), 0),
        toRps: num(ctx, required(ctx, raw, path, "to"), P("to"), 0),
        overMs,
      };
    }
    case "diurnal": {
      obj(ctx, raw, path, ["type", "min", "max", "period", "peakAt"]);
      const minRps = num(ctx, required(ctx, raw, path, "min"), P("min"), 0);
      const maxRps = num(ctx, required(ctx, raw, path, "max"), P("max"), 0);
      if (maxRps < minRps) ctx.fail(P("max"), `Invalid value: ${maxRps}: must be greater than or equal to min (${minRps})`);
      const periodMs = raw.period === undefined ? 24 * 3_600_000 : duration(ctx, raw.period, P("period"));
      if (periodMs <= 0) ctx.fail(P("period"), `Invalid value: ${render(raw.period)}: must be greater than 0`);
      const peakAtMs = raw.peakAt === undefined ? periodMs / 2 : duration(ctx, raw.peakAt, P("peakAt"));
      return { type, minRps, maxRps, periodMs, peakAtMs };
    }
  }
}

const USAGE_FIELDS = ["image", "namespace", "workload", "container", "cpu", "cpuPerRequest", "memory", "memoryPerRequest", "run", "exitCode"];

function parseUsage(ctx: DocContext, raw: unknown, path: Path): UsageOverride {
  const u = obj(ctx, raw, path, USAGE_FIELDS);
  const P = (...p: Path): Path => [...path, ...p];
  const match: UsageOverride["match"] = {};
  for (const k of ["image", "namespace", "workload", "container"] as const) {
    const v = optStr(ctx, u[k], P(k));
    if (v !== undefined) match[k] = v;
  }
  const out: UsageOverride = { match };
  if (u.cpu !== undefined) out.cpuMilli = cpuMilli(ctx, u.cpu, P("cpu"));
  // "200m" of CPU per request = 0.2 CPU-seconds of work per request
  if (u.cpuPerRequest !== undefined) out.cpuSecondsPerRequest = cpuMilli(ctx, u.cpuPerRequest, P("cpuPerRequest")) / 1000;
  if (u.memory !== undefined) out.memoryBytes = bytes(ctx, u.memory, P("memory"));
  if (u.memoryPerRequest !== undefined) out.memoryPerRequestBytes = bytes(ctx, u.memoryPerRequest, P("memoryPerRequest"));
  // A batch container's running time and exit status (workload/exit.ts); exit codes are one byte.
  if (u.run !== undefined) out.runMs = duration(ctx, u.run, P("run"));
  if (u.exitCode !== undefined) out.exitCode = int(ctx, u.exitCode, P("exitCode"), 0, 255);
  return out;
}

const METRIC_FIELDS = ["name", "type", "namespace", "labels", "object", "profile"];
const METRIC_TYPES = ["External", "Pods", "Object"] as const;

function parseMetric(ctx: DocContext, raw: unknown, path: Path): MetricFeedSpec {
  const m = obj(ctx, raw, path, METRIC_FIELDS);
  const P = (...p: Path): Path => [...path, ...p];
  const out: MetricFeedSpec = {
    name: str(ctx, required(ctx, m, path, "name"), P("name")),
    type: m.type === undefined ? "External" : oneOf(ctx, m.type, P("type"), METRIC_TYPES),
    namespace: m.namespace === undefined ? DEFAULTS.metricNamespace : dnsLabel(ctx, m.namespace, P("namespace")),
    profile: parseProfile(ctx, required(ctx, m, path, "profile"), P("profile"), "value"),
  };
  if (m.labels !== undefined) out.labels = strMap(ctx, m.labels, P("labels"));
  if (m.object !== undefined) {
    const o = obj(ctx, m.object, P("object"), ["kind", "name", "apiVersion"]);
    out.object = { kind: str(ctx, required(ctx, o, P("object"), "kind"), P("object", "kind")), name: str(ctx, required(ctx, o, P("object"), "name"), P("object", "name")) };
    if (o.apiVersion !== undefined) out.object.apiVersion = str(ctx, o.apiVersion, P("object", "apiVersion"));
  } else if (out.type === "Object") {
    ctx.fail(P("object"), "Required value: the described object of an Object metric");
  }
  return out;
}

const QUEUE_FIELDS = ["name", "type", "partitions", "producer", "consumer"];
const QUEUE_CONSUMER_FIELDS = ["namespace", "deployment", "selector", "perPodRate", "cpuPerMessage", "container", "group", "batchSize", "messagesPerPod", "idleExit"];

/** `spec.queues[i]`: an SQS queue or a Kafka topic, its producer and its consumer workload. */
function parseQueue(ctx: DocContext, raw: unknown, path: Path): QueueSpec {
  const q = obj(ctx, raw, path, QUEUE_FIELDS);
  const P = (...p: Path): Path => [...path, ...p];
  const type = oneOf(ctx, required(ctx, q, path, "type"), P("type"), ["sqs", "kafka", "rabbitmq", "redis"] as const);
  let partitions = 1;
  if (q.partitions !== undefined) {
    if (type !== "kafka") ctx.fail(P("partitions"), "Forbidden: partitions are for type kafka");
    partitions = int(ctx, q.partitions, P("partitions"), 1);
  }
  const pr = obj(ctx, required(ctx, q, path, "producer"), P("producer"), ["profile"]);
  const profile = parseProfile(ctx, required(ctx, pr, P("producer"), "profile"), P("producer", "profile"), "rps");
  const c = obj(ctx, required(ctx, q, path, "consumer"), P("consumer"), QUEUE_CONSUMER_FIELDS);
  const C = (...p: Path): Path => [...path, "consumer", ...p];
  const consumer: QueueSpec["consumer"] = {
    namespace: c.namespace === undefined ? DEFAULTS.metricNamespace : dnsLabel(ctx, c.namespace, C("namespace")),
    perPodRate: num(ctx, required(ctx, c, P("consumer"), "perPodRate"), C("perPodRate"), 0),
  };
  if (c.deployment !== undefined) consumer.deployment = str(ctx, c.deployment, C("deployment"));
  if (c.selector !== undefined) consumer.selector = strMap(ctx, c.selector, C("selector"));
  if ((consumer.deployment === undefined) === (consumer.selector === undefined)) ctx.fail(P("consumer"), "Required value: exactly one of deployment or selector");
  // "50m" of CPU per message = 0.05 CPU-seconds of work per message
  if (c.cpuPerMessage !== undefined) consumer.cpuSecondsPerMessage = cpuMilli(ctx, c.cpuPerMessage, C("cpuPerMessage")) / 1000;
  if (c.container !== undefined) consumer.container = str(ctx, c.container, C("container"));
  if (c.group !== undefined) {
    if (type !== "kafka") ctx.fail(C("group"), "Forbidden: a consumer group is for type kafka");
    consumer.group = str(ctx, c.group, C("group"));
  }
  if (c.batchSize !== undefined) {
    if (type === "kafka") ctx.fail(C("batchSize"), "Forbidden: batchSize is for work queues (sqs, rabbitmq, redis)");
    consumer.batchSize = int(ctx, c.batchSize, C("batchSize"), 1, 10);
  }
  parseFinishing(ctx, c, type, consumer, C);
  return { name: str(ctx, required(ctx, q, path, "name"), P("name")), type, partitions, producer: { profile }, consumer };
}

/**
 * `consumer.messagesPerPod` / `consumer.idleExit`: workers that exit 0 when done (KEDA ScaledJob
 * pods). idleExit defaults to SQS's longest long poll with messagesPerPod; "never" turns it off.
 */
function parseFinishing(ctx: DocContext, c: Record<string, unknown>, type: QueueSpec["type"], consumer: QueueSpec["consumer"], C: (...p: Path) => Path): void {
  for (const f of ["messagesPerPod", "idleExit"]) {
    if (type === "kafka" && c[f] !== undefined) {
      ctx.fail(C(f), `Forbidden: ${f} is for work queues (sqs, rabbitmq, redis); a Kafka consumer group member owns whole partitions and commits offsets, it does not take single messages`);
    }
  }
  if (c.messagesPerPod !== undefined) consumer.messagesPerPod = int(ctx, c.messagesPerPod, C("messagesPerPod"), 1);
  if (c.idleExit === "never") {
    // no idle exit: the worker blocks until a message comes (a Redis BRPOP with timeout 0)
  } else if (c.idleExit !== undefined) consumer.idleExitMs = duration(ctx, c.idleExit, C("idleExit"));
  else if (consumer.messagesPerPod !== undefined) consumer.idleExitMs = SQS_MAX_WAIT_TIME_MS;
  if (isFinishing(consumer) && !(consumer.perPodRate > 0)) {
    ctx.fail(C("perPodRate"), `Invalid value: ${consumer.perPodRate}: must be greater than 0 when the consumers finish (messagesPerPod, idleExit)`);
  }
}

/** User-facing settings keys → ScenarioSpec.settings keys (durations unless noted). */
const SETTINGS: Record<string, keyof ScenarioSpec["settings"]> = {
  metricResolution: "metricResolutionMs",
  hpaSyncPeriod: "hpaSyncPeriodMs",
  hpaTolerance: "hpaTolerance",
  hpaDownscaleStabilization: "hpaDownscaleStabilizationMs",
  hpaCpuInitializationPeriod: "hpaCpuInitializationPeriodMs",
  hpaInitialReadinessDelay: "hpaInitialReadinessDelayMs",
  podStartupDelay: "podStartupDelayMs",
  nodeStartupDelay: "nodeStartupDelayMs",
};

function parseSettings(ctx: DocContext, raw: unknown, path: Path): ScenarioSpec["settings"] {
  const out: ScenarioSpec["settings"] = { ...DEFAULTS.settings };
  if (raw === undefined || raw === null) return out;
  const o = obj(ctx, raw, path, Object.keys(SETTINGS));
  for (const [k, v] of Object.entries(o)) {
    const target = SETTINGS[k];
    if (target === "hpaTolerance") out.hpaTolerance = num(ctx, v, [...path, k], 0);
    else out[target] = duration(ctx, v, [...path, k]);
  }
  if (out.hpaSyncPeriodMs <= 0) ctx.fail([...path, "hpaSyncPeriod"], `Invalid value: ${render(o.hpaSyncPeriod)}: must be greater than 0`);
  if (out.metricResolutionMs <= 0) ctx.fail([...path, "metricResolution"], `Invalid value: ${render(o.metricResolution)}: must be greater than 0`);
  return out;
}

const FEATURE_GATES = ["SpotToSpotConsolidation"] as const;

/** `spec.karpenter`: `{featureGates: {SpotToSpotConsolidation}, batchIdleDuration, batchMaxDuration}`. */
function parseKarpenter(ctx: DocContext, raw: unknown, path: Path): KarpenterSettings {
  const out: KarpenterSettings = {
    featureGates: { SpotToSpotConsolidation: DEFAULTS.karpenter.spotToSpotConsolidation },
    batchIdleDurationMs: DEFAULTS.karpenter.batchIdleDurationMs,
    batchMaxDurationMs: DEFAULTS.karpenter.batchMaxDurationMs,
  };
  if (raw === undefined || raw === null) return out;
  const o = obj(ctx, raw, path, ["featureGates", "batchIdleDuration", "batchMaxDuration"]);
  if (o.featureGates !== undefined && o.featureGates !== null) {
    const fg = obj(ctx, o.featureGates, [...path, "featureGates"], FEATURE_GATES);
    if (fg.SpotToSpotConsolidation !== undefined) {
      const v = fg.SpotToSpotConsolidation;
      if (typeof v !== "boolean") ctx.fail([...path, "featureGates", "SpotToSpotConsolidation"], `Invalid value: ${render(v)}: must be true or false`);
      out.featureGates.SpotToSpotConsolidation = v;
    }
  }
  if (o.batchIdleDuration !== undefined) out.batchIdleDurationMs = duration(ctx, o.batchIdleDuration, [...path, "batchIdleDuration"]);
  if (o.batchMaxDuration !== undefined) out.batchMaxDurationMs = duration(ctx, o.batchMaxDuration, [...path, "batchMaxDuration"]);
  if (out.batchIdleDurationMs <= 0) ctx.fail([...path, "batchIdleDuration"], `Invalid value: ${render(o.batchIdleDuration)}: must be greater than 0`);
  if (out.batchMaxDurationMs < out.batchIdleDurationMs) {
    ctx.fail([...path, "batchMaxDuration"], `Invalid value: ${render(o.batchMaxDuration ?? "10s")}: must be greater than or equal to batchIdleDuration`);
  }
  return out;
}

const CAPACITY_TYPES = ["spot", "on-demand"] as const;

/** `spec.aws`: `{launchDelay, iceRate, insufficientCapacity: [{instanceType, zone, capacityType}]}`. */
function parseAws(ctx: DocContext, raw: unknown, path: Path, zones: string[]): AwsSettings {
  const out: AwsSettings = { iceRate: DEFAULTS.aws.iceRate, insufficientCapacity: [] };
  if (raw === undefined || raw === null) return out;
  const o = obj(ctx, raw, path, ["launchDelay", "iceRate", "insufficientCapacity"]);
  if (o.launchDelay !== undefined) out.launchDelayMs = duration(ctx, o.launchDelay, [...path, "launchDelay"]);
  if (o.iceRate !== undefined) {
    out.iceRate = num(ctx, o.iceRate, [...path, "iceRate"], 0);
    if (out.iceRate > 1) ctx.fail([...path, "iceRate"], `Invalid value: ${out.iceRate}: must be a probability between 0 and 1`);
  }
  if (o.insufficientCapacity !== undefined) {
    out.insufficientCapacity = arr(ctx, o.insufficientCapacity, [...path, "insufficientCapacity"]).map((x, i) => {
      const ip: Path = [...path, "insufficientCapacity", i];
      const e = obj(ctx, x, ip, ["instanceType", "zone", "capacityType"]);
      const spec: InsufficientCapacitySpec = {};
      if (e.instanceType !== undefined) spec.instanceType = str(ctx, e.instanceType, [...ip, "instanceType"]);
      if (e.zone !== undefined) {
        const z = str(ctx, e.zone, [...ip, "zone"]);
        if (!zones.includes(z)) ctx.fail([...ip, "zone"], `Unsupported value: ${render(z)}: supported values: ${zones.map((s) => JSON.stringify(s)).join(", ")}`);
        spec.zone = z;
      }
      if (e.capacityType !== undefined) spec.capacityType = oneOf(ctx, e.capacityType, [...ip, "capacityType"], CAPACITY_TYPES);
      if (!spec.instanceType && !spec.zone && !spec.capacityType) ctx.fail(ip, "Required value: at least one of instanceType, zone, capacityType");
      return spec;
    });
  }
  return out;
}
