/**
 * Karpenter's requirement algebra (`pkg/scheduling/requirement.go`, `requirements.go`, v1.0–v1.2):
 * a label requirement is a set of values that is either explicit (`In` → values, `DoesNotExist` →
 * empty) or a complement (`NotIn` → everything except values, `Exists` → everything), optionally
 * bounded by integer bounds (`Gt N` ⇒ value > N, `Lt N` ⇒ value < N). Intersections of requirements
 * on the same key are exact; `minValues` of an intersection is the larger of both.
 *
 * Used by the Karpenter provisioning scheduler (NodePool ∩ pod requirements, instance-type
 * filtering), the simulated AWS (offering filtering) and disruption (drift, simulation).
 */
import type { NodeRequirement } from "../cloud/provider.js";

export type RequirementOperator = "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";

export const LABEL_NODEPOOL = "karpenter.sh/nodepool";
export const LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type";
export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const LABEL_REGION = "topology.kubernetes.io/region";
export const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";
export const LABEL_ARCH = "kubernetes.io/arch";
export const LABEL_OS = "kubernetes.io/os";
export const LABEL_WINDOWS_BUILD = "node.kubernetes.io/windows-build";
export const LABEL_HOSTNAME = "kubernetes.io/hostname";

/** Beta label aliases normalized to their stable keys (v1.NormalizedLabels). */
export const NORMALIZED_LABELS: ReadonlyMap<string, string> = new Map([
  ["failure-domain.beta.kubernetes.io/zone", LABEL_ZONE],
  ["beta.kubernetes.io/arch", LABEL_ARCH],
  ["beta.kubernetes.io/os", LABEL_OS],
  ["beta.kubernetes.io/instance-type", LABEL_INSTANCE_TYPE],
  ["failure-domain.beta.kubernetes.io/region", LABEL_REGION],
]);

export function normalizeLabelKey(k: string): string {
  return NORMALIZED_LABELS.get(k) ?? k;
}

/**
 * Well-known labels (core v1.WellKnownLabels plus those the AWS provider registers): a pod may
 * require them even when the NodePool does not mention them.
 */
export const WELL_KNOWN_LABELS: Set<string> = new Set([
  LABEL_NODEPOOL,
  LABEL_ZONE,
  LABEL_REGION,
  LABEL_INSTANCE_TYPE,
  LABEL_ARCH,
  LABEL_OS,
  LABEL_CAPACITY_TYPE,
  LABEL_WINDOWS_BUILD,
  "topology.k8s.aws/zone-id",
  "karpenter.k8s.aws/instance-hypervisor",
  "karpenter.k8s.aws/instance-encryption-in-transit-supported",
  "karpenter.k8s.aws/instance-category",
  "karpenter.k8s.aws/instance-family",
  "karpenter.k8s.aws/instance-generation",
  "karpenter.k8s.aws/instance-local-nvme",
  "karpenter.k8s.aws/instance-size",
  "karpenter.k8s.aws/instance-cpu",
  "karpenter.k8s.aws/instance-cpu-manufacturer",
  "karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz",
  "karpenter.k8s.aws/instance-memory",
  "karpenter.k8s.aws/instance-ebs-bandwidth",
  "karpenter.k8s.aws/instance-network-bandwidth",
  "karpenter.k8s.aws/instance-gpu-name",
  "karpenter.k8s.aws/instance-gpu-manufacturer",
  "karpenter.k8s.aws/instance-gpu-count",
  "karpenter.k8s.aws/instance-gpu-memory",
  "karpenter.k8s.aws/instance-accelerator-name",
  "karpenter.k8s.aws/instance-accelerator-manufacturer",
  "karpenter.k8s.aws/instance-accelerator-count",
  "karpenter.k8s.aws/instance-capability-flex",
  "karpenter.k8s.aws/instance-tenancy",
  "karpenter.k8s.aws/capacity-reservation-id",
  "karpenter.k8s.aws/capacity-reservation-type",
]);

const EMPTY_SET: ReadonlySet<string> = new Set();
const INT_RE = /^[+-]?\d+$/;

function withinBounds(value: string, gt: number | undefined, lt: number | undefined): boolean {
  if (gt === undefined && lt === undefined) return true;
  if (!INT_RE.test(value)) return false;
  const v = Number(value);
  if (gt !== undefined && gt >= v) return false;
  if (lt !== undefined && lt <= v) return false;
  return true;
}

