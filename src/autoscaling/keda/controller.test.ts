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
