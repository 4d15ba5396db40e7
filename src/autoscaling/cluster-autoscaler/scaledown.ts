/**
 * Scale-down planning (core/scaledown/planner, eligibility, unneeded, simulator/cluster.go, 1.32):
 * utilization = max(cpu, mem) of Σ pod requests / allocatable (DaemonSet and mirror pods included
 * unless ignored); nodes ≤ threshold are simulated: pods to move by the drainability rules, then each
 * pod is re-placed on the other nodes (not on nodes already found removable). Removable nodes become
 * "unneeded" (since the first loop they were), and deletable once unneeded for
 * --scale-down-unneeded-time with their group staying ≥ min size.
 */
import type { KubeObject } from "../../api/meta.js";
import { PodInfo, type NodeInfo } from "../../scheduling/nodeinfo.js";
import { drainDecision, isDaemonSetPod, isMirrorPod, type BlockingReason, type DrainOptions, type PdbBudget } from "./pods.js";
import { HintingSimulator, type CaSnapshot } from "./snapshot.js";

export interface Utilization {
  cpu: number;
  memory: number;
  /** max(cpu, memory) */
  utilization: number;
  resourceName: "cpu" | "memory";
}

/** utilization.Calculate for one node. */
export function nodeUtilization(ni: NodeInfo, opts: { ignoreDaemonSets: boolean; ignoreMirror: boolean }, now: number, parseTime: (s: string) => number): Utilization {
  let cpu = 0;
  let mem = 0;
  let allocCpu = ni.allocatable.cpu;
  let allocMem = ni.allocatable.memory;
  for (const pi of ni.pods.values()) {
    const p = pi.pod as KubeObject;
    const dm = p.metadata.deletionTimestamp;
    if (dm) {
      const grace = ((p.metadata.deletionGracePeriodSeconds as number | undefined) ?? 30) * 1000;
      if (now - parseTime(dm) > grace) continue;
    }
    const ds = isDaemonSetPod(p);
    const mirror = isMirrorPod(p);
    if ((ds && opts.ignoreDaemonSets) || (mirror && opts.ignoreMirror)) {
      allocCpu -= pi.requests.cpu;
      allocMem -= pi.requests.memory;
      continue;
    }
    cpu += pi.requests.cpu;
    mem += pi.requests.memory;
  }
  const uc = allocCpu > 0 ? cpu / allocCpu : 0;
  const um = allocMem > 0 ? mem / allocMem : 0;
  return uc >= um ? { cpu: uc, memory: um, utilization: uc, resourceName: "cpu" } : { cpu: uc, memory: um, utilization: um, resourceName: "memory" };
}

export type UnremovableReason =
  | "NotAutoscaled"
  | "NotUnneededLongEnough"
  | "NotUnreadyLongEnough"
  | "NodeGroupMinSizeReached"
  | "ScaleDownDisabledAnnotation"
  | "NotUnderutilized"
  | "NoPlaceToMovePods"
  | "BlockedByPod"
  | "RecentlyUnremovable"
  | "CurrentlyBeingDeleted";

export interface NodeToRemove {
  node: string;
  group: string;
  podsToMove: KubeObject[];
  daemonSetPods: KubeObject[];
  utilization: Utilization;
}

export interface SimulationResult {
  removable?: NodeToRemove;
  unremovable?: { reason: UnremovableReason; blocking?: { reason: BlockingReason; message: string }; message: string };
}

export interface RemovalContext {
  snapshot: CaSnapshot;
  drain: DrainOptions;
  pdbs: PdbBudget[];
  lookupController: (kind: string, ns: string, name: string) => KubeObject | undefined;
  now: number;
  parseTime: (s: string) => number;
  /** Can pods go to this node? (real, ready, not being deleted, not already chosen for removal) */
  isDestination: (ni: NodeInfo) => boolean;
}

/**
 * SimulateNodeRemoval: decide pods to move; fork the snapshot, take the pods off the node and try to
 * place each on a destination; revert. On success, the PDB budgets of moved pods are consumed.
 */
