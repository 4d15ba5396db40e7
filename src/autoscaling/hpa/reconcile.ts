/**
 * One HPA reconcile (horizontal.go reconcileAutoscaler + computeReplicasForMetrics, spec hpa.md §3–§5,
 * §9–§11) as a function of its inputs: the HPA, the target's scale, a pod lister, the metrics
 * clients and the in-memory history. It performs no I/O itself: reads go through `env`, the one
 * write (`env.updateScale`) is a callback, and events/logs/status are returned for the caller to apply.
 */
import { Selector, fromLabelSelector, parseSelector, type LabelSelector } from "../../core/labels.js";
import { Quantity, parseQuantity } from "../../core/quantity.js";
import { MSG, setCondition, type HpaCondition } from "./conditions.js";
import {
  defaultScaleDownRules,
  defaultScaleUpRules,
  normalizeDesiredReplicasLegacy,
  normalizeDesiredReplicasWithBehavior,
  storeScaleEvent,
  type HpaBehavior,
  type NormalizeDecision,
  type ResolvedRules,
  type ScaleEvent,
  type TimestampedRecommendation,
} from "./normalize.js";
import {
  HpaCalcError,
  calcExternalReplicas,
  calcObjectReplicas,
  calcPlainMetricReplicas,
  getRawResourceReplicas,
  getResourceReplicas,
  type CalcContext,
  type HpaPod,
  type PodMetricsInfo,
  type RawPodResourceMetrics,
  type Tolerances,
} from "./replicas.js";

// ------------------------------------------------------------------ API shapes (autoscaling/v2)

export type QuantityLike = string | number;

export interface MetricTargetSpec {
  type: "Utilization" | "Value" | "AverageValue" | string;
  value?: QuantityLike;
  averageValue?: QuantityLike;
  averageUtilization?: number;
}

export interface MetricIdentifier {
  name: string;
  selector?: LabelSelector | null;
}

export interface ObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface MetricSpec {
  type: "Resource" | "ContainerResource" | "Pods" | "Object" | "External" | string;
  resource?: { name: string; target: MetricTargetSpec };
  containerResource?: { name: string; container: string; target: MetricTargetSpec };
  pods?: { metric: MetricIdentifier; target: MetricTargetSpec };
  object?: { describedObject: ObjectReference; metric: MetricIdentifier; target: MetricTargetSpec };
  external?: { metric: MetricIdentifier; target: MetricTargetSpec };
}

