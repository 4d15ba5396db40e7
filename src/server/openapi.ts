/**
 * OpenAPI v3 for `scalelab serve`: the `/openapi/v3` index and one document per group-version, as
 * kube-apiserver 1.32 serves them. kubectl fetches these before `apply`/`create` (it skips its own
 * validation when the kind's PATCH operation lists the `fieldValidation` parameter, and then relies
 * on the server) and `kubectl explain` reads the component schemas (found by
 * `x-kubernetes-group-version-kind`).
 *
 * The component schemas are derived from the `kubernetes-models` package by
 * scripts/gen-openapi-schemas.mjs (src/server/schemas/definitions.ts) with upstream definition
 * names, descriptions, int32/int64 formats and patch strategies/merge keys.
 *
 * Also here: `unknownFieldPaths`, the server side of `fieldValidation=Strict|Warn` (sigs.k8s.io/json
 * strict decoding: `unknown field "spec.template.spec.containers[0].foo"`).
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "../api/meta.js";
import { KINDS, type KindInfo } from "../api/kinds.js";
import { DEFINITIONS_JSON } from "./schemas/definitions.js";

export type Schema = Record<string, any>;

let builtin: Record<string, Schema> | undefined;
/** The built-in component schemas keyed by upstream definition name. */
export function builtinDefinitions(): Record<string, Schema> {
  if (!builtin) builtin = JSON.parse(DEFINITIONS_JSON) as Record<string, Schema>;
  return builtin;
}

interface CustomKind {
  group: string;
  version: string;
  kind: string;
  info: KindInfo;
  /** openAPIV3Schema of a CRD version (may be undefined = preserve unknown fields). */
  schema?: Schema;
}
const custom = new Map<string, CustomKind>(); // `${group}/${version}/${kind}`
let generation = 0;

/** `com.example.v1.Widget`: the definition name kube-apiserver gives a CRD version's schema. */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

/**
 * Publish a custom resource version (e.g. from a CRD's `spec.versions[]`): its group-version gets
 * an entry in the index and a document with the kind's paths and `schema` (the version's
 * `openAPIV3Schema`; undefined = preserve unknown fields). Pass `schema: null` to unpublish.
 */
export function registerCustomResourceSchema(info: KindInfo, version: string, schema: Schema | undefined | null): void {
  const { group, kind } = info;
  const key = `${group}/${version}/${kind}`;
  if (schema === null) custom.delete(key);
  else custom.set(key, { group, version, kind, info, schema });
  generation++;
  docCache.clear();
}

function builtinName(group: string, version: string, kind: string): string | undefined {
  const defs = builtinDefinitions();
  const pkg = group === "" ? "core" : group.split(".")[0];
  const name = `io.k8s.api.${pkg}.${version}.${kind}`;
  const d = defs[name];
  if (!d) return undefined;
  const gvk = d["x-kubernetes-group-version-kind"] as { group: string; version: string; kind: string }[] | undefined;
  return gvk?.some((g) => g.group === group && g.version === version && g.kind === kind) ? name : undefined;
}

/** The definition (schema) of a served kind, or undefined when we have none. */
function rootSchemaFor(group: string, version: string, kind: string): { name: string; schema: Schema; defs: Record<string, Schema> } | undefined {
  const b = builtinName(group, version, kind);
  if (b) return { name: b, schema: builtinDefinitions()[b]!, defs: builtinDefinitions() };
  const c = custom.get(`${group}/${version}/${kind}`);
  if (!c) return undefined;
  const name = customDefinitionName(group, version, kind);
  return { name, schema: crdComponent(c), defs: builtinDefinitions() };
}

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const TYPE_META_DOC = () => builtinDefinitions()["io.k8s.apimachinery.pkg.apis.meta.v1.Status"]!.properties;

/** A CRD version's schema as kube-apiserver publishes it: apiVersion/kind/metadata filled in, GVK added. */
function crdComponent(c: CustomKind): Schema {
  const base: Schema = c.schema ? structuredClone(c.schema) : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  base.type ??= "object";
  const props: Schema = { ...(base.properties ?? {}) };
  const tm = TYPE_META_DOC();
  props.apiVersion = { description: tm.apiVersion.description, type: "string" };
  props.kind = { description: tm.kind.description, type: "string" };
  props.metadata = { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: builtinDefinitions()["io.k8s.api.core.v1.Pod"]!.properties.metadata.description };
  base.properties = props;
  base["x-kubernetes-group-version-kind"] = [{ group: c.group, kind: c.kind, version: c.version }];
  return base;
}

