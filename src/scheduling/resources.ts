/**
 * Resource arithmetic of kube-scheduler 1.32 (k8s.io/component-helpers/resource PodRequests, the
 * NodeResourcesFit filter): pod requests/limits as a vector, node allocatable as a vector, and the fit
 * check that names the insufficient resources with upstream's reason strings.
 *
 * Units: cpu in millicores (MilliValue, rounded up), memory / ephemeral-storage / extended resources as
 * Value() (rounded up), pods as a count.
 */
import { bytesOf, cpuMilli } from "../core/quantity.js";

export interface ResourceVector {
  /** millicores */
  cpu: number;
  /** bytes */
  memory: number;
  pods: number;
  /** bytes */
  ephemeralStorage: number;
  /** Extended / scalar resources (e.g. `nvidia.com/gpu`, `hugepages-2Mi`) by resource name. */
  [extended: string]: number;
}

type ResourceList = Readonly<Record<string, string | number>> | undefined;

interface ContainerLike {
  resources?: { requests?: ResourceList; limits?: ResourceList };
  restartPolicy?: string;
}

export interface PodLike {
  spec?: {
    containers?: readonly ContainerLike[];
    initContainers?: readonly ContainerLike[];
    overhead?: ResourceList;
  };
}

/** schedutil.DefaultMilliCPURequest: 0.1 core, used for scoring containers without a cpu request. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** schedutil.DefaultMemoryRequest: 200 MiB, used for scoring containers without a memory request. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyVector(): ResourceVector {
  return { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 };
}

const CORE_KEYS = new Set(["cpu", "memory", "pods", "ephemeralStorage"]);

/** Names of the extended (scalar) resources present in a vector. */
export function extendedKeys(v: ResourceVector): string[] {
  const out: string[] = [];
  for (const k in v) if (!CORE_KEYS.has(k)) out.push(k);
  return out;
}

function quantityOf(name: string, q: string | number): number {
  return name === "cpu" ? cpuMilli(q) : bytesOf(q);
}

function fieldOf(name: string): string {
  return name === "ephemeral-storage" ? "ephemeralStorage" : name;
}

/** Add a ResourceList into a vector (in place). */
export function addList(v: ResourceVector, rl: ResourceList): void {
  if (!rl) return;
  for (const name in rl) {
    const f = fieldOf(name);
    v[f] = (v[f] ?? 0) + quantityOf(name, rl[name]!);
  }
}

/** Parse a ResourceList (e.g. node status.allocatable) into a vector. */
export function parseResourceList(rl: ResourceList): ResourceVector {
  const v = emptyVector();
  addList(v, rl);
  return v;
}

export function addInto(a: ResourceVector, b: ResourceVector): ResourceVector {
  for (const k in b) a[k] = (a[k] ?? 0) + b[k]!;
  return a;
}

export function subtractInto(a: ResourceVector, b: ResourceVector): ResourceVector {
  for (const k in b) a[k] = (a[k] ?? 0) - b[k]!;
  return a;
}

function maxInto(a: ResourceVector, b: ResourceVector): void {
  for (const k in b) if (b[k]! > (a[k] ?? 0)) a[k] = b[k]!;
}

function copy(v: ResourceVector): ResourceVector {
  return { ...v };
}

/**
 * A container's effective requests: API defaulting copies limits into missing requests, so a
 * container with only limits requests its limits.
 */
function containerRequests(c: ContainerLike, nonMissing: boolean): ResourceVector {
  const v = emptyVector();
  const req = c.resources?.requests;
  const lim = c.resources?.limits;
  addList(v, req);
  if (lim) {
    for (const name in lim) {
      if (req && name in req) continue;
      const f = fieldOf(name);
      v[f] = (v[f] ?? 0) + quantityOf(name, lim[name]!);
    }
  }
  if (nonMissing) {
    if (!has(req, "cpu") && !has(lim, "cpu")) v.cpu = DEFAULT_MILLI_CPU_REQUEST;
    if (!has(req, "memory") && !has(lim, "memory")) v.memory = DEFAULT_MEMORY_REQUEST;
  }
  return v;
}

function has(rl: ResourceList, name: string): boolean {
  return rl !== undefined && Object.prototype.hasOwnProperty.call(rl, name);
}

function aggregate(pod: PodLike, per: (c: ContainerLike) => ResourceVector, overhead: boolean): ResourceVector {
  const reqs = emptyVector();
  for (const c of pod.spec?.containers ?? []) addInto(reqs, per(c));
  const restartable = emptyVector();
  const initMax = emptyVector();
  for (const c of pod.spec?.initContainers ?? []) {
    let cr = per(c);
    if (c.restartPolicy === "Always") {
      // Sidecars run for the pod's lifetime: they add to the total and to every later init step.
      addInto(reqs, cr);
      addInto(restartable, cr);
      cr = copy(restartable);
    } else {
      cr = addInto(cr, restartable);
    }
    maxInto(initMax, cr);
  }
  maxInto(reqs, initMax);
  if (overhead) addList(reqs, pod.spec?.overhead);
  reqs.pods = 1;
  return reqs;
}

