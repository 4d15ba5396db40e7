/**
 * The simulated VPC of the cluster, laid out as eksctl creates it: availability zones (with AWS zone
 * ids), a private subnet per zone tagged for Karpenter discovery and a public one per zone (tagged
 * `kubernetes.io/role/elb`, not for discovery), the EKS cluster security group (tagged for discovery)
 * and eksctl's ClusterSharedNodeSecurityGroup (not tagged for discovery). EC2NodeClass
 * subnetSelectorTerms / securityGroupSelectorTerms resolve against these (what DescribeSubnets /
 * DescribeSecurityGroups would return), so `status.subnets` and drift checks have real-looking ids,
 * and a scenario can move its node class to other subnets or security groups to drift its nodes.
 */
import { hashString } from "../../core/rng.js";

/** Availability-zone suffixes per region (the zones a new account sees; same defaults as scenarios). */
const REGION_ZONE_SUFFIXES: Record<string, string> = {
  "us-east-1": "abc",
  "us-east-2": "abc",
  "us-west-1": "ac",
  "us-west-2": "abc",
  "ap-northeast-1": "acd",
  "ap-northeast-2": "abcd",
  "ap-northeast-3": "abc",
  "ap-southeast-1": "abc",
  "ap-southeast-2": "abc",
  "ap-south-1": "abc",
  "eu-west-1": "abc",
  "eu-west-2": "abc",
  "eu-central-1": "abc",
  "eu-north-1": "abc",
  "ca-central-1": "abd",
  "sa-east-1": "abc",
};

export function regionZones(region: string): string[] {
  return [...(REGION_ZONE_SUFFIXES[region] ?? "abc")].map((s) => region + s);
}

const ZONE_ID_PREFIX: Record<string, string> = { "us-east-1": "use1", "us-east-2": "use2", "us-west-2": "usw2", "ap-northeast-2": "apne2" };

/** Zone id like `apne2-az1` (the same mapping the EKS node objects carry in topology.k8s.aws/zone-id). */
export function zoneId(region: string, zone: string): string {
  let prefix = ZONE_ID_PREFIX[region];
  if (!prefix) {
    const [geo = "", dir = "", n = ""] = region.split("-");
    prefix = `${geo}${dir.replace(/(north|south|east|west|central)/g, (m) => m[0]!)}${n}`;
  }
  const c = zone.charCodeAt(zone.length - 1);
  const idx = c >= 97 && c <= 122 ? c - 97 : 0;
  return `${prefix}-az${idx + 1}`;
}

/** 16 deterministic hex digits derived from a string (resource ids that must be stable across runs). */
export function stableHex(s: string, n = 16): string {
  let out = "";
  let i = 0;
  while (out.length < n) out += hashString(`${i++}:${s}`).toString(16).padStart(8, "0");
  return out.slice(0, n);
}

export interface Subnet {
  id: string;
  zone: string;
  zoneID: string;
  availableIpAddressCount: number;
  tags: Record<string, string>;
}

export interface SecurityGroup {
  id: string;
  name: string;
  tags: Record<string, string>;
}

/** Private subnets first (launches fall back to the first subnet of a zone), then public ones. */
export function subnetsOf(region: string, zones: readonly string[], clusterName: string): Subnet[] {
  const free = region === "us-east-1" ? 8187 : 4091;
  const zoneLetter = (zone: string) => zone.slice(-1).toUpperCase();
  const privateSubnets = zones.map((zone) => ({
    id: `subnet-0${stableHex(`subnet|${region}|${zone}`, 16)}`,
    zone,
    zoneID: zoneId(region, zone),
    availableIpAddressCount: free,
    tags: {
      Name: `eksctl-${clusterName}-cluster/SubnetPrivate${zoneLetter(zone)}`,
      "karpenter.sh/discovery": clusterName,
      "kubernetes.io/role/internal-elb": "1",
    },
  }));
  // The NAT gateway and load balancers hold a few addresses in each public subnet.
  const publicSubnets = zones.map((zone) => ({
    id: `subnet-0${stableHex(`public-subnet|${region}|${zone}`, 16)}`,
    zone,
    zoneID: zoneId(region, zone),
    availableIpAddressCount: free - 3,
    tags: {
      Name: `eksctl-${clusterName}-cluster/SubnetPublic${zoneLetter(zone)}`,
      "kubernetes.io/role/elb": "1",
    },
  }));
  return [...privateSubnets, ...publicSubnets];
}

export function securityGroupsOf(region: string, clusterName: string): SecurityGroup[] {
  return [
    {
      id: `sg-0${stableHex(`sg|${region}|${clusterName}`, 16)}`,
      name: `eks-cluster-sg-${clusterName}-${hashString(clusterName) % 1_000_000_000}`,
      tags: { "karpenter.sh/discovery": clusterName, [`kubernetes.io/cluster/${clusterName}`]: "owned" },
    },
    {
      id: `sg-0${stableHex(`shared-node-sg|${region}|${clusterName}`, 16)}`,
      name: `eksctl-${clusterName}-cluster-ClusterSharedNodeSecurityGroup-${stableHex(`shared-node-sg-name|${clusterName}`, 12).toUpperCase()}`,
      tags: { Name: `eksctl-${clusterName}-cluster/ClusterSharedNodeSecurityGroup`, "alpha.eksctl.io/cluster-name": clusterName },
    },
  ];
}

interface SelectorTerm {
  id?: string;
  name?: string;
  tags?: Record<string, string>;
}

function tagsMatch(want: Record<string, string> | undefined, have: Record<string, string>): boolean {
  if (!want) return true;
  for (const [k, v] of Object.entries(want)) {
    if (!(k in have)) return false;
    if (v !== "*" && have[k] !== v) return false;
  }
  return true;
}

/** Resources matched by any of the selector terms (a term ANDs its fields; terms are ORed), in input order. */
export function selectByTerms<T extends { id: string; tags: Record<string, string>; name?: string }>(
  items: readonly T[],
  terms: readonly SelectorTerm[] | undefined,
): T[] {
  if (!terms || terms.length === 0) return [...items];
  return items.filter((it) =>
    terms.some((t) => (t.id === undefined || t.id === it.id) && (t.name === undefined || t.name === it.name) && tagsMatch(t.tags, it.tags)),
  );
}
