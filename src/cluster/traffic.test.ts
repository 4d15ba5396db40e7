import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../api/controller.js";
import { EventRecorder } from "../api/events.js";
import { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import type { LoadGeneratorSpec } from "../workload/types.js";
import { ContainerRuntime, RUNTIME_SERVICE } from "./runtime.js";
import { TRAFFIC_SERVICE, TrafficController } from "./traffic.js";

const Mi = 1024 * 1024;

function setup(loads: LoadGeneratorSpec[], overrides = []) {
  const clock = new VirtualClock();
  const store = new Store(clock, new Rng(1));
  const runtime = new ContainerRuntime();
  const services = new Map<string, unknown>([[RUNTIME_SERVICE, runtime]]);
  const ctx: ControllerContext = { store, clock, rng: new Rng(2), events: new EventRecorder(store, clock), logs: new LogSink(clock), services };
  store.create({ apiVersion: "v1", kind: "Service", metadata: { name: "php-apache", namespace: "default" }, spec: { selector: { run: "php-apache" }, ports: [{ port: 80 }] } });
  const traffic = new TrafficController(loads, overrides);
  traffic.start(ctx);
  return { clock, store, runtime, traffic, services };
}

function addPod(
  env: ReturnType<typeof setup>,
  name: string,
  opts: { ready?: boolean; image?: string; limit?: string; args?: string[]; labels?: Record<string, string> } = {},
): KubeObject {
  const { store, runtime, clock } = env;
  const pod: KubeObject = store.create<KubeObject>({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: opts.labels ?? { run: "php-apache" } },
    spec: {
      nodeName: "node-1",
      containers: [
        {
          name: "php-apache",
          image: opts.image ?? "registry.k8s.io/hpa-example",
          args: opts.args,
          resources: { requests: { cpu: "200m" }, limits: opts.limit === "" ? {} : { cpu: opts.limit ?? "500m" } },
        },
      ],
    },
  });
  runtime.start(
    { podKey: `default/${name}`, podUid: pod.metadata.uid!, name: "php-apache", nodeName: "node-1", startedAt: clock.now(), cpuRequestMilli: 200, cpuLimitMilli: opts.limit === "" ? undefined : 500 },
    clock.now(),
  );
  return setReady(env, name, opts.ready ?? true);
}

function setReady(env: ReturnType<typeof setup>, name: string, ready: boolean): KubeObject {
  const cur = env.store.get("Pod", "default", name)!;
  return env.store.setStatus(cur, { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] });
}

const LAB: LoadGeneratorSpec = { name: "load-generator", namespace: "default", service: "php-apache", startMs: 10_000, closedLoop: { clients: 1, thinkTimeMs: 10 } };
/**
 * One client, think 10 ms + 3 ms wget overhead, 0.1 CPU-s per request on the 499m the 500m limit
 * leaves after Apache's 1m idle: X = 1 / (0.1/0.499 + 0.013).
 */
const S1 = 0.1 / 0.499;
const X1 = 1 / (S1 + 0.013);

