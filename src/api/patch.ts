/**
 * The three patch types kube-apiserver accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and strategic merge patch (apimachinery's strategicpatch, driven by the built-in types'
 * `patchStrategy`/`patchMergeKey` tags through a PatchMeta). Pure functions: they return new values.
 */
import { badRequest } from "./errors.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ----------------------------------------------------------------------------- strategic merge patch

/**
 * Where a field's patch strategy comes from: the Go struct tags of the built-in types (as
 * `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` in their OpenAPI schema). A
 * lookup gets the values being merged too, so a schema-less table can still tell a Service port
 * from a container port.
 */
export interface PatchFieldMeta {
  /** The patch strategy other than retainKeys: "merge", "replace" or "" (replace lists, merge maps). */
  strategy: string;
  retainKeys: boolean;
  /** Merge key of a list of maps with strategy "merge"; "" for lists of primitives. */
  mergeKey: string;
  /** Metadata of the field's value (of a list's elements, of a map's values). */
  type: PatchMeta;
}

export interface PatchMeta {
  lookup(field: string, original: unknown, patch: unknown): PatchFieldMeta;
}

/** No strategies anywhere: lists replace, maps merge (what RFC 7386 would do, plus the directives). */
export const NO_PATCH_META: PatchMeta = {
  lookup: () => ({ strategy: "", retainKeys: false, mergeKey: "", type: NO_PATCH_META }),
};

/**
 * Merge keys by field name alone, for kinds without a built-in schema (custom resources; the
 * schema-based metadata is src/api/schema/patch-meta.ts). Names that mean different things in
 * different types are left out (`addresses`: merged by type in NodeStatus, atomic in EndpointSubset).
 */
const FIELD_MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  ports: "containerPort",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  volumes: "name",
  imagePullSecrets: "name",
  conditions: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  schedulingGates: "name",
  resourceClaims: "name",
  podIPs: "ip",
  hostIPs: "ip",
};
const PRIMITIVE_MERGE_FIELDS = new Set(["finalizers", "podCIDRs"]);
const RETAIN_KEYS_FIELDS = new Set(["volumes", "resourceClaims", "strategy"]);

export const FIELD_NAME_PATCH_META: PatchMeta = {
  lookup(field, original, patch) {
    const retainKeys = RETAIN_KEYS_FIELDS.has(field);
    if (PRIMITIVE_MERGE_FIELDS.has(field)) return { strategy: "merge", retainKeys, mergeKey: "", type: FIELD_NAME_PATCH_META };
    let key = FIELD_MERGE_KEYS[field];
    if (key === undefined) return { strategy: "", retainKeys, mergeKey: "", type: FIELD_NAME_PATCH_META };
    // ServiceSpec.ports merge on `port`, container ports on `containerPort`.
    if (field === "ports" && [original, patch].some((l) => Array.isArray(l) && l.some((p) => isObject(p) && "port" in p && !("containerPort" in p)))) key = "port";
    return { strategy: "merge", retainKeys, mergeKey: key, type: FIELD_NAME_PATCH_META };
  },
};

/**
 * A strategic-merge-patch failure, with the HTTP status kube-apiserver answers it with
 * (interpretStrategicMergePatchError: 400 for malformed directives, 422 for lists of lists and
 * retainKeys mismatches, 500 for everything else).
 */
export class StrategicMergePatchError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 422 | 500 = 500,
  ) {
    super(message);
    this.name = "StrategicMergePatchError";
  }
}

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER = "$setElementOrder";

