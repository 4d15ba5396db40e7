/**
 * The operator wired into a simulated cluster: the admission rule, a prometheus trigger read from a
 * scenario metric feed through the chained external metrics API, and fallback.
 */
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../scenario/loader.js";
import { Simulation } from "../../sim/simulation.js";

const scenario = (so: string, metrics = "") => `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: keda-unit}
spec:
  duration: 10m
  nodeGroups: [{name: ng, instanceType: m5.large, desired: 2, min: 2, max: 2}]
${metrics}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: w, image: busybox, resources: {requests: {cpu: 100m}}}]
---
${so}`;

const so = (name: string, triggers: string, extra = "") => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: ${name}}
spec:
  scaleTargetRef: {name: worker}
  minReplicaCount: 1
  maxReplicaCount: 10
${extra}
  triggers:
${triggers}`;

const PROM = (query: string) => `  - type: prometheus
    metadata: {serverAddress: "http://prometheus:9090", query: ${query}, threshold: "100"}`;

function run(text: string, untilMs: number): Simulation {
  const sim = new Simulation(loadScenarioText(text, "keda-unit.yaml"));
  sim.runUntil(untilMs);
  return sim;
}

describe("KedaOperator", () => {
  it("rejects a second ScaledObject on the same target (webhook)", () => {
    const sim = run(scenario(so("first", PROM("q"))), 1000);
    expect(() => sim.store.create(loadScenarioText(scenario(so("second", PROM("q"))), "x.yaml").objects.at(-1)!.object)).toThrow(
      `admission webhook "vscaledobject.kb.io" denied the request: the workload 'worker' of type 'apps/v1.Deployment' is already managed by the ScaledObject 'first'`,
    );
  });

  it("reads a prometheus trigger from the scenario's series: 250 / threshold 100 → 3 replicas", () => {
    const sim = run(scenario(so("w", PROM("queue_depth")), "  metrics: [{name: queue_depth, profile: {type: constant, value: 250}}]"), 120_000);
    const hpa = sim.store.get("HorizontalPodAutoscaler", "default", "keda-hpa-w")!;
    expect(hpa.spec.metrics[0].external.metric.name).toBe("s0-prometheus");
    expect(sim.store.get("Deployment", "default", "worker")!.spec.replicas).toBe(3);
    const status = sim.store.get("ScaledObject", "default", "w")!.status;
    expect(status.conditions.find((c: { type: string }) => c.type === "Active").reason).toBe("ScalerActive");
  });

  it("falls back to fallback.replicas once failures exceed failureThreshold", () => {
    const sim = run(scenario(so("w", PROM("missing_series"), "  fallback: {failureThreshold: 2, replicas: 4}")), 180_000);
    expect(sim.store.get("Deployment", "default", "worker")!.spec.replicas).toBe(4);
    const s = sim.store.get("ScaledObject", "default", "w")!.status;
    expect(s.health["s0-prometheus"].status).toBe("Failing");
    expect(s.health["s0-prometheus"].numberOfFailures).toBeGreaterThan(2);
    expect(s.conditions.find((c: { type: string }) => c.type === "Fallback")).toMatchObject({ status: "True", reason: "FallbackExists" });
  });

  it("without fallback, a failing trigger sets Ready False/TriggerError", () => {
    const sim = run(scenario(so("w", PROM("missing_series"))), 60_000);
    const s = sim.store.get("ScaledObject", "default", "w")!.status;
    expect(s.conditions.find((c: { type: string }) => c.type === "Ready")).toMatchObject({ status: "False", reason: "TriggerError" });
    expect(sim.store.get("Deployment", "default", "worker")!.spec.replicas).toBe(1);
  });

  it("paused-replicas holds the target and removes the HPA", () => {
    const sim = run(scenario(so("w", PROM("q")).replace("metadata: {name: w}", 'metadata: {name: w, annotations: {autoscaling.keda.sh/paused-replicas: "5"}}')), 60_000);
    expect(sim.store.get("Deployment", "default", "worker")!.spec.replicas).toBe(5);
    expect(sim.store.get("HorizontalPodAutoscaler", "default", "keda-hpa-w")).toBeUndefined();
    const s = sim.store.get("ScaledObject", "default", "w")!.status;
    expect(s.conditions.find((c: { type: string }) => c.type === "Paused")).toMatchObject({ status: "True", reason: "ScaledObjectPaused" });
  });
});

// ---------------------------------------------------------------------------- lifecycle (2.16)

const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: w, image: busybox, resources: {requests: {cpu: 100m}}}]`;

