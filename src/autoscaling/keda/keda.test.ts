/** Unit tests: cron semantics, the formula evaluator, the executor's rows, the generated HPA. */
import { describe, expect, it } from "vitest";
import { cronNext, formatWall, parseCron } from "../../core/cron.js";
import { compileFormula } from "./expr.js";
import { COND, fallbackValue, requestScale } from "./executor.js";
import { buildHpa, quantityString } from "./hpa.js";
import { buildScaler, type Trigger } from "./scalers.js";
import { goQueryEscape } from "./names.js";

const next = (spec: string, tz: string, nowIso: string) => {
  const n = cronNext(parseCron(spec), tz, Date.parse(nowIso))!;
  return { wall: formatWall(n.wallMs), utc: new Date(n.utcMs).toISOString() };
};

describe("cron (robfig standard parser, IANA zones)", () => {
  it("is strictly after now, minute precision", () => {
    // 10:20:00 exactly: the next */20 firing is 10:40, not 10:20.
    expect(next("*/20 * * * *", "Etc/UTC", "2024-01-01T10:20:00Z").wall).toBe("2024-01-01T10:40:00");
    expect(next("*/20 * * * *", "Etc/UTC", "2024-01-01T10:07:31Z").wall).toBe("2024-01-01T10:20:00");
  });
  it("ORs day-of-month and day-of-week when neither is *", () => {
    // 2024-01-01 was a Monday: after Jan 2, the 1st-or-Monday rule fires on Monday Jan 8.
    expect(next("0 0 1 * MON", "Etc/UTC", "2024-01-02T00:00:00Z").wall).toBe("2024-01-08T00:00:00");
    expect(next("0 0 1 * *", "Etc/UTC", "2024-01-02T00:00:00Z").wall).toBe("2024-02-01T00:00:00");
  });
  it("handles half-hour zones and descriptors", () => {
    // Asia/Kolkata is UTC+5:30: 03:00Z is 08:30 local; the next 09:00 local is 03:30Z.
    expect(next("0 9 * * *", "Asia/Kolkata", "2024-01-01T03:00:00Z")).toEqual({ wall: "2024-01-01T09:00:00", utc: "2024-01-01T03:30:00.000Z" });
    expect(next("@hourly", "Etc/UTC", "2024-01-01T03:00:00Z").wall).toBe("2024-01-01T04:00:00");
  });
  it("rejects bad schedules with robfig's words", () => {
    expect(() => parseCron("0 0 * *")).toThrow("expected exactly 5 fields, found 4");
    expect(() => parseCron("61 * * * *")).toThrow("end of range (61) above maximum (59): 61");
  });
  it("the cron trigger validates with KEDA's 5-field parser: descriptors and Quartz fields are errors", () => {
    const cron = (start: string) => () => buildScaler(0, { type: "cron", metadata: { timezone: "Asia/Seoul", start, end: "0 18 * * *", desiredReplicas: "2" } });
    expect(cron("@daily")).toThrow("error parsing start schedule: parser does not accept descriptors: @daily");
    expect(cron("0 9 L * *")).toThrow('error parsing start schedule: failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax');
    expect(cron("0 9 * * 1-5")).not.toThrow();
  });
});

describe("scalingModifiers formula evaluator", () => {
  const ev = (f: string, env: Record<string, number> = {}) => compileFormula(f).evaluate(env);
  it("evaluates arithmetic, ternaries and builtins", () => {
    expect(ev("max(a, b) * 2 + 1", { a: 3, b: 5 })).toBe(11);
    expect(ev("a > 2 ? a : 0", { a: 3 })).toBe(3);
    expect(ev("2 ** 3 ** 2")).toBe(512); // right-associative
    expect(ev("-a + b % 3", { a: 3, b: 5 })).toBe(-1);
    expect(ev("(a + b) / 2", { a: 1, b: 2 })).toBe(1.5);
    expect(ev("a == 0 || b > 1 and not false", { a: 1, b: 2 })).toBe(true);
    expect(compileFormula("trig_one + trig_two * 2").identifiers).toEqual(["trig_one", "trig_two"]);
  });
  it("never runs JavaScript", () => {
    expect(() => ev("process.exit(1)")).toThrow();
    expect(() => ev("constructor", {})).toThrow("unknown name constructor");
    expect(() => ev("eval(1)")).toThrow("unknown func eval");
  });
});

