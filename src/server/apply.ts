/**
 * Server-side apply (PATCH `application/apply-patch+yaml`), the basics of structured-merge-diff:
 * - the applied configuration's field set is recorded in `metadata.managedFields` (FieldsV1: `f:`
 *   for map keys, `k:{"name":"x"}` for keyed list items, `v:"x"` for set items, `.` for the item itself);
 * - fields this manager applied before but no longer applies are removed (unless another manager
 *   also owns them);
 * - the configuration is merged into the live object: maps recursively, lists with a merge key
 *   item by item, other lists and scalars replaced;
 * - a value another manager owns and this apply changes is a conflict (409) unless `force=true`.
 */
import { ApiError } from "../api/errors.js";
import type { KubeObject } from "../api/meta.js";

/** Merge keys of associative lists (k8s.io/api `listType=map` / `patchMergeKey`). */
const LIST_KEYS: Record<string, string[]> = {
  containers: ["name"],
  initContainers: ["name"],
  ephemeralContainers: ["name"],
  env: ["name"],
  volumeMounts: ["mountPath"],
  volumeDevices: ["devicePath"],
  volumes: ["name"],
  imagePullSecrets: ["name"],
  hostAliases: ["ip"],
  topologySpreadConstraints: ["topologyKey", "whenUnsatisfiable"],
  schedulingGates: ["name"],
  resourceClaims: ["name"],
  conditions: ["type"],
  ownerReferences: ["uid"],
  addresses: ["type"],
  podIPs: ["ip"],
  hostIPs: ["ip"],
  metrics: [],
};
/** Lists of scalars that are sets (`listType=set`). */
const SET_LISTS = new Set(["finalizers", "podCIDRs"]);

type Fields = { [k: string]: Fields };

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function listKeys(field: string, items: unknown[]): string[] | undefined {
  if (field === "ports") {
    // ServicePort merges by port(+protocol), ContainerPort by containerPort(+protocol).
    return items.some((p) => isObj(p) && "containerPort" in p) ? ["containerPort", "protocol"] : ["port", "protocol"];
  }
  const k = LIST_KEYS[field];
  return k && k.length ? k : undefined;
}

function itemKey(keys: string[], item: Record<string, any>): string {
  const o: Record<string, unknown> = {};
  for (const k of keys) {
    if (item[k] !== undefined) o[k] = item[k];
    else if (k === "protocol") o[k] = "TCP";
  }
  return "k:" + JSON.stringify(o);
}

/** The FieldsV1 set of a configuration. */
export function fieldsOf(v: unknown, field = ""): Fields {
  if (isObj(v)) {
    const out: Fields = {};
    for (const [k, child] of Object.entries(v)) {
      if (field === "" && (k === "apiVersion" || k === "kind" || k === "status")) continue;
      if (field === "metadata" && !(k === "labels" || k === "annotations" || k === "finalizers" || k === "ownerReferences")) continue;
      if (child === undefined) continue;
      const sub = fieldsOf(child, k);
      if (k === "metadata" && Object.keys(sub).length === 0) continue;
      out["f:" + k] = sub;
    }
    return out;
  }
  if (Array.isArray(v)) {
    if (SET_LISTS.has(field)) {
      const out: Fields = {};
      for (const x of v) out["v:" + JSON.stringify(x)] = {};
      return out;
    }
    const keys = listKeys(field, v);
    if (!keys) return {};
    const out: Fields = {};
    for (const item of v) {
      if (!isObj(item)) continue;
      out[itemKey(keys, item)] = { ".": {}, ...fieldsOf(item, "") };
    }
    return out;
  }
  return {};
}

/** Leaf paths of a field set, as `["f:spec","f:replicas"]` arrays. */
function leaves(f: Fields, prefix: string[] = [], out: string[][] = []): string[][] {
  const keys = Object.keys(f).filter((k) => k !== ".");
  if (keys.length === 0) {
    if (prefix.length) out.push(prefix);
    return out;
  }
  for (const k of keys) leaves(f[k]!, [...prefix, k], out);
  return out;
}

function has(f: Fields | undefined, path: string[]): boolean {
  let cur = f;
  for (const p of path) {
    if (!cur || !(p in cur)) return false;
    cur = cur[p];
  }
  return true;
}

/** `.spec.template.spec.containers[name="nginx"].image`, as SSA conflict messages print paths. */
export function pathString(path: string[]): string {
  let s = "";
  for (const p of path) {
    if (p.startsWith("f:")) s += "." + p.slice(2);
    else if (p.startsWith("k:")) {
      const o = JSON.parse(p.slice(2)) as Record<string, unknown>;
      s += "[" + Object.entries(o).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",") + "]";
    } else if (p.startsWith("v:")) s += `[${p.slice(2)}]`;
  }
  return s;
}

