/**
 * The `cluster-autoscaler-status` ConfigMap (clusterstate/utils/status.go, clusterstate/api/types.go),
 * in the YAML layout written from 1.30 on. sigs.k8s.io/yaml marshals through JSON into a map, so keys
 * come out sorted; `omitempty` drops zero ints (beingDeleted, candidates) but not structs.
 */
import { stringify } from "yaml";

export interface Condition {
  status: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

export interface NodeCounts {
  total: number;
  ready: number;
  notStarted: number;
  beingDeleted: number;
  unreadyTotal: number;
  resourceUnready: number;
  longUnregistered: number;
  unregistered: number;
}

export interface GroupStatus {
  name: string;
  health: Condition & { counts: NodeCounts; target: number; min: number; max: number };
  scaleUp: Condition & { backoff?: { errorCode: string; errorMessage: string } };
  scaleDown: Condition & { candidates: number };
}

export interface ClusterStatus {
  /** `2006-01-02 15:04:05.999999999 -0700 MST` */
  time: string;
  autoscalerStatus: "Running" | "Initializing";
  message?: string;
  health: Condition & { counts: NodeCounts };
  scaleUp: Condition;
  scaleDown: Condition & { candidates: number };
  groups: GroupStatus[];
}

/** Go's time.Time.String()-style layout used for the status time and last-updated annotation. */
export function goStatusTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  const frac = ms ? `.${p(ms, 3)}`.replace(/0+$/, "") : "";
  return `${base}${frac} +0000 UTC`;
}

function counts(c: NodeCounts): Record<string, unknown> {
  const registered: Record<string, unknown> = { total: c.total, ready: c.ready, notStarted: c.notStarted, unready: { total: c.unreadyTotal, resourceUnready: c.resourceUnready } };
  if (c.beingDeleted) registered.beingDeleted = c.beingDeleted;
  return { registered, longUnregistered: c.longUnregistered, unregistered: c.unregistered };
}

function cond(c: Condition, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: c.status, ...extra, lastProbeTime: c.lastProbeTime, lastTransitionTime: c.lastTransitionTime };
}

export function statusObject(s: ClusterStatus): Record<string, unknown> {
  const clusterWide = {
    health: cond(s.health, { nodeCounts: counts(s.health.counts) }),
    scaleUp: cond(s.scaleUp),
    scaleDown: cond(s.scaleDown, s.scaleDown.candidates ? { candidates: s.scaleDown.candidates } : {}),
  };
  const out: Record<string, unknown> = { time: s.time, autoscalerStatus: s.autoscalerStatus, clusterWide };
  if (s.message) out.message = s.message;
  if (s.groups.length) {
    out.nodeGroups = s.groups.map((g) => ({
      name: g.name,
      health: cond(g.health, { nodeCounts: counts(g.health.counts), cloudProviderTarget: g.health.target, minSize: g.health.min, maxSize: g.health.max }),
      scaleUp: cond(g.scaleUp, { backoffInfo: g.scaleUp.backoff ?? { errorCode: "", errorMessage: "" } }),
      scaleDown: cond(g.scaleDown, g.scaleDown.candidates ? { candidates: g.scaleDown.candidates } : {}),
    }));
  }
  return out;
}

/** data.status text. */
export function renderStatus(s: ClusterStatus): string {
  return stringify(statusObject(s), { sortMapEntries: true, lineWidth: 0 });
}

/** Keep lastTransitionTime unless the status changed. */
export function transition(prev: Condition | undefined, status: string, now: string): Condition {
  if (prev && prev.status === status) return { status, lastProbeTime: now, lastTransitionTime: prev.lastTransitionTime };
  return { status, lastProbeTime: now, lastTransitionTime: now };
}
