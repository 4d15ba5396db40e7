/**
 * InterPodAffinity (kube-scheduler 1.32): required affinity / anti-affinity of the incoming pod, the
 * symmetric check against existing pods' required anti-affinity, and the preferred-term score.
 */
import type { AffinityTerm, WeightedAffinityTerm } from "./affinity.js";
import type { ClusterSnapshot, NodeInfo, PodInfo } from "./nodeinfo.js";

export const REASON_AFFINITY_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const REASON_ANTI_AFFINITY_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** topologyKey → value → count */
type TopoCounts = Map<string, Map<string, number>>;

function bump(m: TopoCounts, key: string, value: string, by: number): void {
  let inner = m.get(key);
  if (!inner) m.set(key, (inner = new Map()));
  inner.set(value, (inner.get(value) ?? 0) + by);
}

function get(m: TopoCounts, key: string, value: string | undefined): number {
  if (value === undefined) return 0;
  return m.get(key)?.get(value) ?? 0;
}

/** Per-node counts of pods matching every term (affinity counts need all terms to match one pod). */
function allTermsCounts(snap: ClusterSnapshot, terms: readonly AffinityTerm[]): ReadonlyMap<string, number> {
  if (terms.length === 1) return snap.termCounts(terms[0]!);
  const id = `allterms|${terms.map((t) => t.id).join("&")}`;
  return snap.counts(id, (pi) => {
    for (const t of terms) if (!t.matches(pi.namespace, pi.labels, snap.namespaceLabels(pi.namespace))) return false;
    return true;
  });
}

export class InterPodFilterState {
  private readonly existingAnti: TopoCounts = new Map();
  private readonly affinity: TopoCounts = new Map();
  private readonly anti: TopoCounts = new Map();
  private readonly selfMatchesAll: boolean;
  readonly active: boolean;

  constructor(
    snap: ClusterSnapshot,
    private readonly pod: PodInfo,
  ) {
    const nsLabels = snap.namespaceLabels(pod.namespace);
    // Existing pods' required anti-affinity that the incoming pod matches.
    for (const ex of snap.podsWithRequiredAntiAffinity) {
      const ni = snap.getNode(ex.nodeName!);
      if (!ni) continue;
      for (const t of ex.requiredAntiAffinity) {
        if (!t.matches(pod.namespace, pod.labels, nsLabels)) continue;
        const v = ni.labels[t.topologyKey];
        if (v !== undefined) bump(this.existingAnti, t.topologyKey, v, 1);
      }
    }
    const aff = pod.requiredAffinity;
    const anti = pod.requiredAntiAffinity;
    if (aff.length > 0 || anti.length > 0) {
      const affCounts = aff.length > 0 ? allTermsCounts(snap, aff) : undefined;
      const antiCounts = anti.map((t) => snap.termCounts(t));
      for (const ni of snap.nodes()) {
        if (affCounts) {
          const n = affCounts.get(ni.name);
          if (n) {
            for (const t of aff) {
              const v = ni.labels[t.topologyKey];
              if (v !== undefined) bump(this.affinity, t.topologyKey, v, n);
            }
          }
        }
        for (let i = 0; i < anti.length; i++) {
          const n = antiCounts[i]!.get(ni.name);
          if (!n) continue;
          const t = anti[i]!;
          const v = ni.labels[t.topologyKey];
          if (v !== undefined) bump(this.anti, t.topologyKey, v, n);
        }
      }
    }
    let self = true;
    for (const t of aff) if (!t.matches(pod.namespace, pod.labels, nsLabels)) self = false;
    this.selfMatchesAll = self;
    this.active = this.existingAnti.size > 0 || aff.length > 0 || anti.length > 0;
  }

  /** Filter: undefined when the node passes, otherwise [reason, unresolvable]. */
  check(ni: NodeInfo): [string, boolean] | undefined {
    if (!this.active) return undefined;
    const aff = this.pod.requiredAffinity;
    if (aff.length > 0) {
      let podsExist = true;
      for (const t of aff) {
        const v = ni.labels[t.topologyKey];
        if (v === undefined || get(this.affinity, t.topologyKey, v) <= 0) {
          podsExist = false;
          break;
        }
      }
      if (!podsExist) {
        // The first pod of a group that matches its own affinity terms may go anywhere.
        if (!(this.affinity.size === 0 && this.selfMatchesAll)) return [REASON_AFFINITY_NOT_MATCH, true];
      }
    }
    for (const t of this.pod.requiredAntiAffinity) {
      const v = ni.labels[t.topologyKey];
      if (v !== undefined && get(this.anti, t.topologyKey, v) > 0) return [REASON_ANTI_AFFINITY_NOT_MATCH, false];
    }
    if (this.existingAnti.size > 0) {
      for (const [k, inner] of this.existingAnti) {
        const v = ni.labels[k];
        if (v !== undefined && (inner.get(v) ?? 0) > 0) return [REASON_EXISTING_ANTI_AFFINITY, false];
      }
    }
    return undefined;
  }
}

/**
 * InterPodAffinity score for the feasible nodes, normalized (min-max to 0..100); undefined when skipped.
 * `hardPodAffinityWeight` is the plugin argument (default 1).
 */
export function interPodScores(snap: ClusterSnapshot, pod: PodInfo, feasible: readonly NodeInfo[], hardPodAffinityWeight = 1): number[] | undefined {
  const topo: TopoCounts = new Map();
  const nsLabels = snap.namespaceLabels(pod.namespace);
  const addIncoming = (terms: readonly WeightedAffinityTerm[], mult: number) => {
    for (const w of terms) {
      const counts = snap.termCounts(w.term);
      for (const [nodeName, n] of counts) {
        const ni = snap.getNode(nodeName);
        const v = ni?.labels[w.term.topologyKey];
        if (v !== undefined) bump(topo, w.term.topologyKey, v, w.weight * mult * n);
      }
    }
  };
  addIncoming(pod.preferredAffinity, 1);
  addIncoming(pod.preferredAntiAffinity, -1);
  // Existing pods' terms that the incoming pod matches.
  for (const ex of snap.podsWithAffinity) {
    const ni = snap.getNode(ex.nodeName!);
    if (!ni) continue;
    const process = (t: AffinityTerm, weight: number) => {
      if (!t.matches(pod.namespace, pod.labels, nsLabels)) return;
      const v = ni.labels[t.topologyKey];
      if (v !== undefined) bump(topo, t.topologyKey, v, weight);
    };
    if (hardPodAffinityWeight > 0) for (const t of ex.requiredAffinity) process(t, hardPodAffinityWeight);
    for (const w of ex.preferredAffinity) process(w.term, w.weight);
    for (const w of ex.preferredAntiAffinity) process(w.term, -w.weight);
  }
  if (topo.size === 0) return undefined;
  const raw = feasible.map((ni) => {
    let s = 0;
    for (const [k, inner] of topo) {
      const v = ni.labels[k];
      if (v !== undefined) s += inner.get(v) ?? 0;
    }
    return s;
  });
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of raw) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const diff = max - min;
  return raw.map((s) => (diff > 0 ? Math.trunc((100 * (s - min)) / diff) : 0));
}