const errBadJsonDoc = () => new StrategicMergePatchError("invalid JSON document", 400);
const errNoListOfLists = () => new StrategicMergePatchError("lists of lists are not supported", 422);
const errPrimitiveListFormat = () => new StrategicMergePatchError("invalid patch format of primitive list", 400);
const errRetainKeysFormat = () => new StrategicMergePatchError("invalid patch format of retainKeys", 400);
const errSetElementOrderFormat = () => new StrategicMergePatchError("invalid patch format of setElementOrder list", 400);
const errNoMergeKey = (m: unknown, key: string) => new StrategicMergePatchError(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
const errBadArgType = (expected: string, actual: unknown) => new StrategicMergePatchError(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const errBadPatchType = (t: unknown, m: unknown) => new StrategicMergePatchError(`unknown patch type: ${goString(t)} in map: ${goValue(m)}`);

type JsonMap = Record<string, unknown>;

/**
 * kube-apiserver's strategic merge patch (apimachinery strategicpatch.StrategicMergeMapPatch with
 * MergeParallelList and IgnoreUnmatchedNulls, as the PATCH handler calls it), following the
 * apimachinery code as of v0.36: maps merge, `null` deletes, lists with strategy merge merge
 * element-wise on their merge key (primitives as a set), other lists and "replace" fields are
 * replaced, and the directives `$patch: replace|delete`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` apply. Values the live object
 * lacks are taken without their `$patch` directives and nulls. Pure: `target` and `patch` are not
 * modified.
 */
export function strategicMergePatch(target: unknown, patch: unknown, meta: PatchMeta = FIELD_NAME_PATCH_META): unknown {
  if (!isObject(patch)) throw errBadJsonDoc();
  const original = isObject(target) ? (structuredClone(target) as JsonMap) : {};
  return mergeMap(original, structuredClone(patch) as JsonMap, meta);
}

function mergeMap(original: JsonMap | undefined, patch: JsonMap, meta: PatchMeta): JsonMap {
  if (DIRECTIVE in patch) {
    const d = patch[DIRECTIVE];
    if (d === "replace") {
      delete patch[DIRECTIVE];
      return patch;
    }
    if (d === "delete") return {};
    throw errBadPatchType(d, patch);
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, meta);
  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey];
    let k = rawKey;
    let deleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      k = directiveField(rawKey, DELETE_FROM_PRIMITIVE_LIST, errPrimitiveListFormat);
      deleteList = true;
    }
    if (patchV === null) {
      delete out[k];
      continue;
    }
    const origV = out[k];
    if (!(k in out) || goKind(origV) !== goKind(patchV)) {
      // A delete list for a field the live object lacks adds nothing.
      if (!deleteList) setVerbatim(out, k, patchV);
      continue;
    }
    if (isObject(origV)) {
      const f = meta.lookup(k, origV, patchV);
      out[k] = f.strategy === "replace" ? patchV : mergeMap(origV, patchV as JsonMap, f.type);
    } else if (Array.isArray(origV)) {
      const f = meta.lookup(k, origV, patchV);
      // Delete lists apply whatever the field's strategy.
      out[k] = f.strategy === "merge" || deleteList ? mergeSlice(goSlice(origV), patchV as unknown[], f.type, f.mergeKey, deleteList) : patchV;
    } else {
      setVerbatim(out, k, patchV);
    }
  }
  return out;
}

/** A patch value the live object has no counterpart for: taken without nulls and `$patch` directives. */
function setVerbatim(out: JsonMap, k: string, v: unknown): void {
  discardNulls(v);
  const [clean, keep] = removeDirectives(v);
  if (keep) out[k] = clean;
  else delete out[k];
}

function discardNulls(v: unknown): void {
  if (Array.isArray(v)) for (const x of v) discardNulls(x);
  else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]);
    }
  }
}

/** Maps carrying `$patch` are dropped (from lists and map values alike). */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const [c, keep] = removeDirectives(x);
      if (keep) out.push(c);
    }
    return [out, true];
  }
  if (isObject(v)) {
    if (DIRECTIVE in v) return [undefined, false];
    for (const k of Object.keys(v)) {
      const [c, keep] = removeDirectives(v[k]);
      if (keep) v[k] = c;
      else delete v[k];
    }
  }
  return [v, true];
}

/** `$deleteFromPrimitiveList/<field>` → `<field>` (a bad prefix is the format error of its kind). */
function directiveField(key: string, prefix: string, err: () => StrategicMergePatchError): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) throw err();
  return key.slice(slash + 1);
}

/** `$retainKeys`: keys of the live map missing from the list are cleared; the patch may only set listed keys. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!(RETAIN_KEYS in patch)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw errRetainKeysFormat();
  const keep = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw errRetainKeysFormat();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/**
 * `$setElementOrder/<field>`: merge the field's patch list (if any) now, then order the result:
 * the listed items in the listed order, live-only items kept where they were relative to them
 * (precedence: $setElementOrder > order in the patch list > order in the live list).
 */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, meta: PatchMeta): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType("[]interface {}", order);
    const field = directiveField(key, SET_ELEMENT_ORDER, errSetElementOrderFormat);
    const foundOriginal = field in original;
    const foundPatch = field in patch;
    const originalList = original[field];
    const patchList = patch[field];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType("[]interface {}", originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType("[]interface {}", patchList);
    const patchArr = (patchList as unknown[] | undefined) ?? [];
    const f = meta.lookup(field, originalList, patchList);
    checkPatchFollowsOrder(patchArr, order, f.mergeKey);
    // The merge below works on the live list's backing array in place (Go slices): what the
    // ordering step then reads as the live order is that array as the merge left it.
    const live = goSlice((originalList as unknown[] | undefined) ?? []);
    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = view(live);
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchArr)[0] as unknown[];
    else if (foundOriginal && foundPatch) merged = f.strategy === "merge" ? mergeSlice(live, patchArr, f.type, f.mergeKey, false) : patchArr;
    else continue;
    const liveOrder = view(live);
    const [inOrder, serverOnly] = f.mergeKey === "" ? partitionPrimitives(merged, order) : partitionMaps(merged, order, f.mergeKey);
    const mapKind = sliceElementKind(liveOrder, patchArr) === "map";
    original[field] = normalizeElementOrder(inOrder, serverOnly, order, liveOrder, f.mergeKey, mapKind);
    delete patch[field];
  }
}

