/** Hand-built clusters for the disruption tests (Store + VirtualClock + stub CloudProvider). */
import { EventRecorder } from "../../../api/events.js";
import { LogSink } from "../../../api/logs.js";
import type { KubeObject } from "../../../api/meta.js";
import { Store } from "../../../api/store.js";
import { CLOUD_PROVIDER_SERVICE, type CloudInstanceType, type CloudProvider, type Offering } from "../../../cloud/provider.js";
import { VirtualClock } from "../../../core/clock.js";
import { Rng } from "../../../core/rng.js";
import { formatBytes, formatCpuMilli } from "../../../core/quantity.js";
import { nodePoolHash, registerKarpenterKinds, type NodePool } from "../api.js";
import { ClusterState } from "../state.js";
import { DisruptionController, type DisruptionOptions } from "./controller.js";

const Gi = 1024 ** 3;

/** n vCPU, 2n GiB, allocatable = capacity, on-demand price `price`, spot 30 % of it, zone z-a. */
export function synthType(name: string, cpu: number, price: number, spotPrice = price * 0.3): CloudInstanceType {
  const offerings: Offering[] = [
    { zone: "z-a", capacityType: "on-demand", price, available: true },
    { zone: "z-a", capacityType: "spot", price: spotPrice, available: true },
  ];
  const res = { cpu: cpu * 1000, memory: cpu * 2 * Gi, pods: 110, ephemeralStorage: 17 * Gi };
  const zero = { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 };
  return {
    name,
    requirements: [
      { key: "node.kubernetes.io/instance-type", operator: "In", values: [name] },
      { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
      { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
    ],
    offerings,
    capacity: res,
    overhead: { kubeReserved: zero, systemReserved: zero, evictionThreshold: zero },
    allocatable: res,
  };
}

export const TYPES = [synthType("small", 2, 0.1), synthType("medium", 4, 0.2), synthType("large", 8, 0.4)];

export interface HarnessOptions extends Partial<DisruptionOptions> {
  types?: CloudInstanceType[];
  capacityTypes?: string[];
  budgets?: Array<{ nodes: string; reasons?: string[]; schedule?: string; duration?: string }>;
  consolidationPolicy?: string;
  startController?: boolean;
}

export class Harness {
  readonly clock = new VirtualClock();
  readonly rng = new Rng(7);
  readonly store = new Store(this.clock, this.rng);
  readonly logs = new LogSink(this.clock);
  readonly events = new EventRecorder(this.store, this.clock);
  readonly services = new Map<string, unknown>();
  readonly types: CloudInstanceType[];
  readonly state: ClusterState;
  readonly ctrl: DisruptionController;
  readonly cloud: CloudProvider;
  private seq = 0;

  constructor(o: HarnessOptions = {}) {
    registerKarpenterKinds(this.store);
    this.types = o.types ?? TYPES;
    const types = this.types;
    this.cloud = {
      name: "aws",
      region: "test",
      instanceTypes: () => types,
      create: () => {
        throw new Error("not in this test");
      },
      delete: () => undefined,
      get: () => undefined,
      list: () => [],
      on: () => () => undefined,
    };
    const np: NodePool = {
      apiVersion: "karpenter.sh/v1",
      kind: "NodePool",
      metadata: { name: "default" },
      spec: {
        template: {
          spec: {
            requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: o.capacityTypes ?? ["on-demand"] }],
            nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
            expireAfter: "720h",
          },
        },
        disruption: {
          consolidateAfter: "0s",
          consolidationPolicy: (o.consolidationPolicy ?? "WhenEmptyOrUnderutilized") as "WhenEmpty",
          ...(o.budgets ? { budgets: o.budgets as NodePool["spec"]["disruption"]["budgets"] } : {}),
        },
      },
    };
    this.store.create(np);
    this.store.create({
      apiVersion: "karpenter.k8s.aws/v1",
      kind: "EC2NodeClass",
      metadata: { name: "default" },
      spec: {
        amiSelectorTerms: [{ alias: "al2023@latest" }],
        role: "KarpenterNodeRole",
        subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "test" } }],
        securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "test" } }],
      },
    });
    this.services.set(CLOUD_PROVIDER_SERVICE, this.cloud);
    this.state = new ClusterState(this.store, this.clock).start();
    this.ctrl = new DisruptionController({ state: this.state, cloud: this.cloud, ...o });
    if (o.startController !== false) this.ctrl.start({ store: this.store, clock: this.clock, rng: this.rng, events: this.events, logs: this.logs, services: this.services });
  }

  /** A registered, initialized, consolidatable Karpenter node of `type` with pods of the given CPU (millicores). */
  node(name: string, type: string, podsMilli: number[], o: { capacityType?: string; nodeAnnotations?: Record<string, string>; podAnnotations?: Record<string, string>; podLabels?: Record<string, string> } = {}): void {
    const it = this.types.find((t) => t.name === type)!;
    const ct = o.capacityType ?? "on-demand";
    const labels = {
      "karpenter.sh/nodepool": "default",
      "node.kubernetes.io/instance-type": type,
      "karpenter.sh/capacity-type": ct,
      "topology.kubernetes.io/zone": "z-a",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/os": "linux",
      "karpenter.sh/initialized": "true",
      "karpenter.sh/registered": "true",
      "kubernetes.io/hostname": name,
    };
    const iso = this.clock.iso();
    const pid = `aws:///z-a/i-${name}`;
    const alloc = { cpu: formatCpuMilli(it.allocatable.cpu), memory: formatBytes(it.allocatable.memory), pods: String(it.allocatable.pods) };
    const np = this.store.read<NodePool>("NodePool", undefined, "default");
    this.store.create({
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { name: `nc-${name}`, labels, annotations: { "karpenter.sh/nodepool-hash": nodePoolHash(np), "karpenter.sh/nodepool-hash-version": "v3" } },
      spec: {
        requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: [type] }],
        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
        expireAfter: "720h",
      },
      status: {
        nodeName: name,
        providerID: pid,
        capacity: alloc,
        allocatable: alloc,
        conditions: ["Launched", "Registered", "Initialized", "Ready", "Consolidatable"].map((t) => ({ type: t, status: "True", reason: t, message: "", lastTransitionTime: iso })),
      },
    });
    this.store.create({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels, annotations: o.nodeAnnotations ?? {} },
      spec: { providerID: pid },
      status: { capacity: alloc, allocatable: alloc, conditions: [{ type: "Ready", status: "True" }] },
    });
    for (const m of podsMilli) this.pod(name, m, o.podAnnotations, o.podLabels);
  }

  pod(nodeName: string | undefined, milli: number, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): KubeObject {
    const name = `p${++this.seq}`;
    return this.store.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", annotations, labels: { app: "inflate", ...labels }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "rs-uid", controller: true }] },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "pause", resources: { requests: { cpu: formatCpuMilli(milli) } } }] },
      status: { phase: nodeName ? "Running" : "Pending", startTime: this.clock.iso(), conditions: [{ type: "Ready", status: nodeName ? "True" : "False" }] },
    });
  }

  run(ms: number): void {
    this.clock.runUntil(this.clock.now() + ms);
  }

  disruptionLogs(): Array<{ message: string; fields?: Record<string, unknown> }> {
    return this.logs.records("karpenter").filter((r) => r.message.startsWith("disrupting nodeclaim(s)"));
  }

  eventsOf(reason: string): string[] {
    return this.store
      .list("Event")
      .filter((e) => (e as { reason?: string }).reason === reason)
      .map((e) => `${(e as unknown as { involvedObject: { name: string } }).involvedObject.name}: ${(e as { message?: string }).message}`);
  }

  /** Mark every NodeClaim created by disruption as Initialized (the lifecycle controller's job). */
  initializeReplacements(): string[] {
    const out: string[] = [];
    for (const nc of this.store.list("NodeClaim")) {
      if (nc.metadata.name!.startsWith("nc-")) continue;
      out.push(nc.metadata.name!);
      this.store.setStatus(nc, { conditions: [{ type: "Initialized", status: "True", reason: "Initialized", message: "", lastTransitionTime: this.clock.iso() }] });
    }
    return out;
  }
}
