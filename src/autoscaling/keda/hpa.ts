/**
 * The HPA KEDA generates for a ScaledObject (controllers/keda/hpa.go newHPAForScaledObject, v2.16):
 * `keda-hpa-<so>` owned by the SO, External metrics selected by `scaledobject.keda.sh/name`,
 * Resource/ContainerResource metrics for cpu/memory triggers, the composite metric of
 * scalingModifiers, min/max replicas and the advanced behavior.
 */
import type { KubeObject } from "../../api/meta.js";
import { ownerRef } from "../../api/meta.js";
import { COMPOSITE_METRIC_NAME, KEDA_VERSION } from "./names.js";
import type { Scaler } from "./scalers.js";
import { hpaMaxReplicas, hpaMinReplicas, hpaNameOf, SCALEDOBJECT_NAME_LABEL, type ScaledObjectSpec } from "./api.js";

/** A float metric target as a Kubernetes quantity string (milli precision like resource.NewMilliQuantity). */
export function quantityString(v: number): string {
  const milli = Math.trunc(v * 1000 + (v >= 0 ? 1e-9 : -1e-9));
  if (milli % 1000 === 0) return String(milli / 1000);
  return `${milli}m`;
}

export function hpaMetrics(so: KubeObject, scalers: readonly Scaler[]): Record<string, unknown>[] {
  const spec = so.spec as ScaledObjectSpec;
  const selector = { matchLabels: { [SCALEDOBJECT_NAME_LABEL]: so.metadata.name! } };
  const external: Record<string, unknown>[] = [];
  const resource: Record<string, unknown>[] = [];
  for (const s of scalers) {
    if (s.resource) {
      const target =
        s.metricType === "Utilization"
          ? { type: "Utilization", averageUtilization: parseInt(s.resource.target, 10) }
          : { type: "AverageValue", averageValue: s.resource.target };
      if (s.resource.containerName) {
        resource.push({ type: "ContainerResource", containerResource: { name: s.resource.name, container: s.resource.containerName, target } });
      } else {
        resource.push({ type: "Resource", resource: { name: s.resource.name, target } });
      }
      continue;
    }
    const target = s.metricType === "Value" ? { type: "Value", value: quantityString(s.target) } : { type: "AverageValue", averageValue: quantityString(s.target) };
    external.push({ type: "External", external: { metric: { name: s.metricName, selector }, target } });
  }
  const sm = spec.advanced?.scalingModifiers;
  if (sm?.formula && sm.target && Number(sm.target) > 0) {
    const t = Number(sm.target);
    const target = sm.metricType === "Value" ? { type: "Value", value: quantityString(t) } : { type: "AverageValue", averageValue: quantityString(t) };
    return [{ type: "External", external: { metric: { name: COMPOSITE_METRIC_NAME, selector }, target } }, ...resource];
  }
  // Sorted by metric source type: External before Resource (sort.Slice on the type string).
  return [...external, ...resource];
}

export function buildHpa(so: KubeObject, scalers: readonly Scaler[]): KubeObject {
  const spec = so.spec as ScaledObjectSpec;
  const ref = spec.scaleTargetRef;
  const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
  const excluded = new Set((so.metadata.annotations?.["scaledobject.keda.sh/hpa-excluded-labels"] ?? "").split(",").map((x) => x.trim()).filter(Boolean));
  const soLabels = Object.fromEntries(Object.entries(so.metadata.labels ?? {}).filter(([k]) => !excluded.has(k)));
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: {
      name: hpaNameOf(so),
      namespace: so.metadata.namespace,
      labels: {
        "app.kubernetes.io/name": hpaNameOf(so),
        "app.kubernetes.io/version": KEDA_VERSION,
        "app.kubernetes.io/part-of": so.metadata.name!,
        "app.kubernetes.io/managed-by": "keda-operator",
        ...soLabels,
      },
      ...(so.metadata.annotations ? { annotations: { ...so.metadata.annotations } } : {}),
      ownerReferences: [{ ...ownerRef(so), blockOwnerDeletion: true }],
    },
    spec: {
      scaleTargetRef: { apiVersion: ref.apiVersion || "apps/v1", kind: ref.kind || "Deployment", name: ref.name },
      minReplicas: hpaMinReplicas(spec.minReplicaCount),
      maxReplicas: hpaMaxReplicas(spec.maxReplicaCount),
      metrics: hpaMetrics(so, scalers),
      ...(behavior ? { behavior: structuredClone(behavior) } : {}),
    },
  };
}
