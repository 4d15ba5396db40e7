/**
 * Taints and tolerations (k8s.io/api/core/v1 ToleratesTaint, the TaintToleration and
 * NodeUnschedulable plugins of kube-scheduler 1.32), plus the condition taints the node lifecycle
 * controller puts on NotReady / unreachable nodes.
 */
export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists" | string;
  value?: string;
  effect?: TaintEffect | string;
  tolerationSeconds?: number;
}

export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

/**
 * Toleration.ToleratesTaint: effect must match unless empty; key must match unless empty (an empty key
 * with Exists tolerates everything); operator Equal (or empty) compares values, Exists ignores them.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "") {
    case "":
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (let i = 0; i < tolerations.length; i++) if (toleratesTaint(tolerations[i]!, taint)) return true;
  return false;
}

/**
 * The first taint with effect NoSchedule or NoExecute that no toleration tolerates (the
 * TaintToleration filter), or undefined.
 */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined): Taint | undefined {
  if (!taints) return undefined;
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i]!;
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** The TaintToleration filter's reason string. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

/** NodeUnschedulable's reason string. */
export const REASON_NODE_UNSCHEDULABLE = "node(s) were unschedulable";

/** NodeUnschedulable: a cordoned node rejects pods that do not tolerate node.kubernetes.io/unschedulable:NoSchedule. */
export function toleratesUnschedulable(tolerations: readonly Toleration[] | undefined): boolean {
  return tolerationsTolerateTaint(tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: "NoSchedule" });
}

/** Tolerations that count for scoring (effect empty or PreferNoSchedule). */
export function preferNoScheduleTolerations(tolerations: readonly Toleration[] | undefined): Toleration[] {
  const out: Toleration[] = [];
  for (const t of tolerations ?? []) if (!t.effect || t.effect === "PreferNoSchedule") out.push(t);
  return out;
}

/** TaintToleration score input: number of PreferNoSchedule taints not tolerated. */
export function countIntolerablePreferNoSchedule(taints: readonly Taint[] | undefined, preferTolerations: readonly Toleration[]): number {
  if (!taints) return 0;
  let n = 0;
  for (const taint of taints) {
    if (taint.effect !== "PreferNoSchedule") continue;
    if (!tolerationsTolerateTaint(preferTolerations, taint)) n++;
  }
  return n;
}

interface NodeLike {
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/**
 * The node's taints as the scheduler sees them: spec.taints plus the NoSchedule condition taints the
 * node lifecycle controller (TaintNodesByCondition) adds for a Ready condition that is False
 * (`node.kubernetes.io/not-ready`) or Unknown / missing (`node.kubernetes.io/unreachable`), unless
 * already present. A node with no conditions at all is treated as not-ready, as a freshly registered
 * node is tainted until its kubelet reports Ready.
 */
export function effectiveTaints(node: NodeLike): Taint[] {
  const taints = node.spec?.taints ?? [];
  const conds = node.status?.conditions;
  const ready = conds?.find((c) => c.type === "Ready");
  let extra: Taint | undefined;
  if (!ready) extra = { key: TAINT_NODE_NOT_READY, effect: "NoSchedule" };
  else if (ready.status === "False") extra = { key: TAINT_NODE_NOT_READY, effect: "NoSchedule" };
  else if (ready.status !== "True") extra = { key: TAINT_NODE_UNREACHABLE, effect: "NoSchedule" };
  if (!extra) return taints;
  for (const t of taints) if (t.key === extra.key && t.effect === extra.effect) return taints;
  return [...taints, extra];
}
