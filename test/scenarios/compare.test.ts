/**
 * `scalelab compare`: the HPA walkthrough (examples/hpa-php-apache.yaml, target 50 %) against a
 * variant with target 70 %. Each column must be exactly the summary of running that scenario on its
 * own with the same seed; the 70 % figures are also worked out by hand from the HPA formula.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareCommand, compareMain, type CompareOptions } from "../../src/cli/compare.js";
import type { Comparison } from "../../src/report/compare.js";
import { applyVariant, parseVariant } from "../../src/scenario/overrides.js";
import { rescales, runScenario } from "./helpers.js";

const FILE = "examples/hpa-php-apache.yaml";
const HPA70 = "hpa70: HorizontalPodAutoscaler/php-apache spec.metrics[0].resource.target.averageUtilization=70";
const PHP = "Deployment/default/php-apache";

async function compare(files: string[], opts: Partial<CompareOptions>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await compareCommand(files, { output: "json", variants: [], ...opts }, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("scalelab compare: HPA target 50 % vs 70 %", async () => {
  const base = runScenario({ file: FILE });
  const v70 = runScenario({ text: applyVariant(readFileSync(FILE, "utf8"), FILE, parseVariant(HPA70)), name: `${FILE} (variant hpa70)` });
  const res = await compare([FILE], { variants: [HPA70] });
  const c = JSON.parse(res.out) as Comparison & { seed: number; simulatedSeconds: number };
  const row = (key: string) => c.rows.find((r) => r.key === key)!;
  const w = (s: Record<string, unknown>) => (s.workloads as Record<string, { replicaSeconds: number; peakReplicas: number }>)[PHP]!;

  it("runs both with the scenario's seed to its duration", () => {
    expect(res.code).toBe(0);
    expect(res.err).toBe("");
    expect(c.columns.map((x) => [x.name, x.file, x.seed, x.variant])).toEqual([
      ["hpa-php-apache", FILE, 7, undefined],
      ["hpa70", FILE, 7, ["HorizontalPodAutoscaler/php-apache spec.metrics[0].resource.target.averageUtilization=70"]],
    ]);
    expect([c.seed, c.simulatedSeconds, c.baseline]).toEqual([7, 1800, "hpa-php-apache"]);
  });

  it("each column is exactly the summary of the run on its own (same seed ⇒ same numbers)", () => {
    const strip = (s: Record<string, unknown>) => {
      const { seed: _s, scenario: _n, ...rest } = s;
      return rest;
    };
    expect(strip(c.columns[0]!.summary)).toEqual(JSON.parse(JSON.stringify(base.summary)));
    expect(strip(c.columns[1]!.summary)).toEqual(JSON.parse(JSON.stringify(v70.summary)));
  });

  it("rows carry the two runs' figures and their differences", () => {
    const r = row(`workload.${PHP}.replicaSeconds`);
    expect(r.values).toEqual([w(base.summary).replicaSeconds, w(v70.summary).replicaSeconds]);
    expect(r.deltas[1]).toBeCloseTo(w(v70.summary).replicaSeconds - w(base.summary).replicaSeconds, 6);
    expect(r.deltaPercents[1]).toBeCloseTo((100 * (w(v70.summary).replicaSeconds - w(base.summary).replicaSeconds)) / w(base.summary).replicaSeconds, 2);
    expect(row("cost.usd").values).toEqual([base.summary.costUSD, v70.summary.costUSD]);
    expect(row("pending.podSeconds").values).toEqual([base.summary.pendingPodSeconds, v70.summary.pendingPodSeconds]);
    const lower = Math.min(base.summary.pendingPodSeconds as number, v70.summary.pendingPodSeconds as number);
    expect(row("pending.podSeconds").best).toEqual(base.summary.pendingPodSeconds === lower ? ["hpa-php-apache"] : ["hpa70"]);
    // The scale-action row counts the SuccessfulRescale events each run recorded.
    expect(row("scaleActions.hpa.rescale").values).toEqual([rescales(base.events, "php-apache").length, rescales(v70.events, "php-apache").length]);
    // One closed-loop client is served by one pod at a time, whatever the replicas: same latency.
    const p95 = (s: Record<string, unknown>) => (s.load as Array<{ latencyP95Ms: number }>)[0]!.latencyP95Ms;
    expect(row("load.load-generator.p95").values).toEqual([p95(base.summary), p95(v70.summary)]);
  });

  it("target 70 %: 1 → 4 and back to 1, peak 4 (worked out by hand)", () => {
    // 1 pod at 235 % (throttled at its 500m limit): ceil(1 × 235 / 70) = 4, within the legacy cap
    // max(2 × 1, 4) = 4. At 4 pods the one client's ~4.7 req/s × 0.1 CPU-s = 0.47 CPU is
    // 0.47 / (4 × 200m) = 59 % of request: ratio 59/70 = 0.84, ceil(4 × 0.84) = 4, no change. After
    // the load stops, 0 % → minReplicas 1 once the 5-minute window has passed.
    expect(rescales(v70.events, "php-apache").map(([, n]) => n)).toEqual([4, 1]);
    expect(row(`workload.${PHP}.peakReplicas`).values).toEqual([6, 4]);
    expect(row("scaleActions.hpa.rescale").values[1]).toBe(2);
  });

  it("prints the same figures as a table", async () => {
    let out = "";
    const code = await compareMain([FILE, "--variant", HPA70], { out: (s) => (out += s), err: () => {} });
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toBe("== Compare: hpa-php-apache vs hpa70 (seed 7, 00:30:00 simulated) ==");
    const rs = (s: Record<string, unknown>) => w(s).replicaSeconds;
    const pct = Math.round((10000 * (rs(v70.summary) - rs(base.summary))) / rs(base.summary)) / 100;
    expect(lines.find((l) => l.startsWith(`${PHP} replica-seconds`))).toMatch(
      new RegExp(`^${PHP} replica-seconds\\s+${rs(base.summary)}\\s+${rs(v70.summary)} \\(${pct}%\\)$`),
    );
    expect(lines.find((l) => l.startsWith("hpa rescale"))).toMatch(/^hpa rescale\s+5\s+2 \(-60%\)$/);
  });
});

describe("scalelab compare: files, JSON shape, options", () => {
  it("names columns by metadata.name and runs every file to the same time with the same seed", async () => {
    const res = await compare([FILE, "examples/hpa-php-apache-v1.yaml"], { until: "3m", seed: "11" });
    expect(res.code).toBe(0);
    const c = JSON.parse(res.out);
    expect(Object.keys(c)).toEqual(["type", "baseline", "columns", "rows", "seed", "simulatedSeconds"]);
    expect(c.type).toBe("comparison");
    expect(c.columns.map((x: { name: string; seed: number; summary: { simulatedSeconds: number } }) => [x.name, x.seed, x.summary.simulatedSeconds])).toEqual([
      ["hpa-php-apache", 11, 180],
      ["hpa-php-apache-v1", 11, 180],
    ]);
    for (const r of c.rows) {
      expect(Object.keys(r).slice(0, 8)).toEqual(["key", "label", "unit", "lowerIsBetter", "values", "best", "deltas", "deltaPercents"]);
      expect(r.values).toHaveLength(2);
    }
    const solo = runScenario({ file: "examples/hpa-php-apache-v1.yaml" }, 180_000, 11).summary;
    expect(c.rows.find((r: { key: string }) => r.key === "cost.usd").values[1]).toBe(solo.costUSD);
  });

  it("refuses bad variants before running anything, naming the variant, object and field", async () => {
    const bad = async (v: string) => {
      const r = await compare([FILE], { variants: [v] });
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      return r.err;
    };
    // The loader decodes the edited text strictly, as kube-apiserver decodes kubectl's body; its file name says which variant.
    expect(await bad("x: HorizontalPodAutoscaler/php-apache spec.metrics[0].resource.target.averageUtilization=abc")).toBe(
      `error: ${FILE} (variant x): document 4, line 88: HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field MetricTarget.spec.metrics.resource.target.averageUtilization of type int32\n`,
    );
    expect(await bad("x: hpa/php-apache spec.metricz=3")).toBe(
      `error: ${FILE} (variant x): document 4, line 74: HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.metricz"\n`,
    );
    expect(await bad("x: hpa/php-apache spec.metrics[2].type=Pods")).toBe(
      `error: variant "x": ${FILE}: document 4, line 82: HorizontalPodAutoscaler/php-apache: spec.metrics[2]: Invalid value: 2: index out of range: the list has 1 item(s) ([1] appends)\n`,
    );
    expect(await bad("x: hpa/web spec.minReplicas=2")).toBe(
      `error: variant "x": hpa/web not found in ${FILE} (it holds Deployment/php-apache, Service/php-apache, HorizontalPodAutoscaler/php-apache)\n`,
    );
    // The loader's own checks, on the edited text: its file name says which variant.
    expect(await bad("x: spec.duration=forever")).toBe(`error: ${FILE} (variant x): document 1, line 11: spec.duration: Invalid value: "forever": time: invalid duration "forever"\n`);
    // kube-apiserver's validation when the variant's objects are applied.
    expect(await bad("x: hpa/php-apache spec.maxReplicas=0")).toBe(
      `error: variant "x": ${FILE} (variant x): document 4, line 81: HorizontalPodAutoscaler.autoscaling "php-apache" is invalid: [spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.maxReplicas: Invalid value: 0: must be greater than or equal to \`minReplicas\`]\n`,
    );
  });

  it("refuses unusable arguments", async () => {
    const r1 = await compare([FILE, FILE], { variants: [HPA70] });
    expect([r1.code, r1.err]).toEqual([2, "error: --variant needs exactly one scenario file (got 2); its variants are compared with it\n"]);
    const r2 = await compare([FILE], {});
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/^error: compare needs two or more scenario files, or one file and --variant/);
    const r3 = await compare([FILE, FILE], { output: "yaml" });
    expect(r3.err).toBe(`error: unable to match a printer suitable for the output format "yaml", allowed formats are: json,text\n`);
    const r4 = await compare([FILE, FILE], { seed: "x" });
    expect(r4.err).toBe(`error: invalid argument "x" for "--seed" flag: must be an integer\n`);
  });

  it("a variant that sets spec.seed runs with that seed (a seed sweep); --seed overrides it", async () => {
    const r = await compare([FILE], { variants: ["s12: spec.seed=12"], until: "3m" });
    const c = JSON.parse(r.out) as Comparison;
    expect(c.columns.map((x) => x.seed)).toEqual([7, 12]);
    const { seed: _s, scenario: _n, ...summary } = c.columns[1]!.summary;
    expect(summary).toEqual(JSON.parse(JSON.stringify(runScenario({ file: FILE }, 180_000, 12).summary)));
    const forced = JSON.parse((await compare([FILE], { variants: ["s12: spec.seed=12"], until: "1m", seed: "5" })).out) as Comparison;
    expect(forced.columns.map((x) => x.seed)).toEqual([5, 5]);
  });

  it("gives two runs of the same file distinct column names", async () => {
    const r = await compare([FILE, FILE], { until: "1m" });
    const c = JSON.parse(r.out) as Comparison;
    expect(c.columns.map((x) => x.name)).toEqual([FILE, `${FILE}#2`]);
    expect(c.rows.every((x) => x.deltas[1] === 0 || x.deltas[1] === null)).toBe(true);
  });
});
