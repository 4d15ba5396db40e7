/**
 * Virtual time. Every controller in the simulated cluster reads time from here and schedules its
 * wake-ups here, so a 24-hour run takes as long as its work, not as long as a day.
 *
 * Times are integer milliseconds since the scenario start (t = 0). `epochMs` maps t = 0 to a calendar
 * instant for object timestamps (creationTimestamp, lastTransitionTime, …).
 */
export type TimerCallback = () => void;

export interface TimerHandle {
  readonly at: number;
  cancelled: boolean;
}

interface Timer extends TimerHandle {
  seq: number;
  fn: TimerCallback;
}

export interface Clock {
  /** Virtual milliseconds since scenario start. */
  now(): number;
  /** Calendar time of t = 0, in Unix milliseconds. */
  readonly epochMs: number;
  /** Run `fn` at virtual time `at` (ms). Timers at the same instant run in scheduling order. */
  at(at: number, fn: TimerCallback): TimerHandle;
  /** Run `fn` after `delayMs` virtual milliseconds. */
  after(delayMs: number, fn: TimerCallback): TimerHandle;
  cancel(handle: TimerHandle): void;
  /** RFC 3339 timestamp (seconds precision, like metav1.Time) of virtual time `t` (default now). */
  iso(t?: number): string;
  /** Virtual ms of an RFC 3339 timestamp produced by `iso`. */
  parseIso(s: string): number;
}

/** Binary min-heap event queue ordered by (time, insertion sequence): deterministic tie-breaking. */
export class VirtualClock implements Clock {
  private heap: Timer[] = [];
  private seq = 0;
  private t = 0;
  private processed = 0;
  /** The last `iso` answer: many objects are stamped within the same second, and share one string. */
  private isoSecond = NaN;
  private isoText = "";
  readonly epochMs: number;

  constructor(epochMs = Date.UTC(2025, 0, 1, 0, 0, 0)) {
    this.epochMs = epochMs;
  }

  now(): number {
    return this.t;
  }

  /** Number of timer callbacks run so far (for benchmarks). */
  get eventsProcessed(): number {
    return this.processed;
  }

  get pending(): number {
    return this.heap.length;
  }

  at(at: number, fn: TimerCallback): TimerHandle {
    const timer: Timer = { at: at < this.t ? this.t : at, seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    return timer;
  }

  after(delayMs: number, fn: TimerCallback): TimerHandle {
    return this.at(this.t + (delayMs > 0 ? delayMs : 0), fn);
  }

  cancel(handle: TimerHandle): void {
    handle.cancelled = true;
  }

  iso(t: number = this.t): string {
    const s = Math.floor(t / 1000);
    if (s === this.isoSecond) return this.isoText;
    const full = new Date(this.epochMs + s * 1000).toISOString();
    // join builds a flat string; replace would keep a rope over the 24-character original alive.
    const text = full.endsWith(".000Z") ? [full.slice(0, -5), "Z"].join("") : full;
    this.isoSecond = s;
    this.isoText = text;
    return text;
  }

  parseIso(s: string): number {
    return Date.parse(s) - this.epochMs;
  }

  /** Time of the next live timer, or undefined when the queue is empty. */
  peek(): number | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap.length > 0 ? this.heap[0]!.at : undefined;
  }

  /**
   * Run every timer due at or before `until`, in order, then leave the clock at `until`.
   * `onAdvance` is called when time moves forward (before the timers of the new instant run).
   */
  runUntil(until: number, onAdvance?: (t: number) => void): void {
    for (;;) {
      const next = this.peek();
      if (next === undefined || next > until) break;
      const timer = this.pop()!;
      if (timer.at !== this.t) {
        this.t = timer.at;
        onAdvance?.(this.t);
      }
      this.processed++;
      timer.fn();
    }
    if (until > this.t) {
      this.t = until;
      onAdvance?.(this.t);
    }
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(timer, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = timer;
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(h[r]!, h[l]!) ? r : l;
        if (!less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
