/**
 * The updater's eviction rate limiter: a token bucket with golang.org/x/time/rate semantics, on
 * virtual milliseconds. Tokens refill at `limit` per second up to `burst`; the bucket starts full.
 * Wait(ctx) reserves a token at once — the count may go negative, which is the queue of waiters —
 * and the caller sleeps until it is due; a reservation that would end after the context deadline is
 * refused without taking a token ("rate: Wait(n=1) would exceed context deadline").
 * getRateLimiter: a limit ≤ 0 means rate.Inf (never waits, burst ignored).
 */

export type Reservation = { ok: true; waitMs: number } | { ok: false; error: string };

export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(
    /** Tokens per second; ≤ 0 (the flag default -1) means unlimited. */
    readonly limit: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  get unlimited(): boolean {
    return this.limit <= 0;
  }

  /** Limiter.Wait(ctx) for one token at virtual time `now`, with `maxWaitMs` left before the deadline. */
  reserve(now: number, maxWaitMs = Infinity): Reservation {
    if (this.unlimited) return { ok: true, waitMs: 0 };
    if (1 > this.burst) return { ok: false, error: `rate: Wait(n=1) exceeds limiter's burst ${this.burst}` };
    // advance: refill for the time elapsed since the last reservation, capped at the burst.
    const last = this.last === undefined || now < this.last ? now : this.last;
    let tokens = this.last === undefined ? this.burst : Math.min(this.burst, this.tokens + ((now - last) / 1000) * this.limit);
    tokens -= 1;
    // durationFromTokens: nanoseconds truncated; the virtual clock ticks in whole milliseconds.
    const waitNs = tokens < 0 ? Math.trunc((-tokens / this.limit) * 1e9) : 0;
    const waitMs = Math.ceil(waitNs / 1e6);
    if (waitNs / 1e6 > maxWaitMs) return { ok: false, error: "rate: Wait(n=1) would exceed context deadline" };
    this.last = now;
    this.tokens = tokens;
    return { ok: true, waitMs };
  }
}
