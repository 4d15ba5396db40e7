import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../api/controller.js";
import { EventRecorder } from "../api/events.js";
import { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { Kubelet, defaultPullPolicy, normalizeImage, type KubeletOptions } from "./kubelet.js";
import { makeNode } from "./nodes.js";
import { ContainerRuntime, RUNTIME_SERVICE } from "./runtime.js";

const Mi = 1024 * 1024;

function setup(opts: KubeletOptions = { startupJitter: 0 }, instanceType = "m5.large") {
  const clock = new VirtualClock();
  const rng = new Rng(7);
  const store = new Store(clock, rng.fork("store"));
  store.registerStrategy("Pod", { gracePeriodSeconds: (o, req) => req ?? o.spec?.terminationGracePeriodSeconds ?? 30 });
  const events = new EventRecorder(store, clock);
  const runtime = new ContainerRuntime();
  const ctx: ControllerContext = { store, clock, rng, events, logs: new LogSink(clock), services: new Map([[RUNTIME_SERVICE, runtime]]) };
  const node = store.create(
    makeNode({ instanceType, zone: "us-east-1a", region: "us-east-1", capacityType: "ON_DEMAND", index: 0, rng: rng.fork("n"), time: clock.iso() }),
  );
  const nodeName = node.metadata.name!;
  const kubelet = new Kubelet(opts);
  kubelet.start(ctx);
  const pod = (name: string, containers: any[], extra: any = {}) =>
    store.create({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName, containers, ...extra } });
  const get = (name: string) => store.get<KubeObject>("Pod", "default", name);
  const cond = (name: string, type: string) => get(name)?.status?.conditions?.find((c: any) => c.type === type);
  const evs = (name: string) =>
    store
      .list("Event")
      .filter((e: any) => e.involvedObject.name === name)
      .map((e: any) => `${e.type} ${e.reason}: ${e.message}`);
  const run = (ms: number) => clock.runUntil(clock.now() + ms);
  return { clock, store, runtime, kubelet, nodeName, pod, get, cond, evs, run, events };
}

