/**
 * The EC2 instance-type catalog (data/ec2-instance-types.json, see its provenance notes) and the
 * EKS node-allocatable model Karpenter's AWS provider uses (`pkg/providers/instancetype/types.go`):
 *
 *   allocatable = capacity − kube-reserved − system-reserved − eviction threshold
 *
 * with capacity memory = nominal MiB (−64 MiB on arm64) − ceil(MiB × VM_MEMORY_OVERHEAD_PERCENT = 0.075),
 * kube-reserved CPU = 6 % of core 1 + 1 % of core 2 + 0.5 % of cores 3–4 + 0.25 % of the rest,
 * kube-reserved memory = 11 × ENI-limited pods + 255 MiB, kube-reserved ephemeral-storage 1 Gi,
 * eviction memory.available 100 Mi and nodefs.available 10 % of the 20 Gi root volume.
 *
 * The JSON is read once, lazily, relative to this module (works from src/cloud and dist/cloud).
 */
import { readFileSync } from "node:fs";

export interface InstanceTypeInfo {
  name: string;
  family: string;
  category: string;
  generation: number;
  size: string;
  vcpu: number;
  /** EC2 nominal memory (MiB), not allocatable. */
  memoryMiB: number;
  arch: "amd64" | "arm64";
  hypervisor: string;
  bareMetal: boolean;
  maxENI: number;
  ipv4PerENI: number;
  /** ENI-limited max pods: maxENI × (ipv4PerENI − 1) + 2 (eni-max-pods.txt, uncapped). */
  maxPods: number;
  maxPodsPrefixDelegation: number | null;
  podENI: number | null;
  /** Karpenter's published figures (instance-types reference); used to check the model. */
  karpenterAllocatable: { cpuMillicores: number; memoryMiB: number; ephemeralStorageGiB: number; pods: number };
  onDemandUSDPerHour: Record<string, number>;
  onDemandPriceSource?: Record<string, string>;
  onDemandUSDPerHourEstimated: Record<string, { usd: number; basis: string }> | null;
  notListedInRegions?: string[];
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Karpenter's default VM_MEMORY_OVERHEAD_PERCENT. */
export const VM_MEMORY_OVERHEAD_PERCENT = 0.075;
/** Default EBS root volume of an EKS node (GiB). */
export const DEFAULT_ROOT_VOLUME_GIB = 20;

let table: InstanceTypeInfo[] | undefined;
let byName: Map<string, InstanceTypeInfo> | undefined;

function load(): Map<string, InstanceTypeInfo> {
  if (byName) return byName;
  const url = new URL("../../data/ec2-instance-types.json", import.meta.url);
  table = JSON.parse(readFileSync(url, "utf8")) as InstanceTypeInfo[];
  byName = new Map(table.map((t) => [t.name, t]));
  return byName;
}

/** The facts of one instance type, or undefined if it is not in the catalog. */
export function instanceType(name: string): InstanceTypeInfo | undefined {
  return load().get(name);
}

/** Like `instanceType` but throws a descriptive error. */
export function requireInstanceType(name: string): InstanceTypeInfo {
  const t = instanceType(name);
  if (!t) throw new Error(`unknown instance type "${name}"`);
  return t;
}

/** All catalog entries, in catalog order. */
export function instanceTypes(): readonly InstanceTypeInfo[] {
  load();
  return table!;
}

/**
 * On-demand Linux price (USD/hour) in `region`: the sourced price if there is one, otherwise the
 * estimated one (Seoul), otherwise undefined (not offered / no data).
 */
export function onDemandPrice(name: string, region: string): number | undefined {
  const t = instanceType(name);
  if (!t) return undefined;
  if (t.notListedInRegions?.includes(region)) return undefined;
  const direct = t.onDemandUSDPerHour[region];
  if (direct !== undefined) return direct;
  return t.onDemandUSDPerHourEstimated?.[region]?.usd;
}

export interface AllocatableOptions {
  /** NodeClass/kubelet maxPods override (pods capacity); kube-reserved memory still uses the ENI limit (AL2/AL2023). */
  maxPods?: number;
  /** kubelet podsPerCore: caps pods at podsPerCore × vCPU. */
  podsPerCore?: number;
  /** Default 0.075. */
  vmMemoryOverheadPercent?: number;
  /** Root volume (GiB), default 20. */
  rootVolumeGiB?: number;
  /** Eviction threshold memory.available (MiB), default 100. */
  evictionMemoryMiB?: number;
  /** kubelet kubeReserved overrides (replace the computed kube-reserved CPU / memory). */
  kubeReservedCpuMilli?: number;
  kubeReservedMemoryMiB?: number;
  /** Extra system-reserved (added to kube-reserved), default none. */
  systemReservedCpuMilli?: number;
  systemReservedMemoryMiB?: number;
}

export interface NodeResources {
  cpuMilli: number;
  memoryBytes: number;
  pods: number;
  ephemeralStorageBytes: number;
}

export interface EksNodeResources {
  capacity: NodeResources;
  allocatable: NodeResources;
  /** Convenience: allocatable memory in MiB (integral under the model). */
  memoryMiB: number;
  kubeReserved: { cpuMilli: number; memoryMiB: number; ephemeralStorageBytes: number };
  eviction: { memoryMiB: number; ephemeralStorageBytes: number };
}

/** kube-reserved CPU (millicores) for `vcpu` cores: 6 % / 1 % / 0.5 % ×2 / 0.25 % of the rest. */
export function kubeReservedCpuMilli(vcpu: number): number {
  const ranges: Array<[number, number, number]> = [
    [0, 1, 0.06],
    [1, 2, 0.01],
    [2, 4, 0.005],
    [4, Number.MAX_SAFE_INTEGER, 0.0025],
  ];
  let milli = 0;
  const cores = vcpu * 1000;
  for (const [start, end, pct] of ranges) {
    const s = start * 1000;
    const e = end === Number.MAX_SAFE_INTEGER ? Infinity : end * 1000;
    if (cores > s) milli += (Math.min(cores, e) - s) * pct;
  }
  return Math.floor(milli + 1e-9);
}

/** ENI-limited pods: maxENI × (IPv4 per ENI − 1) + 2. */
export function eniLimitedPods(t: InstanceTypeInfo, reservedENIs = 0): number {
  const enis = t.maxENI - reservedENIs;
  return enis <= 0 ? 0 : enis * (t.ipv4PerENI - 1) + 2;
}

/** Capacity and allocatable of an EKS (AL2023) node of this type under Karpenter's overhead model. */
export function eksAllocatable(type: string | InstanceTypeInfo, opts: AllocatableOptions = {}): EksNodeResources {
  const t = typeof type === "string" ? requireInstanceType(type) : type;
  const eniPods = eniLimitedPods(t);
  let pods = opts.maxPods ?? eniPods;
  if (opts.podsPerCore !== undefined && opts.podsPerCore > 0) pods = Math.min(pods, opts.podsPerCore * t.vcpu);

  const cpuCap = t.vcpu * 1000;
  const cpuReserved = opts.kubeReservedCpuMilli ?? kubeReservedCpuMilli(t.vcpu);
  const cpuAlloc = cpuCap - cpuReserved - (opts.systemReservedCpuMilli ?? 0);

  const nominal = t.memoryMiB - (t.arch === "arm64" ? 64 : 0);
  const vmOverhead = Math.ceil(nominal * (opts.vmMemoryOverheadPercent ?? VM_MEMORY_OVERHEAD_PERCENT) - 1e-9);
  const memCapMiB = nominal - vmOverhead;
  const memReservedMiB = opts.kubeReservedMemoryMiB ?? 11 * eniPods + 255; // AL2/AL2023: always the ENI-limited count
  const evictMiB = opts.evictionMemoryMiB ?? 100;
  const memAllocMiB = memCapMiB - memReservedMiB - (opts.systemReservedMemoryMiB ?? 0) - evictMiB;

  const rootBytes = (opts.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB) * GiB;
  const ephReserved = 1 * GiB;
  const ephEvict = Math.ceil(rootBytes * 0.1);
  const ephAlloc = rootBytes - ephReserved - ephEvict;

  return {
    capacity: { cpuMilli: cpuCap, memoryBytes: memCapMiB * MiB, pods, ephemeralStorageBytes: rootBytes },
    allocatable: { cpuMilli: cpuAlloc, memoryBytes: memAllocMiB * MiB, pods, ephemeralStorageBytes: ephAlloc },
    memoryMiB: memAllocMiB,
    kubeReserved: { cpuMilli: cpuReserved, memoryMiB: memReservedMiB, ephemeralStorageBytes: ephReserved },
    eviction: { memoryMiB: evictMiB, ephemeralStorageBytes: ephEvict },
  };
}
