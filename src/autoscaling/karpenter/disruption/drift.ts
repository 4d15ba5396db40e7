/**
 * The NodeClaim disruption-conditions controller (`pkg/controllers/nodeclaim/disruption`, plus the
 * `nodeclaim/podevents` controller): keeps `Drifted` and `Consolidatable` on NodeClaims and
 * `status.lastPodEventTime` fresh. Drift reasons in upstream order (spec §2.1): NodePoolDrifted,
 * RequirementsDrifted, then the AWS provider's NodeClassDrift and AMIDrift.
 */
import { WorkQueue, type Controller, type ControllerContext } from "../../../api/controller.js";
import type { Logger } from "../../../api/logs.js";
import type { KubeObject } from "../../../api/meta.js";
import { Requirements } from "../../../scheduling/requirements.js";
import {
  COND_CONSOLIDATABLE,
  COND_DRIFTED,
  COND_INITIALIZED,
  COND_LAUNCHED,
  EC2NODECLASS_HASH_ANNOTATION,
  EC2NODECLASS_HASH_VERSION_ANNOTATION,
  NODEPOOL_HASH_ANNOTATION,
  NODEPOOL_HASH_VERSION_ANNOTATION,
  NODEPOOL_LABEL,
  clearCondition,
  ec2NodeClassHash,
  getCondition,
  isConditionTrue,
  nodePoolHash,
  parseNillableDuration,
  setCondition,
  type EC2NodeClass,
  type NodeClaim,
  type NodePool,
} from "../api.js";
import { KARPENTER_LOG_COMPONENT } from "../common.js";

export type DriftReason = "NodePoolDrifted" | "RequirementsDrifted" | "NodeClassDrift" | "AMIDrift";

export const DRIFT_RECHECK_MS = 5 * 60_000;
export const POD_EVENT_DEDUPE_MS = 5_000;

/** The first drift reason of a launched NodeClaim, or undefined. */
export function driftReason(nc: NodeClaim, np: NodePool, nodeClass: EC2NodeClass | undefined): DriftReason | undefined {
  const ann = nc.metadata.annotations ?? {};
  const npAnn = np.metadata.annotations ?? {};
  const npHash = npAnn[NODEPOOL_HASH_ANNOTATION] ?? nodePoolHash(np);
  const npVer = npAnn[NODEPOOL_HASH_VERSION_ANNOTATION] ?? ann[NODEPOOL_HASH_VERSION_ANNOTATION];
  if (ann[NODEPOOL_HASH_ANNOTATION] !== undefined && ann[NODEPOOL_HASH_VERSION_ANNOTATION] === npVer && ann[NODEPOOL_HASH_ANNOTATION] !== npHash) {
    return "NodePoolDrifted";
  }
  const npReqs = Requirements.fromNodeSelector(np.spec.template.spec.requirements ?? []);
  // upstream: NewLabelRequirements(nodeClaim.Labels).StrictlyCompatible(nodePoolRequirements) — every NodePool
  // requirement must be met by the NodeClaim's labels (custom labels the pool does not constrain are fine)
  if (Requirements.fromLabels(nc.metadata.labels ?? {}).compatible(npReqs, false) !== undefined) return "RequirementsDrifted";
  if (nodeClass) {
    const ncAnn = nodeClass.metadata.annotations ?? {};
    const want = ncAnn[EC2NODECLASS_HASH_ANNOTATION] ?? ec2NodeClassHash(nodeClass);
    const ver = ncAnn[EC2NODECLASS_HASH_VERSION_ANNOTATION] ?? ann[EC2NODECLASS_HASH_VERSION_ANNOTATION];
    if (ann[EC2NODECLASS_HASH_ANNOTATION] !== undefined && ann[EC2NODECLASS_HASH_VERSION_ANNOTATION] === ver && ann[EC2NODECLASS_HASH_ANNOTATION] !== want) {
      return "NodeClassDrift";
    }
    const image = nc.status?.imageID;
    const amis = nodeClass.status?.amis;
    if (image && amis && amis.length > 0 && !amis.some((a) => a.id === image)) return "AMIDrift";
  }
  return undefined;
}

