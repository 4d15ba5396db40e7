/**
 * CPA configuration: the ConfigMap (exactly one key, `ladder` or `linear`, holding a JSON string),
 * the command-line flags read from the cluster-proportional-autoscaler Deployment's container
 * args, and the Helm chart's values (`config.ladder…`, `options.target…`) rendered into the
 * ConfigMap and Deployment the chart would install.
 */
import type { KubeObject } from "../../api/meta.js";
import { parseSelector, type Selector } from "../../core/labels.js";
import { goJsonParse, goMarshal, GoJsonError } from "./gojson.js";
import { CpaParamsError, LADDER_MODE, parseLadderParams, type LadderParams } from "./ladder.js";
import { LINEAR_MODE, parseLinearParams, type LinearParams } from "./linear.js";

export type CpaConfig = { mode: "ladder"; params: LadderParams } | { mode: "linear"; params: LinearParams };

/** Go's %v of a map[string]string: `map[k1:v1 k2:v2]`, keys sorted. */
function goMapString(m: Record<string, string>): string {
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${m[k]}`)
    .join(" ")}]`;
}

/**
 * plugin.EnsureController + SyncConfig: the ConfigMap's data → mode and params. Throws
 * CpaParamsError with the message upstream logs after "Error ensuring controller: ".
 */
export function parseConfigMapData(data: Record<string, string> | undefined): CpaConfig {
  const d = data ?? {};
  const keys = Object.keys(d);
  if (keys.length !== 1) throw new CpaParamsError(`invalid configMap format, expected only one entry, got: ${goMapString(d)}`);
  const mode = keys[0]!;
  const sync = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof CpaParamsError) throw new CpaParamsError(`Error syncing configMap with controller: error parsing ${mode} params: ${e.message}`);
      throw e;
    }
  };
  if (mode === LADDER_MODE) return { mode, params: sync(() => parseLadderParams(d[mode]!)) };
  if (mode === LINEAR_MODE) return { mode, params: sync(() => parseLinearParams(d[mode]!)) };
  throw new CpaParamsError(`not a supported control mode: ${mode}`);
}

// ------------------------------------------------------------------------------------- flags

export interface CpaTarget {
  /** Store kind: Deployment, ReplicaSet, ReplicationController. */
  kind: string;
  name: string;
  /** As written (lower-cased), e.g. `deployment/nginx-deployment`. */
  text: string;
}

export interface CpaFlags {
  /** --target, lower-cased. */
  target: string;
  targets: CpaTarget[];
  configMap: string;
  /** --namespace, falling back to MY_POD_NAMESPACE. */
  namespace: string;
  /** --default-params: ConfigMap data (each top-level value re-marshalled as a JSON string). */
  defaultParams?: Record<string, string>;
  /** Default 10, minimum 1. */
  pollPeriodSeconds: number;
  /** --nodelabels as written (a label selector); "" = all nodes. */
  nodeLabels: string;
  nodeSelector?: Selector;
  /** 0 = retry forever. */
  maxSyncFailures: number;
  /** klog --v (default 0). */
  verbosity: number;
}

export interface ParsedFlags {
  flags: CpaFlags;
  /** Validation problems, each worded as the binary logs it before exiting; empty = valid. */
  errors: string[];
}

const TARGET_KINDS: Record<string, string> = {
  deployment: "Deployment",
  deployments: "Deployment",
  replicaset: "ReplicaSet",
  replicasets: "ReplicaSet",
  replicationcontroller: "ReplicationController",
  replicationcontrollers: "ReplicationController",
};

/** klog/glog flags the binary accepts and the simulation ignores. */
const IGNORED = new Set(["logtostderr", "alsologtostderr", "log-backtrace-at", "log-dir", "log-file", "stderrthreshold", "vmodule", "add-dir-header", "skip-headers", "one-output", "version", "kubeconfig"]);
const BOOL = new Set(["logtostderr", "alsologtostderr", "version", "add-dir-header", "skip-headers", "one-output"]);

