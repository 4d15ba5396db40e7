/**
 * What kube-apiserver's decoder would refuse in an object a variant edited: a field its kind does not
 * define (strict field validation, kubectl's default) and a value of the wrong JSON type
 * (`json: cannot unmarshal string into Go struct field MetricTarget.spec.metrics.resource.target.averageUtilization of type int32`).
 * Both would otherwise run silently as a different what-if than the user meant.
 */
import type { KubeObject } from "../api/meta.js";
import { builtinDefinitions, strictDecodingMessage, unknownFieldPaths, type Schema } from "../server/openapi.js";
import type { OverrideSegment } from "../scenario/overrides.js";

/** Unknown fields the edit added (those already in the original are the loader's business). */
export function newUnknownFields(original: KubeObject | undefined, edited: KubeObject): string | undefined {
  const before = new Set(original ? unknownFieldPaths(original, { sorted: true }) : []);
  const added = unknownFieldPaths(edited, { sorted: true }).filter((p) => !before.has(p));
  return added.length ? strictDecodingMessage(edited, added) : undefined;
}

let byGvk: Map<string, string> | undefined;
function rootDefinition(apiVersion: string, kind: string): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, s] of Object.entries(builtinDefinitions())) {
      for (const g of (s["x-kubernetes-group-version-kind"] ?? []) as Array<{ group: string; version: string; kind: string }>) {
        byGvk.set(`${g.group ? `${g.group}/` : ""}${g.version}/${g.kind}`, name);
      }
    }
  }
  return byGvk.get(`${apiVersion}/${kind}`);
}

const REF = "#/components/schemas/";

/** The schema behind $ref / single allOf, and the definition name it came from (the Go struct). */
function deref(s: Schema | undefined, defName: string): { s: Schema | undefined; def: string } {
  const defs = builtinDefinitions();
  let cur = s;
  let def = defName;
  for (let i = 0; i < 20 && cur; i++) {
    if (typeof cur.$ref === "string") {
      def = cur.$ref.slice(REF.length);
      cur = defs[def];
    } else if (Array.isArray(cur.allOf) && cur.allOf.length === 1) cur = cur.allOf[0];
    else break;
  }
  return { s: cur, def };
}

/** `io.k8s.api.autoscaling.v2.MetricTarget` → `MetricTarget` (Go's struct name in decode errors). */
const structName = (def: string) => def.slice(def.lastIndexOf(".") + 1);

function goType(s: Schema, def: string): string {
  if (s.type === "integer") return s.format === "int64" ? "int64" : "int32";
  if (s.type === "number") return "float64";
  if (s.type === "boolean") return "bool";
  if (s.type === "string") return "string";
  if (s.type === "array") {
    const it = deref(s.items, def);
    return `[]${it.s ? goType(it.s, it.def) : "interface {}"}`;
  }
  if (s.type === "object" && s.additionalProperties && !s.properties) {
    const v = deref(s.additionalProperties as Schema, def);
    return `map[string]${v.s ? goType(v.s, v.def) : "interface {}"}`;
  }
  const parts = def.split(".");
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : def;
}

/** encoding/json's UnmarshalTypeError.Value: `string`, `number 7.5`, `bool`, `object`, `array`. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return `number ${v}`;
  if (typeof v === "boolean") return "bool";
  return typeof v === "object" ? "object" : typeof v;
}

function fits(v: unknown, s: Schema): boolean {
  if (v === null) return true; // null leaves a Go field at its zero value
  if (Array.isArray(s.oneOf)) return s.oneOf.some((o: Schema) => fits(v, o));
  switch (s.type) {
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string";
    case "array":
      return Array.isArray(v);
    case "object":
      return typeof v === "object" && !Array.isArray(v);
    default:
      return true;
  }
}

/**
 * The decode error for `value` written at `path` in an object of `apiVersion`/`kind`, checked against
 * the kind's schema (nested values too); undefined when it decodes or the kind has no built-in schema.
 */
export function valueTypeError(apiVersion: string, kind: string, path: readonly OverrideSegment[], value: unknown): string | undefined {
  const root = rootDefinition(apiVersion, kind);
  if (!root) return undefined;
  let cur = deref(builtinDefinitions()[root], root);
  let parentDef = root;
  const names: string[] = [];
  for (const seg of path) {
    const s = cur.s;
    if (!s) return undefined;
    if ("key" in seg) {
      const props = s.properties as Record<string, Schema> | undefined;
      if (props?.[seg.key]) {
        parentDef = cur.def;
        cur = deref(props[seg.key], cur.def);
      } else if (s.additionalProperties && typeof s.additionalProperties === "object") {
        cur = deref(s.additionalProperties as Schema, cur.def);
      } else return undefined; // unknown field: newUnknownFields says so
      names.push(seg.key);
    } else {
      if (!s.items) return undefined;
      cur = deref(s.items, cur.def);
    }
  }
  const where = { def: parentDef, names };
  const bad = firstMismatch(value, cur.s, cur.def, where);
  if (!bad) return undefined;
  const version = apiVersion.slice(apiVersion.indexOf("/") + 1);
  return `${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${bad.got} into Go struct field ${structName(bad.def)}.${bad.names.join(".")} of type ${bad.want}`;
}

function firstMismatch(v: unknown, s: Schema | undefined, def: string, at: { def: string; names: string[] }): { got: string; want: string; def: string; names: string[] } | undefined {
  if (!s) return undefined;
  if (!fits(v, s)) return { got: jsonType(v), want: goType(s, def), def: at.def, names: at.names };
  if (Array.isArray(v) && s.items) {
    const it = deref(s.items, def);
    for (const x of v) {
      const m = firstMismatch(x, it.s, it.def, at);
      if (m) return m;
    }
  } else if (v && typeof v === "object" && !Array.isArray(v)) {
    const props = s.properties as Record<string, Schema> | undefined;
    for (const [k, x] of Object.entries(v)) {
      const child = props?.[k] ?? (typeof s.additionalProperties === "object" ? (s.additionalProperties as Schema) : undefined);
      if (!child) continue;
      const c = deref(child, def);
      const m = firstMismatch(x, c.s, c.def, { def: props?.[k] ? def : at.def, names: [...at.names, k] });
      if (m) return m;
    }
  }
  return undefined;
}
