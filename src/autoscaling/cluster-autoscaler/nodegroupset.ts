/**
 * --balance-similar-node-groups (processors/nodegroupset, 1.32): which node groups count as "the
 * same kind of machine" (compare_nodegroups.go IsCloudProviderNodeInfoSimilar with the AWS ignored
 * labels of aws_nodegroups.go, or label_nodegroups.go with --balancing-label), and how a scale-up is
 * split between them (balancing_processor.go BalanceScaleUpBetweenGroups).
 *
 * Similar = every capacity resource present on both templates and equal, except memory, which may
 * differ by --memory-difference-ratio (0.015); allocatable within --max-allocatable-difference-ratio
 * (0.05) and free (allocatable − the template's DaemonSet pod requests) within
 * --max-free-difference-ratio (0.05), each measured as `larger − smaller ≤ larger × ratio`; and the
 * same labels apart from the ignored ones.
 */
import type { KubeObject } from "../../api/meta.js";
import { cpuMilli, bytesOf } from "../../core/quantity.js";
import { emptyVector, extendedKeys, podRequests, type ResourceVector } from "../../scheduling/resources.js";
import type { TemplateNode } from "./templates.js";

/** compare_nodegroups.go BasicIgnoredLabels. */
export const BASIC_IGNORED_LABELS: readonly string[] = [
  "kubernetes.io/hostname",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "beta.kubernetes.io/fluentd-ds-ready",
  "kops.k8s.io/instancegroup",
];

/**
 * aws_nodegroups.go CreateAwsNodeInfoComparator's own labels. `topology.k8s.aws/zone-id` is not
 * among them in 1.32.1: it was added in December 2025 (kubernetes/autoscaler#8910), so node groups
 * in different zones only balance with `--balancing-ignore-label=topology.k8s.aws/zone-id`.
 */
export const AWS_IGNORED_LABELS: readonly string[] = [
  "alpha.eksctl.io/instance-id",
  "alpha.eksctl.io/nodegroup-name",
  "eks.amazonaws.com/nodegroup",
  "k8s.amazonaws.com/eniConfig",
  "lifecycle",
  "topology.ebs.csi.aws.com/zone",
];

/**
 * Not an upstream rule: the simulated nodes carry a random `k8s.io/cloud-provider-aws` value per
 * node, where on EKS it is one value for the whole cluster, so ignoring it decides as EKS would.
 */
export const SIMULATOR_IGNORED_LABELS: readonly string[] = ["k8s.io/cloud-provider-aws"];

export interface DifferenceRatios {
  /** --memory-difference-ratio (MaxCapacityMemoryDifferenceRatio) */
  capacityMemory: number;
  /** --max-allocatable-difference-ratio */
  allocatable: number;
  /** --max-free-difference-ratio */
  free: number;
}

export const DEFAULT_RATIOS: DifferenceRatios = { capacityMemory: 0.015, allocatable: 0.05, free: 0.05 };

export function awsIgnoredLabels(extra: readonly string[] = []): Set<string> {
  return new Set([...BASIC_IGNORED_LABELS, ...AWS_IGNORED_LABELS, ...SIMULATOR_IGNORED_LABELS, ...extra]);
}

/** Quantity in MilliValue units' proportions: cpu in millicores, everything else as a plain value. */
function quantity(name: string, q: string | number): number {
  return name === "cpu" ? cpuMilli(q) : bytesOf(q);
}

function withinTolerance(a: number, b: number, ratio: number): boolean {
  const larger = Math.max(a, b);
  const smaller = Math.min(a, b);
  return larger - smaller <= larger * ratio;
}

