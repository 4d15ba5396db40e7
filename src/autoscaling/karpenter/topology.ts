/**
 * Karpenter's scheduling topology (`pkg/controllers/provisioning/scheduling/topology.go`,
 * `topologygroup.go`, v1.0–v1.2): topology spread, pod affinity and pod anti-affinity become topology
 * groups keyed by (type, key, namespaces, selector, maxSkew); domains are counted from the cluster's
 * pods and from pods recorded during this solve; a pod adding to a node narrows the node's requirement
 * on the group's key to the allowed domains.
 *
 * Deviation for speed (same results): when the node's requirement on the key is an explicit `In`
 * (always so for hostnames of existing nodes and new NodeClaims) only those domains are examined.
 * Go map iteration is random; ties here resolve in sorted domain order (deterministic).
 */
import type { Selector } from "../../core/labels.js";
import { Requirement, Requirements } from "../../scheduling/requirements.js";

/** A plain `In` requirement on `key` with `n` values (options drawn from it with n values are its set). */
function sameAsOptions(key: string, n: number, q: Requirement): boolean {
  return q.key === key && !q.complement && q.values.size === n && q.minValues === undefined && q.greaterThan === undefined && q.lessThan === undefined;
}

export type TopologyType = "topology spread" | "pod affinity" | "pod anti-affinity";

const LABEL_HOSTNAME = "kubernetes.io/hostname";

export class TopologyGroup {
  readonly domains = new Map<string, number>();
  private sortedCache: string[] | undefined;

  constructor(
    readonly type: TopologyType,
    readonly key: string,
    readonly namespaces: ReadonlySet<string>,
    readonly selector: Selector,
    readonly maxSkew: number,
    readonly minDomains: number | undefined,
    readonly hash: string,
  ) {}

  /** Requirements are immutable: the per-domain `In [d]` and the `DoesNotExist` results are shared. */
  private readonly single = new Map<string, Requirement>();
  private none: Requirement | undefined;

  private inDomain(key: string, d: string): Requirement {
    let q = this.single.get(d);
    if (q === undefined || q.key !== key) this.single.set(d, (q = Requirement.of(key, "In", [d])));
    return q;
  }

  private noDomain(key: string): Requirement {
    if (this.none === undefined || this.none.key !== key) this.none = Requirement.of(key, "DoesNotExist");
    return this.none;
  }

  /**
   * `In options` (DoesNotExist when empty). `fromNode`: the options were drawn from that `In` node
   * requirement; when they keep all of its values they are its set, and it is returned as is (a
   * claim's hostname, mostly).
   */
  private domainsRequirement(key: string, options: string[], fromNode?: Requirement): Requirement {
    if (options.length === 0) return this.noDomain(key);
    if (fromNode && sameAsOptions(key, options.length, fromNode)) return fromNode;
    if (options.length === 1) return this.inDomain(key, options[0]!);
    return Requirement.of(key, "In", options);
  }

  selects(namespace: string, labels: Readonly<Record<string, string>>): boolean {
    return this.namespaces.has(namespace) && this.selector.matches(labels);
  }

  register(domain: string): void {
    if (!this.domains.has(domain)) {
      this.domains.set(domain, 0);
      this.sortedCache = undefined;
    }
  }

  unregister(domain: string): void {
    if (this.domains.get(domain) === 0) {
      this.domains.delete(domain);
      this.sortedCache = undefined;
    }
  }

  record(domain: string): void {
    const c = this.domains.get(domain);
    if (c === undefined) this.sortedCache = undefined;
    this.domains.set(domain, (c ?? 0) + 1);
  }

  private sorted(): string[] {
    return (this.sortedCache ??= [...this.domains.keys()].sort());
  }

  /** TopologyGroup.Get: the allowed domains for a pod on a node. */
  get(selfSelecting: boolean, podDomains: Requirement, nodeDomains: Requirement): Requirement {
    switch (this.type) {
      case "topology spread":
        return this.nextDomainTopologySpread(selfSelecting, podDomains, nodeDomains);
      case "pod affinity":
        return this.nextDomainAffinity(selfSelecting, podDomains, nodeDomains);
      default:
        return this.nextDomainAntiAffinity(podDomains, nodeDomains);
    }
  }

  private domainMinCount(podDomains: Requirement): number {
    if (this.key === LABEL_HOSTNAME) return 0;
    let min = Number.MAX_SAFE_INTEGER;
    let n = 0;
    for (const [d, c] of this.domains) {
      if (!podDomains.has(d)) continue;
      n++;
      if (c < min) min = c;
    }
    if (this.minDomains !== undefined && n < this.minDomains) min = 0;
    return min;
  }

  private nextDomainTopologySpread(selfSelecting: boolean, podDomains: Requirement, nodeDomains: Requirement): Requirement {
    const min = this.domainMinCount(podDomains);
    let minDomain: string | undefined;
    let minCount = Number.MAX_SAFE_INTEGER;
    const consider = (d: string) => {
      const c0 = this.domains.get(d);
      if (c0 === undefined) return;
      const c = selfSelecting ? c0 + 1 : c0;
      if (c - min <= this.maxSkew && c < minCount) {
        minDomain = d;
        minCount = c;
      }
    };
    const fromNode = nodeDomains.operator() === "In";
    if (fromNode) {
      for (const d of nodeDomains.sortedValues()) consider(d);
    } else {
      for (const d of this.sorted()) if (nodeDomains.has(d)) consider(d);
    }
    if (minDomain === undefined) return this.noDomain(podDomains.key);
    if (fromNode && sameAsOptions(podDomains.key, 1, nodeDomains)) return nodeDomains;
    return this.inDomain(podDomains.key, minDomain);
  }

