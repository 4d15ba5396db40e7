/**
 * What kube-apiserver's strategic-merge PATCH says when the patched object does not fit the kind's Go
 * types. The handler does not re-encode the patched map as JSON: runtime.DefaultUnstructuredConverter
 * .FromUnstructuredWithValidation copies it into the typed object by reflection, whose errors read
 * differently from encoding/json's (apimachinery runtime/converter.go):
 *
 * - a JSON value into a Go number/bool/string field it cannot be converted to: `unrecognized type: int32`
 *   (a string or bool into an int32, a number into a bool, an object into a string …);
 * - a convertible pair JSON does not allow: `cannot convert float64 to int32` (a fraction into an
 *   integer), `cannot convert int64 to v1.Protocol` (an integer into a string type);
 * - a scalar where a struct, slice or map belongs: `cannot restore struct from: string`,
 *   `cannot restore slice from map`, `cannot restore map from int64`;
 * - types with their own UnmarshalJSON (Quantity, IntOrString, Time) get the JSON of the value, so
 *   their errors are encoding/json's without a field context: `json: cannot unmarshal bool into Go
 *   value of type int32`, or the quantity regexp message.
 *
 * The first error stops the copy. Struct fields are visited in the schema's property order (the Go
 * declaration order is not in the OpenAPI document), slices in index order.
 */
import { parseQuantity } from "../../core/quantity.js";
import type { KubeObject } from "../meta.js";
import { goValue } from "../patch.js";
import { INT_OR_STRING, QUANTITY, RAW, resolve, TIMES } from "./decode.js";
import { goTypeOf, namedFieldType, goStructName } from "./go-types.js";
import { builtinDefinitions, rootSchemaFor, SCHEMA_REF, splitApiVersion, type Schema } from "./registry.js";

/** reflect.Kind of the value a JSON map holds (kjson keeps integers as int64). */
function sourceKind(v: unknown): string {
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  return typeof v === "boolean" ? "bool" : "string";
}

/** reflect.Type.String() of the same values (what `cannot convert X to Y` prints for X). */
function sourceType(v: unknown): string {
  const k = sourceKind(v);
  return k === "slice" ? "[]interface {}" : k === "map" ? "map[string]interface {}" : k;
}

/** reflect.Kind of a Go scalar type: the underlying basic type of a named one. */
function scalarKind(s: Schema): string {
  switch (s.type) {
    case "integer":
      return s.format === "int64" ? "int64" : s.format === "int32" ? "int32" : "int";
    case "number":
      return s.format === "float" ? "float32" : "float64";
    case "boolean":
      return "bool";
    default:
      return "string";
  }
}

function scalarError(v: unknown, s: Schema, goType: string): string | undefined {
  const dst = scalarKind(s);
  const src = sourceKind(v);
  const dstNumeric = dst !== "bool" && dst !== "string";
  if (src === "string") return dst === "string" ? undefined : `unrecognized type: ${dst}`;
  if (src === "bool") return dst === "bool" ? undefined : `unrecognized type: ${dst}`;
  if (src === "int64") {
    if (dstNumeric) return undefined;
    // int64 → string is a legal Go conversion (to a rune), which JSON does not allow.
    return dst === "string" ? `cannot convert int64 to ${goType}` : `unrecognized type: ${dst}`;
  }
  if (src === "float64") {
    if (dst.startsWith("float")) return undefined;
    if (dstNumeric) return Number.isInteger(v) ? undefined : `cannot convert float64 to ${goType}`;
    return `unrecognized type: ${dst}`;
  }
  return `unrecognized type: ${dst}`; // a map or slice into a scalar
}

/** The custom unmarshalers, fed json.Marshal of the value. */
function unmarshalerError(v: unknown, def: string): string | undefined {
  if (def === QUANTITY) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || typeof v === "object") {
      const text = typeof v === "string" ? v : JSON.stringify(v);
      try {
        parseQuantity(text.trim());
      } catch (e) {
        return (e as Error).message;
      }
    }
    return undefined;
  }
  if (def === INT_OR_STRING) {
    if (typeof v === "string") return undefined;
    if (typeof v === "number") return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? undefined : `json: cannot unmarshal number ${v} into Go value of type int32`;
    return `json: cannot unmarshal ${jsonKind(v)} into Go value of type int32`;
  }
  if (TIMES.has(def)) return typeof v === "string" ? undefined : `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`;
  return undefined;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  return typeof v === "object" ? "object" : "string";
}

function convert(v: unknown, schema: Schema | undefined, defs: Record<string, Schema>, named?: string): string | undefined {
  if (v === null || v === undefined) return undefined; // the zero value
  const { s, def } = resolve(schema, defs);
  if (!s) return undefined;
  if (def && (def === QUANTITY || def === INT_OR_STRING || TIMES.has(def))) return unmarshalerError(v, def);
  if (def && RAW.has(def)) return undefined;
  const goType = () => named ?? goTypeOf(s, def, (x) => resolve(x, defs));
  switch (s.type) {
    case "integer":
    case "number":
    case "boolean":
      return scalarError(v, s, goType());
    case "string":
      if (s.format === "byte") return typeof v === "string" ? undefined : Array.isArray(v) ? undefined : `cannot restore slice from ${sourceKind(v)}`;
      return scalarError(v, s, goType());
    case "array": {
      if (!Array.isArray(v)) return `cannot restore slice from ${sourceKind(v)}`;
      const elemNamed = named?.startsWith("[]") ? named.slice(2) : undefined;
      for (const item of v) {
        const e = convert(item, s.items, defs, elemNamed);
        if (e) return e;
      }
      return undefined;
    }
    case "object":
    case undefined: {
      const props = s.properties as Record<string, Schema> | undefined;
      const addl = s.additionalProperties;
      if (props) {
        if (sourceKind(v) !== "map") return `cannot restore struct from: ${sourceKind(v)}`;
        const o = v as Record<string, unknown>;
        const struct = def ? goStructName(def) : "";
        for (const k of Object.keys(props)) {
          if (!(k in o)) continue;
          const e = convert(o[k], props[k], defs, struct ? namedFieldType(struct, k) : undefined);
          if (e) return e;
        }
        return undefined;
      }
      if (addl && typeof addl === "object") {
        if (sourceKind(v) !== "map") return `cannot restore map from ${sourceKind(v)}`;
        for (const x of Object.values(v as Record<string, unknown>)) {
          const e = convert(x, addl as Schema, defs);
          if (e) return e;
        }
      }
      return undefined; // map[string]interface{} and friends take anything
    }
    default:
      return undefined;
  }
}

/**
 * The converter's error for a patched object of a built-in kind, or undefined when it fits (unknown
 * fields are the strict decoder's business, see decode.ts). Custom resources are unstructured, never converted.
 */
export function fromUnstructuredError(obj: KubeObject): string | undefined {
  const { group, version } = splitApiVersion(typeof obj.apiVersion === "string" ? obj.apiVersion : "");
  const root = rootSchemaFor(group, version, String(obj.kind));
  if (!root || root.custom) return undefined;
  return convert(obj, { $ref: `${SCHEMA_REF}${root.name}` }, builtinDefinitions());
}

/**
 * fmt's `%+v` of a map decoded from JSON with integers kept as int64 (kjson.UnmarshalCaseSensitivePreserveInts):
 * `map[spec:map[replicas:3 template:…]]`, keys sorted, strings bare, floats as fmt prints them (1e+06).
 */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : goValue(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  const m = v as Record<string, unknown>;
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${goPrint(m[k])}`)
    .join(" ")}]`;
}