/** A scenario with one Deployment and one ScaledObject `w` (min 0, poll 30 s) on feed `q` (value `q`). */
const lifecycle = (opts: { replicas: number; q: number; annotations?: string; advanced?: string; extra?: string }) => `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: keda-lifecycle}
spec:
  duration: 10m
  nodeGroups: [{name: ng, instanceType: m5.large, desired: 2, min: 2, max: 2}]
  metrics: [{name: q, profile: {type: constant, value: ${opts.q}}}]
---
${deployment(opts.replicas)}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: w
  annotations: {${opts.annotations ?? ""}}
spec:
  scaleTargetRef: {name: worker}
  minReplicaCount: 0
  maxReplicaCount: 10
  pollingInterval: 30
${opts.advanced ? `  advanced: {${opts.advanced}}\n` : ""}${opts.extra ?? ""}  triggers:
${PROM("q")}`;

const replicasOf = (sim: Simulation) => sim.store.get("Deployment", "default", "worker")!.spec.replicas as number;
const hpaOf = (sim: Simulation) => sim.store.get("HorizontalPodAutoscaler", "default", "keda-hpa-w");
const soOf = (sim: Simulation) => sim.store.get("ScaledObject", "default", "w");
const condsOf = (sim: Simulation) =>
  Object.fromEntries((soOf(sim)!.status.conditions as Array<{ type: string; status: string; reason?: string; message?: string }>).map((c) => [c.type, c]));
/** Events about ScaledObject w as [t seconds, reason, message]. */
const soEvents = (sim: Simulation) =>
  (sim.store.list("Event") as unknown as Array<{ involvedObject: { kind: string; name: string }; firstTimestamp: string; reason: string; message: string }>)
    .filter((e) => e.involvedObject.kind === "ScaledObject" && e.involvedObject.name === "w")
    .map((e) => [sim.clock.parseIso(e.firstTimestamp) / 1000, e.reason, e.message] as const);

