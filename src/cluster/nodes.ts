/**
 * EKS worker nodes: `makeNode` builds a Node object shaped like the ones an EKS managed node group
 * registers (names, labels, providerID, capacity/allocatable in the kubelet's units, nodeInfo,
 * addresses, conditions), and `NodeGroupController` ("eks-nodegroups") keeps each node group at its
 * desired size: nodes existing at t = 0 are Ready at once (the cluster existed before the
 * scenario); later launches register NotReady after the launch delay and turn Ready when the node
 * start-up delay has passed; scale-in cordons and drains the newest node, then terminates it.
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import type { KubeObject } from "../api/meta.js";
import type { Store } from "../api/store.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Rng } from "../core/rng.js";
import { eksAllocatable, requireInstanceType, type AllocatableOptions } from "../cloud/catalog.js";
import { nodePrivateIp, privateDnsName, zoneIndex } from "../cloud/aws/naming.js";
import { cpuMilli, formatCpuMilli } from "../core/quantity.js";
import type { NodeGroupSpec } from "../scenario/types.js";
import { ContainerRuntime, RUNTIME_SERVICE } from "./runtime.js";

// nodes.test.ts checks address uniqueness through this module.
export { nodePrivateIp };

export type CapacityType = "ON_DEMAND" | "SPOT";

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface NodeCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

export interface NodeObject extends KubeObject {
  spec: { providerID: string; taints?: Taint[]; unschedulable?: boolean };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    conditions: NodeCondition[];
    addresses: Array<{ type: string; address: string }>;
    daemonEndpoints: { kubeletEndpoint: { Port: number } };
    nodeInfo: Record<string, string>;
    images?: Array<{ names: string[]; sizeBytes: number }>;
  };
}

/** kubelet/Amazon Linux versions the simulated EKS 1.32 nodes report. */
export const KUBELET_VERSION = "v1.32.3-eks-473151a";
export const OS_IMAGE = "Amazon Linux 2023.7.20250512";
export const CONTAINERD_VERSION = "containerd://1.7.27";
export const KERNEL_VERSION = "6.1.134-152.225.amzn2023";
/** EKS optimized AL2023 AMI ids per architecture (nodegroup-image label). */
const AMI: Record<string, string> = { amd64: "ami-0c7f7f2fb1a7e6a1b", arm64: "ami-0e3b4f2a9c0d8e5f4" };

export const NOT_READY_TAINT_KEY = "node.kubernetes.io/not-ready";
export const UNSCHEDULABLE_TAINT_KEY = "node.kubernetes.io/unschedulable";

export interface MakeNodeOptions {
  /** Default: the EC2 private DNS name derived from the private IP. */
  name?: string;
  instanceType: string;
  zone: string;
  region: string;
  capacityType: CapacityType;
  nodeGroup?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Cluster-wide ordinal of the node: keeps private IPs (and so names) unique within a zone. */
  index: number;
  rng: Rng;
  /** Ready at creation (default true); false registers the node NotReady with the not-ready taint. */
  ready?: boolean;
  /** RFC 3339 time for condition timestamps. */
  time?: string;
  allocatableOptions?: AllocatableOptions;
}

function hex(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[rng.int(16)];
  return s;
}