export interface MetricValueStatus {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface MetricStatus {
  type: string;
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
  pods?: { metric: MetricIdentifier; current: MetricValueStatus };
  object?: { describedObject: ObjectReference; metric: MetricIdentifier; current: MetricValueStatus };
  external?: { metric: MetricIdentifier; current: MetricValueStatus };
}

export interface HpaSpec {
  scaleTargetRef: ObjectReference;
  minReplicas?: number | null;
  maxReplicas: number;
  metrics?: MetricSpec[] | null;
  behavior?: HpaBehavior | null;
}

export interface HpaStatus {
  currentReplicas: number;
  desiredReplicas: number;
  lastScaleTime?: string;
  currentMetrics?: MetricStatus[];
  conditions?: HpaCondition[];
}

/** v2 SetDefaults: an HPA without metrics targets 80 % CPU. */
export const DEFAULT_CPU_METRIC: MetricSpec = {
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
};

// ------------------------------------------------------------------ inputs

export interface HpaConfig {
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
  downscaleStabilizationMs: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  initialReadinessDelayMs: number;
  /** Legacy scale-up cap factor (2; upstream unit tests use 8). */
  scaleUpLimitFactor?: number;
  /** Legacy scale-up cap minimum (4). */
  scaleUpLimitMinimum?: number;
  /** HPAConfigurableTolerance gate (off in 1.32): read behavior.scale{Up,Down}.tolerance. */
  configurableTolerance?: boolean;
  /** Use the ≤ v1.32 symmetric `|1 − ratio| <= tolerance` test instead of hpa.md §4.9's bounds. */
  absoluteTolerance?: boolean;
}

export const DEFAULT_HPA_CONFIG: HpaConfig = {
  tolerance: 0.1,
  downscaleStabilizationMs: 300_000,
  cpuInitializationPeriodMs: 300_000,
  initialReadinessDelayMs: 30_000,
  scaleUpLimitFactor: 2,
  scaleUpLimitMinimum: 4,
};

/** The in-memory, per-HPA history of the controller (§8). */
export interface HpaHistory {
  /** undefined = no entry yet (first reconcile after start/creation seeds `{current, now}`). */
  recommendations?: TimestampedRecommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export function newHistory(): HpaHistory {
  return { recommendations: undefined, scaleUpEvents: [], scaleDownEvents: [] };
}

/** What the metrics clients return. Throw (any Error) to make the metric fail. */
export interface HpaMetricsClient {
  /** metrics.k8s.io pod metrics for the selector, reduced to `resource`, values in milli. */
  resourceMetrics(resource: string, selector: Selector): RawPodResourceMetrics[];
  /** custom.metrics.k8s.io `pods/*` metric: pod name → sample (milli). */
  podsMetric(name: string, selector: Selector, metricSelector: Selector): PodMetricsInfo;
  /** custom.metrics.k8s.io metric of one object (milli). */
  objectMetric(name: string, object: ObjectReference, metricSelector: Selector): number;
  /** external.metrics.k8s.io: every matching series (milli). */
  externalMetric(name: string, metricSelector: Selector): number[];
}

export interface ReconcileEnv {
  /** The pod lister (same namespace as the HPA) for a selector. */
  listPods(selector: Selector): HpaPod[];
  metrics: HpaMetricsClient;
  /** Keys (`ns/name`) of all HPAs whose selectors select pods under `selector` (AmbiguousSelector). */
  hpasSelecting?(selector: Selector): string[];
  /** Write scale.spec.replicas; throw to fail (FailedRescale). */
  updateScale?(replicas: number): void;
}

export interface ScaleInfo {
  specReplicas: number;
  statusReplicas: number;
  selector: string;
}

export interface ReconcileInput {
  namespace: string;
  name: string;
  spec: HpaSpec;
  status?: HpaStatus;
  /** Result of GET scale, or the error text. */
  scale: ScaleInfo | { error: string };
  history: HpaHistory;
  config: HpaConfig;
  now: number;
  nowIso: string;
  env: ReconcileEnv;
}

export interface HpaEventOut {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface HpaLogOut {
  level: "info" | "error" | "debug";
  message: string;
}

export interface ReconcileResult {
  status: HpaStatus;
  statusChanged: boolean;
  currentReplicas?: number;
  desiredReplicas: number;
  /** A scale write was attempted. */
  rescale: boolean;
  /** The scale write succeeded. */
  scaled: boolean;
  /** `<metric> above target`, `All metrics below target`, `Current number of replicas …`, or "". */
  reason: string;
  /** Max proposal over metrics (pre-normalization), when metrics were evaluated. */
  proposal?: number;
  metricName?: string;
  normalization?: NormalizeDecision;
  events: HpaEventOut[];
  logs: HpaLogOut[];
  /** The error reconcileAutoscaler returned (logged by the controller), if any. */
  error?: string;
}

// ------------------------------------------------------------------ helpers

/** gogo-protobuf String() of a *metav1.LabelSelector, as `%+v` prints it in metric names. */
export function goLabelSelectorString(sel: LabelSelector | null | undefined): string {
  if (sel === null || sel === undefined) return "nil";
  const keys = Object.keys(sel.matchLabels ?? {}).sort();
  const labels = keys.map((k) => `${k}: ${sel.matchLabels![k]},`).join("");
  const exprs = (sel.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(" ")}],},`)
    .join("");
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

function milliOf(q: QuantityLike | undefined): number {
  if (q === undefined) return 0;
  return parseQuantity(q).milliValue();
}

function milliString(m: number): string {
  return Quantity.fromMilli(m, "DecimalSI").toString();
}

function metricSelectorOf(id: MetricIdentifier): Selector {
  return id.selector ? fromLabelSelector(id.selector) : Selector.everything;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function tolerancesFor(spec: HpaSpec, cfg: HpaConfig): Tolerances {
  let up = cfg.tolerance;
  let down = cfg.tolerance;
  if (cfg.configurableTolerance && spec.behavior) {
    const u = spec.behavior.scaleUp?.tolerance;
    const d = spec.behavior.scaleDown?.tolerance;
    if (u !== undefined && u !== null) up = parseQuantity(u).asApproximateFloat64();
    if (d !== undefined && d !== null) down = parseQuantity(d).asApproximateFloat64();
  }
  return { scaleUp: up, scaleDown: down, absolute: cfg.absoluteTolerance === true };
}

/** Deep equality of JSON-like values (apiequality.Semantic.DeepEqual for status). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!jsonEqual(ao[k], bo[k])) return false;
  return true;
}

// ------------------------------------------------------------------ one metric

interface MetricOutcome {
  replicas: number;
  metricName: string;
  status: MetricStatus;
}

class MetricFailure extends Error {
  constructor(
    message: string,
    readonly condition: { reason: string; message: string },
  ) {
    super(message);
  }
}

interface MetricCtx {
  specReplicas: number;
  statusReplicas: number;
  selector: Selector;
  pods: () => HpaPod[];
  calc: CalcContext;
  env: ReconcileEnv;
  events: HpaEventOut[];
  namespace: string;
}

/** getUnableComputeReplicaCountCondition: emits the per-metric Warning event. */
function unable(ctx: MetricCtx, reason: string, err: string): { reason: string; message: string } {
  ctx.events.push({ type: "Warning", reason, message: err });
  return { reason, message: MSG.unableToCompute(err) };
}

function resourceMetric(
  ctx: MetricCtx,
  resource: string,
  container: string | undefined,
  target: MetricTargetSpec,
  sourceType: "Resource" | "ContainerResource",
): { replicas: number; metricName: string; current: MetricValueStatus } {
  const fetch = () => ctx.env.metrics.resourceMetrics(resource, ctx.selector);
  if (target.averageValue !== undefined && target.averageValue !== null) {
    let r;
    try {
      r = getRawResourceReplicas(ctx.specReplicas, milliOf(target.averageValue), resource, container, ctx.pods, fetch, ctx.calc);
    } catch (e) {
      throw new HpaCalcError(`failed to get ${resource} usage: ${errText(e)}`);
    }
    return { replicas: r.replicas, metricName: `${resource} resource`, current: { averageValue: milliString(r.usage) } };
  }
  if (target.averageUtilization === undefined || target.averageUtilization === null) {
    throw new HpaCalcError("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set");
  }
  let r;
  try {
    r = getResourceReplicas(ctx.specReplicas, target.averageUtilization, resource, container, ctx.pods, fetch, ctx.calc);
  } catch (e) {
    throw new HpaCalcError(`failed to get ${resource} utilization: ${errText(e)}`);
  }
  const metricName =
    sourceType === "ContainerResource"
      ? `${resource} container resource utilization (percentage of request)`
      : `${resource} resource utilization (percentage of request)`;
  return {
    replicas: r.replicas,
    metricName,
    current: { averageUtilization: r.utilization, averageValue: milliString(r.rawAverageValue) },
  };
}

function computeReplicasForMetric(ctx: MetricCtx, spec: MetricSpec): MetricOutcome {
  switch (spec.type) {
    case "Object": {
      const o = spec.object!;
      const msel = metricSelectorOf(o.metric);
      const fetch = (): number => {
        try {
          return ctx.env.metrics.objectMetric(o.metric.name, o.describedObject, msel);
        } catch (e) {
          // Upstream's argument order really produces "unable to get metric qps: Deployment on ns name/err".
          throw new HpaCalcError(
            `unable to get metric ${o.metric.name}: ${o.describedObject.kind} on ${ctx.namespace} ${o.describedObject.name}/unable to fetch metrics from custom metrics API: ${errText(e)}`,
          );
        }
      };
      if (o.target.type === "Value" && o.target.value !== undefined) {
        let r;
        try {
          r = calcObjectReplicas(ctx.specReplicas, ctx.statusReplicas, fetch(), { type: "Value", valueMilli: milliOf(o.target.value) }, ctx.pods(), ctx.calc.tolerances);
        } catch (e) {
          const cond = unable(ctx, "FailedGetObjectMetric", errText(e));
          throw new MetricFailure(`failed to get object metric value: ${errText(e)}`, cond);
        }
        return {
          replicas: r.replicas,
          metricName: `${o.describedObject.kind} metric ${o.metric.name}`,
          status: { type: "Object", object: { describedObject: o.describedObject, metric: o.metric, current: { value: milliString(r.usage) } } },
        };
      }
      if (o.target.type === "AverageValue" && o.target.averageValue !== undefined) {
        let r;
        try {
          r = calcObjectReplicas(
            ctx.specReplicas,
            ctx.statusReplicas,
            fetch(),
            { type: "AverageValue", averageValueMilli: milliOf(o.target.averageValue) },
            [],
            ctx.calc.tolerances,
          );
        } catch (e) {
          const cond = unable(ctx, "FailedGetObjectMetric", errText(e));
          throw new MetricFailure(`failed to get object metric value: failed to get ${o.metric.name} object metric: ${errText(e)}`, cond);
        }
        return {
          replicas: r.replicas,
          // Upstream copy-paste: Object AverageValue metrics are named "external metric …".
          metricName: `external metric ${o.metric.name}(${goLabelSelectorString(o.metric.selector)})`,
          status: { type: "Object", object: { describedObject: o.describedObject, metric: o.metric, current: { averageValue: milliString(r.usage) } } },
        };
      }
      const msg = "invalid object metric source: neither a value target nor an average value target was set";
      throw new MetricFailure(`failed to get object metric value: ${msg}`, unable(ctx, "FailedGetObjectMetric", msg));
    }
    case "Pods": {
      const p = spec.pods!;
      let r;
      try {
        let m: PodMetricsInfo;
        try {
          m = ctx.env.metrics.podsMetric(p.metric.name, ctx.selector, metricSelectorOf(p.metric));
        } catch (e) {
          throw new HpaCalcError(`unable to get metric ${p.metric.name}: unable to fetch metrics from custom metrics API: ${errText(e)}`);
        }
        if (m.size === 0) throw new HpaCalcError(`unable to get metric ${p.metric.name}: no metrics returned from custom metrics API`);
        r = calcPlainMetricReplicas(ctx.specReplicas, milliOf(p.target.averageValue), "", ctx.pods(), m, ctx.calc);
      } catch (e) {
        const cond = unable(ctx, "FailedGetPodsMetric", errText(e));
        throw new MetricFailure(`failed to get pods metric value: ${errText(e)}`, cond);
      }
      return {
        replicas: r.replicas,
        metricName: `pods metric ${p.metric.name}`,
        status: { type: "Pods", pods: { metric: p.metric, current: { averageValue: milliString(r.usage) } } },
      };
    }
    case "Resource": {
      const s = spec.resource!;
      let r;
      try {
        r = resourceMetric(ctx, s.name, undefined, s.target, "Resource");
      } catch (e) {
        const cond = unable(ctx, "FailedGetResourceMetric", errText(e));
        throw new MetricFailure(`failed to get ${s.name} resource metric value: ${errText(e)}`, cond);
      }
      return { replicas: r.replicas, metricName: r.metricName, status: { type: "Resource", resource: { name: s.name, current: r.current } } };
    }
    case "ContainerResource": {
      const s = spec.containerResource!;
      let r;
      try {
        r = resourceMetric(ctx, s.name, s.container, s.target, "ContainerResource");
      } catch (e) {
        const cond = unable(ctx, "FailedGetContainerResourceMetric", errText(e));
        throw new MetricFailure(`failed to get ${s.container} container metric value: ${errText(e)}`, cond);
      }
      return {
        replicas: r.replicas,
        metricName: r.metricName,
        status: { type: "ContainerResource", containerResource: { name: s.name, container: s.container, current: r.current } },
      };
    }
    case "External": {
      const x = spec.external!;
      const msel = metricSelectorOf(x.metric);
      const fetch = (): number[] => {
        let values: number[];
        try {
          values = ctx.env.metrics.externalMetric(x.metric.name, msel);
        } catch (e) {
          throw new HpaCalcError(
            `unable to get external metric ${ctx.namespace}/${x.metric.name}/${goLabelSelectorString(x.metric.selector)}: unable to fetch metrics from external metrics API: ${errText(e)}`,
          );
        }
        if (values.length === 0) {
          throw new HpaCalcError(
            `unable to get external metric ${ctx.namespace}/${x.metric.name}/${goLabelSelectorString(x.metric.selector)}: no metrics returned from external metrics API`,
          );
        }
        return values;
      };
      const name = `external metric ${x.metric.name}(${goLabelSelectorString(x.metric.selector)})`;
      const avg = x.target.averageValue;
      const val = x.target.value;
      if ((avg !== undefined && avg !== null) || (val !== undefined && val !== null)) {
        const target = avg !== undefined && avg !== null
          ? { type: "AverageValue" as const, averageValueMilli: milliOf(avg) }
          : { type: "Value" as const, valueMilli: milliOf(val) };
        let r;
        try {
          r = calcExternalReplicas(ctx.specReplicas, ctx.statusReplicas, fetch(), target, target.type === "Value" ? ctx.pods() : [], ctx.calc.tolerances);
        } catch (e) {
          const cond = unable(ctx, "FailedGetExternalMetric", errText(e));
          throw new MetricFailure(`failed to get ${x.metric.name} external metric value: failed to get ${x.metric.name} external metric: ${errText(e)}`, cond);
        }
        const current: MetricValueStatus = target.type === "AverageValue" ? { averageValue: milliString(r.usage) } : { value: milliString(r.usage) };
        return { replicas: r.replicas, metricName: name, status: { type: "External", external: { metric: x.metric, current } } };
      }
      const msg = "invalid external metric source: neither a value target nor an average value target was set";
      throw new MetricFailure(`failed to get ${x.metric.name} external metric value: ${msg}`, unable(ctx, "FailedGetExternalMetric", msg));
    }
    default: {
      const msg = `unknown metric source type "${spec.type}"`;
      throw new MetricFailure(msg, unable(ctx, "InvalidMetricSourceType", msg));
    }
  }
}

export interface MetricsComputation {
  /** -1 when the reconcile must stop (all invalid, or partial data proposing a scale-down). */
  replicas: number;
  metricName: string;
  statuses: MetricStatus[] | undefined;
  error?: string;
}

/**
 * computeReplicasForMetrics (§5): validates the selector, evaluates each metric, takes the maximum
 * proposal. Sets ScalingActive on `conditions` and pushes events.
 */
export function computeReplicasForMetrics(
  input: {
    namespace: string;
    name: string;
    metrics: readonly MetricSpec[];
    scale: ScaleInfo;
    calc: CalcContext;
    env: ReconcileEnv;
    nowIso: string;
  },
  conditions: HpaCondition[],
  events: HpaEventOut[],
): MetricsComputation {
  const { scale, env } = input;
  if (scale.selector === "") {
    events.push({ type: "Warning", reason: "SelectorRequired", message: "selector is required" });
    setCondition(conditions, "ScalingActive", "False", "InvalidSelector", MSG.missingSelector, input.nowIso);
    return { replicas: -1, metricName: "", statuses: undefined, error: "selector is required" };
  }
  let selector: Selector;
  try {
    selector = parseSelector(scale.selector);
  } catch (e) {
    const msg = `couldn't convert selector into a corresponding internal selector object: ${errText(e)}`;
    events.push({ type: "Warning", reason: "InvalidSelector", message: msg });
    setCondition(conditions, "ScalingActive", "False", "InvalidSelector", msg, input.nowIso);
    return { replicas: -1, metricName: "", statuses: undefined, error: msg };
  }
  if (env.hpasSelecting) {
    const keys = env.hpasSelecting(selector);
    if (keys.length > 1) {
      const msg = `pods by selector ${scale.selector} are controlled by multiple HPAs: [${keys.join(" ")}]`;
      events.push({ type: "Warning", reason: "AmbiguousSelector", message: msg });
      setCondition(conditions, "ScalingActive", "False", "AmbiguousSelector", msg, input.nowIso);
      return { replicas: -1, metricName: "", statuses: undefined, error: msg };
    }
  }

