/**
 * EKS-optimized AMIs as the EC2NodeClass `amiSelectorTerms` resolve them (provider
 * `pkg/providers/amifamily`): an alias `family@version` (al2, al2023, bottlerocket; `latest` or a
 * pinned release) resolves, like the SSM parameters Karpenter reads, to one AMI per architecture;
 * `id` / `name` terms select AMIs by id or name (glob `*`). A new release can be published at run
 * time (`publish`), which moves `@latest` and so drifts the nodes launched from the previous one.
 *
 * AMI ids are stable per (family, release, arch). The current AL2023 release's ids are the ones the
 * simulated managed node groups report in `eks.amazonaws.com/nodegroup-image`.
 */
import type { NodeRequirement } from "../provider.js";
import { stableHex } from "./network.js";

export type AmiFamilyAlias = "al2" | "al2023" | "bottlerocket";
export type Arch = "amd64" | "arm64";

export interface Ami {
  id: string;
  name: string;
  family: AmiFamilyAlias | "custom";
  /** Release (`v20250512`, `v1.39.1`). */
  version: string;
  arch: Arch;
  /** ISO date of the release (EC2 CreationDate). */
  creationDate: string;
}

/** EC2NodeClass status.amis entry. */
export interface ResolvedAmi {
  id: string;
  name: string;
  requirements: NodeRequirement[];
}

export interface AmiSelectorTerm {
  alias?: string;
  id?: string;
  name?: string;
  owner?: string;
  tags?: Record<string, string>;
  ssmParameter?: string;
}

/** Default releases, oldest first; the last is `latest`. */
export const DEFAULT_AMI_RELEASES: Record<AmiFamilyAlias, string[]> = {
  al2023: ["v20250505", "v20250512"],
  al2: ["v20250505", "v20250512"],
  bottlerocket: ["v1.38.0", "v1.39.1"],
};

/** Ids of the current AL2023 release (also used by the managed node groups, src/cluster/nodes.ts). */
const PINNED_IDS: Record<string, string> = {
  "al2023|v20250512|amd64": "ami-0c7f7f2fb1a7e6a1b",
  "al2023|v20250512|arm64": "ami-0e3b4f2a9c0d8e5f4",
};

function amiName(family: AmiFamilyAlias, version: string, arch: Arch, k8s: string): string {
  const cpu = arch === "amd64" ? "x86_64" : "arm64";
  switch (family) {
    case "al2023":
      return `amazon-eks-node-al2023-${cpu}-standard-${k8s}-${version}`;
    case "al2":
      return arch === "amd64" ? `amazon-eks-node-${k8s}-${version}` : `amazon-eks-arm64-node-${k8s}-${version}`;
    case "bottlerocket":
      return `bottlerocket-aws-k8s-${k8s}-${cpu}-${version}-${stableHex(`br|${version}`, 8)}`;
  }
}

