/**
 * Load and usage as a scenario declares them (the `spec.load` and `spec.usage` sections of a
 * `kind: Scenario` document). Durations are milliseconds here; the scenario loader converts
 * "1m30s"-style strings. Quantities are already parsed to numbers.
 */

/**
 * Request-rate profile of an open-loop generator, in requests/second as a function of time. Profile
 * times (`atMs`, `overMs`, `peakAtMs`) count from the generator's start (from t = 0 for metric feeds).
 */
export type RateProfile =
  | { type: "constant"; rps: number }
  | { type: "steps"; steps: Array<{ atMs: number; rps: number }> }
  | { type: "ramp"; fromRps: number; toRps: number; overMs: number }
  | { type: "diurnal"; minRps: number; maxRps: number; periodMs: number; peakAtMs: number }
  | { type: "trace"; points: Array<{ atMs: number; rps: number }> }; // CSV trace, linear between points

export interface LoadGeneratorSpec {
  name: string;
  /** Target Service. */
  namespace: string;
  service: string;
  /** Active between these virtual times (ms since start); `stopMs` undefined = until the end. */
  startMs: number;
  stopMs?: number;
  /** Exactly one of the two. */
  openLoop?: { profile: RateProfile };
  /** N clients that each send one request, wait for the answer, then think (`while sleep 0.01; do wget …; done`). */
  closedLoop?: { clients: number; thinkTimeMs: number };
  /** Client-side timeout: a request slower than this counts as failed (default 30 s). */
  timeoutMs?: number;
  /**
   * Closed loop: the client's own time per request on top of `thinkTimeMs` (fork/exec of wget, DNS
   * lookup, TCP connect). Default 3 ms.
   */
  clientOverheadMs?: number;
}

/** Overrides of the built-in per-image usage models. First matching entry wins. */
export interface UsageOverride {
  match: { image?: string; namespace?: string; /** pod name prefix, e.g. the Deployment name */ workload?: string; container?: string };
  /** Constant CPU the container burns (millicores), in addition to request work. */
  cpuMilli?: number;
  /** CPU-seconds of work per served request (e.g. 0.2). */
  cpuSecondsPerRequest?: number;
  /** Working-set memory (bytes). */
  memoryBytes?: number;
  /** Extra working-set memory per in-flight request (bytes). */
  memoryPerRequestBytes?: number;
  /**
   * The container's process exits by itself this long after it starts (scenario `run: 30s`): a
   * batch task's running time. Overrides what the command says (see workload/exit.ts).
   */
  runMs?: number;
  /** Exit code of that exit (default 0; also replaces the exit code a recognised command would give). */
  exitCode?: number;
}

/**
 * A message queue (SQS) or topic (Kafka) the scenario feeds (`spec.queues`): a producer sends
 * messages at a rate profile (messages/s, from t = 0); the Running+Ready pods of a consumer workload
 * drain it at `perPodRate` messages/s each.
 */
export interface QueueSpec {
  name: string;
  type: "sqs" | "kafka" | "rabbitmq" | "redis";
  /** Kafka: partitions of the topic (default 1). SQS: always 1. */
  partitions: number;
  producer: { profile: RateProfile };
  consumer: {
    namespace: string;
    /** The consumer Deployment (its selector picks the pods); or `selector` (labels). */
    deployment?: string;
    selector?: Record<string, string>;
    /** Messages/s one Ready pod processes. */
    perPodRate: number;
    /** CPU-seconds of work per message (burned in the consumer container), optional. */
    cpuSecondsPerMessage?: number;
    /** Container doing the work (default: the pod's first container). */
    container?: string;
    /** Kafka consumer group id (default "<name>-consumers"). */
    group?: string;
    /** SQS: messages one consumer holds in flight while busy (ReceiveMessage MaxNumberOfMessages, default 1). */
    batchSize?: number;
    /**
     * Finishing consumers (work queues only), e.g. the Job pods of a KEDA ScaledJob: a pod's worker
     * container exits 0 once it has deleted this many messages. Unset: no limit.
     */
    messagesPerPod?: number;
    /**
     * Finishing consumers: the worker exits 0 after waiting this long (ms) with nothing to receive.
     * The scenario loader sets 20 s (SQS's longest long poll) when `messagesPerPod` is set; unset =
     * never. Setting either field makes the consumers finishing: each pod is then modelled as a
     * worker taking whole messages, instead of the fluid drain of plain consumers.
     */
    idleExitMs?: number;
  };
}
