/**
 * The OpenAPI schemas of the kinds we serve, by group/version/kind: the built-in component schemas
 * (upstream definition names such as `io.k8s.api.apps.v1.Deployment`, generated into
 * definitions.ts by scripts/gen-openapi-schemas.mjs) and the schemas CRD versions publish.
 *
 * Pure data shared by the API server (OpenAPI documents, strict field validation, patch metadata)
 * and the scenario loader (the same decoding checks before anything is applied), so it sits in api/.
 */
import type { KindInfo } from "../kinds.js";
import { DEFINITIONS_JSON } from "./definitions.js";

export type Schema = Record<string, any>;

/** Prefix of a component `$ref`. */
export const SCHEMA_REF = "#/components/schemas/";

let builtin: Record<string, Schema> | undefined;
/** The built-in component schemas keyed by upstream definition name. */
export function builtinDefinitions(): Record<string, Schema> {
  if (!builtin) builtin = JSON.parse(DEFINITIONS_JSON) as Record<string, Schema>;
  return builtin;
}

/** `apps/v1` → {group: "apps", version: "v1"}; `v1` → core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The built-in definition name of a kind (`io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler`), or undefined. */
export function builtinDefinitionName(group: string, version: string, kind: string): string | undefined {
  const defs = builtinDefinitions();
  const pkg = group === "" ? "core" : group.split(".")[0];
  const name = `io.k8s.api.${pkg}.${version}.${kind}`;
  const d = defs[name];
  if (!d) return undefined;
  const gvk = d["x-kubernetes-group-version-kind"] as { group: string; version: string; kind: string }[] | undefined;
  return gvk?.some((g) => g.group === group && g.version === version && g.kind === kind) ? name : undefined;
}

export interface CustomResourceSchema {
  group: string;
  version: string;
  kind: string;
  info: KindInfo;
  /** openAPIV3Schema of a CRD version (undefined = preserve unknown fields). */
  schema?: Schema;
}
const custom = new Map<string, CustomResourceSchema>(); // `${group}/${version}/${kind}`
let generation = 0;

/** `com.example.v1.Widget`: the definition name kube-apiserver gives a CRD version's schema. */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

/**
 * Publish a custom resource version (e.g. from a CRD's `spec.versions[]`) with `schema`, the
 * version's `openAPIV3Schema` (undefined = preserve unknown fields). Pass `schema: null` to unpublish.
 */
export function registerCustomResourceSchema(info: KindInfo, version: string, schema: Schema | undefined | null): void {
  const { group, kind } = info;
  const key = `${group}/${version}/${kind}`;
  if (schema === null) custom.delete(key);
  else custom.set(key, { group, version, kind, info, schema });
  generation++;
}

/** The published custom resource versions. */
export function customResourceSchemas(): Iterable<CustomResourceSchema> {
  return custom.values();
}

/** Bumped by every (un)registration, so caches of derived documents know when to rebuild. */
export function schemaGeneration(): number {
  return generation;
}

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** A CRD version's schema as kube-apiserver publishes it: apiVersion/kind/metadata filled in, GVK added. */
function crdComponent(c: CustomResourceSchema): Schema {
  const defs = builtinDefinitions();
  const base: Schema = c.schema ? structuredClone(c.schema) : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  base.type ??= "object";
  const props: Schema = { ...(base.properties ?? {}) };
  const tm = defs["io.k8s.apimachinery.pkg.apis.meta.v1.Status"]!.properties;
  props.apiVersion = { description: tm.apiVersion.description, type: "string" };
  props.kind = { description: tm.kind.description, type: "string" };
  props.metadata = { allOf: [{ $ref: `${SCHEMA_REF}${OBJECT_META}` }], description: defs["io.k8s.api.core.v1.Pod"]!.properties.metadata.description };
  base.properties = props;
  base["x-kubernetes-group-version-kind"] = [{ group: c.group, kind: c.kind, version: c.version }];
  return base;
}

export interface RootSchema {
  /** Definition name (built-in, or the CRD's `com.example.v1.Widget`). */
  name: string;
  schema: Schema;
  /** True for a CRD version's schema (structural schema rules, not Go structs). */
  custom: boolean;
}

const crdCache = new Map<string, { gen: number; root: RootSchema }>();

/** The schema of a served kind, or undefined when we have none (unknown kind, CRD never published). */
export function rootSchemaFor(group: string, version: string, kind: string): RootSchema | undefined {
  const b = builtinDefinitionName(group, version, kind);
  if (b) return { name: b, schema: builtinDefinitions()[b]!, custom: false };
  const key = `${group}/${version}/${kind}`;
  const c = custom.get(key);
  if (!c) return undefined;
  const hit = crdCache.get(key);
  if (hit && hit.gen === generation) return hit.root;
  const root = { name: customDefinitionName(group, version, kind), schema: crdComponent(c), custom: true };
  crdCache.set(key, { gen: generation, root });
  return root;
}
