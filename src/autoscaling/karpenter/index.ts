/**
 * Karpenter 1.2 wiring: `karpenterControllers(opts)` builds every Karpenter controller in the order
 * the operator starts them, sharing one ClusterState (registered as a service before any other
 * Karpenter controller starts) and one metrics registry (`karpenterMetrics(services)`).
 *
 * Order: cluster state → NodeClaim lifecycle (launch / register / initialize) → node bootstrap (the
 * simulated kubelet joining: EC2 instance running → Node) → provisioner (batcher + scheduler) →
 * NodeClaim disruption conditions (drift, consolidatable) → disruption controller → node termination
 * → expiration → interruption. The cloud provider is the CLOUD_PROVIDER_SERVICE (SimulatedAws).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { Store } from "../../api/store.js";
import type { Clock } from "../../core/clock.js";
import { ClusterState } from "./state.js";
import { CLUSTER_STATE_SERVICE, Provisioner } from "./provisioner.js";
import { NodeClaimLifecycleController } from "./nodeclaim-lifecycle.js";
import { KarpenterNodeRegistration } from "./registration.js";
import { NodeTerminationController } from "./termination.js";
import { NodeClaimExpirationController } from "./expiration.js";
import { InterruptionController } from "./interruption.js";
import { NodeClaimDisruptionController } from "./disruption/drift.js";
import { DisruptionController } from "./disruption/controller.js";
import { karpenterMetrics } from "./metrics.js";
import { NodePoolStatusController } from "./nodepool-status.js";
import { COND_AMIS_READY, COND_INSTANCE_PROFILE_READY, COND_READY, COND_SECURITY_GROUPS_READY, COND_SUBNETS_READY, setCondition, type Condition } from "./api.js";
import { CLOUD_PROVIDER_SERVICE } from "../../cloud/provider.js";

export { CLUSTER_STATE_SERVICE } from "./provisioner.js";
export { KARPENTER_METRICS_SERVICE, karpenterMetrics } from "./metrics.js";

export interface KarpenterOptions {
  store: Store;
  clock: Clock;
  featureGates?: { SpotToSpotConsolidation?: boolean };
  /** BATCH_IDLE_DURATION (default 1 s). */
  batchIdleDurationMs?: number;
  /** BATCH_MAX_DURATION (default 10 s). */
  batchMaxDurationMs?: number;
}

/** Starts the shared ClusterState's watches and publishes it and the metrics registry as services. */
class ClusterStateController implements Controller {
  readonly name = "karpenter.state";
  constructor(private readonly state: ClusterState) {}
  start(ctx: ControllerContext): void {
    this.state.start();
    ctx.services.set(CLUSTER_STATE_SERVICE, this.state);
    karpenterMetrics(ctx.services);
  }
}

/** The provider's resolution of an EC2NodeClass (SimulatedAws.resolveNodeClass). */
interface NodeClassResolver {
  resolveNodeClass(nc: unknown): { subnets: unknown[]; securityGroups: unknown[]; amis: Array<{ id: string }>; instanceProfile?: string };
}

/**
 * The AWS provider's `nodeclass` status controller (minimal): resolves subnets, security groups,
 * AMIs and the instance profile through the cloud provider, so that status.amis (AMI drift) names the
 * same AMI ids the launches use; Ready once every part resolved to something.
 */
class EC2NodeClassStatusController implements Controller {
  readonly name = "nodeclass.status";
  start(ctx: ControllerContext): void {
    const provider = ctx.services.get(CLOUD_PROVIDER_SERVICE) as Partial<NodeClassResolver> | undefined;
    if (!provider?.resolveNodeClass) return;
    const resolver = provider as NodeClassResolver;
    const reconcile = (name: string) => {
      const nc = ctx.store.get("EC2NodeClass", undefined, name);
      if (!nc || nc.metadata.deletionTimestamp) return;
      const r = resolver.resolveNodeClass(nc);
      const now = ctx.clock.iso();
      let conds: Condition[] = nc.status?.conditions ?? [];
      const part = (type: string, ok: boolean, reason: string, msg: string) => {
        conds = setCondition(conds, type, ok ? "True" : "False", ok ? type : reason, ok ? "" : msg, now, nc.metadata.generation);
      };
      part(COND_SUBNETS_READY, r.subnets.length > 0, "SubnetsNotFound", "SubnetSelector did not match any Subnets");
      part(COND_SECURITY_GROUPS_READY, r.securityGroups.length > 0, "SecurityGroupsNotFound", "SecurityGroupSelector did not match any SecurityGroups");
      part(COND_AMIS_READY, r.amis.length > 0, "AMINotFound", "AMISelector did not match any AMIs");
      part(COND_INSTANCE_PROFILE_READY, r.instanceProfile !== undefined, "InstanceProfileNotFound", "no instance profile");
      const ready = r.subnets.length > 0 && r.securityGroups.length > 0 && r.amis.length > 0;
      part(COND_READY, ready, "NotReady", "one or more status conditions are not ready");
      const status = { ...(nc.status ?? {}), ...r, conditions: conds };
      if (JSON.stringify(status) !== JSON.stringify(nc.status ?? {})) ctx.store.setStatus(nc, status);
    };
    ctx.store.watch("EC2NodeClass", (ev) => {
      if (ev.type === "DELETED") return;
      // spec changes only (generation bumps); status writes come back here too
      if (ev.old && ev.old.metadata.generation === ev.object.metadata.generation) return;
      reconcile(ev.object.metadata.name!);
    });
    for (const nc of ctx.store.list("EC2NodeClass")) reconcile(nc.metadata.name!);
  }
}

/** Every Karpenter controller, in start order. */
export function karpenterControllers(opts: KarpenterOptions): Controller[] {
  const state = new ClusterState(opts.store, opts.clock);
  return [
    new ClusterStateController(state),
    new EC2NodeClassStatusController(),
    new NodePoolStatusController(state),
    new NodeClaimLifecycleController(),
    new KarpenterNodeRegistration(),
    new Provisioner({ state, batchIdleDurationMs: opts.batchIdleDurationMs, batchMaxDurationMs: opts.batchMaxDurationMs }),
    new NodeClaimDisruptionController(),
    new DisruptionController({ state, spotToSpotConsolidation: opts.featureGates?.SpotToSpotConsolidation ?? false }),
    new NodeTerminationController(),
    new NodeClaimExpirationController(),
    new InterruptionController(),
  ];
}