/** validatePatchWithSetOrderList: the patch list's items must appear in $setElementOrder, in the same order. */
function checkPatchFollowsOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey !== "") {
    items = [];
    for (const v of patchList) {
      if (!isObject(v)) throw errBadArgType("map[string]interface {}", v);
      if (v[DIRECTIVE] !== "delete") items.push(v);
    }
  }
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isObject(items[p]) && DIRECTIVE in (items[p] as JsonMap)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(items[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw new StrategicMergePatchError(`the order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(order)}`);
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === "") return left === right;
  if (!isObject(left)) throw errBadArgType("map[string]interface {}", left);
  if (!isObject(right)) throw errBadArgType("map[string]interface {}", right);
  if (!(mergeKey in left)) throw errNoMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/**
 * A Go slice header over a shared backing array (`a.length` is the capacity). Upstream mutates
 * the live list's array while merging, and its ordering step reads that array afterwards, so the
 * result depends on it; decoded lists have power-of-two capacities (append growth from empty).
 */
interface GoSlice {
  a: unknown[];
  len: number;
}

function goSlice(list: readonly unknown[]): GoSlice {
  const a = list.slice();
  a.length = list.length === 0 ? 0 : 2 ** Math.ceil(Math.log2(list.length));
  return { a, len: list.length };
}

function view(s: GoSlice): unknown[] {
  return s.a.slice(0, s.len);
}

/** Go's append: in place while the capacity lasts, otherwise onto a new array. */
function goAppend(s: GoSlice, items: readonly unknown[]): GoSlice {
  const len = s.len + items.length;
  if (len <= s.a.length) {
    for (let i = 0; i < items.length; i++) s.a[s.len + i] = items[i];
    return { a: s.a, len };
  }
  const a = s.a.slice(0, s.len).concat(items);
  a.length = Math.max(len, 2 * s.a.length);
  return { a, len };
}

function mergeSlice(original: GoSlice, patch: unknown[], elemMeta: PatchMeta, mergeKey: string, deleteList: boolean): unknown[] {
  if (original.len === 0 && patch.length === 0) return [];
  const kind = sliceElementKind(view(original), patch);
  let merged: unknown[];
  if (kind !== "map") {
    if (deleteList) {
      const gone = new Set(patch);
      return view(original).filter((v) => !gone.has(v));
    }
    merged = deduplicateScalars(goAppend(original, patch));
  } else {
    // Go reports the element schema's name here.
    if (mergeKey === "") throw new StrategicMergePatchError("cannot merge lists without merge key for struct");
    [original, patch] = applyListDirectives(original, patch, mergeKey);
    merged = mergeByKey(original, patch, mergeKey, elemMeta);
  }
  const [inPatch, serverOnly] = mergeKey === "" ? partitionPrimitives(merged, patch) : partitionMaps(merged, patch, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, patch, view(original), mergeKey, kind === "map");
}

/** `{"$patch": "delete", <key>: v}` removes every live item with that key; `{"$patch": "replace"}` makes the rest of the patch the list. */
function applyListDirectives(original: GoSlice, patch: unknown[], mergeKey: string): [GoSlice, unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(DIRECTIVE in m)) {
      plain.push(v);
      continue;
    }
    switch (m[DIRECTIVE]) {
      case "delete":
        if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
        for (let i = findByKey(view(original), mergeKey, m[mergeKey]); i >= 0; i = findByKey(view(original), mergeKey, m[mergeKey])) {
          original = goAppend({ a: original.a, len: i }, original.a.slice(i + 1, original.len));
        }
        break;
      case "replace":
        replace = true;
        break;
      case "merge":
        throw new StrategicMergePatchError("merging lists cannot yet be specified in the patch");
      default:
        throw errBadPatchType(m[DIRECTIVE], m);
    }
  }
  return replace ? [goSlice(plain), []] : [original, plain];
}

