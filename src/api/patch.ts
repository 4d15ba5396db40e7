/**
 * The three patch types kube-apiserver accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and strategic merge patch (merge patch where lists named in PATCH_MERGE_KEYS merge by key, as the
 * built-in types' `patchMergeKey` tags say). Pure functions: they return new values.
 */
import { badRequest } from "./errors.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** List fields whose elements merge by a key in strategic merge patch (from the upstream Go struct tags). */
const PATCH_MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  ports: "containerPort",
  volumeMounts: "mountPath",
  volumes: "name",
  imagePullSecrets: "name",
  tolerations: "",
  conditions: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
};

export function strategicMergePatch(target: unknown, patch: unknown, field = ""): unknown {
  if (Array.isArray(patch)) {
    const key = PATCH_MERGE_KEYS[field];
    if (!key || !Array.isArray(target)) return structuredClone(patch);
    // Service ports merge by port, container ports by containerPort.
    const mergeKey = field === "ports" && patch.some((p) => isObject(p) && "port" in p && !("containerPort" in p)) ? "port" : key;
    const out = target.map((x) => structuredClone(x));
    for (const item of patch) {
      if (isObject(item) && item["$patch"] === "delete") {
        const idx = out.findIndex((x) => isObject(x) && x[mergeKey] === item[mergeKey]);
        if (idx >= 0) out.splice(idx, 1);
        continue;
      }
      const idx = isObject(item) ? out.findIndex((x) => isObject(x) && x[mergeKey] === item[mergeKey]) : -1;
      if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item, "");
      else out.push(structuredClone(item));
    }
    return out;
  }
  if (!isObject(patch)) return structuredClone(patch);
  if (patch["$patch"] === "replace") {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}

export interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let doc = structuredClone(target) as Json;
  for (const raw of ops as JsonPatchOp[]) {
    const op = raw as JsonPatchOp;
    switch (op.op) {
      case "add":
        doc = setAt(doc, op.path, structuredClone(op.value) as Json, "add");
        break;
      case "replace":
        getAt(doc, op.path);
        doc = setAt(doc, op.path, structuredClone(op.value) as Json, "replace");
        break;
      case "remove":
        getAt(doc, op.path);
        doc = removeAt(doc, op.path);
        break;
      case "move": {
        const v = getAt(doc, op.from ?? "");
        doc = removeAt(doc, op.from ?? "");
        doc = setAt(doc, op.path, v, "add");
        break;
      }
      case "copy":
        doc = setAt(doc, op.path, structuredClone(getAt(doc, op.from ?? "")), "add");
        break;
      case "test":
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) throw badRequest(`testing value ${op.path} failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${String((op as { op?: unknown }).op)}`);
    }
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw badRequest(`add operation does not apply: doc is missing path: "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function getAt(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const seg of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)] as Json;
    else if (isObject(cur)) cur = (cur as Record<string, Json>)[seg] as Json;
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw badRequest(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function setAt(doc: Json, path: string, value: Json, mode: "add" | "replace"): Json {
  const segs = pointer(path);
  if (segs.length === 0) return value;
  const parent = getAt(doc, "/" + segs.slice(0, -1).map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/"));
  const last = segs[segs.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw badRequest(`add operation does not apply: doc is missing path: "${path}"`);
    if (mode === "add") parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObject(parent)) {
    (parent as Record<string, Json>)[last] = value;
  } else {
    throw badRequest(`add operation does not apply: doc is missing path: "${path}"`);
  }
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const segs = pointer(path);
  const parent = getAt(doc, "/" + segs.slice(0, -1).map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/"));
  const last = segs[segs.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete (parent as Record<string, Json>)[last];
  return doc;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
