/**
 * What every simulated controller gets, and the work queue they share. Controllers never call each
 * other: they read and write objects in the store and wake on watch events or on timers of the
 * virtual clock (DESIGN.md, "the store is the only shared state").
 */
import type { Clock } from "../core/clock.js";
import type { Rng } from "../core/rng.js";
import type { EventRecorder } from "./events.js";
import type { Logger, LogSink } from "./logs.js";
import type { Store } from "./store.js";

export interface ControllerContext {
  store: Store;
  clock: Clock;
  /** Seeded; call `rng.fork(name)` once at start for a private stream. */
  rng: Rng;
  events: EventRecorder;
  logs: LogSink;
  /** Shared, non-API state of the simulated machines (container runtime, load). See cluster/runtime.ts. */
  services: Map<string, unknown>;
}

export interface Controller {
  readonly name: string;
  start(ctx: ControllerContext): void;
  /** Optional: stop timers/watches (used by what-if forks and tests). */
  stop?(): void;
}

/**
 * A rate-limited work queue on virtual time: keys added several times before they are processed
 * collapse into one reconcile, like client-go's workqueue. `add(key, delayMs)` schedules the key;
 * an earlier pending schedule wins.
 */
export class WorkQueue {
  private due = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly reconcile: (key: string) => void,
  ) {}

  add(key: string, delayMs = 0): void {
    const at = this.clock.now() + Math.max(0, delayMs);
    const prev = this.due.get(key);
    if (prev !== undefined && prev <= at) return;
    this.due.set(key, at);
    this.clock.at(at, () => {
      if (this.due.get(key) !== at) return; // superseded by an earlier schedule, or already done
      this.due.delete(key);
      this.reconcile(key);
    });
  }

  forget(key: string): void {
    this.due.delete(key);
  }

  get length(): number {
    return this.due.size;
  }
}

export type { Logger };