/** Group-versions we publish and the kinds (with their KindInfo) in each. */
function servedGroupVersions(kinds: readonly KindInfo[]): Map<string, { group: string; version: string; kinds: KindInfo[] }> {
  const out = new Map<string, { group: string; version: string; kinds: KindInfo[] }>();
  const add = (group: string, version: string, k: KindInfo | undefined) => {
    const key = group === "" ? `api/${version}` : `apis/${group}/${version}`;
    let e = out.get(key);
    if (!e) out.set(key, (e = { group, version, kinds: [] }));
    if (k && !e.kinds.includes(k)) e.kinds.push(k);
  };
  for (const k of kinds) for (const v of [k.version, ...(k.otherVersions ?? [])]) add(k.group, v, k);
  for (const c of custom.values()) add(c.group, c.version, kinds.find((x) => x.kind === c.kind && x.group === c.group) ?? c.info);
  return out;
}

const docCache = new Map<string, { doc: object; hash: string; gen: number }>();

function gvKey(gv: string): string {
  return gv.replace(/^\/+/, "").replace(/^openapi\/v3\//, "");
}

/**
 * `GET /openapi/v3`: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=<HEX>"}, …}}`.
 * The hash changes whenever the document does (clients cache documents by URL).
 */
export function openapiV3Index(kinds: readonly KindInfo[] = KINDS): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const gvs = [...servedGroupVersions(kinds).keys()].sort();
  for (const gv of gvs) {
    const d = cachedDoc(gv, kinds);
    if (d) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.hash}` };
  }
  return { paths };
}

/** The hash published for a group-version document (the `hash` query of its serverRelativeURL). */
export function openapiV3Hash(groupVersion: string, kinds: readonly KindInfo[] = KINDS): string | undefined {
  return cachedDoc(gvKey(groupVersion), kinds)?.hash;
}

/** `GET /openapi/v3/<groupVersion>` (e.g. `api/v1`, `apis/apps/v1`); undefined for unknown group-versions. */
export function openapiV3Document(groupVersion: string, kinds: readonly KindInfo[] = KINDS): object | undefined {
  return cachedDoc(gvKey(groupVersion), kinds)?.doc;
}

function cachedDoc(gv: string, kinds: readonly KindInfo[]): { doc: object; hash: string } | undefined {
  const cacheKey = kinds === KINDS ? gv : `${gv}#${kinds.map((k) => k.kind).join(",")}`;
  const hit = docCache.get(cacheKey);
  if (hit && hit.gen === generation) return hit;
  const e = servedGroupVersions(kinds).get(gv);
  if (!e) return undefined;
  const doc = buildDocument(e.group, e.version, e.kinds);
  const hash = createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
  const entry = { doc, hash, gen: generation };
  docCache.set(cacheKey, entry);
  return entry;
}

