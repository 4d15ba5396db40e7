/**
 * VerticalPodAutoscaler (autoscaling.k8s.io/v1, VPA 1.3): kind registration, defaulting and the
 * admission controller's VPA validation, the container-policy lookup and the recommendation
 * capping (pkg/utils/vpa/capping.go: minAllowed/maxAllowed, RequestsOnly limit cap).
 */
import type { FieldError } from "../../api/errors.js";
import { kindInfo, registerKindInfo } from "../../api/kinds.js";
import type { KubeObject } from "../../api/meta.js";
import type { Store } from "../../api/store.js";
import { bytesOf, cpuMilli, isValidQuantity, parseQuantity } from "../../core/quantity.js";

export const VPA_KIND = "VerticalPodAutoscaler";
export const VPA_API_VERSION = "autoscaling.k8s.io/v1";
export const VPA_OBSERVED_CONTAINERS_ANNOTATION = "vpaObservedContainers";
export const VPA_UPDATES_ANNOTATION = "vpaUpdates";

export type UpdateMode = "Off" | "Initial" | "Recreate" | "Auto";
export const UPDATE_MODES: readonly string[] = ["Off", "Initial", "Recreate", "Auto"];
/** VPA 1.3: an unset updateMode means Auto (Recreate became the default in 1.6). */
export const DEFAULT_UPDATE_MODE: UpdateMode = "Auto";

export type ResourceList = Record<string, string | number>;

export interface ContainerResourcePolicy {
  containerName?: string;
  mode?: "Auto" | "Off";
  minAllowed?: ResourceList;
  maxAllowed?: ResourceList;
  controlledResources?: string[];
  controlledValues?: "RequestsAndLimits" | "RequestsOnly";
}

export interface RecommendedContainer {
  containerName: string;
  target: ResourceList;
  lowerBound?: ResourceList;
  upperBound?: ResourceList;
  uncappedTarget?: ResourceList;
}

export interface VpaObject extends KubeObject {
  spec: {
    targetRef?: { apiVersion?: string; kind: string; name: string };
    updatePolicy?: { updateMode?: string; minReplicas?: number };
    resourcePolicy?: { containerPolicies?: ContainerResourcePolicy[] };
    recommenders?: Array<{ name: string }>;
  };
  status?: {
    recommendation?: { containerRecommendations?: RecommendedContainer[] };
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }>;
  };
}

export function updateModeOf(vpa: VpaObject): UpdateMode {
  return (vpa.spec.updatePolicy?.updateMode as UpdateMode | undefined) ?? DEFAULT_UPDATE_MODE;
}

/** GetContainerResourcePolicy: the entry for the container, else the `*` entry. */
export function containerPolicy(vpa: VpaObject, container: string): ContainerResourcePolicy | undefined {
  const ps = vpa.spec.resourcePolicy?.containerPolicies ?? [];
  return ps.find((p) => p.containerName === container) ?? ps.find((p) => p.containerName === "*");
}

export function controlledResources(p: ContainerResourcePolicy | undefined): string[] {
  return p?.controlledResources ?? ["cpu", "memory"];
}

export function controlledValues(p: ContainerResourcePolicy | undefined): "RequestsAndLimits" | "RequestsOnly" {
  return p?.controlledValues ?? "RequestsAndLimits";
}

/** Amount of `resource` in a quantity: CPU in millicores, anything else in bytes/units. */
export function amountOf(resource: string, q: string | number | undefined): number {
  return resource === "cpu" ? cpuMilli(q) : bytesOf(q);
}

/**
 * Cap one recommendation list to the policy (minAllowed, then maxAllowed; the policy's quantity is
 * used as written when it applies). Returns the capped list and, per resource, the cap applied.
 */