describe("kubelet pod start-up", () => {
  it("ContainerCreating → Running/Ready after the start-up delay, with upstream events", () => {
    const k = setup({ podStartupDelayMs: 3000, startupJitter: 0 });
    k.pod("web", [{ name: "nginx", image: "nginx", resources: { requests: { cpu: "250m", memory: "64Mi" } } }]);
    let p = k.get("web")!;
    expect(p.status.phase).toBe("Pending");
    expect(p.status.qosClass).toBe("Burstable");
    expect(p.status.startTime).toBe(k.clock.iso(0));
    expect(p.status.hostIP).toMatch(/^192\.168\.\d+\.\d+$/);
    expect(p.status.podIP).toBeUndefined();
    expect(p.status.containerStatuses[0]).toMatchObject({ name: "nginx", ready: false, restartCount: 0, started: false, state: { waiting: { reason: "ContainerCreating" } } });
    expect(k.cond("web", "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [nginx]" });
    expect(k.cond("web", "Initialized")?.status).toBe("True");
    expect(k.cond("web", "PodScheduled")?.status).toBe("True");
    expect(k.runtime.containers("default/web")).toHaveLength(0);

    k.run(750); // sandbox (¼ of the delay)
    expect(k.cond("web", "PodReadyToStartContainers")?.status).toBe("True");
    expect(k.get("web")!.status.podIP).toMatch(/^192\.168\./);
    k.run(2249);
    expect(k.get("web")!.status.phase).toBe("Pending");
    k.run(1);
    p = k.get("web")!;
    expect(p.status.phase).toBe("Running");
    expect(p.status.containerStatuses[0]).toMatchObject({
      image: "docker.io/library/nginx:latest",
      ready: true,
      started: true,
      state: { running: { startedAt: k.clock.iso(3000) } },
    });
    expect(p.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(k.cond("web", "Ready")?.status).toBe("True");
    expect(k.cond("web", "ContainersReady")?.status).toBe("True");
    const rc = k.runtime.container("default/web", "nginx")!;
    expect(rc).toMatchObject({ nodeName: k.nodeName, cpuRequestMilli: 250, cpuLimitMilli: undefined, startedAt: 3000 });
    const ev = k.evs("web");
    expect(ev).toEqual([
      'Normal Pulling: Pulling image "nginx"',
      expect.stringMatching(/^Normal Pulled: Successfully pulled image "nginx" in 2\.25s \(2\.25s including waiting\)\. Image size: \d+ bytes\.$/),
      "Normal Created: Created container nginx",
      "Normal Started: Started container nginx",
    ]);
    const e = k.store.list("Event").find((x: any) => x.reason === "Started") as any;
    expect(e.source).toEqual({ component: "kubelet", host: k.nodeName });
    expect(e.involvedObject.fieldPath).toBe("spec.containers{nginx}");
  });

  it("start-up delay is jittered ±30 % deterministically", () => {
    const starts: number[] = [];
    const k = setup({ podStartupDelayMs: 3000 });
    k.runtime.onChange((kind, c) => kind === "started" && starts.push(c.startedAt));
    for (let i = 0; i < 20; i++) k.pod(`p${i}`, [{ name: "c", image: "busybox:1.36" }]);
    k.run(10_000);
    expect(starts).toHaveLength(20);
    for (const t of starts) {
      expect(t).toBeGreaterThanOrEqual(2100);
      expect(t).toBeLessThanOrEqual(3900);
    }
    expect(new Set(starts).size).toBeGreaterThan(10);
    // a second identical run gives identical times
    const again: number[] = [];
    const k2 = setup({ podStartupDelayMs: 3000 });
    k2.runtime.onChange((kind, c) => kind === "started" && again.push(c.startedAt));
    for (let i = 0; i < 20; i++) k2.pod(`p${i}`, [{ name: "c", image: "busybox:1.36" }]);
    k2.run(10_000);
    expect(again).toEqual(starts);
  });

  it("IfNotPresent image already on the node: 'already present on machine'", () => {
    const k = setup();
    k.pod("a", [{ name: "c", image: "busybox:1.36" }]);
    k.run(5000);
    k.pod("b", [{ name: "c", image: "busybox:1.36" }]);
    k.run(5000);
    expect(k.evs("b")).toContain('Normal Pulled: Container image "busybox:1.36" already present on machine');
    expect(k.evs("b").some((e) => e.includes("Pulling"))).toBe(false);
  });

  it("readinessProbe: worker ticks every periodSeconds from admission; ready at the first tick ≥ start + initialDelay", () => {
    const k = setup({ podStartupDelayMs: 3000, startupJitter: 0 });
    k.pod("r", [{ name: "c", image: "nginx", readinessProbe: { initialDelaySeconds: 5, periodSeconds: 10 } }]);
    k.run(3000);
    expect(k.get("r")!.status.phase).toBe("Running");
    expect(k.get("r")!.status.containerStatuses[0].ready).toBe(false);
    // start 3 s + 5 s = 8 s → next tick at 10 s
    k.run(6999);
    expect(k.cond("r", "Ready")?.status).toBe("False");
    k.run(1);
    expect(k.cond("r", "Ready")?.status).toBe("True");
    expect(k.cond("r", "Ready")?.lastTransitionTime).toBe(k.clock.iso(10_000));
  });

  it("init containers complete before the app; sidecars keep running", () => {
    const k = setup();
    k.pod("i", [{ name: "app", image: "nginx" }], {
      initContainers: [
        { name: "setup", image: "busybox:1.36" },
        { name: "proxy", image: "envoy:v1", restartPolicy: "Always" },
      ],
    });
    expect(k.cond("i", "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [setup]" });
    k.run(3000);
    const st = k.get("i")!.status;
    expect(st.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(st.initContainerStatuses[1].state.running).toBeDefined();
    expect(k.cond("i", "Initialized")?.status).toBe("True");
    expect(k.runtime.containers("default/i").map((c) => c.name).sort()).toEqual(["app", "proxy"]);
  });

  it("qosClass in status", () => {
    const k = setup();
    k.pod("g", [{ name: "c", image: "nginx", resources: { limits: { cpu: "700m", memory: "200Mi" } } }]);
    k.pod("be", [{ name: "c", image: "nginx" }]);
    expect(k.get("g")!.status.qosClass).toBe("Guaranteed");
    expect(k.get("be")!.status.qosClass).toBe("BestEffort");
    k.run(4000);
    expect(k.kubelet.oomScoreAdj("default", "g", "c")).toBe(-997);
    expect(k.kubelet.oomScoreAdj("default", "be", "c")).toBe(1000);
  });
});

describe("kubelet OOM and CrashLoopBackOff", () => {
  /** A container that grows past its limit `afterMs` after every start. */
  function hog(k: ReturnType<typeof setup>, bytes: number, afterMs: number, starts: number[]) {
    k.runtime.onChange((kind, c) => {
      if (kind !== "started") return;
      starts.push(c.startedAt);
      const at = c.startedAt;
      k.clock.after(afterMs, () => {
        const cur = k.runtime.container(c.podKey, c.name);
        if (cur && cur.startedAt === at) k.runtime.setMemory(c.podKey, c.name, bytes);
      });
    });
  }

  it("OOMKilled 137, restart at the next relist, then back-off 10 s, 20 s, 40 s … capped at 5 min", () => {
    const k = setup({ podStartupDelayMs: 3000, startupJitter: 0 });
    const starts: number[] = [];
    hog(k, 250 * Mi, 2000, starts);
    k.store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "qos-example" } });
    k.store.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "memory-demo-2", namespace: "qos-example" },
      spec: {
        nodeName: k.nodeName,
        containers: [{ name: "memory-demo-2-ctr", image: "polinux/stress", resources: { requests: { memory: "50Mi" }, limits: { memory: "100Mi" } } }],
      },
    });
    const get = () => k.store.get<KubeObject>("Pod", "qos-example", "memory-demo-2")!;
    k.run(5000); // started at 3 s, over the limit at 5 s
    let cs = get().status.containerStatuses[0];
    expect(cs.state.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled", startedAt: k.clock.iso(3000), finishedAt: k.clock.iso(5000) });
    expect(cs.restartCount).toBe(0);
    expect(get().status.phase).toBe("Running");
    expect(k.runtime.containers("default/memory-demo-2")).toHaveLength(0);
    k.run(1000);
    cs = get().status.containerStatuses[0];
    expect(cs.restartCount).toBe(1);
    expect(cs.state.running).toBeDefined();
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    k.run(2000); // second OOM at 8 s → CrashLoopBackOff 10 s
    cs = get().status.containerStatuses[0];
    const uid = get().metadata.uid;
    expect(cs.state.waiting).toEqual({
      reason: "CrashLoopBackOff",
      message: `back-off 10s restarting failed container=memory-demo-2-ctr pod=memory-demo-2_qos-example(${uid})`,
    });
    expect(cs.lastState.terminated.reason).toBe("OOMKilled");
    expect(cs.restartCount).toBe(1);
    expect(cs.ready).toBe(false);
    expect(get().status.phase).toBe("Running");
    expect(k.store.list("Event").some((e: any) => e.reason === "BackOff" && e.type === "Warning" &&
      e.message === `Back-off restarting failed container memory-demo-2-ctr in pod memory-demo-2_qos-example(${uid})`)).toBe(true);

    k.run(30 * 60_000);
    // starts: 3, 6 (relist), then each crash (start + 2 s) waits 10, 20, 40, 80, 160, 300, 300 s
    const expected = [3000, 6000];
    let backoff = 10_000;
    while (expected.length < starts.length) {
      expected.push(expected[expected.length - 1]! + 2000 + backoff);
      backoff = Math.min(backoff * 2, 300_000);
    }
    expect(starts.slice(0, 9)).toEqual([3000, 6000, 18000, 40000, 82000, 164000, 326000, 628000, 930000]);
    expect(starts).toEqual(expected);
    expect(get().status.containerStatuses[0].restartCount).toBe(starts.length - 1);
  });

  it("back-off resets after 10 min without a crash", () => {
    const k = setup({ podStartupDelayMs: 3000, startupJitter: 0 });
    const starts: number[] = [];
    let hogAfter = 2000;
    k.runtime.onChange((kind, c) => {
      if (kind !== "started") return;
      starts.push(c.startedAt);
      const at = c.startedAt;
      k.clock.after(hogAfter, () => {
        const cur = k.runtime.container(c.podKey, c.name);
        if (cur && cur.startedAt === at) k.runtime.setMemory(c.podKey, c.name, 200 * Mi);
      });
    });
    k.pod("m", [{ name: "c", image: "x:1", resources: { limits: { memory: "100Mi" } } }]);
    k.run(9000); // start 3 s, crash 5 s, restart 6 s, crash 8 s → back-off 10 s
    hogAfter = 11 * 60_000; // the next instance runs 11 min before its crash
    k.run(20_000); // restart at 18 s
    expect(starts).toEqual([3000, 6000, 18000]);
    k.run(11 * 60_000 + 2000);
    // crash at 18 s + 11 min: more than 10 min since the last back-off update → restart at the next relist
    expect(starts[3]).toBe(18000 + 11 * 60_000 + 1000);
  });

  it("restartPolicy Never: the pod fails", () => {
    const k = setup();
    const starts: number[] = [];
    hog(k, 300 * Mi, 1000, starts);
    k.pod("n", [{ name: "c", image: "x:1", resources: { limits: { memory: "100Mi" } } }], { restartPolicy: "Never" });
    k.run(60_000);
    expect(starts).toHaveLength(1);
    const st = k.get("n")!.status;
    expect(st.phase).toBe("Failed");
    expect(st.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    expect(st.containerStatuses[0].restartCount).toBe(0);
  });

  it("memory under the limit does not kill", () => {
    const k = setup();
    k.pod("ok", [{ name: "c", image: "x:1", resources: { limits: { memory: "100Mi" } } }]);
    k.run(5000);
    k.runtime.setMemory("default/ok", "c", 100 * Mi);
    k.run(60_000);
    expect(k.get("ok")!.status.containerStatuses[0].state.running).toBeDefined();
  });
});

