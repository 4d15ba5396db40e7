/**
 * Karpenter's provisioning scheduler (`pkg/controllers/provisioning/scheduling/*`, v1.0–v1.2) as a
 * pure function: pending pods + NodePools + instance types + existing nodes → pods placed on existing
 * nodes and new NodeClaims (each with its price-ordered instance-type options).
 *
 * Algorithm (spec §4.4): first-fit decreasing over a queue sorted by CPU desc, memory desc,
 * creation asc, UID; each pod tries existing nodes (initialized first, then name), then the
 * NodeClaims of this solve (fewest pods first), then a new NodeClaim per NodePool in weight order.
 * A NodeClaim keeps every instance type whose requirements intersect its requirements, on which the
 * pods + daemon overhead fit, and which has an available offering compatible with its zone and
 * capacity type. Failed pods relax one preference at a time (§4.6).
 *
 * Performance: pods with identical scheduling-relevant spec share one compiled shape; a claim's
 * instance types are a bitset over its pool's catalog (catalog.ts), filtered by cached requirement /
 * offering masks of the keys a pod changes and by per-dimension fit masks; NodeClaims are visited
 * from pod-count buckets (no re-sort per pod) through skip lists that pass over claims a shape can
 * never join, after an O(1) capacity bound check. Decisions are those of the plain per-type loops.
 */
import type { KubeObject } from "../../api/meta.js";
import type { CloudInstanceType, NodeRequirement, ResourceList } from "../../cloud/provider.js";
import { fromLabelSelector, Selector, type LabelSelector } from "../../core/labels.js";
import { addInto, emptyVector, podRequests, type ResourceVector } from "../../scheduling/resources.js";
import { Requirement, Requirements, LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_ZONE } from "../../scheduling/requirements.js";
import { toleratesTaint, type Taint, type Toleration } from "../../scheduling/taints.js";
import type { StateNode } from "./state.js";
import { isEmptySet, overlaps, PoolCatalog, positions, TypeInfo, type Bounds, type TypeSet } from "./catalog.js";
import { Topology, TopologyGroup } from "./topology.js";

/** v1.0–v1.6 core scheduler truncation (and always at CreateFleet). */
export const MAX_INSTANCE_TYPES = 60;

export interface SolveInput {
  pods: KubeObject[];
  /** Ready NodePools sorted by weight desc, then name desc. */
  nodePools: KubeObject[];
  instanceTypes: Map<string, CloudInstanceType[]>;
  existingNodes: StateNode[];
  daemonSets: KubeObject[];
  excludeNodes?: Set<string>;
  /** limits − Σ capacity of the pool's nodes; resources absent from the map are unlimited. */
  limitsRemaining?: Map<string, Partial<ResourceList>>;
  /** Pods of the cluster (for topology counts); defaults to the existing nodes' pods. */
  clusterPods?: KubeObject[];
}

export interface NewNodeClaimPlan {
  nodePoolName: string;
  requirements: NodeRequirement[];
  /** Price-ordered, truncated to MAX_INSTANCE_TYPES. */
  instanceTypeOptions: CloudInstanceType[];
  pods: KubeObject[];
  /** Σ pod requests + daemon overhead, pods included. */
  requests: ResourceList;
  /** Labels for the NodeClaim (template labels + nodepool + single-valued custom requirements). */
  labels: Record<string, string>;
  taints: Taint[];
  startupTaints: Taint[];
}

export interface SolveResults {
  newNodeClaims: NewNodeClaimPlan[];
  existingNodes: Array<{ name: string; pods: KubeObject[] }>;
  /** pod key (ns/name) → error */
  podErrors: Map<string, string>;
}

// ---------------------------------------------------------------------------------------- helpers

