import { describe, expect, it } from "vitest";
import { Rng } from "../core/rng.js";
import {
  balancedAllocationScore,
  CycleState,
  defaultNormalize,
  filterNode,
  fitErrorMessage,
  leastAllocatedScore,
  numFeasibleNodesToFind,
  schedulePod,
  selectHost,
} from "./framework.js";
import { ClusterSnapshot, PodInfo } from "./nodeinfo.js";
import { insufficientResources, nodeAllocatable, podLimits, podNonZeroRequests, podRequests } from "./resources.js";
import { effectiveTaints, findUntoleratedTaint, toleratesTaint } from "./taints.js";

const MI = 1024 * 1024;
const GI = 1024 * MI;

function mkPod(name: string, spec: Record<string, any>, labels: Record<string, string> = {}, ns = "default") {
  return { metadata: { name, namespace: ns, labels }, spec };
}
function c(requests?: Record<string, string>, limits?: Record<string, string>, extra: Record<string, any> = {}) {
  return { name: "c", resources: { requests, limits }, ...extra };
}
function mkNode(name: string, cpu: string, memory: string, labels: Record<string, string> = {}, taints?: any[]) {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
    spec: { taints },
    status: { allocatable: { cpu, memory, pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
  };
}

describe("resources", () => {
  it("podRequests: sum of containers, max with init containers, sidecars, overhead", () => {
    const p = {
      spec: {
        containers: [c({ cpu: "100m", memory: "128Mi" }), c({ cpu: "200m" })],
        initContainers: [
          c({ cpu: "500m", memory: "64Mi" }), // plain init step: 500m
          c({ cpu: "50m", memory: "32Mi" }, undefined, { restartPolicy: "Always" }), // sidecar
          c({ cpu: "400m" }), // runs with the sidecar: 450m
        ],
        overhead: { cpu: "10m", memory: "1Mi" },
      },
    };
    // app + sidecar: cpu 350m, mem 160Mi; init max: cpu 500m (step 1), mem 64Mi → max(350,500)=500m, max(160Mi, 64Mi)=160Mi
    const r = podRequests(p);
    expect(r.cpu).toBe(510);
    expect(r.memory).toBe(161 * MI);
    expect(r.pods).toBe(1);
  });

  it("limits stand in for missing requests; non-zero defaults for scoring", () => {
    const p = { spec: { containers: [c(undefined, { cpu: "1", memory: "1Gi" }), c()] } };
    expect(podRequests(p)).toMatchObject({ cpu: 1000, memory: GI });
    // The second container sets nothing → 100m / 200Mi for scoring.
    expect(podNonZeroRequests(p)).toMatchObject({ cpu: 1100, memory: GI + 200 * MI });
    expect(podLimits(p)).toMatchObject({ cpu: 1000, memory: GI });
  });

  it("extended resources and fit reasons in upstream order", () => {
    const pod = podRequests({ spec: { containers: [c({ cpu: "3", memory: "2Gi", "nvidia.com/gpu": "1", "ephemeral-storage": "1Gi" })] } });
    const alloc = nodeAllocatable({ status: { allocatable: { cpu: "4", memory: "4Gi", pods: "2", "ephemeral-storage": "10Gi" } } });
    const used = { cpu: 2000, memory: 3 * GI, pods: 2, ephemeralStorage: 0 };
    expect(insufficientResources(pod, used, alloc, 2).map((r) => r.reason)).toEqual([
      "Too many pods",
      "Insufficient cpu",
      "Insufficient memory",
      "Insufficient nvidia.com/gpu",
    ]);
  });
});

describe("taints", () => {
  it("ToleratesTaint semantics", () => {
    const t = { key: "k", value: "v", effect: "NoSchedule" };
    expect(toleratesTaint({ key: "k", operator: "Equal", value: "v" }, t)).toBe(true);
    expect(toleratesTaint({ key: "k", value: "v" }, t)).toBe(true); // empty operator = Equal
    expect(toleratesTaint({ key: "k", operator: "Equal", value: "w" }, t)).toBe(false);
    expect(toleratesTaint({ key: "k", operator: "Exists" }, t)).toBe(true);
    expect(toleratesTaint({ operator: "Exists" }, t)).toBe(true); // empty key + Exists = everything
    expect(toleratesTaint({ key: "k", operator: "Exists", effect: "NoExecute" }, t)).toBe(false);
    expect(findUntoleratedTaint([{ key: "p", effect: "PreferNoSchedule" }, t], [])).toEqual(t);
    expect(findUntoleratedTaint([{ key: "p", effect: "PreferNoSchedule" }], [])).toBeUndefined();
  });

  it("condition taints for NotReady / Unknown nodes", () => {
    expect(effectiveTaints({ status: { conditions: [{ type: "Ready", status: "False" }] } })).toEqual([
      { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
    ]);
    expect(effectiveTaints({ status: { conditions: [{ type: "Ready", status: "Unknown" }] } })).toEqual([
      { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
    ]);
    expect(effectiveTaints({ status: { conditions: [{ type: "Ready", status: "True" }] } })).toEqual([]);
  });
});

describe("scores", () => {
  it("LeastAllocated and BalancedAllocation by hand", () => {
    const snap = new ClusterSnapshot();
    const ni = snap.upsertNode(mkNode("n", "4", "8Gi"));
    snap.addPod(mkPod("a", { containers: [c({ cpu: "1", memory: "2Gi" })] }), "n");
    const p = new PodInfo(mkPod("p", { containers: [c({ cpu: "1", memory: "1Gi" })] }));
    // cpu: (4000-2000)*100/4000 = 50; mem: (8-3)*100/8 = 62 (62.5 truncated) → (50+62)/2 = 56
    expect(leastAllocatedScore(p, ni)).toBe(56);
    // fractions 0.5 and 0.375 → std 0.0625 → 93 (93.75 truncated)
    expect(balancedAllocationScore(p, ni)).toBe(93);
  });

  it("DefaultNormalizeScore", () => {
    expect(defaultNormalize([0, 2, 4], false)).toEqual([0, 50, 100]);
    expect(defaultNormalize([0, 1, 3], true)).toEqual([100, 67, 0]);
    expect(defaultNormalize([0, 0], true)).toEqual([100, 100]);
  });

  it("selectHost takes the max; ties are broken by the rng but always among the maxima", () => {
    const seen = new Set<number>();
    const rng = new Rng(7);
    for (let i = 0; i < 50; i++) seen.add(selectHost([10, 30, 5, 30, 30], rng));
    expect([...seen].sort()).toEqual([1, 3, 4]);
  });

  it("numFeasibleNodesToFind (adaptive percentage)", () => {
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(1000)).toBe(420); // 50 - 1000/125 = 42 %
    expect(numFeasibleNodesToFind(5000)).toBe(500); // 50 - 40 = 10 %
    expect(numFeasibleNodesToFind(20000)).toBe(1000); // floor at 5 %
    expect(numFeasibleNodesToFind(150)).toBe(100); // 49 % = 73 → at least 100
  });

  it("PreferNoSchedule taints steer pods away", () => {
    const snap = new ClusterSnapshot();
    snap.upsertNode(mkNode("soft", "4", "8Gi", {}, [{ key: "x", effect: "PreferNoSchedule" }]));
    snap.upsertNode(mkNode("clean", "4", "8Gi"));
    const p = new PodInfo(mkPod("p", { containers: [c({ cpu: "1", memory: "1Gi" })] }));
    for (let s = 0; s < 5; s++) expect(schedulePod(snap, p, { rng: new Rng(s) }).node).toBe("clean");
  });
});

describe("filters", () => {
  it("topology spread honours minDomains (global minimum treated as 0)", () => {
    const snap = new ClusterSnapshot();
    snap.upsertNode(mkNode("a1", "8", "16Gi", { zone: "a" }));
    snap.upsertNode(mkNode("b1", "8", "16Gi", { zone: "b" }));
    snap.addPod(mkPod("x1", { containers: [c({ cpu: "1" })] }, { app: "w" }), "a1");
    snap.addPod(mkPod("x2", { containers: [c({ cpu: "1" })] }, { app: "w" }), "b1");
    const mk = (minDomains?: number) =>
      new PodInfo(
        mkPod(
          "p",
          {
            containers: [c({ cpu: "1" })],
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "w" } }, minDomains }],
          },
          { app: "w" },
        ),
      );
    const a1 = snap.getNode("a1")!;
    // counts 1/1: placing on a1 gives skew 2-1 = 1 ≤ 1 → ok.
    expect(filterNode(new CycleState(snap, mk()), a1)).toBeUndefined();
    // minDomains 3 > 2 domains → min treated as 0 → skew 2 > 1.
    expect(filterNode(new CycleState(snap, mk(3)), a1)?.reasons).toEqual(["node(s) didn't match pod topology spread constraints"]);
  });

  it("pod affinity: first pod of a self-matching group may go anywhere; later ones follow", () => {
    const snap = new ClusterSnapshot();
    snap.upsertNode(mkNode("n1", "8", "16Gi", { zone: "a" }));
    snap.upsertNode(mkNode("n2", "8", "16Gi", { zone: "b" }));
    const spec = {
      containers: [c({ cpu: "100m" })],
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "cache" } }, topologyKey: "zone" }] } },
    };
    const first = new PodInfo(mkPod("c0", spec, { app: "cache" }));
    expect(filterNode(new CycleState(snap, first), snap.getNode("n1")!)).toBeUndefined();
    expect(filterNode(new CycleState(snap, first), snap.getNode("n2")!)).toBeUndefined();
    snap.addPod(first, "n2");
    const second = new PodInfo(mkPod("c1", spec, { app: "cache" }));
    expect(filterNode(new CycleState(snap, second), snap.getNode("n1")!)?.reasons).toEqual(["node(s) didn't match pod affinity rules"]);
    expect(filterNode(new CycleState(snap, second), snap.getNode("n2")!)).toBeUndefined();
    // A pod that does not match its own term cannot start a group.
    const other = new PodInfo(mkPod("o", spec, { app: "web" }));
    snap.removePod(first.key);
    expect(filterNode(new CycleState(snap, other), snap.getNode("n2")!)?.code).toBe("UnschedulableAndUnresolvable");
  });

  it("existing pods' anti-affinity is symmetric", () => {
    const snap = new ClusterSnapshot();
    snap.upsertNode(mkNode("n1", "8", "16Gi"));
    snap.upsertNode(mkNode("n2", "8", "16Gi"));
    snap.addPod(
      mkPod("guard", {
        containers: [c({ cpu: "100m" })],
        affinity: {
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { noisy: "yes" } }, topologyKey: "kubernetes.io/hostname" }] },
        },
      }),
      "n1",
    );
    const noisy = new PodInfo(mkPod("n", { containers: [c({ cpu: "100m" })] }, { noisy: "yes" }));
    const st = new CycleState(snap, noisy);
    expect(filterNode(st, snap.getNode("n1")!)?.reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);
    expect(filterNode(st, snap.getNode("n2")!)).toBeUndefined();
    // Another namespace is not covered by the term's default namespace.
    const elsewhere = new PodInfo(mkPod("n", { containers: [c({ cpu: "100m" })] }, { noisy: "yes" }, "other"));
    expect(filterNode(new CycleState(snap, elsewhere), snap.getNode("n1")!)).toBeUndefined();
  });

  it("incremental snapshot: requested resources follow add/remove", () => {
    const snap = new ClusterSnapshot();
    const ni = snap.upsertNode(mkNode("n", "2", "4Gi"));
    const p = snap.addPod(mkPod("a", { containers: [c({ cpu: "1500m", memory: "1Gi" })] }), "n");
    expect(ni.requested).toMatchObject({ cpu: 1500, memory: GI, pods: 1 });
    const q = new PodInfo(mkPod("b", { containers: [c({ cpu: "1", memory: "1Gi" })] }));
    expect(filterNode(new CycleState(snap, q), ni)?.reasons).toEqual(["Insufficient cpu"]);
    snap.removePod(p.key);
    expect(ni.requested).toMatchObject({ cpu: 0, memory: 0, pods: 0 });
    expect(filterNode(new CycleState(snap, q), ni)).toBeUndefined();
  });
});

describe("FitError message", () => {
  it("sorts '<count> <reason>' strings and counts absent nodes", () => {
    const st = new Map([
      ["a", { reasons: ["Insufficient memory", "Insufficient cpu"] }],
      ["b", { reasons: ["Insufficient cpu"] }],
      ["c", { reasons: ["node(s) had untolerated taint {k: v}"] }],
    ]);
    expect(fitErrorMessage(3, st)).toBe("0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.");
    expect(fitErrorMessage(5, new Map([["a", { reasons: ["X"] }]]), undefined, "Preemption is not helpful for scheduling")).toBe(
      "0/5 nodes are available: 1 X, 4 Preemption is not helpful for scheduling.",
    );
  });
});
