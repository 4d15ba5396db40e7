/**
 * The node termination controller (`node.termination`, core `pkg/controllers/node/termination`):
 * a Karpenter Node being deleted (finalizer `karpenter.sh/termination`) is
 *   1. unlinked: its NodeClaim is deleted too,
 *   2. tainted `karpenter.sh/disrupted:NoSchedule` (log `tainted node`) and labelled
 *      `node.kubernetes.io/exclude-from-external-load-balancers=karpenter`,
 *   3. drained through the eviction API in priority tiers — non-critical non-daemon → non-critical
 *      daemon → system-critical non-daemon → system-critical daemon; one tier at a time, PDB-blocked
 *      evictions retried (event `FailedDraining` "Failed to drain node, N pods are waiting to be evicted");
 *      pods tolerating the disrupted taint, static pods and terminal pods are left alone,
 *   4. its instance terminated (CloudProvider.Delete, re-checked every 5 s until shutting-down),
 *   5. released: finalizer removed (log `deleted node`).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { WorkQueue } from "../../api/controller.js";
import type { Logger } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import type { Store, WatchEvent } from "../../api/store.js";
import type { Clock } from "../../core/clock.js";
import type { Rng } from "../../core/rng.js";
import { tolerationsTolerateTaint } from "../../scheduling/taints.js";
import { evictPod } from "../../cluster/eviction.js";
import { DISRUPTED_NO_SCHEDULE_TAINT, DISRUPTED_TAINT_KEY, EXCLUDE_FROM_LB_LABEL, TERMINATION_FINALIZER, type KarpenterTaint, type NodeClaim } from "./api.js";
import { cloudProvider, KARPENTER_EVENT_SOURCE, KARPENTER_LOG_COMPONENT, logReconcile, type ReconcileLogFields } from "./common.js";

export const DRAIN_POLL_MS = 2_000;
export const INSTANCE_TERMINATION_POLL_MS = 5_000;
const FAILED_DRAINING_EVENT_INTERVAL_MS = 60_000;
const SYSTEM_CRITICAL = new Set(["system-cluster-critical", "system-node-critical"]);

type NodeLike = KubeObject & { spec: { providerID?: string; taints?: KarpenterTaint[]; unschedulable?: boolean } };

function isDaemonSetPod(p: KubeObject): boolean {
  return (p.metadata.ownerReferences ?? []).some((r) => r.kind === "DaemonSet" && r.controller === true);
}

function isStaticPod(p: KubeObject): boolean {
  return (p.metadata.ownerReferences ?? []).some((r) => r.kind === "Node");
}

function isTerminal(p: KubeObject): boolean {
  return p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
}

function isCritical(p: KubeObject): boolean {
  return SYSTEM_CRITICAL.has(p.spec?.priorityClassName);
}

/** Pods the drain waits for (podutil.IsWaitingEviction). */
export function isWaitingEviction(p: KubeObject): boolean {
  if (isTerminal(p) || isStaticPod(p)) return false;
  return !tolerationsTolerateTaint(p.spec?.tolerations, DISRUPTED_NO_SCHEDULE_TAINT);
}

/** The drain's tier of a pod: 0 non-critical non-daemon, 1 non-critical daemon, 2 critical non-daemon, 3 critical daemon. */
export function drainTier(p: KubeObject): number {
  return (isCritical(p) ? 2 : 0) + (isDaemonSetPod(p) ? 1 : 0);
}

