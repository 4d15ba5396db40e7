/**
 * HPA status conditions (autoscaling/v2 HorizontalPodAutoscalerCondition) and the exact reason /
 * message texts of kube-controller-manager's horizontal.go.
 */

export type HpaConditionType = "AbleToScale" | "ScalingActive" | "ScalingLimited";
export type ConditionStatus = "True" | "False" | "Unknown";

export interface HpaCondition {
  type: HpaConditionType | string;
  status: ConditionStatus;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/**
 * setConditionInList: update the condition of that type in place (appending it if absent);
 * lastTransitionTime changes only when the status flips. Mutates and returns `list`.
 */
export function setCondition(
  list: HpaCondition[],
  type: HpaConditionType,
  status: ConditionStatus,
  reason: string,
  message: string,
  nowIso: string,
): HpaCondition[] {
  let cond = list.find((c) => c.type === type);
  if (!cond) {
    cond = { type, status: "" as ConditionStatus };
    list.push(cond);
  }
  if (cond.status !== status) cond.lastTransitionTime = nowIso;
  cond.status = status;
  cond.reason = reason;
  cond.message = message;
  return list;
}

export function getCondition(list: readonly HpaCondition[] | undefined, type: HpaConditionType): HpaCondition | undefined {
  return list?.find((c) => c.type === type);
}

/** Condition reasons and messages (horizontal.go). */
export const MSG = {
  succeededGetScale: "the HPA controller was able to get the target's current scale",
  failedGetScale: (err: string) => `the HPA controller was unable to get the target's current scale: ${err}`,
  readyForNewScale: "recommended size matches current size",
  scaleDownStabilized: "recent recommendations were higher than current one, applying the highest recent recommendation",
  scaleUpStabilized: "recent recommendations were lower than current one, applying the lowest recent recommendation",
  succeededRescale: (n: number) => `the HPA controller was able to update the target scale to ${n}`,
  failedUpdateScale: (err: string) => `the HPA controller was unable to update the target scale: ${err}`,
  validMetricFound: (metric: string) => `the HPA was able to successfully calculate a replica count from ${metric}`,
  scalingDisabled: "scaling is disabled since the replica count of the target is zero",
  missingSelector: "the HPA target's scale is missing a selector",
  unableToCompute: (err: string) => `the HPA was unable to compute the replica count: ${err}`,
  tooFewReplicas: "the desired replica count is less than the minimum replica count",
  tooManyReplicas: "the desired replica count is more than the maximum replica count",
  scaleUpLimit: "the desired replica count is increasing faster than the maximum scale rate",
  scaleDownLimit: "the desired replica count is decreasing faster than the maximum scale rate",
  desiredWithinRange: "the desired count is within the acceptable range",
} as const;

/** ScalingLimited reasons with their messages. */
export type LimitReason = "TooFewReplicas" | "TooManyReplicas" | "ScaleUpLimit" | "ScaleDownLimit" | "DesiredWithinRange";

export function limitMessage(reason: LimitReason): string {
  switch (reason) {
    case "TooFewReplicas":
      return MSG.tooFewReplicas;
    case "TooManyReplicas":
      return MSG.tooManyReplicas;
    case "ScaleUpLimit":
      return MSG.scaleUpLimit;
    case "ScaleDownLimit":
      return MSG.scaleDownLimit;
    case "DesiredWithinRange":
      return MSG.desiredWithinRange;
  }
}
