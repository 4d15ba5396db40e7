/**
 * Pod helpers shared by scale-up and scale-down: which pods are unschedulable, DaemonSet / mirror
 * pods, equivalence groups (pods of one controller with identical labels and spec are predicate-
 * checked once), and the drainability rules of simulator/drainability/rules (1.32).
 */
import type { KubeObject } from "../../api/meta.js";

export const SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
export const SAFE_TO_EVICT_LOCAL_VOLUMES = "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes";
export const SCALE_DOWN_DISABLED = "cluster-autoscaler.kubernetes.io/scale-down-disabled";
export const POD_SCALE_UP_DELAY = "cluster-autoscaler.kubernetes.io/pod-scale-up-delay";
export const TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler";
export const DELETION_CANDIDATE_TAINT = "DeletionCandidateOfClusterAutoscaler";
export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

export function controllerRef(p: KubeObject): { kind: string; name: string; uid: string } | undefined {
  const refs = p.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller) return r;
  return undefined;
}

export function isDaemonSetPod(p: KubeObject): boolean {
  const r = controllerRef(p);
  return r !== undefined && r.kind === "DaemonSet";
}

export function isMirrorPod(p: KubeObject): boolean {
  return p.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined;
}

export function isTerminal(p: KubeObject): boolean {
  const ph = p.status?.phase;
  return ph === "Succeeded" || ph === "Failed";
}

/** PodScheduled=False with reason Unschedulable, not bound, not being deleted. */
export function isUnschedulable(p: KubeObject): boolean {
  if (p.spec?.nodeName || p.metadata.deletionTimestamp || isTerminal(p)) return false;
  const conds = p.status?.conditions as Array<{ type: string; status: string; reason?: string }> | undefined;
  if (!conds) return false;
  for (const c of conds) if (c.type === "PodScheduled") return c.status === "False" && c.reason === "Unschedulable";
  return false;
}

export function priorityOf(p: KubeObject): number {
  const v = p.spec?.priority;
  return typeof v === "number" ? v : 0;
}

const equivalenceCache = new WeakMap<object, string>();

/** Equivalence key: controller uid + labels + spec (nodeName and scheduling-irrelevant fields aside). */
export function equivalenceKey(p: KubeObject): string {
  const hit = equivalenceCache.get(p);
  if (hit !== undefined) return hit;
  const ref = controllerRef(p);
  let key: string;
  if (!ref) key = `pod/${p.metadata.namespace}/${p.metadata.name}`;
  else {
    const labels = p.metadata.labels ?? {};
    // Pods stamped from one template revision (pod-template-hash / controller-revision-hash) carry the
    // same labels and spec: the revision identifies the equivalence class without comparing specs.
    const rev = labels["pod-template-hash"] ?? labels["controller-revision-hash"];
    if (rev !== undefined && ref.kind !== "StatefulSet") key = `${ref.uid}|rev=${rev}`;
    else {
      const { nodeName: _n, ...spec } = (p.spec ?? {}) as Record<string, unknown>;
      key = `${ref.uid}|${stableJson(labels)}|${JSON.stringify(spec)}`;
    }
  }
  equivalenceCache.set(p, key);
  return key;
}

function stableJson(m: Record<string, string>): string {
  const ks = Object.keys(m).sort();
  let s = "";
  for (const k of ks) s += `${k}=${m[k]},`;
  return s;
}

export interface EquivalenceGroup {
  key: string;
  pods: KubeObject[];
  exemplar: KubeObject;
}

/** Group pods into equivalence groups, at most 10 distinct groups per controller (the rest singleton). */
export function equivalenceGroups(pods: readonly KubeObject[]): EquivalenceGroup[] {
  const groups = new Map<string, EquivalenceGroup>();
  const perController = new Map<string, number>();
  const out: EquivalenceGroup[] = [];
  for (const p of pods) {
    let key = equivalenceKey(p);
    let g = groups.get(key);
    if (!g) {
      const ref = controllerRef(p);
      if (ref) {
        const n = perController.get(ref.uid) ?? 0;
        if (n >= 10) key = `pod/${p.metadata.namespace}/${p.metadata.name}`;
        else perController.set(ref.uid, n + 1);
      }
      g = groups.get(key);
      if (!g) {
        g = { key, pods: [], exemplar: p };
        groups.set(key, g);
        out.push(g);
      }
    }
    g.pods.push(p);
  }
  return out;
}

// ------------------------------------------------------------------------------ drainability

export type BlockingReason =
  | "NotReplicated"
  | "UnmovableKubeSystemPod"
  | "NotSafeToEvictAnnotation"
  | "LocalStorageRequested"
  | "NotEnoughPdb"
  | "ControllerNotFound"
  | "MinReplicasReached";

export interface DrainOptions {
  skipNodesWithSystemPods: boolean;
  skipNodesWithLocalStorage: boolean;
  skipNodesWithCustomControllerPods: boolean;
  minReplicaCount: number;
}

