#!/usr/bin/env node
/**
 * Derives OpenAPI v3 component schemas (upstream definition names such as
 * `io.k8s.api.apps.v1.Deployment`) from the `kubernetes-models` package installed in node_modules:
 *  - structure, required fields, enums and descriptions from the `.d.ts` interfaces,
 *  - integer vs number (and int32/int64) by probing the package's compiled validators,
 *  - `x-kubernetes-group-version-kind` from the literal apiVersion/kind members,
 *  - patch strategies and merge keys from the k8s.io/api v0.32 struct tags (table below;
 *    they are not in kubernetes-models).
 * Writes src/api/schema/definitions.ts (a JSON string, parsed lazily at run time), so the
 * product never reads node_modules for this at run time.
 *
 * Usage: node scripts/gen-openapi-schemas.mjs
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const ts = require("typescript");
const NM = path.join(root, "node_modules");
const KM = path.join(NM, "kubernetes-models");
const AM = path.join(NM, "@kubernetes-models", "apimachinery");

/** Group directories in kubernetes-models whose types we derive (all versions inside). */
const GROUP_DIRS = [
  ["v1"], // core
  ["apps", "v1"],
  ["batch", "v1"],
  ["autoscaling", "v1"],
  ["autoscaling", "v2"],
  ["policy", "v1"],
  ["scheduling.k8s.io", "v1"],
  ["coordination.k8s.io", "v1"],
];

/**
 * Patch strategies / merge keys (k8s.io/api v0.32 `patchStrategy`/`patchMergeKey` struct tags).
 * Key: `<definition>.<field>`; value: [strategy, mergeKey?].
 */
const PATCH = {
  "io.k8s.api.core.v1.PodSpec.containers": ["merge", "name"],
  "io.k8s.api.core.v1.PodSpec.initContainers": ["merge", "name"],
  "io.k8s.api.core.v1.PodSpec.ephemeralContainers": ["merge", "name"],
  "io.k8s.api.core.v1.PodSpec.volumes": ["merge,retainKeys", "name"],
  "io.k8s.api.core.v1.PodSpec.imagePullSecrets": ["merge", "name"],
  "io.k8s.api.core.v1.PodSpec.hostAliases": ["merge", "ip"],
  "io.k8s.api.core.v1.PodSpec.topologySpreadConstraints": ["merge", "topologyKey"],
  "io.k8s.api.core.v1.PodSpec.schedulingGates": ["merge", "name"],
  "io.k8s.api.core.v1.PodSpec.resourceClaims": ["merge,retainKeys", "name"],
  "io.k8s.api.core.v1.Container.ports": ["merge", "containerPort"],
  "io.k8s.api.core.v1.Container.env": ["merge", "name"],
  "io.k8s.api.core.v1.Container.volumeMounts": ["merge", "mountPath"],
  "io.k8s.api.core.v1.Container.volumeDevices": ["merge", "devicePath"],
  "io.k8s.api.core.v1.EphemeralContainer.ports": ["merge", "containerPort"],
  "io.k8s.api.core.v1.EphemeralContainer.env": ["merge", "name"],
  "io.k8s.api.core.v1.EphemeralContainer.volumeMounts": ["merge", "mountPath"],
  "io.k8s.api.core.v1.EphemeralContainer.volumeDevices": ["merge", "devicePath"],
  "io.k8s.api.core.v1.ServiceSpec.ports": ["merge", "port"],
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.ownerReferences": ["merge", "uid"],
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.finalizers": ["merge"],
  "io.k8s.api.core.v1.PodStatus.conditions": ["merge", "type"],
  "io.k8s.api.core.v1.PodStatus.podIPs": ["merge", "ip"],
  "io.k8s.api.core.v1.PodStatus.hostIPs": ["merge", "ip"],
  "io.k8s.api.apps.v1.DeploymentStatus.conditions": ["merge", "type"],
  "io.k8s.api.apps.v1.ReplicaSetStatus.conditions": ["merge", "type"],
  "io.k8s.api.apps.v1.StatefulSetStatus.conditions": ["merge", "type"],
  "io.k8s.api.apps.v1.DaemonSetStatus.conditions": ["merge", "type"],
  "io.k8s.api.core.v1.NodeStatus.conditions": ["merge", "type"],
  "io.k8s.api.core.v1.NodeStatus.addresses": ["merge", "type"],
  "io.k8s.api.core.v1.NodeSpec.podCIDRs": ["merge"],
  "io.k8s.api.core.v1.NamespaceStatus.conditions": ["merge", "type"],
  "io.k8s.api.core.v1.ServiceStatus.conditions": ["merge", "type"],
  "io.k8s.api.core.v1.ServiceAccount.secrets": ["merge", "name"],
  "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus.conditions": ["merge", "type"],
  "io.k8s.api.apps.v1.DeploymentSpec.strategy": ["retainKeys"],
  "io.k8s.api.batch.v1.JobStatus.conditions": ["merge", "type"],
};

