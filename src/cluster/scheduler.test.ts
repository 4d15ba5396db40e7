import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../api/controller.js";
import { EventRecorder, type KubeEvent } from "../api/events.js";
import { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { backoffDuration, Scheduler } from "./scheduler.js";

function setup(seed = 1) {
  const clock = new VirtualClock();
  const rng = new Rng(seed);
  const store = new Store(clock, rng.fork("store"));
  const events = new EventRecorder(store, clock);
  const ctx: ControllerContext = { store, clock, rng, events, logs: new LogSink(clock), services: new Map() };
  const sched = new Scheduler();
  sched.start(ctx);
  return { clock, store, sched };
}

function node(name: string, cpu: string, memory: string, extra: { labels?: Record<string, string>; taints?: any[]; ready?: boolean; unschedulable?: boolean } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...(extra.labels ?? {}) } },
    spec: { taints: extra.taints, unschedulable: extra.unschedulable },
    status: {
      allocatable: { cpu, memory, pods: "110" },
      capacity: { cpu, memory, pods: "110" },
      conditions: [{ type: "Ready", status: extra.ready === false ? "False" : "True" }],
    },
  };
}

function pod(name: string, cpu: string, memory: string, extra: Record<string, any> = {}, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu, memory } } }], ...extra },
    status: { phase: "Pending" },
  };
}

function eventsFor(store: Store, podName: string): KubeEvent[] {
  return store.list<KubeEvent>("Event").filter((e) => e.involvedObject.name === podName);
}

const nodeOf = (store: Store, name: string) => store.get("Pod", "default", name)?.spec?.nodeName as string | undefined;

describe("Scheduler: binding", () => {
  it("binds a pod, sets PodScheduled=True and records Scheduled", () => {
    const { clock, store } = setup();
    store.create(node("n1", "2", "4Gi"));
    store.create(pod("web", "500m", "256Mi"));
    clock.runUntil(0);
    const p = store.get("Pod", "default", "web")!;
    expect(p.spec.nodeName).toBe("n1");
    expect(p.status.conditions).toEqual([{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: clock.iso(0) }]);
    const ev = eventsFor(store, "web");
    expect(ev.map((e) => [e.type, e.reason, e.message, e.source.component])).toEqual([
      ["Normal", "Scheduled", "Successfully assigned default/web to n1", "default-scheduler"],
    ]);
  });

  it("spreads identical pods over identical nodes (LeastAllocated + BalancedAllocation)", () => {
    const { clock, store } = setup();
    for (const n of ["n1", "n2", "n3"]) store.create(node(n, "4", "8Gi"));
    for (let i = 0; i < 6; i++) store.create(pod(`p${i}`, "1", "1Gi"));
    clock.runUntil(0);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 6; i++) counts[nodeOf(store, `p${i}`)!] = (counts[nodeOf(store, `p${i}`)!] ?? 0) + 1;
    // After each bind the emptier nodes score strictly higher, so the 6 pods end 2/2/2.
    expect(counts).toEqual({ n1: 2, n2: 2, n3: 2 });
  });

  it("schedules higher-priority pods first", () => {
    const { clock, store } = setup();
    store.create(node("n1", "1", "4Gi"));
    store.create(pod("low", "1", "1Gi", { priority: 0 }));
    store.create(pod("high", "1", "1Gi", { priority: 1000 }));
    clock.runUntil(0);
    expect(nodeOf(store, "high")).toBe("n1");
    expect(nodeOf(store, "low")).toBeUndefined();
  });
});

