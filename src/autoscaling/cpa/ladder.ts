/**
 * CPA ladder mode (laddercontroller): step functions from cores and from nodes to replicas; the
 * larger step wins. No min, no max, no preventSinglePointFailure; 0 replicas is possible.
 */
import { goDecodeStruct, goJsonParse, GoJsonError } from "./gojson.js";
import { countsFor, type ClusterStatus } from "./status.js";

export const LADDER_MODE = "ladder";

export type LadderEntry = readonly number[];

export interface LadderParams {
  /** Sorted by threshold. */
  coresToReplicas: LadderEntry[];
  /** Sorted by threshold. */
  nodesToReplicas: LadderEntry[];
  includeUnschedulableNodes: boolean;
}

export class CpaParamsError extends Error {}

/** Go's %v of an []int: `[1 2]`. */
function goIntSlice(e: readonly number[]): string {
  return `[${e.join(" ")}]`;
}

function checkEntries(entries: LadderEntry[], mapName: string): void {
  for (const e of entries) {
    if (e.length !== 2) throw new CpaParamsError(`invalid element ${goIntSlice(e)} in ${mapName}`);
    if (e[0]! < 0 || e[1]! < 0) throw new CpaParamsError(`invalid negative values in entry ${goIntSlice(e)} in ${mapName}`);
  }
}

/** Stable sort by threshold (sort.Sort on [threshold, replicas] pairs). */
function sortEntries(entries: LadderEntry[]): LadderEntry[] {
  return entries.map((e, i) => ({ e, i })).sort((a, b) => a.e[0]! - b.e[0]! || a.i - b.i).map((x) => x.e);
}

/** Build params from an already-decoded object (vectors, Helm values). Validates like parseParams. */
export function ladderParamsFrom(p: {
  coresToReplicas?: LadderEntry[] | null;
  nodesToReplicas?: LadderEntry[] | null;
  includeUnschedulableNodes?: boolean | null;
}): LadderParams {
  const cores = [...(p.coresToReplicas ?? [])];
  const nodes = [...(p.nodesToReplicas ?? [])];
  checkEntries(cores, "cores_to_replicas_map");
  checkEntries(nodes, "nodes_to_replicas_map");
  return { coresToReplicas: sortEntries(cores), nodesToReplicas: sortEntries(nodes), includeUnschedulableNodes: p.includeUnschedulableNodes ?? false };
}

/** The ConfigMap's `ladder` JSON string → params. Throws CpaParamsError worded like upstream. */
export function parseLadderParams(json: string): LadderParams {
  let decoded: Record<string, unknown>;
  try {
    decoded = goDecodeStruct(
      goJsonParse(json),
      { coresToReplicas: "[][]int", nodesToReplicas: "[][]int", includeUnschedulableNodes: "bool" },
      "ladderParams",
      "laddercontroller.ladderParams",
    );
  } catch (e) {
    if (e instanceof GoJsonError) throw new CpaParamsError(`could not parse parameters (${e.message})`);
    throw e;
  }
  return ladderParamsFrom(decoded as Parameters<typeof ladderParamsFrom>[0]);
}

/**
 * Step lookup: the replicas of the highest threshold ≤ count, with the first entry as a floor;
 * an empty list gives 0. `entries` must be sorted by threshold.
 */
export function ladderLookup(count: number, entries: readonly LadderEntry[]): number {
  if (entries.length === 0) return 0;
  // first index whose threshold is > count (binary search, like sort.Search)
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (count < entries[mid]![0]!) hi = mid;
    else lo = mid + 1;
  }
  const pos = lo > 0 ? lo - 1 : 0;
  return entries[pos]![1]!;
}

export interface LadderDecision {
  replicas: number;
  nodes: number;
  cores: number;
  fromCores: number;
  fromNodes: number;
}

/** max(lookup(cores, coresToReplicas), lookup(nodes, nodesToReplicas)). */
export function ladderReplicas(params: LadderParams, status: ClusterStatus): LadderDecision {
  const { nodes, cores } = countsFor(status, params.includeUnschedulableNodes);
  const fromCores = ladderLookup(cores, params.coresToReplicas);
  const fromNodes = ladderLookup(nodes, params.nodesToReplicas);
  return { replicas: fromCores > fromNodes ? fromCores : fromNodes, nodes, cores, fromCores, fromNodes };
}
