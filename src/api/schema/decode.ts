/**
 * What kube-apiserver's decoder refuses in a request body, checked against the kind's schema:
 *
 * - a value of the wrong JSON type for its Go field (sigs.k8s.io/json, encoding/json rules):
 *   `HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json:
 *   cannot unmarshal string into Go struct field MetricTarget.spec.metrics.resource.target.averageUtilization of type int32`;
 * - with fieldValidation=Strict (kubectl's default), fields the kind does not define:
 *   `… cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`.
 *
 * A type error is fatal and wins over unknown fields (the serializer returns it before the strict
 * errors). Among type errors encoding/json reports the first it meets, except that an error raised by
 * a type's own UnmarshalJSON (Quantity, IntOrString, Time) stops decoding at once, so a later one of
 * those beats an earlier plain type error. kubectl sends the manifest as JSON re-encoded from a map,
 * i.e. with keys sorted, which `sorted` reproduces.
 *
 * Kinds without a schema (CRDs that publish none) are not checked. For CRD schemas only unknown fields
 * are checked: a CR's wrong types are the structural schema's 422, not a decode error.
 */
import { parseQuantity } from "../../core/quantity.js";
import type { KubeObject } from "../meta.js";
import { goStructName, goTypeOf, namedFieldType } from "./go-types.js";
import { builtinDefinitions, rootSchemaFor, SCHEMA_REF, splitApiVersion, type Schema } from "./registry.js";

export type FieldPathSegment = string | number;

export interface DecodeOptions {
  /**
   * Visit keys in sorted order, as kube-apiserver sees a body re-encoded from a map (kubectl's
   * create/apply bodies, YAML bodies, merge/strategic patches). Default: the object's own key order.
   */
  sorted?: boolean;
}

/** A field the decoder refused, with its place in the object (for line numbers) and kube-apiserver's words. */
export interface DecodeError {
  /** Where in the object: ["spec", "metrics", 0, "resource", "target", "averageUtilization"]. */
  path: FieldPathSegment[];
  /** The whole message: `<Kind> in version "<v>" cannot be handled as a <Kind>: …`. */
  message: string;
  /** The decoder's own error, the part after `cannot be handled as a <Kind>: ` (what a PATCH reports). */
  detail: string;
  /** False when the message does not name the field (a bad quantity), so callers show `path`. */
  namesField: boolean;
}

export const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
export const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
export const TIMES = new Set(["io.k8s.apimachinery.pkg.apis.meta.v1.Time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"]);
/** Types whose UnmarshalJSON takes any JSON. */
export const RAW = new Set(["io.k8s.apimachinery.pkg.runtime.RawExtension", "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"]);

/** The schema behind `$ref` / a single `allOf`, and the component it came from (undefined for inline schemas). */
export function resolve(s: Schema | undefined, defs: Record<string, Schema>): { s: Schema | undefined; def?: string } {
  let cur = s;
  let def: string | undefined;
  for (let i = 0; cur && i < 16; i++) {
    if (typeof cur.$ref === "string") {
      def = cur.$ref.slice(SCHEMA_REF.length);
      cur = defs[def];
    } else if (Array.isArray(cur.allOf) && cur.allOf.length === 1 && !cur.properties && !cur.items && !cur.additionalProperties) {
      cur = cur.allOf[0];
    } else break;
  }
  return { s: cur, def };
}