function getPath(obj: unknown, path: string[]): { found: boolean; value?: unknown } {
  let cur: any = obj;
  let field = "";
  for (const p of path) {
    if (p.startsWith("f:")) {
      if (!isObj(cur) || !(p.slice(2) in cur)) return { found: false };
      field = p.slice(2);
      cur = cur[field];
    } else if (p.startsWith("k:")) {
      if (!Array.isArray(cur)) return { found: false };
      const keys = listKeys(field, cur);
      const it = keys ? cur.find((x) => isObj(x) && itemKey(keys, x) === p) : undefined;
      if (!it) return { found: false };
      cur = it;
    } else if (p.startsWith("v:")) {
      if (!Array.isArray(cur)) return { found: false };
      const v = JSON.parse(p.slice(2));
      return { found: cur.includes(v), value: v };
    }
  }
  return { found: true, value: cur };
}

function removePath(obj: any, path: string[]): void {
  let cur: any = obj;
  let field = "";
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    const last = i === path.length - 1;
    if (p.startsWith("f:")) {
      if (!isObj(cur)) return;
      field = p.slice(2);
      if (last) {
        delete cur[field];
        return;
      }
      cur = cur[field];
    } else if (p.startsWith("k:")) {
      if (!Array.isArray(cur)) return;
      const keys = listKeys(field, cur);
      const idx = keys ? cur.findIndex((x) => isObj(x) && itemKey(keys, x) === p) : -1;
      if (idx < 0) return;
      if (last || path[i + 1] === ".") {
        cur.splice(idx, 1);
        return;
      }
      cur = cur[idx];
    } else if (p.startsWith("v:")) {
      if (!Array.isArray(cur)) return;
      const idx = cur.indexOf(JSON.parse(p.slice(2)));
      if (idx >= 0) cur.splice(idx, 1);
      return;
    } else return;
  }
}

/** Merge an applied configuration into the live value. */
export function mergeApplied(live: unknown, applied: unknown, field = ""): unknown {
  if (isObj(applied)) {
    const out: Record<string, unknown> = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(out[k], v, k);
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    if (SET_LISTS.has(field)) return [...live, ...applied.filter((x) => !live.includes(x))];
    const keys = listKeys(field, applied);
    if (keys) {
      const out = live.map((x) => x);
      for (const item of applied) {
        if (!isObj(item)) continue;
        const k = itemKey(keys, item);
        const idx = out.findIndex((x) => isObj(x) && itemKey(keys, x) === k);
        if (idx >= 0) out[idx] = mergeApplied(out[idx], item, "");
        else out.push(structuredClone(item));
      }
      return out;
    }
  }
  return structuredClone(applied);
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Fields;
  subresource?: string;
}

/** Record (replace) `manager`'s entry for `operation` in managedFields. */
export function recordManager(obj: KubeObject, entry: ManagedFieldsEntry): void {
  const list = ((obj.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? []).filter(
    (e) => !(e.manager === entry.manager && e.operation === entry.operation && (e.subresource ?? "") === (entry.subresource ?? "")),
  );
  list.push(entry);
  obj.metadata.managedFields = list;
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
  apiVersion: string;
  time: string;
}

/**
 * The object after applying `applied` over `live` (a deep copy; `live` is not changed). Throws a 409
 * Conflict Status listing the conflicting fields unless `force`.
 */
export function serverSideApply(live: KubeObject, applied: KubeObject, opts: ApplyOptions): KubeObject {
  const managed = (live.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? [];
  const mine = managed.find((e) => e.manager === opts.manager && e.operation === "Apply");
  const next = fieldsOf(applied);
  const conflicts: { manager: string; apiVersion: string; path: string[] }[] = [];
  if (!opts.force) {
    for (const path of leaves(next)) {
      const want = getPath(applied, path);
      const have = getPath(live, path);
      if (!have.found || JSON.stringify(want.value) === JSON.stringify(have.value)) continue;
      for (const e of managed) {
        if (e.manager === opts.manager) continue;
        if (has(e.fieldsV1, path)) conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path });
      }
    }
  }
  if (conflicts.length > 0) {
    const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${pathString(c.path)}`);
    const msg =
      conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
    throw new ApiError({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: msg,
      reason: "Conflict",
      details: { causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: pathString(c.path) })) },
      code: 409,
    });
  }
  const out = structuredClone(live);
  if (mine) {
    for (const path of leaves(mine.fieldsV1)) {
      if (has(next, path)) continue;
      const ownedByOther = managed.some((e) => e !== mine && has(e.fieldsV1, path));
      if (!ownedByOther) removePath(out, path);
    }
  }
  const { metadata: am, ...rest } = applied;
  const merged = mergeApplied(out, rest) as KubeObject;
  merged.metadata = mergeApplied(out.metadata, {
    ...(am?.labels ? { labels: am.labels } : {}),
    ...(am?.annotations ? { annotations: am.annotations } : {}),
    ...(am?.finalizers ? { finalizers: am.finalizers } : {}),
    ...(am?.ownerReferences ? { ownerReferences: am.ownerReferences } : {}),
  }, "metadata") as KubeObject["metadata"];
  // Other managers lose the fields this apply took over.
  const others = managed.filter((e) => e.manager !== opts.manager || e.operation !== "Apply");
  merged.metadata.managedFields = others;
  recordManager(merged, { manager: opts.manager, operation: "Apply", apiVersion: opts.apiVersion, time: opts.time, fieldsType: "FieldsV1", fieldsV1: next });
  return merged;
}
