/**
 * Variants of a scenario without copying the file: `NAME: [TARGET] PATH=VALUE[; …]` overrides are
 * spliced into the YAML text before the loader sees it, so the loader validates the result as if the
 * user had edited the file, and its errors still point at the file's lines (an edited value stays on
 * its line; an added field is a new line at the top of its map).
 *
 *   hpa70: HorizontalPodAutoscaler/php-apache spec.metrics[0].resource.target.averageUtilization=70
 *   big:   Deployment/php-apache spec.template.spec.containers[name=php-apache].resources.limits.cpu=1; spec.duration=45m
 *
 * TARGET is `Kind/name` or `Kind/namespace/name` (kind case-insensitive; also its plural and kubectl's
 * short names); without one the override is for the `kind: Scenario` document. PATH is dot-separated
 * with `[i]` list indices (`[len]` appends), `[key.with.dots]` map keys and `[field=value]` list items
 * selected by a field. VALUE is YAML (`70`, `"70"`, `500m`, `{type: Pods}`, `[a, b]`). Missing map
 * fields are created.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parse as parseYaml, parseAllDocuments, type Document, type Node, type Pair } from "yaml";

export class VariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VariantError";
  }
}

export type OverrideSegment = { key: string } | { index: number } | { match: [string, string] };

export interface OverrideTarget {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Override {
  /** Undefined: the Scenario document. */
  target?: OverrideTarget;
  path: OverrideSegment[];
  value: unknown;
  /** As the user wrote it (for messages). */
  text: string;
}

export interface Variant {
  name: string;
  overrides: Override[];
}

const VARIANT_NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.%]*[A-Za-z0-9%])?$/;

/** `NAME: OVERRIDE[; OVERRIDE…]`. */
export function parseVariant(spec: string): Variant {
  const colon = spec.indexOf(":");
  if (colon < 0) throw new VariantError(`invalid variant ${JSON.stringify(spec)}: expected "NAME: [Kind/name] path=value[; …]"`);
  const name = spec.slice(0, colon).trim();
  if (!VARIANT_NAME_RE.test(name)) {
    throw new VariantError(`invalid variant ${JSON.stringify(spec)}: the name ${JSON.stringify(name)} must be letters, digits, '-', '_', '.' or '%', starting and ending with a letter or digit`);
  }
  const parts = splitTopLevel(spec.slice(colon + 1), ";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (parts.length === 0) throw new VariantError(`variant "${name}": no override given (expected "[Kind/name] path=value")`);
  return { name, overrides: parts.map((p) => parseOverride(name, p)) };
}

function parseOverride(variant: string, text: string): Override {
  const fail = (why: string): never => {
    throw new VariantError(`variant "${variant}": ${JSON.stringify(text)}: ${why}`);
  };
  const eq = indexOutsideBrackets(text, "=");
  if (eq < 0) fail(`expected "path=value"`);
  const lhs = text.slice(0, eq).trim();
  const rhs = text.slice(eq + 1).trim();
  if (rhs === "") fail("missing value after '='");
  let target: OverrideTarget | undefined;
  let pathText = lhs;
  const sp = lhs.search(/\s/);
  if (sp >= 0) {
    const t = lhs.slice(0, sp);
    pathText = lhs.slice(sp).trim();
    const parts = t.split("/");
    if (parts.length === 1 && parts[0]!.toLowerCase() === "scenario") target = undefined;
    else if (parts.length === 2 && parts.every((x) => x !== "")) target = { kind: parts[0]!, name: parts[1]! };
    else if (parts.length === 3 && parts.every((x) => x !== "")) target = { kind: parts[0]!, namespace: parts[1]!, name: parts[2]! };
    else fail(`the target ${JSON.stringify(t)} must be Kind/name or Kind/namespace/name`);
  }
  let value: unknown;
  try {
    value = parseYaml(rhs);
  } catch (e) {
    fail(`the value is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  let path: OverrideSegment[] = [];
  try {
    path = parseOverridePath(pathText);
  } catch (e) {
    fail((e as Error).message);
  }
  return { ...(target ? { target } : {}), path, value, text };
}

/** `spec.a[0].b[name=x][app.kubernetes.io/name]`. */
export function parseOverridePath(s: string): OverrideSegment[] {
  const out: OverrideSegment[] = [];
  let i = 0;
  let cur = "";
  const flush = () => {
    if (cur !== "") out.push({ key: cur });
    cur = "";
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === ".") {
      if (cur === "" && (i === 0 || s[i - 1] === ".")) throw new Error(`empty field name in path ${JSON.stringify(s)}`);
      flush();
      i++;
    } else if (c === "[") {
      flush();
      const close = s.indexOf("]", i);
      if (close < 0) throw new Error(`unclosed '[' in path ${JSON.stringify(s)}`);
      const inner = s.slice(i + 1, close).trim();
      if (inner === "") throw new Error(`empty [] in path ${JSON.stringify(s)}`);
      const eq = inner.indexOf("=");
      if (/^\d+$/.test(inner)) out.push({ index: Number(inner) });
      else if (eq > 0) out.push({ match: [inner.slice(0, eq).trim(), unquote(inner.slice(eq + 1).trim())] });
      else out.push({ key: unquote(inner) });
      i = close + 1;
    } else if (/\s/.test(c)) {
      throw new Error(`unexpected space in path ${JSON.stringify(s)}`);
    } else {
      cur += c;
      i++;
    }
  }
  flush();
  if (out.length === 0) throw new Error("empty path");
  return out;
}

export function formatOverridePath(segs: readonly OverrideSegment[]): string {
  let s = "";
  for (const seg of segs) {
    if ("index" in seg) s += `[${seg.index}]`;
    else if ("match" in seg) s += `[${seg.match[0]}=${seg.match[1]}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg.key)) s += s ? `.${seg.key}` : seg.key;
    else s += `[${seg.key}]`;
  }
  return s;
}

function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0] ? s.slice(1, -1) : s;
}

