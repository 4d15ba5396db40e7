/**
 * Go type names for decode errors (`… of type int32`, `… of type v1.ResourceList`) as reflect's
 * Type.String() prints them: what encoding/json puts at the end of an UnmarshalTypeError.
 *
 * The OpenAPI schema gives the shape but not Go's *named* non-struct types: a string field declared
 * `ImagePullPolicy PullPolicy` prints as `v1.PullPolicy`, not `string`. NAMED_FIELD_TYPES lists the
 * ones of the kinds scenarios use, from the k8s.io/api v0.32 struct declarations (core/v1, apps/v1,
 * batch/v1, autoscaling/v2, policy/v1, scheduling/v1, meta/v1); pointers print without the `*`
 * because the decoder reports the type it was storing into. Fields not listed fall back to the schema.
 */
import type { Schema } from "./registry.js";

/** `<struct>.<json field>` → Go type. */
const NAMED_FIELD_TYPES: Record<string, string> = {
  // core/v1
  "Container.imagePullPolicy": "v1.PullPolicy",
  "Container.terminationMessagePolicy": "v1.TerminationMessagePolicy",
  "ContainerPort.protocol": "v1.Protocol",
  "ServicePort.protocol": "v1.Protocol",
  "ResourceRequirements.limits": "v1.ResourceList",
  "ResourceRequirements.requests": "v1.ResourceList",
  "VolumeResourceRequirements.limits": "v1.ResourceList",
  "VolumeResourceRequirements.requests": "v1.ResourceList",
  "PodSpec.overhead": "v1.ResourceList",
  "PodSpec.restartPolicy": "v1.RestartPolicy",
  "PodSpec.dnsPolicy": "v1.DNSPolicy",
  "PodSpec.preemptionPolicy": "v1.PreemptionPolicy",
  "ServiceSpec.type": "v1.ServiceType",
  "ServiceSpec.sessionAffinity": "v1.ServiceAffinity",
  "ServiceSpec.externalTrafficPolicy": "v1.ServiceExternalTrafficPolicy",
  "Toleration.operator": "v1.TolerationOperator",
  "Toleration.effect": "v1.TaintEffect",
  "Taint.effect": "v1.TaintEffect",
  "NodeSelectorRequirement.operator": "v1.NodeSelectorOperator",
  "TopologySpreadConstraint.whenUnsatisfiable": "v1.UnsatisfiableConstraintAction",
  "LimitRangeItem.type": "v1.LimitType",
  "LimitRangeItem.max": "v1.ResourceList",
  "LimitRangeItem.min": "v1.ResourceList",
  "LimitRangeItem.default": "v1.ResourceList",
  "LimitRangeItem.defaultRequest": "v1.ResourceList",
  "LimitRangeItem.maxLimitRequestRatio": "v1.ResourceList",
  "ResourceQuotaSpec.hard": "v1.ResourceList",
  "Secret.type": "v1.SecretType",
  "HTTPGetAction.scheme": "v1.URIScheme",
  // meta/v1
  "LabelSelectorRequirement.operator": "v1.LabelSelectorOperator",
  "ObjectMeta.uid": "types.UID",
  "OwnerReference.uid": "types.UID",
  // apps/v1
  "DeploymentStrategy.type": "v1.DeploymentStrategyType",
  "StatefulSetSpec.podManagementPolicy": "v1.PodManagementPolicyType",
  "StatefulSetUpdateStrategy.type": "v1.StatefulSetUpdateStrategyType",
  "DaemonSetUpdateStrategy.type": "v1.DaemonSetUpdateStrategyType",
  // batch/v1
  "CronJobSpec.concurrencyPolicy": "v1.ConcurrencyPolicy",
  "JobSpec.completionMode": "v1.CompletionMode",
  "JobSpec.podReplacementPolicy": "v1.PodReplacementPolicy",
  "PodFailurePolicyRule.action": "v1.PodFailurePolicyAction",
  "PodFailurePolicyOnExitCodesRequirement.operator": "v1.PodFailurePolicyOnExitCodesOperator",
  // autoscaling/v2
  "MetricSpec.type": "v2.MetricSourceType",
  "MetricTarget.type": "v2.MetricTargetType",
  "ResourceMetricSource.name": "v1.ResourceName",
  "ContainerResourceMetricSource.name": "v1.ResourceName",
  "HPAScalingPolicy.type": "v2.HPAScalingPolicyType",
  "HPAScalingRules.selectPolicy": "v2.ScalingPolicySelect",
  // policy/v1
  "PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy": "v1.UnhealthyPodEvictionPolicyType",
  // scheduling/v1 (the field is *apiv1.PreemptionPolicy, core's package)
  "PriorityClass.preemptionPolicy": "v1.PreemptionPolicy",
};

/** `io.k8s.api.autoscaling.v2.MetricTarget` → `MetricTarget`: the struct name in `Go struct field X.…`. */
export function goStructName(def: string): string {
  return def.slice(def.lastIndexOf(".") + 1);
}

/** `io.k8s.api.core.v1.PodSpec` → `v1.PodSpec`: package and type, as reflect prints a named type. */
export function goNamedType(def: string): string {
  const parts = def.split(".");
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : def;
}

/** The Go type of field `field` of struct `struct`, when it is a named type the schema cannot show. */
export function namedFieldType(struct: string, field: string): string | undefined {
  return NAMED_FIELD_TYPES[`${struct}.${field}`];
}

/**
 * The Go type behind a (dereferenced) schema: `def` is the definition it came from when it is a
 * component (`io.k8s.api.apps.v1.DeploymentSpec` → `v1.DeploymentSpec`); `resolve` dereferences
 * item and value schemas the same way.
 */
export function goTypeOf(s: Schema, def: string | undefined, resolve: (s: Schema | undefined) => { s: Schema | undefined; def?: string }): string {
  if (def && (s.type === "object" || s.type === undefined) && (s.properties || s.oneOf || !s.additionalProperties)) return goNamedType(def);
  switch (s.type) {
    case "integer":
      return s.format === "int64" ? "int64" : s.format === "int32" ? "int32" : "int";
    case "number":
      return s.format === "float" ? "float32" : "float64";
    case "boolean":
      return "bool";
    case "string":
      return s.format === "byte" ? "[]uint8" : def ? goNamedType(def) : "string";
    case "array": {
      const it = resolve(s.items);
      return `[]${it.s ? goTypeOf(it.s, it.def, resolve) : "interface {}"}`;
    }
    case "object": {
      if (s.additionalProperties && typeof s.additionalProperties === "object") {
        const v = resolve(s.additionalProperties);
        return `map[string]${v.s ? goTypeOf(v.s, v.def, resolve) : "interface {}"}`;
      }
      return "map[string]interface {}";
    }
    default:
      return "interface {}";
  }
}
