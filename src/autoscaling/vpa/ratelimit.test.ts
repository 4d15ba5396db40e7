import { describe, expect, it } from "vitest";
import { TokenBucket } from "./ratelimit.js";

describe("eviction rate limiter (golang.org/x/time/rate)", () => {
  it("starts full, then queues reservations one token (1/limit s) apart", () => {
    const b = new TokenBucket(0.1, 1);
    expect(b.reserve(0)).toEqual({ ok: true, waitMs: 0 });
    expect(b.reserve(0)).toEqual({ ok: true, waitMs: 10_000 }); // tokens 0 → −1: due in 1 / 0.1 s
    expect(b.reserve(0)).toEqual({ ok: true, waitMs: 20_000 }); // −2
  });
  it("refuses, without taking a token, a wait past the deadline", () => {
    const b = new TokenBucket(0.1, 1);
    b.reserve(0);
    expect(b.reserve(0, 5_000)).toEqual({ ok: false, error: "rate: Wait(n=1) would exceed context deadline" });
    expect(b.reserve(10_000)).toEqual({ ok: true, waitMs: 0 }); // refilled to 1 by then
  });
  it("refills up to the burst only", () => {
    const b = new TokenBucket(0.1, 2);
    expect([b.reserve(0).ok, b.reserve(0)]).toEqual([true, { ok: true, waitMs: 0 }]);
    // An hour later: min(2, 0 + 360) = 2 tokens, two immediate, the third waits 10 s.
    expect([b.reserve(3_600_000), b.reserve(3_600_000), b.reserve(3_600_000)].map((r) => (r.ok ? r.waitMs : -1))).toEqual([0, 0, 10_000]);
  });
  it("-1 (the default) never waits; a finite limit with burst 0 never passes", () => {
    const inf = new TokenBucket(-1, 1);
    for (let i = 0; i < 5; i++) expect(inf.reserve(0)).toEqual({ ok: true, waitMs: 0 });
    expect(new TokenBucket(1, 0).reserve(0)).toEqual({ ok: false, error: "rate: Wait(n=1) exceeds limiter's burst 0" });
  });
});