describe("KedaOperator: finalizer and deletion (scaledobject_finalizer.go)", () => {
  // Feed q = 0 with activationThreshold 0 → inactive. Poll t = 0: lastActiveTime nil and
  // creation + initialCooldownPeriod(0) = 0 is not after now = 0 (upstream's creationTimestamp is
  // whole seconds and its first poll runs ms later, so `Before(now)` holds) → Deactivated 3 → 0 on
  // the first poll. originalReplicaCount = 3 (the replicas at the first reconcile).
  it("adds finalizer.keda.sh and the scaledobject.keda.sh/name label; records originalReplicaCount 3; scales 3 → 0 on the first poll", () => {
    const sim = run(lifecycle({ replicas: 3, q: 0 }), 1_000);
    expect(soOf(sim)!.metadata.finalizers).toEqual(["finalizer.keda.sh"]);
    expect(soOf(sim)!.metadata.labels).toEqual({ "scaledobject.keda.sh/name": "w" });
    // The HPA copies the SO's labels (hpa.go), so it carries the label too.
    expect(hpaOf(sim)!.metadata.labels!["scaledobject.keda.sh/name"]).toBe("w");
    expect(condsOf(sim).Active).toMatchObject({ status: "False", reason: "ScalerNotActive" });
    expect(replicasOf(sim)).toBe(0);
    expect(soEvents(sim)).toContainEqual([0, "KEDAScaleTargetDeactivated", "Deactivated apps/v1.Deployment default/worker from 3 to 0"]);
    expect(soOf(sim)!.status.originalReplicaCount).toBe(3);
  });

  it("initialCooldownPeriod 45 s holds the first scale to 0 until the poll at 60 s (creation + 45 s before now)", () => {
    const sim = run(lifecycle({ replicas: 3, q: 0, extra: "  initialCooldownPeriod: 45\n" }), 59_000);
    expect(condsOf(sim).Active).toMatchObject({ status: "False", reason: "ScalerCooldown" });
    expect(replicasOf(sim)).toBe(3);
    sim.runUntil(61_000);
    expect(replicasOf(sim)).toBe(0);
    expect(soEvents(sim)).toContainEqual([60, "KEDAScaleTargetDeactivated", "Deactivated apps/v1.Deployment default/worker from 3 to 0"]);
  });

  it("restoreToOriginalReplicaCount: true — deleting at t = 60 s puts the Deployment back to 3; HPA and finalizer gone", () => {
    const sim = run(lifecycle({ replicas: 3, q: 0, advanced: "restoreToOriginalReplicaCount: true" }), 60_000);
    expect(replicasOf(sim)).toBe(0);
    expect(hpaOf(sim)).toBeDefined();
    sim.store.delete("ScaledObject", "default", "w");
    // The finalizer ran inside the delete: replicas restored, finalizer removed, object gone.
    expect(replicasOf(sim)).toBe(3);
    expect(soOf(sim)).toBeUndefined();
    // The HPA is owned by the SO: the garbage collector removes it once the owner is gone.
    sim.runUntil(61_000);
    expect(hpaOf(sim)).toBeUndefined();
    expect(soEvents(sim)).toContainEqual([60, "ScaledObjectDeleted", "ScaledObject was deleted"]);
    const logs = sim.logs.records("keda-operator").filter((r) => r.t === 60_000).map((r) => r.message);
    expect(logs).toEqual(["Successfully restored scaleTarget's replica count back to the original", "Successfully finalized ScaledObject"]);
    expect(sim.logs.records("keda-operator").find((r) => r.message.startsWith("Successfully restored"))!.fields).toMatchObject({ replicaCount: 3 });
    // No poll after the deletion: the Deployment is not taken back to 0 at t = 90 s.
    sim.runUntil(120_000);
    expect(replicasOf(sim)).toBe(3);
  });

  it("restoreToOriginalReplicaCount unset — the Deployment stays at 0 after the deletion", () => {
    const sim = run(lifecycle({ replicas: 3, q: 0 }), 60_000);
    sim.store.delete("ScaledObject", "default", "w");
    sim.runUntil(120_000);
    expect(replicasOf(sim)).toBe(0);
    expect(soOf(sim)).toBeUndefined();
    expect(hpaOf(sim)).toBeUndefined();
    expect(soEvents(sim)).toContainEqual([60, "ScaledObjectDeleted", "ScaledObject was deleted"]);
    expect(sim.logs.records("keda-operator").some((r) => r.message.startsWith("Successfully restored"))).toBe(false);
  });

  it("restores after HPA scale-up too: 3 → 10 by the HPA (q = 1000 / threshold 100) → delete → 3", () => {
    const sim = run(lifecycle({ replicas: 3, q: 1000, advanced: "restoreToOriginalReplicaCount: true" }), 120_000);
    expect(replicasOf(sim)).toBe(10);
    sim.store.delete("ScaledObject", "default", "w");
    expect(replicasOf(sim)).toBe(3);
  });

  it("target deleted first: nothing to restore, the ScaledObject still goes away", () => {
    const sim = run(lifecycle({ replicas: 3, q: 0, advanced: "restoreToOriginalReplicaCount: true" }), 60_000);
    sim.store.delete("Deployment", "default", "worker");
    sim.store.delete("ScaledObject", "default", "w");
    expect(soOf(sim)).toBeUndefined();
    const msgs = sim.logs.records("keda-operator").filter((r) => r.t === 60_000).map((r) => r.message);
    expect(msgs).toEqual(["Failed to get scaleTarget's scale status, because it was probably deleted", "Successfully finalized ScaledObject"]);
  });

  it("created paused: no scaleTargetGVKR yet, so nothing is restored on deletion", () => {
    const sim = run(lifecycle({ replicas: 3, q: 0, annotations: 'autoscaling.keda.sh/paused: "true"', advanced: "restoreToOriginalReplicaCount: true" }), 60_000);
    expect(soOf(sim)!.status.scaleTargetGVKR).toBeUndefined();
    expect(replicasOf(sim)).toBe(3);
    sim.store.mutate("Deployment", "default", "worker", (d) => {
      d.spec.replicas = 5;
    });
    sim.store.delete("ScaledObject", "default", "w");
    expect(replicasOf(sim)).toBe(5);
    expect(soOf(sim)).toBeUndefined();
  });
});