function maxOpt(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function minOpt(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** Go's `fmt` of a []string: `[a b c]`. */
function goList(values: string[]): string {
  return `[${values.join(" ")}]`;
}

export class Requirement {
  /**
   * @param values explicit values (complement=false) or excluded values (complement=true). Never
   *   mutated after construction: instances are shared freely.
   * @param greaterThan exclusive lower bound (Gt N)
   * @param lessThan exclusive upper bound (Lt N)
   */
  constructor(
    readonly key: string,
    readonly complement: boolean,
    readonly values: ReadonlySet<string>,
    readonly greaterThan?: number,
    readonly lessThan?: number,
    readonly minValues?: number,
  ) {}

  /** scheduling.NewRequirementWithFlexibility (key normalized). */
  static of(key: string, operator: RequirementOperator | string, values: readonly string[] = [], minValues?: number): Requirement {
    const k = normalizeLabelKey(key);
    switch (operator) {
      case "In":
        return new Requirement(k, false, new Set(values), undefined, undefined, minValues);
      case "DoesNotExist":
        return new Requirement(k, false, EMPTY_SET, undefined, undefined, minValues);
      case "NotIn":
        return new Requirement(k, true, new Set(values), undefined, undefined, minValues);
      case "Exists":
        return new Requirement(k, true, EMPTY_SET, undefined, undefined, minValues);
      case "Gt":
        return new Requirement(k, true, EMPTY_SET, Number.parseInt(values[0] ?? "0", 10), undefined, minValues);
      case "Lt":
        return new Requirement(k, true, EMPTY_SET, undefined, Number.parseInt(values[0] ?? "0", 10), minValues);
      default:
        throw new Error(`unsupported operator "${operator}"`);
    }
  }

  static fromNodeRequirement(r: NodeRequirement | { key: string; operator: string; values?: string[]; minValues?: number }): Requirement {
    return Requirement.of(r.key, r.operator, r.values ?? [], r.minValues);
  }

  /** Number of values in the set (Go: MaxInt64 − excluded for complements). */
  get len(): number {
    return this.complement ? Number.MAX_SAFE_INTEGER - this.values.size : this.values.size;
  }

  /** Karpenter's Operator(): NotIn/Exists for complements, In/DoesNotExist otherwise (bounds read as Exists). */
  operator(): "In" | "NotIn" | "Exists" | "DoesNotExist" {
    if (this.complement) return this.values.size > 0 ? "NotIn" : "Exists";
    return this.values.size > 0 ? "In" : "DoesNotExist";
  }

  /** NotIn or DoesNotExist. */
  isNegative(): boolean {
    const op = this.operator();
    return op === "NotIn" || op === "DoesNotExist";
  }

  has(value: string): boolean {
    if (this.complement) return !this.values.has(value) && withinBounds(value, this.greaterThan, this.lessThan);
    return this.values.has(value) && withinBounds(value, this.greaterThan, this.lessThan);
  }

  /** Exact set intersection (Requirement.Intersection). */
  intersection(other: Requirement): Requirement {
    if (other === this) return this;
    const complement = this.complement && other.complement;
    let gt = maxOpt(this.greaterThan, other.greaterThan);
    let lt = minOpt(this.lessThan, other.lessThan);
    const minValues = maxOpt(this.minValues, other.minValues);
    if (gt !== undefined && lt !== undefined && gt >= lt) {
      return new Requirement(this.key, false, EMPTY_SET, undefined, undefined, minValues);
    }
    let values: Set<string>;
    if (this.complement && other.complement) {
      if (other.values.size === 0) values = this.values as Set<string>;
      else if (this.values.size === 0) values = other.values as Set<string>;
      else {
        values = new Set(this.values);
        for (const v of other.values) values.add(v);
      }
    } else if (this.complement) {
      values = difference(other.values, this.values);
    } else if (other.complement) {
      values = difference(this.values, other.values);
    } else {
      const [small, big] = this.values.size <= other.values.size ? [this.values, other.values] : [other.values, this.values];
      // value sets are never mutated: when the smaller set lies within the larger, share it
      let within = true;
      for (const v of small)
        if (!big.has(v)) {
          within = false;
          break;
        }
      if (within) values = small as Set<string>;
      else {
        values = new Set();
        for (const v of small) if (big.has(v)) values.add(v);
      }
    }
    if (gt !== undefined || lt !== undefined) {
      let copied = false;
      for (const v of values) {
        if (!withinBounds(v, gt, lt)) {
          if (!copied) {
            values = new Set(values);
            copied = true;
          }
          values.delete(v);
        }
      }
    }
    if (!complement) {
      gt = undefined;
      lt = undefined;
    }
    return new Requirement(this.key, complement, values, gt, lt, minValues);
  }

  /** True when the intersection with `other` is non-empty, without building it. */
  intersects(other: Requirement): boolean {
    const gt = maxOpt(this.greaterThan, other.greaterThan);
    const lt = minOpt(this.lessThan, other.lessThan);
    if (gt !== undefined && lt !== undefined && gt >= lt) return false;
    if (this.complement && other.complement) return true; // infinite set minus finitely many values
    if (this.complement) {
      for (const v of other.values) if (!this.values.has(v) && withinBounds(v, gt, lt)) return true;
      return false;
    }
    if (other.complement) {
      for (const v of this.values) if (!other.values.has(v) && withinBounds(v, gt, lt)) return true;
      return false;
    }
    const [small, big] = this.values.size <= other.values.size ? [this.values, other.values] : [other.values, this.values];
    for (const v of small) if (big.has(v) && withinBounds(v, gt, lt)) return true;
    return false;
  }

  /**
   * A value of the set (Requirement.Any): the smallest explicit value (sorted, for determinism where
   * upstream picks an arbitrary one); for complements a number within the bounds (the lowest allowed
   * value that is not excluded); "" for DoesNotExist.
   */
  any(): string {
    if (!this.complement) {
      if (this.values.size === 0) return "";
      let best: string | undefined;
      for (const v of this.values) if (best === undefined || v < best) best = v;
      return best!;
    }
    let n = this.greaterThan !== undefined ? this.greaterThan + 1 : 0;
    const max = this.lessThan ?? Number.MAX_SAFE_INTEGER;
    while (n < max && this.values.has(String(n))) n++;
    return n < max ? String(n) : "";
  }

  /** Sorted explicit (or excluded) values (a fresh array). */
  valueList(): string[] {
    return this.values.size <= 1 ? [...this.values] : this.sortedValues().slice();
  }

  /** Sorted explicit (or excluded) values, computed once: read-only, shared. */
  sortedValues(): readonly string[] {
    return (this.sorted ??= [...this.values].sort());
  }
  private sorted: string[] | undefined;

  /**
   * The NodeSelectorRequirement form (Requirement.NodeSelectorRequirement). `sorted` false leaves the
   * values in set order, for callers that replace them anyway.
   */
  toNodeRequirement(sorted = true): NodeRequirement {
    const out: NodeRequirement =
      this.greaterThan !== undefined
        ? { key: this.key, operator: "Gt", values: [String(this.greaterThan)] }
        : this.lessThan !== undefined
          ? { key: this.key, operator: "Lt", values: [String(this.lessThan)] }
          : this.complement
            ? this.values.size > 0
              ? { key: this.key, operator: "NotIn", values: sorted ? this.valueList() : [...this.values] }
              : { key: this.key, operator: "Exists" }
            : this.values.size > 0
              ? { key: this.key, operator: "In", values: sorted ? this.valueList() : [...this.values] }
              : { key: this.key, operator: "DoesNotExist" };
    if (this.minValues !== undefined) out.minValues = this.minValues;
    return out;
  }

  /** Requirement.String(): `key In [a b c d e and 3 others] >2 minValues 2`. */
  toString(): string {
    const op = this.operator();
    let s: string;
    if (op === "Exists" || op === "DoesNotExist") s = `${this.key} ${op}`;
    else {
      let values = this.valueList();
      if (values.length > 5) values = [...values.slice(0, 5), `and ${values.length - 5} others`];
      s = `${this.key} ${op} ${goList(values)}`;
    }
    if (this.greaterThan !== undefined) s += ` >${this.greaterThan}`;
    if (this.lessThan !== undefined) s += ` <${this.lessThan}`;
    if (this.minValues !== undefined) s += ` minValues ${this.minValues}`;
    return s;
  }
}

function difference(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  if (b.size === 0) return a as Set<string>;
  let disjoint = true;
  for (const v of a)
    if (b.has(v)) {
      disjoint = false;
      break;
    }
  // value sets are never mutated: nothing removed, share a
  if (disjoint) return a as Set<string>;
  const out = new Set<string>();
  for (const v of a) if (!b.has(v)) out.add(v);
  return out;
}

/** Levenshtein distance (for the "typo of" hint). */
function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const c = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + c);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n]!;
}

