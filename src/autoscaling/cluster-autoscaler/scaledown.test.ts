import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { PodInfo } from "../../scheduling/nodeinfo.js";
import { drainDecision, SAFE_TO_EVICT, SAFE_TO_EVICT_LOCAL_VOLUMES, type DrainOptions, type PdbBudget } from "./pods.js";
import { nodeUtilization, simulateNodeRemoval, UnneededNodes } from "./scaledown.js";
import { CaSnapshot, HintingSimulator } from "./snapshot.js";
import { Gi, node, pod, RS } from "./testkit.js";

const opts: DrainOptions = { skipNodesWithSystemPods: true, skipNodesWithLocalStorage: true, skipNodesWithCustomControllerPods: true, minReplicaCount: 0 };
const owners: Record<string, KubeObject> = { "ReplicaSet/default/web-abc": { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-abc" }, spec: { replicas: 3 } } };
const lookup = (k: string, ns: string, n: string) => owners[`${k}/${ns}/${n}`] ?? (ns === "kube-system" || k === "DaemonSet" ? { apiVersion: "apps/v1", kind: k, metadata: { name: n }, spec: { replicas: 2 } } : undefined);
const decide = (p: KubeObject, pdbs: PdbBudget[] = [], o = opts) => drainDecision(p, o, pdbs, lookup, 0, () => 0);
const pdb = (remaining: number, ns = "default"): PdbBudget => ({ name: "pdb", namespace: ns, matches: (l) => l.app === "web", remaining });

describe("drainability rules (each blocking rule)", () => {
  const web = (extra: Parameters<typeof pod>[3] = {}) => pod("web-1", "100m", "100Mi", { owner: RS, labels: { app: "web" }, nodeName: "n1", ...extra });

  it("moves a replicated pod", () => expect(decide(web())).toEqual({ outcome: "move" }));

  it("blocks a pod without a controller: NotReplicated", () => {
    expect(decide(pod("bare", "1", "1Gi", { nodeName: "n1" }))).toEqual({ outcome: "block", reason: "NotReplicated", message: "default/bare is not replicated" });
  });

  it("blocks a kube-system pod without a PDB: UnmovableKubeSystemPod (unless --skip-nodes-with-system-pods=false or a PDB covers it)", () => {
    const sys = pod("coredns-1", "100m", "70Mi", { ns: "kube-system", owner: { kind: "ReplicaSet", name: "coredns-x", uid: "rs-dns" }, labels: { app: "web" }, nodeName: "n1" });
    expect(decide(sys)).toMatchObject({ outcome: "block", reason: "UnmovableKubeSystemPod", message: "non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: coredns-1" });
    expect(decide(sys, [], { ...opts, skipNodesWithSystemPods: false })).toEqual({ outcome: "move" });
    expect(decide(sys, [pdb(1, "kube-system")])).toEqual({ outcome: "move" });
  });

  it("blocks safe-to-evict=false: NotSafeToEvictAnnotation; safe-to-evict=true overrides every blocking rule", () => {
    expect(decide(web({ annotations: { [SAFE_TO_EVICT]: "false" } }))).toMatchObject({ outcome: "block", reason: "NotSafeToEvictAnnotation" });
    expect(decide(pod("bare", "1", "1Gi", { nodeName: "n1", annotations: { [SAFE_TO_EVICT]: "true" } }))).toEqual({ outcome: "drainable", daemonSet: false });
  });

  it("blocks hostPath / disk emptyDir: LocalStorageRequested, unless listed in safe-to-evict-local-volumes or the flag is off; memory emptyDir is fine", () => {
    const vols = [{ name: "scratch", emptyDir: {} }];
    expect(decide(web({ volumes: vols }))).toMatchObject({ outcome: "block", reason: "LocalStorageRequested", message: "pod with local storage present: web-1" });
    expect(decide(web({ volumes: vols, annotations: { [SAFE_TO_EVICT_LOCAL_VOLUMES]: "scratch" } }))).toEqual({ outcome: "move" });
    expect(decide(web({ volumes: vols }), [], { ...opts, skipNodesWithLocalStorage: false })).toEqual({ outcome: "move" });
    expect(decide(web({ volumes: [{ name: "m", emptyDir: { medium: "Memory" } }] }))).toEqual({ outcome: "move" });
  });

  it("blocks when the PDB has no disruptions left: NotEnoughPdb", () => {
    expect(decide(web(), [pdb(0)])).toMatchObject({ outcome: "block", reason: "NotEnoughPdb", message: "not enough pod disruption budget to move default/web-1" });
    expect(decide(web(), [pdb(1)])).toEqual({ outcome: "move" });
  });

  it("blocks a pod whose controller no longer exists (skip-nodes-with-custom-controller-pods)", () => {
    const orphan = pod("o-1", "1", "1Gi", { owner: { kind: "ReplicaSet", name: "gone", uid: "x" }, nodeName: "n1" });
    expect(decide(orphan)).toMatchObject({ outcome: "block", reason: "ControllerNotFound" });
  });

  it("DaemonSet pods are drainable (not moved); mirror pods skipped; terminal pods drainable", () => {
    expect(decide(pod("ds", "1", "1Gi", { owner: { kind: "DaemonSet", name: "ds", uid: "d" }, nodeName: "n1" }))).toEqual({ outcome: "drainable", daemonSet: true });
    expect(decide(pod("static", "1", "1Gi", { nodeName: "n1", annotations: { "kubernetes.io/config.mirror": "x" } }))).toEqual({ outcome: "skip" });
    expect(decide(pod("done", "1", "1Gi", { nodeName: "n1", phase: "Succeeded" }))).toEqual({ outcome: "drainable", daemonSet: false });
  });
});

describe("utilization and removal simulation", () => {
  function cluster() {
    const s = new CaSnapshot();
    for (const n of ["n1", "n2"]) s.addNode(node(n, "4", "16Gi"));
    s.addPod(new PodInfo(pod("ds-1", "200m", "200Mi", { owner: { kind: "DaemonSet", name: "ds", uid: "d" }, nodeName: "n1" })), "n1");
    s.addPod(new PodInfo(pod("web-1", "1", "2Gi", { owner: RS, labels: { app: "web" }, nodeName: "n1" })), "n1");
    s.addPod(new PodInfo(pod("big-1", "3", "1Gi", { owner: RS, labels: { app: "big" }, nodeName: "n2" })), "n2");
    return s;
  }
  const ctxFor = (s: CaSnapshot, pdbs: PdbBudget[] = []) => ({ snapshot: s, drain: opts, pdbs, lookupController: lookup, now: 0, parseTime: () => 0, isDestination: () => true });

  it("utilization = max(cpu, mem) of requests (DaemonSet pods included unless ignored) / allocatable", () => {
    const s = cluster();
    const u = nodeUtilization(s.getNode("n1")!, { ignoreDaemonSets: false, ignoreMirror: false }, 0, () => 0);
    expect(u.cpu).toBeCloseTo(1200 / 4000, 12);
    expect(u.memory).toBeCloseTo((2 * Gi + 200 * 1024 * 1024) / (16 * Gi), 12);
    expect(u.utilization).toBeCloseTo(0.3, 12);
    const ign = nodeUtilization(s.getNode("n1")!, { ignoreDaemonSets: true, ignoreMirror: false }, 0, () => 0);
    expect(ign.cpu).toBeCloseTo(1000 / 3800, 12);
  });

  it("a node whose pods fit elsewhere is removable; the snapshot is left as it was", () => {
    const s = cluster();
    const util = nodeUtilization(s.getNode("n1")!, { ignoreDaemonSets: false, ignoreMirror: false }, 0, () => 0);
    const pdbs = [pdb(1)];
    const r = simulateNodeRemoval(ctxFor(s, pdbs), s.getNode("n1")!, "ng", util, new HintingSimulator());
    expect(r.removable?.podsToMove.map((p) => p.metadata.name)).toEqual(["web-1"]);
    expect(r.removable?.daemonSetPods.map((p) => p.metadata.name)).toEqual(["ds-1"]);
    expect(pdbs[0]!.remaining).toBe(0); // budget consumed
    expect(s.getNode("n1")!.pods.size).toBe(2);
    expect(s.getNode("n2")!.pods.size).toBe(1);
  });

  it("NoPlaceToMovePods when the other nodes lack room", () => {
    const s = cluster();
    s.addPod(new PodInfo(pod("big-2", "1", "1Gi", { owner: RS, labels: { app: "big" }, nodeName: "n1" })), "n1");
    s.addPod(new PodInfo(pod("big-3", "2", "1Gi", { owner: RS, labels: { app: "big" }, nodeName: "n1" })), "n1");
    const r = simulateNodeRemoval(ctxFor(s), s.getNode("n1")!, "ng", { cpu: 0, memory: 0, utilization: 0, resourceName: "cpu" }, new HintingSimulator());
    expect(r.unremovable?.reason).toBe("NoPlaceToMovePods");
    expect(r.unremovable?.message).toBe("node n1 is not suitable for removal: can reschedule only 1 out of 3 pods");
  });

  it("unneeded nodes become removable only after the unneeded time and above the group's min size", () => {
    const u = new UnneededNodes();
    const e = (n: string) => ({ node: n, group: "ng", podsToMove: [], daemonSetPods: [], utilization: { cpu: 0, memory: 0, utilization: 0, resourceName: "cpu" as const } });
    u.update([e("a"), e("b")], 0);
    u.update([e("a"), e("b")], 300_000); // first-seen time kept
    expect(u.sinceOf("a")).toBe(0);
    const opts2 = { unneededTimeMs: 600_000, unreadyTimeMs: 1_200_000 };
    expect(u.removableAt(590_000, opts2, () => true, new Map([["ng", 5]])).removable).toEqual([]);
    const r = u.removableAt(600_000, opts2, () => true, new Map([["ng", 1]]));
    expect(r.removable.map((x) => x.node)).toEqual(["a"]);
    expect(r.unremovable).toEqual([{ node: "b", reason: "NodeGroupMinSizeReached" }]);
    u.update([e("b")], 610_000); // a needed again → forgotten
    u.update([e("a"), e("b")], 620_000);
    expect(u.sinceOf("a")).toBe(620_000);
  });
});
