/**
 * What `kubectl apply`, `kubectl scale`, `kubectl delete` and `kubectl patch` do to the store, for
 * the scenario timeline. Apply is a simplified client-side apply: create when absent, otherwise the
 * applied fields replace the live ones (labels, annotations, spec) and server-owned fields stay.
 */
import { jsonPatch, mergePatch, strategicMergePatch } from "../api/patch.js";
import type { KubeObject } from "../api/meta.js";
import type { Store } from "../api/store.js";
import { kindInfo } from "../api/kinds.js";
import { patchMetaFor } from "../api/schema/patch-meta.js";
import { splitApiVersion } from "../api/schema/registry.js";

export type ApplyResult = "created" | "configured" | "unchanged";

export function applyObject(store: Store, obj: KubeObject): ApplyResult {
  const ns = kindInfo(obj.kind)?.namespaced === false ? undefined : (obj.metadata?.namespace ?? "default");
  const live = store.get(obj.kind, ns, obj.metadata.name!);
  if (!live) {
    store.create({ ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } });
    return "created";
  }
  const next: KubeObject = {
    ...live,
    ...obj,
    apiVersion: obj.apiVersion,
    metadata: {
      ...live.metadata,
      labels: obj.metadata.labels ?? live.metadata.labels,
      annotations: obj.metadata.annotations ?? live.metadata.annotations,
      resourceVersion: undefined,
    },
    status: live.status,
  };
  if (JSON.stringify({ ...next, metadata: undefined }) === JSON.stringify({ ...live, apiVersion: obj.apiVersion, metadata: undefined }) &&
      JSON.stringify(next.metadata.labels) === JSON.stringify(live.metadata.labels) &&
      JSON.stringify(next.metadata.annotations) === JSON.stringify(live.metadata.annotations)) {
    return "unchanged";
  }
  store.update(next);
  return "configured";
}

export function patchObject(
  store: Store,
  kind: string,
  namespace: string | undefined,
  name: string,
  patch: unknown,
  patchType: "merge" | "strategic" | "json",
): KubeObject {
  const live = store.read(kind, namespace, name);
  const patched =
    patchType === "json" ? jsonPatch(live, patch) : patchType === "merge" ? mergePatch(live, patch) : strategicMergePatch(live, patch, strategicMeta(live));
  const obj = patched as KubeObject;
  obj.metadata = { ...obj.metadata, resourceVersion: undefined };
  return store.update(obj);
}

/** The merge keys kube-apiserver's PATCH uses for this object's kind (`kubectl patch` in a timeline must merge the same way). */
function strategicMeta(live: KubeObject) {
  const { group, version } = splitApiVersion(String(live.apiVersion ?? ""));
  return patchMetaFor(group, version, live.kind);
}
