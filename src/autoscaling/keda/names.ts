/**
 * KEDA metric names (pkg/util/normalize_string.go, pkg/scalers/scaler.go GenerateMetricNameWithIndex,
 * and each scaler's GetMetricSpecForScaling). Pinned to KEDA v2.16 by default; `version` switches
 * the v2.20 cron change (`,` → `Cm`).
 */

/** The KEDA release the simulator reproduces (the one the EKS lab installs). */
export const KEDA_VERSION = "2.16.0";

/** util.NormalizeString: `/ . : % ( )` → `-`. */
export function normalizeString(s: string): string {
  return s.replace(/[/.:%()]/g, "-");
}

/** scalers.GenerateMetricNameWithIndex: `s<i>-<name>`. */
export function metricNameWithIndex(triggerIndex: number, name: string): string {
  return `s${triggerIndex}-${name}`;
}

/** Compare dotted versions ("2.16.0" < "2.20.0"). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.replace(/^v/, "").split(".").map((x) => parseInt(x, 10) || 0);
  const b = min.replace(/^v/, "").split(".").map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** cron scaler: one schedule as it appears in the metric name. */
function cronPart(s: string, version: string): string {
  let r = s.replace(/ /g, "").replace(/\*/g, "x").replace(/\//g, "Sl").replace(/\?/g, "Qm");
  if (versionAtLeast(version, "2.20.0")) r = r.replace(/,/g, "Cm");
  return r;
}

export function cronMetricName(triggerIndex: number, timezone: string, start: string, end: string, version = KEDA_VERSION): string {
  return metricNameWithIndex(triggerIndex, normalizeString(`cron-${timezone}-${cronPart(start, version)}-${cronPart(end, version)}`));
}

export function kafkaMetricName(triggerIndex: number, topic: string | undefined, consumerGroup: string): string {
  const n = topic ? `kafka-${topic}` : `kafka-${consumerGroup}-topics`;
  return metricNameWithIndex(triggerIndex, normalizeString(n));
}

export function redisMetricName(triggerIndex: number, listName: string): string {
  return metricNameWithIndex(triggerIndex, normalizeString(`redis-${listName}`));
}

/** Go url.QueryEscape: unreserved A-Z a-z 0-9 - _ . ~ kept, space → '+', the rest %XX (upper hex, UTF-8). */
export function goQueryEscape(s: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

export function rabbitmqMetricName(triggerIndex: number, queueName: string): string {
  return metricNameWithIndex(triggerIndex, normalizeString(`rabbitmq-${goQueryEscape(queueName)}`));
}

export function prometheusMetricName(triggerIndex: number): string {
  return metricNameWithIndex(triggerIndex, "prometheus");
}

/** The queue name of an SQS queue URL: the third path segment (`/<account>/<name>`), else the raw value. */
export function sqsQueueName(queueURL: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*(\/[^?#]*)?/.exec(queueURL);
  if (!m) return queueURL;
  const segs = (m[1] ?? "").split("/");
  if (segs.length !== 3 || !segs[2]) throw new Error(`cannot get queueName from queueURL`);
  return segs[2];
}

export function sqsMetricName(triggerIndex: number, queueURL: string): string {
  return metricNameWithIndex(triggerIndex, normalizeString(`aws-sqs-${sqsQueueName(queueURL)}`));
}

/** The composite metric of scalingModifiers. */
export const COMPOSITE_METRIC_NAME = "composite-metric";
