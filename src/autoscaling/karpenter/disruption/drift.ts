/**
 * The NodeClaim disruption-conditions controller (`pkg/controllers/nodeclaim/disruption`, plus the
 * `nodeclaim/podevents` controller): keeps `Drifted` and `Consolidatable` on NodeClaims and
 * `status.lastPodEventTime` fresh.
 *
 * Drift reasons, first one wins, as v1.2 evaluates them: core `NodePoolDrifted` (static hash),
 * `RequirementsDrifted`, `InstanceTypeNotFound` (the NodeClaim's type, or an offering for its zone and
 * capacity type, is gone from the NodePool's instance types), then the AWS provider's IsDrifted:
 * `NodeClassDrift` (EC2NodeClass static hash), then the first of `AMIDrift`, `SecurityGroupDrift`,
 * `SubnetDrift` comparing the EC2 instance with the EC2NodeClass status. A provider error (say the
 * status lists no security groups) leaves the condition as it was and retries with
 * controller-runtime's per-item back-off.
 */
import { WorkQueue, type Controller, type ControllerContext } from "../../../api/controller.js";
import type { Logger } from "../../../api/logs.js";
import type { KubeObject } from "../../../api/meta.js";
import type { Rng } from "../../../core/rng.js";
import type { CloudInstance, CloudInstanceType } from "../../../cloud/provider.js";
import { Requirements } from "../../../scheduling/requirements.js";
import {
  CAPACITY_TYPE_LABEL,
  COND_CONSOLIDATABLE,
  COND_DRIFTED,
  COND_INITIALIZED,
  COND_LAUNCHED,
  EC2NODECLASS_HASH_ANNOTATION,
  EC2NODECLASS_HASH_VERSION,
  EC2NODECLASS_HASH_VERSION_ANNOTATION,
  INSTANCE_TYPE_LABEL,
  NODEPOOL_HASH_ANNOTATION,
  NODEPOOL_HASH_VERSION,
  NODEPOOL_HASH_VERSION_ANNOTATION,
  NODEPOOL_LABEL,
  ZONE_ID_LABEL,
  ZONE_LABEL,
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
import { cloudProvider, KARPENTER_LOG_COMPONENT, logReconcile, requirementAllows } from "../common.js";

export type DriftReason =
  | "NodePoolDrifted"
  | "RequirementsDrifted"
  | "InstanceTypeNotFound"
  | "NodeClassDrift"
  | "AMIDrift"
  | "SecurityGroupDrift"
  | "SubnetDrift";

export const DRIFT_RECHECK_MS = 5 * 60_000;
export const POD_EVENT_DEDUPE_MS = 5_000;
/** controller-runtime's default per-item rate limiter: 5 ms · 2^failures, at most 1000 s. */
const ERROR_BACKOFF_BASE_MS = 5;
const ERROR_BACKOFF_MAX_MS = 1_000_000;

/** What a drift check reads besides the NodeClaim and its NodePool. */
export interface DriftInputs {
  /** cloudProvider.GetInstanceTypes(nodePool); undefined when the node class cannot be resolved. */
  instanceTypes?: readonly CloudInstanceType[];
  /** The NodePool's EC2NodeClass. */
  nodeClass?: EC2NodeClass;
  /** DescribeInstances of the NodeClaim's instance (undefined: not found / terminated). */
  instance?: CloudInstance;
}

/** A drift reason, nothing (not drifted), or an error that leaves the condition alone. */
export type DriftResult = { reason?: DriftReason; error?: string; notFound?: boolean };

/** core areStaticFieldsDrifted + areRequirementsDrifted. */
export function coreDriftReason(nc: NodeClaim, np: NodePool): DriftReason | undefined {
  const ann = nc.metadata.annotations ?? {};
  const npAnn = np.metadata.annotations ?? {};
  // The nodepool hash controller keeps the NodePool annotated; without it the hash is what it would write.
  const npHash = npAnn[NODEPOOL_HASH_ANNOTATION] ?? nodePoolHash(np);
  const npVer = npAnn[NODEPOOL_HASH_VERSION_ANNOTATION] ?? NODEPOOL_HASH_VERSION;
  if (ann[NODEPOOL_HASH_ANNOTATION] !== undefined && ann[NODEPOOL_HASH_VERSION_ANNOTATION] === npVer && ann[NODEPOOL_HASH_ANNOTATION] !== npHash) {
    return "NodePoolDrifted";
  }
  const npReqs = Requirements.fromNodeSelector(np.spec.template.spec.requirements ?? []);
  // upstream: NewLabelRequirements(nodeClaim.Labels).Compatible(nodePoolRequirements) — every NodePool
  // requirement must be met by the NodeClaim's labels (custom labels the pool does not constrain are fine)
  if (Requirements.fromLabels(nc.metadata.labels ?? {}).compatible(npReqs, false) !== undefined) return "RequirementsDrifted";
  return undefined;
}

/**
 * core instanceTypeNotFound: the NodeClaim's instance type is not among the NodePool's instance
 * types, or none of its offerings (available or not) matches the NodeClaim's zone / capacity type.
 */
export function instanceTypeNotFound(its: readonly CloudInstanceType[], nc: NodeClaim): boolean {
  const labels = nc.metadata.labels ?? {};
  const name = labels[INSTANCE_TYPE_LABEL];
  const it = name === undefined ? undefined : its.find((t) => t.name === name);
  if (!it) return true;
  const zone = labels[ZONE_LABEL];
  const ct = labels[CAPACITY_TYPE_LABEL];
  const zoneId = labels[ZONE_ID_LABEL];
  for (const o of it.offerings) {
    if (zone !== undefined && o.zone !== zone) continue;
    if (ct !== undefined && o.capacityType !== ct) continue;
    if (zoneId !== undefined && o.zoneId !== undefined && o.zoneId !== zoneId) continue;
    return false;
  }
  return true;
}

/** amifamily.MapToInstanceTypes for one type: the first status AMI (newest first) the type can boot. */
export function amiForInstanceType(it: CloudInstanceType, amis: NonNullable<EC2NodeClass["status"]>["amis"]): string | undefined {
  const labels: Record<string, string> = {};
  for (const r of it.requirements) if (r.operator === "In" && r.values?.length === 1) labels[r.key] = r.values[0]!;
  for (const a of amis ?? []) {
    // AllowUndefinedWellKnownLabels: a requirement on a key the type does not label does not exclude it
    if (a.requirements.every((r) => !(r.key in labels) || requirementAllows(r, labels[r.key]))) return a.id;
  }
  return undefined;
}

/** The AWS provider's isNodeClassDrifted (v1.0–v1.2 order: static, then AMI / security groups / subnet). */
export function providerDriftReason(nc: NodeClaim, nodeClass: EC2NodeClass, its: readonly CloudInstanceType[], instance: CloudInstance | undefined): DriftResult {
  const ann = nc.metadata.annotations ?? {};
  const ncAnn = nodeClass.metadata.annotations ?? {};
  // The nodeclass hash controller keeps the EC2NodeClass annotated; without it the hash is what it would write.
  const want = ncAnn[EC2NODECLASS_HASH_ANNOTATION] ?? ec2NodeClassHash(nodeClass);
  const ver = ncAnn[EC2NODECLASS_HASH_VERSION_ANNOTATION] ?? EC2NODECLASS_HASH_VERSION;
  if (ann[EC2NODECLASS_HASH_ANNOTATION] !== undefined && ann[EC2NODECLASS_HASH_VERSION_ANNOTATION] === ver && ann[EC2NODECLASS_HASH_ANNOTATION] !== want) {
    return { reason: "NodeClassDrift" };
  }
  if (!instance || instance.state === "terminated") return { notFound: true };
  const status = nodeClass.status ?? {};
  // AMI
  const itName = nc.metadata.labels?.[INSTANCE_TYPE_LABEL] ?? "";
  const it = its.find((t) => t.name === itName);
  if (!it) return { error: `calculating ami drift, getting instanceTypes, finding node instance type "${itName}"` };
  if (!status.amis || status.amis.length === 0) return { error: "calculating ami drift, no amis exist given constraints" };
  const ami = amiForInstanceType(it, status.amis);
  const amiDrifted = ami !== instance.imageID;
  // security groups: the instance's set must equal the resolved set
  const sgs = new Set((status.securityGroups ?? []).map((g) => g.id));
  if (sgs.size === 0) return { error: "calculating securitygroup drift, no security groups are present in the status" };
  const have = new Set(instance.securityGroupIds ?? []);
  let sgDrifted = have.size !== sgs.size;
  if (!sgDrifted) for (const id of have) if (!sgs.has(id)) sgDrifted = true;
  // subnet: the instance's subnet must still be resolved
  const subnets = status.subnets ?? [];
  if (subnets.length === 0) return { error: "calculating subnet drift, no subnets are discovered" };
  const subnetDrifted = !subnets.some((s) => s.id === instance.subnetId);
  if (amiDrifted) return { reason: "AMIDrift" };
  if (sgDrifted) return { reason: "SecurityGroupDrift" };
  if (subnetDrifted) return { reason: "SubnetDrift" };
  return {};
}

/** Drift.isDrifted: static and requirements drift, instance-type drift, then the provider. */
export function evaluateDrift(nc: NodeClaim, np: NodePool, inputs: DriftInputs): DriftResult {
  const core = coreDriftReason(nc, np);
  if (core) return { reason: core };
  const ref = np.spec.template.spec.nodeClassRef;
  if (!inputs.nodeClass || !inputs.instanceTypes) {
    return { error: `resolving node class, ec2nodeclasses.karpenter.k8s.aws "${ref?.name ?? ""}" not found` };
  }
  if (instanceTypeNotFound(inputs.instanceTypes, nc)) return { reason: "InstanceTypeNotFound" };
  return providerDriftReason(nc, inputs.nodeClass, inputs.instanceTypes, inputs.instance);
}

export class NodeClaimDisruptionController implements Controller {
  readonly name = "karpenter.nodeclaim.disruption";
  private ctx!: ControllerContext;
  private log!: Logger;
  private rng!: Rng;
  private queue!: WorkQueue;
  private unsubs: Array<() => void> = [];
  /** node name / providerID → NodeClaim name */
  private claimOf = new Map<string, string>();
  /** NodeClaim name → consecutive reconcile errors (the rate limiter's failure count). */
  private failures = new Map<string, number>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    this.rng = ctx.rng.fork("nodeclaim.disruption");
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

  private lf(name: string) {
    return { controller: "nodeclaim.disruption", controllerGroup: "karpenter.sh", controllerKind: "NodeClaim", kind: "NodeClaim", name };
  }

  /** The cloud provider's view a drift check needs (GetInstanceTypes(nodePool), the node class, the instance). */
  private driftInputs(nc: NodeClaim, np: NodePool): DriftInputs {
    const store = this.ctx.store;
    const ref = np.spec.template.spec.nodeClassRef;
    const nodeClass = ref ? store.get<EC2NodeClass>("EC2NodeClass", undefined, ref.name) : undefined;
    const cloud = cloudProvider(this.ctx);
    if (!cloud || !nodeClass) return { nodeClass };
    const pid = nc.status?.providerID ?? "";
    const instance = pid ? cloud.get(pid.slice(pid.lastIndexOf("/") + 1)) : undefined;
    return { nodeClass, instanceTypes: cloud.instanceTypes(nodeClass), instance };
  }

  private reconcile(name: string): void {
    const store = this.ctx.store;
    const clock = this.ctx.clock;
    const nc = store.get<NodeClaim>("NodeClaim", undefined, name);
    if (!nc || nc.metadata.deletionTimestamp) {
      this.failures.delete(name);
      return;
    }
    const npName = nc.metadata.labels?.[NODEPOOL_LABEL];
    const np = npName ? store.get<NodePool>("NodePool", undefined, npName) : undefined;
    if (!np) return;
    const now = clock.now();
    const iso = clock.iso(now);
    let conds = nc.status?.conditions ?? [];
    const before = JSON.stringify(conds);
    let error: string | undefined;
    // ---- drift
    const had = getCondition(nc, COND_DRIFTED);
    if (!isConditionTrue(nc, COND_LAUNCHED)) {
      if (had) {
        conds = clearCondition(conds, COND_DRIFTED);
        logReconcile(this.log, this.rng, "debug", this.lf(name), "removing drift status condition, isn't launched");
      }
    } else {
      const r = evaluateDrift(nc, np, this.driftInputs(nc, np));
      if (r.error !== undefined) error = `getting drift, ${r.error}`;
      else if (r.reason) {
        conds = setCondition(conds, COND_DRIFTED, "True", r.reason, r.reason, iso);
        if (!had) logReconcile(this.log, this.rng, "debug", this.lf(name), "marking drifted", { reason: r.reason });
        this.queue.add(name, DRIFT_RECHECK_MS);
      } else if (!r.notFound) {
        if (had) {
          conds = clearCondition(conds, COND_DRIFTED);
          logReconcile(this.log, this.rng, "debug", this.lf(name), "removing drifted status condition, not drifted");
        }
        this.queue.add(name, DRIFT_RECHECK_MS);
      }
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
    if (error === undefined) {
      this.failures.delete(name);
      return;
    }
    logReconcile(this.log, this.rng, "error", this.lf(name), "Reconciler error", { error });
    const n = this.failures.get(name) ?? 0;
    this.failures.set(name, n + 1);
    this.queue.add(name, Math.min(ERROR_BACKOFF_BASE_MS * 2 ** n, ERROR_BACKOFF_MAX_MS));
  }
}
