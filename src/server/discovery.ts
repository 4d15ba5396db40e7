/**
 * API discovery, as kube-apiserver 1.32 serves it: the aggregated v2 documents for `/api` and `/apis`
 * (chosen by the Accept header; kubectl decides by the response Content-Type), the legacy
 * APIVersions / APIGroupList / APIGroup / APIResourceList documents (client-node's
 * KubernetesObjectApi, older clients), and `/version`.
 *
 * Built from the kind registry (src/api/kinds.ts), so CRD kinds registered later appear too.
 */
import { allKinds, type KindInfo } from "../api/kinds.js";

export const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const SUB_VERBS = ["get", "patch", "update"];

/** kube-apiserver's `all` category (pkg/registry/*: `Categories() []string{"all"}`). */
const CATEGORY_ALL = new Set([
  "Pod",
  "Service",
  "ReplicationController",
  "DaemonSet",
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "HorizontalPodAutoscaler",
  "CronJob",
  "Job",
]);

/** Kinds served with a `/status` subresource. */
const WITH_STATUS = new Set([
  "Pod",
  "Node",
  "Namespace",
  "Service",
  "ResourceQuota",
  "PersistentVolumeClaim",
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
]);

/** Kinds served with `/scale` (autoscaling/v1 Scale). */
export const WITH_SCALE = new Set(["Deployment", "ReplicaSet", "StatefulSet"]);
const extraScale = new Set<string>();
const extraStatus = new Set<string>();

/** CRDs with `subresources.scale` / `subresources.status` register here so discovery lists them. */
export function registerSubresources(kind: string, subs: { scale?: boolean; status?: boolean }): void {
  if (subs.scale) extraScale.add(kind);
  if (subs.status) extraStatus.add(kind);
}

export function hasScale(kind: string): boolean {
  return WITH_SCALE.has(kind) || extraScale.has(kind);
}

export function hasStatus(kind: string): boolean {
  return WITH_STATUS.has(kind) || extraStatus.has(kind);
}

interface SubresourceDoc {
  subresource: string;
  responseKind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresources(k: KindInfo, version: string): SubresourceDoc[] {
  const out: SubresourceDoc[] = [];
  const self = { group: k.group, version, kind: k.kind };
  if (k.kind === "Pod") {
    out.push({ subresource: "binding", responseKind: { group: "", version: "v1", kind: "Binding" }, verbs: ["create"] });
    out.push({ subresource: "eviction", responseKind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] });
    out.push({ subresource: "log", responseKind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get"] });
  }
  if (hasScale(k.kind)) out.push({ subresource: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: SUB_VERBS });
  if (hasStatus(k.kind)) out.push({ subresource: "status", responseKind: self, verbs: SUB_VERBS });
  return out;
}

/** The metrics.k8s.io/v1beta1 resources (served by src/server/metrics-api.ts). */
const METRICS_GROUP = "metrics.k8s.io";
const METRICS_RESOURCES = [
  { plural: "nodes", singular: "", kind: "NodeMetrics", namespaced: false },
  { plural: "pods", singular: "", kind: "PodMetrics", namespaced: true },
];

export interface GroupVersions {
  group: string;
  /** Preferred first. */
  versions: string[];
}

/** Groups in discovery order (core first), each with its versions, preferred first. */
export function groups(): GroupVersions[] {
  const out: GroupVersions[] = [];
  const byName = new Map<string, GroupVersions>();
  for (const k of allKinds()) {
    let g = byName.get(k.group);
    if (!g) {
      g = { group: k.group, versions: [] };
      byName.set(k.group, g);
      out.push(g);
    }
    for (const v of [k.version, ...(k.otherVersions ?? [])]) if (!g.versions.includes(v)) g.versions.push(v);
  }
  out.sort((a, b) => (a.group === "" ? -1 : b.group === "" ? 1 : 0));
  out.push({ group: METRICS_GROUP, versions: ["v1beta1"] });
  return out;
}

/** Kinds served at group/version. */
export function kindsAt(group: string, version: string): KindInfo[] {
  return allKinds().filter((k) => k.group === group && (k.version === version || (k.otherVersions ?? []).includes(version)));
}

/** Resolve `{group}/{version}` + plural to the kind served there. */
export function kindForResource(group: string, version: string, plural: string): KindInfo | undefined {
  for (const k of allKinds()) {
    if (k.group === group && k.plural === plural && (k.version === version || (k.otherVersions ?? []).includes(version))) return k;
  }
  return undefined;
}

export function isServedGroupVersion(group: string, version: string): boolean {
  return groups().some((g) => g.group === group && g.versions.includes(version));
}

// ------------------------------------------------------------------------- aggregated (v2)

function aggregatedResources(group: string, version: string): object[] {
  if (group === METRICS_GROUP) {
    return METRICS_RESOURCES.map((r) => ({
      resource: r.plural,
      responseKind: { group: METRICS_GROUP, version, kind: r.kind },
      scope: r.namespaced ? "Namespaced" : "Cluster",
      singularResource: r.singular,
      verbs: ["get", "list"],
    }));
  }
  return kindsAt(group, version).map((k) => {
    const r: Record<string, unknown> = {
      resource: k.plural,
      responseKind: { group: k.group, version, kind: k.kind },
      scope: k.namespaced ? "Namespaced" : "Cluster",
      singularResource: k.singular,
      verbs: VERBS,
    };
    if (k.shortNames?.length) r.shortNames = k.shortNames;
    if (CATEGORY_ALL.has(k.kind)) r.categories = ["all"];
    const subs = subresources(k, version);
    if (subs.length) r.subresources = subs;
    return r;
  });
}

function aggregatedGroup(g: GroupVersions): object {
  return {
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((v) => ({ version: v, resources: aggregatedResources(g.group, v), freshness: "Current" })),
  };
}

/** `/api` (core only) or `/apis` (every named group) as apidiscovery.k8s.io/v2 APIGroupDiscoveryList. */
export function aggregatedDiscovery(which: "api" | "apis"): object {
  const gs = groups().filter((g) => (which === "api" ? g.group === "" : g.group !== ""));
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items: gs.map(aggregatedGroup) };
}

/** Does the Accept header ask for aggregated discovery v2? (parameter order does not matter) */
export function wantsAggregatedV2(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(",")) {
    const params = new Map<string, string>();
    for (const p of part.split(";").slice(1)) {
      const eq = p.indexOf("=");
      if (eq > 0) params.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
    }
    if (params.get("g") === "apidiscovery.k8s.io" && params.get("v") === "v2" && params.get("as") === "APIGroupDiscoveryList") return true;
  }
  return false;
}

