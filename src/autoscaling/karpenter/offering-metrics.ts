/**
 * Karpenter's cloud-provider metrics decorator (`pkg/cloudprovider/metrics`): every GetInstanceTypes
 * result refreshes `karpenter_cloudprovider_instance_type_offering_available` and
 * `karpenter_cloudprovider_instance_type_offering_price_estimate` per (instance type, capacity type,
 * zone). The price gauge is what Karpenter itself prices offerings at — spot included — so a
 * Prometheus scrape (or `scalelab nodes --kubeconfig`) can read it.
 */
import type { CloudInstanceType } from "../../cloud/provider.js";
import type { KarpenterMetrics } from "./metrics.js";

/** Lists already recorded: the provider hands out the same list object until a price or an ICE mark changes. */
const recorded = new WeakMap<KarpenterMetrics, WeakSet<readonly CloudInstanceType[]>>();

export function recordOfferings(metrics: KarpenterMetrics, its: readonly CloudInstanceType[]): void {
  let seen = recorded.get(metrics);
  if (!seen) recorded.set(metrics, (seen = new WeakSet()));
  if (seen.has(its)) return;
  seen.add(its);
  const available = metrics.instanceTypeOfferingAvailable;
  const price = metrics.instanceTypeOfferingPriceEstimate;
  for (const it of its) {
    for (const o of it.offerings) {
      const labels = { instance_type: it.name, capacity_type: o.capacityType, zone: o.zone };
      available.set(labels, o.available ? 1 : 0);
      price.set(labels, o.price);
    }
  }
}
