import { describe, it, expect } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import {
  CLOUD_PROVIDER_SERVICE,
  InsufficientCapacityError,
  type CloudEvent,
  type CloudInstance,
  type CloudInstanceType,
  type CloudProvider,
  type LaunchRequest,
} from "../../cloud/provider.js";
import { registerKarpenterKinds, getCondition, type NodeClaim } from "./api.js";
import { NodeClaimLifecycleController } from "./nodeclaim-lifecycle.js";
import { KarpenterNodeRegistration } from "./registration.js";
import { NodeTerminationController } from "./termination.js";
import { NodeClaimExpirationController } from "./expiration.js";
import { InterruptionController } from "./interruption.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** c5a.2xlarge under Karpenter's overhead model (spec §5): 7910m / 14162Mi / 58 pods / 17Gi. */
const C5A_2XL: CloudInstanceType = {
  name: "c5a.2xlarge",
  requirements: [
    { key: "node.kubernetes.io/instance-type", operator: "In", values: ["c5a.2xlarge"] },
    { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
    { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c"] },
    { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["c5a"] },
    { key: "karpenter.k8s.aws/instance-generation", operator: "In", values: ["5"] },
  ],
  offerings: [{ zone: "ap-northeast-2a", zoneId: "apne2-az1", capacityType: "on-demand", price: 0.344, available: true }],
  capacity: { cpu: 8000, memory: 15155 * MiB, pods: 58, ephemeralStorage: 20 * GiB },
  overhead: {
    kubeReserved: { cpu: 90, memory: 893 * MiB, pods: 0, ephemeralStorage: GiB },
    systemReserved: { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 },
    evictionThreshold: { cpu: 0, memory: 100 * MiB, pods: 0, ephemeralStorage: 2 * GiB },
  },
  allocatable: { cpu: 7910, memory: 14162 * MiB, pods: 58, ephemeralStorage: 17 * GiB },
};

class StubCloud implements CloudProvider {
  readonly name = "aws";
  readonly region = "ap-northeast-2";
  instances = new Map<string, CloudInstance>();
  listeners = new Set<(ev: CloudEvent) => void>();
  ice = false;
  neverRun = false;
  launches: LaunchRequest[] = [];
  deletes: string[] = [];
  private n = 0;
  constructor(private clock: VirtualClock) {}
  instanceTypes(): CloudInstanceType[] {
    return [C5A_2XL];
  }
  create(req: LaunchRequest): CloudInstance {
    this.launches.push(req);
    if (this.ice) throw new InsufficientCapacityError("InsufficientInstanceCapacity: We currently do not have sufficient c5a.2xlarge capacity", []);
    const id = `i-0${(0xabc0000 + ++this.n).toString(16).padStart(16, "0")}`;
    const ip = `10.0.0.${10 + this.n}`;
    const inst: CloudInstance = {
      id,
      providerID: `aws:///ap-northeast-2a/${id}`,
      instanceType: req.instanceTypes[0]!.name,
      zone: "ap-northeast-2a",
      capacityType: "on-demand",
      price: 0.344,
      imageID: "ami-0123456789abcdef0",
      launchedAt: this.clock.now(),
      state: "pending",
      tags: req.tags,
      privateIp: ip,
      privateDnsName: `ip-${ip.replace(/\./g, "-")}.ap-northeast-2.compute.internal`,
    };
    this.instances.set(id, inst);
    if (!this.neverRun) {
      this.clock.after(30_000, () => {
        inst.state = "running";
        this.emit({ type: "running", instance: { ...inst } });
      });
    }
    return inst;
  }
  delete(id: string): void {
    this.deletes.push(id);
    const i = this.instances.get(id);
    if (i && i.state !== "terminated") i.state = "shutting-down";
  }
  get(id: string) {
    return this.instances.get(id);
  }
  list() {
    return [...this.instances.values()];
  }
  on(l: (ev: CloudEvent) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(ev: CloudEvent) {
    for (const l of this.listeners) l(ev);
  }
}

function setup(opts: { expiration?: boolean } = {}) {
  const clock = new VirtualClock();
  const rng = new Rng(7);
  const store = new Store(clock, rng.fork("store"));
  registerKarpenterKinds(store);
  const events = new EventRecorder(store, clock);
  const logs = new LogSink(clock);
  const cloud = new StubCloud(clock);
  const services = new Map<string, unknown>([[CLOUD_PROVIDER_SERVICE, cloud]]);
  const ctx: ControllerContext = { store, clock, rng, events, logs, services };
  const controllers = [
    new NodeClaimLifecycleController(),
    new KarpenterNodeRegistration({ jitter: 0 }),
    new NodeTerminationController(),
    new InterruptionController(),
    ...(opts.expiration ? [new NodeClaimExpirationController()] : []),
  ];
  for (const c of controllers) c.start(ctx);
  store.create({
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: "default" },
    spec: { amiSelectorTerms: [{ alias: "al2023@latest" }], role: "KarpenterNodeRole", subnetSelectorTerms: [{ tags: { a: "b" } }], securityGroupSelectorTerms: [{ tags: { a: "b" } }] },
  });
  store.create({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: "default" },
    spec: {
      template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements: [] } },
      disruption: { consolidateAfter: "1m" },
    },
  });
  const lines = () => logs.records("karpenter").map((r) => r.message);
  const log = (m: string) => logs.records("karpenter").find((r) => r.message === m);
  const run = (ms: number) => clock.runUntil(clock.now() + ms);
  const nodeClaim = (expireAfter?: string): NodeClaim =>
    store.create({
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { generateName: "default-", labels: { "karpenter.sh/nodepool": "default", "karpenter.k8s.aws/ec2nodeclass": "default" } },
      spec: {
        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
        requirements: [
          { key: "karpenter.sh/nodepool", operator: "In", values: ["default"] },
          { key: "node.kubernetes.io/instance-type", operator: "In", values: ["c5a.2xlarge"] },
          { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
        ],
        startupTaints: [{ key: "example.com/startup", effect: "NoSchedule" }],
        ...(expireAfter ? { expireAfter } : {}),
      },
    }) as NodeClaim;
  const get = (name: string) => store.get<NodeClaim>("NodeClaim", undefined, name);
  return { clock, store, logs, cloud, lines, log, run, nodeClaim, get, events };
}

