import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FIELD_NAME_PATCH_META, goValue, mergePatch, strategicMergePatch, StrategicMergePatchError, type PatchFieldMeta, type PatchMeta } from "./patch.js";

interface Case {
  description: string;
  original?: Record<string, unknown>;
  twoWay?: Record<string, unknown>;
  modified?: Record<string, unknown>;
  twoWayResult?: Record<string, unknown>;
  current?: Record<string, unknown>;
  threeWay?: Record<string, unknown>;
  result?: Record<string, unknown>;
  patch?: Record<string, unknown>;
  error?: string;
}

interface Fixture {
  schema: Record<string, Record<string, { strategy?: string; mergeKey?: string; type?: string }>>;
  sorted: Case[];
  exact: Case[];
  errors: Case[];
}

const fixture = parse(readFileSync(new URL("../../test/fixtures/strategic-merge-patch.yaml", import.meta.url), "utf8")) as Fixture;

/** The test types' struct tags as a PatchMeta (what PatchMetaFromStruct reads from MergeItem). */
function schemaMeta(typeName: string | undefined): PatchMeta {
  const fields = typeName ? fixture.schema[typeName] : undefined;
  return {
    lookup(field): PatchFieldMeta {
      const f = fields?.[field] ?? {};
      const strategies = (f.strategy ?? "").split(",").filter(Boolean);
      return {
        strategy: strategies.find((s) => s !== "retainKeys") ?? "",
        retainKeys: strategies.includes("retainKeys"),
        mergeKey: f.mergeKey ?? "",
        type: schemaMeta(f.type),
      };
    },
  };
}
const MERGE_ITEM = schemaMeta("MergeItem");

/** Upstream's sortMergeListsByName: merging lists sorted by merge key (primitive ones also de-duplicated). */
function sortMergeLists(v: unknown, meta: PatchMeta): unknown {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const f = meta.lookup(k, undefined, undefined);
    if (Array.isArray(x) && f.strategy === "merge") {
      if (x.length > 0 && typeof x[0] === "object") {
        out[k] = x.map((e) => sortMergeLists(e, f.type)).sort((a: any, b: any) => (String(a[f.mergeKey]) < String(b[f.mergeKey]) ? -1 : String(a[f.mergeKey]) > String(b[f.mergeKey]) ? 1 : 0));
      } else {
        out[k] = [...new Set(x)].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
      }
    } else out[k] = k.startsWith("$") ? x : sortMergeLists(x, f.type);
  }
  return out;
}

function applications(c: Case): { name: string; base: unknown; patch: unknown; want: unknown }[] {
  const out = [];
  if (c.twoWay !== undefined) out.push({ name: "two-way", base: c.original ?? {}, patch: c.twoWay, want: c.twoWayResult ?? c.modified });
  if (c.threeWay !== undefined && c.result !== undefined) out.push({ name: "three-way", base: c.current ?? {}, patch: c.threeWay, want: c.result });
  return out;
}

describe("strategicMergePatch: upstream strategicpatch vectors", () => {
  for (const c of fixture.sorted) {
    for (const a of applications(c)) {
      it(`${c.description} (${a.name}, merging lists compared sorted)`, () => {
        const got = strategicMergePatch(sortMergeLists(a.base, MERGE_ITEM), sortMergeLists(a.patch, MERGE_ITEM), MERGE_ITEM);
        expect(sortMergeLists(got, MERGE_ITEM)).toEqual(sortMergeLists(a.want, MERGE_ITEM));
      });
    }
  }
  for (const c of fixture.exact) {
    for (const a of applications(c)) {
      it(`${c.description} (${a.name})`, () => {
        expect(strategicMergePatch(a.base, a.patch, MERGE_ITEM)).toEqual(a.want);
      });
    }
  }
  for (const c of fixture.errors) {
    it(`${c.description}: fails`, () => {
      expect(() => strategicMergePatch(c.original, c.patch, MERGE_ITEM)).toThrow(c.error!);
    });
  }

  it("does not modify the live object or the patch", () => {
    const live = { mergingList: [{ name: 1, value: 1 }, { name: 2 }] };
    const patch = { "$setElementOrder/mergingList": [{ name: 2 }, { name: 1 }], mergingList: [{ name: 1, value: null }] };
    const liveCopy = structuredClone(live);
    const patchCopy = structuredClone(patch);
    expect(strategicMergePatch(live, patch, MERGE_ITEM)).toEqual({ mergingList: [{ name: 2 }, { name: 1 }] });
    expect(live).toEqual(liveCopy);
    expect(patch).toEqual(patchCopy);
  });
});