/** A PDB with its remaining budget (the CA's RemainingPdbTracker entry). */
export interface PdbBudget {
  name: string;
  namespace: string;
  matches: (labels: Record<string, string>) => boolean;
  /** Disruptions still allowed in this loop. */
  remaining: number;
}

export type DrainDecision =
  | { outcome: "skip" } // mirror pods, long-terminating pods
  | { outcome: "drainable"; daemonSet: boolean } // DaemonSet pods, safe-to-evict, terminal
  | { outcome: "move" } // replicated: must be rescheduled
  | { outcome: "block"; reason: BlockingReason; message: string };

const STANDARD_CONTROLLERS = new Set(["ReplicationController", "ReplicaSet", "Job", "StatefulSet", "DaemonSet"]);

function hasLocalStorage(p: KubeObject): string[] {
  const vols: Array<{ name: string; hostPath?: unknown; emptyDir?: { medium?: string } }> = p.spec?.volumes ?? [];
  const out: string[] = [];
  for (const v of vols) {
    if (v.hostPath !== undefined) out.push(v.name);
    else if (v.emptyDir !== undefined && v.emptyDir.medium !== "Memory") out.push(v.name);
  }
  return out;
}

/**
 * The drainability rules, in upstream order: mirror → skip; long-terminating → skip; custom
 * controller / replica count; DaemonSet → drainable; safe-to-evict=true → drainable; terminal →
 * drainable; then the blocking rules (not replicated, kube-system without PDB, safe-to-evict=false,
 * local storage, PDB budget).
 */
export function drainDecision(
  p: KubeObject,
  opts: DrainOptions,
  pdbs: readonly PdbBudget[],
  lookupController: (kind: string, ns: string, name: string) => KubeObject | undefined,
  now: number,
  parseTime: (s: string) => number,
): DrainDecision {
  const ns = p.metadata.namespace ?? "default";
  const name = `${ns}/${p.metadata.name}`;
  if (isMirrorPod(p)) return { outcome: "skip" };
  if (p.metadata.deletionTimestamp) {
    const grace = (p.metadata.deletionGracePeriodSeconds ?? p.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    if (now - parseTime(p.metadata.deletionTimestamp) > grace) return { outcome: "skip" };
  }
  const ann = p.metadata.annotations ?? {};
  const ref = controllerRef(p);
  const safe = ann[SAFE_TO_EVICT] === "true";
  if (!safe && !isTerminal(p) && ref && opts.skipNodesWithCustomControllerPods && STANDARD_CONTROLLERS.has(ref.kind)) {
    const owner = lookupController(ref.kind, ns, ref.name);
    if (!owner) return { outcome: "block", reason: "ControllerNotFound", message: `${ref.kind.toLowerCase() === "replicaset" ? "replication controller" : ref.kind} for ${name} is not available, err: not found` };
    if ((ref.kind === "ReplicaSet" || ref.kind === "ReplicationController") && (owner.spec?.replicas ?? 1) < opts.minReplicaCount) {
      return { outcome: "block", reason: "MinReplicasReached", message: `replication controller for ${name} has too few replicas spec: ${owner.spec?.replicas ?? 1} min: ${opts.minReplicaCount}` };
    }
  }
  if (ref?.kind === "DaemonSet") return { outcome: "drainable", daemonSet: true };
  if (safe) return { outcome: "drainable", daemonSet: false };
  if (isTerminal(p)) return { outcome: "drainable", daemonSet: false };
  const replicated = ref !== undefined && (!opts.skipNodesWithCustomControllerPods || STANDARD_CONTROLLERS.has(ref.kind));
  if (!replicated) return { outcome: "block", reason: "NotReplicated", message: `${name} is not replicated` };
  const labels = p.metadata.labels ?? {};
  const pdb = pdbs.find((b) => b.namespace === ns && b.matches(labels));
  if (ns === "kube-system" && opts.skipNodesWithSystemPods && !pdb) {
    return { outcome: "block", reason: "UnmovableKubeSystemPod", message: `non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: ${p.metadata.name}` };
  }
  if (ann[SAFE_TO_EVICT] === "false") {
    return { outcome: "block", reason: "NotSafeToEvictAnnotation", message: `pod annotated as not safe to evict present: ${p.metadata.name}` };
  }
  if (opts.skipNodesWithLocalStorage) {
    const local = hasLocalStorage(p);
    if (local.length > 0) {
      const allowed = new Set((ann[SAFE_TO_EVICT_LOCAL_VOLUMES] ?? "").split(",").map((s) => s.trim()).filter(Boolean));
      if (!local.every((v) => allowed.has(v))) {
        return { outcome: "block", reason: "LocalStorageRequested", message: `pod with local storage present: ${p.metadata.name}` };
      }
    }
  }
  if (pdb && pdb.remaining < 1) {
    return { outcome: "block", reason: "NotEnoughPdb", message: `not enough pod disruption budget to move ${name}` };
  }
  return { outcome: "move" };
}