function uuid(rng: Rng): string {
  const h = hex(rng, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[rng.int(4)]}${h.slice(17, 20)}-${h.slice(20)}`;
}

/** The four node conditions the kubelet posts, with upstream reasons and messages. */
export function nodeConditions(ready: boolean, time?: string): NodeCondition[] {
  const t = time ? { lastHeartbeatTime: time, lastTransitionTime: time } : {};
  return [
    { type: "MemoryPressure", status: "False", ...t, reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    { type: "DiskPressure", status: "False", ...t, reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    { type: "PIDPressure", status: "False", ...t, reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
    ready
      ? { type: "Ready", status: "True", ...t, reason: "KubeletReady", message: "kubelet is posting ready status" }
      : {
          type: "Ready",
          status: "False",
          ...t,
          reason: "KubeletNotReady",
          message:
            "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
        },
  ];
}

/** An EKS-shaped Node for an EC2 instance of `instanceType` in `zone`. */
export function makeNode(opts: MakeNodeOptions): NodeObject {
  const it = requireInstanceType(opts.instanceType);
  const res = eksAllocatable(it, opts.allocatableOptions);
  const rng = opts.rng;
  const ip = nodePrivateIp(opts.region, opts.zone, opts.index);
  const dns = privateDnsName(opts.region, ip);
  const name = opts.name ?? dns;
  const instanceId = `i-0${hex(rng, 16)}`;
  const ready = opts.ready ?? true;
  const arch = it.arch;
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": arch,
    "beta.kubernetes.io/instance-type": it.name,
    "beta.kubernetes.io/os": "linux",
    "failure-domain.beta.kubernetes.io/region": opts.region,
    "failure-domain.beta.kubernetes.io/zone": opts.zone,
    "k8s.io/cloud-provider-aws": hex(rng, 32),
    "kubernetes.io/arch": arch,
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    "node.kubernetes.io/instance-type": it.name,
    "topology.k8s.aws/zone-id": `${zoneIdPrefix(opts.region)}-az${zoneIndex(opts.zone) + 1}`,
    "topology.kubernetes.io/region": opts.region,
    "topology.kubernetes.io/zone": opts.zone,
  };
  if (opts.nodeGroup) {
    labels["eks.amazonaws.com/capacityType"] = opts.capacityType;
    labels["eks.amazonaws.com/nodegroup"] = opts.nodeGroup;
    labels["eks.amazonaws.com/nodegroup-image"] = AMI[arch]!;
  }
  Object.assign(labels, opts.labels ?? {});
  const taints: Taint[] = [...(opts.taints ?? [])];
  if (!ready) taints.push({ key: NOT_READY_TAINT_KEY, effect: "NoSchedule", ...(opts.time ? { timeAdded: opts.time } : {}) });
  const ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels,
      annotations: {
        "alpha.kubernetes.io/provided-node-ip": ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: { providerID: `aws:///${opts.zone}/${instanceId}`, ...(taints.length ? { taints } : {}) },
    status: {
      capacity: {
        cpu: formatCpuMilli(res.capacity.cpuMilli),
        "ephemeral-storage": ki(res.capacity.ephemeralStorageBytes),
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: ki(res.capacity.memoryBytes),
        pods: String(res.capacity.pods),
      },
      allocatable: {
        cpu: formatCpuMilli(res.allocatable.cpuMilli),
        "ephemeral-storage": String(res.allocatable.ephemeralStorageBytes),
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: ki(res.allocatable.memoryBytes),
        pods: String(res.allocatable.pods),
      },
      conditions: nodeConditions(ready, opts.time),
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "InternalDNS", address: dns },
        { type: "Hostname", address: dns },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: arch,
        bootID: uuid(rng),
        containerRuntimeVersion: CONTAINERD_VERSION,
        kernelVersion: `${KERNEL_VERSION}.${arch === "arm64" ? "aarch64" : "x86_64"}`,
        kubeProxyVersion: "",
        kubeletVersion: KUBELET_VERSION,
        machineID: hex(rng, 32),
        operatingSystem: "linux",
        osImage: OS_IMAGE,
        systemUUID: `ec2${hex(rng, 5)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}`,
      },
    },
  };
}

function zoneIdPrefix(region: string): string {
  const known: Record<string, string> = { "us-east-1": "use1", "us-east-2": "use2", "us-west-2": "usw2", "ap-northeast-2": "apne2" };
  if (known[region]) return known[region]!;
  const [geo = "", dir = "", n = ""] = region.split("-");
  return `${geo}${dir.replace(/(north|south|east|west|central)/g, (m) => m[0]!)}${n}`;
}

// ---------------------------------------------------------------------------------- node groups

export interface NodeGroupControllerOptions {
  groups: NodeGroupSpec[];
  region: string;
  zones: string[];
  /** Instance launch → node Ready (default 60 s), jittered ±10 %. */
  nodeStartupDelayMs?: number;
  /** Instance launch → Node object registered NotReady; default 60 % of the start-up delay. */
  launchDelayMs?: number;
  /** How long scale-in waits for evicted pods to go before terminating the instance (default 90 s). */
  drainTimeoutMs?: number;
}

