/**
 * Ordinary Kubernetes manifests inside a scenario file (or a file named by `kubectl apply -f`):
 * the checks kubectl and the API server's decoder make before any REST strategy runs — kind and
 * apiVersion known (`no matches for kind …`), `kind: List` expansion, a name, well-formed resource
 * quantities, and strict decoding as kubectl 1.32's default `--validate=strict` gets it from
 * kube-apiserver (values of the wrong JSON type, fields the kind does not define; src/api/schema) —
 * so that such mistakes are reported with file, document and line instead of a silently different
 * object. Everything else (full per-kind validation) is left to the store's strategies at apply
 * time; `locateSource` pins those later errors to a line.
 */
import { apiVersionOf, kindInfo, type KindInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/meta.js";
import { strictDecodeError } from "../api/schema/decode.js";
import { parseQuantity } from "../core/quantity.js";
import { mapKey, sourceRef } from "./positions.js";
import { isPlainObject, render, type DocContext, type Path } from "./validate.js";

export interface LoadedObject {
  object: KubeObject;
  /** Source reference (see positions.ts): `file: document N, line L`. */
  source: string;
}

/** Where the pod template's spec lives, per workload kind. */
const POD_SPEC_PATHS: Record<string, Path> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  PodTemplate: ["template", "spec"],
};

function getIn(o: unknown, path: Path): unknown {
  let cur = o;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** The group/version strings a kind is served under (`autoscaling/v2`, `autoscaling/v1`). */
export function servedApiVersions(k: KindInfo): string[] {
  return [k.version, ...(k.otherVersions ?? [])].map((v) => apiVersionOf(k, v));
}

/**
 * Check one manifest (a document, or an item of a `kind: List`) and return the objects it holds.
 * `ctx` points at the manifest; errors name fields relative to it (as kube-apiserver does) and the
 * line in the file.
 */
export function checkManifest(ctx: DocContext, raw: unknown, allowList = true): LoadedObject[] {
  if (!isPlainObject(raw)) {
    ctx.fail([], `error validating data: Object 'Kind' is missing in '${render(raw)}'`);
  }
  const apiVersion = raw.apiVersion;
  const kind = raw.kind;
  const missing: string[] = [];
  if (typeof apiVersion !== "string" || apiVersion === "") missing.push("apiVersion not set");
  if (typeof kind !== "string" || kind === "") missing.push("kind not set");
  if (missing.length) {
    ctx.fail([missing[0].startsWith("kind") ? "kind" : "apiVersion"], `error validating data: ${missing.length === 1 ? missing[0] : `[${missing.join(", ")}]`}`, false);
  }
  const av = apiVersion as string;
  const kd = kind as string;

  if (kd === "List" && allowList) {
    if (av !== "v1") ctx.fail(["apiVersion"], `no matches for kind "List" in version ${JSON.stringify(av)}`);
    const items = raw.items ?? [];
    if (!Array.isArray(items)) ctx.fail(["items"], `Invalid value: ${render(items)}: must be a list`);
    const out: LoadedObject[] = [];
    items.forEach((item, i) => {
      out.push(...checkManifest(ctx.object(["items", i]), item, false));
    });
    return out;
  }

  const metaRaw = raw.metadata;
  const name = isPlainObject(metaRaw) && typeof metaRaw.name === "string" ? metaRaw.name : "";
  const nsGiven = isPlainObject(metaRaw) && typeof metaRaw.namespace === "string" ? metaRaw.namespace : "";

  const info = kindInfo(kd);
  if (!info || !servedApiVersions(info).includes(av)) {
    ctx.fail(
      ["kind"],
      `resource mapping not found for name: ${JSON.stringify(name)} namespace: ${JSON.stringify(nsGiven)} from ${JSON.stringify(ctx.file)}: ` +
        `no matches for kind ${JSON.stringify(kd)} in version ${JSON.stringify(av)}; ensure CRDs are installed first`,
    );
  }

  if (metaRaw !== undefined && metaRaw !== null && !isPlainObject(metaRaw)) {
    ctx.fail(["metadata"], `Invalid value: ${render(metaRaw)}: must be an object`);
  }
  const meta = isPlainObject(metaRaw) ? metaRaw : {};
  const generateName = typeof meta.generateName === "string" ? meta.generateName : "";
  if (meta.name !== undefined && typeof meta.name !== "string") ctx.fail(["metadata", "name"], `Invalid value: ${render(meta.name)}: must be a string`);
  if (!name && !generateName) ctx.fail(["metadata", "name"], "Required value: name or generateName is required");
  for (const m of ["labels", "annotations"] as const) {
    const v = meta[m];
    if (v === undefined || v === null) continue;
    if (!isPlainObject(v)) ctx.fail(["metadata", m], `Invalid value: ${render(v)}: must be a map of strings`);
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== "string") ctx.fail(["metadata", m, mapKey(k)], `Invalid value: ${render(x)}: must be a string (quote it in YAML)`);
    }
  }

  checkQuantities(ctx, info, raw);
  // kubectl sends the manifest re-encoded from a map, so the server meets its keys sorted.
  const decodeErr = strictDecodeError(raw as KubeObject, { sorted: true });
  if (decodeErr) ctx.fail(decodeErr.path, decodeErr.message, !decodeErr.namesField);

  // What kubectl and kube-apiserver do on create: namespaced objects land in the default namespace,
  // cluster-scoped ones lose any namespace, and the status a manifest carries is not stored.
  const object = structuredClone(raw) as KubeObject;
  object.metadata = { ...(object.metadata ?? {}) };
  if (info.namespaced) object.metadata.namespace = nsGiven || "default";
  else delete object.metadata.namespace;
  delete object.status;
  return [{ object, source: sourceRef(ctx.file, ctx.document, ctx.prefix) }];
}