/** Resource names of a template's scheduler NodeInfo.Requested (ResourceToResourceList): the four core ones plus requested extended resources. */
function requestedList(pods: readonly KubeObject[]): Map<string, number> {
  const sum: ResourceVector = emptyVector();
  for (const p of pods) {
    const r = podRequests(p);
    for (const k in r) if (k !== "pods") sum[k] = (sum[k] ?? 0) + r[k]!;
  }
  // Requested never counts pods (AllowedPodNumber stays 0), so "free pods" is allocatable pods.
  const out = new Map<string, number>([
    ["cpu", sum.cpu],
    ["memory", sum.memory],
    ["pods", 0],
    ["ephemeral-storage", sum.ephemeralStorage],
  ]);
  for (const k of extendedKeys(sum)) out.set(k, sum[k]!);
  return out;
}

/** compare_nodegroups.go IsCloudProviderNodeInfoSimilar. */
export function similarTemplates(a: TemplateNode, b: TemplateNode, ignoredLabels: ReadonlySet<string>, ratios: DifferenceRatios = DEFAULT_RATIOS): boolean {
  const capA = a.node.status?.capacity ?? {};
  const capB = b.node.status?.capacity ?? {};
  for (const name of new Set([...Object.keys(capA), ...Object.keys(capB)])) {
    if (!(name in capA) || !(name in capB)) return false;
    const x = quantity(name, capA[name]!);
    const y = quantity(name, capB[name]!);
    if (name === "memory") {
      if (!withinTolerance(x, y, ratios.capacityMemory)) return false;
    } else if (x !== y) return false;
  }
  const allocA = a.node.status?.allocatable ?? {};
  const allocB = b.node.status?.allocatable ?? {};
  for (const name of new Set([...Object.keys(allocA), ...Object.keys(allocB)])) {
    if (!(name in allocA) || !(name in allocB)) return false;
    if (!withinTolerance(quantity(name, allocA[name]!), quantity(name, allocB[name]!), ratios.allocatable)) return false;
  }
  const reqA = requestedList(a.pods);
  const reqB = requestedList(b.pods);
  for (const name of new Set([...reqA.keys(), ...reqB.keys()])) {
    // An extended resource requested on one template only has a single free value: not similar.
    if (!reqA.has(name) || !reqB.has(name)) return false;
    const freeA = (name in allocA ? quantity(name, allocA[name]!) : 0) - reqA.get(name)!;
    const freeB = (name in allocB ? quantity(name, allocB[name]!) : 0) - reqB.get(name)!;
    if (!withinTolerance(freeA, freeB, ratios.free)) return false;
  }
  const la = a.node.metadata.labels ?? {};
  const lb = b.node.metadata.labels ?? {};
  for (const k of new Set([...Object.keys(la), ...Object.keys(lb)])) {
    if (ignoredLabels.has(k)) continue;
    if (!(k in la) || !(k in lb) || la[k] !== lb[k]) return false;
  }
  return true;
}

/** label_nodegroups.go: with --balancing-label only those labels decide, and each must be present on both. */
export function sameBalancingLabels(a: TemplateNode, b: TemplateNode, labels: readonly string[]): boolean {
  const la = a.node.metadata.labels ?? {};
  const lb = b.node.metadata.labels ?? {};
  for (const k of labels) {
    if (!(k in la) || !(k in lb) || la[k] !== lb[k]) return false;
  }
  return true;
}

/**
 * BalanceScaleUpBetweenGroups: groups already at max are left out, the request is capped at the
 * room left, then nodes go one at a time to the smallest group(s) (water-filling).
 */
export function balanceScaleUp(groups: Array<{ id: string; current: number; max: number }>, newNodes: number): Map<string, number> {
  const sizes = groups.map((g) => ({ ...g, size: g.current })).sort((a, b) => a.size - b.size || (a.id < b.id ? -1 : 1));
  let left = newNodes;
  while (left > 0) {
    const open = sizes.filter((g) => g.size < g.max);
    if (open.length === 0) break;
    let min = Infinity;
    for (const g of open) if (g.size < min) min = g.size;
    for (const g of open) {
      if (left === 0) break;
      if (g.size === min) {
        g.size++;
        left--;
      }
    }
  }
  return new Map(sizes.map((g) => [g.id, g.size]));
}