describe("strategicMergePatch: directives and errors as kube-apiserver answers them", () => {
  const code = (f: () => unknown): number | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof StrategicMergePatchError ? e.code : -1;
    }
    return undefined;
  };

  it("$patch: delete on a map empties it; $patch: merge on a map or list is an error (500 in the apiserver)", () => {
    expect(strategicMergePatch({ simpleMap: { a: "1" } }, { simpleMap: { $patch: "delete" } }, MERGE_ITEM)).toEqual({ simpleMap: {} });
    expect(() => strategicMergePatch({ simpleMap: { a: "1" } }, { simpleMap: { $patch: "merge" } }, MERGE_ITEM)).toThrow("unknown patch type: merge in map: map[$patch:merge]");
    expect(() => strategicMergePatch({ mergingList: [{ name: "a" }] }, { mergingList: [{ $patch: "merge" }] }, MERGE_ITEM)).toThrow(
      "merging lists cannot yet be specified in the patch",
    );
    expect(code(() => strategicMergePatch({ mergingList: [{ name: "a" }] }, { mergingList: [{ $patch: "merge" }] }, MERGE_ITEM))).toBe(500);
  });

  it("malformed directives are 400 with mergepatch's texts; lists of lists are 422", () => {
    expect(() => strategicMergePatch({ retainKeysMap: { name: "a" } }, { retainKeysMap: { $retainKeys: "name" } }, MERGE_ITEM)).toThrow("invalid patch format of retainKeys");
    expect(code(() => strategicMergePatch({ retainKeysMap: { name: "a" } }, { retainKeysMap: { $retainKeys: ["name"], value: "x" } }, MERGE_ITEM))).toBe(400);
    expect(code(() => strategicMergePatch({}, { "$setElementOrderX/mergingList": [] }, MERGE_ITEM))).toBe(400);
    expect(() => strategicMergePatch({ mergingIntList: [1] }, { "$deleteFromPrimitiveListX/mergingIntList": [1] }, MERGE_ITEM)).toThrow("invalid patch format of primitive list");
    expect(code(() => strategicMergePatch({ mergingIntList: [[1]] }, { mergingIntList: [[2]] }, MERGE_ITEM))).toBe(422);
  });

  it("the order-mismatch error prints both lists with Go's %v", () => {
    expect(() =>
      strategicMergePatch({ mergingList: [{ name: "b" }, { name: "a" }] }, { "$setElementOrder/mergingList": [{ name: "a" }, { name: "b" }], mergingList: [{ name: "b", value: 1e6 }, { name: "a" }] }, MERGE_ITEM),
    ).toThrow("the order in patch list:\n[map[name:b value:1e+06] map[name:a]]\n doesn't match $setElementOrder list:\n[map[name:a] map[name:b]]");
  });

  it("Go %v of JSON values", () => {
    expect(goValue({ b: [1, "x", true, null], a: 123456 })).toBe("map[a:123456 b:[1 x true <nil>]]");
    expect(goValue(1234567)).toBe("1.234567e+06");
    expect(goValue(0.00001)).toBe("1e-05");
    expect(goValue(0.5)).toBe("0.5");
  });
});

describe("strategicMergePatch without a schema (merge keys by field name)", () => {
  it("merges Service ports on port and container ports on containerPort", () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    expect(strategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, FIELD_NAME_PATCH_META)).toEqual({
      spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] },
    });
    const c = { containers: [{ name: "a", ports: [{ containerPort: 80 }] }] };
    expect(strategicMergePatch(c, { containers: [{ name: "a", ports: [{ containerPort: 81 }] }] }, FIELD_NAME_PATCH_META)).toEqual({
      containers: [{ name: "a", ports: [{ containerPort: 81 }, { containerPort: 80 }] }],
    });
  });

  // Without $setElementOrder a new item goes before the live-only items (mergeSortedSlice takes the
  // patch item whenever it cannot place both in the live order).
  it("finalizers merge as a set; $deleteFromPrimitiveList removes; tolerations replace", () => {
    const meta = { metadata: { finalizers: ["a", "b"] }, spec: { tolerations: [{ key: "x" }] } };
    expect(strategicMergePatch(meta, { metadata: { finalizers: ["c"], "$deleteFromPrimitiveList/finalizers": ["a"] }, spec: { tolerations: [{ key: "y" }] } })).toEqual({
      metadata: { finalizers: ["c", "b"] },
      spec: { tolerations: [{ key: "y" }] },
    });
  });
});

describe("mergePatch (RFC 7386)", () => {
  it("replaces lists and deletes on null", () => {
    expect(mergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } })).toEqual({ a: [3], b: { d: 2 } });
  });
});