function checkQuantity(ctx: DocContext, v: unknown, path: Path): void {
  if (typeof v === "string" || typeof v === "number") {
    try {
      parseQuantity(v);
      return;
    } catch (e) {
      ctx.fail(path, `Invalid value: ${render(v)}: ${(e as Error).message}`);
    }
  }
  ctx.fail(path, `Invalid value: ${render(v)}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
}

function checkResourceList(ctx: DocContext, list: unknown, path: Path): void {
  if (list === undefined || list === null) return;
  if (!isPlainObject(list)) {
    ctx.fail(path, `Invalid value: ${render(list)}: must be a map of resource names to quantities`);
  }
  for (const [res, q] of Object.entries(list)) checkQuantity(ctx, q, [...path, mapKey(res)]);
}

function checkPodSpec(ctx: DocContext, spec: unknown, base: Path): void {
  if (!isPlainObject(spec)) return;
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (!isPlainObject(c) || !isPlainObject(c.resources)) return;
      for (const rl of ["requests", "limits"]) checkResourceList(ctx, c.resources[rl], [...base, field, i, "resources", rl]);
    });
  }
  checkResourceList(ctx, spec.overhead, [...base, "overhead"]);
  if (isPlainObject(spec.resources)) {
    for (const rl of ["requests", "limits"]) checkResourceList(ctx, spec.resources[rl], [...base, "resources", rl]);
  }
}

function checkQuantities(ctx: DocContext, info: KindInfo, obj: Record<string, unknown>): void {
  const podPath = POD_SPEC_PATHS[info.kind];
  if (podPath) checkPodSpec(ctx, getIn(obj, podPath), podPath);
  if (info.kind === "ResourceQuota") checkResourceList(ctx, getIn(obj, ["spec", "hard"]), ["spec", "hard"]);
  if (info.kind === "PersistentVolumeClaim") {
    for (const rl of ["requests", "limits"]) checkResourceList(ctx, getIn(obj, ["spec", "resources", rl]), ["spec", "resources", rl]);
  }
  if (info.kind === "LimitRange") {
    const limits = getIn(obj, ["spec", "limits"]);
    if (Array.isArray(limits)) {
      limits.forEach((l, i) => {
        if (!isPlainObject(l)) return;
        for (const f of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]) {
          checkResourceList(ctx, l[f], ["spec", "limits", i, f]);
        }
      });
    }
  }
}
