/**
 * KEDA v2.16 APIs (keda.sh/v1alpha1): ScaledObject, ScaledJob, TriggerAuthentication and
 * ClusterTriggerAuthentication kind registration, the effective spec values with upstream defaults
 * (scaledobject_types.go), and the validating webhook (scaledobject_webhook.go) — denials read
 * `admission webhook "vscaledobject.kb.io" denied the request: …` (403 Forbidden), structural
 * schema failures read like kube-apiserver's CRD validation (422 Invalid).
 *
 * KEDA's CRDs carry no OpenAPI defaults: spec fields stay as written (kubectl shows what the user
 * set) and the operator applies the defaults in code, as `effectiveSpec` does here.
 */
import { forbidden, type FieldError } from "../../api/errors.js";
import { kindInfo, registerKindInfo, type KindInfo } from "../../api/kinds.js";
import type { KubeObject } from "../../api/meta.js";
import type { AdmissionContext, Store } from "../../api/store.js";
import { parseQuantity } from "../../core/quantity.js";
import { compileFormula } from "./expr.js";
import { buildScaler, ScalerError, type Trigger } from "./scalers.js";
import type { FallbackSpec } from "./executor.js";

export const KEDA_GROUP = "keda.sh";
export const KEDA_API_VERSION = "keda.sh/v1alpha1";

export const SCALEDOBJECT_NAME_LABEL = "scaledobject.keda.sh/name";
export const ANNOTATION_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas";
export const ANNOTATION_PAUSED = "autoscaling.keda.sh/paused";
export const ANNOTATION_FORCE_ACTIVATION = "autoscaling.keda.sh/force-activation";
export const ANNOTATION_TRANSFER_HPA = "scaledobject.keda.sh/transfer-hpa-ownership";
export const ANNOTATION_HPA_OWNERSHIP = "validations.keda.sh/hpa-ownership";

const KINDS: KindInfo[] = [
  { kind: "ScaledObject", group: KEDA_GROUP, version: "v1alpha1", plural: "scaledobjects", singular: "scaledobject", namespaced: true, shortNames: ["so"], generation: true },
  { kind: "ScaledJob", group: KEDA_GROUP, version: "v1alpha1", plural: "scaledjobs", singular: "scaledjob", namespaced: true, shortNames: ["sj"], generation: true },
  { kind: "TriggerAuthentication", group: KEDA_GROUP, version: "v1alpha1", plural: "triggerauthentications", singular: "triggerauthentication", namespaced: true, shortNames: ["ta", "triggerauth"], generation: true },
  { kind: "ClusterTriggerAuthentication", group: KEDA_GROUP, version: "v1alpha1", plural: "clustertriggerauthentications", singular: "clustertriggerauthentication", namespaced: false, shortNames: ["cta", "clustertriggerauth"], generation: true },
];

export function registerKedaKindInfo(): void {
  for (const k of KINDS) if (!kindInfo(k.kind)) registerKindInfo(k);
}
registerKedaKindInfo();

export interface ScaleTargetRef {
  name: string;
  apiVersion?: string;
  kind?: string;
  envSourceContainerName?: string;
}

export interface ScaledObjectSpec {
  scaleTargetRef: ScaleTargetRef;
  pollingInterval?: number;
  cooldownPeriod?: number;
  initialCooldownPeriod?: number;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  idleReplicaCount?: number;
  fallback?: FallbackSpec;
  advanced?: {
    horizontalPodAutoscalerConfig?: { name?: string; behavior?: Record<string, unknown> };
    restoreToOriginalReplicaCount?: boolean;
    scalingModifiers?: { formula?: string; target?: string; activationTarget?: string; metricType?: "AverageValue" | "Value" };
  };
  triggers: Trigger[];
}

/** Defaults applied in code (scaledobject_types.go / scale_handler / executor). */
export const DEFAULTS = { pollingInterval: 30, cooldownPeriod: 300, initialCooldownPeriod: 0, minReplicaCount: 0, maxReplicaCount: 100 } as const;

export interface EffectiveSpec {
  target: { name: string; apiVersion: string; kind: string };
  pollingIntervalSec: number;
  cooldownPeriodSec: number;
  initialCooldownPeriodSec: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  idleReplicaCount?: number;
}

