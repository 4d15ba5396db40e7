/**
 * Small strict validators for the `kind: Scenario` document: every failure becomes a ScenarioError
 * at the exact file/document/line of the offending field, with kube-apiserver's field-error wording
 * (`Required value`, `Invalid value: …`, `Unsupported value: …`, `unknown field "…"`).
 */
import { parseDuration } from "../core/duration.js";
import { parseQuantity } from "../core/quantity.js";
import { didYouMean, ScenarioError } from "./errors.js";
import { formatFieldPath, mapKey, offsetOf, type PathSegment, type SourceFile } from "./positions.js";

export type Path = readonly PathSegment[];

/** Where a value being validated lives: a document of a file, under an optional path prefix. */
export class DocContext {
  constructor(
    readonly sf: SourceFile,
    /** 1-based document number. */
    readonly document: number,
    /** Path of the validated value inside the document (e.g. ["items", 2] for a List item). */
    readonly prefix: Path = [],
    /** Prefix shown in field names (by default the same as `prefix`). */
    readonly shownPrefix: Path = prefix,
  ) {}

  get file(): string {
    return this.sf.file;
  }

  lineOf(path: Path): number {
    const doc = this.sf.docs[this.document - 1];
    if (!doc) return 0;
    const off = offsetOf(doc, [...this.prefix, ...path]);
    return off === undefined ? 0 : this.sf.lineCounter.linePos(off).line;
  }

  field(path: Path): string {
    return formatFieldPath([...this.shownPrefix, ...path]);
  }

  /** Throw a ScenarioError for `path` with `reason`. */
  fail(path: Path, reason: string, showField = true): never {
    throw new ScenarioError(this.file, this.document, this.lineOf(path), this.field(path), reason, showField);
  }

  /** A context for an object nested at `path` whose field names are shown relative to itself (a List item). */
  object(path: Path): DocContext {
    return new DocContext(this.sf, this.document, [...this.prefix, ...path], []);
  }

  sub(path: Path): DocContext {
    return new DocContext(this.sf, this.document, [...this.prefix, ...path], [...this.shownPrefix, ...path]);
  }
}

/** Go's %q-ish rendering of a bad value, as field.Error prints it. */
export function render(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** An object with only the given keys (strict, like `fieldValidation=Strict`). */
export function obj(ctx: DocContext, v: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(v)) ctx.fail(path, `Invalid value: ${render(v)}: must be an object, not ${typeName(v)}`);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) {
      const full = ctx.field([...path, k]);
      const guess = didYouMean(k, allowed);
      const hint = guess ? ` (did you mean "${ctx.field([...path, guess])}"?)` : "";
      ctx.fail([...path, k], `unknown field "${full}"${hint}`, false);
    }
  }
  return v;
}

export function required(ctx: DocContext, o: Record<string, unknown>, path: Path, key: string): unknown {
  const v = o[key];
  if (v === undefined || v === null) ctx.fail([...path, key], "Required value");
  return v;
}

export function str(ctx: DocContext, v: unknown, path: Path): string {
  if (typeof v !== "string" || v === "") {
    if (v === undefined || v === null || v === "") ctx.fail(path, "Required value");
    ctx.fail(path, `Invalid value: ${render(v)}: must be a string`);
  }
  return v;
}

export function optStr(ctx: DocContext, v: unknown, path: Path): string | undefined {
  return v === undefined || v === null ? undefined : str(ctx, v, path);
}

export function int(ctx: DocContext, v: unknown, path: Path, min?: number, max?: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) ctx.fail(path, `Invalid value: ${render(v)}: must be an integer`);
  if (min !== undefined && v < min) ctx.fail(path, `Invalid value: ${v}: must be greater than or equal to ${min}`);
  if (max !== undefined && v > max) ctx.fail(path, `Invalid value: ${v}: must be less than or equal to ${max}`);
  return v;
}

export function num(ctx: DocContext, v: unknown, path: Path, min?: number): number {
  if (typeof v !== "number" || !Number.isFinite(v)) ctx.fail(path, `Invalid value: ${render(v)}: must be a number`);
  if (min !== undefined && v < min) ctx.fail(path, `Invalid value: ${v}: must be greater than or equal to ${min}`);
  return v;
}

export function oneOf<T extends string>(ctx: DocContext, v: unknown, path: Path, values: readonly T[]): T {
  if (typeof v !== "string" || !values.includes(v as T)) {
    ctx.fail(path, `Unsupported value: ${render(v)}: supported values: ${values.map((s) => JSON.stringify(s)).join(", ")}`);
  }
  return v as T;
}

export function strMap(ctx: DocContext, v: unknown, path: Path): Record<string, string> {
  if (!isPlainObject(v)) ctx.fail(path, `Invalid value: ${render(v)}: must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") ctx.fail([...path, mapKey(k)], `Invalid value: ${render(x)}: must be a string`);
    out[k] = x;
  }
  return out;
}

export function arr(ctx: DocContext, v: unknown, path: Path): unknown[] {
  if (!Array.isArray(v)) ctx.fail(path, `Invalid value: ${render(v)}: must be a list`);
  return v;
}

/**
 * A duration: Go syntax ("1m30s", "300ms", "1h") or a bare number of seconds. Returns integer ms.
 * Negative durations are rejected unless `allowNegative`.
 */
export function duration(ctx: DocContext, v: unknown, path: Path): number {
  if (typeof v !== "string" && typeof v !== "number") ctx.fail(path, `Invalid value: ${render(v)}: must be a duration such as "1m30s"`);
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    ms = NaN;
  }
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    ctx.fail(path, `Invalid value: ${render(v)}: time: invalid duration ${JSON.stringify(String(v))}`);
  }
  if (ms < 0) ctx.fail(path, `Invalid value: ${render(v)}: must be greater than or equal to 0`);
  return Math.round(ms);
}

function quantity(ctx: DocContext, v: unknown, path: Path) {
  if (typeof v !== "string" && typeof v !== "number") ctx.fail(path, `Invalid value: ${render(v)}: must be a quantity such as "200m" or "128Mi"`);
  try {
    return parseQuantity(v);
  } catch (e) {
    ctx.fail(path, `Invalid value: ${render(v)}: ${(e as Error).message}`);
  }
}

/** A CPU quantity ("200m", 0.5) in millicores (rounded up like Go's MilliValue). */
export function cpuMilli(ctx: DocContext, v: unknown, path: Path): number {
  const q = quantity(ctx, v, path);
  const m = q.milliValue();
  if (m < 0) ctx.fail(path, `Invalid value: ${render(v)}: must be greater than or equal to 0`);
  return m;
}

/** A memory quantity ("150Mi", "1G") in bytes (rounded up like Go's Value). */
export function bytes(ctx: DocContext, v: unknown, path: Path): number {
  const q = quantity(ctx, v, path);
  const b = q.value();
  if (b < 0) ctx.fail(path, `Invalid value: ${render(v)}: must be greater than or equal to 0`);
  return b;
}
