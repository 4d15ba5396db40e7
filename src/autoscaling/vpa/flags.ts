/**
 * VPA 1.3 command-line flags, as the vpa-recommender / vpa-updater / vpa-admission-controller
 * Deployments pass them (upstream vertical-pod-autoscaler/deploy/*-deployment.yaml, or the Helm
 * chart). The binaries parse with pflag over Go flags (kube_flag.InitFlags: `_` and `-` are the same
 * in names; a bad value prints `invalid argument "x" for "--name" flag: parse error`; an unknown
 * flag `unknown flag: --name`; either exits 2, so the component never runs).
 *
 * Here: flags the model uses set RecommenderOptions / UpdaterOptions; real flags it does not model
 * (TLS, kube client, Prometheus history, leader election …) are ignored with a warning; logging
 * flags are accepted silently. A flag the binary does not have, or a bad value, is a scenario error
 * naming the argument — the alternative, a simulated VPA that runs where the real one crash-loops,
 * would be a silent lie.
 */
import type { KubeObject } from "../../api/meta.js";
import { parseDuration } from "../../core/duration.js";
import type { RecommenderOptions } from "./recommender.js";
import type { UpdaterOptions } from "./updater.js";

export type VpaComponent = "recommender" | "updater" | "admission-controller";
export const VPA_COMPONENTS: readonly VpaComponent[] = ["recommender", "updater", "admission-controller"];

export class VpaFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VpaFlagError";
  }
}

type Kind = "duration" | "float" | "int" | "bool" | "string";

function parseValue(kind: Kind, name: string, v: string): number | boolean | string {
  const bad = (): never => {
    throw new VpaFlagError(`invalid argument "${v}" for "--${name}" flag: parse error`);
  };
  switch (kind) {
    case "duration":
      try {
        return parseDuration(v);
      } catch {
        return bad();
      }
    case "float": {
      const n = v.trim() === "" ? NaN : Number(v);
      return Number.isNaN(n) ? bad() : n;
    }
    case "int":
      return /^[+-]?\d+$/.test(v) ? Number(v) : bad();
    case "bool":
      if (/^(1|t|T|TRUE|true|True)$/.test(v)) return true;
      if (/^(0|f|F|FALSE|false|False)$/.test(v)) return false;
      return bad();
    case "string":
      return v;
  }
}

interface FlagSpec<O> {
  kind: Kind;
  // The value's type follows `kind` (ms for durations, numbers, booleans, strings).
  set?: (o: O, v: any) => void;
}

const f = <O>(kind: Kind, set?: (o: O, v: any) => void): FlagSpec<O> => (set ? { kind, set } : { kind });

type RecOpts = RecommenderOptions & { config: NonNullable<RecommenderOptions["config"]> };

const RECOMMENDER_FLAGS: Record<string, FlagSpec<RecOpts>> = {
  "recommender-interval": f("duration", (o, v) => (o.intervalMs = v)),
  "checkpoints-gc-interval": f("duration", (o, v) => (o.checkpointsGcIntervalMs = v)),
  storage: f("string", (o, v) => (o.useCheckpoints = v !== "prometheus")),
  // Only VPA-matched pods are tracked here anyway.
  "memory-saver": f("bool"),
  "pod-recommendation-min-cpu-millicores": f("float", (o, v) => (o.config.podMinCpuMillicores = v)),
  "pod-recommendation-min-memory-mb": f("float", (o, v) => (o.config.podMinMemoryMb = v)),
  "target-cpu-percentile": f("float", (o, v) => (o.config.targetCpuPercentile = v)),
  "target-memory-percentile": f("float", (o, v) => (o.config.targetMemoryPercentile = v)),
  "recommendation-lower-bound-cpu-percentile": f("float", (o, v) => (o.config.lowerBoundCpuPercentile = v)),
  "recommendation-upper-bound-cpu-percentile": f("float", (o, v) => (o.config.upperBoundCpuPercentile = v)),
  "recommendation-lower-bound-memory-percentile": f("float", (o, v) => (o.config.lowerBoundMemoryPercentile = v)),
  "recommendation-upper-bound-memory-percentile": f("float", (o, v) => (o.config.upperBoundMemoryPercentile = v)),
  "recommendation-margin-fraction": f("float", (o, v) => (o.config.marginFraction = v)),
  "cpu-histogram-decay-half-life": f("duration", (o, v) => (o.config.cpuHalfLifeMs = v)),
  "memory-histogram-decay-half-life": f("duration", (o, v) => (o.config.memoryHalfLifeMs = v)),
  "memory-aggregation-interval": f("duration", (o, v) => (o.config.memoryAggregationIntervalMs = v)),
  "memory-aggregation-interval-count": f("int", (o, v) => (o.config.memoryAggregationIntervalCount = v)),
  "oom-bump-up-ratio": f("float", (o, v) => (o.config.oomBumpUpRatio = v)),
  "oom-min-bump-up-bytes": f("float", (o, v) => (o.config.oomMinBumpUpBytes = v)),
  "confidence-interval-cpu": f("duration", (o, v) => (o.config.confidenceIntervalCpuMs = v)),
  "confidence-interval-memory": f("duration", (o, v) => (o.config.confidenceIntervalMemoryMs = v)),
};

