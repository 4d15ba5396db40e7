import { describe, expect, it } from "vitest";
import {
  compileNodeSelector,
  nodeSelectorMatches,
  nodeSelectorRequirementMatches,
  nodeSelectorTermMatches,
  preferredTermsScore,
} from "./nodeselector.js";

const labels = { "topology.kubernetes.io/zone": "us-east-1a", cores: "8", gen: "x5", empty: "" };

describe("NodeSelectorRequirement", () => {
  it("In / NotIn", () => {
    expect(nodeSelectorRequirementMatches({ key: "gen", operator: "In", values: ["x5", "x6"] }, labels)).toBe(true);
    expect(nodeSelectorRequirementMatches({ key: "gen", operator: "In", values: ["x6"] }, labels)).toBe(false);
    expect(nodeSelectorRequirementMatches({ key: "missing", operator: "In", values: ["x"] }, labels)).toBe(false);
    expect(nodeSelectorRequirementMatches({ key: "gen", operator: "NotIn", values: ["x5"] }, labels)).toBe(false);
    // NotIn matches when the label is absent.
    expect(nodeSelectorRequirementMatches({ key: "missing", operator: "NotIn", values: ["x"] }, labels)).toBe(true);
    // In with no values is invalid → no match.
    expect(nodeSelectorRequirementMatches({ key: "gen", operator: "In", values: [] }, labels)).toBe(false);
  });
  it("Exists / DoesNotExist", () => {
    expect(nodeSelectorRequirementMatches({ key: "empty", operator: "Exists" }, labels)).toBe(true);
    expect(nodeSelectorRequirementMatches({ key: "missing", operator: "Exists" }, labels)).toBe(false);
    expect(nodeSelectorRequirementMatches({ key: "missing", operator: "DoesNotExist" }, labels)).toBe(true);
    // Exists with values is invalid.
    expect(nodeSelectorRequirementMatches({ key: "empty", operator: "Exists", values: ["a"] }, labels)).toBe(false);
  });
  it("Gt / Lt compare integers, strictly", () => {
    expect(nodeSelectorRequirementMatches({ key: "cores", operator: "Gt", values: ["7"] }, labels)).toBe(true);
    expect(nodeSelectorRequirementMatches({ key: "cores", operator: "Gt", values: ["8"] }, labels)).toBe(false);
    expect(nodeSelectorRequirementMatches({ key: "cores", operator: "Lt", values: ["9"] }, labels)).toBe(true);
    expect(nodeSelectorRequirementMatches({ key: "cores", operator: "Lt", values: ["8"] }, labels)).toBe(false);
    // Non-integer label value or bound → no match; missing label → no match.
    expect(nodeSelectorRequirementMatches({ key: "gen", operator: "Gt", values: ["1"] }, labels)).toBe(false);
    expect(nodeSelectorRequirementMatches({ key: "cores", operator: "Gt", values: ["1.5"] }, labels)).toBe(false);
    expect(nodeSelectorRequirementMatches({ key: "missing", operator: "Lt", values: ["100"] }, labels)).toBe(false);
    expect(nodeSelectorRequirementMatches({ key: "cores", operator: "Gt", values: ["1", "2"] }, labels)).toBe(false);
  });
});

describe("NodeSelectorTerm / NodeSelector", () => {
  it("a term is an AND of expressions and fields", () => {
    const term = {
      matchExpressions: [
        { key: "gen", operator: "In", values: ["x5"] },
        { key: "cores", operator: "Gt", values: ["4"] },
      ],
      matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }],
    };
    expect(nodeSelectorTermMatches(term, labels, "node-1")).toBe(true);
    expect(nodeSelectorTermMatches(term, labels, "node-2")).toBe(false);
    expect(nodeSelectorTermMatches({ matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["node-1"] }] }, labels, "node-1")).toBe(false);
    // Unsupported field key → the term is invalid.
    expect(nodeSelectorTermMatches({ matchFields: [{ key: "metadata.uid", operator: "In", values: ["x"] }] }, labels, "n")).toBe(false);
  });
  it("an empty term matches nothing; an empty term list matches nothing", () => {
    expect(nodeSelectorTermMatches({}, labels, "n")).toBe(false);
    expect(nodeSelectorMatches({ nodeSelectorTerms: [] }, labels, "n")).toBe(false);
    expect(nodeSelectorMatches({ nodeSelectorTerms: [{}] }, labels, "n")).toBe(false);
  });
  it("terms are ORed; an invalid term does not spoil the others", () => {
    const sel = compileNodeSelector({
      nodeSelectorTerms: [
        { matchExpressions: [{ key: "gen", operator: "Bogus", values: ["x5"] }] },
        { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1b"] }] },
        { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1a"] }] },
      ],
    });
    expect(sel.matches(labels, "n")).toBe(true);
    expect(sel.matches({ gen: "x5" }, "n")).toBe(false);
  });
});

describe("preferred terms", () => {
  it("sums weights of matching terms, skipping weight 0 and empty terms", () => {
    const terms = [
      { weight: 10, preference: { matchExpressions: [{ key: "gen", operator: "In", values: ["x5"] }] } },
      { weight: 5, preference: { matchExpressions: [{ key: "cores", operator: "Gt", values: ["2"] }] } },
      { weight: 7, preference: { matchExpressions: [{ key: "gen", operator: "In", values: ["x6"] }] } },
      { weight: 0, preference: { matchExpressions: [{ key: "gen", operator: "Exists" }] } },
      { weight: 50, preference: {} },
    ];
    expect(preferredTermsScore(terms, labels, "n")).toBe(15);
    expect(preferredTermsScore(terms, {}, "n")).toBe(0);
  });
});
