import { describe, expect, it } from "vitest";
import { loadScenarioText, ScenarioError } from "./loader.js";

const doc = (slo: string) => `apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  duration: 5m\n  slo:\n${slo}`;
const load = (slo: string) => loadScenarioText(doc(slo), "s.yaml").spec.slo;
function fail(slo: string): string {
  try {
    load(slo);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error("expected ScenarioError");
}

describe("spec.slo", () => {
  it("reads every objective, in ms and fractions", () => {
    expect(
      load(`    latency: {p50: 100ms, p95: 0.3, p99: 1s}
    requestsUnder: {threshold: 250ms, target: 99.9%}
    pendingPods: {max: 1m}
    load:
      checkout: {requestsUnder: {threshold: 1s, target: 0.95}}
`),
    ).toEqual({
      latency: { p50: 100, p95: 300, p99: 1000 },
      requestsUnder: { thresholdMs: 250, target: 0.999 },
      pendingPods: { maxMs: 60_000 },
      load: { checkout: { requestsUnder: { thresholdMs: 1000, target: 0.95 } } },
    });
  });

  it("is absent unless declared", () => {
    expect(loadScenarioText("apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\n", "s.yaml").spec.slo).toBeUndefined();
  });

  it("refuses mistakes with the field and line", () => {
    expect(fail("    latency: {p90: 300ms}\n")).toBe(`s.yaml: document 1, line 7: unknown field "spec.slo.latency.p90" (did you mean "spec.slo.latency.p50"?)`);
    expect(fail("    latency: {}\n")).toBe("s.yaml: document 1, line 7: spec.slo.latency: Required value: at least one of p50, p95, p99");
    expect(fail("    requestsUnder: {threshold: 250ms, target: 99}\n")).toBe(
      `s.yaml: document 1, line 7: spec.slo.requestsUnder.target: Invalid value: 99: must be a percentage such as "99%" or a fraction between 0 and 1`,
    );
    expect(fail("    requestsUnder: {target: 99%}\n")).toBe("s.yaml: document 1, line 7: spec.slo.requestsUnder.threshold: Required value");
    expect(fail("    requestsUnder: {threshold: 0s, target: 99%}\n")).toBe(`s.yaml: document 1, line 7: spec.slo.requestsUnder.threshold: Invalid value: "0s": must be greater than 0`);
    expect(fail("    pendingPods: {max: soon}\n")).toBe(`s.yaml: document 1, line 7: spec.slo.pendingPods.max: Invalid value: "soon": time: invalid duration "soon"`);
    expect(fail("    load:\n      web: {}\n")).toBe("s.yaml: document 1, line 8: spec.slo.load[web]: Required value: at least one of latency, requestsUnder");
    expect(fail("    load: [web]\n")).toBe(`s.yaml: document 1, line 7: spec.slo.load: Invalid value: ["web"]: must be a map of load generator name to objectives`);
    expect(fail("    {}\n")).toBe("s.yaml: document 1, line 6: spec.slo: Required value: at least one of latency, requestsUnder, pendingPods, load");
    expect(fail("    latencyy: {p95: 1s}\n")).toBe(`s.yaml: document 1, line 7: unknown field "spec.slo.latencyy" (did you mean "spec.slo.latency"?)`);
  });
});
