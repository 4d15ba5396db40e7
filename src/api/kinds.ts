/**
 * The kinds the simulated API server knows: group, version, plural resource name, scope and short
 * names, as kube-apiserver's discovery reports them.
 */
export interface KindInfo {
  kind: string;
  group: string; // "" for the core group
  version: string; // preferred/storage version
  /** Other versions served for the same stored object (converted on the way in/out). */
  otherVersions?: string[];
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Kinds whose spec changes bump metadata.generation (all but a few core kinds). */
  generation: boolean;
}

const K = (
  kind: string,
  group: string,
  version: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  generation = true,
  otherVersions: string[] = [],
): KindInfo => ({
  kind,
  group,
  version,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  shortNames,
  generation,
  otherVersions,
});

export const KINDS: readonly KindInfo[] = [
  K("Namespace", "", "v1", "namespaces", false, ["ns"], false),
  K("Node", "", "v1", "nodes", false, ["no"], false),
  K("Pod", "", "v1", "pods", true, ["po"], false),
  K("Service", "", "v1", "services", true, ["svc"], false),
  K("Endpoints", "", "v1", "endpoints", true, ["ep"], false),
  K("ConfigMap", "", "v1", "configmaps", true, ["cm"], false),
  K("Secret", "", "v1", "secrets", true, [], false),
  K("ServiceAccount", "", "v1", "serviceaccounts", true, ["sa"], false),
  K("Event", "", "v1", "events", true, ["ev"], false),
  K("LimitRange", "", "v1", "limitranges", true, ["limits"], false),
  K("ResourceQuota", "", "v1", "resourcequotas", true, ["quota"], false),
  K("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", true, ["pvc"], false),
  K("Deployment", "apps", "v1", "deployments", true, ["deploy"]),
  K("ReplicaSet", "apps", "v1", "replicasets", true, ["rs"]),
  K("StatefulSet", "apps", "v1", "statefulsets", true, ["sts"]),
  K("DaemonSet", "apps", "v1", "daemonsets", true, ["ds"]),
  K("Job", "batch", "v1", "jobs", true, []),
  K("CronJob", "batch", "v1", "cronjobs", true, ["cj"]),
  K("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", true, ["hpa"], true, ["v1"]),
  K("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", true, ["pdb"]),
  K("PriorityClass", "scheduling.k8s.io", "v1", "priorityclasses", false, ["pc"], false),
];

const byKind = new Map<string, KindInfo>();
const byResource = new Map<string, KindInfo>();
for (const k of KINDS) registerKindInfo(k);

export function registerKindInfo(k: KindInfo): void {
  byKind.set(k.kind, k);
  for (const n of [k.plural, k.singular, ...(k.shortNames ?? [])]) byResource.set(n.toLowerCase(), k);
  byResource.set(k.kind.toLowerCase(), k);
}

/** Every known kind: the built-ins, then kinds registered later (CRDs), in registration order. */
export function allKinds(): KindInfo[] {
  return [...byKind.values()];
}

export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** Resolve `deployment`, `deployments`, `deploy`, `deployments.apps`, `Deployment` … */
export function resolveResource(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf(".");
  if (dot > 0) {
    const k = byResource.get(lower.slice(0, dot));
    return k && k.group === lower.slice(dot + 1) ? k : undefined;
  }
  return byResource.get(lower);
}

export function apiVersionOf(k: KindInfo, version = k.version): string {
  return k.group ? `${k.group}/${version}` : version;
}

/** `deployments.apps`, `pods` — the resource name as kube-apiserver's error messages print it. */
export function qualifiedResource(k: KindInfo): string {
  return k.group ? `${k.plural}.${k.group}` : k.plural;
}

/** `Deployment.apps`, `Pod` — the kind as kube-apiserver's Invalid messages print it. */
export function qualifiedKind(k: KindInfo): string {
  return k.group ? `${k.kind}.${k.group}` : k.kind;
}
