/**
 * The NodeClaim lifecycle controller (`nodeclaim.lifecycle`, core `pkg/controllers/nodeclaim/lifecycle`,
 * plus the `nodeclaim.podevents` and `nodeclaim.disruption` Consolidatable pieces):
 *
 *   Launched     cloudProvider.Create (CreateFleet); the NodeClaim gets the instance type's labels,
 *                zone / capacity type, providerID, imageID, capacity and allocatable; log `launched nodeclaim`.
 *                InsufficientCapacityError → event `InsufficientCapacityError`, NodeClaim deleted.
 *                Launch timeout 5 min (non-ICE errors retried until then).
 *   Registered   a Node with the NodeClaim's providerID exists: labels/annotations/taints/startupTaints,
 *                the termination finalizer and an owner reference are synced onto it, the
 *                `karpenter.sh/unregistered:NoExecute` taint removed, `karpenter.sh/registered=true`;
 *                log `registered nodeclaim`. Registration timeout 15 min after launch → deleted.
 *   Initialized  Node Ready, startup taints and known ephemeral taints gone, requested extended
 *                resources present; `karpenter.sh/initialized=true`; log `initialized nodeclaim`.
 *   Ready        Launched ∧ Registered ∧ Initialized.
 *   Consolidatable  once initialized, when now − (lastPodEventTime or initialization) ≥ consolidateAfter.
 *   lastPodEventTime  bumped (5 s de-duplication) when a pod is bound to / leaves / terminates on the node.
 *
 * Deletion: the finalizer `karpenter.sh/termination` is kept until the Node is gone (the termination
 * controller drains it) and the instance terminated; then log `deleted nodeclaim`.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { WorkQueue } from "../../api/controller.js";
import type { Logger } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import type { Store, WatchEvent } from "../../api/store.js";
import type { Clock } from "../../core/clock.js";
import { formatDuration } from "../../core/duration.js";
import type { Rng } from "../../core/rng.js";
import { InsufficientCapacityError, type CloudInstanceType, type NodeRequirement } from "../../cloud/provider.js";
import {
  CAPACITY_TYPE_LABEL,
  COND_CONSOLIDATABLE,
  COND_INITIALIZED,
  COND_LAUNCHED,
  COND_READY,
  COND_REGISTERED,
  clearCondition,
  getCondition,
  INSTANCE_TYPE_LABEL,
  KNOWN_EPHEMERAL_TAINTS,
  NODE_INITIALIZED_LABEL,
  NODE_REGISTERED_LABEL,
  NODEPOOL_LABEL,
  parseNillableDuration,
  REGION_LABEL,
  setCondition,
  TERMINATION_FINALIZER,
  UNREGISTERED_TAINT_KEY,
  ZONE_ID_LABEL,
  ZONE_LABEL,
  EC2NODECLASS_LABEL,
  EC2NODECLASS_HASH_ANNOTATION,
  EC2NODECLASS_HASH_VERSION,
  EC2NODECLASS_HASH_VERSION_ANNOTATION,
  ec2NodeClassHash,
  type Condition,
  type EC2NodeClass,
  type KarpenterTaint,
  type NodeClaim,
  type NodePool,
} from "./api.js";
import {
  cloudProvider,
  formatResourceList,
  KARPENTER_EVENT_SOURCE,
  KARPENTER_LOG_COMPONENT,
  logReconcile,
  requirementAllows,
  singleValueLabels,
  type ReconcileLogFields,
} from "./common.js";

export const LAUNCH_TIMEOUT_MS = 5 * 60_000;
export const REGISTRATION_TTL_MS = 15 * 60_000;
export const POD_EVENT_DEDUPE_MS = 5_000;

export interface NodeClaimLifecycleOptions {
  launchTimeoutMs?: number;
  registrationTtlMs?: number;
  /** Retry delay after a failed (non-ICE) launch, default 10 s. */
  launchRetryMs?: number;
}

type NodeLike = KubeObject & { spec: { providerID?: string; taints?: KarpenterTaint[] } };

const sameTaint = (a: { key: string; effect: string }, b: { key: string; effect: string }) => a.key === b.key && a.effect === b.effect;

/** The instance type's labels from its single-valued requirements. */
export function instanceTypeLabels(it: CloudInstanceType): Record<string, string> {
  return singleValueLabels(it.requirements);
}

