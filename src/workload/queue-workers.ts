/**
 * Finishing consumers of a work queue (`consumer.messagesPerPod` / `consumer.idleExit`): each Ready
 * pod is a worker that takes whole messages, processes them one after another and exits 0 when it
 * is done — the Job pods of a KEDA ScaledJob. Plain consumers stay on the fluid model of queues.ts.
 *
 * A worker loops ReceiveMessage → process → DeleteMessage:
 * - it receives min(batchSize, visible, quota left) messages at once and holds them in flight
 *   (SQS ApproximateNumberOfMessagesNotVisible, RabbitMQ unacked, a Redis list's popped items);
 * - message j (1-based) of a batch received at s is deleted at s + ⌈j · 1000 / perPodRate⌉ ms
 *   (measured from the batch start, so rounding to whole milliseconds never drifts within a batch);
 * - after `messagesPerPod` deletions it exits 0 at once;
 * - with nothing to receive it long-polls: the first message to arrive goes to the worker that has
 *   waited longest (ties: pod name); after `idleExitMs` without one it exits 0 (SQS returns an empty
 *   receive after WaitTimeSeconds, at most 20 s, and a Job worker then ends);
 * - a worker that goes away (pod deleted, not Ready) before it deletes what it holds returns those
 *   messages to the queue at once, visible to the other workers.
 * Events at one instant run in the order: deletions, arrivals handed out, idle exits — so a
 * message arriving exactly at the idle deadline is still received.
 *
 * The account is integer and exact at every instant: produced = deleted + visible + Σ held, with
 * produced = ⌊∫ rate⌋ as in the fluid model.
 *
 * Simplifications: receives and deletes take no time; a returned message is visible at once (SQS
 * really waits for its visibility timeout, RabbitMQ requeues on channel close as here, a plain Redis
 * BRPOP would lose it); a pod that stops being Ready and comes back starts a fresh worker (count 0).
 */
import { integral, nextChange, rate as profileRate } from "./profiles.js";
import type { QueueSnapshot, WorkerSnapshot } from "./queues.js";
import type { QueueSpec } from "./types.js";

/** SQS ReceiveMessage's longest long poll (WaitTimeSeconds ≤ 20): the default idle exit of a finishing worker. */
export const SQS_MAX_WAIT_TIME_MS = 20_000;

/** Whether a consumer spec has finishing workers (then QueueWorkerModel models it, not QueueModel). */
export function isFinishing(consumer: QueueSpec["consumer"]): boolean {
  return consumer.messagesPerPod !== undefined || consumer.idleExitMs !== undefined;
}

interface Worker {
  readonly pod: string;
  processed: number;
  held: number;
  /** Size of the batch being processed (0 when not busy). */
  batch: number;
  batchStart: number;
  /** When it started waiting for a message (-1 when busy or exited). */
  waitingSince: number;
  exited: boolean;
}

/** Arrival searches walk the producer profile's segments; this bounds a walk over an all-zero stretch. */
const MAX_SEGMENTS = 100_000;

export class QueueWorkerModel {
  /** Workers sorted by pod name (the scan order breaks ties by name). */
  private workers: Worker[] = [];
  private readonly byPod = new Map<string, Worker>();
  private produced = 0;
  /** Messages taken off the queue and not returned (deleted + held). */
  private received = 0;
  private deleted = 0;
  private exitedTotal = 0;
  private t = 0;
  private pendingExits: string[] = [];
  /**
   * The last arrival search: message number `target` is produced at `at`, or (at undefined) not
   * before `searchedTo`. Several searches per event would otherwise each bisect the profile again.
   */
  private arrival = { target: -1, at: undefined as number | undefined, searchedTo: 0 };
  private readonly quota: number;
  private readonly batchSize: number;
  private readonly idleExitMs: number | undefined;

  constructor(readonly spec: QueueSpec) {
    const c = spec.consumer;
    this.quota = c.messagesPerPod ?? Infinity;
    this.batchSize = Math.max(1, c.batchSize ?? 1);
    this.idleExitMs = c.idleExitMs;
  }

  get now(): number {
    return this.t;
  }

  /** Cumulative whole messages produced by time t. */
  producedBy(t: number): number {
    return Math.floor(integral(this.spec.producer.profile, 0, t) + 1e-9);
  }

  /** Run every deletion, arrival and idle exit up to and including t1. */
  advance(t1: number): void {
    if (t1 <= this.t) return;
    for (;;) {
      const e = this.nextInternal(t1);
      if (e === undefined || e > t1) break;
      this.step(e);
    }
    this.produced = Math.max(this.produced, this.producedBy(t1));
    this.t = t1;
  }

  /**
   * The Ready consumer pods now (sorted by name; advance to now first). New pods start waiting for a
   * message; pods no longer listed go away, and what they held turns visible again.
   */
  setWorkers(pods: readonly string[]): void {
    const keep = new Set(pods);
    for (const w of this.workers) {
      if (keep.has(w.pod)) continue;
      this.received -= w.held;
      this.byPod.delete(w.pod);
    }
    const next: Worker[] = [];
    for (const pod of pods) {
      let w = this.byPod.get(pod);
      if (!w) {
        w = { pod, processed: 0, held: 0, batch: 0, batchStart: 0, waitingSince: this.t, exited: false };
        this.byPod.set(pod, w);
      }
      next.push(w);
    }
    this.workers = next;
    this.settle(this.t);
  }

  /** Pods whose worker exited 0 since the last call, in the order they exited. */
  takeExits(): readonly string[] {
    if (this.pendingExits.length === 0) return NO_EXITS;
    const out = this.pendingExits;
    this.pendingExits = [];
    return out;
  }

