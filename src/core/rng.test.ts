import { describe, expect, it } from "vitest";
import { hashString, Rng, SUFFIX_ALPHABET } from "./rng.js";

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.nextUint32());

describe("Rng", () => {
  it("same seed ⇒ same sequence; different seed ⇒ different sequence", () => {
    expect(draw(new Rng(42), 20)).toEqual(draw(new Rng(42), 20));
    expect(draw(new Rng("scenario-a"), 20)).toEqual(draw(new Rng("scenario-a"), 20));
    expect(draw(new Rng(42), 20)).not.toEqual(draw(new Rng(43), 20));
  });

  it("next() is in [0,1) with a plausible mean; int(n) in [0,n)", () => {
    const r = new Rng(7);
    let sum = 0;
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const v = r.next();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    // Mean of U(0,1) is 0.5 with std error 1/sqrt(12N) ≈ 0.002.
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850); // expected 1000 each
  });

  it("exponential has the requested mean", () => {
    const r = new Rng(11);
    let sum = 0;
    const N = 50_000;
    for (let i = 0; i < N; i++) sum += r.exponential(3);
    // std error = 3/sqrt(N) ≈ 0.013
    expect(Math.abs(sum / N - 3)).toBeLessThan(0.07);
  });

  it("fork: deterministic per label, independent of parent draws and of each other", () => {
    const root = new Rng(1);
    const a1 = draw(root.fork("hpa"), 10);
    draw(root, 1000); // drawing from the parent must not change a later fork
    const a2 = draw(root.fork("hpa"), 10);
    expect(a2).toEqual(a1);
    const b = draw(root.fork("scheduler"), 10);
    expect(b).not.toEqual(a1);
    // Drawing from one fork does not affect another.
    const f1 = root.fork("x");
    const f2 = root.fork("y");
    const y0 = draw(root.fork("y"), 5);
    draw(f1, 100);
    expect(draw(f2, 5)).toEqual(y0);
    // Forks of different roots differ.
    expect(draw(new Rng(2).fork("hpa"), 10)).not.toEqual(a1);
  });

  it("suffix uses k8s' rand alphabet (no vowels) and the requested length", () => {
    expect(SUFFIX_ALPHABET).toBe("bcdfghjklmnpqrstvwxz2456789");
    const r = new Rng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const s = r.suffix(5);
      expect(s).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      seen.add(s);
    }
    expect(seen.size).toBeGreaterThan(490);
  });

  it("hashString is 32-bit FNV-1a", () => {
    // Published FNV-1a 32-bit test vectors.
    expect(hashString("")).toBe(0x811c9dc5);
    expect(hashString("a")).toBe(0xe40c292c);
    expect(hashString("foobar")).toBe(0xbf9cf968);
  });
});