function formatPath(path: readonly FieldPathSegment[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function keysOf(o: object, sorted: boolean): string[] {
  const keys = Object.keys(o);
  return sorted ? keys.sort() : keys;
}

function cannotBeHandled(obj: Pick<KubeObject, "apiVersion" | "kind">, detail: string): string {
  const { version } = splitApiVersion(String(obj.apiVersion));
  return `${obj.kind} in version "${version}" cannot be handled as a ${obj.kind}: ${detail}`;
}

// ------------------------------------------------------------------------------------------------
// Unknown fields (fieldValidation=Strict / Warn)

export interface UnknownField {
  path: FieldPathSegment[];
  /** As kube-apiserver prints it: `spec.template.spec.containers[0].imagePullPolicyy`. */
  text: string;
}

/** Fields the object's kind does not define, in the order the strict decoder reports them. */
export function unknownFields(obj: KubeObject, opts: DecodeOptions = {}): UnknownField[] {
  const { group, version } = splitApiVersion(typeof obj.apiVersion === "string" ? obj.apiVersion : "");
  const root = rootSchemaFor(group, version, String(obj.kind));
  if (!root) return [];
  const out: UnknownField[] = [];
  walkUnknown(obj, root.schema, builtinDefinitions(), [], out, opts.sorted === true, true);
  return out;
}

/**
 * Paths of fields the object's kind does not define, formatted as kube-apiserver's strict decoder
 * prints them: `spec.foo`, `metadata.bogus`, `spec.template.spec.containers[0].imagePullPolicyy`.
 * Kinds without a schema (or schemas with x-kubernetes-preserve-unknown-fields) report nothing.
 */
export function unknownFieldPaths(obj: KubeObject, opts: DecodeOptions = {}): string[] {
  return unknownFields(obj, opts).map((f) => f.text);
}

/** `path` is a stack shared by the whole walk (pushed and popped), copied only for a field reported. */
function walkUnknown(value: unknown, schema: Schema | undefined, defs: Record<string, Schema>, path: FieldPathSegment[], out: UnknownField[], sorted: boolean, top = false): void {
  const s = resolve(schema, defs).s;
  if (!s || value === null || typeof value !== "object") return;
  if (s["x-kubernetes-preserve-unknown-fields"] === true && !s.properties) return;
  if (Array.isArray(value)) {
    if (!s.items) return;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walkUnknown(value[i], s.items, defs, path, out, sorted);
      path.pop();
    }
    return;
  }
  const props = s.properties as Record<string, Schema> | undefined;
  const addl = s.additionalProperties as Schema | boolean | undefined;
  if (!props) {
    if (addl && typeof addl === "object") {
      for (const k of keysOf(value, sorted)) {
        path.push(k);
        walkUnknown((value as Record<string, unknown>)[k], addl, defs, path, out, sorted);
        path.pop();
      }
    }
    return; // free-form object (RawExtension, FieldsV1, …)
  }
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  for (const k of keysOf(value, sorted)) {
    const p = props[k];
    path.push(k);
    if (p) walkUnknown((value as Record<string, unknown>)[k], p, defs, path, out, sorted);
    else if (!preserve && !(top && (k === "apiVersion" || k === "kind"))) out.push({ path: [...path], text: formatPath(path) });
    path.pop();
  }
}

/**
 * The 400 message for fieldValidation=Strict, e.g.
 * `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecodingMessage(obj: Pick<KubeObject, "apiVersion" | "kind">, paths: readonly string[]): string {
  return cannotBeHandled(obj, strictDecodingDetail(paths));
}

/** runtime.NewStrictDecodingError(errs).Error(): `strict decoding error: unknown field "spec.foo", …`. */
export function strictDecodingDetail(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map((p) => `unknown field "${p}"`).join(", ")}`;
}

// ------------------------------------------------------------------------------------------------
// Wrong JSON types (encoding/json UnmarshalTypeError and the custom unmarshalers' errors)

/** encoding/json's UnmarshalTypeError.Value for a value that does not fit. */
function jsonValueKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  return typeof v === "object" ? "object" : "string";
}

/** A JSON number as Go's encoder wrote it from the YAML value (and the decoder quotes it back). */
function numberText(n: number): string {
  return String(n);
}

const INT_RANGE: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  int64: [-9223372036854775808, 9223372036854775807],
  int: [-9223372036854775808, 9223372036854775807],
};

interface TypeWalk {
  defs: Record<string, Schema>;
  sorted: boolean;
  /** encoding/json's errorContext: the innermost struct and the field names from the root (no map keys, no indices). */
  struct: string;
  fieldStack: string[];
  path: FieldPathSegment[];
  /** The first plain type error (saveError); decoding goes on after it. */
  saved?: { path: FieldPathSegment[]; detail: string; namesField: boolean };
}

class Fatal {
  constructor(readonly path: FieldPathSegment[], readonly detail: string, readonly namesField: boolean) {}
}

function typeError(w: TypeWalk, value: string, goType: string): string {
  return w.fieldStack.length
    ? `json: cannot unmarshal ${value} into Go struct field ${w.struct}.${w.fieldStack.join(".")} of type ${goType}`
    : `json: cannot unmarshal ${value} into Go value of type ${goType}`;
}

function save(w: TypeWalk, value: string, goType: string): void {
  if (!w.saved) w.saved = { path: [...w.path], detail: typeError(w, value, goType), namesField: true };
}

/** `number 7.5` when an integer field cannot hold it, else undefined. */
function intMismatch(v: number, goType: string): string | undefined {
  const [lo, hi] = INT_RANGE[goType] ?? INT_RANGE.int32!;
  return Number.isInteger(v) && v >= lo && v <= hi ? undefined : `number ${numberText(v)}`;
}

function visitType(v: unknown, schema: Schema | undefined, w: TypeWalk, named?: string): void {
  if (v === undefined || v === null) return; // null leaves a Go field at its zero value
  const { s, def } = resolve(schema, w.defs);
  if (!s) return;
  if (def === QUANTITY) {
    // Quantity.UnmarshalJSON: strip the quotes, ParseQuantity the rest, fail decoding on error.
    const text = typeof v === "string" ? v : typeof v === "number" ? numberText(v) : JSON.stringify(v);
    try {
      parseQuantity(text.trim());
    } catch (e) {
      throw new Fatal([...w.path], (e as Error).message, false);
    }
    return;
  }
  if (def === INT_OR_STRING) {
    // IntOrString.UnmarshalJSON: a string, else json.Unmarshal into int32; its error gets the field context.
    if (typeof v === "string") return;
    const bad = typeof v === "number" ? intMismatch(v, "int32") : jsonValueKind(v);
    if (bad) throw new Fatal([...w.path], typeError(w, bad, "int32"), true);
    return;
  }
  if (def && TIMES.has(def)) {
    // metav1.Time.UnmarshalJSON: json.Unmarshal into a string first.
    if (typeof v !== "string") throw new Fatal([...w.path], typeError(w, jsonValueKind(v), "string"), true);
    return;
  }
  if (def && RAW.has(def)) return;
  const goType = () => named ?? goTypeOf(s, def, (x) => resolve(x, w.defs));
  switch (s.type) {
    case "integer":
      if (typeof v === "number") {
        const t = goType();
        const bad = intMismatch(v, t in INT_RANGE ? t : s.format === "int64" ? "int64" : "int32");
        if (bad) save(w, bad, t);
      } else save(w, jsonValueKind(v), goType());
      return;
    case "number":
      if (typeof v !== "number") save(w, jsonValueKind(v), goType());
      return;
    case "boolean":
      if (typeof v !== "boolean") save(w, jsonValueKind(v), goType());
      return;
    case "string":
      if (typeof v !== "string") save(w, jsonValueKind(v), goType());
      return;
    case "array": {
      if (!Array.isArray(v)) {
        save(w, jsonValueKind(v), goType());
        return;
      }
      const elemNamed = named?.startsWith("[]") ? named.slice(2) : undefined;
      for (let i = 0; i < v.length; i++) {
        w.path.push(i);
        visitType(v[i], s.items, w, elemNamed);
        w.path.pop();
      }
      return;
    }
    case "object":
    case undefined: {
      const props = s.properties as Record<string, Schema> | undefined;
      const addl = s.additionalProperties;
      if (!props && !(addl && typeof addl === "object")) return; // free-form
      if (typeof v !== "object" || Array.isArray(v)) {
        save(w, jsonValueKind(v), goType());
        return;
      }
      const o = v as Record<string, unknown>;
      if (props) {
        const struct = def ? goStructName(def) : w.struct;
        for (const k of keysOf(o, w.sorted)) {
          const p = props[k];
          if (!p) continue; // unknown fields are the strict decoder's business
          const outer = w.struct;
          w.struct = struct;
          w.fieldStack.push(k);
          w.path.push(k);
          visitType(o[k], p, w, namedFieldType(struct, k));
          w.path.pop();
          w.fieldStack.pop();
          w.struct = outer;
        }
      } else {
        // A map: keys are not part of the error's field path.
        for (const k of keysOf(o, w.sorted)) {
          w.path.push(k);
          visitType(o[k], addl as Schema, w);
          w.path.pop();
        }
      }
      return;
    }
    default:
      return;
  }
}

/** The decode error a wrong JSON type anywhere in `obj` causes, or undefined (also for kinds without a built-in schema). */
export function decodeTypeError(obj: KubeObject, opts: DecodeOptions = {}): DecodeError | undefined {
  const { group, version } = splitApiVersion(typeof obj.apiVersion === "string" ? obj.apiVersion : "");
  const root = rootSchemaFor(group, version, String(obj.kind));
  if (!root || root.custom) return undefined;
  const w: TypeWalk = { defs: builtinDefinitions(), sorted: opts.sorted === true, struct: goStructName(root.name), fieldStack: [], path: [] };
  try {
    visitType(obj, { $ref: `${SCHEMA_REF}${root.name}` }, w);
  } catch (e) {
    if (!(e instanceof Fatal)) throw e;
    return { path: e.path, message: cannotBeHandled(obj, e.detail), detail: e.detail, namesField: e.namesField };
  }
  return w.saved ? { path: w.saved.path, message: cannotBeHandled(obj, w.saved.detail), detail: w.saved.detail, namesField: w.saved.namesField } : undefined;
}

/**
 * What kube-apiserver answers a create with fieldValidation=Strict when the body does not decode:
 * the type error if there is one, else all unknown fields in one strict decoding error (`path` is
 * the first one's). Undefined when the object decodes.
 */
export function strictDecodeError(obj: KubeObject, opts: DecodeOptions = {}): DecodeError | undefined {
  const typeErr = decodeTypeError(obj, opts);
  if (typeErr) return typeErr;
  const unknown = unknownFields(obj, opts);
  if (unknown.length === 0) return undefined;
  const detail = strictDecodingDetail(unknown.map((u) => u.text));
  return { path: unknown[0]!.path, message: cannotBeHandled(obj, detail), detail, namesField: true };
}
