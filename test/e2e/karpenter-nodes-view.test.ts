/**
 * `scalelab nodes --kubeconfig` against `scalelab serve` running the Karpenter inflate lab, GET /metrics
 * (Karpenter's Prometheus metrics) and the NodePool status through kubectl.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { remoteNodeView, targetFromKubeconfig } from "../../src/cli/nodes-remote.js";
import { Kubectl, until } from "./helpers.js";

/** c5a.2xlarge on-demand in ap-northeast-2, from ec2-instance-types.json (USD/hour). */
const C5A_2XL_SEOUL = 0.344;
/** m5.large on-demand in ap-northeast-2 (USD/hour). */
const M5_LARGE_SEOUL = 0.118;

describe("Karpenter node viewer and /metrics against scalelab serve", () => {
  const k = new Kubectl();
  beforeAll(async () => {
    await k.start({ files: ["examples/karpenter-inflate.yaml"], speed: 20 });
  });
  afterAll(() => k.stop());

  it("lists the c5a.2xlarge Karpenter node with its $/hour, next to the managed node group", async () => {
    const target = targetFromKubeconfig(readFileSync(k.serve.kubeconfigPath, "utf8"));
    expect(target.server).toBe(k.serve.url);
    const view = await until(async () => {
      const v = await remoteNodeView(target, { resources: ["cpu"] });
      return /c5a\.2xlarge/.test(v) ? v : undefined;
    });
    const lines = view.split("\n");
    const row = lines.find((l) => l.includes("c5a.2xlarge"))!;
    expect(row).toMatch(new RegExp(`\\(\\d+ pods\\) c5a\\.2xlarge/\\$${C5A_2XL_SEOUL.toFixed(4).replace(".", "\\.")} On-Demand ap-northeast-2[a-d] `));
    const managed = lines.filter((l) => l.includes("m5.large/"));
    expect(managed).toHaveLength(2);
    expect(managed[0]).toContain(`m5.large/$${M5_LARGE_SEOUL.toFixed(4)}`);
    // the cluster total at 5 replicas (before the scale to 30 at 5m): 2 × m5.large + 1 × c5a.2xlarge
    const hourly = 2 * M5_LARGE_SEOUL + C5A_2XL_SEOUL;
    expect(lines[0]).toMatch(/^3 nodes /);
    expect(lines[0]).toContain(`$${hourly.toFixed(3)}/hour | $${(hourly * 730).toFixed(3)}/month`);
  });

  it("NodePool status: NODES counts the pool's node and READY follows the EC2NodeClass", async () => {
    const out = await until(async () => {
      const r = await k.run("get", "nodepool", "default", "-o", "json");
      const np = r.code === 0 ? JSON.parse(r.stdout) : undefined;
      return np?.status?.resources?.nodes && np.status.resources.nodes !== "0" ? np : undefined;
    });
    expect(out.status.resources).toMatchObject({ cpu: "8", nodes: "1" });
    expect(out.status.conditions.find((c: { type: string }) => c.type === "Ready")).toMatchObject({ status: "True" });
    const table = await k.run("get", "nodepool");
    expect(table.stdout).toMatch(/^default\s+default\s+1\s+True\s/m);
  });

  it("GET /metrics serves Karpenter's metrics in the Prometheus text format", async () => {
    const res = await fetch(`${k.serve.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("# TYPE karpenter_nodeclaims_created_total counter\n");
    expect(text).toMatch(/^karpenter_nodeclaims_created_total\{min_values_relaxed="false",nodepool="default",reason="provisioned"\} 1$/m);
  });
});
