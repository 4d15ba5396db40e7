import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import type { CloudInstanceType, Offering } from "../../cloud/provider.js";
import { SimulatedAws } from "../../cloud/aws/ec2.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { MAX_INSTANCE_TYPES, prettyList, solve } from "./scheduler.js";
import type { StateNode } from "./state.js";

const Mi = 1024 * 1024;
const Gi = 1024 * Mi;

function pod(name: string, cpu: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, creationTimestamp: "2025-01-01T00:00:00Z", labels },
    spec: { containers: [{ name: "c", image: "pause", resources: { requests: { cpu } } }], ...extra },
  };
}

function nodePool(name: string, requirements: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name },
    spec: { template: { spec: { requirements, nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, ...extra } } },
  };
}

/** Synthetic type: n vCPU, 2n GiB allocatable, price n × 0.05 in zones a/b on-demand + spot. */
function synth(name: string, cpu: number, opts: { price?: number; zones?: string[]; labels?: Record<string, string>; pods?: number } = {}): CloudInstanceType {
  const zones = opts.zones ?? ["z-a", "z-b"];
  const price = opts.price ?? cpu * 0.05;
  const offerings: Offering[] = [];
  for (const z of zones) {
    offerings.push({ zone: z, capacityType: "on-demand", price, available: true });
    offerings.push({ zone: z, capacityType: "spot", price: price * 0.3, available: true });
  }
  const res = { cpu: cpu * 1000, memory: cpu * 2 * Gi, pods: opts.pods ?? 110, ephemeralStorage: 17 * Gi };
  return {
    name,
    requirements: [
      { key: "node.kubernetes.io/instance-type", operator: "In", values: [name] },
      { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
      ...Object.entries(opts.labels ?? {}).map(([k, v]) => ({ key: k, operator: "In" as const, values: [v] })),
    ],
    offerings,
    capacity: res,
    overhead: { kubeReserved: { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 }, systemReserved: { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 }, evictionThreshold: { cpu: 0, memory: 0, pods: 0, ephemeralStorage: 0 } },
    allocatable: res,
  };
}

describe("solve: the lab's default NodePool in ap-northeast-2 (real catalog)", () => {
  const aws = new SimulatedAws({ region: "ap-northeast-2", clock: new VirtualClock(), rng: new Rng(1) });
  const types = aws.instanceTypes();
  const np = nodePool("default", [
    { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
    { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
    { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
    { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["2"] },
  ]);

  it("inflate × 5 (1 CPU each) → one NodeClaim, cheapest option c5a.2xlarge (7910m / 14162Mi / 58 pods)", () => {
    const pods = [1, 2, 3, 4, 5].map((i) => pod(`inflate-${i}`, "1"));
    const r = solve({ pods, nodePools: [np], instanceTypes: new Map([["default", types]]), existingNodes: [], daemonSets: [] });
    expect(r.podErrors.size).toBe(0);
    expect(r.newNodeClaims).toHaveLength(1);
    const nc = r.newNodeClaims[0]!;
    expect(nc.pods).toHaveLength(5);
    const first = nc.instanceTypeOptions[0]!;
    expect(first.name).toBe("c5a.2xlarge");
    expect(first.allocatable.cpu).toBe(7910);
    expect(first.allocatable.memory).toBe(14162 * Mi);
    expect(first.allocatable.pods).toBe(58);
    expect(nc.instanceTypeOptions.length).toBeLessThanOrEqual(MAX_INSTANCE_TYPES);
    // every option fits 5 CPU and is c/m/r, generation > 2, amd64
    for (const it of nc.instanceTypeOptions) {
      expect(it.allocatable.cpu).toBeGreaterThanOrEqual(5000);
      const cat = it.requirements.find((q) => q.key === "karpenter.k8s.aws/instance-category")!.values![0];
      expect(["c", "m", "r"]).toContain(cat);
    }
    expect(nc.requests.cpu).toBe(5000);
    expect(nc.requests.pods).toBe(5);
    const itReq = nc.requirements.find((q) => q.key === "node.kubernetes.io/instance-type")!;
    expect(itReq.values![0]).toBe("c5a.2xlarge");
    expect(nc.requirements.find((q) => q.key === "karpenter.sh/capacity-type")!.values).toEqual(["on-demand"]);
    expect(nc.requirements.find((q) => q.key === "kubernetes.io/hostname")).toBeUndefined();
    expect(nc.labels["karpenter.sh/nodepool"]).toBe("default");
  });
});

describe("solve: packing, existing nodes, limits, requirements", () => {
  const its = [synth("s-2", 2), synth("s-4", 4), synth("s-8", 8)];
  const np = nodePool("default", []);
  const base = { nodePools: [np], instanceTypes: new Map([["default", its]]), existingNodes: [] as StateNode[], daemonSets: [] as KubeObject[] };

  it("first-fit decreasing, fewest-pods-first over the claims of this solve", () => {
    const pods = [pod("a", "3"), pod("b", "1"), pod("c", "3"), pod("d", "1"), pod("e", "3")];
    const r = solve({ ...base, pods });
    expect(r.podErrors.size).toBe(0);
    // Queue a, c, e (3 CPU), b, d (1 CPU). a, c → claim 1 (6); e would make 9 > 8 → claim 2 (3).
    // b: claim 2 has fewer pods (1 < 2) → claim 2 (4). d: tie 2/2, claim 1 reached 2 pods first → claim 1 (7).
    const sizes = r.newNodeClaims.map((n) => n.pods.map((p) => p.metadata.name).sort());
    expect(sizes).toEqual([["a", "c", "d"], ["b", "e"]]);
    // claim 1 holds 7 CPU: s-8 only; claim 2 holds 4 CPU: s-4 (allocatable 4000m) and s-8, cheapest first
    expect(r.newNodeClaims[0]!.instanceTypeOptions.map((t) => t.name)).toEqual(["s-8"]);
    expect(r.newNodeClaims[1]!.instanceTypeOptions.map((t) => t.name)).toEqual(["s-4", "s-8"]);
  });

  it("daemonset overhead is added to requests and to the fit", () => {
    const ds: KubeObject = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "ds", namespace: "kube-system" },
      spec: { template: { metadata: {}, spec: { containers: [{ name: "c", resources: { requests: { cpu: "500m", memory: "128Mi" } } }] } } },
    };
    const r = solve({ ...base, daemonSets: [ds], pods: [pod("a", "3500m")] });
    // 3.5 + 0.5 = 4 CPU fits s-4 exactly (allocatable 4000m)
    expect(r.newNodeClaims[0]!.instanceTypeOptions.map((t) => t.name)).toEqual(["s-4", "s-8"]);
    expect(r.newNodeClaims[0]!.requests.cpu).toBe(4000);
    expect(r.newNodeClaims[0]!.requests.memory).toBe(128 * Mi);
  });

  it("existing nodes are used first; their free capacity is allocatable − bound requests", () => {
    const existing: StateNode = {
      name: "n1",
      labels: { "kubernetes.io/hostname": "n1", "kubernetes.io/arch": "amd64" },
      taints: [],
      allocatable: { cpu: 4000, memory: 8 * Gi, pods: 110, ephemeralStorage: 17 * Gi },
      capacity: { cpu: 4000, memory: 8 * Gi, pods: 110, ephemeralStorage: 17 * Gi },
      podRequests: { cpu: 2500, memory: 0, pods: 1, ephemeralStorage: 0 },
      pods: [],
      initialized: true,
      markedForDeletion: false,
      node: { apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, spec: {} },
    };
    const r = solve({ ...base, existingNodes: [existing], pods: [pod("a", "1"), pod("b", "1")] });
    expect(r.existingNodes).toEqual([{ name: "n1", pods: [expect.objectContaining({ metadata: expect.objectContaining({ name: "a" }) })] }]);
    expect(r.newNodeClaims).toHaveLength(1);
    expect(r.newNodeClaims[0]!.pods.map((p) => p.metadata.name)).toEqual(["b"]);
    // excluded (disruption simulation) → both on a new claim
    const r2 = solve({ ...base, existingNodes: [existing], excludeNodes: new Set(["n1"]), pods: [pod("a", "1"), pod("b", "1")] });
    expect(r2.existingNodes).toEqual([]);
    expect(r2.newNodeClaims[0]!.pods).toHaveLength(2);
  });

  it("NodePool limits: options whose capacity exceeds the remaining limit are dropped, largest option is charged", () => {
    const r = solve({ ...base, limitsRemaining: new Map([["default", { cpu: 4000 }]]), pods: [pod("a", "1"), pod("b", "3500m")] });
    // b (3.5) first → s-4 only (s-8 capacity 8 > 4); remaining 4000 − 4000 = 0; a cannot get a new claim but fits? 3.5+1 > 4 → error
    expect(r.newNodeClaims).toHaveLength(1);
    expect(r.newNodeClaims[0]!.instanceTypeOptions.map((t) => t.name)).toEqual(["s-4"]);
    expect(r.podErrors.get("default/a")).toContain('all available instance types exceed limits for nodepool: "default"');
  });

  it("node selector on a custom label the pool does not define is rejected with Karpenter's wording", () => {
    const r = solve({ ...base, pods: [pod("a", "1", { nodeSelector: { team: "x" } })] });
    expect(r.newNodeClaims).toHaveLength(0);
    expect(r.podErrors.get("default/a")).toBe(
      'incompatible with nodepool "default", daemonset overhead={}, incompatible requirements, label "team" does not have known values',
    );
  });

  it("zone requirement narrows offerings; pod requests too large for any type fail", () => {
    const its2 = [synth("s-2", 2, { zones: ["z-a"] }), synth("s-4", 4, { zones: ["z-b"] })];
    const r = solve({ ...base, instanceTypes: new Map([["default", its2]]), pods: [pod("a", "1", { nodeSelector: { "topology.kubernetes.io/zone": "z-b" } })] });
    expect(r.newNodeClaims[0]!.instanceTypeOptions.map((t) => t.name)).toEqual(["s-4"]);
    const r2 = solve({ ...base, pods: [pod("big", "64")] });
    expect(r2.podErrors.get("default/big")).toContain("no instance type has enough resources");
  });

  it("weights: the first (heavier) pool that accepts the pod wins", () => {
    const heavy = nodePool("heavy", [{ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }]);
    const r = solve({ ...base, nodePools: [heavy, np], instanceTypes: new Map([["heavy", its], ["default", its]]), pods: [pod("a", "1")] });
    // heavy requires arm64 but types are amd64 → no types → falls to default
    expect(r.newNodeClaims[0]!.nodePoolName).toBe("default");
  });

  it("minValues: fails when fewer distinct instance types than required remain", () => {
    const mv = nodePool("default", [{ key: "node.kubernetes.io/instance-type", operator: "Exists", minValues: 3 }]);
    const ok = solve({ ...base, nodePools: [mv], pods: [pod("a", "1")] });
    expect(ok.newNodeClaims).toHaveLength(1);
    const bad = solve({ ...base, nodePools: [mv], pods: [pod("a", "3")] });
    expect(bad.newNodeClaims).toHaveLength(0);
    expect(bad.podErrors.get("default/a")).toContain("minValues requirement is not met for node.kubernetes.io/instance-type");
  });
});

describe("solve: topology", () => {
  const its = [synth("s-2", 2), synth("s-4", 4), synth("s-8", 8)];
  const base = { nodePools: [nodePool("default", [])], instanceTypes: new Map([["default", its]]), existingNodes: [] as StateNode[], daemonSets: [] as KubeObject[] };
  const sel = { matchLabels: { app: "web" } };

  it("hostname anti-affinity: one pod per NodeClaim", () => {
    const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: sel }] } } };
    const pods = [1, 2, 3].map((i) => pod(`w${i}`, "100m", anti, { app: "web" }));
    const r = solve({ ...base, pods });
    expect(r.podErrors.size).toBe(0);
    expect(r.newNodeClaims.map((n) => n.pods.length)).toEqual([1, 1, 1]);
    // a plain pod selected by the anti-affinity cannot join them (inverse anti-affinity) → a 4th claim
    const r2 = solve({ ...base, pods: [...pods, pod("plain", "100m", {}, { app: "web" })] });
    expect(r2.newNodeClaims).toHaveLength(4);
    // an unrelated pod can
    const r3 = solve({ ...base, pods: [...pods, pod("other", "50m", {}, { app: "db" })] });
    expect(r3.newNodeClaims).toHaveLength(3);
  });

  it("zonal topology spread (maxSkew 1) alternates zones z-a, z-b", () => {
    const tsc = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: sel }] };
    const pods = [1, 2, 3, 4].map((i) => pod(`w${i}`, "1", tsc, { app: "web" }));
    const r = solve({ ...base, pods });
    expect(r.podErrors.size).toBe(0);
    const zoneOf = (n: (typeof r.newNodeClaims)[number]) => n.requirements.find((q) => q.key === "topology.kubernetes.io/zone")!.values;
    const perZone = new Map<string, number>();
    for (const n of r.newNodeClaims) {
      const z = zoneOf(n)!;
      expect(z).toHaveLength(1);
      perZone.set(z[0]!, (perZone.get(z[0]!) ?? 0) + n.pods.length);
    }
    expect(Object.fromEntries(perZone)).toEqual({ "z-a": 2, "z-b": 2 });
  });

  it("preferred anti-affinity is relaxed when it cannot be met (pool limit to one node)", () => {
    const pref = {
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: sel } }],
        },
      },
    };
    const pods = [pod("w1", "1", pref, { app: "web" }), pod("w2", "1", pref, { app: "web" })];
    const r = solve({ ...base, limitsRemaining: new Map([["default", { cpu: 8000 }]]), pods });
    expect(r.podErrors.size).toBe(0);
    expect(r.newNodeClaims).toHaveLength(1);
    expect(r.newNodeClaims[0]!.pods).toHaveLength(2);
  });
});

describe("prettyList", () => {
  it("first 5 then 'and N other(s)'", () => {
    expect(prettyList(["a", "b"])).toBe("a, b");
    expect(prettyList(["a", "b", "c", "d", "e", "f", "g"])).toBe("a, b, c, d, e and 2 other(s)");
  });
});
