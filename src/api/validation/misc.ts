/**
 * Validation of the smaller core kinds as pkg/apis/core/validation (1.32): Namespace, Node (taints),
 * ConfigMap and Secret (keys, size, well-known secret types), ServiceAccount, Event (light) and
 * LimitRange (light).
 */
import type { KubeObject } from "../meta.js";
import {
  duplicate,
  forbidden,
  invalid,
  isConfigMapKey,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  notSupported,
  quantityField,
  required,
  tooLong,
  validateLabelName,
  validateNonnegativeQuantity,
  validateObjectMeta,
  type Errs,
} from "./meta.js";

const MAX_SECRET_SIZE = 1024 * 1024;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateNamespace(ns: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(ns.metadata, false, nameIsDNSLabel, errs);
  for (const f of ns.spec?.finalizers ?? []) {
    if (f !== "kubernetes" && !String(f).includes("/")) {
      errs.push(invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified"));
    }
  }
  return errs;
}

export function validateNode(node: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(node.metadata, false, nameIsDNSSubdomain, errs);
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((t: any, i: number) => {
    const ip = `spec.taints[${i}]`;
    validateLabelName(t.key ?? "", `${ip}.key`, errs);
    if (t.value) {
      for (const m of isLabelValueMsgs(t.value)) errs.push(invalid(`${ip}.value`, t.value, m));
    }
    if (!t.effect) errs.push(required(`${ip}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${ip}.effect`, t.effect, TAINT_EFFECTS));
    const k = `${t.key}:${t.effect}`;
    if (seen.has(k)) errs.push(duplicate(`spec.taints`, `${t.key}:${t.effect}`));
    seen.add(k);
  });
  for (const [name, raw] of Object.entries<unknown>(node.status?.capacity ?? {})) {
    const q = quantityField(raw, `status.capacity[${name}]`, errs);
    if (q) validateNonnegativeQuantity(q, `status.capacity[${name}]`, errs);
  }
  for (const [name, raw] of Object.entries<unknown>(node.status?.allocatable ?? {})) {
    const q = quantityField(raw, `status.allocatable[${name}]`, errs);
    if (q) validateNonnegativeQuantity(q, `status.allocatable[${name}]`, errs);
  }
  return errs;
}

function isLabelValueMsgs(v: string): string[] {
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) && v.length <= 63
    ? []
    : ["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"];
}

export function validateConfigMap(cm: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain, errs);
  let total = 0;
  const data = (cm as any).data ?? {};
  const binary = (cm as any).binaryData ?? {};
  for (const [k, v] of Object.entries<string>(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(`data[${k}]`, k, m));
    if (k in binary) errs.push(invalid(`data[${k}]`, k, "duplicate of key present in binaryData"));
    total += String(v).length;
  }
  for (const [k, v] of Object.entries<string>(binary)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(`binaryData[${k}]`, k, m));
    total += Math.floor((String(v).length * 3) / 4);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong("", MAX_SECRET_SIZE));
  return errs;
}

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/dockercfg": [".dockercfg"],
};

export function validateSecret(s: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(s.metadata, true, nameIsDNSSubdomain, errs);
  const data = (s as any).data ?? {};
  let total = 0;
  for (const [k, v] of Object.entries<string>(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(`data[${k}]`, k, m));
    total += Math.floor((String(v).length * 3) / 4);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong("data", MAX_SECRET_SIZE));
  const type = (s as any).type ?? "Opaque";
  for (const key of SECRET_REQUIRED_KEYS[type] ?? []) if (!(key in data)) errs.push(required(`data[${key}]`));
  if (type === "kubernetes.io/service-account-token") {
    if (!s.metadata.annotations?.["kubernetes.io/service-account.name"]) {
      errs.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
    }
  }
  if (old) {
    if (((old as any).type ?? "Opaque") !== type) errs.push(invalid("type", type, "field is immutable"));
    if ((old as any).immutable === true) {
      if (JSON.stringify((old as any).data ?? {}) !== JSON.stringify(data)) errs.push(forbidden("data", "field is immutable when `immutable` is set"));
      if ((s as any).immutable !== true) errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
    }
  }
  return errs;
}

export function validateServiceAccount(sa: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(sa.metadata, true, nameIsDNSSubdomain, errs);
  return errs;
}

/** Events are validated lightly: metadata and that involvedObject.namespace matches. */
export function validateEvent(ev: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(ev.metadata, true, nameIsDNSSubdomain, errs);
  const io = (ev as any).involvedObject;
  if (io?.namespace && ev.metadata.namespace && io.namespace !== ev.metadata.namespace) {
    errs.push(invalid("involvedObject.namespace", io.namespace, "does not match event.namespace"));
  }
  const type = (ev as any).type;
  if (type !== undefined && type !== "" && type !== "Normal" && type !== "Warning") {
    errs.push(notSupported("type", type, ["Normal", "Warning"]));
  }
  return errs;
}

const LIMIT_TYPES = ["Container", "PersistentVolumeClaim", "Pod"];

export function validateLimitRange(lr: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(lr.metadata, true, nameIsDNSSubdomain, errs);
  (lr.spec?.limits ?? []).forEach((item: any, i: number) => {
    const ip = `spec.limits[${i}]`;
    if (!LIMIT_TYPES.includes(item.type)) errs.push(notSupported(`${ip}.type`, item.type ?? "", LIMIT_TYPES));
    for (const fld of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]) {
      for (const [name, raw] of Object.entries<unknown>(item[fld] ?? {})) {
        const q = quantityField(raw, `${ip}.${fld}[${name}]`, errs);
        if (q) validateNonnegativeQuantity(q, `${ip}.${fld}[${name}]`, errs);
      }
    }
    if (item.type === "Pod" && (item.default || item.defaultRequest)) {
      if (item.default) errs.push(forbidden(`${ip}.default`, "may not be specified when `type` is 'Pod'"));
      if (item.defaultRequest) errs.push(forbidden(`${ip}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
  });
  return errs;
}
