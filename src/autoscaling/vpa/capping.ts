/**
 * The capping recommendation processor of VPA 1.3 (pkg/utils/vpa/capping.go), per pod, as the
 * admission controller and the updater apply it (status recommendations stay uncapped by these):
 *
 *  1. Pod LimitRange: for upperBound, then target, then lowerBound, each for cpu then memory, the
 *     containers' summed recommendations and the limits they would get (original limit/request
 *     ratio, LimitRange default for a missing limit) are scaled proportionally into [min, max].
 *     Containers without a recommendation count with their requests, and come out with a target
 *     equal to them (insertRequestsForMissingRecommendations).
 *  2. Per container, on each of target, lowerBound, upperBound: the container LimitRange (max/min
 *     on the limit the container would get, request ≥ min), then the VPA policy (minAllowed,
 *     maxAllowed), then with RequestsOnly the container's current limit. Notes only for the target.
 */
import { parseQuantity } from "../../core/quantity.js";
import { containerPolicy, controlledValues, type ContainerResourcePolicy, type RecommendedContainer, type ResourceList, type VpaObject } from "./api.js";
import type { LimitRangeItem } from "./limitrange.js";
import { boundaryRequest, proportionalResourceLimit, scaleByAmounts, scaledAmount } from "./scaling.js";

