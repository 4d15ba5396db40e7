/**
 * Queue / topic event sources (`spec.queues`): an exact, integer message account on virtual time.
 *
 * - The producer's cumulative count is N(t) = floor(∫₀ᵗ rate) (messages are whole); message k goes
 *   to partition k mod P (round-robin partitioner). Per partition, the latest offset is the count of
 *   messages sent to it.
 * - Consumers: a Kafka consumer group assigns partitions with the RangeAssignor (consumers sorted by
 *   member id; consumer i gets a contiguous range, the first P mod n one extra; consumers beyond P
 *   stay idle — at most one consumer per partition). A consumer splits its `perPodRate` evenly over
 *   its partitions. SQS has one queue that every consumer receives from: capacity n × perPodRate.
 * - Between two `advance` calls the rates are constant (the caller advances at every change), so a
 *   partition's backlog evolves as max(0, b₀ + arrivals − capacity·Δt): it is consumed
 *   min(b₀ + arrivals, capacity credit) messages, in whole messages, the fractional remainder of the
 *   credit carried over while there is a backlog (idle capacity is not banked).
 * - Conservation holds by construction and in integers: produced = consumed + remaining, and for SQS
 *   remaining = visible + inFlight, where each busy consumer holds `batchSize` messages in flight
 *   (received, not yet deleted; they turn visible again as soon as their consumer goes away).
 *
 * - Kafka consumers commit their position every auto.commit.interval.ms (5 s, the client default)
 *   and on a rebalance: the group's committed offsets, hence KEDA's lag, trail the position.
 * - SQS: the position counts messages received; a busy consumer holds `batchSize` of them in flight
 *   until processed (deleted). With a backlog every consumer is busy, otherwise ceil(λ / perPodRate)
 *   of them are (the fraction of the group's capacity the arrivals use).
 *
 * Simplifications: no consumer-group rebalance pause, no SQS visibility-timeout redelivery, no
 * retention; the Kafka group has committed offsets from the start (no "invalid offset" case); a
 * stopping SQS worker finishes (deletes) the messages it holds.
 *
 * Consumers that finish (`messagesPerPod` / `idleExit`, e.g. a ScaledJob's Job pods) are modelled
 * per worker, in whole messages, by queue-workers.ts instead.
 */

/** Kafka consumer auto.commit.interval.ms default. */
export const KAFKA_AUTO_COMMIT_INTERVAL_MS = 5000;
import { integral, nextChange, rate as profileRate } from "./profiles.js";
import type { QueueSpec } from "./types.js";

export interface QueueSnapshot {
  name: string;
  type: "sqs" | "kafka" | "rabbitmq" | "redis";
  /** Kafka consumer group id ("" for SQS). */
  group: string;
  partitions: number;
  /** Totals (whole messages). */
  produced: number;
  consumed: number;
  /** Not yet consumed (= Σ lag). */
  remaining: number;
  /** SQS ApproximateNumberOfMessages / NotVisible (Kafka: visible = remaining, inFlight = 0). */
  visible: number;
  inFlight: number;
  /** Per partition: latest offset (log end), consumer position, committed offset of the group, lag (latest − committed). */
  latestOffsets: number[];
  positions: number[];
  committedOffsets: number[];
  lag: number[];
  /** Ready consumers (finishing consumers: those whose worker has not exited) and the producer's current rate (messages/s). */
  consumers: number;
  producerRate: number;
  /** Finishing consumers only (queue-workers.ts): each Ready consumer pod's worker, by pod name. */
  workers?: WorkerSnapshot[];
  /** Finishing consumers only: workers that have exited 0 so far (quota reached or idle). */
  exitedWorkers?: number;
}

/** A finishing consumer's running totals. */
export interface WorkerSnapshot {
  pod: string;
  /** Messages this worker has deleted. */
  processed: number;
  /** Messages it holds in flight (received, not yet deleted). */
  held: number;
  state: "busy" | "waiting" | "exited";
}

/** Messages k < n with k mod p == i. */
function countMod(n: number, p: number, i: number): number {
  return n > i ? Math.floor((n - 1 - i) / p) + 1 : 0;
}

/** RangeAssignor for one topic: [first partition, count] per consumer index. */
export function rangeAssign(partitions: number, consumers: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (consumers <= 0) return out;
  const per = Math.floor(partitions / consumers);
  const extra = partitions % consumers;
  for (let i = 0; i < consumers; i++) out.push([i * per + Math.min(i, extra), per + (i < extra ? 1 : 0)]);
  return out;
}

export class QueueModel {
  readonly partitions: number;
  readonly latest: number[];
  /** Consumer position per partition (messages processed; SQS: received). */
  readonly committed: number[];
  /** Kafka: the offsets the group last committed. */
  readonly commits: number[];
  private credit: number[];
  /** Consumption capacity per partition (messages/s). */
  private cap: number[];
  private produced = 0;
  private consumers = 0;
  private t = 0;

  constructor(readonly spec: QueueSpec) {
    this.partitions = spec.type === "kafka" ? Math.max(1, spec.partitions) : 1;
    this.latest = new Array(this.partitions).fill(0);
    this.committed = new Array(this.partitions).fill(0);
    this.commits = new Array(this.partitions).fill(0);
    this.credit = new Array(this.partitions).fill(0);
    this.cap = new Array(this.partitions).fill(0);
  }

