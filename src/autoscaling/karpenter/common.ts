/**
 * Helpers shared by the Karpenter controllers of this folder: the zap-style log line with
 * controller-runtime fields, resource-list formatting, the cloud provider lookup and simple
 * label-vs-requirement checks for launch.
 */
import type { ControllerContext } from "../../api/controller.js";
import type { Logger } from "../../api/logs.js";
import type { Rng } from "../../core/rng.js";
import { formatBytes, formatCpuMilli } from "../../core/quantity.js";
import { CLOUD_PROVIDER_SERVICE, type CloudProvider, type NodeRequirement, type ResourceList } from "../../cloud/provider.js";

export const KARPENTER_LOG_COMPONENT = "karpenter";
export const KARPENTER_EVENT_SOURCE = "karpenter";

export function cloudProvider(ctx: ControllerContext): CloudProvider | undefined {
  return ctx.services.get(CLOUD_PROVIDER_SERVICE) as CloudProvider | undefined;
}

/** A UUIDv4-shaped reconcile id from a seeded stream. */
export function reconcileId(rng: Rng): string {
  let h = "";
  for (let i = 0; i < 32; i++) h += "0123456789abcdef"[rng.int(16)];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[rng.int(4)]}${h.slice(17, 20)}-${h.slice(20)}`;
}

export interface ReconcileLogFields {
  controller: string;
  controllerGroup: string;
  controllerKind: string;
  /** The reconciled object (`NodeClaim` / `Node`). */
  kind: string;
  name: string;
}

/**
 * Write one controller-runtime log line: `controller`, `controllerGroup`, `controllerKind`, the
 * object (`"NodeClaim":{"name":…}`), `namespace`, `name`, `reconcileID`, then the structured values.
 */
export function logReconcile(
  logger: Logger,
  rng: Rng,
  level: "info" | "error" | "debug",
  r: ReconcileLogFields,
  message: string,
  values: Record<string, unknown> = {},
): void {
  const fields: Record<string, unknown> = {
    controller: r.controller,
    controllerGroup: r.controllerGroup,
    controllerKind: r.controllerKind,
    [r.kind]: { name: r.name },
    namespace: "",
    name: r.name,
    reconcileID: reconcileId(rng),
    ...values,
  };
  logger[level](message, fields);
}

/** ResourceList (millicores/bytes) → Kubernetes quantity strings, keys in Go map (sorted) order. */
export function formatResourceList(rl: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  const entries: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(rl)) {
    if (v === undefined) continue;
    if (k === "cpu") entries.push(["cpu", formatCpuMilli(v)]);
    else if (k === "memory") entries.push(["memory", formatBytes(v)]);
    else if (k === "ephemeralStorage") entries.push(["ephemeral-storage", formatBytes(v)]);
    else entries.push([k, String(v)]);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Does a single label value satisfy one requirement (absent label = undefined)? */
export function requirementAllows(r: NodeRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case "In":
      return value !== undefined && (r.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(r.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
      return value !== undefined && /^-?\d+$/.test(value) && Number(value) > Number(r.values?.[0]);
    case "Lt":
      return value !== undefined && /^-?\d+$/.test(value) && Number(value) < Number(r.values?.[0]);
    default:
      return false;
  }
}

/** Single-valued `In` requirements as labels (scheduling.Requirements.Labels()), hostname excluded. */
export function singleValueLabels(reqs: readonly NodeRequirement[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of reqs ?? []) {
    if (r.operator === "In" && r.values && r.values.length === 1 && r.key !== "kubernetes.io/hostname") out[r.key] = r.values[0]!;
  }
  return out;
}
