import { describe, expect, it } from "vitest";
import { Requirement, Requirements, normalizeLabelKey, WELL_KNOWN_LABELS } from "./requirements.js";

const R = Requirement.of;

describe("Requirement set algebra", () => {
  it("In ∩ In = intersection of values", () => {
    const r = R("k", "In", ["a", "b", "c"]).intersection(R("k", "In", ["b", "c", "d"]));
    expect(r.operator()).toBe("In");
    expect(r.valueList()).toEqual(["b", "c"]);
  });
  it("In ∩ NotIn = In minus exclusions", () => {
    const r = R("k", "In", ["a", "b"]).intersection(R("k", "NotIn", ["a"]));
    expect(r.toNodeRequirement()).toEqual({ key: "k", operator: "In", values: ["b"] });
    const r2 = R("k", "NotIn", ["a"]).intersection(R("k", "In", ["a", "b"]));
    expect(r2.valueList()).toEqual(["b"]);
  });
  it("NotIn ∩ NotIn = union of exclusions (still a complement)", () => {
    const r = R("k", "NotIn", ["a"]).intersection(R("k", "NotIn", ["b"]));
    expect(r.operator()).toBe("NotIn");
    expect(r.valueList()).toEqual(["a", "b"]);
    expect(r.has("c")).toBe(true);
    expect(r.has("a")).toBe(false);
  });
  it("Exists ∩ In = In; Exists ∩ DoesNotExist = DoesNotExist", () => {
    expect(R("k", "Exists").intersection(R("k", "In", ["x"])).toNodeRequirement()).toEqual({ key: "k", operator: "In", values: ["x"] });
    expect(R("k", "Exists").intersection(R("k", "DoesNotExist")).operator()).toBe("DoesNotExist");
  });
  it("Gt bounds: values outside are dropped, complement keeps the tightest bound", () => {
    const gt = R("gen", "Gt", ["2"]);
    expect(gt.has("3")).toBe(true);
    expect(gt.has("2")).toBe(false);
    expect(gt.has("x")).toBe(false);
    const r = gt.intersection(R("gen", "In", ["1", "2", "3", "5"]));
    expect(r.toNodeRequirement()).toEqual({ key: "gen", operator: "In", values: ["3", "5"] });
    expect(r.greaterThan).toBeUndefined(); // explicit sets lose their bounds
    const b = gt.intersection(R("gen", "Gt", ["4"])).intersection(R("gen", "Lt", ["9"]));
    expect(b.greaterThan).toBe(4);
    expect(b.lessThan).toBe(9);
    expect(b.has("5")).toBe(true);
    expect(b.has("9")).toBe(false);
    expect(b.any()).toBe("5");
  });
  it("empty bounded range → DoesNotExist", () => {
    // upstream's test is greaterThan >= lessThan (Gt 5 ∩ Lt 6 stays a bounded complement)
    const r = R("n", "Gt", ["5"]).intersection(R("n", "Lt", ["5"]));
    expect(r.operator()).toBe("DoesNotExist");
    expect(r.toNodeRequirement()).toEqual({ key: "n", operator: "DoesNotExist" });
    expect(R("n", "Gt", ["5"]).intersects(R("n", "Lt", ["4"]))).toBe(false);
    expect(R("n", "Gt", ["5"]).intersection(R("n", "Lt", ["6"])).operator()).toBe("Exists");
    expect(R("n", "Gt", ["5"]).intersects(R("n", "Lt", ["7"]))).toBe(true);
  });
  it("intersections that remove nothing keep the same values, and later results never write back into inputs", () => {
    const small = R("k", "In", ["b", "a"]);
    const big = R("k", "In", ["a", "b", "c"]);
    const r = big.intersection(small);
    expect(r.valueList()).toEqual(["a", "b"]);
    // NotIn of values outside the set removes nothing
    const d = small.intersection(R("k", "NotIn", ["z"]));
    expect(d.valueList()).toEqual(["a", "b"]);
    // narrowing a shared result again builds a new set; the inputs keep their values
    const n = r.intersection(R("k", "In", ["a"]));
    expect(n.valueList()).toEqual(["a"]);
    expect(small.valueList()).toEqual(["a", "b"]);
    expect(r.valueList()).toEqual(["a", "b"]);
    expect(d.intersection(R("k", "NotIn", ["a"])).valueList()).toEqual(["b"]);
    expect(small.valueList()).toEqual(["a", "b"]);
  });
  it("valueList is a sorted fresh array each time; sortedValues is computed once", () => {
    const q = R("k", "In", ["c", "a", "b"]);
    const l = q.valueList();
    expect(l).toEqual(["a", "b", "c"]);
    l.push("x");
    expect(q.valueList()).toEqual(["a", "b", "c"]);
    expect(q.sortedValues()).toBe(q.sortedValues());
    expect(q.toNodeRequirement(false).values!.slice().sort()).toEqual(["a", "b", "c"]);
  });
  it("minValues of an intersection is the max", () => {
    const r = R("t", "In", ["a", "b", "c"], 2).intersection(R("t", "Exists", [], 3));
    expect(r.minValues).toBe(3);
    expect(R("t", "In", ["a"]).intersection(R("t", "In", ["a"])).minValues).toBeUndefined();
  });
  it("String() as Karpenter prints it", () => {
    expect(R("k", "In", ["f", "e", "d", "c", "b", "a", "g"]).toString()).toBe("k In [a b c d e and 2 others]");
    expect(R("k", "Exists").toString()).toBe("k Exists");
    expect(R("k", "Gt", ["2"]).toString()).toBe("k Exists >2");
    expect(R("k", "In", ["a"], 1).toString()).toBe("k In [a] minValues 1");
  });
  it("beta keys are normalized", () => {
    expect(normalizeLabelKey("beta.kubernetes.io/arch")).toBe("kubernetes.io/arch");
    expect(R("failure-domain.beta.kubernetes.io/zone", "In", ["a"]).key).toBe("topology.kubernetes.io/zone");
    expect(WELL_KNOWN_LABELS.has("karpenter.k8s.aws/instance-category")).toBe(true);
  });
  it("intersects() agrees with intersection().len > 0", () => {
    const samples = [
      R("k", "In", ["1", "2"]),
      R("k", "In", ["3"]),
      R("k", "NotIn", ["1"]),
      R("k", "NotIn", ["1", "2"]),
      R("k", "Exists"),
      R("k", "DoesNotExist"),
      R("k", "Gt", ["1"]),
      R("k", "Lt", ["2"]),
      R("k", "Gt", ["2"]),
    ];
    for (const a of samples) for (const b of samples) expect(a.intersects(b), `${a} ∩ ${b}`).toBe(a.intersection(b).len > 0);
  });
});