/** Parse the container's args (pflag style: `--name=value`, `--name value`, booleans bare). */
export function parseCpaArgs(args: readonly string[], env: { MY_POD_NAMESPACE?: string } = {}): ParsedFlags {
  const flags: CpaFlags = {
    target: "",
    targets: [],
    configMap: "",
    namespace: env.MY_POD_NAMESPACE ?? "",
    pollPeriodSeconds: 10,
    nodeLabels: "",
    maxSyncFailures: 0,
    verbosity: 0,
  };
  const errors: string[] = [];
  const intFlag = (name: string, v: string): number | undefined => {
    if (!/^[+-]?\d+$/.test(v.trim())) {
      errors.push(`invalid argument ${JSON.stringify(v)} for "--${name}" flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
      return undefined;
    }
    return Number(v);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    if (!a.startsWith("-")) continue; // positional arguments are ignored by the binary
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    const known = ["target", "configmap", "namespace", "default-params", "poll-period-seconds", "nodelabels", "max-sync-failures", "v"];
    if (!known.includes(name) && !IGNORED.has(name)) {
      errors.push(`unknown flag: --${name}`);
      continue;
    }
    if (value === undefined && !BOOL.has(name)) {
      if (i + 1 >= args.length) {
        errors.push(`flag needs an argument: --${name}`);
        continue;
      }
      value = args[++i]!;
    }
    switch (name) {
      case "target":
        flags.target = value!;
        break;
      case "configmap":
        flags.configMap = value!;
        break;
      case "namespace":
        flags.namespace = value!;
        break;
      case "default-params":
        try {
          flags.defaultParams = defaultParamsData(value!);
        } catch (e) {
          errors.push(`invalid argument ${JSON.stringify(value)} for "--default-params" flag: ${(e as Error).message}`);
        }
        break;
      case "poll-period-seconds": {
        const n = intFlag(name, value!);
        if (n !== undefined) flags.pollPeriodSeconds = n;
        break;
      }
      case "nodelabels":
        flags.nodeLabels = value!;
        break;
      case "max-sync-failures": {
        const n = intFlag(name, value!);
        if (n !== undefined) flags.maxSyncFailures = n;
        break;
      }
      case "v": {
        const n = intFlag(name, value!);
        if (n !== undefined) flags.verbosity = n;
        break;
      }
    }
  }
  // ValidateFlags
  flags.target = flags.target.toLowerCase();
  if (flags.target === "") errors.push("--target parameter cannot be empty");
  else {
    for (const t of flags.target.split(",")) {
      const parts = t.split("/");
      if (parts.length !== 2 || parts[1] === "") {
        errors.push("--target must include resource and name");
        continue;
      }
      const kind = TARGET_KINDS[parts[0]!];
      if (!kind) {
        errors.push(`--target must include valid resource ["${parts[0]}"]`);
        continue;
      }
      flags.targets.push({ kind, name: parts[1]!, text: t });
    }
  }
  if (flags.configMap === "") errors.push("--configmap parameter cannot be empty");
  if (flags.namespace === "") errors.push("--namespace parameter not set and failed to fallback");
  if (flags.pollPeriodSeconds < 1) errors.push("--poll-period-seconds cannot be less than 1");
  if (flags.nodeLabels !== "") {
    try {
      flags.nodeSelector = parseSelector(flags.nodeLabels);
    } catch (e) {
      errors.push(`invalid --nodelabels ${JSON.stringify(flags.nodeLabels)}: ${(e as Error).message}`);
    }
  }
  return { flags, errors };
}

/** --default-params: a JSON object whose top-level values become ConfigMap data (re-marshalled, keys sorted). */
export function defaultParamsData(raw: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = goJsonParse(raw);
  } catch (e) {
    if (e instanceof GoJsonError) throw new Error(e.message);
    throw e;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`json: cannot unmarshal ${Array.isArray(parsed) ? "array" : typeof parsed === "string" ? "string" : typeof parsed === "number" ? "number" : typeof parsed === "boolean" ? "bool" : "object"} into Go value of type map[string]interface {}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) out[k] = goMarshal(v);
  return out;
}

// --------------------------------------------------------------------------- deployments

interface ContainerLike {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }>;
}

const IMAGE_MARK = "cluster-proportional-autoscaler";

function containersOf(d: KubeObject): ContainerLike[] {
  return (d.spec?.template?.spec?.containers ?? []) as ContainerLike[];
}

function argv(c: ContainerLike): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])];
}

/** The container running the CPA binary: by image name, else by its --target and --configmap flags. */
export function cpaContainer(d: KubeObject): ContainerLike | undefined {
  const cs = containersOf(d);
  return (
    cs.find((c) => (c.image ?? "").includes(IMAGE_MARK)) ??
    cs.find((c) => {
      const a = argv(c);
      return a.some((x) => x.startsWith("--target")) && a.some((x) => x.startsWith("--configmap"));
    })
  );
}

/** Whether a Deployment runs the cluster-proportional-autoscaler. */
export function isCpaDeployment(obj: KubeObject): boolean {
  return obj.kind === "Deployment" && cpaContainer(obj) !== undefined;
}

/** The flags of a CPA Deployment (MY_POD_NAMESPACE from its env: a value or the downward API). */
export function flagsOfDeployment(d: KubeObject): ParsedFlags {
  const c = cpaContainer(d);
  if (!c) return parseCpaArgs([]);
  const env: { MY_POD_NAMESPACE?: string } = {};
  for (const e of c.env ?? []) {
    if (e.name !== "MY_POD_NAMESPACE") continue;
    if (e.value !== undefined) env.MY_POD_NAMESPACE = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env.MY_POD_NAMESPACE = d.metadata.namespace ?? "default";
  }
  // The image's entrypoint is the binary; `command` (if any) starts with its path.
  return parseCpaArgs(argv(c).filter((x, i) => !(i === 0 && !x.startsWith("-"))), env);
}

