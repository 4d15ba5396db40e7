import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../api/controller.js";
import { EventRecorder } from "../api/events.js";
import { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { ContainerRuntime, RUNTIME_SERVICE } from "../cluster/runtime.js";
import { VirtualClock } from "../core/clock.js";
import { parseSelector } from "../core/labels.js";
import { Rng } from "../core/rng.js";
import { RESOURCE_METRICS_SERVICE } from "./api.js";
import { MetricsServer } from "./metrics-server.js";

const Mi = 1024 * 1024;

function setup(opts: { resolutionMs?: number } = {}) {
  const clock = new VirtualClock();
  const store = new Store(clock, new Rng(1));
  const runtime = new ContainerRuntime();
  const services = new Map<string, unknown>([[RUNTIME_SERVICE, runtime]]);
  const ctx: ControllerContext = { store, clock, rng: new Rng(2), events: new EventRecorder(store, clock), logs: new LogSink(clock), services };
  const ms = new MetricsServer({ ...opts, firstScrapeAtMs: 0 });
  ms.start(ctx);
  return { clock, store, runtime, ms, services };
}

type Env = ReturnType<typeof setup>;

function pod(env: Env, name: string, labels: Record<string, string> = { app: "web" }, ns = "default"): KubeObject {
  return env.store.create<KubeObject>({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels }, spec: { nodeName: "node-1", containers: [{ name: "app" }] } });
}

function startContainer(env: Env, p: KubeObject, name: string, demandMilli: number, memory = 0, nodeName = "node-1") {
  const key = `${p.metadata.namespace}/${p.metadata.name}`;
  env.runtime.start({ podKey: key, podUid: p.metadata.uid!, name, nodeName, startedAt: env.clock.now(), cpuRequestMilli: 100, cpuLimitMilli: undefined, cpuDemandMilli: demandMilli, memoryBytes: memory }, env.clock.now());
}

