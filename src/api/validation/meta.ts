/**
 * Shared validation vocabulary, worded like k8s.io/apimachinery/pkg/util/validation and
 * pkg/api/validation/objectmeta.go (kube-apiserver 1.32): the field-error builders, the DNS-1123 /
 * DNS-1035 / qualified-name / label-value checks with their exact regex texts, Go-style rendering of
 * structured bad values (`map[string]string{"app":"web"}`), label selectors and ObjectMeta.
 */
import { parseQuantity, QuantityError, type Quantity } from "../../core/quantity.js";
import type { FieldError } from "../errors.js";
import type { ObjectMeta } from "../meta.js";

export type Errs = FieldError[];

// ------------------------------------------------------------------------------ error builders

export const required = (field: string, detail = ""): FieldError => ({ type: "Required", field, detail: detail || undefined });
export const invalid = (field: string, value: unknown, detail: string, rendered?: string): FieldError =>
  rendered === undefined ? { type: "Invalid", field, value, detail } : { type: "Invalid", field, value, detail, rendered };
export const forbidden = (field: string, detail: string): FieldError => ({ type: "Forbidden", field, detail });
export const notSupported = (field: string, value: unknown, supported: readonly string[]): FieldError => ({
  type: "NotSupported",
  field,
  value,
  supported: [...supported],
});
export const duplicate = (field: string, value: unknown): FieldError => ({ type: "Duplicate", field, value });
export const tooLong = (field: string, max: number): FieldError => ({ type: "TooLong", field, detail: `must have at most ${max} bytes` });

// ------------------------------------------------------------------------------ message builders

export const isNegativeErrorMsg = "must be greater than or equal to 0";
export const fieldImmutableErrorMsg = "field is immutable";

export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}
export function emptyError(): string {
  return "must be non-empty";
}
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** validation.RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) s += " or ";
    s += `'${e}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

// ------------------------------------------------------------------------------ string checks

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`);
const qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueRe = new RegExp(`^${labelValueFmt}$`);

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(v)) errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"));
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(v)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"));
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!dns1035LabelRe.test(v)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123"));
  return errs;
}

export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")}`);
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!labelValueRe.test(v)) errs.push(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"));
  return errs;
}

export function isValidPortNum(p: number): string[] {
  return Number.isInteger(p) && p >= 1 && p <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)");
  if (port.includes("--")) errs.push("must not contain consecutive hyphens");
  if (port.length > 0 && (port[0] === "-" || port[port.length - 1] === "-")) errs.push("must not begin or end with a hyphen");
  return errs;
}

function hasChDirPrefix(v: string): string[] {
  if (v === ".") return ["must not be '.'"];
  if (v === "..") return ["must not be '..'"];
  if (v.startsWith("..")) return ["must not start with '..'"];
  return [];
}

export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(v)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "[-._a-zA-Z0-9]+", "key.name", "KEY_NAME", "key-name"));
  }
  errs.push(...hasChDirPrefix(v));
  return errs;
}

export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v)) {
    errs.push(
      regexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        "[-._a-zA-Z][-._a-zA-Z0-9]*",
        "my.env-name",
        "MY_ENV.NAME",
        "MyEnvName1",
      ),
    );
  }
  errs.push(...hasChDirPrefix(v));
  return errs;
}

export function isValidPercent(v: string): string[] {
  return /^[0-9]+%$/.test(v) ? [] : [regexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")];
}

/** path.IsValidPathSegmentName. */
export function isValidPathSegmentName(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ["/", "%"]) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** NameIsDNSSubdomain / NameIsDNSLabel / NameIsDNS1035Label with generateName prefix masking. */
export type NameFn = (name: string, prefix: boolean) => string[];
const maskTrailingDash = (name: string): string => (name.length > 1 && name.endsWith("-") ? name.slice(0, -2) + "a" : name);
export const nameIsDNSSubdomain: NameFn = (n, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(n) : n);
export const nameIsDNSLabel: NameFn = (n, prefix) => isDNS1123Label(prefix ? maskTrailingDash(n) : n);
export const nameIsDNS1035Label: NameFn = (n, prefix) => isDNS1035Label(prefix ? maskTrailingDash(n) : n);

// ------------------------------------------------------------------------------ Go value rendering

const q = (s: string): string => JSON.stringify(s);

/** `map[string]string{"a":"b", "c":"d"}` (keys sorted, as fmt prints maps); nil → `map[string]string(nil)`. */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${q(k)}:${q(m[k]!)}`).join(", ")}}`;
}