function indexOutsideBrackets(s: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "[") depth++;
    else if (c === "]") depth = Math.max(0, depth - 1);
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}

/** Split on `sep` outside brackets, braces and quotes (a YAML value may hold `;` only inside those). */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth = Math.max(0, depth - 1);
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** kubectl's short names and plurals for the kinds scenarios hold. */
const KIND_ALIASES: Record<string, string> = {
  deploy: "deployment",
  hpa: "horizontalpodautoscaler",
  svc: "service",
  sts: "statefulset",
  ds: "daemonset",
  cm: "configmap",
  pdb: "poddisruptionbudget",
  so: "scaledobject",
  sj: "scaledjob",
  vpa: "verticalpodautoscaler",
  pc: "priorityclass",
  ns: "namespace",
  po: "pod",
  limits: "limitrange",
};

/** Whether a target's kind as typed (`HorizontalPodAutoscaler`, `hpa`, `deployments`) names `kind`. */
export function kindMatches(want: string, kind: string): boolean {
  const w = want.toLowerCase();
  const k = kind.toLowerCase();
  if (w === k || KIND_ALIASES[w] === k) return true;
  // Plurals: deployments, horizontalpodautoscalers, poddisruptionbudgets, nodeclasses.
  return w === `${k}s` || w === `${k}es` || (k.endsWith("y") && w === `${k.slice(0, -1)}ies`);
}

interface Located {
  doc: Document.Parsed;
  docIndex: number;
  /** Path from the document root to the object (`["items", 2]` inside a List). */
  prefix: Array<string | number>;
  label: string;
}