describe("MetricsServer", () => {
  it("registers under metrics.k8s.io and rejects a resolution under 10 s", () => {
    const env = setup();
    expect(env.services.get(RESOURCE_METRICS_SERVICE)).toBe(env.ms);
    expect(() => new MetricsServer({ resolutionMs: 5000 })).toThrow(/at least 10s/);
  });

  it("a container started ≥10 s but < one resolution before a scrape is served after that one scrape, from (startTime, 0)", () => {
    const env = setup();
    const p = pod(env, "a");
    env.clock.runUntil(3000);
    startContainer(env, p, "app", 500, 20 * Mi);
    env.clock.runUntil(14_999);
    expect(env.ms.podMetrics("default")).toEqual([]);
    env.clock.runUntil(15_000);
    const [m] = env.ms.podMetrics("default");
    expect(m).toMatchObject({ name: "a", timestamp: 15_000, windowMs: 12_000 });
    expect(m!.containers).toEqual([{ name: "app", cpuMilli: 500, memoryBytes: 20 * Mi }]);
    // Next scrape: a normal two-point window.
    env.clock.runUntil(30_000);
    expect(env.ms.podMetrics("default")[0]).toMatchObject({ timestamp: 30_000, windowMs: 15_000 });
  });

  it("a container younger than 10 s at its first scrape needs two scrapes", () => {
    const env = setup();
    const p = pod(env, "b");
    env.clock.runUntil(8000);
    startContainer(env, p, "app", 250);
    env.clock.runUntil(15_000);
    expect(env.ms.podMetrics("default")).toEqual([]);
    env.clock.runUntil(30_000);
    const [m] = env.ms.podMetrics("default");
    expect(m).toMatchObject({ timestamp: 30_000, windowMs: 15_000 });
    expect(m!.containers[0]!.cpuMilli).toBe(250);
  });

  it("CPU is the rate between the last two cumulative points", () => {
    const env = setup();
    const p = pod(env, "c");
    env.clock.runUntil(3000);
    startContainer(env, p, "app", 200);
    env.clock.runUntil(20_000);
    env.runtime.setCpuDemand("default/c", "app", 800, 20_000);
    env.clock.runUntil(30_000);
    // (200 m × 5 s + 800 m × 10 s) / 15 s = 600 m
    expect(env.ms.podMetrics("default")[0]!.containers[0]!.cpuMilli).toBeCloseTo(600, 9);
    env.clock.runUntil(45_000);
    expect(env.ms.podMetrics("default")[0]!.containers[0]!.cpuMilli).toBe(800);
  });

  it("truncates to whole nano-cores", () => {
    const env = setup();
    const p = pod(env, "t");
    env.clock.runUntil(1000);
    startContainer(env, p, "app", 1); // 1 m
    env.clock.runUntil(15_000);
    env.runtime.setCpuDemand("default/t", "app", 0, 15_000);
    env.clock.runUntil(22_000);
    env.runtime.setCpuDemand("default/t", "app", 1, 22_000);
    env.clock.runUntil(30_000);
    // 1 m for 8 s of 15 s = 0.5333… m = 533333.33 n → 533333 n
    expect(env.ms.podMetrics("default")[0]!.containers[0]!.cpuMilli).toBe(533333 / 1e6);
  });

  it("a restarted container starts over; a pod is served only when every container has both points", () => {
    const env = setup();
    const p = pod(env, "d");
    env.clock.runUntil(1000);
    startContainer(env, p, "app", 100);
    startContainer(env, p, "sidecar", 10);
    env.clock.runUntil(30_000);
    expect(env.ms.podMetrics("default")[0]!.containers.map((c) => c.name)).toEqual(["app", "sidecar"]);
    env.clock.runUntil(38_000);
    startContainer(env, p, "sidecar", 10); // restart at 38 s: 7 s old at the 45 s scrape
    env.clock.runUntil(45_000);
    expect(env.ms.podMetrics("default")).toEqual([]);
    env.clock.runUntil(60_000);
    expect(env.ms.podMetrics("default")[0]).toMatchObject({ timestamp: 60_000, windowMs: 15_000 });
    // Restart at 62 s: 13 s old at the 75 s scrape → served again at once with a 13 s window for it.
    env.clock.runUntil(62_000);
    startContainer(env, p, "app", 100);
    env.clock.runUntil(75_000);
    const m = env.ms.podMetrics("default")[0]!;
    expect(m.containers.find((c) => c.name === "app")!.cpuMilli).toBe(100);
  });

  it("a stopped container disappears with the next scrape", () => {
    const env = setup();
    const p = pod(env, "e");
    env.clock.runUntil(2000);
    startContainer(env, p, "app", 100);
    env.clock.runUntil(15_000);
    expect(env.ms.podMetrics("default")).toHaveLength(1);
    env.runtime.stopPod("default/e", 16_000);
    env.clock.runUntil(30_000);
    expect(env.ms.podMetrics("default")).toEqual([]);
  });

  it("filters by namespace and label selector; pods unknown to the API are not served", () => {
    const env = setup();
    const pods = [pod(env, "w1"), pod(env, "w2"), pod(env, "db", { app: "db" }), pod(env, "x", { app: "web" }, "other")];
    env.clock.runUntil(2000);
    for (const p of pods) startContainer(env, p, "app", 100);
    env.runtime.start({ podKey: "default/ghost", podUid: "nope", name: "app", nodeName: "node-1", startedAt: 2000, cpuRequestMilli: 0, cpuLimitMilli: undefined }, 2000);
    env.clock.runUntil(15_000);
    expect(env.ms.podMetrics("default", parseSelector("app=web")).map((m) => m.name)).toEqual(["w1", "w2"]);
    expect(env.ms.podMetrics("default", parseSelector("app!=web")).map((m) => m.name)).toEqual(["db"]);
    expect(env.ms.podMetrics("default", parseSelector("app=none"))).toEqual([]);
    expect(env.ms.podMetrics("default").map((m) => m.name)).toEqual(["db", "w1", "w2"]);
    expect(env.ms.podMetrics(undefined, parseSelector("app=web")).map((m) => `${m.namespace}/${m.name}`)).toEqual(["default/w1", "default/w2", "other/x"]);
  });

  it("follows relabels, new and deleted pods from one scrape to the next (name order, label selection)", () => {
    const env = setup();
    const a = pod(env, "a");
    const b = pod(env, "b", { app: "db" });
    const c = pod(env, "c");
    env.clock.runUntil(1000);
    for (const p of [c, a, b]) startContainer(env, p, "app", 100);
    env.clock.runUntil(30_000);
    const names = (sel?: string) => env.ms.podMetrics("default", sel === undefined ? undefined : parseSelector(sel)).map((m) => m.name);
    expect(names()).toEqual(["a", "b", "c"]);
    expect(names("app=web")).toEqual(["c", "a"]);
    // Same pods, same labels: the next scrape serves the same arrangement with new samples.
    env.clock.runUntil(45_000);
    expect(names("app=web")).toEqual(["c", "a"]);
    expect(env.ms.podMetrics("default", parseSelector("app=web"))[0]!.timestamp).toBe(45_000);
    // b takes app=web, a leaves it, c is deleted, d (started 14 s before the scrape) arrives.
    env.store.mutate("Pod", "default", "b", (p: KubeObject) => void (p.metadata.labels = { app: "web" }));
    env.store.mutate("Pod", "default", "a", (p: KubeObject) => void (p.metadata.labels = { app: "db" }));
    env.store.delete("Pod", "default", "c");
    env.runtime.stopPod("default/c", env.clock.now());
    const d = pod(env, "d");
    env.clock.runUntil(46_000);
    startContainer(env, d, "app", 100);
    env.clock.runUntil(60_000);
    expect(names()).toEqual(["a", "b", "d"]);
    expect(names("app=web")).toEqual(["b", "d"]);
    expect(names("app=db")).toEqual(["a"]);
  });

  it("node metrics: containers plus system overhead, after two scrapes; NotReady kubelets are skipped", () => {
    const env = setup();
    env.store.create<KubeObject>({ apiVersion: "v1", kind: "Node", metadata: { name: "node-1", labels: { zone: "a" } }, status: { conditions: [{ type: "Ready", status: "True" }] } });
    const p = pod(env, "n");
    env.clock.runUntil(1000);
    startContainer(env, p, "app", 300, 100 * Mi);
    expect(env.ms.nodeMetrics()).toEqual([]); // one scrape (t = 0) so far
    env.clock.runUntil(15_000);
    // (300 m × 14 s + 40 m × 15 s) / 15 s
    expect(env.ms.nodeMetrics()[0]!.cpuMilli).toBeCloseTo(320, 9);
    env.clock.runUntil(30_000);
    expect(env.ms.nodeMetrics()).toEqual([
      { name: "node-1", labels: { zone: "a" }, timestamp: 30_000, windowMs: 15_000, cpuMilli: 340, memoryBytes: 500 * Mi },
    ]);
    env.store.setStatus(env.store.get("Node", undefined, "node-1")!, { conditions: [{ type: "Ready", status: "Unknown" }] });
    env.clock.runUntil(45_000);
    expect(env.ms.nodeMetrics()).toEqual([]);
    expect(env.ms.podMetrics("default")).toEqual([]);
  });

  it("selector queries over 30,000 pods return exactly the matching pods", () => {
    const env = setup();
    env.clock.runUntil(1000);
    for (let i = 0; i < 30_000; i++) {
      const p = pod(env, `p${i}`, { app: `app-${i % 300}`, tier: "web" });
      startContainer(env, p, "app", 10, 0, `node-${i % 1000}`);
    }
    env.clock.runUntil(15_000);
    const sel = parseSelector("app=app-7,tier=web");
    // Speed is measured by npm run bench, not asserted here.
    let n = 0;
    for (let i = 0; i < 10; i++) n += env.ms.podMetrics("default", sel).length;
    expect(n).toBe(1_000);
  });
});
