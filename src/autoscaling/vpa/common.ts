/**
 * Which VPA controls a pod (the oldest VPA whose targetRef is the pod's top-most controller and whose
 * target's selector matches the pod), and the per-pod recommendation processor shared by the updater
 * and the admission controller (LimitRanges read from the store).
 */
import { controllerOf, type KubeObject } from "../../api/meta.js";
import type { Store } from "../../api/store.js";
import { fromLabelSelector, type Selector } from "../../core/labels.js";
import { VPA_KIND, containerPolicy, controlledResources, type RecommendedContainer, type ResourceList, type VpaObject } from "./api.js";
import { capRecommendationForPod, type CappedRecommendation, type LimitRanges, type PodContainer } from "./capping.js";
import { limitRangeItem } from "./limitrange.js";

/** The top-most controller of a pod: Pod → ReplicaSet → Deployment, Job → CronJob, … */
export function topOwner(store: Store, obj: KubeObject): { kind: string; name: string } {
  let cur: { kind: string; name: string } = { kind: obj.kind, name: obj.metadata.name! };
  let ref = controllerOf(obj);
  const ns = obj.metadata.namespace;
  for (let depth = 0; ref && depth < 5; depth++) {
    cur = { kind: ref.kind, name: ref.name };
    const owner = store.get(ref.kind, ns, ref.name);
    if (!owner) break;
    ref = controllerOf(owner);
  }
  return cur;
}

/** The label selector of the VPA's target (spec.selector of a Deployment/ReplicaSet/StatefulSet/…). */
export function targetSelector(store: Store, vpa: VpaObject): Selector | undefined {
  const ref = vpa.spec.targetRef;
  if (!ref) return undefined;
  const target = store.get(ref.kind, vpa.metadata.namespace, ref.name);
  if (!target) return undefined;
  const sel = target.spec?.selector;
  if (!sel) return undefined;
  return sel.matchLabels || sel.matchExpressions ? fromLabelSelector(sel) : fromLabelSelector({ matchLabels: sel });
}

function olderFirst(a: VpaObject, b: VpaObject): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}

/** The VPA controlling `pod` (GetControllingVPAForPod), given the pod's top owner. */
export function controllingVpa(store: Store, pod: KubeObject, owner = topOwner(store, pod)): VpaObject | undefined {
  let best: VpaObject | undefined;
  for (const vpa of store.list<VpaObject>(VPA_KIND, { namespace: pod.metadata.namespace ?? "default" })) {
    const ref = vpa.spec.targetRef;
    if (!ref || ref.kind !== owner.kind || ref.name !== owner.name) continue;
    const sel = targetSelector(store, vpa);
    if (!sel || !sel.matches(pod.metadata.labels)) continue;
    if (!best || olderFirst(vpa, best) < 0) best = vpa;
  }
  return best;
}

export type ProcessedRecommendation = CappedRecommendation;

/** The namespace's merged Container and Pod LimitRange items (what the VPA's LimitRange calculator reads). */
export function limitRangesFor(store: Store, namespace: string | undefined): LimitRanges {
  return { container: limitRangeItem(store, namespace, "Container"), pod: limitRangeItem(store, namespace, "Pod") };
}

/**
 * The capping processor for one pod (capping.ts): each container's recommendation filtered to the
 * controlled resources (containers with mode Off dropped, as the recommender leaves them out of the
 * status), then capped to the LimitRanges, the policy and, with RequestsOnly, the current limit.
 */
export function processRecommendation(vpa: VpaObject, pod: KubeObject, ranges: LimitRanges = {}): ProcessedRecommendation {
  const recs: RecommendedContainer[] = [];
  for (const rec of vpa.status?.recommendation?.containerRecommendations ?? []) {
    const policy = containerPolicy(vpa, rec.containerName);
    if (policy?.mode === "Off") continue;
    const controlled = controlledResources(policy);
    const pick = (l: ResourceList | undefined): ResourceList | undefined => {
      if (!l) return undefined;
      const o: ResourceList = {};
      for (const r of controlled) if (l[r] !== undefined) o[r] = l[r]!;
      return o;
    };
    const target = pick(rec.target)!;
    const lowerBound = pick(rec.lowerBound);
    const upperBound = pick(rec.upperBound);
    recs.push({ containerName: rec.containerName, target, ...(lowerBound ? { lowerBound } : {}), ...(upperBound ? { upperBound } : {}) });
  }
  return capRecommendationForPod(vpa, recs, (pod.spec?.containers ?? []) as PodContainer[], ranges);
}
