import { describe, expect, it } from "vitest";
import { linearParamsFrom, linearReplicas, parseLinearParams } from "./linear.js";
import type { ClusterStatus } from "./status.js";

const st = (nodes: number, cores: number, totalNodes = nodes, totalCores = cores): ClusterStatus => ({
  schedulableNodes: nodes,
  schedulableCores: cores,
  totalNodes,
  totalCores,
});

describe("linear mode", () => {
  it("README: 4 nodes, 13 cores, coresPerReplica 2, nodesPerReplica 1 → max(ceil(6.5)=7, 4) = 7", () => {
    const p = parseLinearParams('{"coresPerReplica":2,"nodesPerReplica":1}');
    expect(linearReplicas(p, st(4, 13))).toMatchObject({ replicas: 7, fromCores: 7, fromNodes: 4 });
  });
  it("applies preventSinglePointFailure after max: max 1 with 2 nodes still gives 2", () => {
    const p = linearParamsFrom({ nodesPerReplica: 10, max: 1, preventSinglePointFailure: true });
    expect(linearReplicas(p, st(2, 4))).toMatchObject({ replicas: 2, singlePointFailurePrevented: true });
    // one node: no second replica
    expect(linearReplicas(p, st(1, 2)).replicas).toBe(1);
  });
  it("PSPF looks at the node count, not cores", () => {
    const p = linearParamsFrom({ coresPerReplica: 256, preventSinglePointFailure: true });
    // nodesPerReplica unset: node term is 1, raised to 2 because nodes > 1
    expect(linearReplicas(p, st(3, 6)).replicas).toBe(2);
    expect(linearReplicas(p, st(1, 96)).replicas).toBe(1);
  });
  it("DNS autoscaler default: 256 cores / 16 nodes per replica, PSPF", () => {
    const p = parseLinearParams('{"coresPerReplica":256,"nodesPerReplica":16,"preventSinglePointFailure":true}');
    expect(linearReplicas(p, st(40, 80)).replicas).toBe(3); // ceil(40/16)=3 vs ceil(80/256)=1
    expect(linearReplicas(p, st(2, 4)).replicas).toBe(2);
  });
  it("clamps each term to [min, max]", () => {
    const p = linearParamsFrom({ coresPerReplica: 1, min: 3, max: 5 });
    expect(linearReplicas(p, st(1, 1)).replicas).toBe(3);
    expect(linearReplicas(p, st(1, 99)).replicas).toBe(5);
  });
  it("a misspelled preventSinglePointOfFailure has no effect", () => {
    const p = parseLinearParams('{"nodesPerReplica":16,"preventSinglePointOfFailure":true}');
    expect(p.preventSinglePointFailure).toBe(false);
    expect(linearReplicas(p, st(4, 8)).replicas).toBe(1);
  });
  it("uses total counts with includeUnschedulableNodes", () => {
    const p = linearParamsFrom({ nodesPerReplica: 1, includeUnschedulableNodes: true });
    expect(linearReplicas(p, st(2, 4, 5, 10)).replicas).toBe(5);
    expect(linearReplicas(linearParamsFrom({ nodesPerReplica: 1 }), st(2, 4, 5, 10)).replicas).toBe(2);
  });
  it("validates like parseParams", () => {
    expect(() => linearParamsFrom({ nodesPerReplica: 1, min: -1 })).toThrow("invalid negative value for min: -1");
    expect(linearParamsFrom({ nodesPerReplica: 1, min: 0 }).min).toBe(1);
    expect(() => linearParamsFrom({ nodesPerReplica: 1, min: 5, max: 3 })).toThrow("max replicas count 3 should be greater than / equal to min replicas count 5");
    expect(() => linearParamsFrom({ min: 1 })).toThrow("should at least provide either CoresPerReplica or NodesPerReplica (Greater than 0)");
    expect(() => linearParamsFrom({ coresPerReplica: -2, nodesPerReplica: 1 })).toThrow("invalid negative value for coresPerReplica: -2");
    expect(() => parseLinearParams('{"nodesPerReplica":1,"min":1.5}')).toThrow(/cannot unmarshal number 1.5 into Go struct field linearParams.min of type int/);
    expect(() => parseLinearParams('{"nodesPerReplica":"1"}')).toThrow(/cannot unmarshal string into Go struct field linearParams.nodesPerReplica of type float64/);
  });
});