function locateTarget(variant: string, file: string, docs: Document.Parsed[], target: OverrideTarget | undefined): Located {
  const found: Located[] = [];
  const all: string[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length) return;
    const v = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    const consider = (o: unknown, prefix: Array<string | number>) => {
      if (!o || typeof o !== "object" || Array.isArray(o)) return;
      const r = o as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      if (typeof r.kind !== "string") return;
      const name = typeof r.metadata?.name === "string" ? r.metadata.name : "";
      const ns = typeof r.metadata?.namespace === "string" ? r.metadata.namespace : undefined;
      if (r.kind === "Scenario") {
        if (!target) found.push({ doc, docIndex: i, prefix, label: "Scenario" });
        return;
      }
      all.push(`${r.kind}/${ns ? `${ns}/` : ""}${name}`);
      if (!target) return;
      if (!kindMatches(target.kind, r.kind) || name !== target.name) return;
      if (target.namespace !== undefined && (ns ?? "default") !== target.namespace) return;
      found.push({ doc, docIndex: i, prefix, label: `${r.kind}/${ns ? `${ns}/` : ""}${name}` });
    };
    const rec = v as { kind?: unknown; items?: unknown };
    if (rec && typeof rec === "object" && typeof rec.kind === "string" && rec.kind.endsWith("List") && Array.isArray(rec.items)) {
      rec.items.forEach((it, j) => consider(it, ["items", j]));
    } else consider(v, []);
  });
  const what = target ? `${target.kind}/${target.namespace ? `${target.namespace}/` : ""}${target.name}` : "the kind: Scenario document";
  if (found.length === 0) {
    const holds = all.length ? ` (it holds ${all.join(", ")})` : "";
    throw new VariantError(`variant "${variant}": ${what} not found in ${file}${holds}`);
  }
  if (found.length > 1) {
    throw new VariantError(`variant "${variant}": ${what} matches ${found.length} objects in ${file} (${found.map((f) => f.label).join(", ")}); name one as Kind/namespace/name`);
  }
  return found[0]!;
}

/** The text of `file` with each override of `variant` applied, in order. */
export function applyVariant(text: string, file: string, variant: Variant): string {
  let out = text;
  for (const o of variant.overrides) out = applyOverride(out, file, variant.name, o);
  return out;
}

function applyOverride(text: string, file: string, variant: string, o: Override): string {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, merge: true }) as Document.Parsed[];
  const bad = docs.find((d) => d.errors.length);
  if (bad) throw new VariantError(`variant "${variant}": ${file} is not valid YAML: ${bad.errors[0]!.message.split("\n")[0]}`);
  const loc = locateTarget(variant, file, docs, o.target);
  const where = (offset: number) => `${file}: document ${loc.docIndex + 1}, line ${lc.linePos(offset).line}`;
  function fail(offset: number, upto: number, why: string): never {
    const field = formatOverridePath(o.path.slice(0, upto + 1));
    throw new VariantError(`variant "${variant}": ${where(offset)}: ${loc.label}: ${field}: ${why}`);
  }

  // Walk to the object, then along the override's path.
  let node: unknown = loc.doc.contents;
  for (const seg of loc.prefix) node = typeof seg === "number" ? (node as { items: unknown[] }).items[seg] : pairOf(node, seg)?.value;
  let parentPair: Pair | undefined;
  for (let i = 0; i < o.path.length; i++) {
    const seg = o.path[i]!;
    const at = rangeOf(node)?.[0] ?? rangeOf(parentPair?.key)?.[0] ?? 0;
    if (isAlias(node)) fail(at, i - 1, "Invalid value: the field is a YAML alias; edit its anchor instead");
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
      // An empty field (`metadata:` or `key: null`): it becomes the rest of the path as a new object.
      return writeValue(text, node, parentPair, buildRest(o.path.slice(i), o.value, (why) => fail(at, i, why)));
    }
    if ("key" in seg) {
      if (!isMap(node)) fail(at, i - 1, `Invalid value: ${describe(node)}: cannot set field ${JSON.stringify(seg.key)} in it`);
      const pair = pairOf(node, seg.key);
      if (!pair) return insertPair(text, node, seg.key, buildRest(o.path.slice(i + 1), o.value, (why) => fail(at, i + 1, why)));
      parentPair = pair;
      node = pair.value;
      continue;
    }
    if (!isSeq(node)) fail(at, i - 1, `Invalid value: ${describe(node)}: not a list`);
    let idx: number;
    if ("index" in seg) {
      idx = seg.index;
      if (idx === node.items.length) {
        if (i !== o.path.length - 1) fail(at, i, `Invalid value: ${idx}: a new list item must be given whole (…[${idx}]={…})`);
        return appendItem(text, node, o.value);
      }
      if (idx > node.items.length) fail(at, i, `Invalid value: ${idx}: index out of range: the list has ${node.items.length} item(s) ([${node.items.length}] appends)`);
    } else {
      const [k, v] = seg.match;
      idx = node.items.findIndex((it) => isMap(it) && it.items.some((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === k && isScalar(p.value) && String(p.value.value) === v));
      if (idx < 0) fail(at, i, `Not found: no list item with ${k}=${JSON.stringify(v)}`);
    }
    parentPair = undefined;
    node = node.items[idx];
  }
  return writeValue(text, node, parentPair, o.value);
}