  private nextDomainAffinity(selfSelecting: boolean, podDomains: Requirement, nodeDomains: Requirement): Requirement {
    const options: string[] = [];
    let fromNode = false;
    if (nodeDomains.operator() === "In") {
      fromNode = true;
      // Only domains of the node can survive the later intersection with the node's requirements.
      for (const d of nodeDomains.sortedValues()) if (podDomains.has(d) && (this.domains.get(d) ?? 0) > 0) options.push(d);
      if (options.length === 0) {
        let any = false;
        for (const [d, c] of this.domains)
          if (c > 0 && podDomains.has(d)) {
            any = true;
            break;
          }
        if (any) return this.noDomain(podDomains.key);
      }
    } else {
      for (const d of this.sorted()) if (podDomains.has(d) && this.domains.get(d)! > 0) options.push(d);
    }
    if (options.length === 0 && selfSelecting) {
      fromNode = false;
      const inter = podDomains.intersection(nodeDomains);
      const sorted = this.sorted();
      for (const d of sorted)
        if (inter.has(d)) {
          options.push(d);
          break;
        }
      for (const d of sorted)
        if (podDomains.has(d)) {
          if (!options.includes(d)) options.push(d);
          break;
        }
    }
    return this.domainsRequirement(podDomains.key, options, fromNode ? nodeDomains : undefined);
  }

  private nextDomainAntiAffinity(podDomains: Requirement, nodeDomains: Requirement): Requirement {
    const options: string[] = [];
    const fromNode = nodeDomains.operator() === "In";
    if (fromNode) {
      for (const d of nodeDomains.sortedValues()) if (podDomains.has(d) && this.domains.get(d) === 0) options.push(d);
    } else {
      for (const d of this.sorted()) if (podDomains.has(d) && this.domains.get(d) === 0) options.push(d);
    }
    return this.domainsRequirement(podDomains.key, options, fromNode ? nodeDomains : undefined);
  }

  countsString(): string {
    const parts: string[] = [];
    const ds = this.sorted();
    for (let i = 0; i < ds.length && i < 25; i++) parts.push(`${ds[i]}: ${this.domains.get(ds[i]!)}`);
    if (ds.length > 25) parts.push(`and ${ds.length - 25} other(s)`);
    return parts.join(", ");
  }
}

/** Registry of topology groups and known domains per key for one solve. */
export class Topology {
  readonly groups = new Map<string, TopologyGroup>();
  readonly inverse = new Map<string, TopologyGroup>();
  readonly domainsByKey = new Map<string, Set<string>>();
  /** bumped when groups are added (shape caches of matching groups depend on it) */
  generation = 0;
  private readonly existsByKey = new Map<string, Requirement>();

  private exists(key: string): Requirement {
    let q = this.existsByKey.get(key);
    if (q === undefined) this.existsByKey.set(key, (q = Requirement.of(key, "Exists")));
    return q;
  }

  registerDomain(key: string, domain: string): void {
    let s = this.domainsByKey.get(key);
    if (!s) this.domainsByKey.set(key, (s = new Set()));
    s.add(domain);
    for (const g of this.groups.values()) if (g.key === key) g.register(domain);
    for (const g of this.inverse.values()) if (g.key === key) g.register(domain);
  }

  unregisterDomain(key: string, domain: string): void {
    this.domainsByKey.get(key)?.delete(domain);
    for (const g of this.groups.values()) if (g.key === key) g.unregister(domain);
    for (const g of this.inverse.values()) if (g.key === key) g.unregister(domain);
  }

  /** Get or create a group; `init` counts the cluster's pods for a new one. */
  group(inverse: boolean, g: TopologyGroup, init: (g: TopologyGroup) => void): TopologyGroup {
    const map = inverse ? this.inverse : this.groups;
    const existing = map.get(g.hash);
    if (existing) return existing;
    for (const d of this.domainsByKey.get(g.key) ?? []) g.register(d);
    init(g);
    map.set(g.hash, g);
    this.generation++;
    return g;
  }

  /**
   * Topology.AddRequirements: for each group that applies, intersect the node requirements with the
   * group's allowed domains. Returns the error text, or undefined with `out` filled.
   */
  addRequirements(
    matching: readonly TopologyGroup[],
    selfSelecting: readonly boolean[],
    podRequirements: Requirements,
    nodeRequirements: (key: string) => Requirement | undefined,
    out: Requirement[],
    wantMessage = true,
  ): string | undefined {
    for (let i = 0; i < matching.length; i++) {
      const tg = matching[i]!;
      const podDomains = podRequirements.get(tg.key) ?? this.exists(tg.key);
      const nodeDomains = nodeRequirements(tg.key) ?? this.exists(tg.key);
      const domains = tg.get(selfSelecting[i]!, podDomains, nodeDomains);
      if (domains.len === 0) {
        if (!wantMessage) return "unsatisfiable topology constraint";
        return `unsatisfiable topology constraint for ${tg.type}, key=${tg.key} (counts = {${tg.countsString()}}, podDomains = ${podDomains}, nodeDomains = ${nodeDomains}`;
      }
      out.push(domains);
    }
    return undefined;
  }
}