describe("TrafficController", () => {
  it("registers as a service and sets intrinsic usage and memory on container start", () => {
    const env = setup([LAB]);
    expect(env.services.get(TRAFFIC_SERVICE)).toBe(env.traffic);
    addPod(env, "p1");
    const c = env.runtime.container("default/p1", "php-apache")!;
    expect(c.cpuDemandMilli).toBe(1);
    expect(c.memoryBytes).toBe(10 * Mi);
    addPod(env, "stress", { image: "polinux/stress", args: ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"], labels: { app: "x" } });
    expect(env.runtime.container("default/stress", "php-apache")!.memoryBytes).toBe(155 * Mi);
  });

  it("the lab's one-client loop drives one php-apache pod to ≈94 % of its 500m limit, from its start time", () => {
    const env = setup([LAB]);
    addPod(env, "p1");
    env.clock.runUntil(9_000);
    expect(env.runtime.container("default/p1", "php-apache")!.cpuUsedMilli).toBe(1);
    env.clock.runUntil(70_000);
    const c = env.runtime.container("default/p1", "php-apache")!;
    expect(c.cpuUsedMilli).toBeCloseTo(1 + 100 * X1, 6);
    // Cumulative counter: 1m for 70 s + request work for the 60 s of load.
    const cum = env.runtime.cpuCumulativeNanos(c, 70_000);
    expect(cum / 1e9).toBeCloseTo(0.001 * 70 + 0.1 * X1 * 60, 6);
    const [s] = env.traffic.stats();
    expect(s!.requests).toBe(Math.round(X1 * 60));
    expect(s!.throughputRps).toBeCloseTo(X1, 9);
    expect(s!.latencyP50Ms).toBeCloseTo(S1 * 1000, 0);
    expect(s!.currentLatencyP95Ms).toBeCloseTo(S1 * 1000, 6);
    expect(s!.failed).toBe(0);
    expect(s!.throughput.activeSeconds).toBe(60);
  });

  it("splits the work evenly over ready, non-terminating endpoints only", () => {
    const env = setup([{ ...LAB, startMs: 0 }]);
    for (const n of ["p1", "p2", "p3", "p4"]) addPod(env, n);
    addPod(env, "p5", { ready: false });
    addPod(env, "other", { labels: { run: "other" } });
    env.clock.runUntil(1000);
    expect(env.traffic.endpoints("default", "php-apache")).toEqual(["default/p1", "default/p2", "default/p3", "default/p4"]);
    const used = (n: string) => env.runtime.container(`default/${n}`, "php-apache")!.cpuUsedMilli;
    for (const n of ["p1", "p2", "p3", "p4"]) expect(used(n)).toBeCloseTo(1 + (100 * X1) / 4, 6);
    expect(used("p5")).toBe(1);
    expect(used("other")).toBe(1);
    setReady(env, "p5", true);
    env.clock.runUntil(2000);
    for (const n of ["p1", "p5"]) expect(used(n)).toBeCloseTo(1 + (100 * X1) / 5, 6);
    // Terminating pods leave the endpoints at once.
    env.store.registerStrategy("Pod", { gracePeriodSeconds: () => 30 });
    env.store.delete("Pod", "default", "p1");
    expect(env.store.get("Pod", "default", "p1")!.metadata.deletionTimestamp).toBeDefined();
    env.clock.runUntil(3000);
    expect(used("p1")).toBe(1);
    expect(used("p2")).toBeCloseTo(1 + (100 * X1) / 4, 6);
    expect(env.traffic.podLoad("default", "p2")!.cpuMilli).toBeCloseTo((100 * X1) / 4, 6);
  });

  it("open loop above capacity: the runtime throttles at the limit and the excess fails", () => {
    const env = setup([{ name: "open", namespace: "default", service: "php-apache", startMs: 0, openLoop: { profile: { type: "constant", rps: 10 } } }]);
    addPod(env, "p1");
    env.clock.runUntil(60_000);
    const c = env.runtime.container("default/p1", "php-apache")!;
    expect(c.cpuDemandMilli).toBeCloseTo(1 + 1000, 9);
    expect(c.cpuUsedMilli).toBe(500);
    const [s] = env.traffic.stats();
    // Capacity for requests: 499m / 0.1 CPU-s = 4.99 rps.
    expect(s!.throughputRps).toBeCloseTo(4.99, 9);
    expect(s!.requests).toBe(Math.round(4.99 * 60));
    expect(s!.failed).toBe(Math.round(5.01 * 60));
  });

  it("open loop follows profile breakpoints and counts requests exactly", () => {
    const env = setup([
      { name: "steps", namespace: "default", service: "php-apache", startMs: 0, openLoop: { profile: { type: "steps", steps: [{ atMs: 0, rps: 1 }, { atMs: 30_000, rps: 3 }] } } },
    ]);
    addPod(env, "p1");
    const demand = () => env.runtime.container("default/p1", "php-apache")!.cpuDemandMilli;
    env.clock.runUntil(10_000);
    expect(demand()).toBeCloseTo(101, 9);
    env.clock.runUntil(40_000);
    expect(demand()).toBeCloseTo(301, 9);
    const [s] = env.traffic.stats();
    expect(s!.requests).toBe(30 * 1 + 10 * 3);
    // M/M/1-PS at ρ = 0.3/0.499: mean = 0.1/0.499 / (1 − ρ)
    const C = 0.499;
    const rho = 0.3 / C;
    expect(s!.currentLatencyP50Ms).toBeCloseTo(1000 * (0.1 / C) * (1 + (rho / (1 - rho)) * Math.LN2), 6);
  });

  it("stop, start and setLoad recompute at once", () => {
    const env = setup([{ ...LAB, startMs: 0 }]);
    addPod(env, "p1", { limit: "" }); // no limit: capacity = node CPU (2 cores fallback), one request uses ≤ 1 core
    env.clock.runUntil(1000);
    const used = () => env.runtime.container("default/p1", "php-apache")!.cpuUsedMilli;
    // s = 0.1 s at one core → X = 1/0.113
    expect(used()).toBeCloseTo(1 + 100 / 0.113, 6);
    env.traffic.setLoad("load-generator", { clients: 2 });
    env.clock.runUntil(2000);
    expect(used()).toBeGreaterThan(1 + 100 / 0.113);
    env.traffic.stopLoad("load-generator");
    env.clock.runUntil(3000);
    expect(used()).toBe(1);
    expect(() => env.traffic.setLoad("load-generator", { rps: 3 })).toThrow(/closed loop/);
    expect(() => env.traffic.startLoad("nope")).toThrow(/not found/);
  });

  it("no endpoints: every request is refused", () => {
    const env = setup([{ ...LAB, startMs: 0 }]);
    env.clock.runUntil(13_000);
    const [s] = env.traffic.stats();
    expect(s!.requests).toBe(0);
    expect(s!.failed).toBe(1000); // 1 client, 13 ms per loop, 13 s
  });
});
