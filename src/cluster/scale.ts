/**
 * The `/scale` subresource (autoscaling/v1 Scale) of scalable workloads, as kube-apiserver serves it
 * for Deployments, ReplicaSets and StatefulSets (pkg/registry/apps/{deployment,replicaset,statefulset}/storage ScaleREST) and as the
 * HPA, KEDA, VPA and `kubectl scale` read and write it through the scale client.
 *
 * - spec.replicas  ← workload spec.replicas (defaulted to 1 when absent, like the apps/v1 defaulter)
 * - status.replicas ← workload status.replicas
 * - status.selector ← metav1.LabelSelectorAsSelector(spec.selector).String()
 *
 * Custom resources with a scale subresource (CRD `subresources.scale`) can register their paths
 * with `registerScaleSubresource`.
 */
import { ApiError, invalid, notFound } from "../api/errors.js";
import { kindInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/meta.js";
import type { Store } from "../api/store.js";
import { fromLabelSelector } from "../core/labels.js";

export interface ScaleTargetRef {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface ScaleView {
  specReplicas: number;
  statusReplicas: number;
  /** scale.status.selector, the string form (e.g. `app=php-apache`). */
  selector: string;
}

/** CRD `spec.subresources.scale`: JSON paths like `.spec.replicas`. */
export interface ScaleSubresourcePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

const BUILTIN = new Set(["Deployment", "ReplicaSet", "StatefulSet"]);
const custom = new Map<string, ScaleSubresourcePaths>();

/** Register a kind (e.g. a CRD) that serves `/scale` with the given paths. */
export function registerScaleSubresource(kind: string, paths: ScaleSubresourcePaths): void {
  custom.set(kind, paths);
}

function groupOf(apiVersion: string | undefined): string | undefined {
  if (apiVersion === undefined || apiVersion === "") return undefined;
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** meta.NoKindMatchError as the HPA's RESTMapper returns it. */
function noKindMatch(kind: string, group: string): ApiError {
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `no matches for kind "${kind}" in group "${group}"`,
    reason: "NotFound",
    code: 404,
  });
}

function resolve(ref: ScaleTargetRef): { builtin: boolean; paths?: ScaleSubresourcePaths } {
  const info = kindInfo(ref.kind);
  const wantGroup = groupOf(ref.apiVersion);
  if (BUILTIN.has(ref.kind)) {
    if (wantGroup !== undefined && wantGroup !== info!.group) throw noKindMatch(ref.kind, wantGroup);
    return { builtin: true };
  }
  const paths = custom.get(ref.kind);
  if (paths && (wantGroup === undefined || info === undefined || info.group === wantGroup)) return { builtin: false, paths };
  throw noKindMatch(ref.kind, wantGroup ?? info?.group ?? "");
}

function readPath(obj: unknown, path: string): unknown {
  let v: any = obj;
  for (const seg of path.split(".").filter(Boolean)) v = v?.[seg];
  return v;
}

function writePath(obj: any, path: string, value: unknown): void {
  const segs = path.split(".").filter(Boolean);
  let v = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    if (v[segs[i]!] === undefined || v[segs[i]!] === null) v[segs[i]!] = {};
    v = v[segs[i]!];
  }
  v[segs[segs.length - 1]!] = value;
}

export function getScale(store: Store, ref: ScaleTargetRef, namespace: string): ScaleView {
  const r = resolve(ref);
  const obj = store.get<KubeObject>(ref.kind, namespace, ref.name);
  if (!obj) throw notFound(ref.kind, ref.name);
  if (r.builtin) {
    let selector = "";
    try {
      selector = fromLabelSelector(obj.spec?.selector).toString();
    } catch {
      selector = "";
    }
    return {
      specReplicas: obj.spec?.replicas ?? 1,
      statusReplicas: obj.status?.replicas ?? 0,
      selector,
    };
  }
  const p = r.paths!;
  const sel = p.labelSelectorPath ? readPath(obj, p.labelSelectorPath) : undefined;
  return {
    specReplicas: Number(readPath(obj, p.specReplicasPath) ?? 0),
    statusReplicas: Number(readPath(obj, p.statusReplicasPath) ?? 0),
    selector: typeof sel === "string" ? sel : "",
  };
}

export function updateScale(store: Store, ref: ScaleTargetRef, namespace: string, replicas: number): void {
  const r = resolve(ref);
  if (!store.get(ref.kind, namespace, ref.name)) throw notFound(ref.kind, ref.name);
  if (!Number.isInteger(replicas) || replicas < 0) {
    // ValidateScale: `Scale.autoscaling "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`
    const e = invalid("Scale", ref.name, [
      { type: "Invalid", field: "spec.replicas", value: replicas, detail: "must be greater than or equal to 0" },
    ]);
    throw new ApiError({
      ...e.status,
      message: e.status.message.replace(/^Scale /, "Scale.autoscaling "),
      details: { ...e.status.details, group: "autoscaling" },
    });
  }
  store.mutate<KubeObject>(ref.kind, namespace, ref.name, (d) => {
    if (r.builtin) {
      if ((d.spec?.replicas ?? 1) === replicas && d.spec?.replicas !== undefined) return false;
      d.spec = { ...(d.spec ?? {}), replicas };
      return;
    }
    if (readPath(d, r.paths!.specReplicasPath) === replicas) return false;
    writePath(d, r.paths!.specReplicasPath, replicas);
  });
}
