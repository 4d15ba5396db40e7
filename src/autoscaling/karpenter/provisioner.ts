/**
 * Karpenter's provisioner (`pkg/controllers/provisioning/provisioner.go`, `batcher.go`, v1.0–v1.2):
 * provisionable pods trigger a batch window (closes after 1 s without new triggers or 10 s after it
 * opened); then one scheduling solve over the Ready NodePools, nominations of existing nodes (20 s)
 * and the NodeClaims to create. Karpenter never binds pods: the kube-scheduler does once nodes are Ready.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import type { Logger } from "../../api/logs.js";
import type { Rng } from "../../core/rng.js";
import type { CloudInstanceType, ResourceList } from "../../cloud/provider.js";
import { parseResourceList } from "../../scheduling/resources.js";
import { DISRUPTED_TAINT_KEY, nodePoolHash, NODEPOOL_HASH_ANNOTATION, NODEPOOL_HASH_VERSION, NODEPOOL_HASH_VERSION_ANNOTATION, EC2NODECLASS_LABEL, type NodePool } from "./api.js";
import { cloudProvider, formatResourceList, KARPENTER_EVENT_SOURCE, KARPENTER_LOG_COMPONENT, reconcileId } from "./common.js";
import { prettyList, solve, type SolveResults } from "./scheduler.js";
import { ClusterState, isDaemonSetPod } from "./state.js";
import { karpenterMetrics } from "./metrics.js";
import { recordOfferings } from "./offering-metrics.js";

export const BATCH_IDLE_DURATION_MS = 1_000;
export const BATCH_MAX_DURATION_MS = 10_000;
/** max(2 × BATCH_MAX_DURATION, 10 s) */
export const NOMINATION_WINDOW_MS = 20_000;
/** The pod controller requeues provisionable pods every 10 s. */
export const POD_REQUEUE_MS = 10_000;

export const CLUSTER_STATE_SERVICE = "karpenter-cluster-state";

export interface ProvisionerOptions {
  state?: ClusterState;
  batchIdleDurationMs?: number;
  batchMaxDurationMs?: number;
}

