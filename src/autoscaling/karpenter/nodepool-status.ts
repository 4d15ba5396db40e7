/**
 * NodePool status, as Karpenter 1.2's `nodepool.counter` and `nodepool.readiness` controllers write it
 * (what `kubectl get nodepool` shows in NODES and READY):
 *
 * - counter: `status.resources` = BaseResources (cpu, memory, pods, ephemeral-storage, nodes: "0")
 *   merged with the capacity of every cluster-state node (Node or in-flight NodeClaim) labelled
 *   `karpenter.sh/nodepool=<pool>` that is not marked for deletion; `nodes` = how many were counted.
 *   Reconciled on NodePool events, NodeClaim events once the claim has a providerID, and Node events.
 * - readiness: `NodeClassReady` mirrors the referenced EC2NodeClass's Ready condition
 *   (NodeClassNotFound / NodeClassTerminating / NodeClassReadinessUnknown / the class's own reason),
 *   `ValidationSucceeded` True (admission already validated the object), and the root `Ready`
 *   condition True when every dependent is True, else False with reason UnhealthyDependents.
 *
 * Changes are coalesced per virtual instant (one reconcile per dirty pool), so a burst of node events
 * costs one O(nodes) pass per pool.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import type { WatchEvent } from "../../api/store.js";
import { addInto, emptyVector, type ResourceVector } from "../../scheduling/resources.js";
import { COND_NODECLASS_READY, COND_READY, COND_VALIDATION_SUCCEEDED, getCondition, setCondition, type Condition } from "./api.js";
import { formatResourceList } from "./common.js";
import type { ClusterState } from "./state.js";
import { LABEL_NODEPOOL } from "./state.js";

/** Karpenter's BaseResources plus the summed capacity and node count, as `status.resources`. */
export function nodePoolResources(state: ClusterState, pool: string): Record<string, string> {
  const sum: ResourceVector = emptyVector();
  let count = 0;
  for (const n of state.nodes()) {
    if (n.markedForDeletion) continue;
    if (n.labels[LABEL_NODEPOOL] !== pool) continue;
    addInto(sum, n.capacity);
    count++;
  }
  const out = formatResourceList(sum);
  out["nodes"] = String(count);
  // keep the key order stable (sorted), as a ResourceList serializes
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k]!;
  return sorted;
}

/** NodePool conditions given its EC2NodeClass (undefined: not found). */
export function nodePoolConditions(np: KubeObject, nodeClass: KubeObject | undefined, now: string): Condition[] {
  const gen = np.metadata.generation;
  let conds: Condition[] = np.status?.conditions ?? [];
  conds = setCondition(conds, COND_VALIDATION_SUCCEEDED, "True", COND_VALIDATION_SUCCEEDED, "", now, gen);
  if (!nodeClass) {
    conds = setCondition(conds, COND_NODECLASS_READY, "False", "NodeClassNotFound", "NodeClass not found on cluster", now, gen);
  } else if (nodeClass.metadata.deletionTimestamp) {
    conds = setCondition(conds, COND_NODECLASS_READY, "False", "NodeClassTerminating", "NodeClass is Terminating", now, gen);
  } else {
    const ready = getCondition(nodeClass, COND_READY);
    if (!ready || ready.status === "Unknown") {
      conds = setCondition(conds, COND_NODECLASS_READY, "False", "NodeClassReadinessUnknown", "Node Class Readiness Unknown", now, gen);
    } else if (ready.status === "False") {
      conds = setCondition(conds, COND_NODECLASS_READY, "False", ready.reason, ready.message, now, gen);
    } else {
      conds = setCondition(conds, COND_NODECLASS_READY, "True", COND_NODECLASS_READY, "", now, gen);
    }
  }
  const notReady = [COND_NODECLASS_READY, COND_VALIDATION_SUCCEEDED].filter((t) => conds.find((c) => c.type === t)?.status !== "True").sort();
  const ok = notReady.length === 0;
  conds = setCondition(conds, COND_READY, ok ? "True" : "False", ok ? COND_READY : "UnhealthyDependents", ok ? "" : `${notReady.map((t) => `${t}=False`).join(", ")}`, now, gen);
  return conds;
}

function nodeClassName(np: KubeObject): string | undefined {
  return np.spec?.template?.spec?.nodeClassRef?.name;
}

export class NodePoolStatusController implements Controller {
  readonly name = "nodepool.status";
  private ctx!: ControllerContext;
  private readonly dirty = new Set<string>();
  private scheduled = false;
  private unsubs: Array<() => void> = [];

  constructor(private readonly state: ClusterState) {}

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    const store = ctx.store;
    this.unsubs.push(
      store.watch("NodePool", (ev: WatchEvent) => {
        if (ev.type === "DELETED") return;
        // our own status writes come back here: only spec changes (generation) and creations matter
        if (ev.old && ev.old.metadata.generation === ev.object.metadata.generation) return;
        this.enqueue(ev.object.metadata.name!);
      }),
      store.watch("NodeClaim", (ev: WatchEvent) => {
        if (!ev.object.status?.providerID && !ev.old?.status?.providerID) return;
        this.enqueuePool(ev.object.metadata.labels?.[LABEL_NODEPOOL]);
      }),
      store.watch("Node", (ev: WatchEvent) => {
        this.enqueuePool(ev.object.metadata.labels?.[LABEL_NODEPOOL]);
        if (ev.old) this.enqueuePool(ev.old.metadata.labels?.[LABEL_NODEPOOL]);
      }),
      store.watch("EC2NodeClass", (ev: WatchEvent) => {
        const name = ev.object.metadata.name!;
        for (const np of store.list("NodePool")) if (nodeClassName(np) === name) this.enqueue(np.metadata.name!);
      }),
    );
    for (const np of store.list("NodePool")) this.enqueue(np.metadata.name!);
  }

  stop(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
  }

  private enqueuePool(pool: string | undefined): void {
    if (pool) this.enqueue(pool);
  }

  private enqueue(pool: string): void {
    this.dirty.add(pool);
    if (this.scheduled) return;
    this.scheduled = true;
    this.ctx.clock.after(0, () => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const pools = [...this.dirty].sort();
    this.dirty.clear();
    for (const p of pools) this.reconcile(p);
  }

  /** Recompute one NodePool's status (exposed for tests). */
  reconcile(pool: string): void {
    const store = this.ctx.store;
    const np = store.get("NodePool", undefined, pool);
    if (!np || np.metadata.deletionTimestamp) return;
    const ncName = nodeClassName(np);
    const nodeClass = ncName ? store.get("EC2NodeClass", undefined, ncName) : undefined;
    const resources = nodePoolResources(this.state, pool);
    const conditions = nodePoolConditions(np, nodeClass, this.ctx.clock.iso());
    const status = { ...(np.status ?? {}), resources, conditions };
    if (JSON.stringify(status) !== JSON.stringify(np.status ?? {})) store.setStatus(np, status);
  }
}