function releaseDate(family: AmiFamilyAlias, version: string, index: number): string {
  const m = /^v(\d{4})(\d{2})(\d{2})$/.exec(version);
  if (m) return `${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`;
  // Bottlerocket versions carry no date: space releases a week apart from 2025-01-06.
  const d = new Date(Date.UTC(2025, 0, 6 + 7 * index));
  void family;
  return d.toISOString();
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

export class AmiCatalog {
  private readonly releases: Record<AmiFamilyAlias, string[]>;
  private readonly byId = new Map<string, Ami>();
  /** Bumped by `publish`; part of the instance-type cache key of node classes that use `@latest`. */
  generation = 0;

  constructor(
    readonly kubernetesVersion = "1.32",
    releases: Partial<Record<AmiFamilyAlias, string[]>> = {},
  ) {
    this.releases = {
      al2023: [...(releases.al2023 ?? DEFAULT_AMI_RELEASES.al2023)],
      al2: [...(releases.al2 ?? DEFAULT_AMI_RELEASES.al2)],
      bottlerocket: [...(releases.bottlerocket ?? DEFAULT_AMI_RELEASES.bottlerocket)],
    };
    for (const f of Object.keys(this.releases) as AmiFamilyAlias[]) this.releases[f].forEach((v, i) => this.register(f, v, i));
  }

  private register(family: AmiFamilyAlias, version: string, index: number): void {
    for (const arch of ["amd64", "arm64"] as const) {
      const key = `${family}|${version}|${arch}`;
      const id = PINNED_IDS[key] ?? `ami-0${stableHex(`ami|${key}|${this.kubernetesVersion}`, 16)}`;
      this.byId.set(id, { id, name: amiName(family, version, arch, this.kubernetesVersion), family, version, arch, creationDate: releaseDate(family, version, index) });
    }
  }

  /** Publish a new release of `family`: it becomes `@latest`. */
  publish(family: AmiFamilyAlias, version: string): void {
    const list = this.releases[family];
    if (list.includes(version)) return;
    list.push(version);
    this.register(family, version, list.length - 1);
    this.generation++;
  }

  latest(family: AmiFamilyAlias): string {
    const list = this.releases[family];
    return list[list.length - 1]!;
  }

  get(id: string): Ami | undefined {
    return this.byId.get(id);
  }

  /** Every AMI of a release (one per architecture). */
  release(family: AmiFamilyAlias, version: string): Ami[] {
    const v = version === "latest" ? this.latest(family) : version;
    const out: Ami[] = [];
    for (const a of this.byId.values()) if (a.family === family && a.version === v) out.push(a);
    return out;
  }

  /**
   * AMIs selected by the terms (terms are ORed). Unknown ids resolve to a custom amd64 image, as a
   * user-supplied AMI would; unknown alias families/versions resolve to nothing.
   */
  resolve(terms: readonly AmiSelectorTerm[] | undefined): Ami[] {
    const out: Ami[] = [];
    const seen = new Set<string>();
    const add = (a: Ami) => {
      if (!seen.has(a.id)) {
        seen.add(a.id);
        out.push(a);
      }
    };
    for (const t of terms ?? []) {
      if (t.alias) {
        const [fam = "", ver = "latest"] = t.alias.split("@");
        const family = fam.toLowerCase() as AmiFamilyAlias;
        if (!(family in this.releases)) continue;
        if (ver !== "latest" && !this.releases[family].includes(ver)) continue;
        for (const a of this.release(family, ver)) add(a);
      } else if (t.id) {
        add(this.byId.get(t.id) ?? { id: t.id, name: t.id, family: "custom", version: "", arch: "amd64", creationDate: "2025-01-01T00:00:00.000Z" });
      } else if (t.name) {
        const re = globToRegExp(t.name);
        for (const a of this.byId.values()) if (re.test(a.name)) add(a);
      }
    }
    return out;
  }

  /**
   * EC2NodeClass status.amis form. The AMI provider keeps one image per requirement set (here: per
   * architecture) — the newest by creation date, the greater name on a tie — and lists them newest
   * first, ties by id.
   */
  static toStatus(amis: readonly Ami[]): ResolvedAmi[] {
    const newest = new Map<Arch, Ami>();
    for (const a of amis) {
      const cur = newest.get(a.arch);
      if (!cur || a.creationDate > cur.creationDate || (a.creationDate === cur.creationDate && a.name > cur.name)) newest.set(a.arch, a);
    }
    return [...newest.values()]
      .sort((a, b) => (a.creationDate === b.creationDate ? a.id.localeCompare(b.id) : a.creationDate < b.creationDate ? 1 : -1))
      .map((a) => ({ id: a.id, name: a.name, requirements: [{ key: "kubernetes.io/arch", operator: "In" as const, values: [a.arch] }] }));
  }
}

/** The AMI family of a node class: from its alias, else spec.amiFamily, else AL2023. */
export function amiFamilyOf(terms: readonly AmiSelectorTerm[] | undefined, amiFamily?: string): AmiFamilyAlias | "custom" {
  const alias = terms?.find((t) => t.alias)?.alias;
  if (alias) return (alias.split("@")[0] ?? "al2023").toLowerCase() as AmiFamilyAlias;
  switch ((amiFamily ?? "").toLowerCase()) {
    case "al2":
      return "al2";
    case "bottlerocket":
      return "bottlerocket";
    case "custom":
      return "custom";
    default:
      return "al2023";
  }
}
