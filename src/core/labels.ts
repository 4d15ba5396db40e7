/**
 * Label selectors: metav1.LabelSelector (matchLabels + matchExpressions) and the string form
 * (`app=web,tier!=db,env in (a,b),!legacy`), with upstream's matching and canonical printing.
 */
export type LabelMap = Readonly<Record<string, string>>;

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "=" | "==" | "!=" | "Gt" | "Lt";

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Requirement {
  key: string;
  op: SelectorOperator;
  values: readonly string[];
}

/** A compiled selector. `empty` matches everything; `nothing` matches nothing (a nil LabelSelector). */
export class Selector {
  static readonly everything = new Selector([]);
  static readonly nothing = new Selector([], true);

  constructor(
    readonly requirements: readonly Requirement[],
    readonly matchesNothing = false,
  ) {}

  get empty(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  matches(labels: LabelMap | undefined): boolean {
    if (this.matchesNothing) return false;
    const l = labels ?? {};
    for (const r of this.requirements) if (!requirementMatches(r, l)) return false;
    return true;
  }

  /** Equality requirements (`k=v`, `k in (v)`) usable for an index lookup. */
  equalities(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const r of this.requirements) {
      if ((r.op === "=" || r.op === "==" || r.op === "In") && r.values.length === 1) out.push([r.key, r.values[0]!]);
    }
    return out;
  }

  /** Canonical string form, sorted by key as labels.Selector.String() prints it. */
  toString(): string {
    return [...this.requirements]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(requirementString)
      .join(",");
  }
}

function requirementString(r: Requirement): string {
  switch (r.op) {
    case "Exists":
      return r.key;
    case "DoesNotExist":
      return `!${r.key}`;
    case "=":
      return `${r.key}=${r.values[0]}`;
    case "==":
      return `${r.key}==${r.values[0]}`;
    case "!=":
      return `${r.key}!=${r.values[0]}`;
    case "In":
      return `${r.key} in (${[...r.values].sort().join(",")})`;
    case "NotIn":
      return `${r.key} notin (${[...r.values].sort().join(",")})`;
    case "Gt":
      return `${r.key}>${r.values[0]}`;
    case "Lt":
      return `${r.key}<${r.values[0]}`;
  }
}

const INTEGER = /^[+-]?[0-9]+$/;

export function requirementMatches(r: Requirement, labels: LabelMap): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case "=":
    case "==":
    case "In":
      return has && r.values.includes(v!);
    case "!=":
    case "NotIn":
      return !has || !r.values.includes(v!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has) return false;
      // strconv.ParseInt semantics: the whole label value must be a base-10 integer.
      if (!INTEGER.test(v!) || !INTEGER.test(r.values[0]!)) return false;
      const lv = Number(v);
      const rv = Number(r.values[0]);
      return r.op === "Gt" ? lv > rv : lv < rv;
    }
  }
}

/**
 * metav1.LabelSelectorAsSelector: nil → nothing, {} → everything. Throws on an unknown operator.
 */
export function fromLabelSelector(sel: LabelSelector | null | undefined): Selector {
  if (sel === null || sel === undefined) return Selector.nothing;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: "=", values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case "In":
      case "NotIn":
        if (!e.values || e.values.length === 0) throw new Error(`for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key: e.key, op: e.operator, values: [...e.values] });
        break;
      case "Exists":
      case "DoesNotExist":
        reqs.push({ key: e.key, op: e.operator, values: [] });
        break;
      default:
        throw new Error(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
  }
  return new Selector(reqs);
}

/** Selector from a label map (e.g. a ReplicaSet's matchLabels or a Service's selector). */
export function fromLabelMap(m: Record<string, string> | undefined): Selector {
  if (!m) return Selector.everything;
  return new Selector(Object.entries(m).map(([key, v]) => ({ key, op: "=" as const, values: [v] })));
}

/** Parse the string form used by `-l` and scale.status.selector. Throws with a message on bad syntax. */
export function parseSelector(input: string): Selector {
  const s = input.trim();
  if (s === "") return Selector.everything;
  const reqs: Requirement[] = [];
  let i = 0;
  const skipWs = () => {
    while (i < s.length && s[i] === " ") i++;
  };
  const readKey = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && /[A-Za-z0-9._\-/]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    let negate = false;
    if (s[i] === "!") {
      negate = true;
      i++;
    }
    const key = readKey();
    if (!key) throw new Error(`unable to parse requirement: found '${s[i] ?? ""}', expected: identifier`);
    skipWs();
    if (negate) {
      reqs.push({ key, op: "DoesNotExist", values: [] });
    } else if (i >= s.length || s[i] === ",") {
      reqs.push({ key, op: "Exists", values: [] });
    } else if (s.startsWith("!=", i)) {
      i += 2;
      reqs.push({ key, op: "!=", values: [readValue()] });
    } else if (s.startsWith("==", i)) {
      i += 2;
      reqs.push({ key, op: "==", values: [readValue()] });
    } else if (s[i] === "=") {
      i += 1;
      reqs.push({ key, op: "=", values: [readValue()] });
    } else if (s[i] === ">" || s[i] === "<") {
      const op = s[i] === ">" ? "Gt" : "Lt";
      i += 1;
      const v = readValue();
      if (!INTEGER.test(v)) throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key, op, values: [v] });
    } else if (/^notin\s*\(/.test(s.slice(i)) || /^in\s*\(/.test(s.slice(i))) {
      const op = s.startsWith("notin", i) ? "NotIn" : "In";
      i = s.indexOf("(", i) + 1;
      const close = s.indexOf(")", i);
      if (close < 0) throw new Error(`unable to parse requirement: found '', expected: ')'`);
      const values = s
        .slice(i, close)
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      i = close + 1;
      if (values.length === 0) throw new Error(`for 'in', 'notin' operators, values set can't be empty`);
      reqs.push({ key, op, values });
    } else {
      throw new Error(`unable to parse requirement: found '${s[i]}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    skipWs();
    if (i < s.length) {
      if (s[i] !== ",") throw new Error(`found '${s[i]}', expected: ',' or 'end of string'`);
      i++;
    }
  }
  return new Selector(reqs);

  function readValue(): string {
    skipWs();
    const start = i;
    // An identifier ends at whitespace or one of the selector lexer's special symbols.
    while (i < s.length && !" \t\n\r=!(),<>".includes(s[i]!)) i++;
    return s.slice(start, i);
  }
}
