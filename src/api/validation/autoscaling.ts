/**
 * HorizontalPodAutoscaler (autoscaling/v2) validation as pkg/apis/autoscaling/validation (1.32):
 * replica bounds, scaleTargetRef, every metric source and target, and the behavior rules
 * (hpa.md §7.1: window 0–3600 s, policy value > 0, period 1–1800 s, non-empty policies, selectPolicy).
 */
import type { KubeObject } from "../meta.js";
import {
  forbidden,
  invalid,
  isDNS1123Label,
  isValidPathSegmentName,
  nameIsDNSSubdomain,
  notSupported,
  quantityField,
  required,
  validateObjectMeta,
  type Errs,
} from "./meta.js";

export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** Without the HPAScaleToZero gate (EKS cannot enable it). */
export const MIN_REPLICAS_LOWER_BOUND = 1;

const METRIC_SOURCE_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const SELECT_POLICIES = ["Disabled", "Max", "Min"];
const POLICY_TYPES = ["Percent", "Pods"];

export function validateCrossVersionObjectReference(ref: any, path: string, errs: Errs): void {
  const r = ref ?? {};
  if (!r.kind) errs.push(required(`${path}.kind`));
  else for (const m of isValidPathSegmentName(r.kind)) errs.push(invalid(`${path}.kind`, r.kind, m));
  if (!r.name) errs.push(required(`${path}.name`));
  else for (const m of isValidPathSegmentName(r.name)) errs.push(invalid(`${path}.name`, r.name, m));
}

function validateMetricTarget(t: any, path: string, errs: Errs): void {
  const mt = t ?? {};
  if (!mt.type) errs.push(required(`${path}.type`, "must specify a metric target type"));
  if (mt.type !== "Utilization" && mt.type !== "Value" && mt.type !== "AverageValue") {
    errs.push(invalid(`${path}.type`, mt.type ?? "", "must be either Utilization, Value, or AverageValue"));
  }
  const v = quantityField(mt.value, `${path}.value`, errs);
  if (v && v.sign() !== 1) errs.push(invalid(`${path}.value`, mt.value, "must be positive", v.toString()));
  const av = quantityField(mt.averageValue, `${path}.averageValue`, errs);
  if (av && av.sign() !== 1) errs.push(invalid(`${path}.averageValue`, mt.averageValue, "must be positive", av.toString()));
  if (mt.averageUtilization !== undefined && mt.averageUtilization !== null && mt.averageUtilization < 1) {
    errs.push(invalid(`${path}.averageUtilization`, mt.averageUtilization, "must be greater than 0"));
  }
}