const REF = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const Q = (name: string, description: string, required = false) => ({
  name,
  in: "query",
  description,
  ...(required ? { required: true } : {}),
  schema: { type: "string", uniqueItems: true },
});
const DRY_RUN = Q("dryRun", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed");
const FIELD_MANAGER = Q("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.");
const FIELD_VALIDATION = Q("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.");
const FORCE = { name: "force", in: "query", description: "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.", schema: { type: "boolean", uniqueItems: true } };
const PRETTY = Q("pretty", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).");
const PATH_PARAM = (name: string, description: string) => ({ name, in: "path", description, required: true, schema: { type: "string", uniqueItems: true } });

function jsonContent(name: string) {
  const s = { schema: REF(name) };
  return { "application/json": s, "application/yaml": s, "application/vnd.kubernetes.protobuf": s };
}

function buildDocument(group: string, version: string, kinds: KindInfo[]): object {
  const paths: Record<string, any> = {};
  const roots: string[] = [];
  const customSchemas: Record<string, Schema> = {};
  const prefix = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  const sorted = [...kinds].sort((a, b) => a.plural.localeCompare(b.plural));
  for (const k of sorted) {
    const root = rootSchemaFor(group, version, k.kind);
    const isCustom = !builtinName(group, version, k.kind);
    if (root) {
      roots.push(root.name);
      if (isCustom) customSchemas[root.name] = root.schema;
    }
    const schemaName = root?.name;
    const gvk = { group, version, kind: k.kind };
    const listName = schemaName && !isCustom && builtinDefinitions()[`${schemaName}List`] ? `${schemaName}List` : undefined;
    if (listName) roots.push(listName);
    const nsParam = PATH_PARAM("namespace", "object name and auth scope, such as for teams and projects");
    const nameParam = PATH_PARAM("name", `name of the ${k.kind}`);
    const coll = k.namespaced ? `${prefix}/namespaces/{namespace}/${k.plural}` : `${prefix}/${k.plural}`;
    const item = `${coll}/{name}`;
    const body = schemaName ? { content: { "*/*": { schema: REF(schemaName) } }, required: true } : undefined;
    const ok = (code: string) => (schemaName ? { description: code === "201" ? "Created" : "OK", content: jsonContent(schemaName) } : { description: "OK" });
    const patchTypes: Record<string, any> = {
      "application/apply-patch+yaml": { schema: REF("io.k8s.apimachinery.pkg.apis.meta.v1.Patch") },
      "application/json-patch+json": { schema: REF("io.k8s.apimachinery.pkg.apis.meta.v1.Patch") },
      "application/merge-patch+json": { schema: REF("io.k8s.apimachinery.pkg.apis.meta.v1.Patch") },
    };
    // Strategic merge patch exists for built-in kinds only (CRDs answer 415 to it).
    if (!isCustom) patchTypes["application/strategic-merge-patch+json"] = { schema: REF("io.k8s.apimachinery.pkg.apis.meta.v1.Patch") };
    const op = (action: string, id: string, extra: object) => ({
      tags: [group === "" ? `core_${version}` : `${group.split(".")[0]}_${version}`],
      description: `${action} ${k.kind}`,
      operationId: `${id}${k.namespaced ? "Namespaced" : ""}${k.kind}`,
      ...extra,
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
    });
    paths[coll] = {
      get: op("list", "list", { responses: { "200": listName ? { description: "OK", content: jsonContent(listName) } : { description: "OK" } } }),
      post: op("post", "create", { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], ...(body ? { requestBody: body } : {}), responses: { "200": ok("200"), "201": ok("201"), "202": ok("202") } }),
      parameters: [...(k.namespaced ? [nsParam] : []), PRETTY],
    };
    paths[item] = {
      get: op("get", "read", { responses: { "200": ok("200") } }),
      put: op("put", "replace", { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], ...(body ? { requestBody: body } : {}), responses: { "200": ok("200"), "201": ok("201") } }),
      delete: op("delete", "delete", { requestBody: { content: { "*/*": { schema: REF("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions") } } }, responses: { "200": ok("200"), "202": ok("202") } }),
      patch: op("patch", "patch", { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], requestBody: { content: patchTypes, required: true }, responses: { "200": ok("200"), "201": ok("201") } }),
      parameters: [nameParam, ...(k.namespaced ? [nsParam] : []), PRETTY],
    };
    if (!isCustom && k.version === version && ["Deployment", "ReplicaSet", "StatefulSet"].includes(k.kind)) {
      const scaleGvk = { group: "autoscaling", version: "v1", kind: "Scale" };
      const scaleOk = { description: "OK", content: jsonContent("io.k8s.api.autoscaling.v1.Scale") };
      paths[`${item}/scale`] = {
        get: { ...op("get", "read", { responses: { "200": scaleOk } }), operationId: `read${k.namespaced ? "Namespaced" : ""}${k.kind}Scale`, "x-kubernetes-group-version-kind": scaleGvk },
        put: { ...op("put", "replace", { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION], requestBody: { content: { "*/*": { schema: REF("io.k8s.api.autoscaling.v1.Scale") } }, required: true }, responses: { "200": scaleOk, "201": scaleOk } }), operationId: `replace${k.namespaced ? "Namespaced" : ""}${k.kind}Scale`, "x-kubernetes-group-version-kind": scaleGvk },
        patch: { ...op("patch", "patch", { parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE], requestBody: { content: patchTypes, required: true }, responses: { "200": scaleOk, "201": scaleOk } }), operationId: `patch${k.namespaced ? "Namespaced" : ""}${k.kind}Scale`, "x-kubernetes-group-version-kind": scaleGvk },
        parameters: [PATH_PARAM("name", "name of the Scale"), ...(k.namespaced ? [nsParam] : []), PRETTY],
      };
      roots.push("io.k8s.api.autoscaling.v1.Scale");
    }
  }
  roots.push("io.k8s.apimachinery.pkg.apis.meta.v1.Patch", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "io.k8s.apimachinery.pkg.apis.meta.v1.Status");
  const schemas = closure(roots, customSchemas);
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.4" },
    paths,
    components: { schemas, securitySchemes: { BearerToken: { type: "apiKey", description: "Bearer Token authentication", name: "authorization", in: "header" } } },
  };
}