describe("executor (RequestScale)", () => {
  const base = { isError: false, creationTime: 0, now: 1_000_000 };
  it("activates idle → min when idleReplicaCount is set", () => {
    expect(requestScale({ ...base, isActive: true, currentReplicas: 0, minReplicaCount: 2, idleReplicaCount: 0 }).action).toEqual({ kind: "activate", replicas: 2 });
  });
  it("goes to idle after the initial cooldown when never active", () => {
    const d = requestScale({ ...base, isActive: false, currentReplicas: 3, minReplicaCount: 2, idleReplicaCount: 0, initialCooldownPeriodSec: 60 });
    expect(d.action).toEqual({ kind: "deactivate", replicas: 0, idle: true });
    // 60 s initial cooldown not yet passed at t = 50 s.
    expect(requestScale({ ...base, now: 50_000, isActive: false, currentReplicas: 3, minReplicaCount: 2, idleReplicaCount: 0, initialCooldownPeriodSec: 60 }).active).toEqual(COND.cooldown);
  });
  it("cooldown: the poll one cooldown after the last active one scales down (upstream's stamp is whole seconds, its poll ms late)", () => {
    expect(requestScale({ ...base, isActive: false, currentReplicas: 1, lastActiveTime: base.now - 299_999, cooldownPeriodSec: 300 }).action.kind).toBe("none");
    expect(requestScale({ ...base, isActive: false, currentReplicas: 1, lastActiveTime: base.now - 300_000, cooldownPeriodSec: 300 }).action.kind).toBe("deactivate");
  });
  it("a new ScaledObject with inactive triggers and initialCooldownPeriod 0 scales to 0 on its first poll", () => {
    expect(requestScale({ ...base, isActive: false, currentReplicas: 3, creationTime: base.now, initialCooldownPeriodSec: 0 }).action).toMatchObject({ kind: "deactivate", replicas: 0 });
    expect(requestScale({ ...base, isActive: false, currentReplicas: 3, creationTime: base.now, initialCooldownPeriodSec: 60 }).action.kind).toBe("none");
  });
  it("errors: TriggerError without fallback, nothing with fallback, PartialTriggerError when active", () => {
    expect(requestScale({ ...base, isActive: false, isError: true, currentReplicas: 1 }).ready).toEqual(COND.triggerError);
    expect(requestScale({ ...base, isActive: false, isError: true, hasFallback: true, fallbackReplicas: 3, currentReplicas: 1 }).action.kind).toBe("none");
    expect(requestScale({ ...base, isActive: true, isError: true, currentReplicas: 2 }).ready).toEqual(COND.partial);
  });
  it("sets min at once below min without idle", () => {
    expect(requestScale({ ...base, isActive: false, currentReplicas: 1, minReplicaCount: 3 }).action).toEqual({ kind: "setMin", replicas: 3 });
  });
  it("fallback behaviours: target × N, N per ready pod for Value targets", () => {
    const f = { failureThreshold: 3, replicas: 6 };
    expect(fallbackValue({ ...f, behavior: "currentReplicasIfHigher" }, "AverageValue", 10, 8)).toBe(80);
    expect(fallbackValue({ ...f, behavior: "currentReplicasIfLower" }, "AverageValue", 10, 8)).toBe(60);
    expect(fallbackValue(f, "Value", 10, 2, 2)).toBe(30);
  });
});

describe("generated HPA", () => {
  const so = {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name: "web", namespace: "shop", uid: "u1", labels: { team: "a" } },
    spec: {
      scaleTargetRef: { name: "web" },
      minReplicaCount: 2,
      advanced: { horizontalPodAutoscalerConfig: { name: "custom-hpa", behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } },
      triggers: <Trigger[]>[
        { type: "cpu", metricType: "Utilization" as const, metadata: { value: "60" } },
        { type: "prometheus", metadata: { serverAddress: "http://p", query: "q", threshold: "2.5" } },
        { type: "memory", metricType: "AverageValue" as const, metadata: { value: "512Mi", containerName: "app" } },
      ],
    },
  };
  it("puts External before Resource, copies behavior, honours the name override", () => {
    const hpa = buildHpa(so, so.spec.triggers.map((t, i) => buildScaler(i, t)));
    expect(hpa.metadata.name).toBe("custom-hpa");
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(100);
    expect(hpa.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 60 } });
    expect(hpa.spec.metrics.map((m: { type: string }) => m.type)).toEqual(["External", "Resource", "ContainerResource"]);
    expect(hpa.spec.metrics[0].external).toEqual({ metric: { name: "s1-prometheus", selector: { matchLabels: { "scaledobject.keda.sh/name": "web" } } }, target: { type: "AverageValue", averageValue: "2500m" } });
    expect(hpa.spec.metrics[1].resource).toEqual({ name: "cpu", target: { type: "Utilization", averageUtilization: 60 } });
    expect(hpa.spec.metrics[2].containerResource).toEqual({ name: "memory", container: "app", target: { type: "AverageValue", averageValue: "512Mi" } });
    expect(hpa.metadata.labels).toMatchObject({ team: "a", "app.kubernetes.io/managed-by": "keda-operator", "app.kubernetes.io/part-of": "web" });
  });
  it("replaces External metrics by composite-metric with scalingModifiers", () => {
    const s2 = { ...so, spec: { ...so.spec, advanced: { scalingModifiers: { formula: "x", target: "5" } } } };
    const hpa = buildHpa(s2, s2.spec.triggers.map((t, i) => buildScaler(i, t)));
    expect(hpa.metadata.name).toBe("keda-hpa-web");
    expect(hpa.spec.metrics.map((m: any) => m.external?.metric.name ?? m.type)).toEqual(["composite-metric", "Resource", "ContainerResource"]);
  });
  it("formats quantities at milli precision and escapes like Go's QueryEscape", () => {
    expect(quantityString(0.1234)).toBe("123m");
    expect(quantityString(10)).toBe("10");
    expect(goQueryEscape("a b/c*")).toBe("a+b%2Fc%2A");
  });
});