export interface PodContainer {
  name: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

export interface LimitRanges {
  container?: LimitRangeItem;
  pod?: LimitRangeItem;
}

export interface CappedRecommendation {
  containers: RecommendedContainer[];
  /** Capping notes per container name (for the vpaUpdates annotation). */
  notes: Map<string, string[]>;
}

type Field = "target" | "lowerBound" | "upperBound";

const cmp = (a: string | number, b: string | number): number => parseQuantity(a).cmp(parseQuantity(b));
const isZeroQ = (q: string | number): boolean => parseQuantity(q).isZero();
const canonical = (q: string | number): string => parseQuantity(q).toString();

/** maybeCapToMin / maybeCapToMax: a bound that is absent or zero does not cap. */
function capTo(list: ResourceList, r: string, bound: string | number | undefined, below: boolean): boolean {
  if (bound === undefined || isZeroQ(bound)) return false;
  const c = cmp(list[r]!, bound);
  if (below ? c >= 0 : c <= 0) return false;
  list[r] = canonical(bound);
  return true;
}

/** getBoundaryRecommendation: per resource, the request putting the limit at `boundary`. */
function boundaryList(c: PodContainer, boundary: ResourceList | undefined, defaults: ResourceList | undefined): ResourceList {
  const out: ResourceList = {};
  if (!boundary) return out;
  for (const r of ["cpu", "memory"]) {
    const b = boundaryRequest(r, c.resources?.requests?.[r], c.resources?.limits?.[r], boundary[r], defaults?.[r]);
    if (b !== undefined) out[r] = b;
  }
  return out;
}

/** applyContainerLimitRange: min first, then max, with the container LimitRange annotations. */
export function applyContainerLimitRange(list: ResourceList, c: PodContainer, item: LimitRangeItem | undefined): string[] {
  const notes: string[] = [];
  if (!item) return notes;
  const maxAllowed = boundaryList(c, item.max, item.default);
  // Both the limit and the request must stay ≥ min (the LimitRanger plugin checks each).
  const minAllowed = boundaryList(c, item.min, item.default);
  for (const r of ["cpu", "memory"]) {
    const m = item.min?.[r];
    if (m !== undefined && (minAllowed[r] === undefined || cmp(m, minAllowed[r]!) > 0)) minAllowed[r] = m;
  }
  for (const r of Object.keys(list)) {
    if (capTo(list, r, minAllowed[r], true)) notes.push(`${r} capped to fit Min in container LimitRange`);
    if (capTo(list, r, maxAllowed[r], false)) notes.push(`${r} capped to fit Max in container LimitRange`);
  }
  return notes;
}

/** applyVPAPolicy: minAllowed, then maxAllowed. */
export function applyVpaPolicy(list: ResourceList, policy: ContainerResourcePolicy | undefined): string[] {
  const notes: string[] = [];
  if (!policy) return notes;
  for (const r of Object.keys(list)) {
    if (capTo(list, r, policy.minAllowed?.[r], true)) notes.push(`${r} capped to minAllowed`);
    if (capTo(list, r, policy.maxAllowed?.[r], false)) notes.push(`${r} capped to maxAllowed`);
  }
  return notes;
}

/** capRecommendationToContainerLimit (RequestsOnly): never above the container's current limit. */
export function capToContainerLimit(list: ResourceList, limits: ResourceList | undefined): string[] {
  const notes: string[] = [];
  for (const [r, limit] of Object.entries(limits ?? {})) {
    const v = list[r];
    if (v !== undefined && parseQuantity(v).milliValue() > parseQuantity(limit).milliValue()) {
      list[r] = canonical(limit);
      notes.push(`${r} capped to container limit`);
    }
  }
  return notes;
}

/** applyPodLimitRange for one resource of one field (in place on `recs`). */
function applyPodLimitRange(recs: RecommendedContainer[], containers: readonly PodContainer[], item: LimitRangeItem, r: string, field: Field): void {
  const min = scaledAmount(r, item.min?.[r]);
  const max = scaledAmount(r, item.max?.[r]);
  const def = item.default?.[r];
  const zipped = containers.map((c) => ({ c, rec: recs.find((x) => x.containerName === c.name) }));
  let sumLimit = 0n;
  let sumRec = 0n;
  for (const { c, rec } of zipped) {
    const recommendation = rec ? rec[field]?.[r] : c.resources?.requests?.[r];
    const limit = proportionalResourceLimit(r, c.resources?.limits?.[r], c.resources?.requests?.[r], recommendation, def).limit;
    if (limit !== undefined) sumLimit += scaledAmount(r, limit);
    sumRec += scaledAmount(r, recommendation);
  }
  if (min <= sumLimit && min <= sumRec && (max === 0n || max >= sumLimit)) return;
  let base: bigint;
  let target: bigint;
  if (min > sumRec && sumLimit !== 0n) {
    base = sumRec;
    target = min;
  } else {
    if (sumLimit === 0n) return;
    base = sumLimit;
    target = 0n;
    if (min > sumLimit) target = min;
    if (max !== 0n && max < sumLimit) target = max;
  }
  for (const { rec } of zipped) {
    // Upstream writes a zero into absent entries (or panics on an absent list); leave those alone.
    const list = rec?.[field];
    const v = list?.[r];
    if (list === undefined || v === undefined) continue;
    list[r] = scaleByAmounts(r, v, base, target).quantity;
  }
}

/** capProportionallyToPodLimitRange. */
export function capToPodLimitRange(recs: RecommendedContainer[], containers: readonly PodContainer[], item: LimitRangeItem): RecommendedContainer[] {
  const out = recs.map(cloneRec);
  for (const c of containers) {
    if (out.some((x) => x.containerName === c.name)) continue;
    const req = c.resources?.requests;
    if (!req || Object.keys(req).length === 0) continue;
    out.push({ containerName: c.name, target: { ...req } });
  }
  for (const field of ["upperBound", "target", "lowerBound"] as const) {
    for (const r of ["cpu", "memory"]) applyPodLimitRange(out, containers, item, r, field);
  }
  return out;
}

function cloneRec(r: RecommendedContainer): RecommendedContainer {
  const out: RecommendedContainer = { containerName: r.containerName, target: { ...r.target } };
  if (r.lowerBound) out.lowerBound = { ...r.lowerBound };
  if (r.upperBound) out.upperBound = { ...r.upperBound };
  return out;
}

/** cappingRecommendationProcessor.Apply for one pod. */
export function capRecommendationForPod(vpa: VpaObject, recs: readonly RecommendedContainer[], containers: readonly PodContainer[], ranges: LimitRanges): CappedRecommendation {
  const adjusted = ranges.pod ? capToPodLimitRange([...recs], containers, ranges.pod) : recs.map(cloneRec);
  const out: RecommendedContainer[] = [];
  const notes = new Map<string, string[]>();
  for (const rec of adjusted) {
    const c = containers.find((x) => x.name === rec.containerName);
    if (!c) continue;
    const policy = containerPolicy(vpa, c.name);
    const requestsOnly = controlledValues(policy) === "RequestsOnly";
    const process = (list: ResourceList | undefined): string[] => {
      if (!list) return [];
      const n = [...applyContainerLimitRange(list, c, ranges.container), ...applyVpaPolicy(list, policy)];
      if (requestsOnly) n.push(...capToContainerLimit(list, c.resources?.limits));
      return n;
    };
    const n = process(rec.target);
    process(rec.lowerBound);
    process(rec.upperBound);
    if (n.length) notes.set(c.name, n);
    out.push(rec);
  }
  return { containers: out, notes };
}