/** All definitions reachable from `roots` through `$ref`s, sorted by name. */
function closure(roots: string[], extra: Record<string, Schema>): Record<string, Schema> {
  const defs = builtinDefinitions();
  const seen = new Set<string>();
  const stack = [...roots];
  const visit = (s: unknown): void => {
    if (Array.isArray(s)) {
      for (const x of s) visit(x);
      return;
    }
    if (!s || typeof s !== "object") return;
    for (const [k, v] of Object.entries(s)) {
      if (k === "$ref" && typeof v === "string") stack.push(v.slice("#/components/schemas/".length));
      else visit(v);
    }
  };
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    const d = extra[n] ?? defs[n];
    if (!d) continue;
    seen.add(n);
    visit(d);
  }
  const out: Record<string, Schema> = {};
  for (const n of [...seen].sort()) out[n] = extra[n] ?? defs[n]!;
  return out;
}

// ------------------------------------------------------------------------------------------------
// Server-side unknown-field detection (fieldValidation=Strict / Warn)

function deref(s: Schema | undefined, defs: Record<string, Schema>): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && i < 8; i++) {
    if (typeof cur.$ref === "string") cur = defs[cur.$ref.slice("#/components/schemas/".length)];
    else if (Array.isArray(cur.allOf) && cur.allOf.length === 1 && !cur.properties && !cur.items && !cur.additionalProperties) cur = cur.allOf[0];
    else return cur;
  }
  return cur;
}

export interface UnknownFieldOptions {
  /**
   * Report in sorted key order, as kube-apiserver does when the checked object was re-encoded from a
   * map (YAML bodies, merge/strategic patches). Default: the object's own key order (JSON bodies).
   */
  sorted?: boolean;
}

/**
 * Paths of fields the object's kind does not define, formatted as kube-apiserver's strict decoder
 * prints them: `spec.foo`, `metadata.bogus`, `spec.template.spec.containers[0].imagePullPolicyy`.
 * Kinds without a schema (or schemas with x-kubernetes-preserve-unknown-fields) report nothing.
 */
export function unknownFieldPaths(obj: KubeObject, opts: UnknownFieldOptions = {}): string[] {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const root = rootSchemaFor(group, version, String(obj.kind));
  if (!root) return [];
  const out: string[] = [];
  walk(obj, root.schema, root.defs, "", out, opts.sorted === true, true);
  return out;
}

function walk(value: unknown, schema: Schema | undefined, defs: Record<string, Schema>, path: string, out: string[], sorted: boolean, top = false): void {
  const s = deref(schema, defs);
  if (!s || value === null || typeof value !== "object") return;
  if (s["x-kubernetes-preserve-unknown-fields"] === true && !s.properties) return;
  if (Array.isArray(value)) {
    if (!s.items) return;
    for (let i = 0; i < value.length; i++) walk(value[i], s.items, defs, `${path}[${i}]`, out, sorted);
    return;
  }
  const props = s.properties as Record<string, Schema> | undefined;
  const addl = s.additionalProperties as Schema | boolean | undefined;
  if (!props) {
    if (addl && typeof addl === "object") {
      const keys = Object.keys(value);
      if (sorted) keys.sort();
      for (const k of keys) walk((value as Record<string, unknown>)[k], addl, defs, path ? `${path}.${k}` : k, out, sorted);
    }
    return; // free-form object (RawExtension, FieldsV1, …)
  }
  const keys = Object.keys(value);
  if (sorted) keys.sort();
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  for (const k of keys) {
    const p = props[k];
    const childPath = path ? `${path}.${k}` : k;
    if (!p) {
      if (!preserve && !(top && (k === "apiVersion" || k === "kind"))) out.push(childPath);
      continue;
    }
    walk((value as Record<string, unknown>)[k], p, defs, childPath, out, sorted);
  }
}

/**
 * The 400 message for fieldValidation=Strict, e.g.
 * `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecodingMessage(obj: Pick<KubeObject, "apiVersion" | "kind">, paths: readonly string[]): string {
  const slash = obj.apiVersion.indexOf("/");
  const version = slash < 0 ? obj.apiVersion : obj.apiVersion.slice(slash + 1);
  return `${obj.kind} in version "${version}" cannot be handled as a ${obj.kind}: strict decoding error: ${paths.map((p) => `unknown field "${p}"`).join(", ")}`;
}

/** fieldValidation=Warn: one `Warning: 299 - "<text>"` header value per unknown field. */
export function unknownFieldWarnings(paths: readonly string[]): string[] {
  return paths.map((p) => `unknown field "${p}"`);
}
