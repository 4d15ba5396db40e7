/**
 * Node selectors (core/v1 NodeSelector, NodeSelectorTerm, NodeSelectorRequirement) matched against a
 * node's labels and name, with the semantics of k8s.io/component-helpers/scheduling/corev1/nodeaffinity:
 *
 *  - a NodeSelector is an OR of terms; an empty term list matches nothing;
 *  - a term is an AND of matchExpressions (labels) and matchFields (only `metadata.name`);
 *    a term with neither matches nothing;
 *  - an invalid term (bad operator, wrong number of values, non-integer Gt/Lt value, unsupported field)
 *    matches nothing, while the other terms still count (upstream collects the error lazily);
 *  - preferred terms add their weight when they match; weight-0 and empty terms are ignored.
 *
 * Compile once (`compileNodeSelector`) and call `matches` per node: matching is allocation-free.
 */
export type NodeSelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator | string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export type Labels = Readonly<Record<string, string>> | undefined;

interface CompiledRequirement {
  key: string;
  op: NodeSelectorOperator;
  values: readonly string[];
  /** Gt/Lt bound. */
  num: number;
}

/** One compiled term; `valid === false` terms never match. */
export class CompiledTerm {
  constructor(
    readonly exprs: readonly CompiledRequirement[],
    /** matchFields on metadata.name: In → allowed names, NotIn → excluded names. */
    readonly nameIn: readonly string[] | undefined,
    readonly nameNotIn: readonly string[] | undefined,
    readonly valid: boolean,
  ) {}

  matches(labels: Labels, nodeName: string): boolean {
    if (!this.valid) return false;
    const l = labels ?? EMPTY;
    for (let i = 0; i < this.exprs.length; i++) {
      if (!requirementMatchesCompiled(this.exprs[i]!, l)) return false;
    }
    if (this.nameIn !== undefined) {
      for (const n of this.nameIn) if (n !== nodeName) return false;
    }
    if (this.nameNotIn !== undefined) {
      for (const n of this.nameNotIn) if (n === nodeName) return false;
    }
    return true;
  }
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
const INT_RE = /^[+-]?\d+$/;

function parseInt64(s: string | undefined): number | undefined {
  if (s === undefined || !INT_RE.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function requirementMatchesCompiled(r: CompiledRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case "In":
      return has && r.values.includes(labels[r.key]!);
    case "NotIn":
      return !has || !r.values.includes(labels[r.key]!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt": {
      if (!has) return false;
      const v = parseInt64(labels[r.key]);
      if (v === undefined) return false;
      return r.op === "Gt" ? v > r.num : v < r.num;
    }
  }
}

/** Compile a requirement on labels; undefined when invalid (as labels.NewRequirement would reject it). */
function compileRequirement(req: NodeSelectorRequirement): CompiledRequirement | undefined {
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) return undefined;
      return { key: req.key, op: req.operator, values: [...values], num: 0 };
    case "Exists":
    case "DoesNotExist":
      if (values.length !== 0) return undefined;
      return { key: req.key, op: req.operator, values: [], num: 0 };
    case "Gt":
    case "Lt": {
      if (values.length !== 1) return undefined;
      const n = parseInt64(values[0]);
      if (n === undefined) return undefined;
      return { key: req.key, op: req.operator, values: [values[0]!], num: n };
    }
    default:
      return undefined;
  }
}

export function isEmptyNodeSelectorTerm(term: NodeSelectorTerm | undefined): boolean {
  return !term || ((term.matchExpressions?.length ?? 0) === 0 && (term.matchFields?.length ?? 0) === 0);
}

/** Compile a term. Empty terms compile to an invalid (never-matching) term. */
export function compileNodeSelectorTerm(term: NodeSelectorTerm): CompiledTerm {
  if (isEmptyNodeSelectorTerm(term)) return new CompiledTerm([], undefined, undefined, false);
  const exprs: CompiledRequirement[] = [];
  let valid = true;
  for (const e of term.matchExpressions ?? []) {
    const c = compileRequirement(e);
    if (!c) valid = false;
    else exprs.push(c);
  }
  let nameIn: string[] | undefined;
  let nameNotIn: string[] | undefined;
  for (const f of term.matchFields ?? []) {
    // Only metadata.name with In/NotIn and exactly one value is supported (nodeSelectorRequirementsAsFieldSelector).
    const vals = f.values ?? [];
    if (f.key !== "metadata.name" || (f.operator !== "In" && f.operator !== "NotIn") || vals.length !== 1) {
      valid = false;
      continue;
    }
    if (f.operator === "In") (nameIn ??= []).push(vals[0]!);
    else (nameNotIn ??= []).push(vals[0]!);
  }
  return new CompiledTerm(exprs, nameIn, nameNotIn, valid);
}

/** A compiled NodeSelector: OR of terms. */
export class CompiledNodeSelector {
  constructor(readonly terms: readonly CompiledTerm[]) {}

  matches(labels: Labels, nodeName: string): boolean {
    for (let i = 0; i < this.terms.length; i++) if (this.terms[i]!.matches(labels, nodeName)) return true;
    return false;
  }
}

export function compileNodeSelector(sel: NodeSelector): CompiledNodeSelector {
  return new CompiledNodeSelector((sel.nodeSelectorTerms ?? []).map(compileNodeSelectorTerm));
}

/** Compiled preferred terms: `score` is the sum of the weights of matching terms. */
export class CompiledPreferredTerms {
  constructor(readonly terms: ReadonlyArray<{ weight: number; term: CompiledTerm }>) {}

  get empty(): boolean {
    return this.terms.length === 0;
  }

  score(labels: Labels, nodeName: string): number {
    let s = 0;
    for (let i = 0; i < this.terms.length; i++) {
      const t = this.terms[i]!;
      if (t.term.matches(labels, nodeName)) s += t.weight;
    }
    return s;
  }
}

export function compilePreferredTerms(terms: readonly PreferredSchedulingTerm[] | undefined): CompiledPreferredTerms {
  const out: Array<{ weight: number; term: CompiledTerm }> = [];
  for (const t of terms ?? []) {
    if (!t.weight || isEmptyNodeSelectorTerm(t.preference)) continue;
    out.push({ weight: t.weight, term: compileNodeSelectorTerm(t.preference) });
  }
  return new CompiledPreferredTerms(out);
}

// ---------------------------------------------------------------- one-shot helpers

export function nodeSelectorRequirementMatches(req: NodeSelectorRequirement, labels: Labels): boolean {
  const c = compileRequirement(req);
  return c !== undefined && requirementMatchesCompiled(c, labels ?? EMPTY);
}

export function nodeSelectorTermMatches(term: NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  return compileNodeSelectorTerm(term).matches(labels, nodeName);
}

export function nodeSelectorMatches(sel: NodeSelector, labels: Labels, nodeName: string): boolean {
  return compileNodeSelector(sel).matches(labels, nodeName);
}

export function preferredTermsScore(terms: readonly PreferredSchedulingTerm[] | undefined, labels: Labels, nodeName: string): number {
  return compilePreferredTerms(terms).score(labels, nodeName);
}