  /** Messages/s a worker processes right now (perPodRate while it holds messages, else 0). */
  workerRate(pod: string): number {
    const w = this.byPod.get(pod);
    return w && w.held > 0 ? this.spec.consumer.perPodRate : 0;
  }

  /** The next time (ms) something happens on its own: a deletion, an idle exit, a message for a waiting worker. */
  nextEvent(): number | undefined {
    const at = this.nextInternal(undefined);
    return at === undefined || at === Infinity ? undefined : at;
  }

  snapshot(): QueueSnapshot {
    let inFlight = 0;
    let live = 0;
    const workers: WorkerSnapshot[] = new Array(this.workers.length);
    for (let i = 0; i < this.workers.length; i++) {
      const w = this.workers[i]!;
      inFlight += w.held;
      if (!w.exited) live++;
      workers[i] = { pod: w.pod, processed: w.processed, held: w.held, state: w.exited ? "exited" : w.held > 0 ? "busy" : "waiting" };
    }
    const visible = this.produced - this.received;
    return {
      name: this.spec.name,
      type: this.spec.type,
      group: "",
      partitions: 1,
      produced: this.produced,
      consumed: this.deleted,
      remaining: visible + inFlight,
      visible,
      inFlight,
      latestOffsets: [this.produced],
      positions: [this.received],
      committedOffsets: [this.received],
      lag: [visible],
      consumers: live,
      producerRate: profileRate(this.spec.producer.profile, this.t),
      workers,
      exitedWorkers: this.exitedTotal,
    };
  }

  // ---------------------------------------------------------------- events

  /** Earliest pending event after the current time; the arrival search stops at `limit` or the earliest other event. */
  private nextInternal(limit: number | undefined): number | undefined {
    let next: number | undefined;
    let waiting = false;
    for (const w of this.workers) {
      if (w.exited) continue;
      let at: number;
      if (w.batch > 0) at = this.completionAt(w);
      else if (this.idleExitMs !== undefined) {
        waiting = true;
        at = w.waitingSince + this.idleExitMs;
      } else {
        waiting = true;
        continue;
      }
      if (next === undefined || at < next) next = at;
    }
    if (waiting) {
      const bound = next !== undefined && limit !== undefined ? Math.min(next, limit) : (next ?? limit);
      const a = this.nextArrival(bound);
      if (a !== undefined && (next === undefined || a < next)) next = a;
    }
    return next;
  }

  private step(at: number): void {
    this.t = at;
    this.produced = Math.max(this.produced, this.producedBy(at));
    for (const w of this.workers) {
      while (w.batch > 0 && this.completionAt(w) <= at) {
        w.held--;
        w.processed++;
        this.deleted++;
        if (w.held === 0) {
          w.batch = 0;
          if (w.processed >= this.quota) this.exit(w);
          else w.waitingSince = at;
        }
      }
    }
    this.settle(at);
  }

  /** Hand visible messages to waiting workers (longest wait first), then end the workers whose wait is over. */
  private settle(at: number): void {
    while (this.produced > this.received) {
      let pick: Worker | undefined;
      for (const w of this.workers) if (!w.exited && w.batch === 0 && (!pick || w.waitingSince < pick.waitingSince)) pick = w;
      if (!pick) break;
      const k = Math.min(this.batchSize, this.produced - this.received, this.quota - pick.processed);
      this.received += k;
      pick.held = k;
      pick.batch = k;
      pick.batchStart = at;
      pick.waitingSince = -1;
    }
    if (this.idleExitMs === undefined) return;
    for (const w of this.workers) if (!w.exited && w.batch === 0 && w.waitingSince + this.idleExitMs <= at) this.exit(w);
  }

  private exit(w: Worker): void {
    w.exited = true;
    w.waitingSince = -1;
    this.exitedTotal++;
    this.pendingExits.push(w.pod);
  }

  private completionAt(w: Worker): number {
    const r = this.spec.consumer.perPodRate;
    if (!(r > 0)) return Infinity;
    const j = w.batch - w.held + 1;
    return w.batchStart + Math.ceil((j * 1000) / r - 1e-9);
  }

  /**
   * When the next message is produced (integer ms after now), or undefined if not by `bound`: the
   * profile is walked segment by segment, then the first whole message found by bisection on ⌊∫ rate⌋.
   */
  private nextArrival(bound: number | undefined): number | undefined {
    const target = this.produced + 1;
    const c = this.arrival;
    if (c.target === target) {
      if (c.at !== undefined) return bound === undefined || c.at <= bound ? c.at : undefined;
      if ((bound ?? Infinity) <= c.searchedTo) return undefined;
    }
    const at = this.searchArrival(target, bound);
    c.target = target;
    c.at = at;
    c.searchedTo = at === undefined && bound !== undefined ? bound : Infinity;
    return at;
  }

  private searchArrival(target: number, bound: number | undefined): number | undefined {
    const profile = this.spec.producer.profile;
    let lo = this.t;
    for (let i = 0; i < MAX_SEGMENTS; i++) {
      const end = nextChange(profile, lo);
      let hi: number;
      if (end === undefined) {
        const r = profileRate(profile, lo);
        if (!(r > 0)) return undefined;
        hi = lo + Math.max(1, Math.ceil(((target - integral(profile, 0, lo)) * 1000) / r)) + 1;
      } else hi = end;
      if (bound !== undefined && hi >= bound) {
        if (bound <= lo || this.producedBy(bound) < target) return undefined;
        hi = bound;
      }
      if (this.producedBy(hi) >= target) {
        // Smallest integer ms in (lo, hi] with a new message.
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.producedBy(mid) >= target) hi = mid;
          else lo = mid;
        }
        return hi;
      }
      lo = hi;
    }
    return undefined;
  }
}

const NO_EXITS: readonly string[] = [];
