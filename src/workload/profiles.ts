/**
 * Request-rate profiles (requests/second as a function of virtual time).
 *
 * Time `t` is measured from the profile's origin: a load generator's `startMs` for load, t = 0 for
 * metric feeds. Consumers never evaluate a profile every tick: they hold the rate constant between
 * `nextChange` breakpoints. Steps and trace points are exact breakpoints; continuously varying shapes
 * (ramp, diurnal, sloped trace segments) are re-evaluated on a fixed step (default 5 s) and, so that
 * the number of requests sent is exact, the value used for a step is the *average* over the step
 * (`averageRate`), which for linear segments is the mid-point value.
 */
import type { RateProfile } from "./types.js";

export const DEFAULT_PROFILE_STEP_MS = 5000;

/** Instantaneous rate (rps) at time `t` (ms from the profile origin). Never negative. */
export function rate(profile: RateProfile, t: number): number {
  switch (profile.type) {
    case "constant":
      return nonNeg(profile.rps);
    case "steps": {
      let v = 0;
      for (const s of profile.steps) {
        if (s.atMs <= t) v = s.rps;
        else break;
      }
      return nonNeg(v);
    }
    case "ramp": {
      if (profile.overMs <= 0 || t >= profile.overMs) return nonNeg(profile.toRps);
      if (t <= 0) return nonNeg(profile.fromRps);
      return nonNeg(profile.fromRps + ((profile.toRps - profile.fromRps) * t) / profile.overMs);
    }
    case "diurnal": {
      const { minRps, maxRps, periodMs, peakAtMs } = profile;
      if (periodMs <= 0) return nonNeg(maxRps);
      const phase = (2 * Math.PI * (t - peakAtMs)) / periodMs;
      return nonNeg(minRps + ((maxRps - minRps) * (1 + Math.cos(phase))) / 2);
    }
    case "trace": {
      const p = profile.points;
      if (p.length === 0) return 0;
      if (t <= p[0]!.atMs) return nonNeg(p[0]!.rps);
      const last = p[p.length - 1]!;
      if (t >= last.atMs) return nonNeg(last.rps);
      const i = segmentIndex(p, t);
      const a = p[i]!;
      const b = p[i + 1]!;
      if (b.atMs === a.atMs) return nonNeg(b.rps);
      return nonNeg(a.rps + ((b.rps - a.rps) * (t - a.atMs)) / (b.atMs - a.atMs));
    }
  }
}

/**
 * Requests sent between t0 and t1 (the integral of the rate; rps × seconds). Exact for every shape
 * (piecewise linear, or the closed-form integral of the cosine).
 */
export function integral(profile: RateProfile, t0: number, t1: number): number {
  if (t1 <= t0) return 0;
  switch (profile.type) {
    case "constant":
      return (nonNeg(profile.rps) * (t1 - t0)) / 1000;
    case "steps": {
      let sum = 0;
      let cur = t0;
      let v = rate(profile, t0);
      for (const s of profile.steps) {
        if (s.atMs <= t0) continue;
        if (s.atMs >= t1) break;
        sum += (v * (s.atMs - cur)) / 1000;
        cur = s.atMs;
        v = nonNeg(s.rps);
      }
      return sum + (v * (t1 - cur)) / 1000;
    }
    case "ramp":
      return linearIntegral(
        [
          { atMs: 0, rps: profile.fromRps },
          { atMs: Math.max(0, profile.overMs), rps: profile.toRps },
        ],
        t0,
        t1,
      );
    case "trace":
      return linearIntegral(profile.points, t0, t1);
    case "diurnal": {
      const { minRps, maxRps, periodMs, peakAtMs } = profile;
      if (periodMs <= 0 || minRps < 0) {
        // Negative minimum: clipping at 0 has no closed form we need; integrate numerically.
        return numericIntegral(profile, t0, t1);
      }
      const mid = (minRps + maxRps) / 2;
      const amp = (maxRps - minRps) / 2;
      const w = (2 * Math.PI) / periodMs;
      const s = (Math.sin(w * (t1 - peakAtMs)) - Math.sin(w * (t0 - peakAtMs))) / w;
      return (mid * (t1 - t0) + amp * s) / 1000;
    }
  }
}