function validateMetricIdentifier(id: any, path: string, errs: Errs): void {
  const name = id?.name;
  if (!name) errs.push(required(`${path}.name`, "must specify a metric name"));
  else for (const m of isValidPathSegmentName(name)) errs.push(invalid(`${path}.name`, name, m));
  if (id?.selector) {
    // metav1.LabelSelector; operators are checked by the shared helper elsewhere — keep to structure here.
  }
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

function validateResourceLike(src: any, path: string, errs: Errs, container: boolean): void {
  if (!src.name) errs.push(required(`${path}.name`, "must specify a resource name"));
  if (container) {
    if (!src.container) errs.push(required(`${path}.container`, "must specify a container"));
    else for (const m of isDNS1123Label(src.container)) errs.push(invalid(`${path}.container`, src.container, m));
  }
  validateMetricTarget(src.target, `${path}.target`, errs);
  const t = src.target ?? {};
  if (!isSet(t.averageUtilization) && !isSet(t.averageValue)) {
    errs.push(required(`${path}.target.averageUtilization`, "must set either a target raw value or a target utilization"));
  }
  if (isSet(t.averageUtilization) && isSet(t.averageValue)) {
    errs.push(forbidden(`${path}.target.averageValue`, "may not set both a target raw value and a target utilization"));
  }
}

function validateMetricSpec(spec: any, path: string, errs: Errs): void {
  const type: string = spec.type ?? "";
  if (type.length === 0) errs.push(required(`${path}.type`, "must specify a metric source type"));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(notSupported(`${path}.type`, type, METRIC_SOURCE_TYPES));
  const present: string[] = [];
  if (spec.object) {
    present.push("object");
    if (present.length === 1) {
      const p = `${path}.object`;
      validateCrossVersionObjectReference(spec.object.describedObject, `${p}.describedObject`, errs);
      validateMetricIdentifier(spec.object.metric, `${p}.metric`, errs);
      validateMetricTarget(spec.object.target, `${p}.target`, errs);
      const t = spec.object.target ?? {};
      if (!isSet(t.value) && !isSet(t.averageValue)) errs.push(required(`${p}.target.averageValue`, "must set either a target value or averageValue"));
    }
  }
  if (spec.external) {
    present.push("external");
    if (present.length === 1) {
      const p = `${path}.external`;
      validateMetricIdentifier(spec.external.metric, `${p}.metric`, errs);
      validateMetricTarget(spec.external.target, `${p}.target`, errs);
      const t = spec.external.target ?? {};
      if (!isSet(t.value) && !isSet(t.averageValue)) {
        errs.push(required(`${p}.target.averageValue`, "must set either a target value for metric or a per-pod target"));
      }
      if (isSet(t.value) && isSet(t.averageValue)) {
        errs.push(forbidden(`${p}.target.value`, "may not set both a target value for metric and a per-pod target"));
      }
    }
  }
  if (spec.pods) {
    present.push("pods");
    if (present.length === 1) {
      const p = `${path}.pods`;
      validateMetricIdentifier(spec.pods.metric, `${p}.metric`, errs);
      validateMetricTarget(spec.pods.target, `${p}.target`, errs);
      if (!isSet(spec.pods.target?.averageValue)) errs.push(required(`${p}.target.averageValue`, "must specify a positive target averageValue"));
    }
  }
  if (spec.resource) {
    present.push("resource");
    if (present.length === 1) validateResourceLike(spec.resource, `${path}.resource`, errs, false);
  }
  if (spec.containerResource) {
    present.push("containerResource");
    if (present.length === 1) validateResourceLike(spec.containerResource, `${path}.containerResource`, errs, true);
  }
  const expected: Record<string, string> = {
    Object: "object",
    Pods: "pods",
    Resource: "resource",
    External: "external",
    ContainerResource: "containerResource",
  };
  const exp = expected[type];
  if (exp) {
    if (!spec[exp]) errs.push(required(`${path}.${exp}`, "must populate information for the given metric source"));
  } else {
    errs.push(notSupported(`${path}.type`, type, METRIC_SOURCE_TYPES));
  }
  if (present.length !== 1) {
    for (const t of present.filter((x) => x !== exp).sort()) errs.push(forbidden(`${path}.${t}`, "must populate the given metric source only"));
  }
}

function validateScalingRules(rules: any, path: string, errs: Errs): void {
  if (!rules) return;
  const w = rules.stabilizationWindowSeconds;
  if (isSet(w) && w < 0) errs.push(invalid(`${path}.stabilizationWindowSeconds`, w, "must be greater than or equal to zero"));
  if (isSet(w) && w > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (isSet(rules.selectPolicy) && !SELECT_POLICIES.includes(rules.selectPolicy)) {
    errs.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES));
  }
  const policies: any[] = rules.policies ?? [];
  if (policies.length === 0) errs.push(required(`${path}.policies`, "must specify at least one Policy"));
  policies.forEach((p, i) => {
    const ip = `${path}.policies[${i}]`;
    if (p.type !== "Pods" && p.type !== "Percent") errs.push(notSupported(`${ip}.type`, p.type ?? "", POLICY_TYPES));
    const value = p.value ?? 0;
    const period = p.periodSeconds ?? 0;
    if (value <= 0) errs.push(invalid(`${ip}.value`, value, "must be greater than zero"));
    if (period <= 0) errs.push(invalid(`${ip}.periodSeconds`, period, "must be greater than zero"));
    if (period > MAX_PERIOD_SECONDS) errs.push(invalid(`${ip}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
}

/** ValidateHorizontalPodAutoscaler (create and update share the spec rules). */
export function validateHorizontalPodAutoscaler(hpa: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain, errs);
  const spec = hpa.spec ?? {};
  const min = spec.minReplicas;
  const max = spec.maxReplicas ?? 0;
  if (isSet(min) && min < MIN_REPLICAS_LOWER_BOUND) {
    errs.push(invalid("spec.minReplicas", min, `must be greater than or equal to ${MIN_REPLICAS_LOWER_BOUND}`));
  }
  if (max < 1) errs.push(invalid("spec.maxReplicas", max, "must be greater than 0"));
  if (isSet(min) && max < min) errs.push(invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  validateCrossVersionObjectReference(spec.scaleTargetRef, "spec.scaleTargetRef", errs);
  const metrics: any[] = spec.metrics ?? [];
  let objOrExt = false;
  metrics.forEach((m, i) => {
    validateMetricSpec(m ?? {}, `spec.metrics[${i}]`, errs);
    if (m?.type === "Object" || m?.type === "External") objOrExt = true;
  });
  if (isSet(min) && min === 0 && !objOrExt) {
    errs.push(forbidden("spec.metrics", "must specify at least one Object or External metric to support scaling to zero replicas"));
  }
  if (spec.behavior) {
    validateScalingRules(spec.behavior.scaleUp, "spec.behavior.scaleUp", errs);
    validateScalingRules(spec.behavior.scaleDown, "spec.behavior.scaleDown", errs);
  }
  return errs;
}
