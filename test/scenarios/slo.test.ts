/**
 * spec.slo measured on a run worked out by hand: one php-apache pod (limit 500m, no CPU of its own),
 * 100m of CPU per request, one closed-loop client from minute 1 to minute 5. One request at a time
 * takes 0.1 CPU-s / 0.5 CPU = 200 ms exactly, so every percentile is 200 ms and every request is
 * answered within 200 ms; the client's cycle is 200 ms + 10 ms think + 3 ms wget overhead, so it sends
 * 240 s / 0.213 s = 1126.8 requests.
 */
import { describe, expect, it } from "vitest";
import { formatSummary } from "../../src/cli/text.js";
import type { SloResult } from "../../src/report/slo.js";
import { runScenario } from "./helpers.js";

const scenario = (slo: string, extra = "") => `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: slo-hand}
spec:
  duration: 5m
  nodeGroups: [{name: default, instanceType: m5.large, desired: 1}]
  usage:
    - {image: registry.k8s.io/hpa-example, cpuPerRequest: 100m, cpu: 0}
  load:
    - name: shop
      target: service/php-apache
      start: 1m
      closedLoop: {clients: 1, thinkTime: 10ms}
  slo:
${slo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  selector: {matchLabels: {app: php-apache}}
  template:
    metadata: {labels: {app: php-apache}}
    spec:
      containers:
        - name: php-apache
          image: registry.k8s.io/hpa-example
          resources: {requests: {cpu: 200m}, limits: {cpu: 500m}}
---
apiVersion: v1
kind: Service
metadata: {name: php-apache}
spec:
  selector: {app: php-apache}
  ports: [{port: 80}]
${extra}`;

// A pod no m5.large can hold (1930m allocatable): Pending from t = 0 to the end.
const TOO_BIG = `---
apiVersion: v1
kind: Pod
metadata: {name: too-big}
spec:
  containers: [{name: c, image: registry.k8s.io/pause:3.10, resources: {requests: {cpu: "4"}}}]
`;

const SLO = `    latency: {p95: 200ms, p99: 199ms}
    requestsUnder: {threshold: 200ms, target: 99.9%}
    pendingPods: {max: 60s}
    load:
      shop-canary: {latency: {p50: 1s}}`;

describe("spec.slo on a hand-worked run", () => {
  const run = runScenario({ text: scenario(SLO), name: "slo.yaml" });
  const slo = run.summary.slo as SloResult[];
  const byId = (id: string) => slo.find((r) => r.id === id)!;

  it("serves one request at a time in exactly 200 ms", () => {
    const shop = (run.summary.load as Array<Record<string, number>>)[0]!;
    expect(shop).toMatchObject({ requests: Math.round(240 / 0.213), failed: 0, latencyP50Ms: 200, latencyP95Ms: 200, latencyP99Ms: 200 });
  });

  it("latency: p95 200 ms meets ≤ 200ms (the bound is inclusive), misses ≤ 199ms", () => {
    expect(byId("load/shop/latency/p95")).toMatchObject({ measured: 200, limit: 200, met: true });
    expect(byId("load/shop/latency/p99")).toMatchObject({ measured: 200, limit: 199, met: false });
  });

  it("requestsUnder: all requests within 200 ms ⇒ 100 % ≥ 99.9 %", () => {
    expect(byId("load/shop/requestsUnder/200ms")).toMatchObject({ measured: 1, limit: 0.999, met: true });
  });

  it("a generator named in spec.slo.load that never ran misses with no figure", () => {
    expect(byId("load/shop-canary/latency/p50")).toMatchObject({ measured: null, met: false });
  });

  it("pendingPods: the one pod waits only its start-up delay (3 s ± 30 %)", () => {
    const r = byId("pendingPods/max");
    expect(r.measured).toBe((run.summary.maxPendingSeconds as number) * 1000);
    expect(r.measured!).toBeGreaterThanOrEqual(2100);
    expect(r.measured!).toBeLessThanOrEqual(3900);
    expect(r.met).toBe(true);
    expect(run.summary.maxPendingPod).toMatch(/^default\/php-apache-[a-z0-9]+-[a-z0-9]{5}$/);
  });

  it("prints met/missed with the figure in the run summary", () => {
    const text = formatSummary(run.summary);
    expect(text).toContain("slo met    shop p95 ≤ 200ms: 200ms\n");
    expect(text).toContain("slo MISSED shop p99 ≤ 199ms: 200ms\n");
    expect(text).toContain("slo met    shop requests under 200ms ≥ 99.9%: 100%\n");
    expect(text).toContain("slo MISSED shop-canary p50 ≤ 1s: no data\n");
  });

  it("requests under a threshold below the service time: 0 %", () => {
    const r = runScenario({ text: scenario("    requestsUnder: {threshold: 199ms, target: 1%}"), name: "slo2.yaml" });
    expect((r.summary.slo as SloResult[])[0]).toMatchObject({ id: "load/shop/requestsUnder/199ms", measured: 0, met: false });
  });

  it("pendingPods: a pod that never fits waits the whole run (300 s) and misses", () => {
    const r = runScenario({ text: scenario("    pendingPods: {max: 60s}", TOO_BIG), name: "slo3.yaml" });
    expect(r.summary.maxPendingSeconds).toBe(300);
    expect(r.summary.maxPendingPod).toBe("default/too-big");
    expect((r.summary.slo as SloResult[])[0]).toMatchObject({ measured: 300_000, met: false });
  });

  it("one node the whole run: peak 1, average 1", () => {
    expect([run.summary.peakNodes, run.summary.avgNodes]).toEqual([1, 1]);
  });
});