describe("KedaOperator: pause, conditions and columns as in 2.16", () => {
  it("has exactly Ready/Active/Fallback/Paused (no HPAActive before 2.21); Paused stays Unknown when never paused", () => {
    const sim = run(lifecycle({ replicas: 1, q: 250 }), 60_000);
    const conds = soOf(sim)!.status.conditions as Array<{ type: string; status: string }>;
    expect(conds.map((c) => c.type)).toEqual(["Ready", "Active", "Fallback", "Paused"]);
    expect(conds[3]).toEqual({ type: "Paused", status: "Unknown" });
  });

  it("paused: Paused True + Ready 'ScaledObject is paused', HPA deleted; removing it → ScaledObjectUnpaused and the HPA back", () => {
    const sim = run(lifecycle({ replicas: 2, q: 250 }), 60_000);
    expect(hpaOf(sim)).toBeDefined();
    sim.store.mutate("ScaledObject", "default", "w", (d) => {
      d.metadata.annotations = { "autoscaling.keda.sh/paused": "true" };
    });
    sim.runUntil(61_000);
    expect(hpaOf(sim)).toBeUndefined();
    expect(condsOf(sim).Paused).toEqual({ type: "Paused", status: "True", reason: "ScaledObjectPaused", message: "ScaledObject is paused" });
    expect(condsOf(sim).Ready).toEqual({ type: "Ready", status: "True", reason: "ScaledObjectReady", message: "ScaledObject is paused" });
    const frozen = replicasOf(sim);
    sim.runUntil(300_000);
    expect(replicasOf(sim)).toBe(frozen);
    sim.store.mutate("ScaledObject", "default", "w", (d) => {
      d.metadata.annotations = {};
    });
    expect(hpaOf(sim)).toBeDefined();
    expect(condsOf(sim).Paused).toEqual({ type: "Paused", status: "False", reason: "ScaledObjectUnpaused", message: "pause annotation removed for ScaledObject" });
    expect(condsOf(sim).Ready).toMatchObject({ status: "True", message: "ScaledObject is defined correctly and is ready for scaling" });
  });

  it("paused: a value that is not a bool pauses, \"false\" does not (strconv.ParseBool)", () => {
    expect(hpaOf(run(lifecycle({ replicas: 1, q: 250, annotations: 'autoscaling.keda.sh/paused: "yes"' }), 1_000))).toBeUndefined();
    expect(hpaOf(run(lifecycle({ replicas: 1, q: 250, annotations: 'autoscaling.keda.sh/paused: "false"' }), 1_000))).toBeDefined();
  });

  it("paused-replicas: status.pausedReplicaCount while paused, dropped once the annotation is removed", () => {
    const sim = run(lifecycle({ replicas: 1, q: 250, annotations: 'autoscaling.keda.sh/paused-replicas: "4"' }), 30_000);
    expect(replicasOf(sim)).toBe(4);
    expect(soOf(sim)!.status.pausedReplicaCount).toBe(4);
    sim.store.mutate("ScaledObject", "default", "w", (d) => {
      d.metadata.annotations = {};
    });
    expect(soOf(sim)!.status.pausedReplicaCount).toBeUndefined();
  });

  it("ignores autoscaling.keda.sh/paused-scale-in (a 2.18 annotation): the HPA keeps its default scaleDown and the operator still scales to 0", () => {
    const sim = run(lifecycle({ replicas: 3, q: 0, annotations: 'autoscaling.keda.sh/paused-scale-in: "true"' }), 31_000);
    expect(hpaOf(sim)!.spec.behavior).toBeUndefined();
    expect(replicasOf(sim)).toBe(0);
    expect(soEvents(sim)).toContainEqual([0, "KEDAScaleTargetDeactivated", "Deactivated apps/v1.Deployment default/worker from 3 to 0"]);
  });

  it("status.triggersTypes / authenticationsTypes feed the 2.16 kubectl columns", async () => {
    const { registerControllerViews } = await import("../../server/components.js");
    const { defaultParts } = await import("../../server/parts.js");
    const text = lifecycle({ replicas: 1, q: 250 }).replace(
      PROM("q"),
      `${PROM("q")}\n    authenticationRef: {name: prom-auth}\n${PROM("q")}\n    authenticationRef: {name: prom-auth}\n  - type: cron\n    metadata: {timezone: Etc/UTC, start: "0 * * * *", end: "30 * * * *", desiredReplicas: "2"}`,
    );
    const sim = run(text, 1_000);
    expect(soOf(sim)!.status.triggersTypes).toBe("prometheus,cron");
    expect(soOf(sim)!.status.authenticationsTypes).toBe("prom-auth");
    registerControllerViews(sim);
    const table = defaultParts().tableFor("ScaledObject", [soOf(sim)!], { nowMs: sim.clock.epochMs + 1_000 }) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "ScaleTargetKind", "ScaleTargetName", "Min", "Max", "Ready", "Active", "Fallback", "Paused", "Triggers", "Authentications", "Age"]);
    expect(table.rows[0].cells.slice(0, 11)).toEqual(["w", "apps/v1.Deployment", "worker", 0, 10, "True", "True", "False", "Unknown", "prometheus,cron", "prom-auth"]);
  });
});