export class NodeTerminationController implements Controller {
  readonly name = "node.termination";
  private ctx!: ControllerContext;
  private store!: Store;
  private clock!: Clock;
  private rng!: Rng;
  private log!: Logger;
  private queue!: WorkQueue;
  private unsubscribe: Array<() => void> = [];
  /** Node name → virtual ms of the first CloudProvider.Delete. */
  private terminating = new Map<string, number>();
  private lastFailedDrainingEvent = new Map<string, number>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.store = ctx.store;
    this.clock = ctx.clock;
    this.rng = ctx.rng.fork(this.name);
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    this.queue = new WorkQueue(this.clock, (k) => this.reconcile(k));
    for (const n of this.store.list("Node")) this.onNode({ type: "ADDED", object: n });
    this.unsubscribe.push(this.store.watch("Node", (ev) => this.onNode(ev)));
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  private onNode(ev: WatchEvent): void {
    const n = ev.object;
    const name = n.metadata.name!;
    if (ev.type === "DELETED") {
      this.queue.forget(name);
      this.terminating.delete(name);
      this.lastFailedDrainingEvent.delete(name);
      return;
    }
    if (n.metadata.deletionTimestamp && (n.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) this.queue.add(name);
  }

  private lf(node: KubeObject): ReconcileLogFields {
    return { controller: this.name, controllerGroup: "", controllerKind: "Node", kind: "Node", name: node.metadata.name! };
  }

  private nodeClaimsOf(node: NodeLike): NodeClaim[] {
    const pid = node.spec?.providerID;
    if (!pid) return [];
    return this.store.list<NodeClaim>("NodeClaim").filter((nc) => nc.status?.providerID === pid);
  }

  reconcile(name: string): void {
    let node = this.store.get<NodeLike>("Node", undefined, name);
    if (!node || !node.metadata.deletionTimestamp || !(node.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) return;
    const claims = this.nodeClaimsOf(node);
    for (const nc of claims) if (!nc.metadata.deletionTimestamp) this.store.delete("NodeClaim", undefined, nc.metadata.name!);
    const ncName = claims[0]?.metadata.name ?? "";
    // 2. taint
    const taints: KarpenterTaint[] = node.spec.taints ?? [];
    if (!taints.some((t) => t.key === DISRUPTED_TAINT_KEY && t.effect === "NoSchedule")) {
      node = this.store.update({
        ...node,
        metadata: { ...node.metadata, labels: { ...(node.metadata.labels ?? {}), [EXCLUDE_FROM_LB_LABEL]: "karpenter" } },
        spec: { ...node.spec, taints: [...taints, { key: DISRUPTED_TAINT_KEY, effect: "NoSchedule" }] },
      }) as NodeLike;
      logReconcile(this.log, this.rng, "info", this.lf(node), "tainted node", {
        NodeClaim: { name: ncName },
        "taint.Key": DISRUPTED_TAINT_KEY,
        "taint.Value": "",
        "taint.Effect": "NoSchedule",
      });
    }
    // 3. drain
    const waiting = this.store.list("Pod", { fieldSelector: `spec.nodeName=${name}` }).filter(isWaitingEviction);
    if (waiting.length > 0) {
      let tier = 4;
      for (const p of waiting) tier = Math.min(tier, drainTier(p));
      for (const p of waiting) {
        if (drainTier(p) !== tier || p.metadata.deletionTimestamp) continue;
        if (evictPod(this.store, p) === true) {
          this.ctx.events.record(p, "Normal", "Evicted", "Evicted pod", KARPENTER_EVENT_SOURCE);
        }
      }
      const now = this.clock.now();
      const last = this.lastFailedDrainingEvent.get(name);
      if (last === undefined || now - last >= FAILED_DRAINING_EVENT_INTERVAL_MS) {
        this.lastFailedDrainingEvent.set(name, now);
        const msg = `Failed to drain node, ${waiting.length} pods are waiting to be evicted`;
        this.ctx.events.record(node, "Warning", "FailedDraining", msg, KARPENTER_EVENT_SOURCE);
        for (const nc of claims) this.ctx.events.record(nc, "Warning", "FailedDraining", msg, KARPENTER_EVENT_SOURCE);
      }
      this.queue.add(name, DRAIN_POLL_MS);
      return;
    }
    // 4. terminate the instance
    const pid = node.spec.providerID;
    const provider = cloudProvider(this.ctx);
    if (pid && provider) {
      const id = pid.slice(pid.lastIndexOf("/") + 1);
      if (!this.terminating.has(name)) {
        this.terminating.set(name, this.clock.now());
        try {
          provider.delete(id);
        } catch {
          // NotFound: already gone
        }
        this.queue.add(name, INSTANCE_TERMINATION_POLL_MS);
        return;
      }
      const since = this.clock.now() - this.terminating.get(name)!;
      if (since < INSTANCE_TERMINATION_POLL_MS) {
        this.queue.add(name, INSTANCE_TERMINATION_POLL_MS - since);
        return;
      }
      const inst = provider.get(id);
      if (inst && inst.state !== "terminated" && inst.state !== "shutting-down") {
        try {
          provider.delete(id);
        } catch {
          // ignore
        }
        this.queue.add(name, INSTANCE_TERMINATION_POLL_MS);
        return;
      }
    }
    // 5. release
    this.store.update({ ...node, metadata: { ...node.metadata, finalizers: (node.metadata.finalizers ?? []).filter((f) => f !== TERMINATION_FINALIZER) } });
    logReconcile(this.log, this.rng, "info", this.lf(node), "deleted node", { NodeClaim: { name: ncName } });
  }
}