  let podsCache: HpaPod[] | undefined;
  const ctx: MetricCtx = {
    specReplicas: scale.specReplicas,
    statusReplicas: scale.statusReplicas,
    selector,
    pods: () => (podsCache ??= env.listPods(selector)),
    calc: input.calc,
    env,
    events,
    namespace: input.namespace,
  };
  const statuses: MetricStatus[] = input.metrics.map(() => ({ type: "" }));
  let replicas = 0;
  let metricName = "";
  let invalid = 0;
  let firstError: string | undefined;
  let firstCondition: { reason: string; message: string } | undefined;
  for (let i = 0; i < input.metrics.length; i++) {
    try {
      const out = computeReplicasForMetric(ctx, input.metrics[i]!);
      statuses[i] = out.status;
      if (replicas === 0 || out.replicas > replicas) {
        replicas = out.replicas;
        metricName = out.metricName;
      }
    } catch (e) {
      if (invalid === 0) {
        firstError = errText(e);
        firstCondition = e instanceof MetricFailure ? e.condition : unable(ctx, "FailedGetResourceMetric", errText(e));
      }
      invalid++;
    }
  }
  const error = firstError !== undefined ? `invalid metrics (${invalid} invalid out of ${input.metrics.length}), first error is: ${firstError}` : undefined;
  if (invalid >= input.metrics.length || (invalid > 0 && replicas < scale.specReplicas)) {
    setCondition(conditions, "ScalingActive", "False", firstCondition!.reason, firstCondition!.message, input.nowIso);
    return { replicas: -1, metricName: "", statuses, error };
  }
  setCondition(conditions, "ScalingActive", "True", "ValidMetricFound", MSG.validMetricFound(metricName), input.nowIso);
  return { replicas, metricName, statuses, ...(error ? { error } : {}) };
}