describe("Scheduler: failures", () => {
  it("FailedScheduling for a 1000Gi pod on 3 nodes", () => {
    const { clock, store } = setup();
    for (const n of ["n1", "n2", "n3"]) store.create(node(n, "2", "8Gi"));
    store.create(pod("big", "100m", "1000Gi"));
    clock.runUntil(0);
    const msg = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    const p = store.get("Pod", "default", "big")!;
    expect(p.spec.nodeName).toBeUndefined();
    const c = p.status.conditions.find((x: any) => x.type === "PodScheduled");
    expect(c).toMatchObject({ status: "False", reason: "Unschedulable", message: msg });
    const ev = eventsFor(store, "big");
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: "Warning", reason: "FailedScheduling", message: msg });
  });

  it("counts taints and resources per node, sorted as FitError does", () => {
    const { clock, store } = setup();
    store.create(node("cp", "8", "64Gi", { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] }));
    store.create(node("n1", "2", "2Gi"));
    store.create(node("n2", "2", "2Gi"));
    store.create(pod("m", "100m", "3Gi"));
    clock.runUntil(0);
    const c = store.get("Pod", "default", "m")!.status.conditions[0];
    // The tainted node is UnschedulableAndUnresolvable → "Preemption is not helpful" there.
    expect(c.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. " +
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
  });

  it("tolerations, NotReady and cordoned nodes", () => {
    const { clock, store } = setup();
    store.create(node("tainted", "2", "4Gi", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }));
    store.create(node("notready", "2", "4Gi", { ready: false }));
    store.create(node("cordoned", "2", "4Gi", { unschedulable: true }));
    store.create(pod("a", "100m", "100Mi"));
    store.create(pod("b", "100m", "100Mi", { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] }));
    clock.runUntil(0);
    expect(nodeOf(store, "b")).toBe("tainted");
    expect(store.get("Pod", "default", "a")!.status.conditions[0].message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, " +
        "1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  it("retries when a node is added (after the 1 s backoff)", () => {
    const { clock, store } = setup();
    store.create(node("small", "1", "1Gi"));
    store.create(pod("p", "2", "1Gi"));
    clock.runUntil(0);
    expect(nodeOf(store, "p")).toBeUndefined();
    clock.runUntil(500);
    store.create(node("big", "4", "8Gi"));
    clock.runUntil(999);
    expect(nodeOf(store, "p")).toBeUndefined();
    clock.runUntil(1000);
    expect(nodeOf(store, "p")).toBe("big");
  });

  it("backoff doubles from 1 s to 10 s", () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffDuration)).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("no nodes: SchedulerError", () => {
    const { clock, store } = setup();
    store.create(pod("p", "1", "1Gi"));
    clock.runUntil(0);
    const c = store.get("Pod", "default", "p")!.status.conditions[0];
    expect(c).toMatchObject({ reason: "SchedulerError", message: "no nodes available to schedule pods" });
  });
});

describe("Scheduler: constraints", () => {
  it("topology spread DoNotSchedule across zones", () => {
    const { clock, store } = setup();
    store.create(node("a1", "8", "16Gi", { labels: { "topology.kubernetes.io/zone": "a" } }));
    store.create(node("a2", "8", "16Gi", { labels: { "topology.kubernetes.io/zone": "a" } }));
    store.create(node("b1", "8", "16Gi", { labels: { "topology.kubernetes.io/zone": "b" } }));
    const tsc = [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "w" } } }];
    for (let i = 0; i < 6; i++) store.create(pod(`w${i}`, "100m", "100Mi", { topologySpreadConstraints: tsc }, { app: "w" }));
    clock.runUntil(0);
    const zones: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 6; i++) zones[nodeOf(store, `w${i}`)!.startsWith("a") ? "a" : "b"]!++;
    expect(zones).toEqual({ a: 3, b: 3 });
  });

  it("required anti-affinity on hostname: one per node, the rest unschedulable", () => {
    const { clock, store } = setup();
    for (const n of ["n1", "n2"]) store.create(node(n, "8", "16Gi"));
    const aff = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "db" } }, topologyKey: "kubernetes.io/hostname" }],
      },
    };
    for (let i = 0; i < 3; i++) store.create(pod(`db${i}`, "100m", "100Mi", { affinity: aff }, { app: "db" }));
    clock.runUntil(0);
    const placed = [0, 1, 2].map((i) => nodeOf(store, `db${i}`));
    expect(placed.filter(Boolean).sort()).toEqual(["n1", "n2"]);
    const failed = [0, 1, 2].find((i) => !placed[i])!;
    expect(store.get("Pod", "default", `db${failed}`)!.status.conditions[0].message).toBe(
      "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });

  it("nodeSelector and required node affinity", () => {
    const { clock, store } = setup();
    store.create(node("x", "2", "4Gi", { labels: { disk: "ssd" } }));
    store.create(node("y", "2", "4Gi", { labels: { disk: "hdd" } }));
    store.create(pod("s", "100m", "100Mi", { nodeSelector: { disk: "hdd" } }));
    store.create(pod("none", "100m", "100Mi", { nodeSelector: { disk: "nvme" } }));
    clock.runUntil(0);
    expect(nodeOf(store, "s")).toBe("y");
    expect(store.get("Pod", "default", "none")!.status.conditions[0].message).toBe(
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
  });
});