/** pod.IsProvisionable: PodScheduled=False/Unschedulable, unbound, not nominated, not DaemonSet/static. */
export function isProvisionable(p: KubeObject): boolean {
  if (p.spec?.nodeName) return false;
  if (p.status?.nominatedNodeName) return false;
  if (p.metadata.deletionTimestamp) return false;
  const ph = p.status?.phase;
  if (ph === "Succeeded" || ph === "Failed") return false;
  if (isDaemonSetPod(p)) return false;
  for (const r of p.metadata.ownerReferences ?? []) if (r.controller && r.kind === "Node") return false;
  const conds: Array<{ type: string; status: string; reason?: string }> = p.status?.conditions ?? [];
  for (const c of conds) if (c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable") return true;
  return false;
}

/** The exact `karpenter.sh/disrupted:NoSchedule` taint (no value) the disruption and termination controllers add. */
function hasDisruptedTaint(node: KubeObject): boolean {
  for (const t of (node.spec?.taints ?? []) as Array<{ key: string; value?: string; effect: string }>) {
    if (t.key === DISRUPTED_TAINT_KEY && t.effect === "NoSchedule" && !t.value) return true;
  }
  return false;
}

function podKey(p: KubeObject): string {
  return `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
}

function isReady(np: KubeObject): boolean {
  if (np.metadata.deletionTimestamp) return false;
  const conds: Array<{ type: string; status: string }> | undefined = np.status?.conditions;
  if (!conds || conds.length === 0) return true; // not yet reconciled by the nodepool status controller
  const r = conds.find((c) => c.type === "Ready");
  return !r || r.status === "True";
}

/** OrderByWeight: weight desc, then name desc. */
export function orderByWeight(pools: KubeObject[]): KubeObject[] {
  return [...pools].sort((a, b) => {
    const wa = a.spec?.weight ?? 0;
    const wb = b.spec?.weight ?? 0;
    if (wa !== wb) return wb - wa;
    const na = a.metadata.name!;
    const nb = b.metadata.name!;
    return na < nb ? 1 : na > nb ? -1 : 0;
  });
}

/** NodePool limits (cpu / memory / …) minus Σ capacity of its nodes; unlimited resources are absent. */
export function remainingLimits(np: KubeObject, state: ClusterState): Partial<ResourceList> | undefined {
  const limits = np.spec?.limits;
  if (!limits || Object.keys(limits).length === 0) return undefined;
  const lim = parseResourceList(limits);
  const out: Partial<ResourceList> = {};
  for (const k of Object.keys(limits)) {
    const f = k === "ephemeral-storage" ? "ephemeralStorage" : k;
    out[f] = lim[f] ?? 0;
  }
  for (const n of state.nodes()) {
    if (n.nodePoolName !== np.metadata.name) continue;
    for (const k in out) out[k] = out[k]! - (n.capacity[k] ?? 0);
  }
  return out;
}

export class Provisioner implements Controller {
  readonly name = "karpenter-provisioner";
  private ctx!: ControllerContext;
  private state!: ClusterState;
  private log!: Logger;
  private rng!: Rng;
  private readonly idleMs: number;
  private readonly maxMs: number;
  private windowStart: number | undefined;
  private lastTrigger = 0;
  private seen = new Set<string>();
  private timerAt: number | undefined;
  private running = false;
  private requeueAt: number | undefined;
  private unwatch: (() => void) | undefined;
  private unwatchNodes: (() => void) | undefined;
  /** Disrupted nodes with a pending 10 s re-trigger. */
  private nodeRequeues = new Set<string>();
  /** Results of the last solve (for explanations / tests). */
  lastResults: SolveResults | undefined;

  constructor(private readonly opts: ProvisionerOptions = {}) {
    this.idleMs = opts.batchIdleDurationMs ?? BATCH_IDLE_DURATION_MS;
    this.maxMs = opts.batchMaxDurationMs ?? BATCH_MAX_DURATION_MS;
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.rng = ctx.rng.fork("karpenter-provisioner");
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    let st = this.opts.state ?? (ctx.services.get(CLUSTER_STATE_SERVICE) as ClusterState | undefined);
    if (!st) {
      st = new ClusterState(ctx.store, ctx.clock).start();
      ctx.services.set(CLUSTER_STATE_SERVICE, st);
    }
    this.state = st;
    this.unwatch = ctx.store.watch("Pod", (ev) => {
      if (ev.type === "DELETED") return;
      if (isProvisionable(ev.object)) this.trigger(ev.object.metadata.uid ?? podKey(ev.object));
    });
    for (const p of ctx.store.list("Pod")) if (isProvisionable(p)) this.trigger(p.metadata.uid ?? podKey(p));
    // provisioner.trigger.node: a node tainted karpenter.sh/disrupted has pods that are about to move,
    // so scheduling runs (placing them on in-flight replacements, which it nominates) every 10 s
    // while the taint stays, not only once they are evicted.
    this.unwatchNodes = ctx.store.watch("Node", (ev) => {
      if (ev.type !== "DELETED" && hasDisruptedTaint(ev.object)) this.nodeTrigger(ev.object.metadata.name!);
    });
  }

  private nodeTrigger(name: string): void {
    const node = this.ctx.store.get("Node", undefined, name);
    if (!node || !hasDisruptedTaint(node)) return;
    this.trigger(node.metadata.uid ?? `node/${name}`);
    if (this.nodeRequeues.has(name)) return;
    this.nodeRequeues.add(name);
    this.ctx.clock.after(POD_REQUEUE_MS, () => {
      this.nodeRequeues.delete(name);
      this.nodeTrigger(name);
    });
  }

  stop(): void {
    this.unwatch?.();
    this.unwatchNodes?.();
  }

  /** Batcher.Trigger: open a window or extend it (new UIDs only). */
  trigger(uid: string): void {
    const now = this.ctx.clock.now();
    if (this.windowStart === undefined) {
      this.windowStart = now;
      this.seen.clear();
    }
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    this.lastTrigger = now;
    this.arm();
  }

  private arm(): void {
    if (this.windowStart === undefined) return;
    const due = Math.min(this.lastTrigger + this.idleMs, this.windowStart + this.maxMs);
    if (this.timerAt !== undefined && this.timerAt <= due) return;
    this.timerAt = due;
    this.ctx.clock.at(due, () => {
      if (this.timerAt !== due) return;
      this.timerAt = undefined;
      const now = this.ctx.clock.now();
      if (this.windowStart === undefined) return;
      const close = Math.min(this.lastTrigger + this.idleMs, this.windowStart + this.maxMs);
      if (now < close) {
        this.arm();
        return;
      }
      this.windowStart = undefined;
      this.reconcile();
    });
  }

  /** One provisioning loop (Provisioner.Reconcile → Schedule → CreateNodeClaims). */
  reconcile(): SolveResults | undefined {
    if (this.running) return undefined;
    this.running = true;
    try {
      return this.schedule();
    } finally {
      this.running = false;
      this.requeue();
    }
  }

  private requeue(): void {
    // the pod controller requeues provisionable pods every 10 s
    const now = this.ctx.clock.now();
    let any = false;
    for (const p of this.state.pendingPods()) if (isProvisionable(p)) { any = true; break; }
    if (!any || (this.requeueAt !== undefined && this.requeueAt > now)) return;
    const at = now + POD_REQUEUE_MS;
    this.requeueAt = at;
    this.ctx.clock.at(at, () => {
      if (this.requeueAt !== at) return;
      this.requeueAt = undefined;
      for (const p of this.state.pendingPods()) if (isProvisionable(p)) this.trigger(p.metadata.uid ?? podKey(p));
    });
  }

  private fields(extra: Record<string, unknown>): Record<string, unknown> {
    return { controller: "provisioner", namespace: "", name: "", reconcileID: reconcileId(this.rng), ...extra };
  }

  private schedule(): SolveResults | undefined {
    const { store, clock, events } = this.ctx;
    const provider = cloudProvider(this.ctx);
    // snapshot state nodes before listing pods
    const nodes = this.state.nodes();
    const pods: KubeObject[] = [];
    for (const p of this.state.pendingPods()) if (isProvisionable(p)) pods.push(p);
    // reschedulable pods of nodes being deleted
    const deleting = new Set<string>();
    for (const n of nodes) {
      if (!n.markedForDeletion) continue;
      deleting.add(n.name);
      for (const p of this.state.reschedulablePods(n)) pods.push(p);
    }
    if (pods.length === 0) return undefined;
    const pendingCount = pods.length;
    this.log.info(
      "found provisionable pod(s)",
      this.fields({ Pods: prettyList(pods.map(podKey)), duration: `${(0).toFixed(2)}ms` }),
    );
    const nodePools = orderByWeight(store.list("NodePool").filter(isReady));
    const instanceTypes = new Map<string, CloudInstanceType[]>();
    const limitsRemaining = new Map<string, Partial<ResourceList>>();
    const usable: KubeObject[] = [];
    for (const np of nodePools) {
      const ref = np.spec?.template?.spec?.nodeClassRef;
      const nodeClass = ref ? store.get(ref.kind ?? "EC2NodeClass", undefined, ref.name) : undefined;
      if (ref && !nodeClass) continue;
      const its = provider ? provider.instanceTypes(nodeClass) : [];
      recordOfferings(karpenterMetrics(this.ctx.services), its);
      if (its.length === 0) continue;
      instanceTypes.set(np.metadata.name!, its);
      const rem = remainingLimits(np, this.state);
      if (rem) limitsRemaining.set(np.metadata.name!, rem);
      usable.push(np);
    }
    const results = solve({
      pods,
      nodePools: usable,
      instanceTypes,
      existingNodes: nodes,
      daemonSets: store.list("DaemonSet"),
      excludeNodes: deleting,
      limitsRemaining,
    });
    this.lastResults = results;
    const now = clock.now();
    // existing nodes: nominate
    const unready: string[] = [];
    let unreadyPods = 0;
    for (const e of results.existingNodes) {
      const sn = nodes.find((n) => n.name === e.name);
      this.state.nominate(e.name, now + NOMINATION_WINDOW_MS);
      if (sn && !sn.initialized) {
        unready.push(e.name);
        unreadyPods += e.pods.length;
      }
      for (const p of e.pods) {
        const parts: string[] = [];
        if (sn?.nodeClaim) parts.push(`nodeclaim/${sn.nodeClaim.metadata.name}`);
        if (sn?.node) parts.push(`node/${sn.node.metadata.name}`);
        events.record(p, "Normal", "Nominated", `Pod should schedule on: ${parts.join(", ")}`, KARPENTER_EVENT_SOURCE);
      }
    }
    if (unready.length > 0) {
      this.log.info("computed unready node(s) will fit pod(s)", this.fields({ nodes: unready.length, pods: unreadyPods }));
    }
    if (results.newNodeClaims.length > 0) {
      let n = 0;
      for (const c of results.newNodeClaims) n += c.pods.length;
      this.log.info("computed new nodeclaim(s) to fit pod(s)", this.fields({ nodeclaims: results.newNodeClaims.length, pods: n }));
    }
    for (const plan of results.newNodeClaims) {
      const np = usable.find((p) => p.metadata.name === plan.nodePoolName)!;
      // re-check limits at creation time
      const rem = remainingLimits(np, this.state);
      if (rem) {
        let exceeded = false;
        for (const k in rem) if (rem[k]! < 0) exceeded = true;
        if (exceeded) {
          for (const p of plan.pods) results.podErrors.set(podKey(p), `all available instance types exceed limits for nodepool: "${plan.nodePoolName}"`);
          continue;
        }
      }
      const created = store.create(this.nodeClaimFor(np, plan));
      const name = created.metadata.name!;
      this.state.nominate(name, now + NOMINATION_WINDOW_MS);
      karpenterMetrics(this.ctx.services).nodeClaimsCreated.inc({ reason: "provisioned", nodepool: plan.nodePoolName, min_values_relaxed: "false" });
      this.log.info(
        "created nodeclaim",
        this.fields({
          NodePool: { name: plan.nodePoolName },
          NodeClaim: { name },
          requests: formatResourceList({ cpu: plan.requests.cpu, memory: plan.requests.memory, pods: plan.requests.pods } as ResourceList),
          "instance-types": prettyList(plan.instanceTypeOptions.map((t) => t.name)),
        }),
      );
      for (const p of plan.pods) events.record(p, "Normal", "Nominated", `Pod should schedule on: nodeclaim/${name}`, KARPENTER_EVENT_SOURCE);
    }
    for (const [key, err] of results.podErrors) {
      const [ns, nm] = key.split("/");
      const p = store.get("Pod", ns, nm!);
      if (!p) continue;
      this.log.error("could not schedule pod", this.fields({ Pod: { name: nm, namespace: ns }, error: err }));
      events.record(p, "Warning", "FailedScheduling", `Failed to schedule pod, ${err}`, KARPENTER_EVENT_SOURCE);
    }
    void pendingCount;
    return results;
  }

  private nodeClaimFor(np: KubeObject, plan: SolveResults["newNodeClaims"][number]): KubeObject {
    const tpl = np.spec?.template ?? {};
    const ref = tpl.spec?.nodeClassRef;
    const labels: Record<string, string> = { ...plan.labels };
    if (ref?.name && (ref.group ?? "karpenter.k8s.aws") === "karpenter.k8s.aws") labels[EC2NODECLASS_LABEL] = ref.name;
    const requests = formatResourceList(plan.requests);
    const spec: Record<string, unknown> = {
      requirements: plan.requirements,
      resources: { requests },
      nodeClassRef: ref,
    };
    if (plan.taints.length) spec.taints = plan.taints;
    if (plan.startupTaints.length) spec.startupTaints = plan.startupTaints;
    if (tpl.spec?.expireAfter !== undefined) spec.expireAfter = tpl.spec.expireAfter;
    if (tpl.spec?.terminationGracePeriod !== undefined) spec.terminationGracePeriod = tpl.spec.terminationGracePeriod;
    return {
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: {
        generateName: `${np.metadata.name}-`,
        labels,
        annotations: {
          ...(tpl.metadata?.annotations ?? {}),
          [NODEPOOL_HASH_ANNOTATION]: nodePoolHash(np as unknown as NodePool),
          [NODEPOOL_HASH_VERSION_ANNOTATION]: NODEPOOL_HASH_VERSION,
        },
        ownerReferences: [{ apiVersion: "karpenter.sh/v1", kind: "NodePool", name: np.metadata.name!, uid: np.metadata.uid ?? "", blockOwnerDeletion: true }],
      },
      spec,
    };
  }
}
