import { describe, expect, it } from "vitest";
import { allowedDisruptions, budgetAllowed, buildBudgetMapping, MAX_INT32, scaledNodes } from "./budgets.js";

const T = (s: string) => Date.parse(s);

describe("disruption budgets", () => {
  it("percent rounds up, integers are literal", () => {
    expect(scaledNodes("10%", 1)).toBe(1); // ceil(0.1)
    expect(scaledNodes("10%", 10)).toBe(1);
    expect(scaledNodes("10%", 11)).toBe(2); // ceil(1.1)
    expect(scaledNodes("0%", 50)).toBe(0);
    expect(scaledNodes("3", 50)).toBe(3);
  });

  it("default budget is 10% for every reason", () => {
    expect(allowedDisruptions(undefined, 0, 25, "Underutilized")).toBe(3);
    expect(allowedDisruptions(undefined, 0, 0, "Empty")).toBe(0);
  });

  it("most restrictive applicable budget wins; reasons filter", () => {
    const budgets = [{ nodes: "50%" }, { nodes: "1", reasons: ["Drifted"] }];
    expect(allowedDisruptions(budgets, 0, 10, "Drifted")).toBe(1);
    expect(allowedDisruptions(budgets, 0, 10, "Empty")).toBe(5);
  });

  it("scheduled budgets only count inside their window; malformed fail closed", () => {
    const budgets = [{ nodes: "100%" }, { nodes: "0", schedule: "0 9 * * 1-5", duration: "8h" }];
    // Thursday 2025-01-02 10:00 UTC: inside the business-hours block.
    expect(allowedDisruptions(budgets, T("2025-01-02T10:00:00Z"), 4, "Underutilized")).toBe(0);
    // Thursday 18:00: outside → 100% of 4.
    expect(allowedDisruptions(budgets, T("2025-01-02T18:00:00Z"), 4, "Underutilized")).toBe(4);
    // Saturday 10:00: weekday-only schedule inactive.
    expect(allowedDisruptions(budgets, T("2025-01-04T10:00:00Z"), 4, "Underutilized")).toBe(4);
    expect(budgetAllowed({ nodes: "1", schedule: "not a cron", duration: "1h" }, 0, 4)).toBe(0);
    expect(budgetAllowed({ nodes: "1", schedule: "@hourly", duration: "10m" }, T("2025-01-02T10:30:00Z"), 4)).toBe(MAX_INT32);
  });

  it("mapping subtracts NotReady / deleting nodes and ignores uninitialized ones", () => {
    const node = (np: string, extra: Partial<{ initialized: boolean; ready: boolean; markedForDeletion: boolean }> = {}) => ({
      nodePoolName: np,
      managed: true,
      initialized: true,
      ready: true,
      markedForDeletion: false,
      ...extra,
    });
    const nodes = [
      ...Array.from({ length: 20 }, () => node("a")),
      node("a", { markedForDeletion: true }),
      node("a", { ready: false }),
      node("a", { initialized: false }), // not counted at all
      node("b"),
    ];
    const m = buildBudgetMapping(nodes, [{ name: "a" }, { name: "b", budgets: [{ nodes: "0" }] }, { name: "c" }], 0, "Empty");
    // a: N = 22 → ceil(2.2) = 3 allowed, 2 disrupting → 1 available.
    expect(m.allowed.get("a")).toBe(3);
    expect(m.available.get("a")).toBe(1);
    expect(m.available.get("b")).toBe(0);
    expect(m.available.get("c")).toBe(0);
  });
});