describe("kubelet termination", () => {
  it("graceful delete: Killing events, containers stop and the pod goes after the shutdown time", () => {
    const k = setup();
    k.pod("d", [{ name: "nginx", image: "nginx" }]);
    k.run(5000);
    expect(k.runtime.containers("default/d")).toHaveLength(1);
    k.store.delete("Pod", "default", "d");
    expect(k.get("d")?.metadata.deletionTimestamp).toBeDefined();
    expect(k.evs("d")).toContain("Normal Killing: Stopping container nginx");
    k.run(999);
    expect(k.get("d")).toBeDefined();
    k.run(1);
    expect(k.get("d")).toBeUndefined();
    expect(k.runtime.containers("default/d")).toHaveLength(0);
  });

  it("short grace period bounds the shutdown", () => {
    const k = setup({ startupJitter: 0, shutdownMs: 5000 });
    k.pod("d", [{ name: "c", image: "nginx" }], { terminationGracePeriodSeconds: 2 });
    k.run(5000);
    k.store.delete("Pod", "default", "d");
    k.run(1999);
    expect(k.get("d")).toBeDefined();
    k.run(1);
    expect(k.get("d")).toBeUndefined();
  });

  it("deleting a node stops its containers", () => {
    const k = setup();
    k.pod("x", [{ name: "c", image: "nginx" }]);
    k.run(5000);
    expect(k.runtime.containers("default/x")).toHaveLength(1);
    k.store.delete("Node", undefined, k.nodeName);
    expect(k.runtime.containers("default/x")).toHaveLength(0);
  });

  it("node-pressure eviction: memory.available < 100Mi evicts the pod most over its request (BestEffort first)", () => {
    const k = setup({ startupJitter: 0 }, "t3.medium");
    k.pod("be", [{ name: "c", image: "x:1" }]);
    k.pod("bu", [{ name: "c", image: "x:1", resources: { requests: { memory: "1Gi" } } }]);
    k.run(5000);
    const capMem = Number(k.store.get<any>("Node", undefined, k.nodeName)!.status.capacity.memory.replace("Ki", "")) * 1024;
    k.runtime.setMemory("default/bu", "c", 900 * Mi);
    k.runtime.setMemory("default/be", "c", capMem - 900 * Mi - 50 * Mi);
    k.run(10_000);
    const be = k.get("be")!;
    expect(be.status.phase).toBe("Failed");
    expect(be.status.reason).toBe("Evicted");
    // t3.medium capacity 4096 − 308 = 3788Mi; be uses 3788 − 900 − 50 = 2838Mi; 50Mi available.
    expect(capMem).toBe(3788 * Mi);
    expect(be.status.message).toBe(
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c was using 2838Mi, request is 0, has larger consumption of memory. ",
    );
    expect(k.evs("be").some((e) => e.startsWith("Warning Evicted: The node was low on resource: memory."))).toBe(true);
    expect(k.get("bu")!.status.phase).toBe("Running");
    expect(k.runtime.containers("default/be")).toHaveLength(0);
  });
});

describe("image helpers", () => {
  it("normalizes references and defaults the pull policy", () => {
    expect(normalizeImage("nginx")).toBe("docker.io/library/nginx:latest");
    expect(normalizeImage("polinux/stress")).toBe("docker.io/polinux/stress:latest");
    expect(normalizeImage("registry.k8s.io/hpa-example")).toBe("registry.k8s.io/hpa-example:latest");
    expect(normalizeImage("localhost:5000/app:v1")).toBe("localhost:5000/app:v1");
    expect(defaultPullPolicy("nginx")).toBe("Always");
    expect(defaultPullPolicy("nginx:latest")).toBe("Always");
    expect(defaultPullPolicy("nginx:1.27")).toBe("IfNotPresent");
    expect(defaultPullPolicy("localhost:5000/app")).toBe("Always");
  });
});
