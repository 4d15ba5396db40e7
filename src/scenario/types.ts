/**
 * The `kind: Scenario` document (apiVersion scalelab.dev/v1alpha1) after loading: everything that is
 * not an ordinary Kubernetes manifest. Times are virtual milliseconds since the start.
 */
import type { KubeObject } from "../api/meta.js";
import type { SloSpec } from "./slo.js";
import type { LoadGeneratorSpec, QueueSpec, RateProfile, UsageOverride } from "../workload/types.js";

export interface NodeGroupSpec {
  name: string;
  instanceType: string;
  capacityType: "ON_DEMAND" | "SPOT";
  desired: number;
  min: number;
  max: number;
  /** Zones to spread nodes over (default: all scenario zones). */
  zones?: string[];
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }>;
}

/** A metric series the scenario feeds to custom.metrics.k8s.io or external.metrics.k8s.io. */
export interface MetricFeedSpec {
  name: string;
  type: "External" | "Pods" | "Object";
  namespace?: string;
  /** Labels of the series (matched by the HPA's metric.selector). */
  labels?: Record<string, string>;
  /** For Object metrics: the described object. */
  object?: { kind: string; name: string; apiVersion?: string };
  /** Value over time (same shapes as a load profile; `rps` fields carry the metric value). */
  profile: RateProfile;
}

export type TimelineAction =
  | { type: "apply"; objects: KubeObject[]; source: string }
  | { type: "delete"; kind: string; namespace?: string; name: string; source: string }
  | { type: "scale"; kind: string; namespace?: string; name: string; replicas: number; source: string }
  | { type: "patch"; kind: string; namespace?: string; name: string; patch: unknown; patchType: "merge" | "strategic" | "json"; source: string }
  | { type: "startLoad"; name: string; source: string }
  | { type: "stopLoad"; name: string; source: string }
  | { type: "setLoad"; name: string; clients?: number; rps?: number; /** closed loop: new think time */ thinkTimeMs?: number; source: string }
  /** A spot interruption notice (EC2 reclaims the instance 2 minutes later) for a node, a NodeClaim, or the oldest running NodeClaim of a NodePool. */
  | { type: "interrupt"; node?: string; nodeClaim?: string; nodePool?: string; source: string }
  /** Set a managed node group's desired size (clamped to its min/max), like `eksctl scale nodegroup --nodes=N`. */
  | { type: "scaleNodeGroup"; name: string; desired: number; source: string };

/** `spec.karpenter`: the Karpenter controller's settings (helm values / environment). */
export interface KarpenterSettings {
  featureGates: { SpotToSpotConsolidation: boolean };
  /** BATCH_IDLE_DURATION, default 1 s. */
  batchIdleDurationMs: number;
  /** BATCH_MAX_DURATION, default 10 s. */
  batchMaxDurationMs: number;
}

/** An offering the simulated EC2 has no capacity for (CreateFleet answers InsufficientInstanceCapacity). */
export interface InsufficientCapacitySpec {
  instanceType?: string;
  zone?: string;
  capacityType?: "spot" | "on-demand";
}

/** `spec.aws`: the simulated AWS account. */
export interface AwsSettings {
  /** CreateFleet → instance running; undefined = the simulated AWS's own default. */
  launchDelayMs?: number;
  /** Probability that a CreateFleet override has no capacity (per launch attempt), default 0. */
  iceRate: number;
  insufficientCapacity: InsufficientCapacitySpec[];
}

export interface TimelineEntry {
  atMs: number;
  action: TimelineAction;
}

export interface ScenarioSpec {
  name: string;
  region: string;
  zones: string[];
  durationMs: number;
  seed: number;
  /** Calendar time of t = 0 (Unix ms); default 2025-01-01T00:00:00Z. */
  startTimeMs: number;
  nodeGroups: NodeGroupSpec[];
  load: LoadGeneratorSpec[];
  usage: UsageOverride[];
  metrics: MetricFeedSpec[];
  /** SQS queues and Kafka topics fed by a producer and drained by a consumer workload (optional). */
  queues?: QueueSpec[];
  timeline: TimelineEntry[];
  /** Karpenter settings (always filled by the loader; optional for hand-built specs). */
  karpenter?: KarpenterSettings;
  /** Simulated AWS settings (always filled by the loader; optional for hand-built specs). */
  aws?: AwsSettings;
  /** Service-level objectives the summary reports as met or missed (`spec.slo`). */
  slo?: SloSpec;
  /** Controller settings (kube-controller-manager flags, metrics-server resolution, …). */
  settings: {
    metricResolutionMs: number; // metrics-server --metric-resolution, default 15 s
    hpaSyncPeriodMs: number; // default 15 s
    hpaTolerance: number; // default 0.1
    hpaDownscaleStabilizationMs: number; // default 5 min
    hpaCpuInitializationPeriodMs: number; // default 5 min
    hpaInitialReadinessDelayMs: number; // default 30 s
    podStartupDelayMs: number; // image pull + container start, default 3 s (jittered)
    nodeStartupDelayMs: number; // instance launch → Ready, default 60 s
  };
}

/** A whole loaded scenario: the Scenario document plus the manifests applied at t = 0. */
export interface Scenario {
  spec: ScenarioSpec;
  objects: Array<{ object: KubeObject; source: string }>;
  /** The file it came from (for messages). */
  file: string;
}
