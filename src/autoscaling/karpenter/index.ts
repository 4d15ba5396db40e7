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

/** Every Karpenter controller, in start order. */
export function karpenterControllers(opts: KarpenterOptions): Controller[] {
  const state = new ClusterState(opts.store, opts.clock);
  return [
    new ClusterStateController(state),
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
