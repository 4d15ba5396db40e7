/**
 * PodDisruptionBudget (policy/v1) and PriorityClass (scheduling.k8s.io/v1) validation as
 * pkg/apis/policy/validation and pkg/apis/scheduling/validation (1.32).
 */
import type { KubeObject } from "../meta.js";
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from "./apps.js";
import { forbidden, goLabelSelector, immutable, invalid, nameIsDNSSubdomain, notSupported, validateLabelSelector, validateObjectMeta, type Errs } from "./meta.js";

const UNHEALTHY_POLICIES = ["AlwaysAllow", "IfHealthyBudget"];

const goIOS = (v: unknown): string => (v === undefined || v === null ? "(*intstr.IntOrString)(nil)" : "&intstr.IntOrString{…}");

export function validatePodDisruptionBudget(pdb: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(pdb.metadata, true, nameIsDNSSubdomain, errs);
  const spec = pdb.spec ?? {};
  const hasMin = spec.minAvailable !== undefined && spec.minAvailable !== null;
  const hasMax = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null;
  if (hasMin && hasMax) {
    errs.push(
      invalid(
        "spec",
        spec,
        "minAvailable and maxUnavailable cannot be both set",
        `policy.PodDisruptionBudgetSpec{MinAvailable:${goIOS(spec.minAvailable)}, Selector:${spec.selector ? "&" + goLabelSelector(spec.selector) : "(*v1.LabelSelector)(nil)"}, MaxUnavailable:${goIOS(spec.maxUnavailable)}, UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}`,
      ),
    );
  }
  if (hasMin) {
    validatePositiveIntOrPercent(spec.minAvailable, "spec.minAvailable", errs);
    isNotMoreThan100Percent(spec.minAvailable, "spec.minAvailable", errs);
  }
  if (hasMax) {
    validatePositiveIntOrPercent(spec.maxUnavailable, "spec.maxUnavailable", errs);
    isNotMoreThan100Percent(spec.maxUnavailable, "spec.maxUnavailable", errs);
  }
  validateLabelSelector(spec.selector, "spec.selector", errs);
  if (spec.unhealthyPodEvictionPolicy !== undefined && spec.unhealthyPodEvictionPolicy !== null && !UNHEALTHY_POLICIES.includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(notSupported("spec.unhealthyPodEvictionPolicy", spec.unhealthyPodEvictionPolicy, UNHEALTHY_POLICIES));
  }
  void old;
  return errs;
}

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

/** The built-in classes kube-apiserver creates at start-up. */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyArray<{ name: string; value: number; description: string }> = [
  { name: "system-node-critical", value: SYSTEM_CRITICAL_PRIORITY + 1000, description: "Used for system critical pods that must not be moved from their current node." },
  { name: "system-cluster-critical", value: SYSTEM_CRITICAL_PRIORITY, description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary." },
];

export function validatePriorityClass(pc: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(pc.metadata, false, nameIsDNSSubdomain, errs);
  const name = pc.metadata?.name ?? "";
  const value = (pc as any).value ?? 0;
  if (name.startsWith("system-")) {
    const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
    if (!known) {
      errs.push(forbidden("metadata.name", `priority class names with 'system-' prefix are reserved for system use only. error: ${name} is not a known system priority class`));
    } else if (known.value !== value) {
      errs.push(forbidden("metadata.name", `priority class names with 'system-' prefix are reserved for system use only. error: value of ${name} PriorityClass must be ${known.value}`));
    }
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const pp = (pc as any).preemptionPolicy;
  if (pp !== undefined && pp !== null && pp !== "Never" && pp !== "PreemptLowerPriority") {
    errs.push(notSupported("preemptionPolicy", pp, ["Never", "PreemptLowerPriority"]));
  }
  if (old) {
    if ((old as any).value !== value) errs.push(forbidden("value", "may not be changed in an update."));
    if (((old as any).preemptionPolicy ?? "PreemptLowerPriority") !== (pp ?? "PreemptLowerPriority")) {
      errs.push(immutable("preemptionPolicy", pp ?? ""));
    }
  }
  return errs;
}
