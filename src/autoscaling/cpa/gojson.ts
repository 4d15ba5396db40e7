/**
 * The few rules of Go's encoding/json that decide whether CPA accepts a params string: field names
 * match case-insensitively, unknown keys are ignored, `null` leaves the zero value, and a value of
 * the wrong JSON type is an error worded like Go's UnmarshalTypeError. Go keeps decoding after a
 * type error and reports the first one, which gives the same accept/reject outcome as stopping.
 */

export class GoJsonError extends Error {}

export type GoFieldType = "int" | "float64" | "bool" | "[][]int";

/** JSON value kind as Go's decoder names it in "cannot unmarshal X into …". */
function kindOf(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "array";
  return "object";
}

/** Go's json.Unmarshal syntax errors for the common cases. */
export function goJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    if (/end of JSON input|Unexpected end/i.test(msg) || text.trim() === "") throw new GoJsonError("unexpected end of JSON input");
    const pos = /position (\d+)/.exec(msg);
    const m = /Unexpected token '?(.)'?/.exec(msg);
    const ch = pos ? text[Number(pos[1])] : m?.[1];
    throw new GoJsonError(ch !== undefined ? `invalid character '${ch}' looking for beginning of value` : msg);
  }
}

/**
 * Decode `raw` (already JSON-parsed) into a struct with the given json field names and Go types.
 * `structName` is the Go type name used in messages (e.g. `linearParams`), `goValueType` the
 * package-qualified one for a top-level mismatch (e.g. `linearcontroller.linearParams`).
 */
export function goDecodeStruct(
  raw: unknown,
  fields: Record<string, GoFieldType>,
  structName: string,
  goValueType: string,
): Record<string, unknown> {
  if (raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new GoJsonError(`json: cannot unmarshal ${kindOf(raw)} into Go value of type ${goValueType}`);
  }
  const byLower = new Map<string, string>();
  for (const f of Object.keys(fields)) byLower.set(f.toLowerCase(), f);
  const out: Record<string, unknown> = {};
  let first: GoJsonError | undefined;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const f = fields[k] !== undefined ? k : byLower.get(k.toLowerCase());
    if (f === undefined) continue; // unknown keys are silently ignored
    if (v === null) continue;
    const type = fields[f]!;
    const err = (what: string, goType: string) =>
      new GoJsonError(`json: cannot unmarshal ${what} into Go struct field ${structName}.${f} of type ${goType}`);
    try {
      out[f] = decodeValue(v, type, err);
    } catch (e) {
      if (!(e instanceof GoJsonError)) throw e;
      first ??= e;
    }
  }
  if (first) throw first;
  return out;
}

function decodeValue(v: unknown, type: GoFieldType, err: (what: string, goType: string) => GoJsonError): unknown {
  switch (type) {
    case "bool":
      if (typeof v !== "boolean") throw err(kindOf(v), "bool");
      return v;
    case "float64":
      if (typeof v !== "number") throw err(kindOf(v), "float64");
      return v;
    case "int":
      return decodeInt(v, err);
    case "[][]int": {
      if (!Array.isArray(v)) throw err(kindOf(v), "[][]int");
      return v.map((row) => {
        if (row === null) return [];
        if (!Array.isArray(row)) throw err(kindOf(row), "[]int");
        return row.map((x) => (x === null ? 0 : decodeInt(x, err)));
      });
    }
  }
}

function decodeInt(v: unknown, err: (what: string, goType: string) => GoJsonError): number {
  if (typeof v !== "number") throw err(kindOf(v), "int");
  if (!Number.isInteger(v)) throw err(`number ${formatGoNumber(v)}`, "int");
  return v;
}

/** The literal as Go echoes it (JSON text of the number). */
function formatGoNumber(n: number): string {
  return String(n);
}

/** Go's json.Marshal of a decoded `interface{}`: object keys sorted, no whitespace. */
export function goMarshal(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((k) => `${JSON.stringify(k)}:${goMarshal(o[k])}`)
      .join(",")}}`;
  }
  // Go escapes HTML-significant characters in strings.
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
