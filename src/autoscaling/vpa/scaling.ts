/**
 * Proportional request/limit arithmetic of VPA 1.3 (pkg/utils/vpa/limit_and_request_scaling.go), in
 * exact integers as upstream does with big.Int: CPU in millicores (MilliValue), every other resource
 * in whole units (Value, rounded up). Results keep the Format of the quantity being scaled, so a
 * "100Mi" limit scaled ×5 prints "500Mi" and a "200m" one "1".
 *
 * Upstream passes roundUpToFullUnit / roundDownToFullUnit for memory and noRounding for CPU; on a
 * whole-byte NewQuantity both rounding modes are no-ops, so every result here is the floor of the
 * exact product (the fix that makes CPU round up, PR #8946, came after 1.3).
 */
import { Quantity, parseQuantity } from "../../core/quantity.js";

const MAX_INT64 = 9223372036854775807n;

export type QuantityInput = string | number;

/** The integer amount upstream scales: millicores for CPU, units (bytes) otherwise. */
export function scaledAmount(resource: string, q: QuantityInput | undefined): bigint {
  if (q === undefined) return 0n;
  const p = parseQuantity(q);
  return BigInt(resource === "cpu" ? p.milliValue() : p.value());
}

function fromAmount(resource: string, amount: bigint, like: QuantityInput): string {
  const format = parseQuantity(like).format;
  // Amounts fit in int64 here; Number() is exact below 2^53 and the printed form re-derives digits.
  const q = resource === "cpu" ? new Quantity(amount, -3, format) : new Quantity(amount, 0, format);
  return q.toString();
}

/**
 * scaleQuantityProportionallyCPU / …Mem: `scaled × result / base` (floor), in the format of `scaled`;
 * capped to MaxInt64 (flagged) when it does not fit.
 */
export function scaleProportionally(resource: string, scaled: QuantityInput, base: QuantityInput, result: QuantityInput): { quantity: string; capped: boolean } {
  return scaleByAmounts(resource, scaled, scaledAmount(resource, base), scaledAmount(resource, result));
}

/** scaleProportionally with base and result already as amounts (sums of several quantities). */
export function scaleByAmounts(resource: string, scaled: QuantityInput, base: bigint, result: bigint): { quantity: string; capped: boolean } {
  if (base === 0n) return { quantity: fromAmount(resource, 0n, scaled), capped: false };
  const v = (scaledAmount(resource, scaled) * result) / base;
  if (v > MAX_INT64) return { quantity: fromAmount(resource, MAX_INT64, scaled), capped: true };
  return { quantity: fromAmount(resource, v, scaled), capped: false };
}

/** `q == nil || q.Value() == 0` (Value rounds up, so only a true zero or an absent quantity). */
function isZero(q: QuantityInput | undefined): boolean {
  return q === undefined || parseQuantity(q).value() === 0;
}

/**
 * getProportionalResourceLimit: the limit keeping the original limit/request ratio for a new
 * request. The LimitRange default limit stands in for a missing limit; no limit → none; no request,
 * or request == limit → limit = new request; no (or zero) new request → none.
 */
export function proportionalResourceLimit(
  resource: string,
  originalLimit: QuantityInput | undefined,
  originalRequest: QuantityInput | undefined,
  recommendedRequest: QuantityInput | undefined,
  defaultLimit?: QuantityInput,
): { limit?: string; annotation?: string } {
  const limit = isZero(originalLimit) ? defaultLimit : originalLimit;
  if (isZero(limit)) return {};
  if (isZero(recommendedRequest)) return {};
  if (isZero(originalRequest)) return { limit: String(recommendedRequest) };
  if (parseQuantity(originalRequest!).milliValue() === parseQuantity(limit!).milliValue()) return { limit: String(recommendedRequest) };
  const r = scaleProportionally(resource, limit!, originalRequest!, recommendedRequest!);
  return r.capped ? { limit: r.quantity, annotation: `${resource}: failed to keep limit to request ratio; capping limit to int64` } : { limit: r.quantity };
}

/**
 * GetBoundaryRequest: the request that, keeping the container's limit/request ratio, puts its limit
 * exactly at `boundaryLimit` (a LimitRange min or max). Undefined means "no boundary".
 */
export function boundaryRequest(
  resource: string,
  originalRequest: QuantityInput | undefined,
  originalLimit: QuantityInput | undefined,
  boundaryLimit: QuantityInput | undefined,
  defaultLimit: QuantityInput | undefined,
): string | undefined {
  const limit = isZero(originalLimit) ? defaultLimit : originalLimit;
  if (isZero(limit)) return undefined;
  if (isZero(originalRequest)) return boundaryLimit === undefined ? undefined : String(boundaryLimit);
  if (boundaryLimit === undefined) return undefined;
  return scaleProportionally(resource, originalRequest!, limit!, boundaryLimit).quantity;
}
