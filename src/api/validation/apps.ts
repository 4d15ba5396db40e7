/**
 * Workload validation as pkg/apis/apps/validation and pkg/apis/batch/validation (1.32): Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, Job and CronJob, with their update rules (immutable selectors,
 * the StatefulSet spec allow-list, Job template immutability, a CronJob's TZ= schedules).
 */
import { parseCron } from "../../core/cron.js";
import { fromLabelSelector } from "../../core/labels.js";
import { loadLocation } from "../../core/timezone.js";
import type { KubeObject } from "../meta.js";
import {
  forbidden,
  goIntOrString,
  goLabelSelector,
  goStringMap,
  immutable,
  invalid,
  isValidPercent,
  nameIsDNSSubdomain,
  notSupported,
  required,
  sameJson,
  validateLabelSelector,
  validateNonnegativeField,
  validateObjectMeta,
  type Errs,
} from "./meta.js";
import { validatePodTemplateSpec } from "./pod.js";

/** ValidatePositiveIntOrPercent. */
export function validatePositiveIntOrPercent(v: unknown, field: string, errs: Errs): void {
  if (typeof v === "string") {
    for (const m of isValidPercent(v)) errs.push(invalid(field, v, m, goIntOrString(v)));
  } else if (typeof v === "number") {
    if (v < 0) errs.push(invalid(field, v, "must be greater than or equal to 0"));
  } else if (v !== undefined && v !== null) {
    errs.push(invalid(field, v, "must be an integer or percentage (e.g '5%')"));
  }
}

function percentValue(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^[0-9]+%$/.test(v)) return Number.parseInt(v, 10);
  return undefined;
}

/** IsNotMoreThan100Percent. */
export function isNotMoreThan100Percent(v: unknown, field: string, errs: Errs): void {
  if (typeof v !== "string") return;
  const p = percentValue(v);
  if (p !== undefined && p > 100) errs.push(invalid(field, v, "must not be greater than 100%", goIntOrString(v)));
}

/** Selector + template checks shared by ReplicaSet/Deployment/StatefulSet/DaemonSet. */
function validateSelectorAndTemplate(spec: any, kindWord: string, errs: Errs, replicaSetLike: boolean): void {
  const sel = spec.selector;
  if (sel === undefined || sel === null) {
    errs.push(required("spec.selector"));
  } else {
    validateLabelSelector(sel, "spec.selector", errs);
    if (Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) {
      errs.push(invalid("spec.selector", sel, `empty selector is invalid for ${kindWord}`, goLabelSelector(sel)));
    }
  }
  let compiled;
  try {
    compiled = sel ? fromLabelSelector(sel) : undefined;
  } catch {
    errs.push(invalid("spec.selector", sel, "invalid label selector", goLabelSelector(sel)));
  }
  const tpl = spec.template;
  if (!tpl) {
    errs.push(required("spec.template"));
    return;
  }
  if (compiled && !compiled.empty && !compiled.matches(tpl.metadata?.labels)) {
    errs.push(invalid("spec.template.metadata.labels", tpl.metadata?.labels, "`selector` does not match template `labels`", goStringMap(tpl.metadata?.labels)));
  }
  validatePodTemplateSpec(tpl, "spec.template", errs);
  if (replicaSetLike) {
    const rp = tpl.spec?.restartPolicy;
    if (rp !== undefined && rp !== "Always") errs.push(notSupported("spec.template.spec.restartPolicy", rp, ["Always"]));
    if (tpl.spec?.activeDeadlineSeconds !== undefined && tpl.spec?.activeDeadlineSeconds !== null) {
      errs.push(forbidden("spec.template.spec.activeDeadlineSeconds", `activeDeadlineSeconds in ${kindWord === "daemonset" ? "DaemonSet" : "ReplicaSet"} is not Supported`));
    }
  }
}

// ------------------------------------------------------------------------------ Deployment

