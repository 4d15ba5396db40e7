/**
 * The operator's scale decision for one poll (pkg/scaling/executor/scale_scaledobjects.go
 * RequestScale, v2.16): activation 0 → max(min,1), scale to zero/idle after the cooldown, and the
 * Active/Ready condition changes. Pure; the controller applies the result.
 *
 * No `paused-scale-in` / `paused-scale-out` here: those annotations arrived in KEDA 2.18
 * (kedacore/keda#6901, #7023); 2.16 ignores them.
 */

export interface ScaleInputs {
  isActive: boolean;
  isError: boolean;
  forceActivation?: boolean;
  currentReplicas: number;
  minReplicaCount?: number;
  idleReplicaCount?: number;
  /** fallback.replicas when spec.fallback is set. */
  fallbackReplicas?: number;
  hasFallback?: boolean;
  /** Virtual ms; undefined while status.lastActiveTime is nil. */
  lastActiveTime?: number;
  creationTime: number;
  cooldownPeriodSec?: number;
  initialCooldownPeriodSec?: number;
  now: number;
}

export interface Condition {
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export type ScaleAction =
  | { kind: "none" }
  | { kind: "activate"; replicas: number }
  | { kind: "deactivate"; replicas: number; idle: boolean }
  | { kind: "setMin"; replicas: number };

export interface ScaleDecision {
  action: ScaleAction;
  /** lastActiveTime := now. */
  touchLastActive: boolean;
  ready?: Condition;
  active?: Condition;
  /** Why, for logs and reports. */
  reason: string;
}

export const COND = {
  active: { status: "True", reason: "ScalerActive", message: "Scaling is performed because triggers are active" } as Condition,
  forced: { status: "True", reason: "ScalerActive", message: "Scaling is performed because activation is being forced by annotation" } as Condition,
  notActive: { status: "False", reason: "ScalerNotActive", message: "Scaling is not performed because triggers are not active" } as Condition,
  cooldown: { status: "False", reason: "ScalerCooldown", message: "Scaler cooling down because triggers are not active" } as Condition,
  ready: { status: "True", reason: "ScaledObjectReady", message: "ScaledObject is defined correctly and is ready for scaling" } as Condition,
  partial: { status: "Unknown", reason: "PartialTriggerError", message: "Some triggers defined in ScaledObject are not working correctly" } as Condition,
  triggerError: { status: "False", reason: "TriggerError", message: "Triggers defined in ScaledObject are not working correctly" } as Condition,
};

export function requestScale(i: ScaleInputs): ScaleDecision {
  const min = i.minReplicaCount ?? 0;
  const cur = i.currentReplicas;
  const idleSet = i.idleReplicaCount !== undefined && i.idleReplicaCount !== null;
  const active = i.isActive || i.forceActivation === true;
  const activeCond = i.isActive ? COND.active : i.forceActivation ? COND.forced : COND.notActive;
  const ready = i.isError ? undefined : COND.ready;
  if (active) {
    if ((idleSet && cur < min) || cur === 0) {
      return { action: { kind: "activate", replicas: min > 0 ? min : 1 }, touchLastActive: true, ready, active: activeCond, reason: "activate" };
    }
    if (i.isError) return { action: { kind: "none" }, touchLastActive: false, ready: COND.partial, active: activeCond, reason: "partial-error" };
    return { action: { kind: "none" }, touchLastActive: true, ready, active: activeCond, reason: "active" };
  }
  if (i.isError && i.hasFallback && (i.fallbackReplicas ?? 0) !== 0) {
    return { action: { kind: "none" }, touchLastActive: false, active: activeCond, reason: "fallback" };
  }
  if (i.isError && !i.hasFallback) {
    return { action: { kind: "none" }, touchLastActive: false, ready: COND.triggerError, active: activeCond, reason: "trigger-error" };
  }
  if ((idleSet && cur > i.idleReplicaCount!) || (cur > 0 && min === 0)) {
    const cooldown = (i.cooldownPeriodSec ?? 300) * 1000;
    const initial = (i.initialCooldownPeriodSec ?? 0) * 1000;
    // Upstream tests `stamp.Add(period).Before(now)`, but its stamps (creationTimestamp,
    // lastActiveTime) are stored to the whole second and a poll runs some milliseconds after its
    // tick, so on a poll exactly one period after the stamp the test already holds. Our polls are
    // instantaneous on exact ticks; `<=` gives the decision upstream makes at that poll.
    const due =
      (i.lastActiveTime === undefined && i.creationTime + initial <= i.now) ||
      (i.lastActiveTime !== undefined && i.lastActiveTime + cooldown <= i.now);
    if (due) {
      const replicas = idleSet ? i.idleReplicaCount! : min;
      return { action: { kind: "deactivate", replicas, idle: idleSet }, touchLastActive: false, ready, active: COND.notActive, reason: "cooldown-passed" };
    }
    return { action: { kind: "none" }, touchLastActive: false, ready, active: COND.cooldown, reason: "cooldown" };
  }
  if (cur < min && !idleSet) {
    return { action: { kind: "setMin", replicas: min }, touchLastActive: false, ready, active: activeCond, reason: "below-min" };
  }
  return { action: { kind: "none" }, touchLastActive: false, ready, active: activeCond, reason: "no-change" };
}

// ---------------------------------------------------------------------------- fallback

export type FallbackBehavior = "static" | "currentReplicas" | "currentReplicasIfHigher" | "currentReplicasIfLower" | "scalingModifiers";

export interface FallbackSpec {
  failureThreshold: number;
  replicas: number;
  behavior?: FallbackBehavior;
}

/** fallback.go: the replacement is used once numberOfFailures > failureThreshold. */
export function fallbackActive(numberOfFailures: number, failureThreshold: number): boolean {
  return numberOfFailures > failureThreshold;
}

/**
 * The synthetic metric value: target × N (N per behavior); for a Value target N is first divided
 * by the ready pods.
 */
export function fallbackValue(f: FallbackSpec, targetType: "AverageValue" | "Value", target: number, currentReplicas: number, readyPods = currentReplicas): number {
  let n: number;
  switch (f.behavior ?? "static") {
    case "currentReplicas":
      n = currentReplicas;
      break;
    case "currentReplicasIfHigher":
      n = Math.max(currentReplicas, f.replicas);
      break;
    case "currentReplicasIfLower":
      n = Math.min(currentReplicas, f.replicas);
      break;
    default:
      n = f.replicas;
  }
  if (targetType === "Value") n = readyPods > 0 ? n / readyPods : n;
  return target * n;
}
