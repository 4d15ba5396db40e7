/**
 * CPA linear mode (linearcontroller): replicas proportional to cores and to nodes, each term
 * clamped to [min, max] (max 0 = unbounded), then preventSinglePointFailure raises the node term to
 * 2 when there is more than one node (after the clamp, so it can exceed max).
 */
import { goDecodeStruct, goJsonParse, GoJsonError } from "./gojson.js";
import { CpaParamsError } from "./ladder.js";
import { countsFor, type ClusterStatus } from "./status.js";

export const LINEAR_MODE = "linear";

export interface LinearParams {
  coresPerReplica: number;
  nodesPerReplica: number;
  /** Rewritten to 1 when 0 or unset. */
  min: number;
  /** 0 = unbounded. */
  max: number;
  preventSinglePointFailure: boolean;
  includeUnschedulableNodes: boolean;
}

/** Validate and default like linearcontroller.parseParams. */
export function linearParamsFrom(p: Partial<Record<keyof LinearParams, number | boolean | null>>): LinearParams {
  const out: LinearParams = {
    coresPerReplica: (p.coresPerReplica as number | null) ?? 0,
    nodesPerReplica: (p.nodesPerReplica as number | null) ?? 0,
    min: (p.min as number | null) ?? 0,
    max: (p.max as number | null) ?? 0,
    preventSinglePointFailure: (p.preventSinglePointFailure as boolean | null) ?? false,
    includeUnschedulableNodes: (p.includeUnschedulableNodes as boolean | null) ?? false,
  };
  if (out.min < 0) throw new CpaParamsError(`invalid negative value for min: ${out.min}`);
  if (out.min === 0) out.min = 1;
  if (out.max !== 0 && out.max < out.min) {
    throw new CpaParamsError(`max replicas count ${out.max} should be greater than / equal to min replicas count ${out.min}`);
  }
  if (out.coresPerReplica === 0 && out.nodesPerReplica === 0) {
    throw new CpaParamsError("should at least provide either CoresPerReplica or NodesPerReplica (Greater than 0)");
  }
  if (out.coresPerReplica < 0) throw new CpaParamsError(`invalid negative value for coresPerReplica: ${out.coresPerReplica}`);
  if (out.nodesPerReplica < 0) throw new CpaParamsError(`invalid negative value for nodesPerReplica: ${out.nodesPerReplica}`);
  return out;
}

/** The ConfigMap's `linear` JSON string → params. Throws CpaParamsError worded like upstream. */
export function parseLinearParams(json: string): LinearParams {
  let decoded: Record<string, unknown>;
  try {
    decoded = goDecodeStruct(
      goJsonParse(json),
      {
        coresPerReplica: "float64",
        nodesPerReplica: "float64",
        min: "int",
        max: "int",
        preventSinglePointFailure: "bool",
        includeUnschedulableNodes: "bool",
      },
      "linearParams",
      "linearcontroller.linearParams",
    );
  } catch (e) {
    if (e instanceof GoJsonError) throw new CpaParamsError(`could not parse parameters (${e.message})`);
    throw e;
  }
  return linearParamsFrom(decoded as Parameters<typeof linearParamsFrom>[0]);
}

export interface LinearDecision {
  replicas: number;
  nodes: number;
  cores: number;
  fromCores: number;
  fromNodes: number;
  /** preventSinglePointFailure raised the node term to 2. */
  singlePointFailurePrevented: boolean;
}

function term(count: number, perReplica: number, min: number, max: number): number {
  if (perReplica === 0) return 1;
  let r = Math.ceil(count / perReplica);
  if (max !== 0 && r > max) r = max;
  return r < min ? min : r;
}

export function linearReplicas(params: LinearParams, status: ClusterStatus): LinearDecision {
  const { nodes, cores } = countsFor(status, params.includeUnschedulableNodes);
  const fromCores = term(cores, params.coresPerReplica, params.min, params.max);
  let fromNodes = term(nodes, params.nodesPerReplica, params.min, params.max);
  let spf = false;
  if (params.preventSinglePointFailure && nodes > 1 && fromNodes < 2) {
    fromNodes = 2;
    spf = true;
  }
  return { replicas: fromCores > fromNodes ? fromCores : fromNodes, nodes, cores, fromCores, fromNodes, singlePointFailurePrevented: spf };
}