/** Keep the types whose labels satisfy every requirement on a key the type defines (instance-type order kept). */
export function compatibleInstanceTypes(types: readonly CloudInstanceType[], reqs: readonly NodeRequirement[]): CloudInstanceType[] {
  const nameReq = reqs.find((r) => r.key === INSTANCE_TYPE_LABEL && r.operator === "In");
  let candidates: CloudInstanceType[];
  if (nameReq) {
    const byName = new Map(types.map((t) => [t.name, t]));
    candidates = [];
    for (const n of nameReq.values ?? []) {
      const t = byName.get(n);
      if (t) candidates.push(t);
    }
  } else candidates = [...types];
  return candidates.filter((t) => {
    const labels = instanceTypeLabels(t);
    for (const r of reqs) {
      if (!(r.key in labels)) continue;
      if (!requirementAllows(r, labels[r.key])) return false;
    }
    return true;
  });
}

export class NodeClaimLifecycleController implements Controller {
  readonly name = "nodeclaim.lifecycle";
  private ctx!: ControllerContext;
  private store!: Store;
  private clock!: Clock;
  private rng!: Rng;
  private log!: Logger;
  private queue!: WorkQueue;
  private unsubscribe: Array<() => void> = [];
  /** providerID → NodeClaim name. */
  private ncByProvider = new Map<string, string>();
  /** Node name → NodeClaim name (registered claims). */
  private ncByNode = new Map<string, string>();
  /** providerID → Node name. */
  private nodeByProvider = new Map<string, string>();
  private readonly launchTimeoutMs: number;
  private readonly registrationTtlMs: number;
  private readonly launchRetryMs: number;