export function effectiveSpec(spec: ScaledObjectSpec): EffectiveSpec {
  return {
    target: { name: spec.scaleTargetRef.name, apiVersion: spec.scaleTargetRef.apiVersion || "apps/v1", kind: spec.scaleTargetRef.kind || "Deployment" },
    pollingIntervalSec: spec.pollingInterval ?? DEFAULTS.pollingInterval,
    cooldownPeriodSec: spec.cooldownPeriod ?? DEFAULTS.cooldownPeriod,
    initialCooldownPeriodSec: spec.initialCooldownPeriod ?? DEFAULTS.initialCooldownPeriod,
    minReplicaCount: spec.minReplicaCount ?? DEFAULTS.minReplicaCount,
    maxReplicaCount: spec.maxReplicaCount ?? DEFAULTS.maxReplicaCount,
    ...(spec.idleReplicaCount !== undefined && spec.idleReplicaCount !== null ? { idleReplicaCount: spec.idleReplicaCount } : {}),
  };
}

/** GetHPAMinReplicas: minReplicaCount if > 0, else 1. */
export function hpaMinReplicas(minReplicaCount: number | null | undefined): number {
  return minReplicaCount !== undefined && minReplicaCount !== null && minReplicaCount > 0 ? minReplicaCount : 1;
}

/** GetHPAMaxReplicas: maxReplicaCount, default 100. */
export function hpaMaxReplicas(maxReplicaCount: number | null | undefined): number {
  return maxReplicaCount ?? DEFAULTS.maxReplicaCount;
}

/** `keda-hpa-<so>` unless advanced.horizontalPodAutoscalerConfig.name is set. */
export function hpaNameOf(so: KubeObject): string {
  const n = (so.spec as ScaledObjectSpec | undefined)?.advanced?.horizontalPodAutoscalerConfig?.name;
  return n ? n : `keda-hpa-${so.metadata.name}`;
}

/** `apps/v1.Deployment`, as the webhook and status.scaleTargetKind print a target. */
export function targetGvkString(ref: ScaleTargetRef): string {
  return `${ref.apiVersion || "apps/v1"}.${ref.kind || "Deployment"}`;
}

// ---------------------------------------------------------------------------- validation

function webhookDenied(msg: string): never {
  throw forbidden(`admission webhook "vscaledobject.kb.io" denied the request: ${msg}`);
}

/** Structural (CRD schema) checks, reported as 422 Invalid. */
export function validateScaledObjectSchema(so: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = so.spec as ScaledObjectSpec | undefined;
  if (!spec) return [{ type: "Required", field: "spec" }];
  if (!spec.scaleTargetRef || typeof spec.scaleTargetRef !== "object") errs.push({ type: "Required", field: "spec.scaleTargetRef" });
  else if (!spec.scaleTargetRef.name) errs.push({ type: "Required", field: "spec.scaleTargetRef.name" });
  if (!Array.isArray(spec.triggers)) errs.push({ type: "Required", field: "spec.triggers" });
  else {
    spec.triggers.forEach((t, i) => {
      if (!t || typeof t.type !== "string" || !t.type) errs.push({ type: "Required", field: `spec.triggers[${i}].type` });
      else if (t.metadata === undefined || t.metadata === null) errs.push({ type: "Required", field: `spec.triggers[${i}].metadata` });
    });
  }
  for (const f of ["pollingInterval", "cooldownPeriod", "initialCooldownPeriod", "minReplicaCount", "maxReplicaCount", "idleReplicaCount"] as const) {
    const v = spec[f];
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 0)) {
      errs.push({ type: "Invalid", field: `spec.${f}`, value: v, detail: `spec.${f} in body should be greater than or equal to 0` });
    }
  }
  const min = spec.minReplicaCount ?? 0;
  const max = spec.maxReplicaCount ?? 100;
  if (min > max) errs.push({ type: "Invalid", field: "spec", value: "object", rendered: '"object"', detail: "minReplicaCount must be less than or equal to maxReplicaCount" });
  return errs;
}