/** Upstream definition name for a declaration file. */
function definitionName(file) {
  const base = path.basename(file, ".d.ts");
  if (file.startsWith(AM + path.sep)) {
    const dir = path.dirname(path.relative(AM, file)).split(path.sep).join(".");
    return `io.k8s.apimachinery.pkg.${dir}.${base}`;
  }
  const rel = path.relative(KM, file).split(path.sep);
  if (rel.length === 2) return `io.k8s.api.core.${rel[0]}.${base}`;
  const group = rel[0].split(".")[0];
  return `io.k8s.api.${group}.${rel[1]}.${base}`;
}

function resolveImport(fromFile, spec) {
  if (spec.startsWith("@kubernetes-models/apimachinery/")) {
    return path.join(AM, spec.slice("@kubernetes-models/apimachinery/".length) + ".d.ts");
  }
  if (spec.startsWith(".")) return path.resolve(path.dirname(fromFile), spec + ".d.ts");
  return undefined;
}

function jsDoc(node) {
  const docs = node.jsDoc ?? [];
  const d = docs[docs.length - 1];
  if (!d || d.comment === undefined) return undefined;
  return typeof d.comment === "string" ? d.comment : d.comment.map((c) => c.text).join("");
}

const defs = {}; // name -> schema
const probes = []; // [defName, aliasName, prop, jsonPointerSuffix, schemaObjectToPatch]
const queue = [];
const seen = new Set();

function enqueue(file) {
  if (seen.has(file)) return;
  seen.add(file);
  queue.push(file);
}

function refTo(name) {
  return { $ref: `#/components/schemas/${name}` };
}

function typeToSchema(node, file, imports, probeCtx) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: "string" };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: "boolean" };
    case ts.SyntaxKind.NumberKeyword: {
      const s = { type: "number" };
      probes.push({ ...probeCtx, schema: s });
      return s;
    }
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.ObjectKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return { type: "object" };
    case ts.SyntaxKind.LiteralType:
      return { type: "string" };
    case ts.SyntaxKind.ParenthesizedType:
      return typeToSchema(node.type, file, imports, probeCtx);
    case ts.SyntaxKind.UnionType: {
      const lits = node.types.filter((t) => t.kind === ts.SyntaxKind.LiteralType && ts.isStringLiteral(t.literal));
      if (lits.length === node.types.length) return { type: "string", enum: lits.map((t) => t.literal.text) };
      return { type: "object" };
    }
    case ts.SyntaxKind.ArrayType:
      return { type: "array", items: wrapItem(typeToSchema(node.elementType, file, imports, { ...probeCtx, suffix: probeCtx.suffix + "/0", wrap: "array" })) };
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText();
      if (name === "Array" && node.typeArguments?.length === 1) {
        return { type: "array", items: wrapItem(typeToSchema(node.typeArguments[0], file, imports, { ...probeCtx, suffix: probeCtx.suffix + "/0", wrap: "array" })) };
      }
      const target = imports.get(name);
      if (target) {
        enqueue(target);
        return refTo(definitionName(target));
      }
      return { type: "object" };
    }
    case ts.SyntaxKind.TypeLiteral: {
      const idx = node.members.find((m) => m.kind === ts.SyntaxKind.IndexSignature);
      if (idx) {
        return { type: "object", additionalProperties: wrapItem(typeToSchema(idx.type, file, imports, { ...probeCtx, suffix: probeCtx.suffix + "/k", wrap: "map" })) };
      }
      return { type: "object" };
    }
    default:
      return { type: "object" };
  }
}