export function capToPolicy(rec: ResourceList, policy: ContainerResourcePolicy | undefined, limits?: ResourceList): { list: ResourceList; notes: string[] } {
  const list: ResourceList = { ...rec };
  const notes: string[] = [];
  for (const r of Object.keys(list)) {
    const min = policy?.minAllowed?.[r];
    if (min !== undefined && amountOf(r, list[r]) < amountOf(r, min)) {
      list[r] = parseQuantity(min).toString();
      notes.push(`${r} capped to minAllowed`);
    }
    const max = policy?.maxAllowed?.[r];
    if (max !== undefined && amountOf(r, list[r]) > amountOf(r, max)) {
      list[r] = parseQuantity(max).toString();
      notes.push(`${r} capped to maxAllowed`);
    }
    if (controlledValues(policy) === "RequestsOnly" && limits?.[r] !== undefined && amountOf(r, list[r]) > amountOf(r, limits[r])) {
      list[r] = parseQuantity(limits[r]!).toString();
      notes.push(`${r} capped to container limit`);
    }
  }
  return { list, notes };
}

/** Discovery entry of the CRD (module load registers it, so scenario files can use the kind). */
export function registerVpaKindInfo(): void {
  if (!kindInfo(VPA_KIND)) {
    registerKindInfo({ kind: VPA_KIND, group: "autoscaling.k8s.io", version: "v1", plural: "verticalpodautoscalers", singular: "verticalpodautoscaler", namespaced: true, shortNames: ["vpa"], generation: true });
  }
}
registerVpaKindInfo();

/** Register the kind (CRD verticalpodautoscalers.autoscaling.k8s.io) and its admission checks. */
export function registerVpaKind(store: Store): void {
  registerVpaKindInfo();
  store.registerStrategy(VPA_KIND, { validate: (obj, old) => validateVpa(obj as VpaObject, old === undefined) });
}

/** The admission controller's VPA validation (pkg/admission-controller/resource/vpa/handler.go). */
export function validateVpa(vpa: VpaObject, isCreate: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const spec = vpa.spec ?? {};
  const mode = spec.updatePolicy?.updateMode;
  if (mode !== undefined && !UPDATE_MODES.includes(mode)) errs.push({ type: "Invalid", field: "spec.updatePolicy.updateMode", value: mode, detail: `unexpected UpdateMode value ${mode}` } as FieldError);
  const minReplicas = spec.updatePolicy?.minReplicas;
  if (minReplicas !== undefined && minReplicas <= 0) errs.push({ type: "Invalid", field: "spec.updatePolicy.minReplicas", value: minReplicas, detail: `MinReplicas has to be positive, got ${minReplicas}` } as FieldError);
  for (const [i, p] of (spec.resourcePolicy?.containerPolicies ?? []).entries()) {
    if (p.mode !== undefined && p.mode !== "Auto" && p.mode !== "Off") errs.push({ type: "Invalid", field: `spec.resourcePolicy.containerPolicies[${i}].mode`, value: p.mode, detail: `unexpected Mode value ${p.mode}` } as FieldError);
    for (const [which, l] of [["minAllowed", p.minAllowed], ["maxAllowed", p.maxAllowed]] as const) {
      for (const [r, q] of Object.entries(l ?? {})) {
        if (!isValidQuantity(q)) errs.push({ type: "Invalid", field: `spec.resourcePolicy.containerPolicies[${i}].${which}.${r}`, value: q, detail: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" } as FieldError);
      }
    }
    for (const r of Object.keys(p.minAllowed ?? {})) {
      const max = p.maxAllowed?.[r];
      if (max !== undefined && isValidQuantity(max) && isValidQuantity(p.minAllowed![r]!) && amountOf(r, max) < amountOf(r, p.minAllowed![r])) {
        errs.push({ type: "Invalid", field: `spec.resourcePolicy.containerPolicies[${i}].maxAllowed.${r}`, value: max, detail: `max resource for ${r} is lower than min` } as FieldError);
      }
    }
  }
  if (isCreate && !spec.targetRef) errs.push({ type: "Required", field: "spec.targetRef", detail: "TargetRef is required. If you're using v1beta1 version of the API, please migrate to v1." } as FieldError);
  if ((spec.recommenders?.length ?? 0) > 1) errs.push({ type: "Invalid", field: "spec.recommenders", value: spec.recommenders!.length, detail: "The current version of VPA object shouldn't specify more than one recommenders." } as FieldError);
  return errs;
}
