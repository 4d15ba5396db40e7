import { describe, expect, it } from "vitest";
import { fromLabelMap, fromLabelSelector, parseSelector, Selector } from "./labels.js";

// Cases adapted from k8s.io/apimachinery/pkg/labels/selector_test.go.

function labels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s) return out;
  for (const kv of s.split(",")) {
    const [k, v] = kv.split("=");
    out[k!] = v ?? "";
  }
  return out;
}

describe("parseSelector", () => {
  it("accepts upstream's good strings", () => {
    for (const s of ["x=a,y=b,z=c", "", "x!=a,y=b", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5", "x in (a)", "x notin (a, b)", "notin=in", "in=notin"]) {
      expect(() => parseSelector(s), s).not.toThrow();
    }
  });

  it("rejects upstream's bad strings", () => {
    for (const s of ["x=a||y=b", "x==a==b", "!x=a", "x<a", "x in ()", "x in (a", "=a", "x>"]) {
      expect(() => parseSelector(s), s).toThrow();
    }
    expect(() => parseSelector("x<a")).toThrow("for 'Gt', 'Lt' operators, the value must be an integer");
    expect(() => parseSelector("x in ()")).toThrow("for 'in', 'notin' operators, values set can't be empty");
  });

  it("prints the canonical, key-sorted form", () => {
    expect(parseSelector("x in (abc,def),y notin (jkl),z").toString()).toBe("x in (abc,def),y notin (jkl),z");
    expect(parseSelector("z,y notin (jkl),x in (def,abc)").toString()).toBe("x in (abc,def),y notin (jkl),z");
    expect(parseSelector("x in (abc,def) , y notin (jkl), z").toString()).toBe("x in (abc,def),y notin (jkl),z");
    expect(parseSelector("b!=2,a=1,!c").toString()).toBe("a=1,b!=2,!c");
    expect(parseSelector("x==a").toString()).toBe("x==a");
    expect(parseSelector("x>1,w<5").toString()).toBe("w<5,x>1");
    expect(parseSelector("").toString()).toBe("");
  });
});

describe("Selector.matches", () => {
  const match: Array<[string, string]> = [
    ["", "x=y"],
    ["x=y", "x=y"],
    ["x=y,z=w", "x=y,z=w"],
    ["x!=y,z!=w", "x=z,z=a"],
    ["notin=in", "notin=in"],
    ["x", "x=z"],
    ["!x", "y=z"],
    ["x>1", "x=2"],
    ["x<1", "x=0"],
    ["x in (a,b)", "x=b"],
    ["x notin (a,b)", "x=c"],
    ["x notin (a,b)", "y=a"],
    ["x!=y", ""],
    ["x=", "x="],
  ];
  const noMatch: Array<[string, string]> = [
    ["x=z", ""],
    ["x=y", "x=z"],
    ["x=y,z=w", "x=w,z=w"],
    ["x!=y,z!=w", "x=z,z=w"],
    ["x", "y=z"],
    ["!x", "x=z"],
    ["x>1", "x=0"],
    ["x<1", "x=2"],
    ["x>1", "x=2a"], // not an integer
    ["x>1", "y=2"],
    ["x in (a,b)", "x=c"],
    ["x in (a,b)", ""],
    ["x notin (a,b)", "x=a"],
  ];
  for (const [sel, ls] of match) it(`"${sel}" matches {${ls}}`, () => expect(parseSelector(sel).matches(labels(ls))).toBe(true));
  for (const [sel, ls] of noMatch) it(`"${sel}" does not match {${ls}}`, () => expect(parseSelector(sel).matches(labels(ls))).toBe(false));
});

describe("fromLabelSelector (metav1.LabelSelectorAsSelector)", () => {
  it("nil matches nothing, empty matches everything", () => {
    expect(fromLabelSelector(undefined).matches({ a: "b" })).toBe(false);
    expect(fromLabelSelector(null).matches({})).toBe(false);
    expect(fromLabelSelector(undefined)).toBe(Selector.nothing);
    const all = fromLabelSelector({});
    expect(all.empty).toBe(true);
    expect(all.matches({})).toBe(true);
    expect(all.matches({ a: "b" })).toBe(true);
    expect(fromLabelSelector({ matchLabels: {}, matchExpressions: [] }).matches({ x: "y" })).toBe(true);
  });

  it("combines matchLabels and matchExpressions (all must hold)", () => {
    const s = fromLabelSelector({
      matchLabels: { app: "php-apache" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["web", "api"] },
        { key: "canary", operator: "DoesNotExist" },
        { key: "env", operator: "NotIn", values: ["dev"] },
        { key: "team", operator: "Exists" },
      ],
    });
    expect(s.matches({ app: "php-apache", tier: "web", team: "a" })).toBe(true);
    expect(s.matches({ app: "php-apache", tier: "web", team: "a", env: "prod" })).toBe(true);
    expect(s.matches({ app: "php-apache", tier: "web", team: "a", env: "dev" })).toBe(false);
    expect(s.matches({ app: "php-apache", tier: "db", team: "a" })).toBe(false);
    expect(s.matches({ app: "php-apache", tier: "web", team: "a", canary: "" })).toBe(false);
    expect(s.matches({ app: "php-apache", tier: "web" })).toBe(false);
    expect(s.toString()).toBe("app=php-apache,!canary,env notin (dev),team,tier in (api,web)");
  });

  it("rejects bad operators and empty In sets", () => {
    expect(() => fromLabelSelector({ matchExpressions: [{ key: "a", operator: "Foo" as "In" }] })).toThrow(
      '"Foo" is not a valid label selector operator',
    );
    expect(() => fromLabelSelector({ matchExpressions: [{ key: "a", operator: "In", values: [] }] })).toThrow(
      "values set can't be empty",
    );
  });

  it("equalities() exposes index-usable requirements", () => {
    const s = fromLabelSelector({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["fe"] }, { key: "x", operator: "In", values: ["a", "b"] }] });
    expect(s.equalities()).toEqual([
      ["app", "web"],
      ["tier", "fe"],
    ]);
  });
});

describe("fromLabelMap (labels.SelectorFromSet)", () => {
  it("matches supersets of the map; undefined/empty map matches everything", () => {
    const s = fromLabelMap({ app: "web", tier: "fe" });
    expect(s.matches({ app: "web", tier: "fe", extra: "1" })).toBe(true);
    expect(s.matches({ app: "web" })).toBe(false);
    expect(s.toString()).toBe("app=web,tier=fe");
    expect(fromLabelMap(undefined).matches({ a: "b" })).toBe(true);
    expect(fromLabelMap({}).matches({})).toBe(true);
  });
});
