/**
 * Cluster Autoscaler 1.32 command-line flags (config/flags/flags.go at cluster-autoscaler-1.32.x), as
 * users put them in the `cluster-autoscaler` Deployment's container command/args. Unknown flags are
 * kept (and reported) but ignored; values parse like Go's flag package (durations in Go syntax,
 * booleans `--x`, `--x=true|false`).
 *
 * 1.32 vs the spec's 1.36 cheat-sheet: the default expander is `random` (least-waste from 1.33);
 * `--max-empty-bulk-delete` (10) still exists; there is no `--blocking-system-pod-distruption-timeout`
 * (kube-system pods without a PDB always block scale-down); timed-out scale-ups are not reverted;
 * `--cordon-node-before-terminating` defaults to false (true from 1.34, kubernetes/autoscaler#8183);
 * `--frequent-loops-enabled` defaults to false (true from 1.35, kubernetes/autoscaler#8019), so a
 * loop runs every --scan-interval and neither a productive loop nor a new unschedulable pod starts
 * the next one early.
 */
import { parseDuration } from "../../core/duration.js";
import type { KubeObject } from "../../api/meta.js";

export const CA_VERSION = "1.32.1";

export interface AutoDiscoverySpec {
  /** Tag keys (value undefined = any value). */
  tags: Array<{ key: string; value?: string }>;
}

export interface CaOptions {
  cloudProvider: string;
  namespace: string;
  clusterName: string;
  scanIntervalMs: number;
  expander: string[];
  nodeGroupAutoDiscovery: AutoDiscoverySpec[];
  /** `--nodes=<min>:<max>:<asg>` */
  nodes: Array<{ min: number; max: number; name: string }>;
  balanceSimilarNodeGroups: boolean;
  balancingIgnoreLabels: string[];
  /** --balancing-label: when set, only these labels decide similarity. */
  balancingLabels: string[];
  memoryDifferenceRatio: number;
  maxAllocatableDifferenceRatio: number;
  maxFreeDifferenceRatio: number;
  skipNodesWithLocalStorage: boolean;
  skipNodesWithSystemPods: boolean;
  skipNodesWithCustomControllerPods: boolean;
  minReplicaCount: number;
  scaleDownEnabled: boolean;
  scaleDownDelayAfterAddMs: number;
  scaleDownDelayAfterDeleteMs: number;
  scaleDownDelayAfterFailureMs: number;
  scaleDownUnneededTimeMs: number;
  scaleDownUnreadyTimeMs: number;
  scaleDownUnreadyEnabled: boolean;
  scaleDownUtilizationThreshold: number;
  scaleDownGpuUtilizationThreshold: number;
  scaleDownNonEmptyCandidatesCount: number;
  scaleDownCandidatesPoolRatio: number;
  scaleDownCandidatesPoolMinCount: number;
  scaleDownSimulationTimeoutMs: number;
  maxEmptyBulkDelete: number;
  maxScaleDownParallelism: number;
  maxDrainParallelism: number;
  maxNodeProvisionTimeMs: number;
  maxNodeStartupTimeMs: number;
  maxNodesTotal: number;
  coresTotal: [number, number];
  /** GiB */
  memoryTotal: [number, number];
  maxNodesPerScaleUp: number;
  expendablePodsPriorityCutoff: number;
  newPodScaleUpDelayMs: number;
  initialNodeGroupBackoffMs: number;
  maxNodeGroupBackoffMs: number;
  nodeGroupBackoffResetTimeoutMs: number;
  maxGracefulTerminationSec: number;
  maxPodEvictionTimeMs: number;
  nodeDeleteDelayAfterTaintMs: number;
  unremovableNodeRecheckTimeoutMs: number;
  okTotalUnreadyCount: number;
  maxTotalUnreadyPercentage: number;
  writeStatusConfigMap: boolean;
  statusConfigMapName: string;
  ignoreDaemonSetsUtilization: boolean;
  ignoreMirrorPodsUtilization: boolean;
  cordonNodeBeforeTerminating: boolean;
  daemonSetEvictionForOccupiedNodes: boolean;
  daemonSetEvictionForEmptyNodes: boolean;
  frequentLoopsEnabled: boolean;
  recordDuplicatedEvents: boolean;
  /** Flags given that this simulator does not model (kept for the log). */
  ignored: string[];
}