interface GroupState {
  spec: NodeGroupSpec;
  zones: string[];
  nextZone: number;
  /** Node names in creation order (registered nodes only). */
  nodes: string[];
  /** Launches not yet registered. */
  pending: Array<{ handle: TimerHandle; zone: string }>;
  desired: number;
}

export class NodeGroupController implements Controller {
  readonly name = "eks-nodegroups";
  private store!: Store;
  private clock!: Clock;
  private rng!: Rng;
  private runtime: ContainerRuntime | undefined;
  private groupStates = new Map<string, GroupState>();
  private nodeIndex = 0;
  private timers = new Set<TimerHandle>();
  private readonly startupMs: number;
  private readonly launchMs: number;
  private readonly drainTimeoutMs: number;

  constructor(private readonly opts: NodeGroupControllerOptions) {
    this.startupMs = opts.nodeStartupDelayMs ?? 60_000;
    this.launchMs = opts.launchDelayMs ?? Math.round(this.startupMs * 0.6);
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 90_000;
  }

  start(ctx: ControllerContext): void {
    this.store = ctx.store;
    this.clock = ctx.clock;
    this.rng = ctx.rng.fork(this.name);
    this.runtime = ctx.services.get(RUNTIME_SERVICE) as ContainerRuntime | undefined;
    for (const g of this.opts.groups) {
      const st: GroupState = {
        spec: g,
        zones: g.zones && g.zones.length ? g.zones : this.opts.zones,
        nextZone: 0,
        nodes: [],
        pending: [],
        desired: g.desired,
      };
      this.groupStates.set(g.name, st);
      for (let i = 0; i < g.desired; i++) this.createNode(st, this.takeZone(st), true);
    }
  }

  stop(): void {
    for (const t of this.timers) this.clock.cancel(t);
    this.timers.clear();
  }

  groups(): NodeGroupSpec[] {
    return [...this.groupStates.values()].map((s) => s.spec);
  }

  /** Target size (registered + launching nodes, minus nodes being removed). */
  desired(group: string): number {
    return this.state(group).desired;
  }

  /** Registered node names of a group, oldest first. */
  nodes(group: string): readonly string[] {
    return this.state(group).nodes;
  }

  /** Instances launched but not yet registered as Nodes. */
  launching(group: string): number {
    return this.state(group).pending.length;
  }

  /** Set the group's desired size (clamped to [min, max]), launching or removing nodes. */
  setDesired(group: string, n: number): number {
    const st = this.state(group);
    const target = Math.max(st.spec.min, Math.min(st.spec.max, Math.floor(n)));
    st.desired = target;
    let current = st.nodes.length + st.pending.length;
    while (current < target) {
      this.launch(st);
      current++;
    }
    while (current > target) {
      // Newest first: cancel launches that have not registered, then the newest nodes.
      const p = st.pending.pop();
      if (p) {
        this.clock.cancel(p.handle);
        this.timers.delete(p.handle);
      } else {
        const nodeName = st.nodes.pop();
        if (nodeName) this.removeNode(nodeName);
      }
      current--;
    }
    return target;
  }

  /** Terminate one specific node of a group (Cluster Autoscaler scale-down), decrementing desired. */
  deleteNode(group: string, nodeName: string): boolean {
    const st = this.state(group);
    const i = st.nodes.indexOf(nodeName);
    if (i < 0) return false;
    st.nodes.splice(i, 1);
    st.desired = Math.max(st.spec.min, st.desired - 1);
    this.removeNode(nodeName);
    return true;
  }

  private state(group: string): GroupState {
    const st = this.groupStates.get(group);
    if (!st) throw new Error(`unknown node group "${group}"`);
    return st;
  }

  private takeZone(st: GroupState): string {
    const z = st.zones[st.nextZone % st.zones.length]!;
    st.nextZone++;
    return z;
  }

  private jitter(ms: number, frac: number): number {
    return Math.round(ms * (1 + this.rng.uniform(-frac, frac)));
  }