// ------------------------------------------------------------------------- legacy

export function apiVersions(serverAddress: string): object {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function apiGroup(g: GroupVersions): object {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): object {
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups().filter((g) => g.group !== "").map(apiGroup) };
}

/** `/apis/{group}`, or undefined if the group is not served. */
export function apiGroupDoc(group: string): object | undefined {
  const g = groups().find((x) => x.group === group && group !== "");
  return g ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(g) } : undefined;
}

/** `/api/v1`, `/apis/{group}/{version}` as APIResourceList, or undefined if not served. */
export function apiResourceList(group: string, version: string): object | undefined {
  if (!isServedGroupVersion(group, version)) return undefined;
  const groupVersion = group ? `${group}/${version}` : version;
  const resources: object[] = [];
  if (group === METRICS_GROUP) {
    for (const r of METRICS_RESOURCES) {
      resources.push({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: ["get", "list"] });
    }
  } else {
    for (const k of kindsAt(group, version)) {
      const r: Record<string, unknown> = { name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: VERBS };
      if (k.shortNames?.length) r.shortNames = k.shortNames;
      if (CATEGORY_ALL.has(k.kind)) r.categories = ["all"];
      resources.push(r);
      for (const s of subresources(k, version)) {
        const sub: Record<string, unknown> = { name: `${k.plural}/${s.subresource}`, singularName: "", namespaced: k.namespaced };
        if (s.responseKind.group !== k.group) sub.group = s.responseKind.group;
        if (s.responseKind.group !== k.group || s.responseKind.version !== version) sub.version = s.responseKind.version;
        sub.kind = s.responseKind.kind;
        sub.verbs = s.verbs;
        resources.push(sub);
      }
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}

// ------------------------------------------------------------------------- version

export const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4",
  gitCommit: "59526cd4867447956156ae3a602fcbac10a2c335",
  gitTreeState: "clean",
  buildDate: "2025-04-22T16:03:47Z",
  goVersion: "go1.23.6",
  compiler: "gc",
  platform: "linux/amd64",
};
