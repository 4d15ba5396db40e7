import { describe, expect, it } from "vitest";
import { CpaParamsError, ladderLookup, ladderReplicas, parseLadderParams } from "./ladder.js";
import type { ClusterStatus } from "./status.js";

const st = (nodes: number, cores: number, totalNodes = nodes, totalCores = cores): ClusterStatus => ({
  schedulableNodes: nodes,
  schedulableCores: cores,
  totalNodes,
  totalCores,
});

describe("ladder step lookup", () => {
  const lab = [[1, 1], [2, 2], [3, 3], [4, 3], [5, 5]];
  it("follows the workshop table (spec §4)", () => {
    const want: Array<[number, number]> = [[0, 1], [1, 1], [2, 2], [3, 3], [4, 3], [5, 5], [6, 5], [100, 5]];
    for (const [n, r] of want) expect(ladderLookup(n, lab), `nodes ${n}`).toBe(r);
  });
  it("empty list gives 0", () => {
    expect(ladderLookup(7, [])).toBe(0);
  });
  it("README example: 100 nodes, 400 cores → 3", () => {
    const p = parseLadderParams('{"coresToReplicas":[[1,1],[64,3],[512,5],[1024,7],[2048,10],[4096,15]],"nodesToReplicas":[[1,1],[2,2]]}');
    expect(ladderReplicas(p, st(100, 400))).toMatchObject({ replicas: 3, fromCores: 3, fromNodes: 2 });
  });
  it("sorts unsorted lists by threshold", () => {
    const p = parseLadderParams('{"nodesToReplicas":[[5,5],[1,1],[3,3]]}');
    expect(p.nodesToReplicas).toEqual([[1, 1], [3, 3], [5, 5]]);
    expect(ladderReplicas(p, st(4, 0)).replicas).toBe(3);
  });
  it("uses schedulable counts unless includeUnschedulableNodes", () => {
    const off = parseLadderParams('{"nodesToReplicas":[[1,1],[2,2],[3,3]]}');
    const on = parseLadderParams('{"nodesToReplicas":[[1,1],[2,2],[3,3]],"includeUnschedulableNodes":true}');
    expect(ladderReplicas(off, st(1, 2, 3, 6)).replicas).toBe(1);
    expect(ladderReplicas(on, st(1, 2, 3, 6)).replicas).toBe(3);
  });
});

describe("ladder params parsing (Go json rules)", () => {
  it("ignores unknown and misspelled keys: the misspelled list stays empty and looks up 0", () => {
    const p = parseLadderParams('{"coresToReplica":[[1,4]],"nodesToReplicas":[[1,1]]}');
    expect(p.coresToReplicas).toEqual([]);
    expect(ladderReplicas(p, st(3, 12)).replicas).toBe(1);
  });
  it("matches field names case-insensitively like encoding/json", () => {
    expect(parseLadderParams('{"NodesToReplicas":[[1,2]]}').nodesToReplicas).toEqual([[1, 2]]);
  });
  it("rejects a pair without 2 elements and negative numbers", () => {
    expect(() => parseLadderParams('{"coresToReplicas":[[1,1,1]]}')).toThrow("invalid element [1 1 1] in cores_to_replicas_map");
    expect(() => parseLadderParams('{"nodesToReplicas":[[1,-1]]}')).toThrow("invalid negative values in entry [1 -1] in nodes_to_replicas_map");
  });
  it("rejects a string where includeUnschedulableNodes expects a bool (examples/ladder-defaultparams.yaml)", () => {
    expect(() => parseLadderParams('{"nodesToReplicas":[[1,1]],"includeUnschedulableNodes":"true"}')).toThrow(
      "could not parse parameters (json: cannot unmarshal string into Go struct field ladderParams.includeUnschedulableNodes of type bool)",
    );
  });
  it("rejects non-integer thresholds and bad JSON", () => {
    expect(() => parseLadderParams('{"nodesToReplicas":[[1.5,1]]}')).toThrow(/cannot unmarshal number 1.5 into Go struct field ladderParams.nodesToReplicas of type int/);
    expect(() => parseLadderParams("{")).toThrow(CpaParamsError);
    expect(() => parseLadderParams("[]")).toThrow("json: cannot unmarshal array into Go value of type laddercontroller.ladderParams");
  });
});
