/**
 * Karpenter's AWS instance-type provider (`pkg/providers/instancetype`): the catalog types offered
 * in the region, filtered to the node class (AMI architectures, subnet zones), with
 *
 * - requirements: the single-valued labels the provider puts on each type (instance-type, arch, os,
 *   region, karpenter.k8s.aws/instance-category/-family/-generation/-size/-cpu/-memory/-hypervisor/
 *   -cpu-manufacturer) plus zone, zone-id and capacity-type requirements spanning the *available*
 *   offerings, and DoesNotExist for the AWS labels that do not apply (no GPU/accelerator, no local
 *   NVMe, no windows-build) — so a pod that requires e.g. a GPU never matches;
 * - capacity / overhead / allocatable from the EKS overhead model (src/cloud/catalog.ts), with the
 *   node class kubelet settings (maxPods, podsPerCore, kubeReserved, systemReserved,
 *   evictionHard memory.available) and root volume size applied;
 * - offerings: every zone × {on-demand, spot}.
 */
import { bytesOf, cpuMilli } from "../../core/quantity.js";
import { eksAllocatable, eniLimitedPods, instanceTypes as catalogTypes, type AllocatableOptions, type InstanceTypeInfo } from "../catalog.js";
import type { CloudInstanceType, NodeRequirement, ResourceList } from "../provider.js";
import { amiFamilyOf, type AmiCatalog, type AmiSelectorTerm, type Arch } from "./amis.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";
export const LABEL_ARCH = "kubernetes.io/arch";
export const LABEL_OS = "kubernetes.io/os";
export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const LABEL_REGION = "topology.kubernetes.io/region";
export const LABEL_ZONE_ID = "topology.k8s.aws/zone-id";
export const LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type";
export const LABEL_WINDOWS_BUILD = "node.kubernetes.io/windows-build";
export const AWS_LABEL = {
  category: "karpenter.k8s.aws/instance-category",
  family: "karpenter.k8s.aws/instance-family",
  generation: "karpenter.k8s.aws/instance-generation",
  size: "karpenter.k8s.aws/instance-size",
  cpu: "karpenter.k8s.aws/instance-cpu",
  cpuManufacturer: "karpenter.k8s.aws/instance-cpu-manufacturer",
  memory: "karpenter.k8s.aws/instance-memory",
  hypervisor: "karpenter.k8s.aws/instance-hypervisor",
  localNvme: "karpenter.k8s.aws/instance-local-nvme",
  gpuName: "karpenter.k8s.aws/instance-gpu-name",
  gpuManufacturer: "karpenter.k8s.aws/instance-gpu-manufacturer",
  gpuCount: "karpenter.k8s.aws/instance-gpu-count",
  gpuMemory: "karpenter.k8s.aws/instance-gpu-memory",
  acceleratorName: "karpenter.k8s.aws/instance-accelerator-name",
  acceleratorManufacturer: "karpenter.k8s.aws/instance-accelerator-manufacturer",
  acceleratorCount: "karpenter.k8s.aws/instance-accelerator-count",
} as const;
export const RESOURCE_POD_ENI = "vpc.amazonaws.com/pod-eni";

/** a → amd (c5a, t3a, m6a …), g → aws (Graviton: c6g, c6gd, t4g …), otherwise intel. */
export function cpuManufacturer(family: string): "amd" | "aws" | "intel" {
  const suffix = family.replace(/^[a-z]+\d+/, "");
  if (suffix.includes("a")) return "amd";
  if (suffix.includes("g")) return "aws";
  return "intel";
}

/** Families with instance-store NVMe ("d" variants); their size is not in the catalog, so the label stays undefined. */
function hasLocalNvme(family: string): boolean {
  return /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family);
}

/** The node-class facts that shape instance types (a cache key is derived from them). */
export interface NodeClassView {
  zones: string[];
  arches: Arch[];
  allocatable: AllocatableOptions;
  /** Bottlerocket reserves memory for the effective max pods; AL2/AL2023 for the ENI-limited count. */
  bottlerocket: boolean;
  /** kubelet evictionHard["memory.available"] ("500Mi" or "5%"). */
  memoryEvictionHard?: string;
  key: string;
}

