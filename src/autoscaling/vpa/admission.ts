/**
 * The VPA admission controller (1.3) as a Pod-create hook: for a pod controlled by a VPA that is not
 * Off and has a recommendation, requests become the capped target and limits keep their
 * limit/request ratio (RequestsAndLimits); annotations vpaUpdates and vpaObservedContainers.
 */
import type { KubeObject } from "../../api/meta.js";
import type { AdmissionContext, Store } from "../../api/store.js";
import { Quantity } from "../../core/quantity.js";
import { VPA_OBSERVED_CONTAINERS_ANNOTATION, VPA_UPDATES_ANNOTATION, amountOf, containerPolicy, controlledValues, updateModeOf, type ResourceList } from "./api.js";
import { controllingVpa, processRecommendation } from "./common.js";

const MAX_INT64 = 9223372036854775807;

/** getProportionalResourceLimit: newLimit = originalLimit × newRequest / originalRequest (truncated). */
export function proportionalLimit(resource: string, originalLimit: string | number | undefined, originalRequest: string | number | undefined, newRequest: string | number, defaultLimit?: string | number): { limit?: string; capped: boolean } {
  const lim = originalLimit ?? defaultLimit;
  if (lim === undefined) return { capped: false };
  const limit = amountOf(resource, lim);
  const req = originalRequest === undefined ? 0 : amountOf(resource, originalRequest);
  const nreq = amountOf(resource, newRequest);
  if (req === 0 || req === limit) return { limit: String(newRequest), capped: false };
  const v = Math.trunc((limit * nreq) / req);
  const capped = v > MAX_INT64;
  const out = capped ? MAX_INT64 : v;
  return { limit: resource === "cpu" ? Quantity.fromMilli(out).toString() : Quantity.fromValue(out).toString(), capped };
}

/** Mutate `pod` in place as the admission webhook's patches would. */
export function admitPod(store: Store, pod: KubeObject): void {
  const vpa = controllingVpa(store, pod);
  if (!vpa || updateModeOf(vpa) === "Off") return;
  const containers = (pod.spec?.containers ?? []) as Array<{ name: string; resources?: { requests?: ResourceList; limits?: ResourceList } }>;
  const annotations = (pod.metadata.annotations ??= {});
  annotations[VPA_OBSERVED_CONTAINERS_ANNOTATION] = containers.map((c) => c.name).join(", ");
  if (!vpa.status?.recommendation?.containerRecommendations?.length) return;
  const processed = processRecommendation(vpa, pod);
  const updates: string[] = [];
  containers.forEach((c, i) => {
    const rec = processed.containers.find((r) => r.containerName === c.name);
    if (!rec) return;
    const notes: string[] = [];
    const res = (c.resources ??= {});
    const oldRequests = { ...(res.requests ?? {}) };
    const withLimits = controlledValues(containerPolicy(vpa, c.name)) === "RequestsAndLimits";
    for (const r of ["cpu", "memory"]) {
      const target = rec.target[r];
      if (target === undefined) continue;
      (res.requests ??= {})[r] = target;
      notes.push(`${r} request`);
    }
    if (withLimits) {
      for (const r of ["cpu", "memory"]) {
        const target = rec.target[r];
        if (target === undefined) continue;
        const pl = proportionalLimit(r, res.limits?.[r], oldRequests[r], target);
        if (pl.limit === undefined) continue;
        (res.limits ??= {})[r] = pl.limit;
        notes.push(`${r} limit`);
        if (pl.capped) notes.push("failed to keep limit to request ratio; capping limit to int64");
      }
    }
    notes.push(...(processed.notes.get(c.name) ?? []));
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
      if (obj.metadata.uid || obj.metadata.resourceVersion) return; // updates pass unchanged
      admitPod(ctx.store, obj);
    },
  });
}