/**
 * resourcehelper.PodRequests: max(sum of app containers + sidecars, max over init steps) + overhead.
 * `pods` is 1 (a pod takes one pod slot).
 */
export function podRequests(pod: PodLike): ResourceVector {
  return aggregate(pod, (c) => containerRequests(c, false), true);
}

/**
 * Requests with the scheduler's non-zero defaults (100m cpu, 200Mi memory for containers that set
 * neither request nor limit), used by the scoring plugins (NodeResourcesFit LeastAllocated).
 */
export function podNonZeroRequests(pod: PodLike): ResourceVector {
  return aggregate(pod, (c) => containerRequests(c, true), true);
}

/** resourcehelper.PodLimits: same aggregation over limits (no limit = 0 for that container). */
export function podLimits(pod: PodLike): ResourceVector {
  return aggregate(
    pod,
    (c) => {
      const v = emptyVector();
      addList(v, c.resources?.limits);
      return v;
    },
    true,
  );
}

/** Node status.allocatable (falling back to capacity, as a node without allocatable reports it). */
export function nodeAllocatable(node: { status?: { allocatable?: ResourceList; capacity?: ResourceList } }): ResourceVector {
  return parseResourceList(node.status?.allocatable ?? node.status?.capacity);
}

export interface InsufficientResource {
  /** `cpu`, `memory`, `pods`, `ephemeral-storage` or the extended resource name. */
  resourceName: string;
  /** Upstream reason: `Insufficient cpu`, `Too many pods`, … */
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/**
 * NodeResourcesFit's fitsRequest: which resources do not fit on a node with `allocatable`, of which
 * `requested` is already requested by `podCount` pods. Order as upstream: pods, cpu, memory,
 * ephemeral-storage, extended.
 */
export function insufficientResources(
  pod: ResourceVector,
  requested: ResourceVector,
  allocatable: ResourceVector,
  podCount: number,
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  if (podCount + 1 > allocatable.pods) {
    out.push({ resourceName: "pods", reason: "Too many pods", requested: 1, used: podCount, capacity: allocatable.pods });
  }
  let anyScalar = false;
  for (const k in pod) {
    if (!CORE_KEYS.has(k) && pod[k]! !== 0) {
      anyScalar = true;
      break;
    }
  }
  if (pod.cpu === 0 && pod.memory === 0 && pod.ephemeralStorage === 0 && !anyScalar) return out;
  if (pod.cpu > 0 && pod.cpu > allocatable.cpu - requested.cpu) {
    out.push({ resourceName: "cpu", reason: "Insufficient cpu", requested: pod.cpu, used: requested.cpu, capacity: allocatable.cpu });
  }
  if (pod.memory > 0 && pod.memory > allocatable.memory - requested.memory) {
    out.push({ resourceName: "memory", reason: "Insufficient memory", requested: pod.memory, used: requested.memory, capacity: allocatable.memory });
  }
  if (pod.ephemeralStorage > 0 && pod.ephemeralStorage > allocatable.ephemeralStorage - requested.ephemeralStorage) {
    out.push({
      resourceName: "ephemeral-storage",
      reason: "Insufficient ephemeral-storage",
      requested: pod.ephemeralStorage,
      used: requested.ephemeralStorage,
      capacity: allocatable.ephemeralStorage,
    });
  }
  if (anyScalar) {
    for (const k in pod) {
      if (CORE_KEYS.has(k)) continue;
      const q = pod[k]!;
      if (q === 0) continue;
      const alloc = allocatable[k] ?? 0;
      const used = requested[k] ?? 0;
      if (q > alloc - used) out.push({ resourceName: k, reason: `Insufficient ${k}`, requested: q, used, capacity: alloc });
    }
  }
  return out;
}

/** True when `insufficientResources` would be empty (allocation-free fast path). */
export function fits(pod: ResourceVector, requested: ResourceVector, allocatable: ResourceVector, podCount: number): boolean {
  if (podCount + 1 > allocatable.pods) return false;
  if (pod.cpu > 0 && pod.cpu > allocatable.cpu - requested.cpu) return false;
  if (pod.memory > 0 && pod.memory > allocatable.memory - requested.memory) return false;
  if (pod.ephemeralStorage > 0 && pod.ephemeralStorage > allocatable.ephemeralStorage - requested.ephemeralStorage) return false;
  for (const k in pod) {
    if (CORE_KEYS.has(k)) continue;
    const q = pod[k]!;
    if (q !== 0 && q > (allocatable[k] ?? 0) - (requested[k] ?? 0)) return false;
  }
  return true;
}