function labelHint(r: Requirements, key: string, allowUndefined: ReadonlySet<string>): string {
  for (const wk of [...allowUndefined].sort()) {
    if (wk.includes(key) || key.includes(wk)) return ` (typo of "${wk}"?)`;
    if (editDistance(wk, key) < Math.floor(wk.length / 5)) return ` (typo of "${wk}"?)`;
  }
  for (const existing of [...r.keys()].sort()) {
    if (existing.includes(key) || key.includes(existing)) return ` (typo of "${existing}"?)`;
    if (editDistance(existing, key) < Math.floor(existing.length / 5)) return ` (typo of "${existing}"?)`;
  }
  return "";
}

/** A set of requirements keyed by label key (scheduling.Requirements). */
export class Requirements {
  private readonly map: Map<string, Requirement>;

  constructor(reqs?: Iterable<Requirement>) {
    this.map = new Map();
    if (reqs) this.add(...reqs);
  }

  /** NewNodeSelectorRequirementsWithMinValues. Invalid operators throw. */
  static fromNodeSelector(reqs: ReadonlyArray<NodeRequirement | { key: string; operator: string; values?: string[]; minValues?: number }> | undefined): Requirements {
    const r = new Requirements();
    if (reqs) for (const q of reqs) r.add(Requirement.fromNodeRequirement(q));
    return r;
  }