const UPDATER_FLAGS: Record<string, FlagSpec<UpdaterOptions>> = {
  "updater-interval": f("duration", (o, v) => (o.intervalMs = v)),
  "min-replicas": f("int", (o, v) => (o.minReplicas = v)),
  "eviction-tolerance": f("float", (o, v) => (o.evictionTolerance = v)),
  "eviction-rate-limit": f("float", (o, v) => (o.evictionRateLimit = v)),
  "eviction-rate-burst": f("int", (o, v) => (o.evictionRateBurst = v)),
  "evict-after-oom-threshold": f("duration", (o, v) => (o.evictAfterOomThresholdMs = v)),
  "in-recommendation-bounds-eviction-lifetime-threshold": f("duration", (o, v) => (o.podLifetimeUpdateThresholdMs = v)),
  "pod-update-threshold": f("float", (o, v) => (o.minChangePriority = v)),
  // The admission controller's status lease is always fresh here.
  "use-admission-controller-status": f("bool"),
};

/** Real flags of the binaries whose effect is not simulated: accepted with a warning. */
const COMMON_UNSIMULATED: Record<string, Kind> = {
  address: "string",
  kubeconfig: "string",
  "kube-api-qps": "float",
  "kube-api-burst": "float",
  profiling: "bool",
  "vpa-object-namespace": "string",
  "ignored-vpa-object-namespaces": "string",
  "feature-gates": "string",
  "leader-elect": "bool",
  "leader-elect-lease-duration": "duration",
  "leader-elect-renew-deadline": "duration",
  "leader-elect-retry-period": "duration",
  "leader-elect-resource-lock": "string",
  "leader-elect-resource-name": "string",
  "leader-elect-resource-namespace": "string",
};
const UNSIMULATED: Record<VpaComponent, Record<string, Kind>> = {
  recommender: {
    ...COMMON_UNSIMULATED,
    "recommender-name": "string",
    "min-checkpoints": "int",
    "checkpoints-timeout": "duration",
    "update-worker-count": "int",
    "prometheus-address": "string",
    "prometheus-cadvisor-job-name": "string",
    "history-length": "string",
    "history-resolution": "string",
    "prometheus-query-timeout": "string",
    "pod-label-prefix": "string",
    "metric-for-pod-labels": "string",
    "pod-namespace-label": "string",
    "pod-name-label": "string",
    "container-namespace-label": "string",
    "container-pod-name-label": "string",
    "container-name-label": "string",
    username: "string",
    password: "string",
    "cpu-integer-post-processor-enabled": "bool",
    "use-external-metrics": "bool",
    "external-metrics-cpu-metric": "string",
    "external-metrics-memory-metric": "string",
    "round-cpu-millicores": "int",
    "round-memory-bytes": "int",
    "container-recommendation-max-allowed-cpu": "string",
    "container-recommendation-max-allowed-memory": "string",
    "humanize-memory": "bool",
  },
  updater: { ...COMMON_UNSIMULATED },
  "admission-controller": {
    ...COMMON_UNSIMULATED,
    "client-ca-file": "string",
    "tls-cert-file": "string",
    "tls-private-key": "string",
    "reload-cert": "bool",
    port: "int",
    "webhook-address": "string",
    "webhook-port": "string",
    "webhook-service": "string",
    "webhook-timeout-seconds": "int",
    "webhook-labels": "string",
    "webhook-failure-policy-fail": "bool",
    "register-webhook": "bool",
    "register-by-url": "bool",
    "min-tls-version": "string",
    "tls-ciphers": "string",
  },
};

/** klog / component-base logging flags: accepted, no effect on decisions, no warning. */
const LOGGING: Record<string, Kind> = {
  v: "int",
  vmodule: "string",
  logtostderr: "bool",
  alsologtostderr: "bool",
  stderrthreshold: "string",
  "log-dir": "string",
  "log-file": "string",
  "log-file-max-size": "int",
  "log-backtrace-at": "string",
  "skip-headers": "bool",
  "skip-log-headers": "bool",
  "add-dir-header": "bool",
  "one-output": "bool",
};

export interface ParsedFlags<O> {
  options: O;
  /** Real flags whose effect is not simulated. */
  ignored: string[];
}

/**
 * pflag-style parsing of one component's arguments: `--name=value`, `--name value`, `-v=4`;
 * booleans without a value are true; non-flag arguments (the binary's own path) are skipped.
 * Throws VpaFlagError with the argument index.
 */
