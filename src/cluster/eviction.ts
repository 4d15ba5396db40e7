/**
 * The Eviction subresource (POST pods/<name>/eviction, policy/v1 Eviction) as kube-apiserver 1.32
 * serves it (pkg/registry/core/pod/storage/eviction.go), with the PodDisruptionBudget arithmetic of
 * the disruption controller (pkg/controller/disruption) computed on the spot, since the simulated
 * cluster keeps no PDB status:
 *
 *   - terminal, Pending or already-terminating pods are deleted without a PDB check;
 *   - more than one PDB selecting the pod → 500 "This pod has more than one PodDisruptionBudget, …";
 *   - expectedCount = the matching pods (minAvailable as an integer) or the summed scale of their
 *     controllers (maxUnavailable, or minAvailable as a percentage, rounded up);
 *     desiredHealthy = minAvailable, ceil(minAvailable% × expected) or expected − maxUnavailable;
 *     currentHealthy = matching pods that are Ready and not terminating;
 *     disruptionsAllowed = max(0, currentHealthy − desiredHealthy);
 *   - an unready pod may go while currentHealthy ≥ desiredHealthy (IfHealthyBudget, the default) or
 *     always (AlwaysAllow); a ready pod needs disruptionsAllowed > 0, else 429 TooManyRequests
 *     "Cannot evict pod as it would violate the pod's disruption budget.".
 */
import type { KubeObject } from "../api/meta.js";
import type { Store } from "../api/store.js";
import { fromLabelSelector } from "../core/labels.js";

export type EvictionResult = true | "blocked by PDB";

export interface EvictionCheck {
  allowed: boolean;
  /** 429 (budget) or 500 (several PDBs); undefined when allowed. */
  code?: 429 | 500;
  message?: string;
  /** `The disruption budget <name> needs <n> healthy pods and has <m> currently`. */
  cause?: string;
  pdb?: string;
}

export const EVICTION_BLOCKED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
export const EVICTION_MULTIPLE_PDBS_MESSAGE = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";

function isReady(p: KubeObject): boolean {
  const cs = p.status?.conditions as Array<{ type: string; status: string }> | undefined;
  if (!cs) return false;
  for (const c of cs) if (c.type === "Ready") return c.status === "True";
  return false;
}

/** intstr.GetScaledValueFromIntOrPercent. */
function scaled(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** Summed spec.replicas of the controllers (ReplicaSet / StatefulSet / …) owning `pods`, or undefined if one has none. */
function expectedScale(store: Store, pods: KubeObject[]): number | undefined {
  const seen = new Set<string>();
  let total = 0;
  for (const p of pods) {
    const ref = p.metadata.ownerReferences?.find((r) => r.controller);
    if (!ref) return undefined;
    const key = `${ref.kind}/${ref.uid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const owner = store.get(ref.kind, p.metadata.namespace, ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) return undefined;
    const r = owner.spec?.replicas;
    if (ref.kind === "ReplicaSet" || ref.kind === "StatefulSet" || ref.kind === "ReplicationController" || ref.kind === "Deployment") {
      total += typeof r === "number" ? r : 1;
    } else if (typeof r === "number") total += r;
    else return undefined;
  }
  return total;
}

/** What the eviction subresource would answer for `pod` now (no side effects). */
export function checkEviction(store: Store, pod: KubeObject): EvictionCheck {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed" || phase === "Pending" || pod.metadata.deletionTimestamp) return { allowed: true };
  const ns = pod.metadata.namespace ?? "default";
  const labels = pod.metadata.labels ?? {};
  const pdbs: KubeObject[] = [];
  for (const pdb of store.list("PodDisruptionBudget", { namespace: ns })) {
    const sel = pdb.spec?.selector;
    if (sel === undefined || sel === null) continue; // nil selector selects nothing
    let matches = false;
    try {
      matches = fromLabelSelector(sel).matches(labels);
    } catch {
      matches = false;
    }
    if (matches) pdbs.push(pdb);
  }
  if (pdbs.length === 0) return { allowed: true };
  if (pdbs.length > 1) return { allowed: false, code: 500, message: EVICTION_MULTIPLE_PDBS_MESSAGE };
  const pdb = pdbs[0]!;
  const selected = store.list("Pod", { namespace: ns, labelSelector: fromLabelSelector(pdb.spec.selector) });
  let currentHealthy = 0;
  for (const p of selected) if (!p.metadata.deletionTimestamp && isReady(p)) currentHealthy++;
  const { minAvailable, maxUnavailable } = pdb.spec;
  let desiredHealthy: number | undefined;
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const expected = expectedScale(store, selected);
    if (expected !== undefined) desiredHealthy = Math.max(0, expected - scaled(maxUnavailable, expected, true));
  } else if (minAvailable !== undefined && minAvailable !== null) {
    if (typeof minAvailable === "number" || /^\d+$/.test(String(minAvailable))) desiredHealthy = Number(minAvailable);
    else {
      const expected = expectedScale(store, selected);
      if (expected !== undefined) desiredHealthy = scaled(minAvailable, expected, true);
    }
  } else desiredHealthy = 0;
  const name = pdb.metadata.name!;
  if (desiredHealthy === undefined) {
    // The disruption controller could not compute the scale: failSafe status, 0 disruptions allowed.
    return { allowed: false, code: 429, message: EVICTION_BLOCKED_MESSAGE, pdb: name };
  }
  const cause = `The disruption budget ${name} needs ${desiredHealthy} healthy pods and has ${currentHealthy} currently`;
  if (!isReady(pod)) {
    if (pdb.spec.unhealthyPodEvictionPolicy === "AlwaysAllow" || currentHealthy >= desiredHealthy) return { allowed: true, pdb: name };
    return { allowed: false, code: 429, message: EVICTION_BLOCKED_MESSAGE, cause, pdb: name };
  }
  if (currentHealthy - desiredHealthy > 0) return { allowed: true, pdb: name };
  return { allowed: false, code: 429, message: EVICTION_BLOCKED_MESSAGE, cause, pdb: name };
}

/**
 * Evict `pod` through the eviction API: if its PodDisruptionBudget allows, delete it (graceful, as
 * the pod strategy decides) and return true; otherwise leave it and return "blocked by PDB" (the
 * 429 / 500 a client retries on).
 */
export function evictPod(store: Store, pod: KubeObject): EvictionResult {
  const cur = store.get("Pod", pod.metadata.namespace, pod.metadata.name!);
  if (!cur) return true; // already gone: nothing to wait for
  const check = checkEviction(store, cur);
  if (!check.allowed) return "blocked by PDB";
  if (!cur.metadata.deletionTimestamp) store.delete("Pod", cur.metadata.namespace, cur.metadata.name!);
  return true;
}
