/**
 * Patch strategies of the built-in kinds for strategic merge patch, read from their OpenAPI
 * schemas (`x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`, which mirror the Go
 * struct tags kube-apiserver's PATCH handler looks up). Kinds without a built-in schema fall back
 * to the field-name table.
 *
 * In api/ because both the API server's PATCH and the scenario timeline's `patch` action merge with
 * it, and sim/ must not depend on server/.
 */
import { FIELD_NAME_PATCH_META, NO_PATCH_META, type PatchFieldMeta, type PatchMeta } from "../patch.js";
import { builtinDefinitionName, builtinDefinitions, SCHEMA_REF, type Schema } from "./registry.js";

function resolve(s: Schema | undefined, defs: Record<string, Schema>): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && i < 8; i++) {
    const ref: string | undefined = cur.$ref ?? cur.allOf?.[0]?.$ref;
    if (!ref) return cur;
    cur = defs[ref.slice(SCHEMA_REF.length)];
  }
  return cur;
}

const nodes = new WeakMap<Schema, PatchMeta>();

function schemaMeta(schema: Schema | undefined, defs: Record<string, Schema>): PatchMeta {
  const s = resolve(schema, defs);
  if (!s) return NO_PATCH_META;
  let m = nodes.get(s);
  if (m) return m;
  const fields = new Map<string, PatchFieldMeta>();
  m = {
    lookup(field) {
      let f = fields.get(field);
      if (f) return f;
      const prop: Schema | undefined = s.properties?.[field];
      if (!prop) {
        // A map's values (labels, nodeSelector, resources.limits …) have no strategy of their own.
        const values = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
        f = { strategy: "", retainKeys: false, mergeKey: "", type: schemaMeta(values, defs) };
      } else {
        const strategies = String(prop["x-kubernetes-patch-strategy"] ?? "").split(",").filter(Boolean);
        const target = resolve(prop, defs);
        const valueSchema = target?.type === "array" ? target.items : prop;
        f = {
          strategy: strategies.find((x) => x !== "retainKeys") ?? "",
          retainKeys: strategies.includes("retainKeys"),
          mergeKey: String(prop["x-kubernetes-patch-merge-key"] ?? ""),
          type: schemaMeta(valueSchema, defs),
        };
      }
      fields.set(field, f);
      return f;
    },
  };
  nodes.set(s, m);
  return m;
}

/** The strategic-merge-patch metadata of a served kind. */
export function patchMetaFor(group: string, version: string, kind: string): PatchMeta {
  const name = builtinDefinitionName(group, version, kind);
  if (!name) return FIELD_NAME_PATCH_META;
  const defs = builtinDefinitions();
  return schemaMeta(defs[name], defs);
}
