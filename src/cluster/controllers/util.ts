/**
 * Helpers shared by the workload controllers: pod readiness/availability as k8s.io/kubernetes
 * pkg/api/v1/pod (podutil) computes it, and a work queue that reconciles a key at most once per
 * virtual instant.
 */
import { WorkQueue } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import type { Clock } from "../../core/clock.js";

export const isTerminal = (p: KubeObject): boolean => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

/** controller.IsPodActive: not terminal and not being deleted. */
export const isPodActive = (p: KubeObject): boolean => !isTerminal(p) && !p.metadata.deletionTimestamp;

export function readyCondition(p: KubeObject): { status: string; lastTransitionTime?: string } | undefined {
  const conds = p.status?.conditions as Array<{ type: string; status: string; lastTransitionTime?: string }> | undefined;
  if (!conds) return undefined;
  for (const c of conds) if (c.type === "Ready") return c;
  return undefined;
}

/** podutil.IsPodReady. */
export function isPodReady(p: KubeObject): boolean {
  return readyCondition(p)?.status === "True";
}

/**
 * podutil.IsPodAvailable: ready for at least minReadySeconds (strictly: lastTransitionTime +
 * minReadySeconds is before now).
 */
export function isPodAvailable(p: KubeObject, minReadySeconds: number, now: number, clock: Clock): boolean {
  const c = readyCondition(p);
  if (!c || c.status !== "True") return false;
  if (!minReadySeconds) return true;
  if (!c.lastTransitionTime) return false;
  return clock.parseIso(c.lastTransitionTime) + minReadySeconds * 1000 < now;
}

/** When a ready pod that is not yet available becomes available (virtual ms), or undefined. */
export function availableAt(p: KubeObject, minReadySeconds: number, clock: Clock): number | undefined {
  const c = readyCondition(p);
  if (!c || c.status !== "True" || !c.lastTransitionTime) return undefined;
  // Strictly after lastTransitionTime + minReadySeconds; timestamps have 1 s resolution.
  return clock.parseIso(c.lastTransitionTime) + minReadySeconds * 1000 + 1;
}

/** Sorted-key JSON, the deterministic serialization used for template hashing and equality. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  const keys = Object.keys(v as object).sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(x)}`;
    first = false;
  }
  return out + "}";
}

/**
 * A WorkQueue that (a) drops adds of the key being reconciled right now (the reconcile already sees
 * its own writes: the store is synchronous) and (b) reconciles a key at most once per virtual
 * instant: a second add at an instant where the key already ran is pushed 1 ms later.
 */
export class KeyQueue {
  private readonly q: WorkQueue;
  private busy: string | undefined;
  private lastRun = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    reconcile: (key: string) => void,
  ) {
    this.q = new WorkQueue(clock, (key) => {
      this.busy = key;
      this.lastRun.set(key, this.clock.now());
      try {
        reconcile(key);
      } finally {
        this.busy = undefined;
      }
    });
  }

  add(key: string, delayMs = 0): void {
    if (delayMs <= 0) {
      if (key === this.busy) return;
      if (this.lastRun.get(key) === this.clock.now()) delayMs = 1;
    }
    this.q.add(key, delayMs);
  }

  /** Drop bookkeeping for a deleted object. */
  forget(key: string): void {
    this.lastRun.delete(key);
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}
