/**
 * OpenAPI v3 for `scalelab serve`: the `/openapi/v3` index and one document per group-version, as
 * kube-apiserver 1.32 serves them. kubectl fetches these before `apply`/`create` (it skips its own
 * validation when the kind's PATCH operation lists the `fieldValidation` parameter, and then relies
 * on the server) and `kubectl explain` reads the component schemas (found by
 * `x-kubernetes-group-version-kind`).
 *
 * The component schemas (src/api/schema/, shared with the scenario loader) are derived from the
 * `kubernetes-models` package by scripts/gen-openapi-schemas.mjs with upstream definition names,
 * descriptions, int32/int64 formats and patch strategies/merge keys. Strict field validation
 * (`unknownFieldPaths`, `strictDecodingMessage`) lives in src/api/schema/decode.ts.
 */
import { createHash } from "node:crypto";
import { KINDS, type KindInfo } from "../api/kinds.js";
import { builtinDefinitionName, builtinDefinitions, customResourceSchemas, rootSchemaFor, schemaGeneration, type Schema } from "../api/schema/registry.js";

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
  for (const c of customResourceSchemas()) add(c.group, c.version, kinds.find((x) => x.kind === c.kind && x.group === c.group) ?? c.info);
  return out;
}

// Entries of an older schemaGeneration() are rebuilt on access.
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
  const generation = schemaGeneration();
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
    const isCustom = !builtinDefinitionName(group, version, k.kind);
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

/** fieldValidation=Warn: one `Warning: 299 - "<text>"` header value per unknown field. */
export function unknownFieldWarnings(paths: readonly string[]): string[] {
  return paths.map((p) => `unknown field "${p}"`);
}
