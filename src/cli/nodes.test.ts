import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/meta.js";
import { parseSelector } from "../core/labels.js";
import { bar, HOURS_PER_MONTH, humanDuration, renderNodeView } from "./nodes.js";

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function node(name: string, labels: Record<string, string>, cpu: string, memory: string, createdMs: number, ready = true): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels, creationTimestamp: iso(createdMs) },
    spec: {},
    status: { allocatable: { cpu, memory, pods: "58" }, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  } as KubeObject;
}

function pod(name: string, nodeName: string | undefined, cpu: string, memory: string, phase = nodeName ? "Running" : "Pending"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName, containers: [{ name: "c", image: "pause", resources: { requests: { cpu, memory } } }] },
    status: { phase },
  } as KubeObject;
}

describe("eks-node-viewer view", () => {
  const karp = { "node.kubernetes.io/instance-type": "c5a.2xlarge", "karpenter.sh/capacity-type": "on-demand", "topology.kubernetes.io/zone": "ap-northeast-2a", "karpenter.sh/nodepool": "default" };
  const mng = { "node.kubernetes.io/instance-type": "m5.large", "eks.amazonaws.com/capacityType": "SPOT", "topology.kubernetes.io/zone": "ap-northeast-2b" };
  const nodes = [node("ip-10-0-2-1", mng, "1930m", "6903Mi", 0), node("ip-10-0-1-9", karp, "7910m", "14162Mi", 10 * 60_000)];
  const pods = [
    ...[1, 2, 3, 4, 5].map((i) => pod(`inflate-${i}`, "ip-10-0-1-9", "1", "1536Mi")),
    pod("web", "ip-10-0-2-1", "500m", "512Mi"),
    pod("pending", undefined, "1", "1Gi"),
    pod("done", "ip-10-0-2-1", "4", "1Gi", "Succeeded"),
  ];
  const prices: Record<string, number> = { "ip-10-0-1-9": 0.344, "ip-10-0-2-1": 0.05 };
  const view = renderNodeView(nodes, pods, { now: T0 + 15 * 60_000, priceOf: (n) => prices[n.metadata.name!], resources: ["cpu", "memory"] });
  const lines = view.split("\n");

  it("sums requests against allocatable per node and for the cluster", () => {
    // cpu: 5 × 1000m + 500m = 5500m of 1930m + 7910m = 9840m → 55.9 %
    expect(lines[0]).toBe(`2 nodes (5500m/9840m) 55.9% cpu    ${bar(5500 / 9840)} $0.394/hour | $${(0.394 * HOURS_PER_MONTH).toFixed(3)}/month`);
    // memory: 5 × 1536Mi + 512Mi = 8192Mi = 8Gi of 6903Mi + 14162Mi = 21065Mi → 38.9 %
    expect(lines[1]).toBe(`        (8Gi/21065Mi) 38.9% memory ${bar(8192 / 21065)}`);
    // the Succeeded pod is not counted; the pending one is
    expect(lines[2]).toBe("7 pods (1 pending 6 running 6 bound)");
  });

  it("lists nodes oldest first with type/price, capacity type, zone, status and age", () => {
    expect(lines[4]).toBe(`ip-10-0-2-1 cpu    ${bar(500 / 1930)}  26% (1 pods) m5.large/$0.0500 Spot ap-northeast-2b - Ready 15m`);
    expect(lines[5]).toBe(`            memory ${bar(512 / 6903)}   7%`);
    // 5000m / 7910m = 63.2 % → 22 of 35 cells
    expect(lines[6]).toBe(`ip-10-0-1-9 cpu    ${"█".repeat(22)}${"░".repeat(13)}  63% (5 pods) c5a.2xlarge/$0.3440 On-Demand ap-northeast-2a - Ready 5m`);
    expect(lines[7]).toBe(`            memory ${bar(7680 / 14162)}  54%`);
  });

  it("filters by node selector", () => {
    const v = renderNodeView(nodes, pods, { now: T0, priceOf: () => undefined, nodeSelector: parseSelector("karpenter.sh/nodepool") });
    expect(v.split("\n")[0]).toBe(`1 nodes (5/7910m) 63.2% cpu ${bar(5000 / 7910)}`);
    expect(v.split("\n")[1]).toBe("6 pods (1 pending 5 running 5 bound)");
  });

  it("kubectl HumanDuration ages", () => {
    expect(humanDuration(59_000)).toBe("59s");
    expect(humanDuration(119_000)).toBe("119s");
    expect(humanDuration(150_000)).toBe("2m30s");
    expect(humanDuration(15 * 60_000)).toBe("15m");
    expect(humanDuration(3 * 3_600_000 + 5 * 60_000)).toBe("3h5m");
    expect(humanDuration(30 * 3_600_000)).toBe("30h");
    expect(humanDuration(50 * 3_600_000)).toBe("2d2h");
  });
});