export function defaultCaOptions(): CaOptions {
  return {
    cloudProvider: "aws",
    namespace: "kube-system",
    clusterName: "",
    scanIntervalMs: 10_000,
    expander: ["random"],
    nodeGroupAutoDiscovery: [],
    nodes: [],
    balanceSimilarNodeGroups: false,
    balancingIgnoreLabels: [],
    balancingLabels: [],
    memoryDifferenceRatio: 0.015,
    maxAllocatableDifferenceRatio: 0.05,
    maxFreeDifferenceRatio: 0.05,
    skipNodesWithLocalStorage: true,
    skipNodesWithSystemPods: true,
    skipNodesWithCustomControllerPods: true,
    minReplicaCount: 0,
    scaleDownEnabled: true,
    scaleDownDelayAfterAddMs: 10 * 60_000,
    scaleDownDelayAfterDeleteMs: 0,
    scaleDownDelayAfterFailureMs: 3 * 60_000,
    scaleDownUnneededTimeMs: 10 * 60_000,
    scaleDownUnreadyTimeMs: 20 * 60_000,
    scaleDownUnreadyEnabled: true,
    scaleDownUtilizationThreshold: 0.5,
    scaleDownGpuUtilizationThreshold: 0.5,
    scaleDownNonEmptyCandidatesCount: 30,
    scaleDownCandidatesPoolRatio: 0.1,
    scaleDownCandidatesPoolMinCount: 50,
    scaleDownSimulationTimeoutMs: 30_000,
    maxEmptyBulkDelete: 10,
    maxScaleDownParallelism: 10,
    maxDrainParallelism: 1,
    maxNodeProvisionTimeMs: 15 * 60_000,
    maxNodeStartupTimeMs: 15 * 60_000,
    maxNodesTotal: 0,
    coresTotal: [0, 320000],
    memoryTotal: [0, 6400000],
    maxNodesPerScaleUp: 1000,
    expendablePodsPriorityCutoff: -10,
    newPodScaleUpDelayMs: 0,
    initialNodeGroupBackoffMs: 5 * 60_000,
    maxNodeGroupBackoffMs: 30 * 60_000,
    nodeGroupBackoffResetTimeoutMs: 3 * 3_600_000,
    maxGracefulTerminationSec: 600,
    maxPodEvictionTimeMs: 2 * 60_000,
    nodeDeleteDelayAfterTaintMs: 5_000,
    unremovableNodeRecheckTimeoutMs: 5 * 60_000,
    okTotalUnreadyCount: 3,
    maxTotalUnreadyPercentage: 45,
    writeStatusConfigMap: true,
    statusConfigMapName: "cluster-autoscaler-status",
    ignoreDaemonSetsUtilization: false,
    ignoreMirrorPodsUtilization: false,
    cordonNodeBeforeTerminating: false,
    daemonSetEvictionForOccupiedNodes: true,
    daemonSetEvictionForEmptyNodes: false,
    frequentLoopsEnabled: false,
    recordDuplicatedEvents: false,
    ignored: [],
  };
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

type Setter = (o: CaOptions, v: string | undefined) => void;

function bool(v: string | undefined, flag: string): boolean {
  if (v === undefined || v === "" || v === "true" || v === "1" || v === "t" || v === "T" || v === "TRUE" || v === "True") return true;
  if (v === "false" || v === "0" || v === "f" || v === "F" || v === "FALSE" || v === "False") return false;
  throw new FlagError(`invalid boolean value "${v}" for -${flag}: parse error`);
}

function num(v: string | undefined, flag: string, int = false): number {
  const n = Number(v);
  if (v === undefined || v.trim() === "" || !Number.isFinite(n) || (int && !Number.isInteger(n))) {
    throw new FlagError(`invalid value "${v ?? ""}" for flag -${flag}: parse error`);
  }
  return n;
}

function dur(v: string | undefined, flag: string): number {
  if (v === undefined) throw new FlagError(`flag needs an argument: -${flag}`);
  try {
    return parseDuration(v);
  } catch {
    throw new FlagError(`invalid value "${v}" for flag -${flag}: parse error`);
  }
}

function range(v: string | undefined, flag: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(v ?? "");
  if (!m) throw new FlagError(`invalid value "${v ?? ""}" for flag -${flag}: expected format <min>:<max>`);
  return [Number(m[1]), Number(m[2])];
}

/** `asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<cluster>` */
export function parseAutoDiscovery(spec: string): AutoDiscoverySpec {
  const m = /^asg:(.*)$/.exec(spec);
  if (!m) throw new FlagError(`invalid node group auto discovery spec specified via --node-group-auto-discovery: ${spec}`);
  const tags: AutoDiscoverySpec["tags"] = [];
  for (const part of m[1]!.split(",").filter(Boolean)) {
    const body = part.startsWith("tag=") ? part.slice(4) : part;
    const eq = body.indexOf("=");
    if (eq >= 0) tags.push({ key: body.slice(0, eq), value: body.slice(eq + 1) });
    else tags.push({ key: body });
  }
  if (!m[1]!.startsWith("tag=") || tags.length === 0) {
    throw new FlagError(`invalid ASG tag for auto discovery specified: ASG tag must not be empty`);
  }
  return { tags };
}

const SETTERS: Record<string, Setter> = {
  "cloud-provider": (o, v) => (o.cloudProvider = v ?? ""),
  namespace: (o, v) => (o.namespace = v ?? "kube-system"),
  "cluster-name": (o, v) => (o.clusterName = v ?? ""),
  "scan-interval": (o, v) => (o.scanIntervalMs = dur(v, "scan-interval")),
  expander: (o, v) => (o.expander = (v ?? "").split(",").map((s) => s.trim()).filter(Boolean)),
  "node-group-auto-discovery": (o, v) => o.nodeGroupAutoDiscovery.push(parseAutoDiscovery(v ?? "")),
  nodes: (o, v) => {
    const m = /^(\d+):(\d+):(.+)$/.exec(v ?? "");
    if (!m) throw new FlagError(`failed to set nodes flag: wrong nodes configuration: ${v}`);
    o.nodes.push({ min: Number(m[1]), max: Number(m[2]), name: m[3]! });
  },
  "balance-similar-node-groups": (o, v) => (o.balanceSimilarNodeGroups = bool(v, "balance-similar-node-groups")),
  "balancing-ignore-label": (o, v) => o.balancingIgnoreLabels.push(v ?? ""),
  "balancing-label": (o, v) => o.balancingLabels.push(v ?? ""),
  "memory-difference-ratio": (o, v) => (o.memoryDifferenceRatio = num(v, "memory-difference-ratio")),
  "max-allocatable-difference-ratio": (o, v) => (o.maxAllocatableDifferenceRatio = num(v, "max-allocatable-difference-ratio")),
  "max-free-difference-ratio": (o, v) => (o.maxFreeDifferenceRatio = num(v, "max-free-difference-ratio")),
  "skip-nodes-with-local-storage": (o, v) => (o.skipNodesWithLocalStorage = bool(v, "skip-nodes-with-local-storage")),
  "skip-nodes-with-system-pods": (o, v) => (o.skipNodesWithSystemPods = bool(v, "skip-nodes-with-system-pods")),
  "skip-nodes-with-custom-controller-pods": (o, v) => (o.skipNodesWithCustomControllerPods = bool(v, "skip-nodes-with-custom-controller-pods")),
  "min-replica-count": (o, v) => (o.minReplicaCount = num(v, "min-replica-count", true)),
  "scale-down-enabled": (o, v) => (o.scaleDownEnabled = bool(v, "scale-down-enabled")),
  "scale-down-delay-after-add": (o, v) => (o.scaleDownDelayAfterAddMs = dur(v, "scale-down-delay-after-add")),
  "scale-down-delay-after-delete": (o, v) => (o.scaleDownDelayAfterDeleteMs = dur(v, "scale-down-delay-after-delete")),
  "scale-down-delay-after-failure": (o, v) => (o.scaleDownDelayAfterFailureMs = dur(v, "scale-down-delay-after-failure")),
  "scale-down-unneeded-time": (o, v) => (o.scaleDownUnneededTimeMs = dur(v, "scale-down-unneeded-time")),
  "scale-down-unready-time": (o, v) => (o.scaleDownUnreadyTimeMs = dur(v, "scale-down-unready-time")),
  "scale-down-unready-enabled": (o, v) => (o.scaleDownUnreadyEnabled = bool(v, "scale-down-unready-enabled")),
  "scale-down-utilization-threshold": (o, v) => (o.scaleDownUtilizationThreshold = num(v, "scale-down-utilization-threshold")),
  "scale-down-gpu-utilization-threshold": (o, v) => (o.scaleDownGpuUtilizationThreshold = num(v, "scale-down-gpu-utilization-threshold")),
  "scale-down-non-empty-candidates-count": (o, v) => (o.scaleDownNonEmptyCandidatesCount = num(v, "scale-down-non-empty-candidates-count", true)),
  "scale-down-candidates-pool-ratio": (o, v) => (o.scaleDownCandidatesPoolRatio = num(v, "scale-down-candidates-pool-ratio")),
  "scale-down-candidates-pool-min-count": (o, v) => (o.scaleDownCandidatesPoolMinCount = num(v, "scale-down-candidates-pool-min-count", true)),
  "scale-down-simulation-timeout": (o, v) => (o.scaleDownSimulationTimeoutMs = dur(v, "scale-down-simulation-timeout")),
  "max-empty-bulk-delete": (o, v) => (o.maxEmptyBulkDelete = num(v, "max-empty-bulk-delete", true)),
  "max-scale-down-parallelism": (o, v) => (o.maxScaleDownParallelism = num(v, "max-scale-down-parallelism", true)),
  "max-drain-parallelism": (o, v) => (o.maxDrainParallelism = num(v, "max-drain-parallelism", true)),
  "max-node-provision-time": (o, v) => (o.maxNodeProvisionTimeMs = dur(v, "max-node-provision-time")),
  "max-node-startup-time": (o, v) => (o.maxNodeStartupTimeMs = dur(v, "max-node-startup-time")),
  "max-nodes-total": (o, v) => (o.maxNodesTotal = num(v, "max-nodes-total", true)),
  "cores-total": (o, v) => (o.coresTotal = range(v, "cores-total")),
  "memory-total": (o, v) => (o.memoryTotal = range(v, "memory-total")),
  "max-nodes-per-scaleup": (o, v) => (o.maxNodesPerScaleUp = num(v, "max-nodes-per-scaleup", true)),
  "expendable-pods-priority-cutoff": (o, v) => (o.expendablePodsPriorityCutoff = num(v, "expendable-pods-priority-cutoff", true)),
  "new-pod-scale-up-delay": (o, v) => (o.newPodScaleUpDelayMs = dur(v, "new-pod-scale-up-delay")),
  "initial-node-group-backoff-duration": (o, v) => (o.initialNodeGroupBackoffMs = dur(v, "initial-node-group-backoff-duration")),
  "max-node-group-backoff-duration": (o, v) => (o.maxNodeGroupBackoffMs = dur(v, "max-node-group-backoff-duration")),
  "node-group-backoff-reset-timeout": (o, v) => (o.nodeGroupBackoffResetTimeoutMs = dur(v, "node-group-backoff-reset-timeout")),
  "max-graceful-termination-sec": (o, v) => (o.maxGracefulTerminationSec = num(v, "max-graceful-termination-sec", true)),
  "max-pod-eviction-time": (o, v) => (o.maxPodEvictionTimeMs = dur(v, "max-pod-eviction-time")),
  "node-delete-delay-after-taint": (o, v) => (o.nodeDeleteDelayAfterTaintMs = dur(v, "node-delete-delay-after-taint")),
  "unremovable-node-recheck-timeout": (o, v) => (o.unremovableNodeRecheckTimeoutMs = dur(v, "unremovable-node-recheck-timeout")),
  "ok-total-unready-count": (o, v) => (o.okTotalUnreadyCount = num(v, "ok-total-unready-count", true)),
  "max-total-unready-percentage": (o, v) => (o.maxTotalUnreadyPercentage = num(v, "max-total-unready-percentage")),
  "write-status-configmap": (o, v) => (o.writeStatusConfigMap = bool(v, "write-status-configmap")),
  "status-config-map-name": (o, v) => (o.statusConfigMapName = v ?? "cluster-autoscaler-status"),
  "ignore-daemonsets-utilization": (o, v) => (o.ignoreDaemonSetsUtilization = bool(v, "ignore-daemonsets-utilization")),
  "ignore-mirror-pods-utilization": (o, v) => (o.ignoreMirrorPodsUtilization = bool(v, "ignore-mirror-pods-utilization")),
  "cordon-node-before-terminating": (o, v) => (o.cordonNodeBeforeTerminating = bool(v, "cordon-node-before-terminating")),
  "daemonset-eviction-for-occupied-nodes": (o, v) => (o.daemonSetEvictionForOccupiedNodes = bool(v, "daemonset-eviction-for-occupied-nodes")),
  "daemonset-eviction-for-empty-nodes": (o, v) => (o.daemonSetEvictionForEmptyNodes = bool(v, "daemonset-eviction-for-empty-nodes")),
  "frequent-loops-enabled": (o, v) => (o.frequentLoopsEnabled = bool(v, "frequent-loops-enabled")),
  "record-duplicated-events": (o, v) => (o.recordDuplicatedEvents = bool(v, "record-duplicated-events")),
};

/** Boolean flags take no separate argument (`--x` alone means true), as in Go's flag package. */
const BOOL_FLAGS = new Set([
  "balance-similar-node-groups",
  "skip-nodes-with-local-storage",
  "skip-nodes-with-system-pods",
  "skip-nodes-with-custom-controller-pods",
  "scale-down-enabled",
  "scale-down-unready-enabled",
  "write-status-configmap",
  "ignore-daemonsets-utilization",
  "ignore-mirror-pods-utilization",
  "cordon-node-before-terminating",
  "daemonset-eviction-for-occupied-nodes",
  "daemonset-eviction-for-empty-nodes",
  "frequent-loops-enabled",
  "record-duplicated-events",
]);
/** Flags that only affect the real process (logging, leader election, kube client). */
const NO_OP = new Set(["v", "logtostderr", "stderrthreshold", "aws-use-static-instance-list", "leader-elect", "kubeconfig", "address", "profiling", "alsologtostderr", "log-file", "skip-headers"]);

/** Parse CA command-line arguments (`./cluster-autoscaler` itself and non-flags are skipped). */
export function parseCaFlags(args: readonly string[]): CaOptions {
  const o = defaultCaOptions();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-")) continue;
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    const set = SETTERS[name];
    if (!set) {
      if (!NO_OP.has(name)) o.ignored.push(name);
      if (value === undefined && i + 1 < args.length && !args[i + 1]!.startsWith("-")) i++;
      continue;
    }
    if (value === undefined && !BOOL_FLAGS.has(name)) {
      value = args[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: -${name}`);
    }
    set(o, value);
  }
  return o;
}

/** Is this the cluster-autoscaler Deployment (by name or by image)? */
export function isClusterAutoscalerDeployment(obj: KubeObject): boolean {
  if (obj.kind !== "Deployment") return false;
  const containers: Array<{ image?: string }> = obj.spec?.template?.spec?.containers ?? [];
  return containers.some((c) => /cluster-autoscaler/.test(c.image ?? "")) || /^cluster-autoscaler/.test(obj.metadata.name ?? "");
}

/** The command + args of the cluster-autoscaler container of a Deployment. */
export function caArgsOf(dep: KubeObject): string[] {
  const containers: Array<{ name?: string; image?: string; command?: string[]; args?: string[] }> = dep.spec?.template?.spec?.containers ?? [];
  const c = containers.find((x) => /cluster-autoscaler/.test(x.image ?? "") || x.name === "cluster-autoscaler") ?? containers[0];
  return [...(c?.command ?? []), ...(c?.args ?? [])];
}