export function simulateNodeRemoval(ctx: RemovalContext, ni: NodeInfo, group: string, util: Utilization, sim: HintingSimulator): SimulationResult {
  const podsToMove: KubeObject[] = [];
  const ds: KubeObject[] = [];
  for (const pi of ni.pods.values()) {
    const p = pi.pod as KubeObject;
    const d = drainDecision(p, ctx.drain, ctx.pdbs, ctx.lookupController, ctx.now, ctx.parseTime);
    if (d.outcome === "skip") continue;
    if (d.outcome === "drainable") {
      if (d.daemonSet) ds.push(p);
      continue;
    }
    if (d.outcome === "block") {
      return { unremovable: { reason: "BlockedByPod", blocking: { reason: d.reason, message: d.message }, message: `node ${ni.name} cannot be removed: ${d.message}` } };
    }
    podsToMove.push(p);
  }
  if (podsToMove.length > 0) {
    const s = ctx.snapshot;
    s.fork();
    let moved = 0;
    try {
      const infos = podsToMove.map((p) => s.removePod(`${p.metadata.namespace ?? "default"}/${p.metadata.name}`)!).filter(Boolean);
      for (const removed of infos) {
        // The pod as it would be recreated elsewhere: not bound to this node.
        const pi = new PodInfo({ ...removed.pod, spec: { ...removed.pod.spec, nodeName: undefined } }, removed.priority);
        const ref = (pi.pod as KubeObject).metadata.ownerReferences?.find((r) => r.controller)?.uid;
        const target = sim.trySchedule(s, pi, (d) => d.name !== ni.name && ctx.isDestination(d), ref);
        if (!target) break;
        moved++;
      }
    } finally {
      s.revert();
    }
    if (moved < podsToMove.length) {
      return { unremovable: { reason: "NoPlaceToMovePods", message: `node ${ni.name} is not suitable for removal: can reschedule only ${moved} out of ${podsToMove.length} pods` } };
    }
    for (const p of podsToMove) {
      const labels = p.metadata.labels ?? {};
      const b = ctx.pdbs.find((x) => x.namespace === (p.metadata.namespace ?? "default") && x.matches(labels));
      if (b) b.remaining--;
    }
  }
  return { removable: { node: ni.name, group, podsToMove, daemonSetPods: ds, utilization: util } };
}

/** Unneeded-node bookkeeping (unneeded.Nodes): first time seen unneeded, per node. */
export class UnneededNodes {
  private since = new Map<string, number>();
  private entries = new Map<string, NodeToRemove>();

  /** Replace the set with this loop's removable nodes, keeping first-seen times. */
  update(removable: readonly NodeToRemove[], now: number): void {
    const next = new Map<string, number>();
    this.entries.clear();
    for (const r of removable) {
      next.set(r.node, this.since.get(r.node) ?? now);
      this.entries.set(r.node, r);
    }
    this.since = next;
  }

  sinceOf(node: string): number | undefined {
    return this.since.get(node);
  }

  get size(): number {
    return this.since.size;
  }

  list(): NodeToRemove[] {
    return [...this.entries.values()];
  }

  names(): string[] {
    return [...this.since.keys()];
  }

  drop(node: string): void {
    this.since.delete(node);
    this.entries.delete(node);
  }

  /**
   * Nodes deletable now: unneeded ≥ unneededTime (unready: unreadyTime) and their group staying ≥
   * min size after all deletions planned so far.
   */
  removableAt(
    now: number,
    opts: { unneededTimeMs: number; unreadyTimeMs: number },
    isReady: (node: string) => boolean,
    groupRoom: Map<string, number>,
  ): { removable: NodeToRemove[]; unremovable: Array<{ node: string; reason: UnremovableReason }> } {
    const removable: NodeToRemove[] = [];
    const unremovable: Array<{ node: string; reason: UnremovableReason }> = [];
    const room = new Map(groupRoom);
    // Empty nodes are considered first (splitEmptyAndNonEmptyNodes), so they take the min-size quota.
    const order = [...this.since].sort(([a], [b]) => Number(this.entries.get(a)!.podsToMove.length > 0) - Number(this.entries.get(b)!.podsToMove.length > 0));
    for (const [node, since] of order) {
      const e = this.entries.get(node)!;
      const ready = isReady(node);
      if (ready && now - since < opts.unneededTimeMs) {
        unremovable.push({ node, reason: "NotUnneededLongEnough" });
        continue;
      }
      if (!ready && now - since < opts.unreadyTimeMs) {
        unremovable.push({ node, reason: "NotUnreadyLongEnough" });
        continue;
      }
      const r = room.get(e.group) ?? 0;
      if (r <= 0) {
        unremovable.push({ node, reason: "NodeGroupMinSizeReached" });
        continue;
      }
      room.set(e.group, r - 1);
      removable.push(e);
    }
    return { removable, unremovable };
  }
}
