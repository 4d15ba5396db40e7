/**
 * The VPA admission controller (1.3) as a Pod-create hook: for a pod controlled by a VPA that is not
 * Off and has a recommendation, requests become the capped target (capping.ts, LimitRanges included)
 * and limits keep their limit/request ratio (RequestsAndLimits; a missing limit is taken from the
 * container LimitRange's default); annotations vpaUpdates and vpaObservedContainers.
 */
import type { KubeObject } from "../../api/meta.js";
import type { AdmissionContext, Store } from "../../api/store.js";
import { VPA_OBSERVED_CONTAINERS_ANNOTATION, VPA_UPDATES_ANNOTATION, containerPolicy, controlledValues, updateModeOf, type ResourceList } from "./api.js";
import { controllingVpa, limitRangesFor, processRecommendation } from "./common.js";
import { proportionalResourceLimit } from "./scaling.js";

/**
 * getProportionalResourceLimit: newLimit = originalLimit × newRequest / originalRequest (floor, in the
 * original limit's format); the LimitRange default limit stands in for a missing limit.
 */
export function proportionalLimit(resource: string, originalLimit: string | number | undefined, originalRequest: string | number | undefined, newRequest: string | number, defaultLimit?: string | number): { limit?: string; capped: boolean } {
  const r = proportionalResourceLimit(resource, originalLimit, originalRequest, newRequest, defaultLimit);
  return { ...(r.limit !== undefined ? { limit: r.limit } : {}), capped: r.annotation !== undefined };
}

/**
 * Mutate `pod` in place as the admission webhook's patches would. The vpaUpdates entry of a container
 * lists the capping notes first, then "<resource> request" and "<resource> limit" for what was set
 * (getContainerPatch appends the patched fields after the processor's annotations).
 */
export function admitPod(store: Store, pod: KubeObject): void {
  const vpa = controllingVpa(store, pod);
  if (!vpa || updateModeOf(vpa) === "Off") return;
  const containers = (pod.spec?.containers ?? []) as Array<{ name: string; resources?: { requests?: ResourceList; limits?: ResourceList } }>;
  const annotations = (pod.metadata.annotations ??= {});
  annotations[VPA_OBSERVED_CONTAINERS_ANNOTATION] = containers.map((c) => c.name).join(", ");
  if (!vpa.status?.recommendation?.containerRecommendations?.length) return;
  const ranges = limitRangesFor(store, pod.metadata.namespace);
  const processed = processRecommendation(vpa, pod, ranges);
  const defaultLimits = ranges.container?.default;
  const updates: string[] = [];
  containers.forEach((c, i) => {
    const rec = processed.containers.find((r) => r.containerName === c.name);
    if (!rec) return;
    const notes: string[] = [...(processed.notes.get(c.name) ?? [])];
    const res = (c.resources ??= {});
    const oldRequests = { ...(res.requests ?? {}) };
    const oldLimits = { ...(res.limits ?? {}) };
    const withLimits = controlledValues(containerPolicy(vpa, c.name)) === "RequestsAndLimits";
    const newLimits: ResourceList = {};
    if (withLimits) {
      for (const r of ["cpu", "memory"]) {
        const pl = proportionalResourceLimit(r, oldLimits[r], oldRequests[r], rec.target[r], defaultLimits?.[r]);
        if (pl.limit === undefined) continue;
        newLimits[r] = pl.limit;
        if (pl.annotation) notes.push(pl.annotation);
      }
    }
    for (const [r, target] of Object.entries(rec.target)) {
      (res.requests ??= {})[r] = target;
      notes.push(`${r} request`);
    }
    for (const [r, limit] of Object.entries(newLimits)) {
      (res.limits ??= {})[r] = limit;
      notes.push(`${r} limit`);
    }
    if (notes.length) updates.push(`container ${i}: ${notes.join(", ")}`);
  });
  if (updates.length) annotations[VPA_UPDATES_ANNOTATION] = `Pod resources updated by ${vpa.metadata.name}: ${updates.join("; ")}`;
}

/** Install the webhook: chained after the Pod strategy's own defaulting, on CREATE only. */
export function registerVpaAdmission(store: Store): void {
  const prev = store.strategy("Pod")?.defaults;
  store.registerStrategy("Pod", {
    defaults(obj: KubeObject, ctx: AdmissionContext): void {
      prev?.(obj, ctx);
      // CREATE only: an object already stored under this name is an update, which passes unchanged.
      if (obj.metadata.resourceVersion || (obj.metadata.name && ctx.store.get("Pod", obj.metadata.namespace, obj.metadata.name))) return;
      admitPod(ctx.store, obj);
    },
  });
}