function pairOf(node: unknown, key: string): Pair<unknown, unknown> | undefined {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) as Pair<unknown, unknown> | undefined;
}

function rangeOf(n: unknown): [number, number, number] | undefined {
  return (n as Node | null | undefined)?.range ?? undefined;
}

function describe(node: unknown): string {
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return JSON.stringify(node.value);
  return "null";
}

/** `{b: {c: value}}` for the remaining path `b.c`; list steps cannot be created from nothing. */
function buildRest(rest: readonly OverrideSegment[], value: unknown, fail: (why: string) => never): unknown {
  let v = value;
  for (let i = rest.length - 1; i >= 0; i--) {
    const seg = rest[i]!;
    if (!("key" in seg)) fail(`Not found: the list does not exist; set it whole (e.g. …=[{…}])`);
    v = { [(seg as { key: string }).key]: v };
  }
  return v;
}

/** One line of flow YAML (JSON is flow YAML), valid wherever a value can stand. */
function flow(v: unknown): string {
  return JSON.stringify(v) ?? "null";
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

function columnOf(text: string, offset: number): number {
  const nl = text.lastIndexOf("\n", offset - 1);
  return offset - (nl + 1);
}

function writeValue(text: string, node: unknown, parentPair: Pair | undefined, value: unknown): string {
  const r = rangeOf(node);
  if (r) {
    const old = text.slice(r[0], r[1]);
    if (isScalar(node) && r[0] === r[1]) return splice(text, r[0], r[1], ` ${flow(value)}`);
    // A block collection's range ends after its last line break; keep that break.
    const keepNl = old.endsWith("\n") ? "\n" : "";
    return splice(text, r[0], r[1], flow(value) + keepNl);
  }
  // `key:` with no value node at all: write after the key's colon.
  const kr = rangeOf(parentPair?.key);
  if (!kr) throw new VariantError("internal: nowhere to write the value");
  const colon = text.indexOf(":", kr[1]);
  return splice(text, colon + 1, colon + 1, ` ${flow(value)}`);
}

function insertPair(text: string, map: Node & { items: unknown[]; flow?: boolean }, key: string, value: unknown): string {
  const r = rangeOf(map)!;
  const entry = `${flow(key)}: ${flow(value)}`;
  if (map.flow || text[r[0]] === "{") {
    const open = text.indexOf("{", r[0]);
    return splice(text, open + 1, open + 1, map.items.length ? ` ${entry},` : entry);
  }
  // Block map: a new first line at the indentation of the existing keys.
  const firstKey = rangeOf((map.items[0] as Pair).key)![0];
  const keyText = /^[A-Za-z_][\w.\-/]*$/.test(key) ? key : flow(key);
  return splice(text, firstKey, firstKey, `${keyText}: ${flow(value)}\n${" ".repeat(columnOf(text, firstKey))}`);
}

function appendItem(text: string, seq: Node & { items: unknown[]; flow?: boolean }, value: unknown): string {
  const r = rangeOf(seq)!;
  if (seq.flow || text[r[0]] === "[") {
    const close = text.lastIndexOf("]", r[1]);
    return splice(text, close, close, seq.items.length ? `, ${flow(value)}` : flow(value));
  }
  const first = rangeOf(seq.items[0])![0];
  const dash = text.lastIndexOf("-", first);
  const indent = " ".repeat(columnOf(text, dash));
  const end = rangeOf(seq.items[seq.items.length - 1])![1];
  const atLineStart = text[end - 1] === "\n";
  return splice(text, end, end, `${atLineStart ? "" : "\n"}${indent}- ${flow(value)}${atLineStart ? "\n" : ""}`);
}
