/**
 * The subset of Kubernetes JSONPath (k8s.io/client-go/util/jsonpath) used by CRD
 * additionalPrinterColumns: `.a.b`, escaped dots (`.metadata.labels.karpenter\.sh/capacity-type`),
 * `['key']`, `[0]`, `[-1]`, `[*]`, `[a:b]`, `..name` and filters
 * `[?(@.type=="Ready")]` (==, !=, <, <=, >, >=, or bare existence). The path may be wrapped in `{}`.
 */

type Step =
  | { t: "field"; name: string }
  | { t: "wild" }
  | { t: "recurse"; name: string | undefined }
  | { t: "index"; i: number }
  | { t: "slice"; start?: number; end?: number; step?: number }
  | { t: "filter"; left: string[]; op?: string; right?: unknown; rightPath?: string[] };

export class JsonPathError extends Error {}

const cache = new Map<string, Step[]>();

function parseField(src: string, i: number): [string, number] {
  let name = "";
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\\" && i + 1 < src.length) {
      name += src[i + 1];
      i += 2;
      continue;
    }
    if (c === "." || c === "[") break;
    name += c;
    i++;
  }
  return [name, i];
}

function parseRelPath(s: string): string[] {
  // "@.a.b" or "@"
  const t = s.trim();
  if (t === "@") return [];
  if (!t.startsWith("@.")) throw new JsonPathError(`unrecognized filter operand ${s}`);
  const out: string[] = [];
  let i = 1;
  while (i < t.length) {
    if (t[i] !== ".") throw new JsonPathError(`unrecognized filter operand ${s}`);
    const [name, j] = parseField(t, i + 1);
    out.push(name);
    i = j;
  }
  return out;
}

function parseLiteral(s: string): unknown {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "nil" || t === "null") return null;
  const n = Number(t);
  if (t !== "" && Number.isFinite(n)) return n;
  throw new JsonPathError(`unrecognized literal ${s}`);
}

function parseFilter(body: string): Step {
  // body without "?(" and ")"
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(body);
  if (!m) return { t: "filter", left: parseRelPath(body) };
  const right = m[3]!.trim();
  if (right.startsWith("@")) return { t: "filter", left: parseRelPath(m[1]!), op: m[2], rightPath: parseRelPath(right) };
  return { t: "filter", left: parseRelPath(m[1]!), op: m[2], right: parseLiteral(right) };
}

export function parseJsonPath(path: string): Step[] {
  const hit = cache.get(path);
  if (hit) return hit;
  let src = path.trim();
  if (src.startsWith("{") && src.endsWith("}")) src = src.slice(1, -1).trim();
  if (src.startsWith("$")) src = src.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ".") {
      if (src[i + 1] === ".") {
        const [name, j] = parseField(src, i + 2);
        steps.push({ t: "recurse", name: name === "" || name === "*" ? undefined : name });
        i = j;
        continue;
      }
      const [name, j] = parseField(src, i + 1);
      if (name === "*") steps.push({ t: "wild" });
      else if (name !== "") steps.push({ t: "field", name });
      i = j;
      continue;
    }
    if (c === "[") {
      // find the matching "]" (respecting quotes and parentheses)
      let depth = 0;
      let q: string | undefined;
      let j = i + 1;
      for (; j < src.length; j++) {
        const d = src[j]!;
        if (q) {
          if (d === q) q = undefined;
          continue;
        }
        if (d === "'" || d === '"') q = d;
        else if (d === "(") depth++;
        else if (d === ")") depth--;
        else if (d === "]" && depth === 0) break;
      }
      if (j >= src.length) throw new JsonPathError(`unclosed array expect ]`);
      const body = src.slice(i + 1, j).trim();
      i = j + 1;
      if (body === "*") steps.push({ t: "wild" });
      else if (body.startsWith("?(") && body.endsWith(")")) steps.push(parseFilter(body.slice(2, -1)));
      else if ((body.startsWith("'") && body.endsWith("'")) || (body.startsWith('"') && body.endsWith('"'))) steps.push({ t: "field", name: body.slice(1, -1) });
      else if (body.includes(":")) {
        const [a, b, s] = body.split(":").map((x) => (x.trim() === "" ? undefined : Number(x)));
        steps.push({ t: "slice", start: a, end: b, step: s });
      } else {
        const n = Number(body);
        if (!Number.isInteger(n)) throw new JsonPathError(`invalid array index ${body}`);
        steps.push({ t: "index", i: n });
      }
      continue;
    }
    // a bare leading field name ("spec.replicas")
    const [name, j] = parseField(src, i);
    if (name === "") throw new JsonPathError(`unrecognized character in action: ${c}`);
    steps.push({ t: "field", name });
    i = j;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(path, steps);
  return steps;
}

function get(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
  if (typeof a === "number" && typeof b === "number") {
    if (op === "<") return a < b;
    if (op === "<=") return a <= b;
    if (op === ">") return a > b;
    if (op === ">=") return a >= b;
  }
  return false;
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.keys(o)
      .sort()
      .map((k) => o[k]);
  }
  return [];
}

function recurse(v: unknown, name: string | undefined, out: unknown[]): void {
  if (v === null || typeof v !== "object") return;
  if (!Array.isArray(v) && name !== undefined && name in (v as object)) out.push((v as Record<string, unknown>)[name]);
  if (name === undefined) out.push(...children(v));
  for (const c of children(v)) recurse(c, name, out);
}

/** Every value `path` selects in `root` (empty when nothing matches). */
export function evalJsonPath(root: unknown, path: string): unknown[] {
  let cur: unknown[] = [root];
  for (const s of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (s.t) {
        case "field":
          if (v !== null && typeof v === "object" && !Array.isArray(v) && s.name in (v as object)) next.push((v as Record<string, unknown>)[s.name]);
          break;
        case "wild":
          next.push(...children(v));
          break;
        case "recurse":
          recurse(v, s.name, next);
          break;
        case "index":
          if (Array.isArray(v)) {
            const i = s.i < 0 ? v.length + s.i : s.i;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case "slice":
          if (Array.isArray(v)) {
            const n = v.length;
            let a = s.start ?? 0;
            let b = s.end ?? n;
            if (a < 0) a += n;
            if (b < 0) b += n;
            a = Math.max(0, Math.min(n, a));
            b = Math.max(0, Math.min(n, b));
            const st = s.step && s.step > 0 ? s.step : 1;
            for (let i = a; i < b; i += st) next.push(v[i]);
          }
          break;
        case "filter":
          for (const e of Array.isArray(v) ? v : children(v)) {
            const left = get(e, s.left);
            if (s.op === undefined) {
              if (left !== undefined) next.push(e);
              continue;
            }
            const right = s.rightPath ? get(e, s.rightPath) : s.right;
            if (left !== undefined && compare(left, s.op, right)) next.push(e);
          }
          break;
      }
    }
    cur = next;
    if (cur.length === 0) break;
  }
  return cur;
}

/** How the jsonpath printer renders one value: strings raw, numbers/bools as Go prints them, objects as JSON. */
export function formatJsonPathValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null || v === undefined) return "<nil>";
  return JSON.stringify(v);
}