/** The webhook's checks (scaledobject_webhook.go validateWorkload): throws the denial. */
export function admitScaledObject(so: KubeObject, store: Store): void {
  const spec = so.spec as ScaledObjectSpec;
  const ns = so.metadata.namespace ?? "default";
  const name = so.metadata.name!;
  const ref = spec.scaleTargetRef;
  const gvk = targetGvkString(ref);
  const hpaName = hpaNameOf(so);
  if (name.length > 63) webhookDenied(`ScaledObject name must be no more than 63 characters`);
  if (hpaName.length > 63) webhookDenied(`HPA name must be no more than 63 characters`);
  for (const other of store.list("ScaledObject", { namespace: ns })) {
    if (other.metadata.name === name) continue;
    const oref = (other.spec as ScaledObjectSpec).scaleTargetRef;
    if (oref.name === ref.name && targetGvkString(oref) === gvk) {
      webhookDenied(`the workload '${ref.name}' of type '${gvk}' is already managed by the ScaledObject '${other.metadata.name}'`);
    }
    if (hpaNameOf(other) === hpaName) webhookDenied(`the HPA '${hpaName}' is already managed by the ScaledObject '${other.metadata.name}'`);
  }
  const transfer = so.metadata.annotations?.[ANNOTATION_TRANSFER_HPA] === "true";
  for (const hpa of store.list("HorizontalPodAutoscaler", { namespace: ns })) {
    const r = hpa.spec?.scaleTargetRef;
    if (!r || r.name !== ref.name || `${r.apiVersion || "apps/v1"}.${r.kind}` !== gvk) continue;
    if (hpa.metadata.ownerReferences?.some((o) => o.kind === "ScaledObject" && o.name === name)) continue;
    if (hpa.metadata.annotations?.[ANNOTATION_HPA_OWNERSHIP] === "false") continue;
    if (transfer && hpa.metadata.name === spec.advanced?.horizontalPodAutoscalerConfig?.name) continue;
    webhookDenied(`the workload '${ref.name}' of type '${gvk}' is already managed by the hpa '${hpa.metadata.name}'`);
  }
  const min = spec.minReplicaCount ?? 0;
  const max = spec.maxReplicaCount ?? 100;
  if (min > max) webhookDenied(`MinReplicaCount=${min} must be less than MaxReplicaCount=${max}`);
  if (spec.idleReplicaCount !== undefined && spec.idleReplicaCount !== null && spec.idleReplicaCount >= min) {
    webhookDenied(`IdleReplicaCount=${spec.idleReplicaCount} must be less than MinReplicaCount=${min}`);
  }
  const names = new Set<string>();
  for (const [i, t] of spec.triggers.entries()) {
    // ValidateTriggers (scaletriggers_types.go), the same words as for a ScaledJob.
    if (t.useCachedMetrics && (t.type === "cpu" || t.type === "memory" || t.type === "cron")) {
      webhookDenied(`property "useCachedMetrics" is not supported for "${t.type}" scaler`);
    }
    if (t.name) {
      if (names.has(t.name)) webhookDenied(`triggerName "${t.name}" is defined multiple times in the ScaledObject/ScaledJob, but it must be unique`);
      names.add(t.name);
    }
    try {
      buildScaler(i, t);
    } catch (e) {
      if (!(e instanceof ScalerError) || !/no scaler found/.test(e.message)) webhookDenied(`error creating scaler for trigger ${i}: ${(e as Error).message}`);
    }
  }
  verifyCpuMemoryScalers(spec, ns, store);
  const f = spec.fallback;
  if (f) {
    if (f.failureThreshold < 0 || f.replicas < 0) webhookDenied(`FailureThreshold=${f.failureThreshold} or Replicas=${f.replicas} should be non-negative integers`);
    if (spec.triggers.every((t) => t.type === "cpu" || t.type === "memory")) webhookDenied(`type is cpu/memory, which is not supported by fallback`);
    for (const t of spec.triggers) {
      if (t.type !== "cpu" && t.type !== "memory" && t.metricType === "Utilization") webhookDenied(`type must be AverageValue or Value for fallback to work`);
    }
  }
  const sm = spec.advanced?.scalingModifiers;
  if (sm && (sm.formula || sm.target)) {
    if (!sm.formula) webhookDenied(`error validating formula in ScalingModifiers: formula is empty`);
    if (!sm.target) webhookDenied(`error validating target in ScalingModifiers: target is empty`);
    const target = Number(sm.target);
    if (!Number.isFinite(target) || target <= 0) webhookDenied(`error validating target in ScalingModifiers: target must be a positive number`);
    try {
      const c = compileFormula(sm.formula);
      for (const id of c.identifiers) {
        if (!names.has(id)) webhookDenied(`error validating formula in ScalingModifiers: trigger name '${id}' not found`);
      }
    } catch (e) {
      if ((e as { status?: unknown }).status) throw e;
      webhookDenied(`error validating formula in ScalingModifiers: ${(e as Error).message}`);
    }
  }
}