/** Upstream wraps $refs as `{allOf:[{$ref}], default:{}}` in items/additionalProperties. */
function wrapItem(s) {
  if (s.$ref) return { allOf: [s], default: {} };
  if (s.type === "string") return { ...s, default: "" };
  return s;
}

function processFile(file) {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const imports = new Map();
  let alias;
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = st.moduleSpecifier.text;
      const target = resolveImport(file, spec);
      if (!target || !existsSync(target)) continue;
      for (const el of st.importClause?.namedBindings?.elements ?? []) imports.set(el.name.text, target);
    }
    if (ts.isExportDeclaration(st) && st.exportClause && !st.moduleSpecifier) {
      for (const el of st.exportClause.elements) {
        if (el.name.text.startsWith("IoK8s")) alias = el.name.text;
      }
    }
  }
  const name = definitionName(file);
  const base = path.basename(file, ".d.ts");
  for (const st of sf.statements) {
    if (ts.isTypeAliasDeclaration(st) && st.name.text === "I" + base) {
      const description = jsDoc(st);
      const s = {};
      if (description) s.description = description;
      if (name.endsWith(".Quantity")) s.oneOf = [{ type: "string" }, { type: "number" }];
      else if (name.endsWith(".IntOrString")) {
        s.format = "int-or-string";
        s.oneOf = [{ type: "integer" }, { type: "string" }];
      } else if (name.endsWith(".Time") || name.endsWith(".MicroTime")) {
        s.type = "string";
        s.format = "date-time";
      } else Object.assign(s, typeToSchema(st.type, file, imports, { def: name, alias, suffix: "" }));
      defs[name] = s;
      return;
    }
    if (ts.isInterfaceDeclaration(st) && st.name.text === "I" + base) {
      const s = {};
      const description = jsDoc(st);
      if (description) s.description = description;
      s.type = "object";
      const props = {};
      const required = [];
      let apiVersion;
      let kind;
      for (const m of st.members) {
        if (!ts.isPropertySignature(m) || !m.type) continue;
        const prop = m.name.text ?? m.name.getText();
        if (prop === "apiVersion" && m.type.kind === ts.SyntaxKind.LiteralType) apiVersion = m.type.literal.text;
        if (prop === "kind" && m.type.kind === ts.SyntaxKind.LiteralType) kind = m.type.literal.text;
        let p = typeToSchema(m.type, file, imports, { def: name, alias, prop, suffix: "/" + prop });
        if (p.$ref) p = { allOf: [p] };
        const d = jsDoc(m);
        if (d) p.description = d;
        const pt = PATCH[`${name}.${prop}`];
        if (pt) {
          if (pt[1]) p["x-kubernetes-patch-merge-key"] = pt[1];
          p["x-kubernetes-patch-strategy"] = pt[0];
        }
        props[prop] = p;
        if (!m.questionToken && prop !== "apiVersion" && prop !== "kind") required.push(prop);
      }
      if (Object.keys(props).length) s.properties = props;
      if (required.length) s.required = required;
      if (apiVersion && kind) {
        const slash = apiVersion.indexOf("/");
        s["x-kubernetes-group-version-kind"] = [
          slash < 0
            ? { group: "", kind, version: apiVersion }
            : { group: apiVersion.slice(0, slash), kind, version: apiVersion.slice(slash + 1) },
        ];
      }
      defs[name] = s;
      return;
    }
  }
  throw new Error(`no declaration I${base} in ${file}`);
}