interface NodeClassLike {
  metadata?: { name?: string };
  spec?: {
    amiSelectorTerms?: AmiSelectorTerm[];
    amiFamily?: string;
    kubelet?: {
      maxPods?: number;
      podsPerCore?: number;
      kubeReserved?: Record<string, string>;
      systemReserved?: Record<string, string>;
      evictionHard?: Record<string, string>;
    };
    blockDeviceMappings?: Array<{ deviceName?: string; rootVolume?: boolean; ebs?: { volumeSize?: string } }>;
  };
  status?: { subnets?: Array<{ zone: string }>; amis?: Array<{ requirements?: NodeRequirement[] }> };
}

/**
 * What of a node class matters for instance types: zones from `status.subnets` (else every zone in
 * `zones`), architectures from `status.amis` (else the AMIs the selector terms resolve to; no node
 * class = both), kubelet overrides and the root volume size.
 */
export function nodeClassView(nodeClass: unknown, zones: readonly string[], amis: AmiCatalog): NodeClassView {
  const nc = (nodeClass ?? {}) as NodeClassLike;
  const subnetZones = nc.status?.subnets?.map((s) => s.zone);
  const z = subnetZones && subnetZones.length ? zones.filter((zone) => subnetZones.includes(zone)) : [...zones];
  let arches: Arch[];
  const statusAmis = nc.status?.amis;
  if (statusAmis && statusAmis.length) {
    const set = new Set<Arch>();
    for (const a of statusAmis) for (const r of a.requirements ?? []) if (r.key === LABEL_ARCH && r.operator === "In") for (const v of r.values ?? []) set.add(v as Arch);
    arches = set.size ? [...set].sort() : ["amd64", "arm64"];
  } else if (nc.spec?.amiSelectorTerms) {
    arches = [...new Set(amis.resolve(nc.spec.amiSelectorTerms).map((a) => a.arch))].sort();
  } else {
    arches = ["amd64", "arm64"];
  }
  const family = amiFamilyOf(nc.spec?.amiSelectorTerms, nc.spec?.amiFamily);
  const k = nc.spec?.kubelet;
  const opts: AllocatableOptions = {};
  if (k?.maxPods !== undefined) opts.maxPods = k.maxPods;
  if (k?.podsPerCore !== undefined) opts.podsPerCore = k.podsPerCore;
  if (k?.kubeReserved?.cpu !== undefined) opts.kubeReservedCpuMilli = cpuMilli(k.kubeReserved.cpu);
  if (k?.kubeReserved?.memory !== undefined) opts.kubeReservedMemoryMiB = bytesOf(k.kubeReserved.memory) / MiB;
  if (k?.systemReserved?.cpu !== undefined) opts.systemReservedCpuMilli = cpuMilli(k.systemReserved.cpu);
  if (k?.systemReserved?.memory !== undefined) opts.systemReservedMemoryMiB = bytesOf(k.systemReserved.memory) / MiB;
  const memEvict = k?.evictionHard?.["memory.available"];
  const rootDevice = family === "bottlerocket" ? "/dev/xvdb" : "/dev/xvda";
  const bdm = nc.spec?.blockDeviceMappings?.find((b) => b.rootVolume) ?? nc.spec?.blockDeviceMappings?.find((b) => b.deviceName === rootDevice);
  if (bdm?.ebs?.volumeSize) opts.rootVolumeGiB = bytesOf(bdm.ebs.volumeSize) / GiB;
  const view: Omit<NodeClassView, "key"> = { zones: z, arches, allocatable: opts, bottlerocket: family === "bottlerocket" };
  if (memEvict !== undefined) view.memoryEvictionHard = memEvict;
  return { ...view, key: JSON.stringify(view) };
}

/** eksAllocatable options for one type under a view (percent eviction thresholds and Bottlerocket pods resolved). */
function optionsFor(t: InstanceTypeInfo, view: NodeClassView): AllocatableOptions {
  const o: AllocatableOptions = { ...view.allocatable };
  if (view.memoryEvictionHard !== undefined) {
    const v = view.memoryEvictionHard.trim();
    if (v.endsWith("%")) {
      const nominal = t.memoryMiB - (t.arch === "arm64" ? 64 : 0);
      const pct = o.vmMemoryOverheadPercent ?? 0.075;
      const capMiB = nominal - Math.ceil(nominal * pct - 1e-9);
      o.evictionMemoryMiB = (capMiB * Number.parseFloat(v)) / 100;
    } else {
      o.evictionMemoryMiB = bytesOf(v) / MiB;
    }
  }
  if (view.bottlerocket && o.kubeReservedMemoryMiB === undefined) {
    let pods = o.maxPods ?? eniLimitedPods(t);
    if (o.podsPerCore !== undefined && o.podsPerCore > 0) pods = Math.min(pods, o.podsPerCore * t.vcpu);
    o.kubeReservedMemoryMiB = 11 * pods + 255;
  }
  return o;
}