describe("NodeClaim lifecycle", () => {
  it("launches, registers and initializes with upstream labels, taints, conditions and log lines", () => {
    const h = setup();
    const nc = h.nodeClaim();
    expect(nc.metadata.name).toMatch(/^default-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    h.run(0);
    let cur = h.get(nc.metadata.name!)!;
    expect(cur.metadata.finalizers).toContain("karpenter.sh/termination");
    expect(getCondition(cur, "Launched")?.status).toBe("True");
    expect(cur.metadata.labels).toMatchObject({
      "node.kubernetes.io/instance-type": "c5a.2xlarge",
      "topology.kubernetes.io/zone": "ap-northeast-2a",
      "karpenter.sh/capacity-type": "on-demand",
      "karpenter.k8s.aws/instance-family": "c5a",
      "topology.k8s.aws/zone-id": "apne2-az1",
    });
    expect(cur.status?.allocatable).toEqual({ cpu: "7910m", "ephemeral-storage": "17Gi", memory: "14162Mi", pods: "58" });
    const launched = h.log("launched nodeclaim")!;
    expect(launched.fields).toMatchObject({
      controller: "nodeclaim.lifecycle",
      NodeClaim: { name: nc.metadata.name },
      "provider-id": cur.status!.providerID,
      "instance-type": "c5a.2xlarge",
      zone: "ap-northeast-2a",
      "capacity-type": "on-demand",
      allocatable: { cpu: "7910m", memory: "14162Mi", pods: "58", "ephemeral-storage": "17Gi" },
    });
    // Instance running at 30 s, the kubelet registers the Node 5 s later.
    h.run(34_999);
    expect(h.store.list("Node")).toHaveLength(0);
    h.run(1);
    const node = h.store.list("Node")[0]!;
    expect(node.metadata.name).toBe(h.cloud.list()[0]!.privateDnsName);
    expect(node.spec.providerID).toBe(cur.status!.providerID);
    h.run(0);
    const reg = h.store.get("Node", undefined, node.metadata.name!)!;
    expect(reg.metadata.labels).toMatchObject({ "karpenter.sh/registered": "true", "karpenter.sh/nodepool": "default", "node.kubernetes.io/instance-type": "c5a.2xlarge" });
    expect(reg.metadata.finalizers).toContain("karpenter.sh/termination");
    expect(reg.metadata.ownerReferences?.[0]).toMatchObject({ kind: "NodeClaim", name: nc.metadata.name });
    const keys = (reg.spec.taints ?? []).map((t: any) => t.key);
    expect(keys).not.toContain("karpenter.sh/unregistered");
    expect(keys).toContain("example.com/startup");
    expect(keys).toContain("node.kubernetes.io/not-ready");
    cur = h.get(nc.metadata.name!)!;
    expect(cur.status?.nodeName).toBe(node.metadata.name);
    expect(getCondition(cur, "Registered")?.status).toBe("True");
    expect(getCondition(cur, "Initialized")?.reason).toBe("NodeNotReady");
    expect(h.log("registered nodeclaim")?.fields).toMatchObject({ Node: { name: node.metadata.name } });
    // Ready at 35 + 15 = 50 s, but the startup taint still blocks initialization.
    h.run(15_000);
    cur = h.get(nc.metadata.name!)!;
    expect(getCondition(cur, "Initialized")).toMatchObject({ status: "Unknown", reason: "StartupTaintsExist", message: 'StartupTaint "example.com/startup:NoSchedule" still exists' });
    // A daemon removes the startup taint → initialized, Ready.
    const n2 = h.store.get("Node", undefined, node.metadata.name!)!;
    h.store.update({ ...n2, spec: { ...n2.spec, taints: n2.spec.taints.filter((t: any) => t.key !== "example.com/startup") } });
    h.run(0);
    cur = h.get(nc.metadata.name!)!;
    expect(getCondition(cur, "Initialized")?.status).toBe("True");
    expect(getCondition(cur, "Ready")?.status).toBe("True");
    expect(h.store.get("Node", undefined, node.metadata.name!)!.metadata.labels?.["karpenter.sh/initialized"]).toBe("true");
    expect(h.lines()).toEqual(["launched nodeclaim", "registered nodeclaim", "initialized nodeclaim"]);
    expect((h.log("initialized nodeclaim")!.fields!.allocatable as any).memory).toBe(`${14162 * 1024}Ki`);
    // Consolidatable once consolidateAfter (1m) has passed since initialization.
    expect(getCondition(cur, "Consolidatable")).toBeUndefined();
    h.run(59_000);
    expect(getCondition(h.get(nc.metadata.name!)!, "Consolidatable")).toBeUndefined();
    h.run(1_000);
    expect(getCondition(h.get(nc.metadata.name!)!, "Consolidatable")?.status).toBe("True");
  });

  it("a pod landing on the node stamps lastPodEventTime and resets the consolidateAfter window", () => {
    const h = setup();
    const nc = h.nodeClaim();
    h.run(50_000); // launched at 0, node Ready at 50 s
    const n = h.store.list("Node")[0]!;
    h.store.update({ ...n, spec: { ...n.spec, taints: [] } });
    h.run(10_000); // initialized at 50 s (t = 60 s now)
    h.store.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { nodeName: n.metadata.name, containers: [] } });
    h.run(0);
    expect(h.get(nc.metadata.name!)!.status?.lastPodEventTime).toBe(h.clock.iso(60_000));
    h.run(59_999); // 1m after the pod event, not after initialization
    expect(getCondition(h.get(nc.metadata.name!)!, "Consolidatable")).toBeUndefined();
    h.run(1);
    expect(getCondition(h.get(nc.metadata.name!)!, "Consolidatable")?.status).toBe("True");
  });

  it("insufficient capacity: event InsufficientCapacityError and the NodeClaim is deleted", () => {
    const h = setup();
    h.cloud.ice = true;
    const nc = h.nodeClaim();
    h.run(0);
    h.run(0);
    expect(h.get(nc.metadata.name!)).toBeUndefined();
    const ev = h.store.list("Event").find((e: any) => e.reason === "InsufficientCapacityError") as any;
    expect(ev.type).toBe("Warning");
    expect(ev.message).toBe(`NodeClaim ${nc.metadata.name} event: InsufficientInstanceCapacity: We currently do not have sufficient c5a.2xlarge capacity`);
    expect(h.lines()).toEqual(["failed launching nodeclaim", "deleted nodeclaim"]);
  });

  it("registration ttl: a NodeClaim whose node never registers is deleted 15 min after launch", () => {
    const h = setup();
    h.cloud.neverRun = true;
    const nc = h.nodeClaim();
    h.run(15 * 60_000 - 1);
    expect(h.get(nc.metadata.name!)?.metadata.deletionTimestamp).toBeUndefined();
    expect(getCondition(h.get(nc.metadata.name!)!, "Registered")).toMatchObject({ status: "Unknown", reason: "NodeNotFound" });
    h.run(1);
    // deleted: finalizer kept until the instance is shutting down, then removed
    h.run(10_000);
    expect(h.get(nc.metadata.name!)).toBeUndefined();
    expect(h.cloud.deletes).toHaveLength(1);
    expect(h.lines()).toContain("terminating due to registration ttl");
  });
});