/**
 * verifyCPUMemoryScalers (scaledobject_webhook.go): every container a cpu/memory trigger measures
 * needs that resource's request or limit, or a Container default in a LimitRange of the namespace;
 * and an SO of cpu/memory triggers only cannot have minReplicaCount 0. Only Deployment and
 * StatefulSet targets are looked at; a missing one is refused with its NotFound.
 */
function verifyCpuMemoryScalers(spec: ScaledObjectSpec, ns: string, store: Store): void {
  const gvk = targetGvkString(spec.scaleTargetRef);
  let podSpec: { containers?: Array<{ name: string; resources?: Record<string, Record<string, string | number> | undefined> }> } | undefined;
  for (const t of spec.triggers) {
    if (t.type !== "cpu" && t.type !== "memory") continue;
    if (!podSpec) {
      const kind = gvk === "apps/v1.Deployment" ? "Deployment" : gvk === "apps/v1.StatefulSet" ? "StatefulSet" : undefined;
      if (!kind) return;
      const workload = store.get(kind, ns, spec.scaleTargetRef.name);
      if (!workload) webhookDenied(`${kind.toLowerCase()}s.apps "${spec.scaleTargetRef.name}" not found`);
      podSpec = workload.spec?.template?.spec ?? {};
    }
    const containerName = t.metadata?.containerName;
    for (const c of podSpec!.containers ?? []) {
      if (containerName && c.name !== containerName) continue;
      if (!positive(c.resources?.requests?.[t.type]) && !positive(c.resources?.limits?.[t.type]) && !limitRangeDefaultSet(store, ns, t.type)) {
        webhookDenied(`the scaledobject has a ${t.type} trigger but the container ${c.name} doesn't have the ${t.type} request defined`);
      }
    }
    if (spec.triggers.every((x) => x.type === "cpu" || x.type === "memory") && !spec.minReplicaCount) {
      webhookDenied(`scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work in this case)`);
    }
  }
}

function positive(q: string | number | undefined): boolean {
  if (q === undefined || q === null) return false;
  try {
    return parseQuantity(q).sign() > 0;
  } catch {
    return false;
  }
}

/** isContainerResourceLimitSet: a Container item with default or defaultRequest > 0 for the resource. */
function limitRangeDefaultSet(store: Store, ns: string, resource: string): boolean {
  for (const lr of store.list("LimitRange", { namespace: ns })) {
    for (const item of (lr.spec?.limits ?? []) as Array<{ type?: string; default?: Record<string, string>; defaultRequest?: Record<string, string> }>) {
      if (item.type === "Container" && (positive(item.defaultRequest?.[resource]) || positive(item.default?.[resource]))) return true;
    }
  }
  return false;
}

/** isRemovingFinalizer: the webhook lets a finalizer-only update through, or a deleted target would pin the SO. */
function removingFinalizer(so: KubeObject, old: KubeObject | undefined): boolean {
  return old !== undefined && (so.metadata.finalizers?.length ?? 0) < (old.metadata.finalizers?.length ?? 0) && JSON.stringify(so.spec) === JSON.stringify(old.spec);
}

export interface ScaledJobSpec {
  /** A batch/v1 JobSpec; `template` is required. */
  jobTargetRef: Record<string, any>;
  pollingInterval?: number;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  /** Deprecated in favour of rollout.strategy, but still read first. */
  rolloutStrategy?: string;
  rollout?: { strategy?: string; propagationPolicy?: string };
  envSourceContainerName?: string;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  scalingStrategy?: {
    strategy?: string;
    customScalingQueueLengthDeduction?: number;
    customScalingRunningJobPercentage?: string;
    pendingPodConditions?: string[];
    multipleScalersCalculation?: string;
  };
  triggers: Trigger[];
}

const isNil = (v: unknown): v is null | undefined => v === undefined || v === null;

/**
 * The ScaledJob CRD's structural schema (422 Invalid). The CRD itself sets no minimums; negative
 * history limits and a pollingInterval below 1 are refused here because KEDA 2.16 panics on the
 * former (a negative slice bound) and busy-loops on the latter.
 */
