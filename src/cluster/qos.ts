/**
 * Pod QoS class (k8s.io/kubernetes pkg/apis/core/v1/helper/qos ComputePodQOS) and the kubelet's
 * container oom_score_adj (pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust), Kubernetes 1.32.
 *
 * QoS: only cpu and memory count, zero quantities are ignored, init containers count like app
 * containers. No requests and no limits anywhere → BestEffort. Every container limits both cpu and
 * memory and the summed requests equal the summed limits → Guaranteed. Otherwise Burstable.
 * Requests missing where a limit is set are taken to equal the limit (kube-apiserver defaulting), so
 * the result is right for pods that did not pass through defaulting too.
 */
import { bytesOf, cpuMilli } from "../core/quantity.js";

export type QOSClass = "Guaranteed" | "Burstable" | "BestEffort";

export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;
export const KUBELET_OOM_SCORE_ADJ = -999;
export const KUBE_PROXY_OOM_SCORE_ADJ = -999;

interface ContainerLike {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

interface PodLike {
  spec?: { containers?: ContainerLike[]; initContainers?: ContainerLike[]; priorityClassName?: string };
  status?: { qosClass?: string };
}

function amount(resource: "cpu" | "memory", q: unknown): number {
  if (q === undefined || q === null) return 0;
  return resource === "cpu" ? cpuMilli(q as string | number) : bytesOf(q as string | number);
}

/** Effective request of a container (request, or the limit when the request is absent). */
function effectiveRequest(c: ContainerLike, resource: "cpu" | "memory"): number {
  const req = c.resources?.requests?.[resource];
  if (req !== undefined && req !== null) return amount(resource, req);
  return amount(resource, c.resources?.limits?.[resource]);
}

/** ComputePodQOS: the class from the spec alone. */
export function computePodQOS(pod: PodLike): QOSClass {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let reqCpu = 0;
  let reqMem = 0;
  let limCpu = 0;
  let limMem = 0;
  let anyReq = false;
  let anyLim = false;
  let guaranteed = true;
  for (const c of containers) {
    const rc = effectiveRequest(c, "cpu");
    const rm = effectiveRequest(c, "memory");
    if (rc > 0) (reqCpu += rc), (anyReq = true);
    if (rm > 0) (reqMem += rm), (anyReq = true);
    const lc = amount("cpu", c.resources?.limits?.cpu);
    const lm = amount("memory", c.resources?.limits?.memory);
    if (lc > 0) (limCpu += lc), (anyLim = true);
    if (lm > 0) (limMem += lm), (anyLim = true);
    if (!(lc > 0 && lm > 0)) guaranteed = false;
  }
  if (!anyReq && !anyLim) return "BestEffort";
  if (guaranteed && reqCpu === limCpu && reqMem === limMem) return "Guaranteed";
  return "Burstable";
}

/** GetPodQOS: status.qosClass when the kubelet/apiserver already set it, else computed. */
export function getPodQOS(pod: PodLike): QOSClass {
  const s = pod.status?.qosClass;
  if (s === "Guaranteed" || s === "Burstable" || s === "BestEffort") return s;
  return computePodQOS(pod);
}

/** types.IsNodeCriticalPod (priority class system-node-critical). */
export function isNodeCriticalPod(pod: PodLike): boolean {
  return pod.spec?.priorityClassName === "system-node-critical";
}

function isSidecar(pod: PodLike, c: ContainerLike): boolean {
  return c.restartPolicy === "Always" && (pod.spec?.initContainers ?? []).some((i) => i.name === c.name);
}

function memoryRequest(c: ContainerLike): number {
  return effectiveRequest(c, "memory");
}

/**
 * oom_score_adj the kubelet gives `container`'s processes on a node with `memoryCapacityBytes`:
 * node-critical and Guaranteed −997, BestEffort 1000, Burstable 1000 − 1000·request/capacity (integer
 * division) clamped to [3, 999] (3 = 1000 + guaranteed adj; 1000 becomes 999). Sidecars get at most
 * the score of the smallest regular container.
 */
export function containerOOMScoreAdjust(pod: PodLike, container: ContainerLike, memoryCapacityBytes: number): number {
  if (isNodeCriticalPod(pod)) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = getPodQOS(pod);
  if (qos === "Guaranteed") return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === "BestEffort") return BESTEFFORT_OOM_SCORE_ADJ;
  const adj = (req: number) => 1000 - Math.trunc((1000 * req) / memoryCapacityBytes);
  let score = adj(memoryRequest(container));
  if (isSidecar(pod, container)) {
    const regular = pod.spec?.containers ?? [];
    if (regular.length > 0) {
      let min = memoryRequest(regular[0]!);
      for (let i = 1; i < regular.length; i++) min = Math.min(min, memoryRequest(regular[i]!));
      score = Math.min(score, adj(min));
    }
  }
  if (score < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (score === BESTEFFORT_OOM_SCORE_ADJ) return score - 1;
  return score;
}
