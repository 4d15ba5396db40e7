/**
 * The VPA updater (1.3): every --updater-interval (1m), for each VPA in Auto/Recreate mode with a
 * recommendation, ranks its live pods (priority calculator) and evicts through the Eviction API
 * within the per-replica-group tolerance (--min-replicas 2, --eviction-tolerance 0.5), each eviction
 * after the rate limiter's Wait (--eviction-rate-limit, default unlimited; --eviction-rate-burst 1).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { controllerOf, type KubeObject } from "../../api/meta.js";
import { EVICTION_BLOCKED_MESSAGE, evictPod } from "../../cluster/eviction.js";
import { VPA_KIND, VPA_OBSERVED_CONTAINERS_ANNOTATION, amountOf, containerPolicy, updateModeOf, type RecommendedContainer, type ResourceList, type VpaObject } from "./api.js";
import { controllingVpa, limitRangesFor, processRecommendation, targetSelector } from "./common.js";
import { TokenBucket } from "./ratelimit.js";

export const UPDATER_COMPONENT = "vpa-updater";
export const EVICTED_BY_VPA_MESSAGE = "Pod was evicted by VPA Updater to apply resource recommendation.";

export interface UpdaterOptions {
  intervalMs?: number;
  minReplicas?: number;
  evictionTolerance?: number;
  podLifetimeUpdateThresholdMs?: number;
  minChangePriority?: number;
  evictAfterOomThresholdMs?: number;
  /** --eviction-rate-limit: evictions per second; -1 (≤ 0) = unlimited. */
  evictionRateLimit?: number;
  /** --eviction-rate-burst. */
  evictionRateBurst?: number;
}

export interface PodPriority {
  outsideRecommendedRange: boolean;
  scaleUp: boolean;
  resourceDiff: number;
}

function milli(resource: string, q: string | number | undefined): number {
  // Quantity.MilliValue: CPU millicores, memory milli-bytes.
  return resource === "cpu" ? amountOf("cpu", q) : amountOf(resource, q) * 1000;
}

function observedContainers(pod: KubeObject): Set<string> | undefined {
  const v = pod.metadata.annotations?.[VPA_OBSERVED_CONTAINERS_ANNOTATION];
  return v === undefined ? undefined : new Set(v.split(", ").filter((s) => s !== ""));
}

/** GetUpdatePriority of the default priority processor. */
export function updatePriority(pod: KubeObject, recs: RecommendedContainer[]): PodPriority {
  let outside = false;
  let scaleUp = false;
  const totalReq = new Map<string, number>();
  const totalRec = new Map<string, number>();
  const observed = observedContainers(pod);
  for (const c of (pod.spec?.containers ?? []) as Array<{ name: string; resources?: { requests?: ResourceList } }>) {
    if (observed && !observed.has(c.name)) continue;
    const rec = recs.find((r) => r.containerName === c.name);
    if (!rec) continue;
    for (const [r, q] of Object.entries(rec.target)) {
      const recommended = milli(r, q);
      totalRec.set(r, (totalRec.get(r) ?? 0) + recommended);
      const req = c.resources?.requests?.[r];
      if (req !== undefined) {
        const request = milli(r, req);
        totalReq.set(r, (totalReq.get(r) ?? 0) + request);
        if (recommended > request) scaleUp = true;
        const lo = rec.lowerBound?.[r];
        const hi = rec.upperBound?.[r];
        if ((lo !== undefined && request < milli(r, lo)) || (hi !== undefined && request > milli(r, hi))) outside = true;
      } else {
        scaleUp = true;
        outside = true;
      }
    }
  }
  let diff = 0;
  for (const [r, rec] of totalRec) {
    const req = Math.max(totalReq.get(r) ?? 0, 1);
    diff += Math.abs(req - rec) / req;
  }
  return { outsideRecommendedRange: outside, scaleUp, resourceDiff: diff };
}

interface ReplicaGroup {
  configured: number;
  tolerance: number;
  running: number;
  evicted: number;
}

/** One VPA's pods for this loop, ranked, with the eviction restriction's bookkeeping. */
interface VpaPlan {
  vpa: VpaObject;
  candidates: KubeObject[];
  groups: Map<string, ReplicaGroup>;
  groupOf: Map<KubeObject, string>;
}