describe("KedaOperator: admission (vscaledobject.kb.io)", () => {
  const denied = (m: string) => `admission webhook "vscaledobject.kb.io" denied the request: ${m}`;
  const soObject = (text: string) => loadScenarioText(scenario(text), "x.yaml").objects.at(-1)!.object;
  const CPU = `  - type: cpu\n    metricType: Utilization\n    metadata: {value: "50"}`;
  const MEM = `  - type: memory\n    metricType: Utilization\n    metadata: {value: "50"}`;
  const base = () => run(scenario(so("other", PROM("q")).replace("{name: worker}", "{name: elsewhere}")), 1000);

  it("cpu/memory triggers need the request on every container (or a LimitRange default)", () => {
    const sim = base();
    expect(() => sim.store.create(soObject(so("m", MEM)))).toThrow(denied("the scaledobject has a memory trigger but the container w doesn't have the memory request defined"));
    sim.store.create({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "defaults", namespace: "default" }, spec: { limits: [{ type: "Container", defaultRequest: { memory: "64Mi" } }] } });
    expect(() => sim.store.create(soObject(so("m", MEM)))).not.toThrow();
  });

  it("cpu/memory triggers only with minReplicaCount 0 are refused; a missing Deployment is refused with its NotFound", () => {
    const sim = base();
    expect(() => sim.store.create(soObject(so("c", CPU).replace("minReplicaCount: 1", "minReplicaCount: 0")))).toThrow(
      denied("scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work in this case)"),
    );
    expect(() => sim.store.create(soObject(so("c", CPU).replace("{name: worker}", "{name: nope}")))).toThrow(denied('deployments.apps "nope" not found'));
    // A non-cpu trigger beside it makes scale to zero possible again.
    expect(() => sim.store.create(soObject(so("c", `${CPU}\n${PROM("q")}`).replace("minReplicaCount: 1", "minReplicaCount: 0")))).not.toThrow();
  });

  it("ValidateTriggers words: useCachedMetrics on cron, duplicate trigger names", () => {
    const sim = base();
    const cron = `  - type: cron\n    useCachedMetrics: true\n    metadata: {timezone: Etc/UTC, start: "0 * * * *", end: "30 * * * *", desiredReplicas: "2"}`;
    expect(() => sim.store.create(soObject(so("t", cron)))).toThrow(denied('property "useCachedMetrics" is not supported for "cron" scaler'));
    const named = `${PROM("q")}\n    name: a\n${PROM("q")}\n    name: a`;
    expect(() => sim.store.create(soObject(so("t", named)))).toThrow(denied('triggerName "a" is defined multiple times in the ScaledObject/ScaledJob, but it must be unique'));
  });

  it("the finalizer can still be removed after the target is gone (isRemovingFinalizer skips the webhook)", () => {
    const sim = run(scenario(so("c", CPU)), 30_000);
    sim.store.delete("Deployment", "default", "worker");
    sim.runUntil(31_000);
    sim.store.delete("ScaledObject", "default", "c");
    expect(sim.store.get("ScaledObject", "default", "c")).toBeUndefined();
  });
});

describe("KedaOperator: fallback as 2.16 has it", () => {
  it("ignores fallback.behavior (2.17): currentReplicasIfLower still falls back to the static 4, not min(1, 4) = 1", () => {
    const sim = run(scenario(so("w", PROM("missing_series"), "  fallback: {failureThreshold: 2, replicas: 4, behavior: currentReplicasIfLower}")), 180_000);
    expect(sim.store.get("Deployment", "default", "worker")!.spec.replicas).toBe(4);
  });

  it("does not fall back on a Value target (2.18): the HPA keeps failing and the Deployment stays at 1", () => {
    const trigger = `${PROM("missing_series")}\n    metricType: Value`;
    const sim = run(scenario(so("w", trigger, "  fallback: {failureThreshold: 2, replicas: 4}")), 180_000);
    expect(sim.store.get("Deployment", "default", "worker")!.spec.replicas).toBe(1);
    const s = sim.store.get("ScaledObject", "default", "w")!.status;
    expect(s.health["s0-prometheus"]).toMatchObject({ status: "Failing" });
    expect(s.conditions.find((c: { type: string }) => c.type === "Fallback")).toMatchObject({ status: "False", reason: "NoFallbackFound" });
  });
});
