import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../api/controller.js";
import { EventRecorder } from "../api/events.js";
import { LogSink } from "../api/logs.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import type { NodeGroupSpec } from "../scenario/types.js";
import { NodeGroupController, makeNode, nodePrivateIp, type NodeObject } from "./nodes.js";
import { ContainerRuntime, RUNTIME_SERVICE } from "./runtime.js";

describe("makeNode", () => {
  it("m5.large in us-east-1 looks like an EKS managed-node-group node", () => {
    const n = makeNode({
      instanceType: "m5.large",
      zone: "us-east-1b",
      region: "us-east-1",
      capacityType: "ON_DEMAND",
      nodeGroup: "ng-1",
      index: 3,
      rng: new Rng(1),
      time: "2025-01-01T00:00:00Z",
    });
    const name = n.metadata.name!;
    expect(name).toMatch(/^ip-192-168-(\d+)-(\d+)\.ec2\.internal$/);
    const third = Number(/^ip-192-168-(\d+)-/.exec(name)![1]);
    expect(third).toBeGreaterThanOrEqual(32); // us-east-1b → 192.168.32.0/19
    expect(third).toBeLessThan(64);
    const l = n.metadata.labels!;
    expect(l).toMatchObject({
      "kubernetes.io/hostname": name,
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "node.kubernetes.io/instance-type": "m5.large",
      "topology.kubernetes.io/region": "us-east-1",
      "topology.kubernetes.io/zone": "us-east-1b",
      "failure-domain.beta.kubernetes.io/region": "us-east-1",
      "failure-domain.beta.kubernetes.io/zone": "us-east-1b",
      "eks.amazonaws.com/nodegroup": "ng-1",
      "eks.amazonaws.com/capacityType": "ON_DEMAND",
    });
    expect(l["eks.amazonaws.com/nodegroup-image"]).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(l["k8s.io/cloud-provider-aws"]).toMatch(/^[0-9a-f]{32}$/);
    expect(n.spec.providerID).toMatch(/^aws:\/\/\/us-east-1b\/i-[0-9a-f]{17}$/);
    // 8192 MiB − 615 (7.5 %) = 7577 MiB = 7758848Ki; allocatable 6903 MiB = 7068672Ki
    expect(n.status.capacity).toMatchObject({ cpu: "2", memory: "7758848Ki", pods: "29", "ephemeral-storage": "20971520Ki" });
    expect(n.status.allocatable).toMatchObject({ cpu: "1930m", memory: "7068672Ki", pods: "29", "ephemeral-storage": String(17 * 1024 ** 3) });
    expect(n.status.nodeInfo).toMatchObject({ architecture: "amd64", operatingSystem: "linux" });
    expect(n.status.nodeInfo.kubeletVersion).toMatch(/^v1\.32\.\d+-eks-[0-9a-f]{7}$/);
    expect(n.status.nodeInfo.osImage).toMatch(/^Amazon Linux 2023/);
    expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    const ip = name.slice(3, name.indexOf(".")).replace(/-/g, ".");
    expect(n.status.addresses).toEqual([
      { type: "InternalIP", address: ip },
      { type: "InternalDNS", address: name },
      { type: "Hostname", address: name },
    ]);
    const ready = n.status.conditions.find((c) => c.type === "Ready")!;
    expect(ready).toMatchObject({ status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" });
    expect(n.status.conditions.map((c) => `${c.type}=${c.status}:${c.reason}`)).toEqual([
      "MemoryPressure=False:KubeletHasSufficientMemory",
      "DiskPressure=False:KubeletHasNoDiskPressure",
      "PIDPressure=False:KubeletHasSufficientPID",
      "Ready=True:KubeletReady",
    ]);
    expect(n.spec.taints).toBeUndefined();
  });

  it("Seoul and arm64 nodes; NotReady nodes carry the not-ready taint", () => {
    const n = makeNode({ instanceType: "c6g.large", zone: "ap-northeast-2c", region: "ap-northeast-2", capacityType: "SPOT", index: 0, rng: new Rng(2), ready: false });
    expect(n.metadata.name).toMatch(/^ip-10-0-\d+-\d+\.ap-northeast-2\.compute\.internal$/);
    expect(n.metadata.labels!["kubernetes.io/arch"]).toBe("arm64");
    expect(n.status.nodeInfo.kernelVersion).toMatch(/aarch64$/);
    // (4096 − 64) − 303 − 574 − 100 = 3055 MiB
    expect(n.status.allocatable.memory).toBe(`${3055 * 1024}Ki`);
    expect(n.status.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "KubeletNotReady" });
    expect(n.spec.taints).toEqual([{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }]);
  });

  it("private IPs are unique per zone for distinct indices", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(nodePrivateIp("us-east-1", "us-east-1a", i));
    expect(seen.size).toBe(3000);
    const seoul = new Set<string>();
    for (let i = 0; i < 3000; i++) seoul.add(nodePrivateIp("ap-northeast-2", "ap-northeast-2a", i));
    expect(seoul.size).toBe(3000);
  });

  it("rejects unknown instance types", () => {
    expect(() => makeNode({ instanceType: "x9.huge", zone: "us-east-1a", region: "us-east-1", capacityType: "ON_DEMAND", index: 0, rng: new Rng(1) })).toThrow(/unknown instance type/);
  });
});