export class NodeClaimDisruptionController implements Controller {
  readonly name = "karpenter.nodeclaim.disruption";
  private ctx!: ControllerContext;
  private log!: Logger;
  private queue!: WorkQueue;
  private unsubs: Array<() => void> = [];
  /** node name / providerID → NodeClaim name */
  private claimOf = new Map<string, string>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    this.queue = new WorkQueue(ctx.clock, (k) => this.reconcile(k));
    const store = ctx.store;
    const all = () => {
      for (const nc of store.list("NodeClaim")) this.queue.add(nc.metadata.name!);
    };
    const index = (c: KubeObject, del: boolean) => {
      for (const k of [c.status?.nodeName, c.status?.providerID]) {
        if (!k) continue;
        if (del) this.claimOf.delete(k);
        else this.claimOf.set(k, c.metadata.name!);
      }
    };
    for (const c of store.list("NodeClaim")) index(c, false);
    this.unsubs.push(
      store.watch("NodeClaim", (e) => {
        index(e.object, e.type === "DELETED");
        if (e.type !== "DELETED") this.queue.add(e.object.metadata.name!);
      }),
    );
    this.unsubs.push(store.watch("NodePool", (e) => e.type !== "DELETED" && this.forPool(e.object.metadata.name!)));
    this.unsubs.push(store.watch("EC2NodeClass", () => all()));
    this.unsubs.push(store.watch("Pod", (e) => this.onPod(e.type, e.object, e.old)));
    all();
  }

  stop(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
  }

  private forPool(np: string): void {
    for (const nc of this.ctx.store.list("NodeClaim", { labelSelector: `${NODEPOOL_LABEL}=${np}` })) this.queue.add(nc.metadata.name!);
  }

  /** podevents: a pod bound to, or leaving, a node stamps the node's NodeClaim lastPodEventTime. */
  private onPod(type: string, p: KubeObject, old: KubeObject | undefined): void {
    const nodeName: string | undefined = p.spec?.nodeName ?? old?.spec?.nodeName;
    if (!nodeName) return;
    const phase = p.status?.phase;
    const terminal = phase === "Succeeded" || phase === "Failed";
    const justBound = !old?.spec?.nodeName && !!p.spec?.nodeName;
    const leaving = type === "DELETED" || (terminal && old?.status?.phase !== phase) || (!!p.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp);
    if (!justBound && !leaving && type !== "ADDED") return;
    const node = this.ctx.store.get("Node", undefined, nodeName);
    const pid: string | undefined = node?.spec?.providerID;
    if (!node || !node.metadata.labels?.[NODEPOOL_LABEL]) return;
    const claim = this.claimOf.get(nodeName) ?? (pid ? this.claimOf.get(pid) : undefined);
    if (claim) this.stampPodEvent(claim);
  }

  private stampPodEvent(name: string): void {
    const store = this.ctx.store;
    const clock = this.ctx.clock;
    const nc = store.get<NodeClaim>("NodeClaim", undefined, name);
    if (!nc) return;
    const last = nc.status?.lastPodEventTime ? clock.parseIso(nc.status.lastPodEventTime) : undefined;
    const now = clock.now();
    if (last !== undefined && now - last < POD_EVENT_DEDUPE_MS) {
      clock.at(last + POD_EVENT_DEDUPE_MS, () => this.stampPodEvent(name));
      return;
    }
    store.setStatus(nc, { ...(nc.status ?? {}), lastPodEventTime: clock.iso(now) });
  }

  private reconcile(name: string): void {
    const store = this.ctx.store;
    const clock = this.ctx.clock;
    const nc = store.get<NodeClaim>("NodeClaim", undefined, name);
    if (!nc || nc.metadata.deletionTimestamp) return;
    const npName = nc.metadata.labels?.[NODEPOOL_LABEL];
    const np = npName ? store.get<NodePool>("NodePool", undefined, npName) : undefined;
    if (!np) return;
    const now = clock.now();
    const iso = clock.iso(now);
    let conds = nc.status?.conditions ?? [];
    const before = JSON.stringify(conds);
    // ---- drift
    if (isConditionTrue(nc, COND_LAUNCHED)) {
      const ref = np.spec.template.spec.nodeClassRef;
      const nodeClass = ref ? store.get<EC2NodeClass>("EC2NodeClass", undefined, ref.name) : undefined;
      const reason = driftReason(nc, np, nodeClass);
      const had = getCondition(nc, COND_DRIFTED);
      if (reason) {
        if (!had || had.status !== "True" || had.reason !== reason) this.log.debug("marking drifted", { controller: "nodeclaim.disruption", NodeClaim: { name }, reason });
        conds = setCondition(conds, COND_DRIFTED, "True", reason, reason, iso);
      } else if (had) {
        this.log.debug("removing drifted status condition", { controller: "nodeclaim.disruption", NodeClaim: { name } });
        conds = clearCondition(conds, COND_DRIFTED);
      }
      this.queue.add(name, DRIFT_RECHECK_MS);
    }
    // ---- consolidatable
    const after = parseNillableDuration(np.spec.disruption?.consolidateAfter);
    const init = getCondition(nc, COND_INITIALIZED);
    const hasCons = conds.some((c) => c.type === COND_CONSOLIDATABLE);
    if (after === undefined || !init || init.status !== "True") {
      if (hasCons) conds = clearCondition(conds, COND_CONSOLIDATABLE);
    } else {
      const since = nc.status?.lastPodEventTime ? clock.parseIso(nc.status.lastPodEventTime) : clock.parseIso(init.lastTransitionTime);
      if (now - since < after) {
        if (hasCons) conds = clearCondition(conds, COND_CONSOLIDATABLE);
        this.queue.add(name, since + after - now);
      } else {
        // same shape as the lifecycle controller writes it (observedGeneration included), or the two rewrite it forever
        conds = setCondition(conds, COND_CONSOLIDATABLE, "True", COND_CONSOLIDATABLE, "", iso, nc.metadata.generation);
      }
    }
    if (JSON.stringify(conds) !== before) store.setStatus(nc, { ...(nc.status ?? {}), conditions: conds });
  }
}