// ------------------------------------------------------------------ the reconcile

function cloneConditions(c: readonly HpaCondition[] | undefined): HpaCondition[] {
  return (c ?? []).map((x) => ({ ...x }));
}

function buildStatus(
  current: number,
  desired: number,
  statuses: MetricStatus[] | undefined,
  lastScaleTime: string | undefined,
  conditions: HpaCondition[],
): HpaStatus {
  const s: HpaStatus = { currentReplicas: current, desiredReplicas: desired };
  if (lastScaleTime) s.lastScaleTime = lastScaleTime;
  if (statuses && statuses.length > 0) s.currentMetrics = statuses;
  if (conditions.length > 0) s.conditions = conditions;
  return s;
}

/** Resolved (API-defaulted) behavior, or undefined for the legacy path. */
export function resolveBehavior(b: HpaBehavior | null | undefined): { scaleUp: ResolvedRules; scaleDown: ResolvedRules } | undefined {
  if (!b) return undefined;
  return { scaleUp: defaultScaleUpRules(b.scaleUp), scaleDown: defaultScaleDownRules(b.scaleDown) };
}

/** reconcileAutoscaler (§3). Mutates `input.history`. */
export function reconcileHpa(input: ReconcileInput): ReconcileResult {
  const { spec, config, now, nowIso, history } = input;
  const prev = input.status;
  const conditions = cloneConditions(prev?.conditions);
  const events: HpaEventOut[] = [];
  const logs: HpaLogOut[] = [];
  const reference = `${spec.scaleTargetRef.kind}/${input.namespace}/${spec.scaleTargetRef.name}`;
  const prevDesired = prev?.desiredReplicas ?? 0;
  const prevStatusBase = prev ?? { currentReplicas: 0, desiredReplicas: 0 };
  const finish = (status: HpaStatus, extra: Omit<ReconcileResult, "status" | "statusChanged" | "events" | "logs">): ReconcileResult => {
    const statusChanged = !jsonEqual(prev ?? {}, status);
    if (extra.error) logs.push({ level: "error", message: extra.error });
    return { status, statusChanged, events, logs, ...extra };
  };

  if ("error" in input.scale) {
    const err = input.scale.error;
    events.push({ type: "Warning", reason: "FailedGetScale", message: err });
    setCondition(conditions, "AbleToScale", "False", "FailedGetScale", MSG.failedGetScale(err), nowIso);
    const status = { ...prevStatusBase } as HpaStatus;
    if (conditions.length > 0) status.conditions = conditions;
    return finish(status, {
      desiredReplicas: prevDesired,
      rescale: false,
      scaled: false,
      reason: "",
      error: `failed to query scale subresource for ${reference}: ${err}`,
    });
  }
  const scale = input.scale;
  setCondition(conditions, "AbleToScale", "True", "SucceededGetScale", MSG.succeededGetScale, nowIso);
  const current = scale.specReplicas;
  if (history.recommendations === undefined) history.recommendations = [{ replicas: current, timestamp: now }];

  const minReplicas = spec.minReplicas ?? 1;
  let desired = 0;
  let rescale = false;
  let reason = "";
  let statuses: MetricStatus[] | undefined;
  let proposal: number | undefined;
  let metricName: string | undefined;
  let normalization: NormalizeDecision | undefined;
  let retErr: string | undefined;

  if (current === 0 && minReplicas !== 0) {
    desired = 0;
    rescale = false;
    setCondition(conditions, "ScalingActive", "False", "ScalingDisabled", MSG.scalingDisabled, nowIso);
  } else if (current > spec.maxReplicas) {
    reason = "Current number of replicas above Spec.MaxReplicas";
    desired = spec.maxReplicas;
    rescale = true;
  } else if (current < minReplicas) {
    reason = "Current number of replicas below Spec.MinReplicas";
    desired = minReplicas;
    rescale = true;
  } else {
    const metrics = spec.metrics && spec.metrics.length > 0 ? spec.metrics : [DEFAULT_CPU_METRIC];
    const calc: CalcContext = {
      tolerances: tolerancesFor(spec, config),
      now,
      cpuInitializationPeriodMs: config.cpuInitializationPeriodMs,
      initialReadinessDelayMs: config.initialReadinessDelayMs,
    };
    const m = computeReplicasForMetrics(
      { namespace: input.namespace, name: input.name, metrics, scale, calc, env: input.env, nowIso },
      conditions,
      events,
    );
    statuses = m.statuses;
    if (m.error !== undefined && m.replicas === -1) {
      const status = buildStatus(current, prevDesired, statuses, prev?.lastScaleTime, conditions);
      events.push({ type: "Warning", reason: "FailedComputeMetricsReplicas", message: m.error });
      return finish(status, {
        currentReplicas: current,
        desiredReplicas: prevDesired,
        rescale: false,
        scaled: false,
        reason: "",
        error: `failed to compute desired number of replicas based on listed metrics for ${reference}: ${m.error}`,
      });
    }
    if (m.error !== undefined) retErr = m.error;
    proposal = m.replicas;
    metricName = m.metricName;
    let rescaleMetric = "";
    if (m.replicas > desired) {
      desired = m.replicas;
      rescaleMetric = m.metricName;
    }
    if (desired > current) reason = `${rescaleMetric} above target`;
    if (desired < current) reason = "All metrics below target";
    const behavior = resolveBehavior(spec.behavior);
    normalization = behavior
      ? normalizeDesiredReplicasWithBehavior(
          history.recommendations,
          { up: history.scaleUpEvents, down: history.scaleDownEvents },
          behavior,
          current,
          desired,
          minReplicas,
          spec.maxReplicas,
          now,
          config.downscaleStabilizationMs,
        )
      : normalizeDesiredReplicasLegacy(
          history.recommendations,
          current,
          desired,
          minReplicas,
          spec.maxReplicas,
          now,
          config.downscaleStabilizationMs,
          config.scaleUpLimitFactor ?? 2,
          config.scaleUpLimitMinimum ?? 4,
        );
    setCondition(conditions, "AbleToScale", "True", normalization.ableToScale.reason, normalization.ableToScale.message, nowIso);
    const sl = normalization.scalingLimited;
    setCondition(conditions, "ScalingLimited", sl.status, sl.reason, sl.message, nowIso);
    desired = normalization.desired;
    rescale = desired !== current;
  }

  let lastScaleTime = prev?.lastScaleTime;
  let scaled = false;
  if (rescale) {
    try {
      input.env.updateScale?.(desired);
    } catch (e) {
      const err = errText(e);
      events.push({ type: "Warning", reason: "FailedRescale", message: `New size: ${desired}; reason: ${reason}; error: ${err}` });
      setCondition(conditions, "AbleToScale", "False", "FailedUpdateScale", MSG.failedUpdateScale(err), nowIso);
      const status = buildStatus(current, prevDesired, statuses, prev?.lastScaleTime, conditions);
      return finish(status, {
        currentReplicas: current,
        desiredReplicas: desired,
        rescale: true,
        scaled: false,
        reason,
        proposal,
        metricName,
        normalization,
        error: `failed to rescale ${reference}: ${err}`,
      });
    }
    scaled = true;
    setCondition(conditions, "AbleToScale", "True", "SucceededRescale", MSG.succeededRescale(desired), nowIso);
    events.push({ type: "Normal", reason: "SuccessfulRescale", message: `New size: ${desired}; reason: ${reason}` });
    storeScaleEvent(resolveBehavior(spec.behavior), { up: history.scaleUpEvents, down: history.scaleDownEvents }, current, desired, now);
    logs.push({
      level: "info",
      message: `"Successfully rescaled" HPA="${input.namespace}/${input.name}" currentReplicas=${current} desiredReplicas=${desired} reason="${reason}"`,
    });
    lastScaleTime = nowIso;
  } else {
    desired = current;
  }
  const status = buildStatus(current, desired, statuses, lastScaleTime, conditions);
  return finish(status, {
    currentReplicas: current,
    desiredReplicas: desired,
    rescale,
    scaled,
    reason,
    proposal,
    metricName,
    normalization,
    ...(retErr ? { error: retErr } : {}),
  });
}