function goStringSlice(a: readonly string[] | undefined): string {
  return a ? `[]string{${a.map(q).join(", ")}}` : "[]string(nil)";
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** `v1.LabelSelector{MatchLabels:map[string]string{…}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`. */
export function goLabelSelector(sel: LabelSelectorLike | undefined | null): string {
  if (!sel) return "null";
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => `v1.LabelSelectorRequirement{Key:${q(e.key)}, Operator:${q(e.operator)}, Values:${goStringSlice(e.values)}}`)
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** `intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}`. */
export function goIntOrString(v: number | string | undefined): string {
  if (typeof v === "string") return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${q(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${v ?? 0}, StrVal:""}`;
}

// ------------------------------------------------------------------------------ quantities

/**
 * Parse a quantity field (number or string, as the API accepts). On a bad value, pushes the decode
 * error kube-apiserver reports and returns undefined.
 */
export function quantityField(raw: unknown, field: string, errs: Errs): Quantity | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string" && typeof raw !== "number") {
    errs.push(invalid(field, raw, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    return undefined;
  }
  try {
    return parseQuantity(raw);
  } catch (e) {
    if (e instanceof QuantityError) {
      errs.push(invalid(field, raw, e.message));
      return undefined;
    }
    throw e;
  }
}

/** ValidateNonnegativeQuantity. */
export function validateNonnegativeQuantity(qty: Quantity, field: string, errs: Errs): void {
  if (qty.sign() < 0) errs.push(invalid(field, qty.toString(), isNegativeErrorMsg));
}

export function validateNonnegativeField(v: number | undefined, field: string, errs: Errs): void {
  if (v !== undefined && v !== null && v < 0) errs.push(invalid(field, v, isNegativeErrorMsg));
}

// ------------------------------------------------------------------------------ labels, selectors

export function validateLabelName(k: string, field: string, errs: Errs): void {
  for (const m of isQualifiedName(k)) errs.push(invalid(field, k, m));
}

export function validateLabels(labels: Record<string, string> | undefined, field: string, errs: Errs): void {
  if (!labels) return;
  for (const [k, v] of Object.entries(labels)) {
    validateLabelName(k, field, errs);
    for (const m of isValidLabelValue(String(v))) errs.push(invalid(field, v, m));
  }
}

export function validateAnnotations(ann: Record<string, string> | undefined, field: string, errs: Errs): void {
  if (!ann) return;
  let total = 0;
  for (const [k, v] of Object.entries(ann)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, m));
    total += k.length + String(v).length;
  }
  if (total > 256 * 1024) errs.push(tooLong(field, 256 * 1024));
}

export function validateLabelSelector(sel: LabelSelectorLike | undefined | null, field: string, errs: Errs): void {
  if (!sel) return;
  validateLabels(sel.matchLabels, `${field}.matchLabels`, errs);
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(`${p}.operator`, e.operator, "not a valid selector operator"));
    }
    validateLabelName(e.key ?? "", `${p}.key`, errs);
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(`${p}.values[${j}]`, v, m));
    });
  });
}

// ------------------------------------------------------------------------------ ObjectMeta

const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

/** ValidateObjectMeta (metadata.name/generateName/namespace/labels/annotations/ownerReferences/finalizers). */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameFn: NameFn, errs: Errs, path = "metadata"): void {
  const m = meta ?? {};
  if (m.generateName) for (const msg of nameFn(m.generateName, true)) errs.push(invalid(`${path}.generateName`, m.generateName, msg));
  if (!m.name) errs.push(required(`${path}.name`, "name or generateName is required"));
  else for (const msg of nameFn(m.name, false)) errs.push(invalid(`${path}.name`, m.name, msg));
  if (namespaced) {
    if (!m.namespace) errs.push(required(`${path}.namespace`));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(forbidden(`${path}.namespace`, "not allowed on this type"));
  }
  validateNonnegativeField(m.generation, `${path}.generation`, errs);
  validateLabels(m.labels, `${path}.labels`, errs);
  validateAnnotations(m.annotations, `${path}.annotations`, errs);
  const refs = m.ownerReferences ?? [];
  const controllers: string[] = [];
  refs.forEach((r) => {
    const p = `${path}.ownerReferences`;
    if (!r.apiVersion) errs.push(invalid(`${p}.apiVersion`, r.apiVersion ?? "", "version must not be empty"));
    if (!r.kind) errs.push(invalid(`${p}.kind`, r.kind ?? "", "kind must not be empty"));
    if (!r.name) errs.push(invalid(`${p}.name`, r.name ?? "", "name must not be empty"));
    if (!r.uid) errs.push(invalid(`${p}.uid`, r.uid ?? "", "uid must not be empty"));
    if (r.controller) controllers.push(`${r.kind}/${r.name}`);
  });
  if (controllers.length > 1) {
    errs.push(
      invalid(
        `${path}.ownerReferences`,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(" and ")}`,
        "[]v1.OwnerReference{…}",
      ),
    );
  }
  for (const f of m.finalizers ?? []) {
    const msgs = isQualifiedName(f);
    for (const msg of msgs) errs.push(invalid(`${path}.finalizers`, f, msg));
    if (msgs.length === 0 && !f.includes("/") && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(`${path}.finalizers`, f, "name is neither a standard finalizer name nor is it fully qualified"));
    }
  }
}

/** ValidateImmutableField with a Go-rendered value. */
export function immutable(field: string, value: unknown, rendered?: string): FieldError {
  return invalid(field, value, fieldImmutableErrorMsg, rendered);
}

export function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
