import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.js";
import {
  bestOption,
  buildExpanderChain,
  ExpanderConfigError,
  leastNodes,
  leastWaste,
  mostPods,
  parsePriorities,
  priceScore,
  priority,
  randomPick,
  wasteOf,
  type ExpansionOption,
} from "./expanders.js";
import { Gi, Mi, node, pod, template } from "./testkit.js";

function opt(group: string, nodeCount: number, pods: number, cpu = "500m", mem = "512Mi", capCpu = 2000, capMem = 8 * Gi): ExpansionOption {
  return {
    nodeGroup: group,
    nodeCount,
    pods: Array.from({ length: pods }, (_, i) => pod(`${group}-p-${i}`, cpu, mem)),
    template: template(node(`t-${group}`, String(capCpu / 1000), `${capMem / Mi}Mi`), capCpu, capMem),
  };
}

const ctx = () => ({ rng: new Rng(1) });

describe("most-pods", () => {
  it("keeps every option placing the most pods", () => {
    const a = opt("a", 1, 3);
    const b = opt("b", 2, 5);
    const c = opt("c", 3, 5);
    expect(mostPods([a, b, c])).toEqual([b, c]);
  });
});

describe("least-nodes", () => {
  it("keeps the options with the fewest nodes", () => {
    const a = opt("a", 2, 3);
    const b = opt("b", 1, 3);
    expect(leastNodes([a, b])).toEqual([b]);
  });
});

describe("least-waste", () => {
  it("scores wasted CPU + memory on node capacity (blended sum)", () => {
    // 2 nodes × 2000m / 8Gi, 6 pods × 500m / 512Mi: cpu (4000−3000)/4000 = 0.25, mem (16Gi−3Gi)/16Gi = 0.8125
    const w = wasteOf(opt("a", 2, 6));
    expect(w.cpu).toBeCloseTo(0.25, 12);
    expect(w.memory).toBeCloseTo(0.8125, 12);
    expect(w.blended).toBeCloseTo(1.0625, 12);
  });

  it("prefers the lower blended score even if its CPU waste is higher", () => {
    // a: 1 × 4000m/4Gi, 4 pods 500m/1Gi → cpu 0.5, mem 0 → 0.5
    // b: 1 × 2000m/16Gi, 4 pods → cpu 0, mem 0.75 → 0.75
    const a = opt("a", 1, 4, "500m", "1Gi", 4000, 4 * Gi);
    const b = opt("b", 1, 4, "500m", "1Gi", 2000, 16 * Gi);
    const logs: string[] = [];
    expect(leastWaste([b, a], { rng: new Rng(1), log: (m) => logs.push(m) })).toEqual([a]);
    expect(logs).toContain("Expanding Node Group a would waste 50.00% CPU, 0.00% Memory, 50.00% Blended");
  });

  it("keeps ties", () => {
    const a = opt("a", 1, 2);
    const b = opt("b", 1, 2);
    expect(leastWaste([a, b], ctx())).toEqual([a, b]);
  });
});

describe("random", () => {
  it("picks each option with roughly equal frequency", () => {
    const os = [opt("a", 1, 1), opt("b", 1, 1), opt("c", 1, 1)];
    const rng = new Rng(42);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const [o] = randomPick(os, { rng });
      counts.set(o!.nodeGroup, (counts.get(o!.nodeGroup) ?? 0) + 1);
    }
    for (const g of ["a", "b", "c"]) expect(Math.abs(counts.get(g)! - 1000)).toBeLessThan(120);
  });
});

describe("priority", () => {
  const cm = (priorities: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cluster-autoscaler-priority-expander", namespace: "kube-system" }, data: { priorities } });

  it("parses the priorities map", () => {
    const p = parsePriorities("10:\n  - .*t2\\.large.*\n50:\n  - .*spot.*\n");
    expect([...p.keys()].sort()).toEqual([10, 50]);
    expect(p.get(50)![0]!.test("eks-spot-ng-1")).toBe(true);
  });

  it("keeps the groups matching the highest priority (unanchored regex)", () => {
    const a = opt("eks-ondemand-1", 1, 1);
    const b = opt("eks-spot-1", 1, 1);
    const c = opt("eks-spot-2", 2, 1);
    const got = priority([a, b, c], { ...ctx(), priorityConfigMap: () => cm("10:\n  - ondemand\n50:\n  - spot\n") });
    expect(got).toEqual([b, c]);
  });

  it("drops groups matching no regex with a PriorityConfigMapNotMatchedGroup warning", () => {
    const a = opt("eks-a", 1, 1);
    const b = opt("eks-b", 1, 1);
    const warnings: Array<string | undefined> = [];
    const got = priority([a, b], { ...ctx(), priorityConfigMap: () => cm("1:\n  - eks-a\n"), warn: (m, ev) => warnings.push(ev?.reason) });
    expect(got).toEqual([a]);
    expect(warnings).toEqual(["PriorityConfigMapNotMatchedGroup"]);
  });

  it("passes every option through when the ConfigMap is missing, invalid or matches nothing", () => {
    const os = [opt("a", 1, 1), opt("b", 1, 1)];
    expect(priority(os, ctx())).toEqual(os);
    expect(priority(os, { ...ctx(), priorityConfigMap: () => cm("not: [a, map") })).toEqual(os);
    expect(priority(os, { ...ctx(), priorityConfigMap: () => cm("5:\n  - zzz\n") })).toEqual(os);
  });
});

describe("price", () => {
  const pricing = { nodePrice: (t: { capacity: { cpu: number } }) => t.capacity.cpu / 1000, podPrice: (r: { cpu: number }) => r.cpu / 1000 };
  it("scores (n·nodePrice + stab)/(Σ podPrice + stab) × suppressed unfitness", () => {
    // 1 node of 2000m at $2, 2 pods of 500m ($0.5 each), stab = $0.5 → (2+0.5)/(1+0.5) = 5/3;
    // preferred 4000m: unfitness max(2, 0.5) = 2, suppressed with n = 1: (2−1)(1−tanh 0)+1 = 2 → 10/3.
    expect(priceScore(opt("a", 1, 2), pricing, 4000)).toBeCloseTo(10 / 3, 12);
  });
});

describe("chain", () => {
  it("applies filters in order, stops at one option, breaks ties randomly", () => {
    const a = opt("a", 1, 5);
    const b = opt("b", 2, 5);
    const c = opt("c", 3, 2);
    const chain = buildExpanderChain(["most-pods", "least-nodes"], { pricingAvailable: false });
    expect(bestOption(chain, [a, b, c], ctx())).toBe(a);
    const tie = buildExpanderChain(["most-pods"], { pricingAvailable: false });
    const picked = new Set<string>();
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) picked.add(bestOption(tie, [a, b, c], { rng })!.nodeGroup);
    expect(picked).toEqual(new Set(["a", "b"]));
  });

  it("refuses price on AWS (Not implemented) and random before the end", () => {
    expect(() => buildExpanderChain(["price"], { pricingAvailable: false })).toThrow(new ExpanderConfigError("Not implemented"));
    expect(() => buildExpanderChain(["random", "least-waste"], { pricingAvailable: false })).toThrow(/random must be the last/);
    expect(() => buildExpanderChain(["bogus"], { pricingAvailable: false })).toThrow("Expander bogus not supported");
  });
});
