/**
 * The node side of Karpenter's registration: what the kubelet on a freshly booted Karpenter instance
 * does (nodeadm / bootstrap user data). When the simulated EC2 reports an instance of a NodeClaim
 * `running`, the kubelet registers its Node after `registerDelayMs` — named after the instance's
 * private DNS name, with its providerID and private IP, the NodeClaim's labels (`--node-labels`),
 * and the NodeClaim's taints + startupTaints + `karpenter.sh/unregistered:NoExecute`
 * (`--register-with-taints`), NotReady with the `node.kubernetes.io/not-ready` taint — and turns
 * Ready `readyDelayMs` later (CNI up). Karpenter's lifecycle controller (nodeclaim-lifecycle.ts)
 * then registers and initializes the NodeClaim.
 *
 * Defaults: instance running → Node registered 5 s, → Ready 15 s (±10 %); with the simulated EC2's
 * 30 s launch this puts a Karpenter node ~50 s from CreateFleet to Ready, as on EKS.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { Store } from "../../api/store.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Rng } from "../../core/rng.js";
import type { CloudEvent, CloudInstance } from "../../cloud/provider.js";
import { instanceType as catalogType } from "../../cloud/catalog.js";
import { makeNode, nodeConditions, NOT_READY_TAINT_KEY, type NodeObject, type Taint } from "../../cluster/nodes.js";
import { UNREGISTERED_TAINT_KEY, type EC2NodeClass, type NodeClaim } from "./api.js";
import { cloudProvider } from "./common.js";

export interface NodeRegistrationOptions {
  /** Instance running → Node object registered (NotReady). Default 5 s. */
  registerDelayMs?: number;
  /** Node registered → Ready. Default 15 s. */
  readyDelayMs?: number;
  /** Relative jitter of both delays, default 0.1. */
  jitter?: number;
}

export class KarpenterNodeRegistration implements Controller {
  readonly name = "karpenter-node-bootstrap";
  private ctx!: ControllerContext;
  private store!: Store;
  private clock!: Clock;
  private rng!: Rng;
  private off: (() => void) | undefined;
  private timers = new Set<TimerHandle>();
  private index = 0;
  private readonly registerDelayMs: number;
  private readonly readyDelayMs: number;
  private readonly jitter: number;

  constructor(opts: NodeRegistrationOptions = {}) {
    this.registerDelayMs = opts.registerDelayMs ?? 5_000;
    this.readyDelayMs = opts.readyDelayMs ?? 15_000;
    this.jitter = opts.jitter ?? 0.1;
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.store = ctx.store;
    this.clock = ctx.clock;
    this.rng = ctx.rng.fork(this.name);
    const provider = cloudProvider(ctx);
    this.off = provider?.on((ev) => this.onCloudEvent(ev));
  }

  stop(): void {
    this.off?.();
    for (const t of this.timers) this.clock.cancel(t);
    this.timers.clear();
  }

  private after(ms: number, fn: () => void): void {
    const h = this.clock.after(ms, () => {
      this.timers.delete(h);
      fn();
    });
    this.timers.add(h);
  }

  private jittered(ms: number): number {
    return Math.round(ms * (1 + this.rng.uniform(-this.jitter, this.jitter)));
  }

  private onCloudEvent(ev: CloudEvent): void {
    if (ev.type !== "running") return;
    const inst = ev.instance;
    this.after(this.jittered(this.registerDelayMs), () => this.register(inst));
  }

  private nodeClaimOf(inst: CloudInstance): NodeClaim | undefined {
    const byTag = inst.tags["karpenter.sh/nodeclaim"];
    if (byTag) {
      const nc = this.store.get<NodeClaim>("NodeClaim", undefined, byTag);
      if (nc) return nc;
    }
    return this.store.list<NodeClaim>("NodeClaim").find((n) => n.status?.providerID === inst.providerID);
  }

  /** Build and create the Node the kubelet registers for `inst`. Returns its name, or undefined. */
  register(inst: CloudInstance): string | undefined {
    const provider = cloudProvider(this.ctx);
    const cur = provider?.get(inst.id);
    if (cur && cur.state !== "running") return undefined; // terminated while booting
    const nc = this.nodeClaimOf(inst);
    if (!nc || nc.metadata.deletionTimestamp) return undefined;
    if (!catalogType(inst.instanceType)) return undefined;
    const name = inst.privateDnsName;
    if (this.store.get("Node", undefined, name)) return undefined;
    const nodeClass = nc.spec.nodeClassRef ? this.store.get<EC2NodeClass>(nc.spec.nodeClassRef.kind ?? "EC2NodeClass", undefined, nc.spec.nodeClassRef.name) : undefined;
    const kubelet = nodeClass?.spec?.kubelet;
    const time = this.clock.iso();
    const taints: Taint[] = [
      ...((nc.spec.taints ?? []) as Taint[]),
      ...((nc.spec.startupTaints ?? []) as Taint[]),
      { key: UNREGISTERED_TAINT_KEY, effect: "NoExecute", timeAdded: time },
    ];
    const region = provider?.region ?? inst.zone.replace(/[a-z]$/, "");
    const node: NodeObject = makeNode({
      name,
      instanceType: inst.instanceType,
      zone: inst.zone,
      region,
      capacityType: inst.capacityType === "spot" ? "SPOT" : "ON_DEMAND",
      labels: { ...(nc.metadata.labels ?? {}) },
      taints,
      index: this.index++,
      rng: this.rng,
      ready: false,
      time,
      allocatableOptions: { maxPods: kubelet?.maxPods, podsPerCore: kubelet?.podsPerCore },
    });
    node.spec.providerID = inst.providerID;
    node.metadata.annotations = { ...(node.metadata.annotations ?? {}), "alpha.kubernetes.io/provided-node-ip": inst.privateIp };
    node.status.addresses = [
      { type: "InternalIP", address: inst.privateIp },
      { type: "InternalDNS", address: inst.privateDnsName },
      { type: "Hostname", address: inst.privateDnsName },
    ];
    this.store.create(node);
    this.after(this.jittered(this.readyDelayMs), () => this.markReady(name, inst.providerID));
    return name;
  }

  /** The kubelet posts Ready; the node lifecycle controller lifts the not-ready taint. */
  markReady(name: string, providerID: string): void {
    const cur = this.store.get<NodeObject>("Node", undefined, name);
    if (!cur || cur.spec.providerID !== providerID || cur.metadata.deletionTimestamp) return;
    const time = this.clock.iso();
    const taints = (cur.spec.taints ?? []).filter((t) => t.key !== NOT_READY_TAINT_KEY);
    const withSpec = this.store.update({ ...cur, spec: { ...cur.spec, taints: taints.length ? taints : undefined } } as NodeObject);
    const conditions = withSpec.status.conditions.map((c) => (c.type === "Ready" ? nodeConditions(true, time)[3]! : { ...c, lastHeartbeatTime: time }));
    this.store.setStatus(withSpec, { ...withSpec.status, conditions });
  }
}

