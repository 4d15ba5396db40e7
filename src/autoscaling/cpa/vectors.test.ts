/**
 * Every CPA vector (test/fixtures/cpa-vectors.json, a copy of the upstream-derived set) against the
 * pure decision functions. `cluster.nodes/cores` are the schedulable counts; `totalNodes/totalCores`
 * (when present) include unschedulable nodes.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ladderParamsFrom, ladderReplicas, parseLadderParams } from "./ladder.js";
import { linearParamsFrom, linearReplicas, parseLinearParams } from "./linear.js";
import type { ClusterStatus } from "./status.js";

interface Vector {
  id: string;
  mode: "ladder" | "linear";
  params: Record<string, unknown>;
  cluster: { nodes: number; cores: number; totalNodes?: number; totalCores?: number };
  expectReplicas: number;
}

const vectors: Vector[] = JSON.parse(readFileSync(fileURLToPath(new URL("../../../test/fixtures/cpa-vectors.json", import.meta.url)), "utf8"));

function statusOf(c: Vector["cluster"]): ClusterStatus {
  return { schedulableNodes: c.nodes, schedulableCores: c.cores, totalNodes: c.totalNodes ?? c.nodes, totalCores: c.totalCores ?? c.cores };
}

describe("CPA vectors", () => {
  it("has the full fixture", () => {
    expect(vectors.length).toBe(39);
    expect(new Set(vectors.map((v) => v.id)).size).toBe(vectors.length);
  });

  for (const v of vectors) {
    it(`${v.id}: ${v.mode} → ${v.expectReplicas}`, () => {
      const status = statusOf(v.cluster);
      if (v.mode === "ladder") {
        expect(ladderReplicas(ladderParamsFrom(v.params as never), status).replicas).toBe(v.expectReplicas);
        // The same params through the ConfigMap's JSON string.
        expect(ladderReplicas(parseLadderParams(JSON.stringify(v.params)), status).replicas).toBe(v.expectReplicas);
      } else {
        expect(linearReplicas(linearParamsFrom(v.params as never), status).replicas).toBe(v.expectReplicas);
        expect(linearReplicas(parseLinearParams(JSON.stringify(v.params)), status).replicas).toBe(v.expectReplicas);
      }
    });
  }
});