/** The offering-independent part of a CloudInstanceType. */
export interface TypeTemplate {
  info: InstanceTypeInfo;
  /** Static label requirements (everything but zone, zone-id and capacity type). */
  labels: NodeRequirement[];
  capacity: ResourceList;
  overhead: CloudInstanceType["overhead"];
  allocatable: ResourceList;
}

function rl(cpu: number, memory: number, pods: number, ephemeralStorage: number): ResourceList {
  return { cpu, memory, pods, ephemeralStorage };
}

const inReq = (key: string, value: string): NodeRequirement => ({ key, operator: "In", values: [value] });
const dne = (key: string): NodeRequirement => ({ key, operator: "DoesNotExist" });

export function buildTemplate(t: InstanceTypeInfo, region: string, view: NodeClassView): TypeTemplate {
  const opts = optionsFor(t, view);
  const r = eksAllocatable(t, opts);
  const labels: NodeRequirement[] = [
    inReq(LABEL_INSTANCE_TYPE, t.name),
    inReq(LABEL_ARCH, t.arch),
    inReq(LABEL_OS, "linux"),
    inReq(LABEL_REGION, region),
    dne(LABEL_WINDOWS_BUILD),
    inReq(AWS_LABEL.category, t.category),
    inReq(AWS_LABEL.family, t.family),
    inReq(AWS_LABEL.generation, String(t.generation)),
    inReq(AWS_LABEL.size, t.size),
    inReq(AWS_LABEL.cpu, String(t.vcpu)),
    inReq(AWS_LABEL.cpuManufacturer, cpuManufacturer(t.family)),
    inReq(AWS_LABEL.memory, String(t.memoryMiB)),
    inReq(AWS_LABEL.hypervisor, t.hypervisor),
    dne(AWS_LABEL.gpuName),
    dne(AWS_LABEL.gpuManufacturer),
    dne(AWS_LABEL.gpuCount),
    dne(AWS_LABEL.gpuMemory),
    dne(AWS_LABEL.acceleratorName),
    dne(AWS_LABEL.acceleratorManufacturer),
    dne(AWS_LABEL.acceleratorCount),
  ];
  if (!hasLocalNvme(t.family)) labels.push(dne(AWS_LABEL.localNvme));
  const capacity = rl(r.capacity.cpuMilli, r.capacity.memoryBytes, r.capacity.pods, r.capacity.ephemeralStorageBytes);
  const allocatable = rl(r.allocatable.cpuMilli, r.allocatable.memoryBytes, r.allocatable.pods, r.allocatable.ephemeralStorageBytes);
  if (t.podENI !== null && t.podENI > 0) {
    capacity[RESOURCE_POD_ENI] = t.podENI;
    allocatable[RESOURCE_POD_ENI] = t.podENI;
  }
  const sysCpu = opts.systemReservedCpuMilli ?? 0;
  const sysMem = (opts.systemReservedMemoryMiB ?? 0) * MiB;
  const overhead = {
    kubeReserved: rl(r.kubeReserved.cpuMilli, r.kubeReserved.memoryMiB * MiB, 0, r.kubeReserved.ephemeralStorageBytes),
    systemReserved: rl(sysCpu, sysMem, 0, 0),
    evictionThreshold: rl(0, r.eviction.memoryMiB * MiB, 0, r.eviction.ephemeralStorageBytes),
  };
  return { info: t, labels, capacity, overhead, allocatable };
}

/** Templates of every catalog type offered in `region` (has an on-demand price) whose arch the view allows. */
export function buildTemplates(region: string, view: NodeClassView, offered: (name: string) => boolean): TypeTemplate[] {
  const out: TypeTemplate[] = [];
  for (const t of catalogTypes()) {
    if (!offered(t.name)) continue;
    if (!view.arches.includes(t.arch)) continue;
    out.push(buildTemplate(t, region, view));
  }
  return out;
}