describe("aws-sqs-queue and kafka scalers against the queues service", async () => {
  const { buildScaler, kafkaPartitionLag, parsePartitionLimitation } = await import("./scalers.js");
  const snap = (o: Record<string, unknown>) => ({ name: "orders", type: "sqs", group: "", partitions: 1, produced: 0, consumed: 0, remaining: 0, visible: 0, inFlight: 0, latestOffsets: [0], positions: [0], committedOffsets: [0], lag: [0], consumers: 0, producerRate: 0, ...o }) as never;
  const env = (qs: unknown[]) => ({ nowUtcMs: 0, queues: { queue: (n: string) => (qs as Array<{ name: string }>).find((q) => q.name === n) as never, list: () => qs as never } });
  it("sqs: visible + not visible (scaleOnInFlight default true), target queueLength, activation", () => {
    const s = buildScaler(0, { type: "aws-sqs-queue", metadata: { queueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/orders", awsRegion: "us-east-1", queueLength: "10", activationQueueLength: "300" } });
    expect(s.metricName).toBe("s0-aws-sqs-orders");
    expect(s.target).toBe(10);
    expect(s.getMetricsAndActivity(env([snap({ visible: 200, inFlight: 100 })]))).toEqual({ value: 300, active: false });
    const s2 = buildScaler(0, { type: "aws-sqs-queue", metadata: { queueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/orders", awsRegion: "us-east-1", scaleOnInFlight: "false" } });
    expect(s2.target).toBe(5);
    expect(s2.getMetricsAndActivity(env([snap({ visible: 200, inFlight: 100 })]))).toEqual({ value: 200, active: true });
    expect(() => s2.getMetricsAndActivity(env([]))).toThrow(/NonExistentQueue/);
  });
  it("kafka: capped total lag (3 partitions, threshold 10: lag 35 stays 35, 45 → 30), activation on the real lag", () => {
    const t = (lags: number[], md: Record<string, string> = {}) =>
      buildScaler(1, { type: "kafka", metadata: { bootstrapServers: "b:9092", consumerGroup: "g", topic: "orders", lagThreshold: "10", ...md } }).getMetricsAndActivity(
        env([snap({ type: "kafka", group: "g", partitions: 3, latestOffsets: lags, committedOffsets: [0, 0, 0] })]),
      );
    expect(t([12, 12, 11])).toEqual({ value: 35, active: true });
    expect(t([15, 15, 15])).toEqual({ value: 30, active: true });
    expect(t([15, 15, 15], { allowIdleConsumers: "true" })).toEqual({ value: 45, active: true });
    expect(t([0, 0, 0])).toEqual({ value: 0, active: false });
    expect(t([5, 0, 0], { activationLagThreshold: "5" })).toEqual({ value: 5, active: false });
    expect(t([5, 7, 9], { partitionLimitation: "0,2" })).toEqual({ value: 14, active: true });
    // Another group has committed nothing: lag 1 per partition with offsetResetPolicy latest.
    expect(buildScaler(0, { type: "kafka", metadata: { bootstrapServers: "b", consumerGroup: "other", topic: "orders" } }).getMetricsAndActivity(env([snap({ type: "kafka", group: "g", partitions: 3, latestOffsets: [9, 9, 9], committedOffsets: [0, 0, 0] })])).value).toBe(3);
    expect(kafkaPartitionLag(40, -1, "earliest", false)).toBe(40);
    expect(kafkaPartitionLag(40, -1, "latest", true)).toBe(0);
    expect([...parsePartitionLimitation("1,2,10-12")]).toEqual([1, 2, 10, 11, 12]);
    expect(() => buildScaler(0, { type: "kafka", metadata: { bootstrapServers: "b", consumerGroup: "g", allowIdleConsumers: "true", limitToPartitionsWithLag: "true", topic: "x" } })).toThrow(/cannot be set simultaneously/);
  });
});