export class VpaUpdater implements Controller {
  readonly name = UPDATER_COMPONENT;
  private ctx!: ControllerContext;
  private stopped = false;
  readonly opts: Required<UpdaterOptions>;
  private readonly limiter: TokenBucket;
  /** A loop is waiting on the rate limiter. */
  private busy = false;
  /** time.Tick keeps one tick while the loop runs; it starts the next loop as soon as this one ends. */
  private pendingTick = false;

  constructor(opts: UpdaterOptions = {}) {
    this.opts = {
      intervalMs: opts.intervalMs ?? 60_000,
      minReplicas: opts.minReplicas ?? 2,
      evictionTolerance: opts.evictionTolerance ?? 0.5,
      podLifetimeUpdateThresholdMs: opts.podLifetimeUpdateThresholdMs ?? 12 * 3_600_000,
      minChangePriority: opts.minChangePriority ?? 0.1,
      evictAfterOomThresholdMs: opts.evictAfterOomThresholdMs ?? 10 * 60_000,
      evictionRateLimit: opts.evictionRateLimit ?? -1,
      evictionRateBurst: opts.evictionRateBurst ?? 1,
    };
    this.limiter = new TokenBucket(this.opts.evictionRateLimit, this.opts.evictionRateBurst);
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    const tick = (): void => {
      if (this.stopped) return;
      ctx.clock.after(this.opts.intervalMs, tick);
      if (this.busy) this.pendingTick = true;
      else this.runOnce();
    };
    ctx.clock.after(this.opts.intervalMs, tick);
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * One RunOnce, with a context that times out after --updater-interval. Runs synchronously unless
   * the eviction rate limiter makes it wait; then it resumes on the virtual clock.
   */
  runOnce(): void {
    this.busy = true;
    this.drive(this.loop(this.ctx.clock.now() + this.opts.intervalMs));
  }

  private drive(loop: Generator<number, void, void>): void {
    const next = loop.next();
    if (!next.done) {
      this.ctx.clock.after(next.value, () => this.drive(loop));
      return;
    }
    this.busy = false;
    if (this.pendingTick && !this.stopped) {
      this.pendingTick = false;
      this.runOnce();
    }
  }

  /** The loop body; yields the milliseconds to sleep in evictionRateLimiter.Wait. */
  private *loop(deadline: number): Generator<number, void, void> {
    const { store, clock } = this.ctx;
    const log = this.ctx.logs.logger(UPDATER_COMPONENT);
    // VPAs and their live pods are listed once, at the start of the loop.
    const work: Array<{ vpa: VpaObject; pods: KubeObject[] }> = [];
    for (const vpa of store.list<VpaObject>(VPA_KIND)) {
      const mode = updateModeOf(vpa);
      if (mode !== "Auto" && mode !== "Recreate") continue;
      if (!vpa.status?.recommendation?.containerRecommendations?.length) continue;
      const sel = targetSelector(store, vpa);
      if (!sel) continue;
      const pods = store
        .list("Pod", { namespace: vpa.metadata.namespace ?? "default", labelSelector: sel })
        .filter((p) => p.spec?.nodeName && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed" && !p.metadata.deletionTimestamp)
        .filter((p) => controllingVpa(store, p)?.metadata.uid === vpa.metadata.uid);
      if (pods.length > 0) work.push({ vpa, pods });
    }
    for (const { vpa, pods } of work) {
      const plan = this.plan(vpa, pods);
      for (const pod of plan.candidates) {
        if (!this.canEvict(plan, pod)) continue;
        const r = this.limiter.reserve(clock.now(), deadline - clock.now());
        if (!r.ok) {
          log.info("Eviction rate limiter wait failed", { error: r.error });
          return;
        }
        if (r.waitMs > 0) yield r.waitMs;
        this.evict(plan, pod);
      }
    }
  }

  /** The eviction restriction per replica group, and the pods the priority calculator admits, in order. */
  private plan(vpa: VpaObject, pods: KubeObject[]): VpaPlan {
    const { store, clock } = this.ctx;
    const now = clock.now();
    const minReplicas = vpa.spec.updatePolicy?.minReplicas ?? this.opts.minReplicas;
    const groups = new Map<string, ReplicaGroup>();
    const groupOf = new Map<KubeObject, string>();
    const byOwner = new Map<string, KubeObject[]>();
    for (const p of pods) {
      const ref = controllerOf(p);
      if (!ref) continue;
      const k = `${ref.kind}/${ref.name}`;
      let l = byOwner.get(k);
      if (!l) byOwner.set(k, (l = []));
      l.push(p);
    }
    for (const [k, list] of byOwner) {
      if (list.length < minReplicas) continue; // too few replicas
      const [kind, name] = k.split("/") as [string, string];
      const owner = store.get(kind, vpa.metadata.namespace, name);
      const configured = kind === "DaemonSet" ? (owner?.status?.numberReady ?? 0) : kind === "Job" ? list.length : (owner?.spec?.replicas ?? 1);
      const pending = list.filter((p) => p.status?.phase === "Pending").length;
      groups.set(k, { configured, tolerance: Math.floor(configured * this.opts.evictionTolerance), running: list.length - pending, evicted: 0 });
      for (const p of list) groupOf.set(p, k);
    }
    // Priority calculator.
    const candidates: Array<{ pod: KubeObject; prio: PodPriority }> = [];
    const ranges = limitRangesFor(store, vpa.metadata.namespace);
    for (const pod of pods) {
      if (!groupOf.has(pod)) continue;
      const processed = processRecommendation(vpa, pod, ranges);
      const prio = updatePriority(pod, processed.containers);
      const observed = observedContainers(pod);
      let quickOOM = false;
      for (const cs of (pod.status?.containerStatuses ?? []) as Array<{ name: string; lastState?: any }>) {
        if (observed && !observed.has(cs.name)) continue;
        if (containerPolicy(vpa, cs.name)?.mode === "Off") continue;
        const t = cs.lastState?.terminated;
        if (t?.reason === "OOMKilled" && t.startedAt && t.finishedAt && Date.parse(t.finishedAt) - Date.parse(t.startedAt) < this.opts.evictAfterOomThresholdMs) quickOOM = true;
      }
      if (!prio.outsideRecommendedRange && !quickOOM) {
        const startTime = pod.status?.startTime;
        if (!startTime) continue;
        if (now < Date.parse(startTime) - clock.epochMs + this.opts.podLifetimeUpdateThresholdMs) continue;
        if (prio.resourceDiff < this.opts.minChangePriority) continue;
      }
      if (quickOOM && prio.resourceDiff === 0) continue;
      candidates.push({ pod, prio });
    }
    candidates.sort((a, b) => (a.prio.scaleUp !== b.prio.scaleUp ? (a.prio.scaleUp ? -1 : 1) : b.prio.resourceDiff - a.prio.resourceDiff));
    return { vpa, candidates: candidates.map((c) => c.pod), groups, groupOf };
  }

  /** PodsEvictionRestriction.CanEvict. */
  private canEvict(plan: VpaPlan, p: KubeObject): boolean {
    const k = plan.groupOf.get(p);
    if (!k) return false;
    if (p.status?.phase === "Pending") return true;
    const g = plan.groups.get(k)!;
    if (g.running - g.evicted > g.configured - g.tolerance) return true;
    return g.running === g.configured && g.tolerance === 0 && g.evicted === 0;
  }

  /** PodsEvictionRestriction.Evict through the Eviction API (PodDisruptionBudgets apply). */
  private evict(plan: VpaPlan, pod: KubeObject): void {
    const { store, events } = this.ctx;
    const log = this.ctx.logs.logger(UPDATER_COMPONENT);
    const cur = store.get("Pod", pod.metadata.namespace, pod.metadata.name!);
    if (!cur || cur.metadata.uid !== pod.metadata.uid) {
      // Gone while the loop waited on the rate limiter: the eviction answers 404.
      log.warn(`failed to evict pod ${pod.metadata.name}, error: pods "${pod.metadata.name}" not found`, { pod: pod.metadata.name });
      return;
    }
    if (evictPod(store, cur) !== true) {
      log.warn(`failed to evict pod ${pod.metadata.name}, error: ${EVICTION_BLOCKED_MESSAGE}`, { pod: pod.metadata.name });
      return;
    }
    if (pod.status?.phase !== "Pending") plan.groups.get(plan.groupOf.get(pod)!)!.evicted++;
    log.info("evicting pod", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, vpa: plan.vpa.metadata.name });
    events.record(pod, "Normal", "EvictedByVPA", EVICTED_BY_VPA_MESSAGE, UPDATER_COMPONENT);
    events.record(plan.vpa, "Normal", "EvictedPod", `VPA Updater evicted Pod ${pod.metadata.name} to apply resource recommendation.`, UPDATER_COMPONENT);
  }
}