  constructor(opts: NodeClaimLifecycleOptions = {}) {
    this.launchTimeoutMs = opts.launchTimeoutMs ?? LAUNCH_TIMEOUT_MS;
    this.registrationTtlMs = opts.registrationTtlMs ?? REGISTRATION_TTL_MS;
    this.launchRetryMs = opts.launchRetryMs ?? 10_000;
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.store = ctx.store;
    this.clock = ctx.clock;
    this.rng = ctx.rng.fork(this.name);
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    this.queue = new WorkQueue(this.clock, (k) => this.reconcile(k));
    for (const n of this.store.list("Node")) this.onNode({ type: "ADDED", object: n });
    for (const nc of this.store.list("NodeClaim")) this.onNodeClaim({ type: "ADDED", object: nc });
    this.unsubscribe.push(
      this.store.watch("NodeClaim", (ev) => this.onNodeClaim(ev)),
      this.store.watch("Node", (ev) => this.onNode(ev)),
      this.store.watch("Pod", (ev) => this.onPod(ev)),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  // ------------------------------------------------------------------------------- watches

  private onNodeClaim(ev: WatchEvent): void {
    const nc = ev.object as NodeClaim;
    const name = nc.metadata.name!;
    const pid = nc.status?.providerID;
    const oldPid = (ev.old as NodeClaim | undefined)?.status?.providerID;
    if (oldPid && oldPid !== pid) this.ncByProvider.delete(oldPid);
    const oldNode = (ev.old as NodeClaim | undefined)?.status?.nodeName;
    if (ev.type === "DELETED") {
      if (pid) this.ncByProvider.delete(pid);
      if (nc.status?.nodeName) this.ncByNode.delete(nc.status.nodeName);
      this.queue.forget(name);
      return;
    }
    if (pid) this.ncByProvider.set(pid, name);
    if (oldNode && oldNode !== nc.status?.nodeName) this.ncByNode.delete(oldNode);
    if (nc.status?.nodeName) this.ncByNode.set(nc.status.nodeName, name);
    this.queue.add(name);
  }

  private onNode(ev: WatchEvent): void {
    const node = ev.object as NodeLike;
    const pid = node.spec?.providerID;
    if (!pid) return;
    if (ev.type === "DELETED") {
      if (this.nodeByProvider.get(pid) === node.metadata.name) this.nodeByProvider.delete(pid);
    } else this.nodeByProvider.set(pid, node.metadata.name!);
    const nc = this.ncByProvider.get(pid);
    if (nc) this.queue.add(nc);
  }

  private onPod(ev: WatchEvent): void {
    const pod = ev.object;
    const nodeName = pod.spec?.nodeName as string | undefined;
    const oldNode = ev.old?.spec?.nodeName as string | undefined;
    let relevant = false;
    if (ev.type === "ADDED" || ev.type === "DELETED") relevant = !!nodeName;
    else if (ev.old) {
      const terminal = (p: KubeObject) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
      relevant =
        nodeName !== oldNode ||
        (!!nodeName && (terminal(pod) !== terminal(ev.old) || (!!pod.metadata.deletionTimestamp && !ev.old.metadata.deletionTimestamp)));
    }
    if (!relevant) return;
    for (const n of new Set([nodeName, oldNode])) {
      if (!n) continue;
      const ncName = this.ncByNode.get(n);
      if (ncName) this.podEvent(ncName);
    }
  }

  /** nodeclaim.podevents: stamp lastPodEventTime (at most every 5 s). */
  private podEvent(ncName: string): void {
    const nc = this.store.get<NodeClaim>("NodeClaim", undefined, ncName);
    if (!nc || nc.metadata.deletionTimestamp) return;
    const now = this.clock.now();
    const last = nc.status?.lastPodEventTime;
    if (last && now - this.clock.parseIso(last) < POD_EVENT_DEDUPE_MS) return;
    this.store.setStatus(nc, { ...(nc.status ?? {}), lastPodEventTime: this.clock.iso(now) });
  }

  // ------------------------------------------------------------------------------- reconcile

  private lf(nc: KubeObject): ReconcileLogFields {
    return { controller: this.name, controllerGroup: "karpenter.sh", controllerKind: "NodeClaim", kind: "NodeClaim", name: nc.metadata.name! };
  }

  reconcile(name: string): void {
    let nc = this.store.get<NodeClaim>("NodeClaim", undefined, name);
    if (!nc) return;
    if (nc.metadata.deletionTimestamp) {
      this.finalize(nc);
      return;
    }
    if (!(nc.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) {
      nc = this.store.update({ ...nc, metadata: { ...nc.metadata, finalizers: [...(nc.metadata.finalizers ?? []), TERMINATION_FINALIZER] } });
    }
    if (getCondition(nc, COND_LAUNCHED)?.status !== "True") {
      this.launch(nc);
      return;
    }
    const time = this.clock.iso();
    let conds: Condition[] = nc.status?.conditions ?? [];
    let statusExtra: Partial<NonNullable<NodeClaim["status"]>> = {};
    // Registration.
    let node: NodeLike | undefined;
    if (getCondition(nc, COND_REGISTERED)?.status !== "True") {
      const nodeName = nc.status?.providerID ? this.nodeByProvider.get(nc.status.providerID) : undefined;
      node = nodeName ? this.store.get<NodeLike>("Node", undefined, nodeName) : undefined;
      if (!node) {
        const launchedAt = this.clock.parseIso(getCondition(nc, COND_LAUNCHED)!.lastTransitionTime);
        if (this.clock.now() - launchedAt >= this.registrationTtlMs) {
          logReconcile(this.log, this.rng, "debug", this.lf(nc), "terminating due to registration ttl", { ttl: formatDuration(this.registrationTtlMs) });
          this.store.delete("NodeClaim", undefined, name);
          return;
        }
        this.queue.add(name, launchedAt + this.registrationTtlMs - this.clock.now());
        conds = setCondition(conds, COND_REGISTERED, "Unknown", "NodeNotFound", "Node not registered with cluster", time, nc.metadata.generation);
        conds = this.readyCondition(conds, time, nc);
        this.writeStatus(nc, conds, statusExtra);
        return;
      }
      node = this.syncNode(nc, node);
      conds = setCondition(conds, COND_REGISTERED, "True", "Registered", "", time, nc.metadata.generation);
      statusExtra = { nodeName: node.metadata.name };
      logReconcile(this.log, this.rng, "info", this.lf(nc), "registered nodeclaim", {
        "provider-id": nc.status?.providerID,
        Node: { name: node.metadata.name },
      });
    } else {
      node = nc.status?.nodeName ? this.store.get<NodeLike>("Node", undefined, nc.status.nodeName) : undefined;
    }
    // Initialization.
    if (getCondition({ status: { conditions: conds } }, COND_INITIALIZED)?.status !== "True") {
      if (!node) {
        conds = setCondition(conds, COND_INITIALIZED, "Unknown", "NodeNotFound", "Node not registered with cluster", time, nc.metadata.generation);
      } else {
        const why = this.notInitialized(nc, node);
        if (why) conds = setCondition(conds, COND_INITIALIZED, "Unknown", why[0], why[1], time, nc.metadata.generation);
        else {
          if (node.metadata.labels?.[NODE_INITIALIZED_LABEL] !== "true") {
            node = this.store.update({ ...node, metadata: { ...node.metadata, labels: { ...(node.metadata.labels ?? {}), [NODE_INITIALIZED_LABEL]: "true" } } }) as NodeLike;
          }
          conds = setCondition(conds, COND_INITIALIZED, "True", "Initialized", "", time, nc.metadata.generation);
          logReconcile(this.log, this.rng, "info", this.lf(nc), "initialized nodeclaim", {
            "provider-id": nc.status?.providerID,
            Node: { name: node.metadata.name },
            allocatable: node.status?.allocatable,
          });
        }
      }
    }
    conds = this.readyCondition(conds, time, nc);
    conds = this.consolidatable(nc, conds);
    this.writeStatus(nc, conds, statusExtra);
  }

  private writeStatus(nc: NodeClaim, conds: Condition[], extra: Partial<NonNullable<NodeClaim["status"]>>): void {
    const cur = this.store.get<NodeClaim>("NodeClaim", undefined, nc.metadata.name!);
    if (!cur) return;
    const before = cur.status ?? {};
    let changed = Object.entries(extra).some(([k, v]) => (before as Record<string, unknown>)[k] !== v);
    if (!changed) changed = JSON.stringify(before.conditions ?? []) !== JSON.stringify(conds);
    if (!changed) return;
    this.store.setStatus(cur, { ...before, ...extra, conditions: conds });
  }

  private readyCondition(conds: Condition[], time: string, nc: NodeClaim): Condition[] {
    const st = (t: string) => conds.find((c) => c.type === t)?.status ?? "Unknown";
    const deps = [COND_LAUNCHED, COND_REGISTERED, COND_INITIALIZED];
    const bad = deps.filter((d) => st(d) !== "True");
    if (bad.length === 0) return setCondition(conds, COND_READY, "True", "Ready", "", time, nc.metadata.generation);
    const anyFalse = bad.some((d) => st(d) === "False");
    return setCondition(
      conds,
      COND_READY,
      anyFalse ? "False" : "Unknown",
      "UnhealthyDependents",
      bad.map((d) => `${d}=${st(d)}`).join(", "),
      time,
      nc.metadata.generation,
    );
  }

  /** [reason, message] when the node is not yet initialized. */
  private notInitialized(nc: NodeClaim, node: NodeLike): [string, string] | undefined {
    const ready = (node.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find((c) => c.type === "Ready");
    if (ready?.status !== "True") return ["NodeNotReady", "Node status is NotReady"];
    const taints: KarpenterTaint[] = node.spec?.taints ?? [];
    for (const st of nc.spec.startupTaints ?? []) {
      if (taints.some((t) => sameTaint(t, st) && (t.value ?? "") === (st.value ?? ""))) return ["StartupTaintsExist", `StartupTaint "${taintString(st)}" still exists`];
    }
    for (const et of KNOWN_EPHEMERAL_TAINTS) {
      const t = taints.find((x) => sameTaint(x, et));
      if (t) return ["KnownEphemeralTaintsExist", `KnownEphemeralTaint "${taintString(t)}" still exists`];
    }
    const requests = nc.spec.resources?.requests ?? {};
    for (const [res, q] of Object.entries(requests)) {
      if (res === "cpu" || res === "memory" || res === "pods" || res === "ephemeral-storage") continue;
      if (String(q) === "0") continue;
      const alloc = node.status?.allocatable?.[res];
      if (alloc === undefined || String(alloc) === "0") return ["ResourceNotRegistered", `Resource "${res}" was requested but not registered`];
    }
    return undefined;
  }

  private consolidatable(nc: NodeClaim, conds: Condition[]): Condition[] {
    const init = conds.find((c) => c.type === COND_INITIALIZED);
    if (init?.status !== "True") return clearCondition(conds, COND_CONSOLIDATABLE);
    const poolName = nc.metadata.labels?.[NODEPOOL_LABEL];
    const pool = poolName ? this.store.get<NodePool>("NodePool", undefined, poolName) : undefined;
    const after = pool ? parseNillableDuration(pool.spec?.disruption?.consolidateAfter) : undefined;
    if (after === undefined) return clearCondition(conds, COND_CONSOLIDATABLE);
    const last = nc.status?.lastPodEventTime;
    const t0 = last ? this.clock.parseIso(last) : this.clock.parseIso(init.lastTransitionTime);
    const now = this.clock.now();
    if (now - t0 < after) {
      this.queue.add(nc.metadata.name!, t0 + after - now);
      return clearCondition(conds, COND_CONSOLIDATABLE);
    }
    return setCondition(conds, COND_CONSOLIDATABLE, "True", "Consolidatable", "", this.clock.iso(), nc.metadata.generation);
  }

  /** Registration sync onto the Node. */
  private syncNode(nc: NodeClaim, node: NodeLike): NodeLike {
    const labels: Record<string, string> = { ...(node.metadata.labels ?? {}), ...(nc.metadata.labels ?? {}), [NODE_REGISTERED_LABEL]: "true" };
    const annotations = { ...(node.metadata.annotations ?? {}), ...(nc.metadata.annotations ?? {}) };
    let taints: KarpenterTaint[] = [...(node.spec.taints ?? [])];
    const merge = (ts: readonly KarpenterTaint[] | undefined) => {
      for (const t of ts ?? []) if (!taints.some((x) => sameTaint(x, t))) taints.push({ ...t });
    };
    merge(nc.spec.taints);
    if (node.metadata.labels?.[NODE_REGISTERED_LABEL] !== "true") merge(nc.spec.startupTaints);
    taints = taints.filter((t) => t.key !== UNREGISTERED_TAINT_KEY);
    const finalizers = [...(node.metadata.finalizers ?? [])];
    if (!finalizers.includes(TERMINATION_FINALIZER)) finalizers.push(TERMINATION_FINALIZER);
    const owners = [...(node.metadata.ownerReferences ?? [])];
    if (!owners.some((o) => o.uid === nc.metadata.uid)) {
      owners.push({ apiVersion: nc.apiVersion ?? "karpenter.sh/v1", kind: "NodeClaim", name: nc.metadata.name!, uid: nc.metadata.uid!, blockOwnerDeletion: true });
    }
    return this.store.update({
      ...node,
      metadata: { ...node.metadata, labels, annotations, finalizers, ownerReferences: owners },
      spec: { ...node.spec, taints: taints.length ? taints : undefined },
    }) as NodeLike;
  }

  // ------------------------------------------------------------------------------- launch

  private launch(nc: NodeClaim): void {
    const name = nc.metadata.name!;
    const created = this.clock.parseIso(nc.metadata.creationTimestamp!);
    if (this.clock.now() - created >= this.launchTimeoutMs) {
      logReconcile(this.log, this.rng, "debug", this.lf(nc), "terminating due to launch timeout", { ttl: formatDuration(this.launchTimeoutMs) });
      this.store.delete("NodeClaim", undefined, name);
      return;
    }
    const provider = cloudProvider(this.ctx);
    const time = this.clock.iso();
    const fail = (msg: string) => {
      const conds = setCondition(nc.status?.conditions, COND_LAUNCHED, "False", "LaunchFailed", msg, time, nc.metadata.generation);
      this.writeStatus(nc, this.readyCondition(conds, time, nc), {});
      this.queue.add(name, Math.min(this.launchRetryMs, created + this.launchTimeoutMs - this.clock.now()));
    };
    if (!provider) return fail("cloud provider is not available");
    const ref = nc.spec.nodeClassRef;
    const nodeClass = ref ? this.store.get(ref.kind ?? "EC2NodeClass", undefined, ref.name) : undefined;
    if (!nodeClass) return fail(`NodeClass "${ref?.name}" not found`);
    let instance;
    const reqs = (nc.spec.requirements ?? []) as NodeRequirement[];
    const types = compatibleInstanceTypes(provider.instanceTypes(nodeClass), reqs);
    try {
      if (types.length === 0) throw new InsufficientCapacityError("all requested instance types were unavailable during launch", []);
      instance = provider.create({
        instanceTypes: types,
        requirements: reqs,
        tags: {
          "karpenter.sh/nodeclaim": name,
          "karpenter.sh/nodepool": nc.metadata.labels?.[NODEPOOL_LABEL] ?? "",
          [EC2NODECLASS_LABEL]: ref.name,
          ...((nodeClass.spec?.tags as Record<string, string> | undefined) ?? {}),
        },
        nodeClaimName: name,
        // the EC2NodeClass to launch from (AMI, subnets, security groups): without it EC2 falls back to al2023@latest
        nodeClass,
      });
    } catch (e) {
      if (e instanceof InsufficientCapacityError) {
        this.ctx.events.record(nc, "Warning", "InsufficientCapacityError", `NodeClaim ${name} event: ${truncate(e.message)}`, KARPENTER_EVENT_SOURCE);
        logReconcile(this.log, this.rng, "error", this.lf(nc), "failed launching nodeclaim", { error: e.message });
        this.store.delete("NodeClaim", undefined, name);
        return;
      }
      return fail((e as Error).message ?? String(e));
    }
    const it = types.find((t) => t.name === instance.instanceType);
    const offering = it?.offerings.find((o) => o.zone === instance.zone && o.capacityType === instance.capacityType);
    const labels: Record<string, string> = {
      ...(nc.metadata.labels ?? {}),
      ...singleValueLabels(reqs),
      ...(it ? instanceTypeLabels(it) : { [INSTANCE_TYPE_LABEL]: instance.instanceType }),
      [ZONE_LABEL]: instance.zone,
      [CAPACITY_TYPE_LABEL]: instance.capacityType,
      [REGION_LABEL]: provider.region,
    };
    if (offering?.zoneId) labels[ZONE_ID_LABEL] = offering.zoneId;
    // The AWS provider's Create stamps the node class hash it launched from (static NodeClassDrift).
    const annotations: Record<string, string> = {
      ...(nc.metadata.annotations ?? {}),
      [EC2NODECLASS_HASH_ANNOTATION]: ec2NodeClassHash(nodeClass as EC2NodeClass),
      [EC2NODECLASS_HASH_VERSION_ANNOTATION]: EC2NODECLASS_HASH_VERSION,
    };
    const updated = this.store.update({ ...nc, metadata: { ...nc.metadata, labels, annotations } });
    const capacity = it ? formatResourceList(it.capacity) : {};
    const allocatable = it ? formatResourceList(it.allocatable) : {};
    let conds = setCondition(nc.status?.conditions, COND_LAUNCHED, "True", "Launched", "", time, nc.metadata.generation);
    conds = setCondition(conds, COND_REGISTERED, "Unknown", "AwaitingReconciliation", "object is awaiting reconciliation", time, nc.metadata.generation);
    conds = setCondition(conds, COND_INITIALIZED, "Unknown", "AwaitingReconciliation", "object is awaiting reconciliation", time, nc.metadata.generation);
    conds = this.readyCondition(conds, time, nc);
    this.store.setStatus(updated, {
      ...(updated.status ?? {}),
      providerID: instance.providerID,
      imageID: instance.imageID,
      capacity,
      allocatable,
      conditions: conds,
    });
    logReconcile(this.log, this.rng, "info", this.lf(nc), "launched nodeclaim", {
      "provider-id": instance.providerID,
      "instance-type": instance.instanceType,
      zone: instance.zone,
      "capacity-type": instance.capacityType,
      allocatable,
    });
  }

  // ------------------------------------------------------------------------------- deletion

  private finalize(nc: NodeClaim): void {
    const name = nc.metadata.name!;
    if (!(nc.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) return;
    const pid = nc.status?.providerID;
    const nodeName = nc.status?.nodeName ?? (pid ? this.nodeByProvider.get(pid) : undefined);
    const node = nodeName ? this.store.get<NodeLike>("Node", undefined, nodeName) : undefined;
    if (node && node.spec?.providerID === pid) {
      // The node termination controller drains and removes it; its DELETED event brings us back.
      if (!node.metadata.deletionTimestamp) this.store.delete("Node", undefined, node.metadata.name!);
      return;
    }
    if (pid) {
      const provider = cloudProvider(this.ctx);
      const id = pid.slice(pid.lastIndexOf("/") + 1);
      const inst = provider?.get(id);
      if (provider && inst && inst.state !== "terminated" && inst.state !== "shutting-down") {
        try {
          provider.delete(id);
        } catch {
          // already gone
        }
        this.queue.add(name, 5_000);
        return;
      }
    }
    this.store.update({ ...nc, metadata: { ...nc.metadata, finalizers: (nc.metadata.finalizers ?? []).filter((f) => f !== TERMINATION_FINALIZER) } });
    logReconcile(this.log, this.rng, "info", this.lf(nc), "deleted nodeclaim", {
      Node: { name: nodeName ?? "" },
      "provider-id": pid ?? "",
    });
  }
}

function taintString(t: { key: string; value?: string; effect: string }): string {
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

/** events.truncateMessage: Events keep at most 1024 characters. */
function truncate(s: string): string {
  return s.length > 1024 ? `${s.slice(0, 1021)}...` : s;
}
