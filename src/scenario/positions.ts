/**
 * Source positions: which line of which scenario document a field path lives on.
 *
 * Every loaded file is kept here (parsed YAML with node ranges) so that errors raised long after
 * loading (an ApiError from the store when the timeline applies a manifest at minute 6) can still be
 * pinned to `file: document N, line L`.
 *
 * A *source reference* is the readable string stored with each loaded object and timeline action
 * (`examples/lab.yaml: document 3, line 1`, `examples/lab.yaml: document 1, line 40: spec.timeline[4] (kubectl scale …)`);
 * `locateSource(source, fieldPath)` turns it plus a field path inside that object back into a line.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from "yaml";

export type PathSegment = string | number;

export interface SourceFile {
  file: string;
  lineCounter: LineCounter;
  /** All documents yaml yields, in order; document number n is docs[n - 1]. */
  docs: Document.Parsed[];
  /** 1-based line numbers of `---` separator lines (kubectl's splitter rule). */
  separatorLines: number[];
}

const registry = new Map<string, SourceFile>();

export function registerSource(sf: SourceFile): void {
  registry.set(sf.file, sf);
}

export function sourceFile(file: string): SourceFile | undefined {
  return registry.get(file);
}

/** Lines (1-based) that kubectl's YAML splitter treats as document separators. */
export function separatorLinesOf(text: string): number[] {
  const out: number[] = [];
  let line = 1;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = n;
    if (text.startsWith("---", start)) {
      const rest = text.slice(start + 3, end).trim();
      if (rest.length === 0 || rest[0] === "#") out.push(line);
    }
    line++;
    start = end + 1;
  }
  return out;
}

/** The line inside the document's chunk, as kubectl (which splits on `---` first) reports it. */
export function chunkRelativeLine(sf: SourceFile, absLine: number): number {
  let startLine = 1;
  for (const s of sf.separatorLines) {
    if (s < absLine) startLine = s + 1;
    else break;
  }
  return absLine - startLine + 1;
}

/** `spec.containers[0].resources.requests[cpu]` → ["spec","containers",0,"resources","requests","cpu"]. */
export function parseFieldPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  let cur = "";
  const flush = () => {
    if (cur !== "") out.push(cur);
    cur = "";
  };
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      flush();
      i++;
    } else if (c === "[") {
      flush();
      const close = path.indexOf("]", i);
      const inner = close < 0 ? path.slice(i + 1) : path.slice(i + 1, close);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = close < 0 ? path.length : close + 1;
    } else {
      cur += c;
      i++;
    }
  }
  flush();
  return out;
}

/**
 * A map-key segment (`requests[cpu]`, `labels[app]`), as apimachinery's field.Path.Key prints it;
 * plain string segments are struct fields (`.spec`).
 */
export function mapKey(k: string): string {
  return `[${k}]`;
}

function isMapKeySeg(seg: string): boolean {
  return seg.length >= 2 && seg[0] === "[" && seg[seg.length - 1] === "]";
}

/** The name a segment has in the document (a map key without its brackets). */
export function segmentName(seg: PathSegment): string {
  return typeof seg === "string" && isMapKeySeg(seg) ? seg.slice(1, -1) : String(seg);
}

export function formatFieldPath(segs: readonly PathSegment[]): string {
  let s = "";
  for (const seg of segs) {
    if (typeof seg === "number") s += `[${seg}]`;
    else if (isMapKeySeg(seg)) s += seg;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${seg}]`;
  }
  return s;
}

function keyString(k: unknown): string | undefined {
  if (isScalar(k)) return k.value === null ? "" : String(k.value);
  return undefined;
}

/**
 * Offset of the deepest node on `path` that exists: the key of a map entry, or the item of a
 * sequence. Returns the offset of the document's contents when nothing matches.
 */
export function offsetOf(doc: Document.Parsed, path: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as Node | null)?.range?.[0] ?? doc.range?.[0];
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const want = segmentName(seg);
      const pair = node.items.find((p) => isPair(p) && keyString(p.key) === want);
      if (!pair) break;
      const kr = (pair.key as Node | null)?.range;
      if (kr) offset = kr[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const name = segmentName(seg);
      const idx = typeof seg === "number" ? seg : /^\d+$/.test(name) ? Number(name) : -1;
      const item = idx >= 0 ? node.items[idx] : undefined;
      if (item === undefined) break;
      const r = (item as Node | null)?.range;
      if (r) offset = r[0];
      node = item;
    } else break;
  }
  return offset;
}

/** 1-based line of `fieldPath` in document `document` (1-based) of `file`, or undefined if unknown. */
export function locate(file: string, document: number, fieldPath: string | readonly PathSegment[] = []): number | undefined {
  const sf = registry.get(file);
  const doc = sf?.docs[document - 1];
  if (!sf || !doc) return undefined;
  const segs = typeof fieldPath === "string" ? parseFieldPath(fieldPath) : fieldPath;
  const off = offsetOf(doc, segs);
  return off === undefined ? undefined : sf.lineCounter.linePos(off).line;
}

const sourceRefs = new Map<string, { file: string; document: number; prefix: string }>();

/**
 * The source reference of the value at `prefix` in document `document` of `file`: a readable string
 * (`examples/lab.yaml: document 2, line 14`, plus ` (label)` when given) that `locateSource` and
 * `describeSource` map back to the document and path.
 */
export function sourceRef(file: string, document: number, prefix: string | readonly PathSegment[] = "", label?: string): string {
  const p = typeof prefix === "string" ? prefix : formatFieldPath(prefix);
  const line = locate(file, document, parseFieldPath(p));
  let s = line ? `${file}: document ${document}, line ${line}` : `${file}: document ${document}`;
  if (label) s += `: ${label}`;
  if (!sourceRefs.has(s)) sourceRefs.set(s, { file, document, prefix: p });
  return s;
}

export function parseSourceRef(source: string): { file: string; document: number; prefix: string } | undefined {
  return sourceRefs.get(source);
}

export interface SourcePosition {
  file: string;
  document: number;
  line: number;
}

/** Where `fieldPath` (relative to the object/action a source reference names) is. */
export function locateSource(source: string, fieldPath = ""): SourcePosition | undefined {
  const r = parseSourceRef(source);
  if (!r) return undefined;
  const segs = [...parseFieldPath(r.prefix), ...parseFieldPath(fieldPath)];
  return { file: r.file, document: r.document, line: locate(r.file, r.document, segs) ?? 0 };
}

/** `examples/lab.yaml: document 3, line 19` (or the source string itself if it is not a reference). */
export function describeSource(source: string, fieldPath = ""): string {
  const p = locateSource(source, fieldPath);
  if (!p) return source;
  return p.line > 0 ? `${p.file}: document ${p.document}, line ${p.line}` : `${p.file}: document ${p.document}`;
}
