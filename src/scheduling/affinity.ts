/**
 * Pod → node affinity (the NodeAffinity plugin: spec.nodeSelector AND required node affinity; preferred
 * terms for scoring) and the compiled form of inter-pod affinity terms (framework.AffinityTerm).
 */
import { fromLabelSelector, Selector, type LabelMap, type LabelSelector } from "../core/labels.js";
import {
  compileNodeSelector,
  compilePreferredTerms,
  type CompiledNodeSelector,
  type CompiledPreferredTerms,
  type NodeSelector,
  type PreferredSchedulingTerm,
} from "../core/nodeselector.js";

export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";

export interface PodAffinityTermSpec {
  labelSelector?: LabelSelector | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelector | null;
  topologyKey: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export interface AffinitySpec {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
    preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
  };
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermSpec[];
    preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; podAffinityTerm: PodAffinityTermSpec }>;
  };
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermSpec[];
    preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; podAffinityTerm: PodAffinityTermSpec }>;
  };
}

/** nodeaffinity.RequiredNodeAffinity: pod.spec.nodeSelector (exact label equality) AND required terms. */
export class RequiredNodeAffinity {
  constructor(
    private readonly nodeSelector: ReadonlyArray<[string, string]>,
    private readonly required: CompiledNodeSelector | undefined,
  ) {}

  get empty(): boolean {
    return this.nodeSelector.length === 0 && this.required === undefined;
  }

  matches(labels: LabelMap | undefined, nodeName: string): boolean {
    for (let i = 0; i < this.nodeSelector.length; i++) {
      const [k, v] = this.nodeSelector[i]!;
      if (!labels || labels[k] !== v) return false;
    }
    return this.required === undefined || this.required.matches(labels, nodeName);
  }
}

export function requiredNodeAffinity(spec: { nodeSelector?: Record<string, string>; affinity?: AffinitySpec } | undefined): RequiredNodeAffinity {
  const ns = spec?.nodeSelector ? Object.entries(spec.nodeSelector) : [];
  const req = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return new RequiredNodeAffinity(ns, req ? compileNodeSelector(req) : undefined);
}

export function preferredNodeAffinity(spec: { affinity?: AffinitySpec } | undefined): CompiledPreferredTerms {
  return compilePreferredTerms(spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
}

/** A compiled PodAffinityTerm (framework.AffinityTerm). */
export class AffinityTerm {
  /** Stable identity of what the term matches (namespaces + selectors), for count indexes. */
  readonly id: string;

  constructor(
    /** Explicit namespaces (empty set with no namespaceSelector means the owning pod's namespace, already filled in). */
    readonly namespaces: ReadonlySet<string>,
    /** Selector.nothing when the term has no namespaceSelector. */
    readonly namespaceSelector: Selector,
    readonly selector: Selector,
    readonly topologyKey: string,
  ) {
    this.id = `${[...namespaces].sort().join(",")}|${namespaceSelector.matchesNothing ? "-" : namespaceSelector.toString()}|${
      selector.matchesNothing ? "-" : selector.toString()
    }`;
  }

  /** AffinityTerm.Matches: namespace in the set (or the namespace's labels match) and the labels match. */
  matches(namespace: string | undefined, labels: LabelMap | undefined, nsLabels: LabelMap | undefined): boolean {
    const ns = namespace ?? "default";
    if (this.namespaces.has(ns) || (!this.namespaceSelector.matchesNothing && this.namespaceSelector.matches(nsLabels))) {
      return this.selector.matches(labels);
    }
    return false;
  }

  /** True when matching depends on namespace labels. */
  get usesNamespaceSelector(): boolean {
    return !this.namespaceSelector.matchesNothing;
  }
}

export interface WeightedAffinityTerm {
  term: AffinityTerm;
  weight: number;
}

/**
 * Compile a PodAffinityTerm of a pod in `namespace` with labels `podLabels`: namespaces default to the
 * pod's own when neither namespaces nor namespaceSelector is set; matchLabelKeys / mismatchLabelKeys
 * add `key in (value)` / `key notin (value)` requirements from the pod's own labels.
 */
export function compileAffinityTerm(t: PodAffinityTermSpec, namespace: string, podLabels: LabelMap | undefined): AffinityTerm {
  const namespaces = new Set<string>();
  if ((t.namespaces?.length ?? 0) === 0 && !t.namespaceSelector) namespaces.add(namespace);
  else for (const n of t.namespaces ?? []) namespaces.add(n);
  let selector: Selector;
  try {
    selector = fromLabelSelector(t.labelSelector ?? null);
  } catch {
    selector = Selector.nothing;
  }
  if (!selector.matchesNothing && (t.matchLabelKeys?.length || t.mismatchLabelKeys?.length)) {
    const reqs = [...selector.requirements];
    for (const k of t.matchLabelKeys ?? []) {
      const v = podLabels?.[k];
      if (v !== undefined) reqs.push({ key: k, op: "In", values: [v] });
    }
    for (const k of t.mismatchLabelKeys ?? []) {
      const v = podLabels?.[k];
      if (v !== undefined) reqs.push({ key: k, op: "NotIn", values: [v] });
    }
    selector = new Selector(reqs);
  }
  let nsSel: Selector = Selector.nothing;
  if (t.namespaceSelector) {
    try {
      nsSel = fromLabelSelector(t.namespaceSelector);
    } catch {
      nsSel = Selector.nothing;
    }
  }
  return new AffinityTerm(namespaces, nsSel, selector, t.topologyKey);
}