  /** NewLabelRequirements: `key In [value]` per label. */
  static fromLabels(labels: Readonly<Record<string, string>> | undefined): Requirements {
    const r = new Requirements();
    if (labels) for (const k in labels) r.add(Requirement.of(k, "In", [labels[k]!]));
    return r;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): Requirement | undefined {
    return this.map.get(key);
  }

  /** Requirements.Get: an undefined key reads as Exists. */
  getOrExists(key: string): Requirement {
    return this.map.get(key) ?? Requirement.of(key, "Exists");
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<Requirement> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<Requirement> {
    return this.map.values();
  }

  /** Intersect in place. */
  add(...reqs: Requirement[]): this {
    for (const q of reqs) {
      const existing = this.map.get(q.key);
      this.map.set(q.key, existing ? q.intersection(existing) : q);
    }
    return this;
  }

  /** Intersect every requirement of `other` in place. */
  addAll(other: Requirements): this {
    for (const q of other.map.values()) this.add(q);
    return this;
  }

  /** Replace (not intersect) a key. */
  set(q: Requirement): this {
    this.map.set(q.key, q);
    return this;
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  clone(): Requirements {
    const r = new Requirements();
    for (const [k, v] of this.map) r.map.set(k, v);
    return r;
  }

  /**
   * Requirements.Compatible: custom keys required by `other` must be defined here (unless `other`'s
   * operator is NotIn/DoesNotExist or the key is well-known and `allowUndefinedWellKnown`); keys on
   * both sides must intersect. Returns undefined when compatible, else Karpenter's error text.
   */
  compatible(other: Requirements, allowUndefinedWellKnown = true): string | undefined {
    const errs: string[] = [];
    const allow = allowUndefinedWellKnown ? WELL_KNOWN_LABELS : EMPTY_SET;
    for (const [key, q] of other.map) {
      if (this.map.has(key)) continue;
      if (q.isNegative()) continue;
      if (allow.has(key)) continue;
      errs.push(`label "${key}" does not have known values${labelHint(this, key, allow)}`);
    }
    const i = this.intersects(other);
    if (i !== undefined) errs.push(i);
    return errs.length === 0 ? undefined : errs.join("; ");
  }

  /** Fast boolean form of `compatible`. */
  isCompatible(other: Requirements, allowUndefinedWellKnown = true): boolean {
    for (const [key, q] of other.map) {
      const mine = this.map.get(key);
      if (mine === undefined) {
        if (q.isNegative()) continue;
        if (allowUndefinedWellKnown && WELL_KNOWN_LABELS.has(key)) continue;
        return false;
      }
      if (!mine.intersects(q) && !(q.isNegative() && mine.isNegative())) return false;
    }
    return true;
  }

  /**
   * Requirements.Intersects: keys on both sides must have overlapping values, except that two
   * negative requirements (NotIn/DoesNotExist) never conflict. Undefined = ok, else the error text.
   */
  intersects(other: Requirements): string | undefined {
    let errs: string[] | undefined;
    const [small, big, smallIsOther] = this.map.size <= other.map.size ? [this.map, other.map, false] : [other.map, this.map, true];
    // Iterate keys in `this` order for stable messages when both are small.
    for (const key of small.keys()) {
      if (!big.has(key)) continue;
      const existing = smallIsOther ? big.get(key)! : small.get(key)!;
      const incoming = smallIsOther ? small.get(key)! : big.get(key)!;
      if (existing.intersects(incoming)) continue;
      if (incoming.isNegative() && existing.isNegative()) continue;
      (errs ??= []).push(`key ${key}, ${incoming.toString()} not in ${existing.toString()}`);
    }
    return errs?.join("; ");
  }

  /** Labels implied by single-valued `In` requirements (restricted hostname excluded). */
  labels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, q] of this.map) {
      if (k === LABEL_HOSTNAME) continue;
      if (!q.complement && q.values.size === 1) out[k] = q.any();
    }
    return out;
  }

  toNodeRequirements(): NodeRequirement[] {
    const out: NodeRequirement[] = [];
    for (const q of this.map.values()) out.push(q.toNodeRequirement());
    return out;
  }

  /** True when any requirement carries minValues. */
  hasMinValues(): boolean {
    for (const q of this.map.values()) if (q.minValues !== undefined) return true;
    return false;
  }

  toString(): string {
    return [...this.map.values()]
      .filter((q) => q.key !== LABEL_HOSTNAME)
      .map((q) => q.toString())
      .join(", ");
  }
}