const EPHEMERAL_TAINTS = new Set(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.cloudprovider.kubernetes.io/uninitialized", "karpenter.sh/unregistered"]);

function podKey(p: KubeObject): string {
  return `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
}

function toleratesAll(taints: readonly Taint[], tolerations: readonly Toleration[]): string | undefined {
  for (const t of taints) {
    let ok = false;
    for (const tol of tolerations) if (toleratesTaint(tol, t)) { ok = true; break; }
    if (!ok) return `did not tolerate ${t.key}=${t.value ?? ""}:${t.effect}`;
  }
  return undefined;
}

function formatResources(v: ResourceVector): string {
  const parts: string[] = [];
  const fmtMem = (b: number) => (b % (1024 * 1024) === 0 ? `${b / (1024 * 1024)}Mi` : String(b));
  if (v.cpu) parts.push(`"cpu":"${v.cpu % 1000 === 0 ? v.cpu / 1000 : `${v.cpu}m`}"`);
  if (v.memory) parts.push(`"memory":"${fmtMem(v.memory)}"`);
  if (v.pods) parts.push(`"pods":"${v.pods}"`);
  return `{${parts.join(",")}}`;
}

function selectorOf(sel: LabelSelector | undefined | null): Selector {
  try {
    return fromLabelSelector(sel ?? null);
  } catch {
    return Selector.nothing;
  }
}

// ---------------------------------------------------------------------------------- instance types

// ---------------------------------------------------------------------------------------- pods

interface HostPortSpec {
  key: string;
}

/** Scheduling-relevant data of a pod (shared by identical pods). */
class Shape {
  requirements!: Requirements;
  strict!: Requirements;
  tolerations!: Toleration[];
  hostPorts!: string[];
  owned: TopologyGroup[] = [];
  inverseOwned: TopologyGroup[] = [];
  matching: TopologyGroup[] = [];
  matchingSelf: boolean[] = [];
  counting: TopologyGroup[] = [];
  topoGen = -1;
  /** per bucket, skip list over the entries whose claim rejects this shape for good (InFlight.dead) */
  skip: number[][] = [];
  constructor(
    readonly namespace: string,
    readonly labels: Record<string, string>,
    readonly spec: any,
  ) {}
}

interface PodData {
  pod: KubeObject;
  /** queue length after this pod last failed and was requeued (queue.go's no-progress rule) */
  lastQueueLen: number;
  uid: string;
  cpu: number;
  memory: number;
  created: string;
  requests: ResourceVector;
  /** requests carry resources beyond cpu / memory / pods / ephemeral-storage */
  ext: boolean;
  shape: Shape;
  /** relaxed copy of spec.affinity / topologySpreadConstraints / tolerations, when relaxed */
  relaxed?: any;
}

function nodeSelectorReqs(terms: any[] | undefined): NodeRequirement[] {
  return (terms ?? []) as NodeRequirement[];
}

// ---------------------------------------------------------------------------------------- nodes

class Template {
  readonly name: string;
  readonly requirements: Requirements;
  readonly taints: Taint[];
  readonly startupTaints: Taint[];
  readonly labels: Record<string, string>;
  types: TypeInfo[] = [];
  catalog!: PoolCatalog;
  daemonOverhead: ResourceVector = emptyVector();
  constructor(readonly nodePool: KubeObject) {
    this.name = nodePool.metadata.name!;
    const tpl = nodePool.spec?.template ?? {};
    this.labels = { ...(tpl.metadata?.labels ?? {}), [LABEL_NODEPOOL]: this.name };
    this.requirements = Requirements.fromNodeSelector(tpl.spec?.requirements ?? []);
    this.requirements.addAll(Requirements.fromLabels(this.labels));
    this.taints = tpl.spec?.taints ?? [];
    this.startupTaints = tpl.spec?.startupTaints ?? [];
  }
}

class InFlight {
  pods: KubeObject[] = [];
  requests: ResourceVector;
  hostPorts: Set<string> | undefined;
  maxCpu = 0;
  maxMem = 0;
  maxPods = 0;
  /** lower bounds of the smallest allocatable among `types` (a total within them fits every type) */
  minCpu = -Infinity;
  minMem = -Infinity;
  minPods = -Infinity;
  minEph = -Infinity;
  /** requests carry resources beyond cpu / memory / pods / ephemeral-storage */
  ext: boolean;
  /** Shapes rejected for monotone reasons (taints, incompatible requirements, hostname topology counts). */
  dead: Set<Shape> | undefined;
  constructor(
    readonly template: Template,
    readonly hostname: string,
    public reqs: Requirements,
    /** positions in template.catalog of the types still possible */
    readonly types: TypeSet,
  ) {
    this.requests = { ...template.daemonOverhead };
    this.ext = hasExtraKeys(this.requests);
  }
}

class Existing {
  placed: KubeObject[] = [];
  requests: ResourceVector;
  hostPorts = new Set<string>();
  constructor(
    readonly state: StateNode,
    readonly taints: Taint[],
    public reqs: Requirements,
    readonly available: ResourceVector,
    daemonRemaining: ResourceVector,
  ) {
    this.requests = daemonRemaining;
  }
}

// ---------------------------------------------------------------------------------------- solve

let hostnameSeq = 0;

export class Scheduler {
  private readonly topology = new Topology();
  private readonly templates: Template[] = [];
  private readonly existing: Existing[] = [];
  private readonly newClaims: InFlight[] = [];
  /** buckets[n]: claims in the order they reached n pods (append-only; entries go stale as claims grow) */
  private buckets: InFlight[][] = [];
  /** skip lists (see nextLive) over buckets[n] for entries whose claim has moved to a later bucket */
  private staleSkip: number[][] = [];
  private readonly shapes = new Map<string, Shape>();
  private readonly typeInfos = new Map<CloudInstanceType, TypeInfo>();
  private readonly remaining = new Map<string, Partial<ResourceList>>();
  private readonly batchUids = new Set<string>();
  private deltas: Requirement[] = [];
  private readonly allowPreferNoSchedule: boolean;

  constructor(private readonly input: SolveInput) {
    for (const p of input.pods) this.batchUids.add(p.metadata.uid ?? podKey(p));
    for (const [k, v] of input.limitsRemaining ?? []) this.remaining.set(k, { ...v });
    let anyPrefer = false;
    for (const np of input.nodePools) {
      const t = new Template(np);
      for (const tt of t.taints) if (tt.effect === "PreferNoSchedule") anyPrefer = true;
      const its = input.instanceTypes.get(t.name) ?? [];
      const zoneReq = t.requirements.get(LABEL_ZONE);
      const ctReq = t.requirements.get(LABEL_CAPACITY_TYPE);
      for (const it of its) {
        let ti = this.typeInfos.get(it);
        if (!ti) this.typeInfos.set(it, (ti = new TypeInfo(it, this.typeInfos.size)));
        if (t.requirements.intersects(ti.reqs) !== undefined) continue;
        if (!ti.hasOffering(zoneReq, ctReq)) continue;
        t.types.push(ti);
        // domains from instance types compatible with the pool
        for (const q of ti.reqs) if (q.operator() === "In") for (const v of q.values) this.topology.registerDomain(q.key, v);
      }
      for (const q of t.requirements) if (q.operator() === "In") for (const v of q.values) this.topology.registerDomain(q.key, v);
      t.catalog = new PoolCatalog(t.types);
      t.daemonOverhead = this.daemonOverhead(t);
      this.templates.push(t);
    }
    this.allowPreferNoSchedule = anyPrefer;
    // existing nodes: not excluded, not marked; initialized first then name
    const nodes = input.existingNodes
      .filter((n) => !n.markedForDeletion && !input.excludeNodes?.has(n.name))
      .sort((a, b) => (a.initialized !== b.initialized ? (a.initialized ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const n of nodes) this.existing.push(this.makeExisting(n));
    for (const e of this.existing) for (const q of e.reqs) if (q.operator() === "In") for (const v of q.values) this.topology.registerDomain(q.key, v);
  }

  private makeExisting(n: StateNode): Existing {
    const managed = n.nodeClaim !== undefined;
    const src: Taint[] = !n.initialized && managed ? (n.nodeClaim!.spec?.taints ?? []) : (n.node?.spec?.taints ?? n.taints);
    const startup = new Set((n.nodeClaim?.spec?.startupTaints ?? []).map((t: Taint) => `${t.key}:${t.effect}`));
    const taints = src.filter((t) => !EPHEMERAL_TAINTS.has(t.key) && !startup.has(`${t.key}:${t.effect}`));
    const reqs = Requirements.fromLabels(n.labels);
    if (n.name && !reqs.has(LABEL_HOSTNAME) && n.node) reqs.add(Requirement.of(LABEL_HOSTNAME, "In", [n.name]));
    if (!n.node && n.nodeClaim?.spec?.requirements) reqs.addAll(Requirements.fromNodeSelector(n.nodeClaim.spec.requirements));
    const available: ResourceVector = { ...n.allocatable };
    for (const k in n.podRequests) available[k] = (available[k] ?? 0) - n.podRequests[k]!;
    // daemonsets that should run here but have no pod yet
    const daemonRemaining = emptyVector();
    daemonRemaining.pods = 0;
    const present = new Set<string>();
    for (const p of n.pods) for (const r of p.metadata.ownerReferences ?? []) if (r.kind === "DaemonSet") present.add(r.name);
    for (const ds of this.input.daemonSets) {
      if (present.has(ds.metadata.name!)) continue;
      const pod = this.daemonPod(ds);
      if (toleratesAll(taints.filter((t) => t.effect !== "PreferNoSchedule"), pod.spec?.tolerations ?? []) !== undefined) continue;
      if (!reqs.isCompatible(Requirements.fromNodeSelector(this.podNodeRequirements(pod.spec, false)), false)) continue;
      addInto(daemonRemaining, podRequests(pod));
    }
    const e = new Existing(n, taints, reqs, available, daemonRemaining);
    for (const p of n.pods) for (const hp of hostPortsOf(p.spec)) e.hostPorts.add(hp);
    return e;
  }

  private daemonPod(ds: KubeObject): KubeObject {
    return { apiVersion: "v1", kind: "Pod", metadata: { ...(ds.spec?.template?.metadata ?? {}), namespace: ds.metadata.namespace }, spec: ds.spec?.template?.spec ?? {} };
  }

  /** getDaemonOverhead / isDaemonPodCompatible (PreferNoSchedule tolerated, required OR-terms tried in turn). */
  private daemonOverhead(t: Template): ResourceVector {
    const v = emptyVector();
    v.pods = 0;
    for (const ds of this.input.daemonSets) {
      const pod = this.daemonPod(ds);
      const tol: Toleration[] = [...(pod.spec?.tolerations ?? []), { operator: "Exists", effect: "PreferNoSchedule" }];
      if (toleratesAll(t.taints, tol) !== undefined) continue;
      const terms: any[] = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
      let ok = false;
      for (let i = 0; i < Math.max(1, terms.length); i++) {
        const r = Requirements.fromLabels(pod.spec?.nodeSelector);
        if (terms[i]) r.addAll(Requirements.fromNodeSelector(nodeSelectorReqs(terms[i].matchExpressions)));
        if (t.requirements.compatible(r) === undefined) {
          ok = true;
          break;
        }
      }
      if (ok) addInto(v, podRequests(pod));
    }
    return v;
  }

  // ------------------------------------------------------------------ pod compilation

  private podNodeRequirements(spec: any, withPreferred: boolean): NodeRequirement[] {
    const out: NodeRequirement[] = [];
    for (const k in spec?.nodeSelector ?? {}) out.push({ key: k, operator: "In", values: [spec.nodeSelector[k]] });
    const na = spec?.affinity?.nodeAffinity;
    if (withPreferred) {
      const pref: any[] = na?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      if (pref.length > 0) {
        const heaviest = [...pref].sort((a, b) => b.weight - a.weight)[0];
        out.push(...nodeSelectorReqs(heaviest.preference?.matchExpressions));
      }
    }
    const terms: any[] = na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    if (terms.length > 0) out.push(...nodeSelectorReqs(terms[0].matchExpressions));
    return out;
  }

  private shapeOf(pod: KubeObject, spec: any): Shape {
    const ns = pod.metadata.namespace ?? "default";
    const labels = pod.metadata.labels ?? {};
    // one flat string (absent and null fields read alike, as the compilation below treats them)
    const key = JSON.stringify([ns, labels, spec.nodeSelector, spec.affinity, spec.tolerations, spec.topologySpreadConstraints, hostPortsOf(spec)]);
    let s = this.shapes.get(key);
    if (s) return s;
    s = new Shape(ns, labels, spec);
    s.requirements = Requirements.fromNodeSelector(this.podNodeRequirements(spec, true));
    s.strict = Requirements.fromNodeSelector(this.podNodeRequirements(spec, false));
    s.tolerations = spec.tolerations ?? [];
    s.hostPorts = hostPortsOf(spec);
    this.buildGroups(s);
    this.shapes.set(key, s);
    return s;
  }

  /** Topology.Update: the pod's own groups (spread, affinity, anti-affinity) and inverse anti-affinity groups. */
  private buildGroups(s: Shape): void {
    const spec = s.spec;
    const ns = s.namespace;
    const mk = (type: TopologyGroup["type"], key: string, nss: Set<string>, sel: Selector, maxSkew: number, minDomains: number | undefined, inverse: boolean) => {
      const hash = `${type}|${key}|${[...nss].sort().join(",")}|${sel.matchesNothing ? "-" : sel.toString()}|${maxSkew}|${minDomains ?? ""}`;
      return this.topology.group(inverse, new TopologyGroup(type, key, nss, sel, maxSkew, minDomains, hash), (g) => this.countDomains(g));
    };
    for (const c of spec.topologySpreadConstraints ?? []) {
      let sel = selectorOf(c.labelSelector);
      if (c.matchLabelKeys?.length && !sel.matchesNothing) {
        const reqs = [...sel.requirements];
        for (const k of c.matchLabelKeys) if (s.labels[k] !== undefined) reqs.push({ key: k, op: "In", values: [s.labels[k]!] });
        sel = new Selector(reqs);
      }
      s.owned.push(mk("topology spread", c.topologyKey, new Set([ns]), sel, c.maxSkew, c.minDomains, false));
    }
    const terms = (list: any[] | undefined, weighted: boolean) => (list ?? []).map((t: any) => (weighted ? t.podAffinityTerm : t));
    const aff = spec.affinity ?? {};
    const nsOf = (t: any) => new Set<string>((t.namespaces?.length ?? 0) > 0 ? t.namespaces : [ns]);
    for (const t of [...terms(aff.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, false), ...terms(sortW(aff.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution), true)]) {
      s.owned.push(mk("pod affinity", t.topologyKey, nsOf(t), selectorOf(t.labelSelector), 0x7fffffff, undefined, false));
    }
    for (const t of [...terms(aff.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, false), ...terms(sortW(aff.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution), true)]) {
      s.owned.push(mk("pod anti-affinity", t.topologyKey, nsOf(t), selectorOf(t.labelSelector), 0x7fffffff, undefined, false));
    }
    for (const t of aff.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      s.inverseOwned.push(mk("pod anti-affinity", t.topologyKey, nsOf(t), selectorOf(t.labelSelector), 0x7fffffff, undefined, true));
    }
  }

  /** countDomains: count the cluster's pods (not of this batch) matching the group, per node domain. */
  private countDomains(g: TopologyGroup): void {
    for (const e of this.existing) {
      const d = e.state.labels[g.key] ?? (g.key === LABEL_HOSTNAME ? e.state.name : undefined);
      if (d === undefined) continue;
      for (const p of e.state.pods) {
        if (this.batchUids.has(p.metadata.uid ?? podKey(p))) continue;
        if (p.metadata.deletionTimestamp) continue;
        if (g.selects(p.metadata.namespace ?? "default", p.metadata.labels ?? {})) g.record(d);
      }
    }
  }

  /** Existing pods with required anti-affinity constrain incoming pods they select (inverse groups). */
  private inverseFromCluster(): void {
    for (const e of this.existing) {
      for (const p of e.state.pods) {
        const terms: any[] = p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        if (terms.length === 0 || this.batchUids.has(p.metadata.uid ?? podKey(p))) continue;
        const ns = p.metadata.namespace ?? "default";
        for (const t of terms) {
          const nss = new Set<string>((t.namespaces?.length ?? 0) > 0 ? t.namespaces : [ns]);
          const sel = selectorOf(t.labelSelector);
          const hash = `inverse|${p.metadata.uid}|${t.topologyKey}|${sel.toString()}`;
          const g = this.topology.group(true, new TopologyGroup("pod anti-affinity", t.topologyKey, nss, sel, 0x7fffffff, undefined, hash), () => {});
          const d = e.state.labels[t.topologyKey];
          if (d !== undefined) g.record(d);
        }
      }
    }
  }

  private refreshMatching(s: Shape): void {
    if (s.topoGen === this.topology.generation) return;
    s.topoGen = this.topology.generation;
    s.matching = [...s.owned];
    s.matchingSelf = s.owned.map((g) => g.selects(s.namespace, s.labels));
    for (const g of this.topology.inverse.values()) {
      if (g.selects(s.namespace, s.labels)) {
        s.matching.push(g);
        s.matchingSelf.push(true);
      }
    }
    s.counting = [];
    for (const g of this.topology.groups.values()) if (g.selects(s.namespace, s.labels)) s.counting.push(g);
  }

  /** Topology.Record on the final node requirements. */
  private record(s: Shape, reqs: Requirements): void {
    for (const g of s.counting) {
      const q = reqs.get(g.key);
      if (q && !q.complement) for (const v of q.values) g.record(v);
    }
    for (const g of s.inverseOwned) {
      const q = reqs.get(g.key);
      if (q && !q.complement) for (const v of q.values) g.record(v);
    }
  }

  // ------------------------------------------------------------------ adding

  /**
   * Requirement deltas for placing `pd` on a node with requirements `node`: pod requirements then
   * topology requirements. Returns an error or fills this.deltas (keys whose requirement changes).
   */
  private computeDeltas(pd: PodData, node: Requirements, allowUndefined: boolean, wantMessage: boolean): string | undefined {
    const s = pd.shape;
    const deltas = this.deltas;
    deltas.length = 0;
    if (s.requirements.size > 0) {
      if (!node.isCompatible(s.requirements, allowUndefined)) {
        return wantMessage ? `incompatible requirements, ${node.compatible(s.requirements, allowUndefined)}` : "incompatible requirements";
      }
      for (const q of s.requirements) {
        const cur = node.get(q.key);
        deltas.push(cur ? cur.intersection(q) : q);
      }
    }
    if (s.matching.length > 0) {
      const lookup = (key: string) => {
        for (let i = deltas.length - 1; i >= 0; i--) if (deltas[i]!.key === key) return deltas[i];
        return node.get(key);
      };
      const topo: Requirement[] = [];
      const err = this.topology.addRequirements(s.matching, s.matchingSelf, s.strict, lookup, topo, wantMessage);
      if (err) return err;
      for (const q of topo) {
        const cur = lookup(q.key);
        if (cur) {
          if (!cur.intersects(q) && !(cur.isNegative() && q.isNegative())) return `incompatible requirements, key ${q.key}, ${q} not in ${cur}`;
          deltas.push(cur.intersection(q));
        } else {
          if (!allowUndefined && !q.isNegative()) return `incompatible requirements, label "${q.key}" does not have known values`;
          deltas.push(q);
        }
      }
    }
    return undefined;
  }

  private applyDeltas(base: Requirements): Requirements {
    // most placements narrow nothing (the claim's zone and hostname are already single values)
    let changed = false;
    for (const d of this.deltas) {
      const cur = base.get(d.key);
      if (cur === undefined || !sameSet(cur, d)) {
        changed = true;
        break;
      }
    }
    if (!changed) return base;
    const r = base.clone();
    for (const d of this.deltas) r.set(d);
    return r;
  }

  private tryExisting(pd: PodData, e: Existing): string | undefined {
    const s = pd.shape;
    const terr = toleratesAll(e.taints, s.tolerations);
    if (terr) return terr;
    for (const hp of s.hostPorts) if (e.hostPorts.has(hp)) return "checking host port usage";
    const r = pd.requests;
    const req = e.requests;
    const av = e.available;
    for (const k in r) if ((req[k] ?? 0) + r[k]! > (av[k] ?? 0) && r[k]! > 0) return "exceeds node resources";
    const err = this.computeDeltas(pd, e.reqs, false, false);
    if (err) return err;
    if (this.deltas.length > 0) e.reqs = this.applyDeltas(e.reqs);
    addInto(req, r);
    for (const hp of s.hostPorts) e.hostPorts.add(hp);
    e.placed.push(pd.pod);
    this.record(s, e.reqs);
    return undefined;
  }

  /** NodeClaim.Add: filter instance types by the new requirements, requests and offerings. */
  private tryInFlight(pd: PodData, nc: InFlight, fresh: boolean): string | undefined {
    const s = pd.shape;
    const t = nc.template;
    if (!fresh && nc.dead?.has(s)) return "rejected";
    const terr = toleratesAll(t.taints, s.tolerations);
    if (terr) {
      (nc.dead ??= new Set()).add(s);
      return terr;
    }
    for (const hp of s.hostPorts) if (nc.hostPorts?.has(hp)) return "checking host port usage";
    const r = pd.requests;
    const req = nc.requests;
    if (!fresh) {
      if (req.cpu + r.cpu > nc.maxCpu || req.memory + r.memory > nc.maxMem || req.pods + r.pods > nc.maxPods) return "no instance type has enough resources";
      const bad = this.rejectsForGood(s, nc);
      if (bad) return bad;
    }
    const err = this.computeDeltas(pd, nc.reqs, true, fresh);
    if (err) return err;
    // new requests vector (no allocation until commit)
    const total = this.totalOf(req, r, nc.ext || pd.ext);
    const cand = this.filterTypes(nc, fresh, total, nc.ext || pd.ext);
    if (cand === undefined) return this.noTypeReason(nc, fresh, total);
    const newReqs = this.deltas.length > 0 ? this.applyDeltas(nc.reqs) : nc.reqs;
    if (newReqs.hasMinValues()) {
      const minErr = minValuesError(newReqs, t.catalog.members(cand));
      if (minErr) return minErr;
    }
    nc.types.set(cand);
    nc.reqs = newReqs;
    addInto(req, r);
    for (const hp of s.hostPorts) (nc.hostPorts ??= new Set()).add(hp);
    nc.pods.push(pd.pod);
    copyBounds(this.boundsScratch, nc);
    if (pd.ext) nc.ext = true;
    this.record(s, newReqs);
    return undefined;
  }

  /** Rejections that stay true as the claim fills (the shape is then skipped on this claim). */
  private rejectsForGood(s: Shape, nc: InFlight): string | undefined {
    // hostname-keyed anti-affinity / spread: counts on this claim only grow
    const m = s.matching;
    for (let i = 0; i < m.length; i++) {
      const g = m[i]!;
      if (g.key !== LABEL_HOSTNAME) continue;
      const c = g.domains.get(nc.hostname) ?? 0;
      if (g.type === "pod anti-affinity" ? c > 0 : g.type === "topology spread" && c + (s.matchingSelf[i] ? 1 : 0) > g.maxSkew) {
        (nc.dead ??= new Set()).add(s);
        return "unsatisfiable topology constraint";
      }
    }
    if (s.requirements.size > 0 && !nc.reqs.isCompatible(s.requirements, true)) {
      (nc.dead ??= new Set()).add(s);
      return "incompatible requirements";
    }
    return undefined;
  }

  /**
   * The claim's types that remain with this.deltas applied and `total` requested: requirement masks of
   * the changed keys, the offering mask when zone or capacity type changed, the fit. Leaves the
   * survivors in scratch space (undefined when none) and their bounds in this.boundsScratch.
   */
  private filterTypes(nc: InFlight, fresh: boolean, total: ResourceVector, maybeExt: boolean): TypeSet | undefined {
    const cat = nc.template.catalog;
    const deltas = this.deltas;
    let zoneReq: Requirement | undefined;
    let ctReq: Requirement | undefined;
    let offeringChanged = fresh;
    const W = cat.words;
    const cand = this.candScratch.length === W ? this.candScratch : (this.candScratch = new Uint32Array(W));
    cand.set(nc.types);
    let reqMask: TypeSet | undefined;
    if (fresh) reqMask = this.freshMask(nc);
    for (const d of deltas) {
      if (d.key === LABEL_ZONE) {
        zoneReq = d;
        offeringChanged = true;
      } else if (d.key === LABEL_CAPACITY_TYPE) {
        ctReq = d;
        offeringChanged = true;
      }
      if (!cat.constrains(d.key)) continue;
      const m = cat.requirementMask(d);
      if (reqMask === undefined) reqMask = m;
      else {
        const acc = reqMask === this.reqScratch ? reqMask : (this.reqScratch = Uint32Array.from(reqMask));
        for (let w = 0; w < W; w++) acc[w]! &= m[w]!;
        reqMask = acc;
      }
    }
    const offMask = offeringChanged ? cat.offeringMask(zoneReq ?? nc.reqs.get(LABEL_ZONE), ctReq ?? nc.reqs.get(LABEL_CAPACITY_TYPE)) : undefined;
    if (reqMask) for (let w = 0; w < W; w++) cand[w]! &= reqMask[w]!;
    if (offMask) for (let w = 0; w < W; w++) cand[w]! &= offMask[w]!;
    this.lastReqMask = reqMask;
    this.lastOffMask = offMask;
    const ext = maybeExt && hasExtended(total);
    const tc = total.cpu;
    const tm = total.memory;
    const tp = total.pods;
    const te = total.ephemeralStorage;
    if (!fresh && !ext && tc <= nc.minCpu && tm <= nc.minMem && tp <= nc.minPods && te <= nc.minEph && equalSets(cand, nc.types)) {
      // every type the claim kept is at least as large as the new total: nothing to filter
      copyBounds(nc, this.boundsScratch);
      return isEmptySet(cand) ? undefined : cand;
    }
    if (ext) {
      for (const p of positions(cand)) if (!cat.types[p]!.fits(total)) cand[p >>> 5]! &= ~(1 << (p & 31));
    } else {
      const fit = cat.fitMask(tc, tm, tp, te);
      for (let w = 0; w < W; w++) cand[w]! &= fit[w]!;
    }
    if (isEmptySet(cand)) return undefined;
    cat.bounds(cand, this.boundsScratch);
    return cand;
  }
  private lastReqMask: TypeSet | undefined;
  private lastOffMask: TypeSet | undefined;

  /** Why no type survived filterTypes (NodeClaim.Add's InstanceTypeFilterError wording). */
  private noTypeReason(nc: InFlight, fresh: boolean, total: ResourceVector): string {
    const cat = nc.template.catalog;
    const reqMask = this.lastReqMask;
    const offMask = this.lastOffMask;
    const reqOk = reqMask === undefined ? !isEmptySet(nc.types) : overlaps(nc.types, reqMask);
    const offOk = offMask === undefined ? !isEmptySet(nc.types) : overlaps(nc.types, offMask);
    let fitOk = false;
    for (const ti of cat.members(nc.types))
      if (ti.fits(total)) {
        fitOk = true;
        break;
      }
    let reason: string;
    if (!reqOk && !fitOk && !offOk) reason = "no instance type met the scheduling requirements or had enough resources or had a required offering";
    else if (!reqOk && !fitOk) reason = "no instance type met the scheduling requirements or had enough resources";
    else if (!reqOk && !offOk) reason = "no instance type met the scheduling requirements or had a required offering";
    else if (!fitOk && !offOk) reason = "no instance type had enough resources or had a required offering";
    else if (!reqOk) reason = "no instance type met all requirements";
    else if (!fitOk) reason = "no instance type has enough resources";
    else if (!offOk) reason = "no instance type has the required offering";
    else reason = "no instance type met the requirements/resources/offering tuple";
    if (!fresh) return reason;
    const newReqs = this.applyDeltas(nc.reqs);
    return `${reason}, requirements=${newReqs}, resources=${formatResources(total)}`;
  }

  /**
   * Types of a new claim whose requirements intersect the claim's (Requirements.Intersects, two
   * negative requirements never conflict). The pool's types already intersect the pool's
   * requirements, so only keys the claim narrowed (its hostname) can exclude any; undefined when none does.
   */
  private freshMask(nc: InFlight): TypeSet | undefined {
    const t = nc.template;
    let changed: Requirement[] | undefined;
    for (const q of nc.reqs) if (t.requirements.get(q.key) !== q && t.catalog.constrains(q.key)) (changed ??= []).push(q);
    if (!changed) return undefined;
    return t.catalog.subset((ti) => {
      for (const q of changed) {
        const tq = ti.reqs.get(q.key);
        if (tq && !tq.intersects(q) && !(tq.isNegative() && q.isNegative())) return false;
      }
      return true;
    });
  }
  private candScratch = new Uint32Array(0);
  private readonly boundsScratch: Bounds = { maxCpu: 0, maxMem: 0, maxPods: 0, minCpu: 0, minMem: 0, minPods: 0, minEph: 0 };
  private readonly coreTotal: ResourceVector = emptyVector();

  /** req + r; without extended resources on either side only the four core fields are summed. */
  private totalOf(req: ResourceVector, r: ResourceVector, ext: boolean): ResourceVector {
    if (!ext) {
      const t = this.coreTotal;
      t.cpu = req.cpu + r.cpu;
      t.memory = req.memory + r.memory;
      t.pods = req.pods + r.pods;
      t.ephemeralStorage = req.ephemeralStorage + r.ephemeralStorage;
      return t;
    }
    const total = this.totalScratch;
    for (const k in total) total[k] = 0;
    for (const k in req) total[k] = req[k]!;
    for (const k in r) total[k] = (total[k] ?? 0) + r[k]!;
    return total;
  }
  private reqScratch: TypeSet | undefined;
  private totalScratch: ResourceVector = emptyVector();

  private add(pd: PodData): string | undefined {
    this.refreshMatching(pd.shape);
    for (const e of this.existing) {
      if (this.tryExisting(pd, e) === undefined) {
        return undefined;
      }
    }
    // NodeClaims of this solve, fewest pods first
    const buckets = this.buckets;
    const s = pd.shape;
    for (let b = 0; b < buckets.length; b++) {
      const list = buckets[b]!;
      if (list.length === 0) continue;
      const stale = this.staleSkip[b]!;
      const dead = (s.skip[b] ??= []);
      for (let i = nextLive(stale, dead, 0, list.length); i < list.length; i = nextLive(stale, dead, i + 1, list.length)) {
        const nc = list[i]!;
        if (nc.pods.length !== b) {
          skipOne(stale, i);
          continue;
        }
        if (this.tryInFlight(pd, nc, false) === undefined) {
          this.bucketPush(nc);
          return undefined;
        }
        if (nc.dead?.has(s)) skipOne(dead, i);
      }
    }
    // new NodeClaim per template in weight order
    const errs: string[] = [];
    for (const t of this.templates) {
      let types: TypeSet;
      const rem = this.remaining.get(t.name);
      if (rem) {
        types = t.catalog.subset((ti) => {
          for (const k in rem) if ((ti.capacity[k] ?? 0) > rem[k]!) return false;
          return true;
        });
        if (isEmptySet(types)) {
          errs.push(`all available instance types exceed limits for nodepool: "${t.name}"`);
          continue;
        }
      } else types = t.catalog.all.slice();
      const hostname = `hostname-placeholder-${String(++hostnameSeq).padStart(4, "0")}`;
      this.topology.registerDomain(LABEL_HOSTNAME, hostname);
      const reqs = t.requirements.clone().add(Requirement.of(LABEL_HOSTNAME, "In", [hostname]));
      const nc = new InFlight(t, hostname, reqs, types);
      const err = this.tryInFlight(pd, nc, true);
      if (err !== undefined) {
        this.topology.unregisterDomain(LABEL_HOSTNAME, hostname);
        errs.push(`incompatible with nodepool "${t.name}", daemonset overhead=${formatResources(t.daemonOverhead)}, ${err}`);
        continue;
      }
      this.newClaims.push(nc);
      this.bucketPush(nc);
      if (rem) {
        for (const k in rem) {
          let max = 0;
          for (const ti of t.catalog.members(nc.types)) if ((ti.capacity[k] ?? 0) > max) max = ti.capacity[k] ?? 0;
          rem[k] = rem[k]! - max;
        }
      }
      return undefined;
    }
    if (this.templates.length === 0) return "nodepool requirements filtered out all available instance types";
    return errs.join("; ");
  }

  private minCpu = 0;
  private minMem = 0;

  private bucketPush(nc: InFlight): void {
    // A claim that cannot take even the smallest pod of the batch is never visited again.
    if (nc.maxCpu - nc.requests.cpu < this.minCpu || nc.maxMem - nc.requests.memory < this.minMem || nc.maxPods - nc.requests.pods < 1) return;
    const n = nc.pods.length;
    while (this.buckets.length <= n) {
      this.buckets.push([]);
      this.staleSkip.push([]);
    }
    this.buckets[n]!.push(nc);
  }

  // ------------------------------------------------------------------ preferences

  /** Preferences.Relax: one relaxation; false when nothing is left to relax. */
  private relax(pd: PodData): boolean {
    const spec = (pd.relaxed ??= structuredClone({ ...pd.pod.spec }));
    const na = spec.affinity?.nodeAffinity;
    const terms = na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (terms && terms.length > 1) {
      terms.shift();
      return true;
    }
    const dropHeaviest = (list: any[] | undefined) => {
      if (!list || list.length === 0) return false;
      list.sort((a, b) => b.weight - a.weight);
      list.shift();
      return true;
    };
    if (dropHeaviest(spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution)) return true;
    if (dropHeaviest(spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution)) return true;
    if (dropHeaviest(na?.preferredDuringSchedulingIgnoredDuringExecution)) return true;
    const tsc: any[] | undefined = spec.topologySpreadConstraints;
    if (tsc && tsc.some((c) => c.whenUnsatisfiable === "ScheduleAnyway")) {
      spec.topologySpreadConstraints = tsc.filter((c) => c.whenUnsatisfiable !== "ScheduleAnyway");
      return true;
    }
    if (this.allowPreferNoSchedule) {
      const tols: any[] = (spec.tolerations ??= []);
      if (!tols.some((t) => t.operator === "Exists" && t.effect === "PreferNoSchedule" && !t.key)) {
        tols.push({ operator: "Exists", effect: "PreferNoSchedule" });
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ solve

  solve(): SolveResults {
    this.inverseFromCluster();
    const pds: PodData[] = [];
    for (const pod of this.input.pods) {
      const req = podRequests(pod);
      pds.push({
        pod,
        lastQueueLen: -1,
        uid: pod.metadata.uid ?? podKey(pod),
        cpu: req.cpu,
        memory: req.memory,
        created: pod.metadata.creationTimestamp ?? "",
        requests: req,
        ext: hasExtraKeys(req),
        shape: this.shapeOf(pod, pod.spec ?? {}),
      });
    }
    this.minCpu = pds.length ? Infinity : 0;
    this.minMem = pds.length ? Infinity : 0;
    for (const p of pds) {
      if (p.cpu < this.minCpu) this.minCpu = p.cpu;
      if (p.memory < this.minMem) this.minMem = p.memory;
    }
    pds.sort((a, b) => b.cpu - a.cpu || b.memory - a.memory || (a.created < b.created ? -1 : a.created > b.created ? 1 : 0) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    // Queue with the no-progress rule of queue.go
    const q: PodData[] = pds;
    let head = 0;
    const errors = new Map<string, string>();
    while (head < q.length) {
      const pd = q[head]!;
      const len = q.length - head;
      if (pd.lastQueueLen === len) break;
      head++;
      let err = this.add(pd);
      while (err !== undefined && this.relax(pd)) {
        pd.shape = this.shapeOf(pd.pod, pd.relaxed);
        err = this.add(pd);
      }
      if (err === undefined) {
        if (errors.size > 0) errors.delete(podKey(pd.pod));
        continue;
      }
      errors.set(podKey(pd.pod), err);
      q.push(pd);
      pd.lastQueueLen = q.length - head;
      if (head > 4096 && head * 2 > q.length) {
        q.splice(0, head);
        head = 0;
      }
    }
    return this.results(errors);
  }

  /** The NodeClaim a claim of this solve becomes (undefined, with its pods' errors set, when minValues fails). */
  private plan(nc: InFlight, podErrors: Map<string, string>): NewNodeClaimPlan | undefined {
    // The claim's requirements without the placeholder hostname, with the instance types narrowed to
    // the cheapest kept (in price order) and the capacity types to what those offer — written out
    // key by key in Requirements order rather than through a clone.
    const reqs = nc.reqs;
    const zone = reqs.get(LABEL_ZONE);
    const ct = reqs.get(LABEL_CAPACITY_TYPE);
    const cat = nc.template.catalog;
    const keptAt = cat.cheapest(nc.types, zone, ct, MAX_INSTANCE_TYPES);
    const keptNames: string[] = [];
    const options: CloudInstanceType[] = [];
    for (const p of keptAt) {
      const it = cat.types[p]!.it;
      keptNames.push(it.name);
      options.push(it);
    }
    const itReq = reqs.get(LABEL_INSTANCE_TYPE);
    // the intersection is only needed when the claim already restricts instance types; otherwise it is `In kept`
    const itFinal = itReq ? Requirement.of(LABEL_INSTANCE_TYPE, "In", keptNames, itReq.minValues).intersection(itReq) : undefined;
    // (called once: the values array becomes the plan's)
    const itNode = (): NodeRequirement => (itFinal ? { ...itFinal.toNodeRequirement(false), values: keptNames } : keptNames.length > 0 ? { key: LABEL_INSTANCE_TYPE, operator: "In", values: keptNames } : { key: LABEL_INSTANCE_TYPE, operator: "DoesNotExist", values: keptNames });
    const ctNew = cat.capacityTypeRequirement(keptAt, zone, ct);
    const ctFinal = ctNew && ct ? this.intersectCached(ctNew, ct) : (ctNew ?? ct);
    const requirements: NodeRequirement[] = [];
    const finals: Requirement[] = [];
    for (const q of reqs) {
      if (q.key === LABEL_HOSTNAME) continue;
      if (q.key === LABEL_INSTANCE_TYPE) {
        requirements.push(itNode());
        finals.push(itFinal!);
      } else if (q.key === LABEL_CAPACITY_TYPE) {
        requirements.push(ctFinal!.toNodeRequirement());
        finals.push(ctFinal!);
      } else {
        requirements.push(q.toNodeRequirement());
        finals.push(q);
      }
    }
    if (!itReq) requirements.push(itNode());
    if (!ct && ctFinal) {
      requirements.push(ctFinal.toNodeRequirement());
      finals.push(ctFinal);
    }
    let minErr: string | undefined;
    let kept: TypeInfo[] | undefined;
    for (const q of finals) {
      if (q.minValues === undefined) continue;
      const vals = new Set<string>();
      for (const ti of (kept ??= keptAt.map((p) => cat.types[p]!))) {
        const tq = ti.reqs.get(q.key);
        if (tq && !tq.complement) for (const v of tq.values) if (q.has(v)) vals.add(v);
      }
      if (vals.size < q.minValues) minErr = "NodePool couldn't meet minValues requirements";
    }
    if (minErr) {
      for (const p of nc.pods) podErrors.set(podKey(p), minErr);
      return undefined;
    }
    // labels of single-valued requirements (Requirements.labels), as NodeClaim labels
    const labels: Record<string, string> = { ...nc.template.labels };
    for (const q of reqs) {
      const k = q.key;
      if (q.complement || q.values.size !== 1) continue;
      if (k === LABEL_HOSTNAME || k === LABEL_INSTANCE_TYPE || k === LABEL_ZONE || k === LABEL_CAPACITY_TYPE) continue;
      if (k.startsWith("karpenter.k8s.aws/") || k.startsWith("kubernetes.io/") || k.startsWith("topology.")) continue;
      labels[k] = q.any();
    }
    return {
      nodePoolName: nc.template.name,
      requirements,
      instanceTypeOptions: options,
      pods: nc.pods,
      requests: { ...nc.requests },
      labels,
      taints: nc.template.taints,
      startupTaints: nc.template.startupTaints,
    };
  }

  /** a ∩ b, remembered for the last pair (claims of a pool repeat the same capacity-type pair) */
  private intersectCached(a: Requirement, b: Requirement): Requirement {
    if (a !== this.lastA || b !== this.lastB) {
      this.lastA = a;
      this.lastB = b;
      this.lastAB = a.intersection(b);
    }
    return this.lastAB!;
  }
  private lastA: Requirement | undefined;
  private lastB: Requirement | undefined;
  private lastAB: Requirement | undefined;

  private results(podErrors: Map<string, string>): SolveResults {
    const newNodeClaims: NewNodeClaimPlan[] = [];
    for (const nc of this.newClaims) {
      const plan = this.plan(nc, podErrors);
      if (plan) newNodeClaims.push(plan);
    }
    const existingNodes: Array<{ name: string; pods: KubeObject[] }> = [];
    for (const e of this.existing) if (e.placed.length > 0) existingNodes.push({ name: e.state.name, pods: e.placed });
    return { newNodeClaims, existingNodes, podErrors };
  }
}

function sortW(list: any[] | undefined): any[] {
  return list ? [...list].sort((a, b) => b.weight - a.weight) : [];
}

/*
 * Skip lists over an append-only bucket: jump[i] = 0 while entry i may still take a pod, else an index
 * > i from where to continue. Path compression keeps a walk over long dead runs near O(1), so a pod
 * does not revisit the claims that stale moves or monotone rejections (taints, requirements,
 * hostname topology) have already ruled out, while live entries keep their order.
 */
function skipOne(jump: number[], i: number): void {
  while (jump.length <= i) jump.push(0);
  jump[i] = i + 1;
}

function follow(jump: number[], i: number): number {
  let r = i;
  while (r < jump.length && jump[r]! !== 0) r = jump[r]!;
  while (i < jump.length && jump[i]! !== 0 && jump[i]! < r) {
    const n = jump[i]!;
    jump[i] = r;
    i = n;
  }
  return r;
}

/** First index ≥ i that neither skip list excludes (len when none). */
function nextLive(a: number[], b: number[], i: number, len: number): number {
  while (i < len) {
    const j = follow(b, follow(a, i));
    if (j === i) return i;
    i = j;
  }
  return i;
}

/** Same value set, bounds and minValues (requirements are immutable, so one may stand for the other). */
function sameSet(a: Requirement, b: Requirement): boolean {
  if (a === b) return true;
  if (a.complement !== b.complement || a.greaterThan !== b.greaterThan || a.lessThan !== b.lessThan || a.minValues !== b.minValues || a.values.size !== b.values.size) return false;
  for (const v of a.values) if (!b.values.has(v)) return false;
  return true;
}

/** minValues (Strict policy): enough distinct values of each such key among the surviving types. */
function minValuesError(reqs: Requirements, survivors: TypeInfo[]): string | undefined {
  for (const q of reqs) {
    if (q.minValues === undefined) continue;
    const vals = new Set<string>();
    for (const ti of survivors) {
      const tq = ti.reqs.get(q.key);
      if (tq && !tq.complement) for (const v of tq.values) if (q.has(v)) vals.add(v);
    }
    if (vals.size < q.minValues) return `minValues requirement is not met for ${q.key}`;
  }
  return undefined;
}

function copyBounds(from: Bounds, to: Bounds): void {
  to.maxCpu = from.maxCpu;
  to.maxMem = from.maxMem;
  to.maxPods = from.maxPods;
  to.minCpu = from.minCpu;
  to.minMem = from.minMem;
  to.minPods = from.minPods;
  to.minEph = from.minEph;
}

/** Keys beyond cpu / memory / pods / ephemeral-storage. */
function hasExtraKeys(v: ResourceVector): boolean {
  for (const k in v) if (k !== "cpu" && k !== "memory" && k !== "pods" && k !== "ephemeralStorage") return true;
  return false;
}

function equalSets(a: TypeSet, b: TypeSet): boolean {
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

function hasExtended(v: ResourceVector): boolean {
  for (const k in v) if (k !== "cpu" && k !== "memory" && k !== "pods" && k !== "ephemeralStorage" && v[k] !== 0) return true;
  return false;
}

function hostPortsOf(spec: any): string[] {
  const out: string[] = [];
  for (const c of spec?.containers ?? []) for (const p of c.ports ?? []) if (p.hostPort) out.push(`${p.protocol ?? "TCP"}/${p.hostIP || "0.0.0.0"}/${p.hostPort}`);
  return out;
}

/** Run one scheduling simulation. Pure: no store, no clock. */
export function solve(input: SolveInput): SolveResults {
  return new Scheduler(input).solve();
}

/** `"a, b, c, d, e and N other(s)"` (Karpenter's pretty-printing of lists in logs). */
export function prettyList(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} other(s)`;
}

export type { HostPortSpec };
