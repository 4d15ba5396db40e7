/**
 * autoscaling/v1 ⇔ autoscaling/v2 HorizontalPodAutoscaler conversion, as
 * pkg/apis/autoscaling/v1/conversion.go does it (hpa.md §12):
 * - v1 `targetCPUUtilizationPercentage` ⇔ a Resource cpu Utilization metric;
 * - every other metric, the current metrics, the conditions and the behavior survive a v1 round trip
 *   in the `autoscaling.alpha.kubernetes.io/*` annotations (metrics/current-metrics in the v1
 *   alpha "MetricSpec" shape, behavior as the internal type's JSON with capitalised keys);
 * - a v1 object with no target and no other metrics converts to 80 % CPU.
 * Setting the annotations by hand on a v2 object has no effect (they are dropped on the way in).
 */
import type { KubeObject } from "./meta.js";

export const METRIC_SPECS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
export const METRIC_STATUSES_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics";
export const CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";
export const BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];
export const DEFAULT_CPU_UTILIZATION = 80;

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** Build an object dropping undefined fields (Go `omitempty` on pointers), keeping key order. */
function obj(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) if (v !== undefined) o[k] = v;
  return o;
}

function dropRoundTrip(ann: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!ann) return undefined;
  if (!ROUND_TRIP.some((k) => k in ann)) return ann;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ann)) if (!ROUND_TRIP.includes(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

// ------------------------------------------------------------------------------ metric specs

/** v2 MetricSpec → v1 alpha MetricSpec (annotation shape). */
function metricSpecToV1(m: any): Record<string, unknown> {
  const t = (src: any) => src?.target ?? {};
  const out: Array<[string, unknown]> = [["type", m.type]];
  if (m.object) {
    const o = m.object;
    out.push([
      "object",
      obj([
        ["target", o.describedObject],
        ["metricName", o.metric?.name ?? ""],
        ["targetValue", t(o).value ?? "0"],
        ["selector", o.metric?.selector],
        ["averageValue", t(o).averageValue],
      ]),
    ]);
  }
  if (m.pods) {
    out.push([
      "pods",
      obj([
        ["metricName", m.pods.metric?.name ?? ""],
        ["targetAverageValue", t(m.pods).averageValue ?? "0"],
        ["selector", m.pods.metric?.selector],
      ]),
    ]);
  }
  if (m.resource) {
    out.push([
      "resource",
      obj([
        ["name", m.resource.name],
        ["targetAverageUtilization", t(m.resource).averageUtilization],
        ["targetAverageValue", t(m.resource).averageValue],
      ]),
    ]);
  }
  if (m.containerResource) {
    const c = m.containerResource;
    out.push([
      "containerResource",
      obj([
        ["name", c.name],
        ["targetAverageUtilization", t(c).averageUtilization],
        ["targetAverageValue", t(c).averageValue],
        ["container", c.container],
      ]),
    ]);
  }
  if (m.external) {
    const e = m.external;
    out.push([
      "external",
      obj([
        ["metricName", e.metric?.name ?? ""],
        ["metricSelector", e.metric?.selector],
        ["targetValue", t(e).value],
        ["targetAverageValue", t(e).averageValue],
      ]),
    ]);
  }
  return obj(out);
}

/** v1 alpha MetricSpec (annotation shape) → v2 MetricSpec. */
function metricSpecFromV1(m: any): Record<string, unknown> {
  const out: Array<[string, unknown]> = [["type", m.type]];
  if (m.object) {
    const o = m.object;
    out.push([
      "object",
      {
        describedObject: o.target,
        target: obj([
          ["type", isSet(o.averageValue) ? "AverageValue" : "Value"],
          ["value", o.targetValue],
          ["averageValue", o.averageValue],
        ]),
        metric: obj([
          ["name", o.metricName],
          ["selector", o.selector],
        ]),
      },
    ]);
  }
  if (m.pods) {
    out.push([
      "pods",
      {
        metric: obj([
          ["name", m.pods.metricName],
          ["selector", m.pods.selector],
        ]),
        target: obj([
          ["type", "AverageValue"],
          ["averageValue", m.pods.targetAverageValue],
        ]),
      },
    ]);
  }
  for (const key of ["resource", "containerResource"] as const) {
    const r = m[key];
    if (!r) continue;
    out.push([
      key,
      obj([
        ["name", r.name],
        [
          "target",
          obj([
            ["type", isSet(r.targetAverageUtilization) ? "Utilization" : "AverageValue"],
            ["averageUtilization", r.targetAverageUtilization],
            ["averageValue", r.targetAverageValue],
          ]),
        ],
        ["container", key === "containerResource" ? r.container : undefined],
      ]),
    ]);
  }
  if (m.external) {
    const e = m.external;
    out.push([
      "external",
      {
        metric: obj([
          ["name", e.metricName],
          ["selector", e.metricSelector],
        ]),
        target: obj([
          ["type", isSet(e.targetValue) ? "Value" : "AverageValue"],
          ["value", e.targetValue],
          ["averageValue", e.targetAverageValue],
        ]),
      },
    ]);
  }
  return obj(out);
}

// ------------------------------------------------------------------------------ metric statuses

function metricStatusToV1(m: any): Record<string, unknown> {
  const c = (src: any) => src?.current ?? {};
  const out: Array<[string, unknown]> = [["type", m.type]];
  if (m.object) {
    const o = m.object;
    out.push([
      "object",
      obj([
        ["target", o.describedObject],
        ["metricName", o.metric?.name ?? ""],
        ["currentValue", c(o).value ?? "0"],
        ["selector", o.metric?.selector],
        ["averageValue", c(o).averageValue],
      ]),
    ]);
  }
  if (m.pods) {
    out.push([
      "pods",
      obj([
        ["metricName", m.pods.metric?.name ?? ""],
        ["currentAverageValue", c(m.pods).averageValue ?? "0"],
        ["selector", m.pods.metric?.selector],
      ]),
    ]);
  }
  if (m.resource) {
    out.push([
      "resource",
      obj([
        ["name", m.resource.name],
        ["currentAverageUtilization", c(m.resource).averageUtilization],
        ["currentAverageValue", c(m.resource).averageValue ?? "0"],
      ]),
    ]);
  }
  if (m.containerResource) {
    const r = m.containerResource;
    out.push([
      "containerResource",
      obj([
        ["name", r.name],
        ["currentAverageUtilization", c(r).averageUtilization],
        ["currentAverageValue", c(r).averageValue ?? "0"],
        ["container", r.container],
      ]),
    ]);
  }
  if (m.external) {
    const e = m.external;
    out.push([
      "external",
      obj([
        ["metricName", e.metric?.name ?? ""],
        ["metricSelector", e.metric?.selector],
        ["currentValue", c(e).value ?? "0"],
        ["currentAverageValue", c(e).averageValue],
      ]),
    ]);
  }
  return obj(out);
}

function metricStatusFromV1(m: any): Record<string, unknown> {
  const out: Array<[string, unknown]> = [["type", m.type]];
  if (m.object) {
    const o = m.object;
    out.push([
      "object",
      {
        metric: obj([
          ["name", o.metricName],
          ["selector", o.selector],
        ]),
        current: obj([
          ["value", o.currentValue],
          ["averageValue", o.averageValue],
        ]),
        describedObject: o.target,
      },
    ]);
  }
  if (m.pods) {
    out.push([
      "pods",
      {
        metric: obj([
          ["name", m.pods.metricName],
          ["selector", m.pods.selector],
        ]),
        current: { averageValue: m.pods.currentAverageValue },
      },
    ]);
  }
  for (const key of ["resource", "containerResource"] as const) {
    const r = m[key];
    if (!r) continue;
    out.push([
      key,
      obj([
        ["name", r.name],
        [
          "current",
          obj([
            ["averageValue", r.currentAverageValue],
            ["averageUtilization", r.currentAverageUtilization],
          ]),
        ],
        ["container", key === "containerResource" ? r.container : undefined],
      ]),
    ]);
  }
  if (m.external) {
    const e = m.external;
    out.push([
      "external",
      {
        metric: obj([
          ["name", e.metricName],
          ["selector", e.metricSelector],
        ]),
        current: obj([
          ["value", e.currentValue],
          ["averageValue", e.currentAverageValue],
        ]),
      },
    ]);
  }
  return obj(out);
}

// ------------------------------------------------------------------------------ behavior (internal JSON)

function rulesToInternal(r: any): unknown {
  if (!r) return null;
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: r.policies ? r.policies.map((p: any) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null,
  };
}

function rulesFromInternal(r: any): unknown {
  if (!r) return undefined;
  return obj([
    ["stabilizationWindowSeconds", r.StabilizationWindowSeconds ?? undefined],
    ["selectPolicy", r.SelectPolicy ?? undefined],
    ["policies", r.Policies ? r.Policies.map((p: any) => ({ type: p.Type, value: p.Value, periodSeconds: p.PeriodSeconds })) : undefined],
  ]);
}

// ------------------------------------------------------------------------------ public API

const isCpuUtilization = (m: any): boolean =>
  m?.type === "Resource" && m.resource?.name === "cpu" && isSet(m.resource?.target?.averageUtilization);

/** autoscaling/v2 (stored) → autoscaling/v1, as `kubectl get hpa.v1.autoscaling -o yaml` shows it. */
export function hpaV2ToV1(hpa: KubeObject): KubeObject {
  const spec = hpa.spec ?? {};
  const status = hpa.status;
  const metrics: any[] = spec.metrics ?? [];
  let annotations = dropRoundTrip(hpa.metadata.annotations);
  const add = (k: string, v: string) => {
    annotations = { ...(annotations ?? {}), [k]: v };
  };
  const other = metrics.filter((m) => !isCpuUtilization(m)).map(metricSpecToV1);
  if (other.length > 0) add(METRIC_SPECS_ANNOTATION, JSON.stringify(other));
  const current: any[] = status?.currentMetrics ?? [];
  if (current.length > 0) add(METRIC_STATUSES_ANNOTATION, JSON.stringify(current.map(metricStatusToV1)));
  if (spec.behavior) add(BEHAVIOR_ANNOTATION, JSON.stringify({ ScaleUp: rulesToInternal(spec.behavior.scaleUp), ScaleDown: rulesToInternal(spec.behavior.scaleDown) }));
  const conditions: any[] = status?.conditions ?? [];
  if (conditions.length > 0) {
    add(
      CONDITIONS_ANNOTATION,
      JSON.stringify(
        conditions.map((c) =>
          obj([
            ["type", c.type],
            ["status", c.status],
            ["lastTransitionTime", c.lastTransitionTime ?? null],
            ["reason", c.reason],
            ["message", c.message],
          ]),
        ),
      ),
    );
  }
  let target: number | undefined;
  for (const m of metrics) {
    if (m?.type === "Resource" && m.resource?.name === "cpu") {
      target = m.resource?.target?.averageUtilization ?? undefined;
      break;
    }
  }
  let currentCPU: number | undefined;
  for (const m of current) {
    if (m?.type === "Resource" && m.resource?.name === "cpu" && isSet(m.resource?.current?.averageUtilization)) {
      currentCPU = m.resource.current.averageUtilization;
    }
  }
  const metadata = { ...hpa.metadata };
  if (annotations) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: KubeObject = {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata,
    spec: obj([
      ["scaleTargetRef", spec.scaleTargetRef],
      ["minReplicas", spec.minReplicas],
      ["maxReplicas", spec.maxReplicas],
      ["targetCPUUtilizationPercentage", target],
    ]),
  };
  if (status) {
    out.status = obj([
      ["observedGeneration", status.observedGeneration],
      ["lastScaleTime", status.lastScaleTime],
      ["currentReplicas", status.currentReplicas ?? 0],
      ["desiredReplicas", status.desiredReplicas ?? 0],
      ["currentCPUUtilizationPercentage", currentCPU],
    ]);
  }
  return out;
}

function parseJson(s: string | undefined): unknown {
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined; // upstream ignores annotations that do not decode
  }
}

/** autoscaling/v1 → autoscaling/v2 (the stored version). */
export function hpaV1ToV2(hpa: KubeObject): KubeObject {
  const spec = hpa.spec ?? {};
  const ann = hpa.metadata.annotations ?? {};
  let metrics: any[] | undefined;
  if (isSet(spec.targetCPUUtilizationPercentage)) {
    metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage } } }];
  }
  const other = parseJson(ann[METRIC_SPECS_ANNOTATION]);
  if (Array.isArray(other)) metrics = [...other.map(metricSpecFromV1), ...(metrics ?? [])];
  let behavior: any;
  const b = parseJson(ann[BEHAVIOR_ANNOTATION]) as any;
  if (b && typeof b === "object" && (b.ScaleUp || b.ScaleDown)) {
    behavior = obj([
      ["scaleUp", rulesFromInternal(b.ScaleUp)],
      ["scaleDown", rulesFromInternal(b.ScaleDown)],
    ]);
  }
  if (!metrics || metrics.length === 0) {
    metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  const st = hpa.status;
  let status: any;
  if (st) {
    let currentMetrics: any[] | undefined;
    if (isSet(st.currentCPUUtilizationPercentage)) {
      currentMetrics = [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: st.currentCPUUtilizationPercentage } } }];
    }
    const cm = parseJson(ann[METRIC_STATUSES_ANNOTATION]);
    if (Array.isArray(cm)) currentMetrics = cm.map(metricStatusFromV1);
    const conds = parseJson(ann[CONDITIONS_ANNOTATION]);
    status = obj([
      ["observedGeneration", st.observedGeneration],
      ["lastScaleTime", st.lastScaleTime],
      ["currentReplicas", st.currentReplicas ?? 0],
      ["desiredReplicas", st.desiredReplicas ?? 0],
      ["currentMetrics", currentMetrics],
      ["conditions", Array.isArray(conds) ? conds : undefined],
    ]);
  }
  const metadata = { ...hpa.metadata };
  const kept = dropRoundTrip(hpa.metadata.annotations);
  if (kept) metadata.annotations = kept;
  else delete metadata.annotations;
  const out: KubeObject = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata,
    spec: obj([
      ["scaleTargetRef", spec.scaleTargetRef],
      ["minReplicas", spec.minReplicas],
      ["maxReplicas", spec.maxReplicas],
      ["metrics", metrics],
      ["behavior", behavior],
    ]),
  };
  if (status) out.status = status;
  return out;
}

/** Drop hand-set round-trip annotations from a v2 object (they have no effect in v2). */
export function dropHpaRoundTripAnnotations(hpa: KubeObject): void {
  const kept = dropRoundTrip(hpa.metadata.annotations);
  if (kept) hpa.metadata.annotations = kept;
  else delete hpa.metadata.annotations;
}