function mergeByKey(original: GoSlice, patch: unknown[], mergeKey: string, elemMeta: PatchMeta): unknown[] {
  let out = original;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!(mergeKey in m)) throw errNoMergeKey(m, mergeKey);
    const i = findByKey(view(out), mergeKey, m[mergeKey]);
    if (i >= 0) out.a[i] = mergeMap(out.a[i] as JsonMap, m, elemMeta);
    else out = goAppend(out, [v]);
  }
  return view(out);
}

function findByKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isObject(v)) throw new StrategicMergePatchError(`value for key ${i} is not a map`);
    if (mergeKey in v && v[mergeKey] === value) return i;
  }
  return -1;
}

/** Go's in-place de-duplication (a later duplicate is overwritten by the last element). */
function deduplicateScalars(s: GoSlice): unknown[] {
  const a = s.a;
  let length = s.len - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (a[i] === a[j]) {
        a[j] = a[length];
        length--;
        j--;
      }
    }
  }
  return a.slice(0, length + 1);
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const present = new Set(by);
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of list) (present.has(v) ? inBy : rest).push(v);
  return [inBy, rest];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType("map[string]interface {}", v);
    if (!(mergeKey in v)) throw errNoMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

/**
 * Sort the patch items by `patchOrder` and the live-only items by `serverOrder`, then interleave
 * them keeping both relative orders (live-only items go before a patch item they preceded live).
 */
function normalizeElementOrder(patch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, mapKind: boolean): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, mapKind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, mapKind);
  const val = (x: unknown) => (mapKind ? (isObject(x) ? x[mergeKey] : undefined) : x);
  const indexIn = (x: unknown) => {
    const v = val(x);
    for (let i = 0; i < serverOrder.length; i++) if (val(serverOrder[i]) === v) return i;
    return -1;
  };
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < s.length || j < p.length) {
    if (i >= s.length) out.push(p[j++]);
    else if (j >= p.length) out.push(s[i++]);
    else {
      const li = indexIn(s[i]);
      const ri = indexIn(p[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(s[i++]);
      else out.push(p[j++]);
    }
  }
  return out;
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, mapKind: boolean): unknown[] {
  let deletes: unknown[] = [];
  if (mapKind) {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isObject(item)) throw errBadArgType("map[string]interface {}", item);
        if (!(mergeKey in item)) throw errNoMergeKey(item, mergeKey);
      }
    }
    const keep: unknown[] = [];
    for (const v of toSort) ((v as JsonMap)[DIRECTIVE] === "delete" ? deletes : keep).push(v);
    toSort = keep;
  }
  const val = (x: unknown) => (mapKind ? (x as JsonMap)[mergeKey] : x);
  const index = (x: unknown) => {
    const v = val(x);
    for (let i = 0; i < order.length; i++) if (val(order[i]) === v) return i;
    return -1;
  };
  const sorted = goSliceStable(toSort, (a, b) => {
    const ia = index(a);
    if (ia < 0) return true;
    const ib = index(b);
    return ib < 0 || ia < ib;
  });
  return deletes.length ? sorted.concat(deletes) : sorted;
}

/**
 * Go's sort.SliceStable (insertion sort of 20-element blocks, then SymMerge), reproduced because
 * the upstream comparator is not a strict weak order when an item is missing from the order list,
 * and the result then depends on the algorithm.
 */
function goSliceStable<T>(input: readonly T[], less: (a: T, b: T) => boolean): T[] {
  const a = input.slice();
  const n = a.length;
  const insertion = (lo: number, hi: number) => {
    for (let i = lo + 1; i < hi; i++) for (let j = i; j > lo && less(a[j]!, a[j - 1]!); j--) [a[j], a[j - 1]] = [a[j - 1]!, a[j]!];
  };
  const swapRange = (x: number, y: number, k: number) => {
    for (let i = 0; i < k; i++) [a[x + i], a[y + i]] = [a[y + i]!, a[x + i]!];
  };
  const rotate = (lo: number, m: number, hi: number) => {
    let i = m - lo;
    let j = hi - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (lo: number, m: number, hi: number): void => {
    if (m - lo === 1) {
      let i = m;
      let j = hi;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (less(a[h]!, a[lo]!)) i = h + 1;
        else j = h;
      }
      for (let k = lo; k < i - 1; k++) [a[k], a[k + 1]] = [a[k + 1]!, a[k]!];
      return;
    }
    if (hi - m === 1) {
      let i = lo;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!less(a[m]!, a[h]!)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) [a[k], a[k - 1]] = [a[k - 1]!, a[k]!];
      return;
    }
    const mid = (lo + hi) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - hi;
      r = mid;
    } else {
      start = lo;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!less(a[p - c]!, a[c]!)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (lo < start && start < mid) symMerge(lo, start, mid);
    if (mid < end && end < hi) symMerge(mid, end, hi);
  };
  let blockSize = 20;
  let x = 0;
  let y = blockSize;
  while (y <= n) {
    insertion(x, y);
    x = y;
    y += blockSize;
  }
  insertion(x, n);
  while (blockSize < n) {
    x = 0;
    y = 2 * blockSize;
    while (y <= n) {
      symMerge(x, x + blockSize, y);
      x = y;
      y += 2 * blockSize;
    }
    if (x + blockSize < n) symMerge(x, x + blockSize, n);
    blockSize *= 2;
  }
  return a;
}