// --------------------------------------------------------------------------------- helm

/** Chart defaults the simulation assumes (chart cluster-proportional-autoscaler, app v1.10.3). */
export const HELM_CHART = { name: "cluster-proportional-autoscaler", version: "1.1.0", appVersion: "v1.10.3", image: "registry.k8s.io/cpa/cluster-proportional-autoscaler" };

export interface HelmValues {
  nameOverride?: string;
  fullnameOverride?: string;
  replicaCount?: number;
  image?: { repository?: string; tag?: string; pullPolicy?: string };
  config?: { ladder?: Record<string, unknown>; linear?: Record<string, unknown> };
  options?: {
    namespace?: string;
    target?: string;
    logLevel?: number;
    logToStdErr?: boolean;
    maxSyncFailures?: number;
    nodeLabels?: Record<string, string>;
    pollPeriodSeconds?: number;
  };
  resources?: Record<string, unknown>;
  priorityClassName?: string;
}

function trunc63(s: string): string {
  return s.slice(0, 63).replace(/-+$/, "");
}

/**
 * `helm install <release> cluster-proportional-autoscaler/cluster-proportional-autoscaler -f values`:
 * the ServiceAccount, ConfigMap and Deployment the chart renders (RBAC objects left out). Throws the chart's
 * `fail` messages for a missing/duplicated config or target.
 */
export function renderHelmChart(values: HelmValues, release: { name: string; namespace?: string }): KubeObject[] {
  const name = trunc63(values.nameOverride || HELM_CHART.name);
  const fullname = values.fullnameOverride
    ? trunc63(values.fullnameOverride)
    : release.name.includes(values.nameOverride || HELM_CHART.name)
      ? trunc63(release.name)
      : trunc63(`${release.name}-${values.nameOverride || HELM_CHART.name}`);
  const namespace = values.options?.namespace || release.namespace || "default";
  const cfg = values.config ?? {};
  const modes = (["ladder", "linear"] as const).filter((k) => cfg[k] !== undefined && cfg[k] !== null);
  if (modes.length === 0) throw new Error("A config must be supplied for either ladder mode or linear mode");
  if (modes.length > 1) throw new Error("You must supply a config for either ladder mode or linear mode but not both");
  const target = values.options?.target;
  if (!target) throw new Error("options.target must be specified");
  const o = values.options ?? {};
  const args = [
    `--configmap=${fullname}`,
    `--logtostderr=${o.logToStdErr === undefined ? true : Boolean(o.logToStdErr)}`,
    `--namespace=${namespace}`,
    `--target=${target}`,
    `--v=${Math.trunc(o.logLevel ?? 0)}`,
  ];
  const msf = o.maxSyncFailures;
  if (msf !== undefined && msf !== null) args.push(`--max-sync-failures=${msf >= 0 ? Math.trunc(msf) : 0}`);
  const nl = o.nodeLabels ?? {};
  if (Object.keys(nl).length) {
    args.push(`--nodelabels=${Object.keys(nl).sort().map((k) => `${k}=${nl[k]}`).join(",")}`);
  }
  if (o.pollPeriodSeconds) args.push(`--poll-period-seconds=${o.pollPeriodSeconds > 0 ? Math.trunc(o.pollPeriodSeconds) : 1}`);
  const selectorLabels = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": release.name };
  const labels = {
    "helm.sh/chart": trunc63(`${HELM_CHART.name}-${HELM_CHART.version}`.replace(/\+/g, "_")),
    ...selectorLabels,
    "app.kubernetes.io/version": HELM_CHART.appVersion,
    "app.kubernetes.io/managed-by": "Helm",
  };
  const configMap: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: fullname, namespace },
    data: { [modes[0]!]: goMarshal(cfg[modes[0]!]) },
  };
  const container: Record<string, unknown> = {
    name: HELM_CHART.name,
    image: `${values.image?.repository ?? HELM_CHART.image}:${values.image?.tag || HELM_CHART.appVersion}`,
    imagePullPolicy: values.image?.pullPolicy ?? "IfNotPresent",
    args,
    livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
    readinessProbe: { httpGet: { path: "/healthz", port: 8080 } },
  };
  if (values.resources && Object.keys(values.resources).length) container.resources = values.resources;
  const podSpec: Record<string, unknown> = { serviceAccountName: fullname, securityContext: {}, containers: [container] };
  if (values.priorityClassName) podSpec.priorityClassName = values.priorityClassName;
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: fullname, namespace, labels },
    spec: {
      replicas: values.replicaCount ?? 1,
      selector: { matchLabels: selectorLabels },
      template: { metadata: { labels: { ...selectorLabels } }, spec: podSpec },
    },
  };
  const serviceAccount: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: fullname, namespace, labels: { ...labels } } };
  return [serviceAccount, configMap, deployment];
}
