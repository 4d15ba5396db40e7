/**
 * The HPA table the labs observe (hpa.md §14), through the whole simulated pipeline: a fixed total
 * CPU demand spread over the Deployment's ready pods, metrics-server, then the HPA.
 * Total demand = rps × 0.1 CPU-seconds per request, so 2.08 rps over 2 pods of 200m = 52 %.
 */
import { describe, expect, it } from "vitest";
import { rescales, runScenario } from "./helpers.js";

function scenario(replicas: number, rps: number): string {
  return `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: table}
spec:
  duration: 12m
  nodeGroups: [{name: ng, instanceType: m5.xlarge, desired: 2}]
  usage: [{image: registry.k8s.io/hpa-example, cpu: 0m, cpuPerRequest: 100m, memory: 12Mi}]
  load:
    - name: fixed
      target: service/php-apache
      openLoop: {profile: {type: constant, rps: ${rps}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {run: php-apache}}
  template:
    metadata: {labels: {run: php-apache}}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        resources: {requests: {cpu: 200m}, limits: {cpu: "1"}}
---
apiVersion: v1
kind: Service
metadata: {name: php-apache}
spec:
  selector: {run: php-apache}
  ports: [{port: 80}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: php-apache}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: php-apache}
  minReplicas: 1
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
`;
}

function finalReplicas(replicas: number, rps: number) {
  // 12 minutes: past the 5-minute CPU initialization period and a full downscale window.
  const run = runScenario({ text: scenario(replicas, rps) });
  const hpa = run.sim.store.get("HorizontalPodAutoscaler", "default", "php-apache")!;
  const utilizations = run.hpa.map((h) => (h.metrics as Array<{ averageUtilization?: number }>)[0]?.averageUtilization);
  return { replicas: run.sim.store.get("Deployment", "default", "php-apache")!.spec.replicas, hpa, utilizations, ups: rescales(run.events, "php-apache") };
}

describe("the labs' HPA table, end to end", () => {
  it("2 pods at 52 % of a 50 % target stay at 2 (ratio 1.04 within tolerance)", () => {
    const r = finalReplicas(2, 2.08);
    expect(r.utilizations).toContain(52);
    expect(r.ups).toEqual([]);
    expect(r.replicas).toBe(2);
  });

  it("2 pods at 56 % → 3", () => {
    const r = finalReplicas(2, 2.24);
    expect(r.utilizations).toContain(56);
    expect(r.ups.map(([, n]) => n)).toEqual([3]);
    expect(r.replicas).toBe(3);
  });

  it("2 pods at 93 % → 4", () => {
    const r = finalReplicas(2, 3.72);
    expect(r.utilizations).toContain(93);
    expect(r.ups[0]![1]).toBe(4);
    expect(r.ups[0]![2]).toBe("New size: 4; reason: cpu resource utilization (percentage of request) above target");
    expect(r.replicas).toBe(4);
  });

  it("4 pods at 48 % stay at 4", () => {
    const r = finalReplicas(4, 3.84);
    expect(r.utilizations).toContain(48);
    expect(r.ups).toEqual([]);
    expect(r.replicas).toBe(4);
  });
});
