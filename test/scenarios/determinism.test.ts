/** Same scenario + seed ⇒ byte-identical JSON output; the seed matters. */
import { describe, expect, it } from "vitest";
import { runScenario } from "./helpers.js";

const lines = (seed: number) => {
  const run = runScenario({ file: "examples/hpa-php-apache.yaml" }, 20 * 60_000, seed);
  return [...run.records, run.summary].map((r) => JSON.stringify(r)).join("\n");
};

describe("determinism", () => {
  it("produces byte-identical output for the same seed", () => {
    const a = lines(11);
    const b = lines(11);
    expect(a.length).toBeGreaterThan(10_000);
    expect(a).toBe(b);
  });

  it("produces a different run (pod names, jitter) for another seed", () => {
    expect(lines(11)).not.toBe(lines(12));
  });
});