describe("Requirements", () => {
  const nodePool = Requirements.fromNodeSelector([
    { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
    { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
    { key: "team", operator: "In", values: ["a"] },
  ]);
  it("compatible: well-known undefined keys are allowed, custom ones are not", () => {
    expect(nodePool.compatible(Requirements.fromLabels({ "kubernetes.io/arch": "arm64" }))).toBeUndefined();
    expect(nodePool.compatible(Requirements.fromLabels({ foo: "bar" }))).toBe('label "foo" does not have known values');
    expect(nodePool.compatible(Requirements.fromLabels({ tea: "x" }))).toBe('label "tea" does not have known values (typo of "team"?)');
    expect(nodePool.compatible(Requirements.fromNodeSelector([{ key: "foo", operator: "NotIn", values: ["x"] }]))).toBeUndefined();
    expect(nodePool.compatible(Requirements.fromNodeSelector([{ key: "foo", operator: "DoesNotExist" }]))).toBeUndefined();
    expect(nodePool.compatible(Requirements.fromLabels({ "kubernetes.io/arch": "arm64" }), false)).toBe(
      'label "kubernetes.io/arch" does not have known values',
    );
  });
  it("compatible: conflicting values give the intersects message", () => {
    const msg = nodePool.compatible(Requirements.fromLabels({ "karpenter.sh/capacity-type": "spot" }));
    expect(msg).toBe("key karpenter.sh/capacity-type, karpenter.sh/capacity-type In [spot] not in karpenter.sh/capacity-type In [on-demand]");
    expect(nodePool.isCompatible(Requirements.fromLabels({ "karpenter.sh/capacity-type": "spot" }))).toBe(false);
    expect(nodePool.isCompatible(Requirements.fromLabels({ team: "a" }))).toBe(true);
  });
  it("two negative requirements never conflict", () => {
    const a = Requirements.fromNodeSelector([{ key: "k", operator: "DoesNotExist" }]);
    const b = Requirements.fromNodeSelector([{ key: "k", operator: "NotIn", values: ["x"] }]);
    expect(a.intersects(b)).toBeUndefined();
    expect(a.isCompatible(b)).toBe(true);
    const c = Requirements.fromNodeSelector([{ key: "k", operator: "In", values: ["x"] }]);
    expect(a.isCompatible(c)).toBe(false);
  });
  it("add intersects in place; labels() gives single-valued keys", () => {
    const r = nodePool.clone().add(R("karpenter.k8s.aws/instance-category", "In", ["m", "x"]));
    expect(r.get("karpenter.k8s.aws/instance-category")!.valueList()).toEqual(["m"]);
    expect(nodePool.get("karpenter.k8s.aws/instance-category")!.valueList()).toEqual(["c", "m", "r"]);
    expect(r.labels()).toEqual({ "karpenter.k8s.aws/instance-category": "m", "karpenter.sh/capacity-type": "on-demand", team: "a" });
    r.add(R("kubernetes.io/hostname", "In", ["h1"]));
    expect(r.labels()["kubernetes.io/hostname"]).toBeUndefined();
  });
});