export function validateScaledJobSchema(sj: KubeObject): FieldError[] {
  const spec = sj.spec as ScaledJobSpec | undefined;
  if (!spec || typeof spec !== "object") return [{ type: "Required", field: "spec" }];
  const errs: FieldError[] = [];
  const jt = spec.jobTargetRef;
  if (isNil(jt)) errs.push({ type: "Required", field: "spec.jobTargetRef" });
  else if (typeof jt !== "object" || Array.isArray(jt)) errs.push({ type: "Invalid", field: "spec.jobTargetRef", value: jt, detail: 'spec.jobTargetRef in body must be of type object: "' + (Array.isArray(jt) ? "array" : typeof jt) + '"' });
  else if (isNil(jt.template)) errs.push({ type: "Required", field: "spec.jobTargetRef.template" });
  if (!Array.isArray(spec.triggers)) errs.push({ type: "Required", field: "spec.triggers" });
  else {
    spec.triggers.forEach((t, i) => {
      if (!t || typeof t.type !== "string" || !t.type) errs.push({ type: "Required", field: `spec.triggers[${i}].type` });
      else if (isNil(t.metadata)) errs.push({ type: "Required", field: `spec.triggers[${i}].metadata` });
    });
  }
  for (const f of ["pollingInterval", "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "minReplicaCount", "maxReplicaCount"] as const) {
    const v = spec[f];
    if (isNil(v)) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      errs.push({ type: "Invalid", field: `spec.${f}`, value: v, detail: `spec.${f} in body must be of type integer: "${typeof v === "number" ? "number" : typeof v}"` });
      continue;
    }
    const min = f === "pollingInterval" ? 1 : 0;
    if (v < min) errs.push({ type: "Invalid", field: `spec.${f}`, value: v, detail: `spec.${f} in body should be greater than or equal to ${min}` });
  }
  const d = spec.scalingStrategy?.customScalingQueueLengthDeduction;
  if (!isNil(d) && (typeof d !== "number" || !Number.isInteger(d))) {
    errs.push({ type: "Invalid", field: "spec.scalingStrategy.customScalingQueueLengthDeduction", value: d, detail: `spec.scalingStrategy.customScalingQueueLengthDeduction in body must be of type integer: "${typeof d}"` });
  }
  return errs;
}

/**
 * The ScaledJob webhook (vscaledjob.kb.io, scaledjob_webhook.go verifyTriggers): KEDA's
 * ValidateTriggers — at least one trigger (kedacore/keda#5524, v2.14), no useCachedMetrics on
 * cpu/memory/cron, unique trigger names.
 */
export function admitScaledJob(sj: KubeObject): void {
  const spec = sj.spec as ScaledJobSpec;
  if (spec.triggers.length === 0) throw forbidden(`admission webhook "vscaledjob.kb.io" denied the request: no triggers defined in the ScaledObject/ScaledJob`);
  const names = new Set<string>();
  for (const t of spec.triggers) {
    if (t.useCachedMetrics && (t.type === "cpu" || t.type === "memory" || t.type === "cron")) {
      throw forbidden(`admission webhook "vscaledjob.kb.io" denied the request: property "useCachedMetrics" is not supported for "${t.type}" scaler`);
    }
    if (t.name) {
      if (names.has(t.name)) throw forbidden(`admission webhook "vscaledjob.kb.io" denied the request: triggerName "${t.name}" is defined multiple times in the ScaledObject/ScaledJob, but it must be unique`);
      names.add(t.name);
    }
  }
}

export function registerKedaKinds(store: Store): void {
  registerKedaKindInfo();
  // A status-subresource write carries the stored spec object itself: the webhook does not see it.
  const statusWrite = (obj: KubeObject, old: KubeObject | undefined) => old !== undefined && obj.spec === old.spec;
  store.registerStrategy("ScaledObject", {
    validate: (o, old, ctx: AdmissionContext) => {
      if (statusWrite(o, old)) return [];
      const errs = validateScaledObjectSchema(o);
      if (errs.length) return errs;
      if (!removingFinalizer(o, old)) admitScaledObject(o, ctx.store);
      return [];
    },
  });
  store.registerStrategy("ScaledJob", {
    validate: (o, old) => {
      if (statusWrite(o, old)) return [];
      const errs = validateScaledJobSchema(o);
      if (errs.length) return errs;
      admitScaledJob(o);
      return [];
    },
  });
}