export function validateDeployment(d: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(d.metadata, true, nameIsDNSSubdomain, errs);
  const spec = d.spec ?? {};
  validateNonnegativeField(spec.replicas, "spec.replicas", errs);
  validateSelectorAndTemplate(spec, "deployment", errs, true);
  const st = spec.strategy ?? {};
  switch (st.type) {
    case "Recreate":
      if (st.rollingUpdate) errs.push(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case "RollingUpdate": {
      const ru = st.rollingUpdate;
      if (!ru) {
        errs.push(required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
        break;
      }
      validatePositiveIntOrPercent(ru.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", errs);
      validatePositiveIntOrPercent(ru.maxSurge, "spec.strategy.rollingUpdate.maxSurge", errs);
      if (percentValue(ru.maxUnavailable) === 0 && percentValue(ru.maxSurge) === 0) {
        errs.push(invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable, "may not be 0 when `maxSurge` is 0", goIntOrString(ru.maxUnavailable)));
      }
      isNotMoreThan100Percent(ru.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", errs);
      break;
    }
    default:
      errs.push(notSupported("spec.strategy.type", st.type ?? "", ["Recreate", "RollingUpdate"]));
  }
  validateNonnegativeField(spec.minReadySeconds, "spec.minReadySeconds", errs);
  if (spec.revisionHistoryLimit !== undefined && spec.revisionHistoryLimit !== null) {
    validateNonnegativeField(spec.revisionHistoryLimit, "spec.revisionHistoryLimit", errs);
  }
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds !== null) {
    validateNonnegativeField(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds", errs);
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(invalid("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
    }
  }
  if (old && !sameJson(spec.selector, old.spec?.selector)) errs.push(immutable("spec.selector", spec.selector, goLabelSelector(spec.selector)));
  return errs;
}

// ------------------------------------------------------------------------------ ReplicaSet

export function validateReplicaSet(rs: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain, errs);
  const spec = rs.spec ?? {};
  validateNonnegativeField(spec.replicas, "spec.replicas", errs);
  validateNonnegativeField(spec.minReadySeconds, "spec.minReadySeconds", errs);
  validateSelectorAndTemplate(spec, "deployment", errs, true);
  if (old && !sameJson(spec.selector, old.spec?.selector)) errs.push(immutable("spec.selector", spec.selector, goLabelSelector(spec.selector)));
  return errs;
}

// ------------------------------------------------------------------------------ StatefulSet

export function validateStatefulSet(sts: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(sts.metadata, true, nameIsDNSSubdomain, errs);
  const spec = sts.spec ?? {};
  const pmp = spec.podManagementPolicy;
  if (pmp !== "OrderedReady" && pmp !== "Parallel") {
    if (!pmp) errs.push(required("spec.podManagementPolicy"));
    else errs.push(invalid("spec.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = spec.updateStrategy ?? {};
  switch (us.type) {
    case "":
    case undefined:
      errs.push(required("spec.updateStrategy", ""));
      break;
    case "OnDelete":
      if (us.rollingUpdate) errs.push(invalid("spec.updateStrategy.rollingUpdate", us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'", "&apps.RollingUpdateStatefulSetStrategy{…}"));
      break;
    case "RollingUpdate":
      if (us.rollingUpdate) validateNonnegativeField(us.rollingUpdate.partition, "spec.updateStrategy.rollingUpdate.partition", errs);
      break;
    default:
      errs.push(invalid("spec.updateStrategy", us, "must be 'RollingUpdate' or 'OnDelete'", `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(us.type)}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}`));
  }
  validateNonnegativeField(spec.replicas, "spec.replicas", errs);
  validateNonnegativeField(spec.minReadySeconds, "spec.minReadySeconds", errs);
  const sel = spec.selector;
  if (sel === undefined || sel === null) errs.push(required("spec.selector"));
  else {
    validateLabelSelector(sel, "spec.selector", errs);
    if (Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) {
      errs.push(invalid("spec.selector", sel, "empty selector is invalid for statefulset", goLabelSelector(sel)));
    }
  }
  try {
    const compiled = sel ? fromLabelSelector(sel) : undefined;
    if (compiled && !compiled.empty && spec.template && !compiled.matches(spec.template.metadata?.labels)) {
      errs.push(invalid("spec.template.metadata.labels", spec.template.metadata?.labels, "`selector` does not match template `labels`", goStringMap(spec.template.metadata?.labels)));
    }
  } catch {
    errs.push(invalid("spec.selector", sel, "invalid label selector", goLabelSelector(sel)));
  }
  if (!spec.template) errs.push(required("spec.template"));
  else {
    validatePodTemplateSpec(spec.template, "spec.template", errs);
    const rp = spec.template.spec?.restartPolicy;
    if (rp !== undefined && rp !== "Always") errs.push(notSupported("spec.template.spec.restartPolicy", rp, ["Always"]));
    if (spec.template.spec?.activeDeadlineSeconds !== undefined) {
      errs.push(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
    }
  }
  if (old) {
    const strip = (s: any) => {
      const { replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds, ...rest } = s ?? {};
      void replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy, minReadySeconds;
      return rest;
    };
    if (!sameJson(strip(spec), strip(old.spec))) {
      errs.push(
        forbidden(
          "spec",
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return errs;
}

// ------------------------------------------------------------------------------ DaemonSet

export function validateDaemonSet(ds: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain, errs);
  const spec = ds.spec ?? {};
  validateSelectorAndTemplate(spec, "daemonset", errs, true);
  validateNonnegativeField(spec.minReadySeconds, "spec.minReadySeconds", errs);
  const us = spec.updateStrategy ?? {};
  switch (us.type) {
    case "OnDelete":
      break;
    case "RollingUpdate": {
      const ru = us.rollingUpdate;
      if (!ru) {
        errs.push(required("spec.updateStrategy.rollingUpdate", ""));
        break;
      }
      const p = "spec.updateStrategy.rollingUpdate";
      validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
      validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`, errs);
      isNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
      isNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`, errs);
      const hasUnavailable = (percentValue(ru.maxUnavailable) ?? 0) !== 0;
      const hasSurge = (percentValue(ru.maxSurge) ?? 0) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(invalid(`${p}.maxSurge`, ru.maxSurge, "may not be set when maxUnavailable is non-zero", goIntOrString(ru.maxSurge)));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required(`${p}.maxUnavailable`, "cannot be 0 when maxSurge is 0"));
      }
      break;
    }
    default:
      errs.push(notSupported("spec.updateStrategy.type", us.type ?? "", ["OnDelete", "RollingUpdate"]));
  }
  if (old && !sameJson(spec.selector, old.spec?.selector)) errs.push(immutable("spec.selector", spec.selector, goLabelSelector(spec.selector)));
  return errs;
}

// ------------------------------------------------------------------------------ Job

export function validateJob(job: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(job.metadata, true, nameIsDNSSubdomain, errs);
  const spec = job.spec ?? {};
  validateJobSpec(spec, "spec", errs, true);
  if (old) {
    const os = old.spec ?? {};
    if (!sameJson(spec.selector, os.selector)) errs.push(immutable("spec.selector", spec.selector, goLabelSelector(spec.selector)));
    if (spec.completions !== os.completions && spec.completionMode !== "Indexed") {
      errs.push(immutable("spec.completions", spec.completions ?? null));
    }
    if (spec.completionMode !== os.completionMode) errs.push(immutable("spec.completionMode", spec.completionMode ?? null));
    const suspended = os.suspend === true;
    if (!suspended && !sameJson(spec.template, os.template)) {
      errs.push(immutable("spec.template", spec.template, "core.PodTemplateSpec{…}"));
    }
  }
  return errs;
}

/** validateJobSpec (with the Job's own selector/template-labels check when `withSelector`). */
function validateJobSpec(spec: any, p: string, errs: Errs, withSelector: boolean): void {
  validateNonnegativeField(spec.parallelism, `${p}.parallelism`, errs);
  validateNonnegativeField(spec.completions, `${p}.completions`, errs);
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    validateNonnegativeField(spec.activeDeadlineSeconds, `${p}.activeDeadlineSeconds`, errs);
  }
  validateNonnegativeField(spec.backoffLimit, `${p}.backoffLimit`, errs);
  validateNonnegativeField(spec.ttlSecondsAfterFinished, `${p}.ttlSecondsAfterFinished`, errs);
  if (spec.completionMode !== undefined && !["NonIndexed", "Indexed"].includes(spec.completionMode)) {
    errs.push(notSupported(`${p}.completionMode`, spec.completionMode, ["NonIndexed", "Indexed"]));
  }
  if (spec.completionMode === "Indexed" && (spec.completions === undefined || spec.completions === null)) {
    errs.push(required(`${p}.completions`, "when completion mode is Indexed"));
  }
  if (withSelector && spec.selector) {
    validateLabelSelector(spec.selector, `${p}.selector`, errs);
    try {
      const compiled = fromLabelSelector(spec.selector);
      if (!compiled.empty && spec.template && !compiled.matches(spec.template.metadata?.labels)) {
        errs.push(invalid(`${p}.template.metadata.labels`, spec.template.metadata?.labels, "`selector` does not match template `labels`", goStringMap(spec.template.metadata?.labels)));
      }
    } catch {
      errs.push(invalid(`${p}.selector`, spec.selector, "invalid label selector", goLabelSelector(spec.selector)));
    }
  }
  if (!spec.template) errs.push(required(`${p}.template`));
  else {
    validatePodTemplateSpec(spec.template, `${p}.template`, errs);
    const rp = spec.template.spec?.restartPolicy;
    if (rp !== "OnFailure" && rp !== "Never") errs.push(notSupported(`${p}.template.spec.restartPolicy`, rp ?? "", ["OnFailure", "Never"]));
  }
}

// ------------------------------------------------------------------------------ CronJob

/** The cronjob controller appends `-<11 digits>` to Job names, which must stay within 63 characters. */
const CRONJOB_NAME_MAX = 52;

/** IANA naming rules (data.iana.org theory.html), plus 0-9 and + for legacy names. */
const validTimeZoneCharacters = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** ValidateCronJobCreate / ValidateCronJobUpdate (the 52-character name limit only on create). */
export function validateCronJob(cj: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(cj.metadata, true, nameIsDNSSubdomain, errs);
  const spec = cj.spec ?? {};
  const oldSpec = old?.spec;
  const schedule: string = typeof spec.schedule === "string" ? spec.schedule : "";
  if (schedule.length === 0) errs.push(required("spec.schedule"));
  else {
    // TZ= in the schedule stays allowed only on an object that already had it.
    const allowTZ = oldSpec !== undefined && typeof oldSpec.schedule === "string" && oldSpec.schedule.includes("TZ");
    try {
      parseCron(schedule);
    } catch (e) {
      errs.push(invalid("spec.schedule", schedule, (e as Error).message));
    }
    const hasTZ = schedule.includes("TZ");
    if (allowTZ && hasTZ && spec.timeZone !== undefined && spec.timeZone !== null) {
      errs.push(invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
    } else if (!allowTZ && hasTZ) {
      errs.push(invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
    }
  }
  if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null) {
    validateNonnegativeField(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds", errs);
  }
  if (oldSpec === undefined || (oldSpec.timeZone ?? undefined) !== (spec.timeZone ?? undefined)) validateTimeZone(spec.timeZone, errs);
  const cp = spec.concurrencyPolicy ?? "";
  if (cp === "") errs.push(required("spec.concurrencyPolicy"));
  else if (!["Allow", "Forbid", "Replace"].includes(cp)) errs.push(notSupported("spec.concurrencyPolicy", cp, ["Allow", "Forbid", "Replace"]));
  // ValidateJobTemplateSpec: the Job spec; the selector is always generated.
  const jt = spec.jobTemplate?.spec ?? {};
  validateJobSpec(jt, "spec.jobTemplate.spec", errs, false);
  if (jt.selector !== undefined && jt.selector !== null) {
    errs.push(invalid("spec.jobTemplate.spec.selector", jt.selector, "`selector` will be auto-generated", goLabelSelector(jt.selector)));
  }
  if (jt.manualSelector === true) errs.push(notSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
  if (spec.successfulJobsHistoryLimit !== undefined && spec.successfulJobsHistoryLimit !== null) {
    validateNonnegativeField(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit", errs);
  }
  if (spec.failedJobsHistoryLimit !== undefined && spec.failedJobsHistoryLimit !== null) {
    validateNonnegativeField(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit", errs);
  }
  const name = cj.metadata?.name ?? "";
  if (!old && name.length > CRONJOB_NAME_MAX) errs.push(invalid("metadata.name", name, `must be no more than ${CRONJOB_NAME_MAX} characters`));
  return errs;
}

function validateTimeZone(tz: unknown, errs: Errs): void {
  if (tz === undefined || tz === null) return;
  const name = String(tz);
  if (name.length === 0) {
    errs.push(invalid("spec.timeZone", name, "timeZone must be nil or non-empty string"));
    return;
  }
  for (const part of name.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !validTimeZoneCharacters.test(part)) {
      errs.push(invalid("spec.timeZone", name, `unknown time zone ${name}`));
      return;
    }
  }
  if (name.toLowerCase() === "local") {
    errs.push(invalid("spec.timeZone", name, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
  }
  try {
    loadLocation(name);
  } catch (e) {
    errs.push(invalid("spec.timeZone", name, (e as Error).message));
  }
}