describe("termination", () => {
  function readyNode(h: ReturnType<typeof setup>) {
    const nc = h.nodeClaim();
    h.run(50_000);
    const n = h.store.list("Node")[0]!;
    h.store.update({ ...h.store.get("Node", undefined, n.metadata.name!)!, spec: { ...n.spec, taints: [] } });
    h.run(0);
    return { nc: h.get(nc.metadata.name!)!, node: h.store.get("Node", undefined, n.metadata.name!)! };
  }
  const pod = (name: string, node: string, extra: Partial<KubeObject> = {}): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "web" }, ...(extra.metadata ?? {}) },
    spec: { nodeName: node, containers: [], ...(extra.spec ?? {}) },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  });

  it("deleting the NodeClaim taints, drains in tiers, terminates the instance, then releases node and claim", () => {
    const h = setup();
    const { nc, node } = readyNode(h);
    const nn = node.metadata.name!;
    // "web" terminates slowly (a finalizer stands in for its grace period).
    h.store.create(pod("web", nn, { metadata: { name: "web", finalizers: ["test/hold"] } as any }));
    h.store.create(pod("ds", nn, { metadata: { name: "ds", ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "d", uid: "u1", controller: true }] } as any }));
    h.store.create(pod("tolerant", nn, { spec: { nodeName: nn, containers: [], tolerations: [{ operator: "Exists" }] } }));
    const t0 = h.clock.now();
    h.store.delete("NodeClaim", undefined, nc.metadata.name!);
    h.run(0);
    const tainted = h.store.get("Node", undefined, nn)!;
    expect(tainted.metadata.deletionTimestamp).toBeDefined();
    expect(tainted.spec.taints).toContainEqual({ key: "karpenter.sh/disrupted", effect: "NoSchedule" });
    expect(tainted.metadata.labels?.["node.kubernetes.io/exclude-from-external-load-balancers"]).toBe("karpenter");
    // First tier (non-critical, non-daemon) only, and the next tier waits while it terminates.
    expect(h.store.get("Pod", "default", "web")?.metadata.deletionTimestamp).toBeDefined();
    h.run(2_000);
    expect(h.store.get("Pod", "default", "ds")?.metadata.deletionTimestamp).toBeUndefined();
    const web = h.store.get("Pod", "default", "web")!;
    h.store.update({ ...web, metadata: { ...web.metadata, finalizers: [] } });
    expect(h.store.get("Pod", "default", "web")).toBeUndefined();
    h.run(2_000);
    expect(h.store.get("Pod", "default", "ds")).toBeUndefined();
    expect(h.store.get("Pod", "default", "tolerant")).toBeDefined();
    expect(h.cloud.deletes).toHaveLength(0);
    h.run(2_000); // drained → instance termination requested
    expect(h.cloud.deletes).toHaveLength(1);
    expect(h.store.get("Node", undefined, nn)).toBeDefined();
    h.run(5_000); // shutting-down observed → finalizers removed
    expect(h.store.get("Node", undefined, nn)).toBeUndefined();
    expect(h.get(nc.metadata.name!)).toBeUndefined();
    expect(h.clock.now() - t0).toBe(11_000);
    const tail = h.logs.records("karpenter").slice(-3);
    expect(tail.map((r) => r.message)).toEqual(["tainted node", "deleted node", "deleted nodeclaim"]);
    expect(tail[0]!.fields).toMatchObject({ controller: "node.termination", Node: { name: nn }, NodeClaim: { name: nc.metadata.name }, "taint.Key": "karpenter.sh/disrupted", "taint.Value": "", "taint.Effect": "NoSchedule" });
    expect(tail[2]!.fields).toMatchObject({ NodeClaim: { name: nc.metadata.name }, Node: { name: nn }, "provider-id": nc.status!.providerID });
  });

  it("a PodDisruptionBudget holds the drain until it allows the eviction", () => {
    const h = setup();
    const { nc, node } = readyNode(h);
    const nn = node.metadata.name!;
    h.store.create(pod("web", nn));
    h.store.create({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb", namespace: "default" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } } });
    h.store.delete("NodeClaim", undefined, nc.metadata.name!);
    h.run(30_000);
    expect(h.store.get("Pod", "default", "web")).toBeDefined();
    expect(h.store.get("Node", undefined, nn)).toBeDefined();
    const ev = h.store.list("Event").find((e: any) => e.reason === "FailedDraining" && e.involvedObject.kind === "Node") as any;
    expect(ev.message).toBe("Failed to drain node, 1 pods are waiting to be evicted");
    // A second ready replica elsewhere lets the budget allow one disruption.
    h.store.create(pod("web-2", "other-node"));
    h.run(2_000);
    expect(h.store.get("Pod", "default", "web")).toBeUndefined();
    h.run(10_000);
    expect(h.store.get("Node", undefined, nn)).toBeUndefined();
  });

  it("spot interruption deletes the NodeClaim", () => {
    const h = setup();
    const { nc } = readyNode(h);
    const inst = h.cloud.list()[0]!;
    h.cloud.emit({ type: "spot-interruption", instance: inst, at: h.clock.now() + 120_000 });
    expect(h.get(nc.metadata.name!)!.metadata.deletionTimestamp).toBeDefined();
    expect(h.log("initiating delete from interruption message")?.fields).toMatchObject({ messageKind: "spot_interrupted", action: "CordonAndDrain", NodeClaim: { name: nc.metadata.name } });
  });
});

describe("expiration", () => {
  it("deletes a NodeClaim at creation + expireAfter, forcefully", () => {
    const h = setup({ expiration: true });
    const nc = h.nodeClaim("1h");
    h.run(3_600_000 - 1);
    expect(h.get(nc.metadata.name!)!.metadata.deletionTimestamp).toBeUndefined();
    h.run(1);
    expect(h.get(nc.metadata.name!)!.metadata.deletionTimestamp).toBe(h.clock.iso(3_600_000));
    expect(h.lines()).toContain("deleting expired nodeclaim");
  });

  it("Never disables expiration; the default is 720h", () => {
    const h = setup({ expiration: true });
    const never = h.nodeClaim("Never");
    const dflt = h.nodeClaim();
    expect(dflt.spec.expireAfter).toBe("720h");
    h.run(720 * 3_600_000 - 1);
    expect(h.get(dflt.metadata.name!)!.metadata.deletionTimestamp).toBeUndefined();
    h.run(1);
    expect(h.get(dflt.metadata.name!)!.metadata.deletionTimestamp).toBeDefined();
    expect(h.get(never.metadata.name!)!.metadata.deletionTimestamp).toBeUndefined();
  });
});