function parse<O>(args: readonly string[], known: Record<string, FlagSpec<O>>, unsimulated: Record<string, Kind>, options: O): ParsedFlags<O> {
  const ignored: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a === "-") continue;
    if (a === "--") break;
    let body: string;
    if (a.startsWith("--")) body = a.slice(2);
    else {
      body = a.slice(1);
      // A single dash introduces shorthand flags; only the one-letter klog -v has one.
      if (!/^v(=|$)/.test(body)) throw new ArgError(i, `unknown shorthand flag: '${body[0]}' in ${a}`);
    }
    const eq = body.indexOf("=");
    const name = (eq >= 0 ? body.slice(0, eq) : body).replace(/_/g, "-");
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = known[name];
    const kind = spec?.kind ?? unsimulated[name] ?? LOGGING[name];
    if (kind === undefined) throw new ArgError(i, `unknown flag: --${name}`);
    if (value === undefined) {
      if (kind === "bool") value = "true";
      else {
        if (i + 1 >= args.length) throw new ArgError(i, `flag needs an argument: --${name}`);
        value = args[++i]!;
      }
    }
    let parsed: number | boolean | string;
    try {
      parsed = parseValue(kind, name, value);
    } catch (e) {
      throw new ArgError(i, (e as Error).message);
    }
    if (spec) spec.set?.(options, parsed);
    else if (!(name in LOGGING)) ignored.push(name);
  }
  return { options, ignored };
}

/** A flag problem at argument `index` of the component's command + args. */
export class ArgError extends VpaFlagError {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseRecommenderFlags(args: readonly string[]): ParsedFlags<RecommenderOptions> {
  const r = parse<RecOpts>(args, RECOMMENDER_FLAGS, UNSIMULATED.recommender, { config: {} });
  if (Object.keys(r.options.config).length === 0) delete (r.options as RecommenderOptions).config;
  return r;
}

export function parseUpdaterFlags(args: readonly string[]): ParsedFlags<UpdaterOptions> {
  return parse<UpdaterOptions>(args, UPDATER_FLAGS, UNSIMULATED.updater, {});
}

export function parseAdmissionControllerFlags(args: readonly string[]): ParsedFlags<Record<string, never>> {
  return parse<Record<string, never>>(args, {}, UNSIMULATED["admission-controller"], {});
}

interface ContainerSpec {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
}

const IMAGE = /(^|\/)vpa-(recommender|updater|admission-controller)(:|@|$)/;

/** Which VPA component a Deployment runs (by image, registry.k8s.io/autoscaling/vpa-<c>, or by name vpa-<c>). */
export function vpaComponentOf(obj: KubeObject): { component: VpaComponent; container: number } | undefined {
  if (obj.kind !== "Deployment") return undefined;
  const containers: ContainerSpec[] = obj.spec?.template?.spec?.containers ?? [];
  for (const [i, c] of containers.entries()) {
    const m = IMAGE.exec(c.image ?? "");
    if (m) return { component: m[2] as VpaComponent, container: i };
  }
  const byName = /^vpa-(recommender|updater|admission-controller)$/.exec(obj.metadata.name ?? "");
  return byName && containers.length ? { component: byName[1] as VpaComponent, container: 0 } : undefined;
}

export interface VpaConfigProblem {
  /** The manifest's source (scenario document or timeline entry). */
  source: string;
  message: string;
}

export interface VpaComponentsConfig {
  recommender: RecommenderOptions;
  updater: UpdaterOptions;
  /** Per component, real flags that are not simulated (logged as warnings when it starts). */
  ignored: Record<VpaComponent, string[]>;
  errors: VpaConfigProblem[];
}

/**
 * The VPA configuration of a scenario: the args of the first vpa-<component> Deployment of each
 * kind among `manifests` (t = 0 objects and timeline applies); defaults where there is none.
 */
export function vpaConfigFromManifests(manifests: ReadonlyArray<{ object: KubeObject; source: string }>): VpaComponentsConfig {
  const out: VpaComponentsConfig = { recommender: {}, updater: {}, ignored: { recommender: [], updater: [], "admission-controller": [] }, errors: [] };
  const seen = new Set<VpaComponent>();
  for (const { object, source } of manifests) {
    const which = vpaComponentOf(object);
    if (!which || seen.has(which.component)) continue;
    seen.add(which.component);
    const c: ContainerSpec = object.spec.template.spec.containers[which.container];
    const command = c.command ?? [];
    const args = [...command, ...(c.args ?? [])];
    try {
      if (which.component === "recommender") {
        const r = parseRecommenderFlags(args);
        out.recommender = r.options;
        out.ignored.recommender = r.ignored;
      } else if (which.component === "updater") {
        const r = parseUpdaterFlags(args);
        out.updater = r.options;
        out.ignored.updater = r.ignored;
      } else {
        out.ignored["admission-controller"] = parseAdmissionControllerFlags(args).ignored;
      }
    } catch (e) {
      if (!(e instanceof ArgError)) throw e;
      const field = e.index < command.length ? `command[${e.index}]` : `args[${e.index - command.length}]`;
      out.errors.push({ source, message: `spec.template.spec.containers[${which.container}].${field}: vpa-${which.component}: ${e.message}` });
    }
  }
  return out;
}