type GoKind = "map" | "slice" | "string" | "float64" | "bool" | "nil";

function goKind(v: unknown): GoKind {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  return "float64";
}

/** sliceElementType: the one kind of all elements (lists of lists and mixed lists are errors). */
function sliceElementKind(...lists: unknown[][]): GoKind {
  let prev: GoKind | undefined;
  for (const l of lists) {
    for (const v of l) {
      const k = goKind(v);
      if (prev === undefined) {
        prev = k;
        if (k === "slice") throw errNoListOfLists();
      } else if (prev !== k) {
        throw new StrategicMergePatchError(`list element types are not identical: ${goValue(lists)}`);
      }
    }
  }
  if (prev === undefined) throw new StrategicMergePatchError("no elements in any of the given slices");
  return prev;
}

function goTypeName(v: unknown): string {
  switch (goKind(v)) {
    case "map":
      return "map[string]interface {}";
    case "slice":
      return "[]interface {}";
    case "nil":
      return "%!s(<nil>)";
    default:
      return goKind(v);
  }
}

/** `%s` of a directive value (non-strings print as Go's bad-verb form, e.g. `%!s(float64=1)`). */
function goString(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "%!s(<nil>)";
  return `%!s(${goTypeName(v)}=${goValue(v)})`;
}

/** Go's `%v` of a decoded JSON value: maps with sorted keys, floats in shortest %g form. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return goFloat(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  const m = v as JsonMap;
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${goValue(m[k])}`)
    .join(" ")}]`;
}

/** fmt's `%v` of a float64: shortest digits, exponent form when the decimal exponent is < -4 or >= 6 (1e+06). */
function goFloat(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mant, expStr] = f.toExponential().split("e");
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" + e : e}`;
  }
  return String(f);
}

export interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let doc = structuredClone(target) as Json;
  for (const raw of ops as JsonPatchOp[]) {
    const op = raw as JsonPatchOp;
    switch (op.op) {
      case "add":
        doc = setAt(doc, op.path, structuredClone(op.value) as Json, "add");
        break;
      case "replace":
        getAt(doc, op.path);
        doc = setAt(doc, op.path, structuredClone(op.value) as Json, "replace");
        break;
      case "remove":
        getAt(doc, op.path);
        doc = removeAt(doc, op.path);
        break;
      case "move": {
        const v = getAt(doc, op.from ?? "");
        doc = removeAt(doc, op.from ?? "");
        doc = setAt(doc, op.path, v, "add");
        break;
      }
      case "copy":
        doc = setAt(doc, op.path, structuredClone(getAt(doc, op.from ?? "")), "add");
        break;
      case "test":
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) throw badRequest(`testing value ${op.path} failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${String((op as { op?: unknown }).op)}`);
    }
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw badRequest(`add operation does not apply: doc is missing path: "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function getAt(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const seg of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)] as Json;
    else if (isObject(cur)) cur = (cur as Record<string, Json>)[seg] as Json;
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw badRequest(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function setAt(doc: Json, path: string, value: Json, mode: "add" | "replace"): Json {
  const segs = pointer(path);
  if (segs.length === 0) return value;
  const parent = getAt(doc, "/" + segs.slice(0, -1).map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/"));
  const last = segs[segs.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw badRequest(`add operation does not apply: doc is missing path: "${path}"`);
    if (mode === "add") parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObject(parent)) {
    (parent as Record<string, Json>)[last] = value;
  } else {
    throw badRequest(`add operation does not apply: doc is missing path: "${path}"`);
  }
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const segs = pointer(path);
  const parent = getAt(doc, "/" + segs.slice(0, -1).map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/"));
  const last = segs[segs.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete (parent as Record<string, Json>)[last];
  return doc;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