describe("Scheduler: preemption", () => {
  it("evicts a lower-priority pod and schedules the preemptor on the nominated node", () => {
    const { clock, store } = setup();
    store.create(node("n1", "2", "4Gi"));
    store.create(pod("low", "1500m", "1Gi", { priority: 0 }));
    clock.runUntil(0);
    expect(nodeOf(store, "low")).toBe("n1");
    const lowUid = store.get("Pod", "default", "low")!.metadata.uid;
    clock.runUntil(10_000);
    store.create(pod("high", "1", "1Gi", { priority: 1000 }));
    const highUid = store.get("Pod", "default", "high")!.metadata.uid;
    clock.runUntil(10_000);
    // The victim is gone (no grace period registered in this store), with a Preempted event.
    expect(store.get("Pod", "default", "low")).toBeUndefined();
    const pre = store.list<KubeEvent>("Event").find((e) => e.reason === "Preempted")!;
    expect(pre.involvedObject).toMatchObject({ name: "low", uid: lowUid });
    expect(pre.message).toBe(`Preempted by pod ${highUid} on node n1`);
    const high = store.get("Pod", "default", "high")!;
    expect(high.status.nominatedNodeName).toBe("n1");
    expect(high.status.conditions[0].message).toBe("0/1 nodes are available: 1 Insufficient cpu.");
    // The victim's deletion happened during the attempt → backoff 1 s, then bound.
    clock.runUntil(11_000);
    expect(nodeOf(store, "high")).toBe("n1");
    expect(store.get("Pod", "default", "high")!.status.nominatedNodeName).toBeUndefined();
  });

  it("picks the node whose victims have the lowest priority", () => {
    const { clock, store } = setup();
    store.create(node("n1", "1", "4Gi"));
    store.create(node("n2", "1", "4Gi"));
    store.create(pod("mid", "1", "1Gi", { priority: 100, nodeName: "n1" }));
    store.create(pod("low", "1", "1Gi", { priority: 10, nodeName: "n2" }));
    store.create(pod("high", "1", "1Gi", { priority: 1000 }));
    clock.runUntil(0);
    expect(store.get("Pod", "default", "low")).toBeUndefined();
    expect(store.get("Pod", "default", "mid")).toBeDefined();
    expect(store.get("Pod", "default", "high")!.status.nominatedNodeName).toBe("n2");
  });

  it("preemptionPolicy Never is not eligible", () => {
    const { clock, store } = setup();
    store.create(node("n1", "1", "4Gi"));
    store.create(pod("low", "1", "1Gi", { priority: 0, nodeName: "n1" }));
    store.create(pod("high", "1", "1Gi", { priority: 1000, preemptionPolicy: "Never" }));
    clock.runUntil(0);
    expect(store.get("Pod", "default", "low")).toBeDefined();
    expect(store.get("Pod", "default", "high")!.status.conditions[0].message).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
    );
  });
});
