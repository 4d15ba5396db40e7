import { describe, it, expect } from "vitest";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { checkEviction, evictPod, EVICTION_BLOCKED_MESSAGE, EVICTION_MULTIPLE_PDBS_MESSAGE } from "./eviction.js";

function setup(replicas: number, ready: boolean[]) {
  const s = new Store(new VirtualClock(), new Rng(3));
  const rs = s.create<KubeObject>({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web", namespace: "default" }, spec: { replicas } });
  ready.forEach((r, i) =>
    s.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `web-${i}`, namespace: "default", labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid!, controller: true }] },
      spec: { containers: [] },
      status: { phase: "Running", conditions: [{ type: "Ready", status: r ? "True" : "False" }] },
    }),
  );
  const pdb = (name: string, spec: Record<string, unknown>) =>
    s.create({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: "default" }, spec: { selector: { matchLabels: { app: "web" } }, ...spec } });
  const pod = (i: number) => s.get("Pod", "default", `web-${i}`) as KubeObject;
  return { s, pdb, pod };
}

describe("evictPod", () => {
  it("minAvailable 2 of 3 ready pods: one eviction, then 429", () => {
    const { s, pdb, pod } = setup(3, [true, true, true]);
    pdb("p", { minAvailable: 2 });
    expect(evictPod(s, pod(0))).toBe(true);
    expect(s.get("Pod", "default", "web-0")).toBeUndefined();
    expect(evictPod(s, pod(1))).toBe("blocked by PDB");
    expect(checkEviction(s, pod(1))).toMatchObject({ code: 429, message: EVICTION_BLOCKED_MESSAGE, cause: "The disruption budget p needs 2 healthy pods and has 2 currently" });
  });

  it("maxUnavailable 25% of 4 replicas rounds up to 1", () => {
    const { s, pdb, pod } = setup(4, [true, true, true, true]);
    pdb("p", { maxUnavailable: "25%" });
    // desiredHealthy = 4 - ceil(1) = 3; healthy 4 → 1 allowed
    expect(evictPod(s, pod(0))).toBe(true);
    expect(evictPod(s, pod(1))).toBe("blocked by PDB");
  });

  it("minAvailable 50% uses the controller's scale, not the pod count", () => {
    // 4 replicas wanted, 2 pods exist and are ready: desiredHealthy = ceil(0.5 × 4) = 2 → 0 allowed
    const { s, pdb, pod } = setup(4, [true, true]);
    pdb("p", { minAvailable: "50%" });
    expect(evictPod(s, pod(0))).toBe("blocked by PDB");
  });

  it("unready pods may go while the budget is healthy (IfHealthyBudget)", () => {
    const { s, pdb, pod } = setup(3, [true, true, false]);
    pdb("p", { minAvailable: 2 });
    expect(evictPod(s, pod(2))).toBe(true);
    const t = setup(3, [true, false, false]);
    t.pdb("p", { minAvailable: 2 });
    expect(evictPod(t.s, t.pod(2))).toBe("blocked by PDB");
    t.s.delete("PodDisruptionBudget", "default", "p");
    t.pdb("p2", { minAvailable: 2, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    expect(evictPod(t.s, t.pod(2))).toBe(true);
  });

  it("two PDBs selecting a pod: 500", () => {
    const { s, pdb, pod } = setup(3, [true, true, true]);
    pdb("a", { maxUnavailable: 1 });
    pdb("b", { maxUnavailable: 1 });
    expect(checkEviction(s, pod(0))).toMatchObject({ allowed: false, code: 500, message: EVICTION_MULTIPLE_PDBS_MESSAGE });
  });

  it("no PDB or a Pending pod: evicted", () => {
    const { s, pod } = setup(1, [true]);
    expect(evictPod(s, pod(0))).toBe(true);
  });
});