  get now(): number {
    return this.t;
  }

  get consumerCount(): number {
    return this.consumers;
  }

  /** Cumulative whole messages produced by time t. */
  producedBy(t: number): number {
    return Math.floor(integral(this.spec.producer.profile, 0, t) + 1e-9);
  }

  /** Integrate from the last advance to t1 with the current (constant) consumer capacity. */
  advance(t1: number): void {
    if (t1 <= this.t) return;
    const dt = (t1 - this.t) / 1000;
    const n0 = this.produced;
    const n1 = Math.max(n0, this.producedBy(t1));
    const P = this.partitions;
    for (let p = 0; p < P; p++) {
      const arrivals = countMod(n1, P, p) - countMod(n0, P, p);
      this.latest[p]! += arrivals;
      const available = this.latest[p]! - this.committed[p]!;
      const credit = this.credit[p]! + this.cap[p]! * dt;
      const n = Math.min(available, Math.floor(credit + 1e-9));
      this.committed[p]! += n;
      const left = credit - n;
      // While a backlog remains only the fraction of a message is carried; an idle consumer banks nothing.
      this.credit[p] = this.latest[p]! > this.committed[p]! ? Math.max(0, left) : Math.min(Math.max(0, left), 1) % 1;
    }
    this.produced = n1;
    this.t = t1;
  }

  /** Kafka: the consumers commit their positions (auto-commit tick, or a rebalance). */
  commit(): void {
    for (let p = 0; p < this.partitions; p++) this.commits[p] = this.committed[p]!;
  }

  /** New Ready consumer count (advance to now first). */
  setConsumers(n: number): void {
    this.consumers = n;
    const r = this.spec.consumer.perPodRate;
    this.cap.fill(0);
    if (this.spec.type !== "kafka") {
      this.cap[0] = n * r;
      return;
    }
    for (const [first, count] of rangeAssign(this.partitions, n)) for (let p = first; p < first + count; p++) this.cap[p] = r / count;
  }

  /** Messages/s consumer `i` (in assignment order) processes right now. */
  consumerRate(i: number): number {
    const lambda = profileRate(this.spec.producer.profile, this.t);
    if (this.spec.type !== "kafka") {
      if (this.consumers <= 0) return 0;
      const cap = this.cap[0]!;
      const busy = this.latest[0]! > this.committed[0]!;
      return (busy ? cap : Math.min(cap, lambda)) / this.consumers;
    }
    const a = rangeAssign(this.partitions, this.consumers)[i];
    if (!a) return 0;
    let sum = 0;
    for (let p = a[0]; p < a[0] + a[1]; p++) {
      const busy = this.latest[p]! > this.committed[p]!;
      sum += busy ? this.cap[p]! : Math.min(this.cap[p]!, lambda / this.partitions);
    }
    return sum;
  }

  /**
   * The next time (ms) anything changes on its own: a producer rate breakpoint or a partition whose
   * backlog empties at the current rates (when consumers' CPU falls to the arrival rate).
   */
  nextEvent(stepMs: number): number | undefined {
    let next = nextChange(this.spec.producer.profile, this.t, stepMs);
    const lambda = profileRate(this.spec.producer.profile, this.t) / this.partitions;
    for (let p = 0; p < this.partitions; p++) {
      const b = this.latest[p]! - this.committed[p]!;
      const net = this.cap[p]! - lambda;
      if (b > 0 && net > 0) {
        const at = this.t + Math.max(1, Math.ceil((b / net) * 1000));
        if (next === undefined || at < next) next = at;
      }
    }
    return next;
  }

  snapshot(): QueueSnapshot {
    // SQS, RabbitMQ and Redis lists are work queues (one shared backlog); Kafka is partitioned.
    const sqs = this.spec.type !== "kafka";
    const P = this.partitions;
    let remaining = 0;
    let position = 0;
    const lag: number[] = new Array(P);
    for (let p = 0; p < P; p++) {
      lag[p] = this.latest[p]! - (sqs ? this.committed[p]! : this.commits[p]!);
      remaining += this.latest[p]! - this.committed[p]!;
      position += this.committed[p]!;
    }
    let inFlight = 0;
    if (sqs) {
      const c = this.spec.consumer;
      const lambda = profileRate(this.spec.producer.profile, this.t);
      const busy = remaining > 0 ? this.consumers : Math.min(this.consumers, c.perPodRate > 0 ? Math.max(0, Math.ceil(lambda / c.perPodRate - 1e-9)) : 0);
      inFlight = Math.min(position, busy * (c.batchSize ?? 1));
    }
    return {
      name: this.spec.name,
      type: this.spec.type,
      group: sqs ? "" : (this.spec.consumer.group ?? `${this.spec.name}-consumers`),
      partitions: P,
      produced: this.produced,
      consumed: position - inFlight,
      remaining: remaining + inFlight,
      visible: remaining,
      inFlight,
      latestOffsets: [...this.latest],
      positions: [...this.committed],
      committedOffsets: sqs ? [...this.committed] : [...this.commits],
      lag,
      consumers: this.consumers,
      producerRate: profileRate(this.spec.producer.profile, this.t),
    };
  }
}