function harness(groups: NodeGroupSpec[], nodeStartupDelayMs = 60_000) {
  const clock = new VirtualClock();
  const rng = new Rng(11);
  const store = new Store(clock, rng.fork("store"));
  const runtime = new ContainerRuntime();
  const ctx: ControllerContext = {
    store,
    clock,
    rng,
    events: new EventRecorder(store, clock),
    logs: new LogSink(clock),
    services: new Map([[RUNTIME_SERVICE, runtime]]),
  };
  const ctl = new NodeGroupController({ groups, region: "us-east-1", zones: ["us-east-1a", "us-east-1b", "us-east-1c"], nodeStartupDelayMs });
  ctl.start(ctx);
  const nodes = () => store.list<NodeObject>("Node");
  const ready = (n: NodeObject) => n.status.conditions.find((c) => c.type === "Ready")?.status === "True";
  return { clock, store, runtime, ctl, nodes, ready, run: (ms: number) => clock.runUntil(clock.now() + ms) };
}

const group: NodeGroupSpec = { name: "ng-1", instanceType: "m5.large", capacityType: "ON_DEMAND", desired: 3, min: 1, max: 6 };

describe("NodeGroupController", () => {
  it("creates the desired nodes Ready at t = 0, round-robin over zones, and registers their CPU", () => {
    const h = harness([group, { ...group, name: "ng-2", desired: 2, zones: ["us-east-1c"] }]);
    const ns = h.nodes();
    expect(ns).toHaveLength(5);
    expect(ns.every(h.ready)).toBe(true);
    const zones = h.ctl.nodes("ng-1").map((n) => h.store.get<NodeObject>("Node", undefined, n)!.metadata.labels!["topology.kubernetes.io/zone"]);
    expect(zones).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    const z2 = h.ctl.nodes("ng-2").map((n) => h.store.get<NodeObject>("Node", undefined, n)!.metadata.labels!["topology.kubernetes.io/zone"]);
    expect(z2).toEqual(["us-east-1c", "us-east-1c"]);
    expect(new Set(ns.map((n) => n.metadata.name)).size).toBe(5);
    // the runtime throttles at the node's allocatable CPU (1930m): two 1500m demands share it
    const name = h.ctl.nodes("ng-1")[0]!;
    for (const c of ["a", "b"]) {
      const rc = h.runtime.start({ podKey: `d/${c}`, podUid: c, name: "c", nodeName: name, startedAt: 0, cpuRequestMilli: 100, cpuLimitMilli: undefined }, 0);
      h.runtime.setCpuDemand(rc.podKey, "c", 1500, 0);
    }
    expect(h.runtime.container("d/a", "c")!.cpuUsedMilli).toBe(965);
  });

  it("scale-out: the node registers NotReady after the launch delay and turns Ready after the start-up delay", () => {
    const h = harness([group]);
    h.run(1000);
    expect(h.ctl.setDesired("ng-1", 4)).toBe(4);
    expect(h.ctl.launching("ng-1")).toBe(1);
    h.run(30_000);
    expect(h.nodes()).toHaveLength(3);
    h.run(12_000); // registered within 60 % ± 10 % of 60 s after launch
    expect(h.nodes()).toHaveLength(4);
    const fresh = h.store.get<NodeObject>("Node", undefined, h.ctl.nodes("ng-1")[3]!)!;
    expect(h.ready(fresh)).toBe(false);
    expect(fresh.spec.taints?.some((t) => t.key === "node.kubernetes.io/not-ready")).toBe(true);
    expect(fresh.metadata.labels!["topology.kubernetes.io/zone"]).toBe("us-east-1a");
    h.run(26_000); // Ready by 66 s after launch (60 s ± 10 %)
    const now = h.store.get<NodeObject>("Node", undefined, fresh.metadata.name!)!;
    expect(h.ready(now)).toBe(true);
    expect(now.spec.taints ?? []).toEqual([]);
  });

  it("clamps to [min, max]", () => {
    const h = harness([group]);
    expect(h.ctl.setDesired("ng-1", 100)).toBe(6);
    expect(h.ctl.setDesired("ng-1", 0)).toBe(1);
  });

  it("scale-in removes the newest node: cordon, evict pods, delete the Node", () => {
    const h = harness([group]);
    const newest = h.ctl.nodes("ng-1")[2]!;
    h.store.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { nodeName: newest, containers: [{ name: "c", image: "x" }] } });
    h.ctl.setDesired("ng-1", 2);
    const cordoned = h.store.get<NodeObject>("Node", undefined, newest)!;
    expect(cordoned.spec.unschedulable).toBe(true);
    expect(cordoned.spec.taints?.some((t) => t.key === "node.kubernetes.io/unschedulable" && t.effect === "NoSchedule")).toBe(true);
    expect(h.store.get("Pod", "default", "p")).toBeUndefined(); // evicted (no grace period in this store)
    h.run(0);
    expect(h.store.get("Node", undefined, newest)).toBeUndefined();
    expect(h.ctl.nodes("ng-1")).toHaveLength(2);
    expect(h.nodes()).toHaveLength(2);
  });

  it("scale-in cancels launches that have not registered yet", () => {
    const h = harness([group]);
    h.ctl.setDesired("ng-1", 5);
    h.ctl.setDesired("ng-1", 3);
    h.run(120_000);
    expect(h.nodes()).toHaveLength(3);
  });
});