for (const parts of GROUP_DIRS) {
  const dir = path.join(KM, ...parts);
  const indexFile = path.join(dir, "index.d.ts");
  const text = readFileSync(indexFile, "utf8");
  for (const m of text.matchAll(/from "\.\/([A-Za-z0-9]+)"/g)) enqueue(path.join(dir, m[1] + ".d.ts"));
}
// Meta types the API server answers with.
for (const n of ["Status", "DeleteOptions", "APIResourceList", "APIGroupList", "APIVersions", "WatchEvent", "Patch"]) {
  enqueue(path.join(AM, "apis", "meta", "v1", n + ".d.ts"));
}
while (queue.length) processFile(queue.shift());

// Kinds declare apiVersion/kind as literal types without comments; upstream documents them the
// same way everywhere, as metav1.Status (a TypeMeta user) does.
{
  const statusProps = defs["io.k8s.apimachinery.pkg.apis.meta.v1.Status"].properties;
  for (const d of Object.values(defs)) {
    for (const k of ["apiVersion", "kind"]) {
      if (d.properties?.[k] && !d.properties[k].description && statusProps[k].description) {
        d.properties[k].description = statusProps[k].description;
      }
    }
  }
}

// Probe the compiled validators: integer vs number, int32 vs int64.
const validators = new Map();
async function validatorFor(alias, def) {
  if (validators.has(alias)) return validators.get(alias);
  const dir = def.startsWith("io.k8s.apimachinery.") ? path.join(AM, "_schemas") : path.join(KM, "_schemas");
  const f = path.join(dir, alias + ".mjs");
  const v = existsSync(f) ? (await import(pathToFileURL(f).href)).validate : undefined;
  validators.set(alias, v);
  return v;
}
function sample(pr, value) {
  let v = value;
  if (pr.suffix.endsWith("/0")) v = [v];
  if (pr.suffix.endsWith("/k")) v = { k: v };
  return { [pr.prop]: v };
}
for (const pr of probes) {
  if (!pr.alias || !pr.prop) continue;
  const validate = await validatorFor(pr.alias, pr.def);
  if (!validate) continue;
  validate(sample(pr, 1.5));
  const ptr = pr.suffix;
  const errs1 = (validate.errors ?? []).filter((e) => e.instancePath === ptr);
  if (errs1.some((e) => e.keyword === "type" && e.params.type === "integer")) {
    pr.schema.type = "integer";
    validate(sample(pr, 2 ** 40));
    const errs2 = (validate.errors ?? []).filter((e) => e.instancePath === ptr);
    pr.schema.format = errs2.some((e) => e.keyword === "format" && e.params.format === "int32") ? "int32" : "int64";
  } else {
    pr.schema.format = "double";
  }
  if (pr.wrap) pr.schema.default = 0;
}

const sorted = Object.fromEntries(Object.keys(defs).sort().map((k) => [k, defs[k]]));
const pkg = JSON.parse(readFileSync(path.join(KM, "package.json"), "utf8"));
const json = JSON.stringify(sorted);
const out = `// GENERATED by scripts/gen-openapi-schemas.mjs from kubernetes-models ${pkg.version}. Do not edit.
// ${Object.keys(sorted).length} OpenAPI v3 component schemas (upstream definition names).
export const DEFINITIONS_SOURCE = ${JSON.stringify(`kubernetes-models@${pkg.version}`)};
export const DEFINITIONS_JSON: string = ${JSON.stringify(json)};
`;
writeFileSync(path.join(root, "src", "api", "schema", "definitions.ts"), out);
console.log(`wrote ${Object.keys(sorted).length} definitions, ${json.length} bytes`);
