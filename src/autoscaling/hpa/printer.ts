/**
 * `kubectl get hpa` columns as kubectl 1.32 prints them (pkg/printers/internalversion/printers.go
 * printHorizontalPodAutoscaler / formatHPAMetrics): NAME, REFERENCE, TARGETS, MINPODS, MAXPODS,
 * REPLICAS, AGE. TARGETS shows at most two metrics, then `+ N more...`; resource metrics are
 * prefixed with their name (`cpu: 52%/50%`); an absent current value prints `<unknown>`.
 */
import type { KubeObject } from "../../api/meta.js";
import { parseQuantity } from "../../core/quantity.js";
import type { MetricSpec, MetricStatus } from "./reconcile.js";

function q(v: string | number | undefined): string {
  if (v === undefined || v === null) return "<nil>";
  try {
    return parseQuantity(v).toString();
  } catch {
    return String(v);
  }
}

/** formatHPAMetrics(spec.metrics, status.currentMetrics). */
export function formatHpaTargets(hpa: KubeObject): string {
  const specs: MetricSpec[] = hpa.spec?.metrics ?? [];
  const statuses: MetricStatus[] = hpa.status?.currentMetrics ?? [];
  if (specs.length === 0) return "<none>";
  const list: string[] = [];
  const maximum = 2;
  let count = 0;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const st = statuses.length > i ? statuses[i] : undefined;
    switch (spec.type) {
      case "External": {
        const t = spec.external!.target;
        if (t.averageValue !== undefined) {
          const cur = st?.external?.current.averageValue !== undefined ? q(st.external.current.averageValue) : "<unknown>";
          list.push(`${cur}/${q(t.averageValue)} (avg)`);
        } else {
          const cur = st?.external ? q(st.external.current.value) : "<unknown>";
          list.push(`${cur}/${q(t.value)}`);
        }
        break;
      }
      case "Pods": {
        const cur = st?.pods ? q(st.pods.current.averageValue) : "<unknown>";
        list.push(`${cur}/${q(spec.pods!.target.averageValue)}`);
        break;
      }
      case "Object": {
        const t = spec.object!.target;
        if (t.averageValue !== undefined) {
          const cur = st?.object?.current.averageValue !== undefined ? q(st.object.current.averageValue) : "<unknown>";
          list.push(`${cur}/${q(t.averageValue)} (avg)`);
        } else {
          const cur = st?.object ? q(st.object.current.value) : "<unknown>";
          list.push(`${cur}/${q(t.value)}`);
        }
        break;
      }
      case "Resource":
      case "ContainerResource": {
        const src = spec.type === "Resource" ? spec.resource! : spec.containerResource!;
        const cur = spec.type === "Resource" ? st?.resource : st?.containerResource;
        if (src.target.averageValue !== undefined) {
          const c = cur ? q(cur.current.averageValue) : "<unknown>";
          list.push(`${src.name}: ${c}/${q(src.target.averageValue)}`);
        } else {
          const c = cur?.current.averageUtilization !== undefined ? `${cur.current.averageUtilization}%` : "<unknown>";
          const target = src.target.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : "<auto>";
          list.push(`${src.name}: ${c}/${target}`);
        }
        break;
      }
      default:
        list.push("<unknown type>");
    }
    count++;
  }
  if (count > maximum) return `${list.slice(0, maximum).join(", ")} + ${count - maximum} more...`;
  return list.join(", ");
}

/** duration.HumanDuration as kubectl's AGE column prints it. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export interface HpaRow {
  NAME: string;
  REFERENCE: string;
  TARGETS: string;
  MINPODS: string;
  MAXPODS: number;
  REPLICAS: number;
  AGE: string;
}

/**
 * printHorizontalPodAutoscaler. `now` and `creationMs` are Unix ms (or any common origin); when
 * `creationMs` is omitted it is parsed from metadata.creationTimestamp.
 */
export function hpaRow(hpa: KubeObject, now: number, creationMs?: number): HpaRow {
  const ref = hpa.spec?.scaleTargetRef ?? {};
  const created = creationMs ?? (hpa.metadata.creationTimestamp ? Date.parse(hpa.metadata.creationTimestamp) : NaN);
  return {
    NAME: hpa.metadata.name ?? "",
    REFERENCE: `${ref.kind}/${ref.name}`,
    TARGETS: formatHpaTargets(hpa),
    MINPODS: hpa.spec?.minReplicas !== undefined && hpa.spec?.minReplicas !== null ? String(hpa.spec.minReplicas) : "<unset>",
    MAXPODS: hpa.spec?.maxReplicas ?? 0,
    REPLICAS: hpa.status?.currentReplicas ?? 0,
    AGE: Number.isFinite(created) ? humanDuration(now - created) : "<unknown>",
  };
}