/** Average rate over [t0, t1) (rps); the instantaneous rate when the interval is empty. */
export function averageRate(profile: RateProfile, t0: number, t1: number): number {
  if (t1 <= t0) return rate(profile, t0);
  return (integral(profile, t0, t1) * 1000) / (t1 - t0);
}

/**
 * The next time strictly after `t` at which a consumer holding the rate constant must re-evaluate,
 * or `undefined` if the profile never changes again.
 */
export function nextChange(profile: RateProfile, t: number, stepMs: number = DEFAULT_PROFILE_STEP_MS): number | undefined {
  const step = stepMs > 0 ? stepMs : DEFAULT_PROFILE_STEP_MS;
  const gridNext = (Math.floor(t / step) + 1) * step;
  switch (profile.type) {
    case "constant":
      return undefined;
    case "steps": {
      for (const s of profile.steps) if (s.atMs > t) return s.atMs;
      return undefined;
    }
    case "ramp": {
      if (t >= profile.overMs || profile.fromRps === profile.toRps) return t < 0 ? 0 : undefined;
      if (t < 0) return 0;
      return Math.min(gridNext, profile.overMs);
    }
    case "diurnal":
      return profile.minRps === profile.maxRps ? undefined : gridNext;
    case "trace": {
      const p = profile.points;
      if (p.length === 0) return undefined;
      if (t < p[0]!.atMs) return p[0]!.atMs;
      if (t >= p[p.length - 1]!.atMs) return undefined;
      const i = segmentIndex(p, t);
      const a = p[i]!;
      const b = p[i + 1]!;
      // A flat segment needs no intermediate evaluations.
      if (a.rps === b.rps) return b.atMs;
      return Math.min(gridNext, b.atMs);
    }
  }
}

// ---------------------------------------------------------------- helpers

function nonNeg(v: number): number {
  return v > 0 ? v : 0;
}

/** Index i with p[i].atMs <= t < p[i+1].atMs (binary search; p sorted, t inside the range). */
function segmentIndex(p: ReadonlyArray<{ atMs: number }>, t: number): number {
  let lo = 0;
  let hi = p.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p[mid]!.atMs <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Integral of a piecewise-linear function held flat outside its points (rps·s). Clipped at 0. */
function linearIntegral(p: ReadonlyArray<{ atMs: number; rps: number }>, t0: number, t1: number): number {
  if (p.length === 0) return 0;
  let sum = 0;
  const first = p[0]!;
  const last = p[p.length - 1]!;
  const value = (t: number): number => {
    if (t <= first.atMs) return first.rps;
    if (t >= last.atMs) return last.rps;
    const i = segmentIndex(p, t);
    const a = p[i]!;
    const b = p[i + 1]!;
    return b.atMs === a.atMs ? b.rps : a.rps + ((b.rps - a.rps) * (t - a.atMs)) / (b.atMs - a.atMs);
  };
  // Breakpoints inside (t0, t1).
  const cuts: number[] = [t0];
  for (const pt of p) if (pt.atMs > t0 && pt.atMs < t1) cuts.push(pt.atMs);
  cuts.push(t1);
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const va = value(a);
    const vb = value(b);
    sum += trapezoidNonNeg(va, vb, b - a);
  }
  return sum / 1000;
}

/** ∫ max(0, linear from va to vb) over a length-`len` segment. */
function trapezoidNonNeg(va: number, vb: number, len: number): number {
  if (va >= 0 && vb >= 0) return ((va + vb) * len) / 2;
  if (va <= 0 && vb <= 0) return 0;
  // Crosses zero: only the positive triangle counts.
  const pos = va > 0 ? va : vb;
  const frac = pos / (Math.abs(va) + Math.abs(vb));
  return (pos * frac * len) / 2;
}

function numericIntegral(profile: RateProfile, t0: number, t1: number): number {
  const n = Math.max(16, Math.min(10000, Math.ceil((t1 - t0) / 1000)));
  const h = (t1 - t0) / n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += rate(profile, t0 + (i + 0.5) * h);
  return (sum * h) / 1000;
}