  private after(ms: number, fn: () => void): TimerHandle {
    const h = this.clock.after(ms, () => {
      this.timers.delete(h);
      fn();
    });
    this.timers.add(h);
    return h;
  }

  private launch(st: GroupState): void {
    const zone = this.takeZone(st);
    const readyIn = this.jitter(this.startupMs, 0.1);
    const registerIn = Math.min(readyIn, this.jitter(this.launchMs, 0.1));
    const entry = { handle: undefined as unknown as TimerHandle, zone };
    entry.handle = this.after(registerIn, () => {
      const i = st.pending.indexOf(entry);
      if (i >= 0) st.pending.splice(i, 1);
      const name = this.createNode(st, zone, false);
      this.after(readyIn - registerIn, () => this.markReady(name));
    });
    st.pending.push(entry);
  }

  private createNode(st: GroupState, zone: string, ready: boolean): string {
    let node: NodeObject;
    do {
      node = makeNode({
        instanceType: st.spec.instanceType,
        zone,
        region: this.opts.region,
        capacityType: st.spec.capacityType,
        nodeGroup: st.spec.name,
        labels: st.spec.labels,
        taints: st.spec.taints,
        index: this.nodeIndex++,
        rng: this.rng,
        ready,
        time: this.clock.iso(),
      });
    } while (this.store.get("Node", undefined, node.metadata.name!));
    const created = this.store.create(node);
    const name = created.metadata.name!;
    st.nodes.push(name);
    this.runtime?.setNodeCpu(name, nodeCpuMilli(created));
    return name;
  }

  private markReady(name: string): void {
    const cur = this.store.get<NodeObject>("Node", undefined, name);
    if (!cur) return;
    const time = this.clock.iso();
    const taints = (cur.spec.taints ?? []).filter((t) => t.key !== NOT_READY_TAINT_KEY);
    const withSpec = this.store.update({ ...cur, spec: { ...cur.spec, taints: taints.length ? taints : undefined } } as NodeObject);
    const conditions = withSpec.status.conditions.map((c) =>
      c.type === "Ready" ? nodeConditions(true, time)[3]! : { ...c, lastHeartbeatTime: time },
    );
    this.store.setStatus(withSpec, { ...withSpec.status, conditions });
  }

  /** Cordon, evict the pods, wait for them to go (or the drain timeout), then terminate. */
  private removeNode(name: string): void {
    const cur = this.store.get<NodeObject>("Node", undefined, name);
    if (!cur) return;
    const taints = [...(cur.spec.taints ?? [])];
    if (!taints.some((t) => t.key === UNSCHEDULABLE_TAINT_KEY)) {
      taints.push({ key: UNSCHEDULABLE_TAINT_KEY, effect: "NoSchedule", timeAdded: this.clock.iso() });
    }
    this.store.update({ ...cur, spec: { ...cur.spec, unschedulable: true, taints } } as NodeObject);
    for (const p of this.podsOn(name)) {
      if (p.metadata.deletionTimestamp) continue;
      if (isDaemonSetPod(p)) continue;
      try {
        this.store.delete("Pod", p.metadata.namespace, p.metadata.name!);
      } catch {
        // already gone
      }
    }
    const deadline = this.clock.now() + this.drainTimeoutMs;
    const check = () => {
      const left = this.podsOn(name).filter((p) => !isDaemonSetPod(p));
      if (left.length === 0 || this.clock.now() >= deadline) this.terminate(name);
      else this.after(5_000, check);
    };
    this.after(0, check);
  }

  private terminate(name: string): void {
    if (this.store.get("Node", undefined, name)) this.store.delete("Node", undefined, name);
    this.runtime?.removeNode(name);
  }

  private podsOn(nodeName: string): KubeObject[] {
    return this.store.list("Pod", { fieldSelector: `spec.nodeName=${nodeName}` });
  }
}

function isDaemonSetPod(p: KubeObject): boolean {
  return (p.metadata.ownerReferences ?? []).some((r) => r.kind === "DaemonSet" && r.controller);
}

/** Allocatable CPU (millicores) of a Node object. */
export function nodeCpuMilli(node: KubeObject): number {
  return cpuMilli(node.status?.allocatable?.cpu as string | undefined);
}
