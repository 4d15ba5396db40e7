import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { VirtualClock } from "../../core/clock.js";
import { rankPodsForDeletion, ReplicaSetController, slowStartBatch } from "./replicaset.js";
import { harness } from "./testkit.js";

const clock = new VirtualClock();
function pod(name: string, o: { node?: string; phase?: string; ready?: number; restarts?: number; cost?: number; created?: number }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: clock.iso((o.created ?? 0) * 1000),
      ...(o.cost !== undefined ? { annotations: { "controller.kubernetes.io/pod-deletion-cost": String(o.cost) } } : {}),
    },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: o.ready !== undefined ? "True" : "False", lastTransitionTime: clock.iso((o.ready ?? 0) * 1000) }],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

describe("rankPodsForDeletion (ActivePodsWithRanks)", () => {
  it("orders victims as upstream: unassigned, phase, readiness, cost, co-location, ready age, restarts", () => {
    const pods = [
      pod("D", { node: "n1", ready: 100 }),
      pod("G", { node: "n3", ready: 1990 }),
      pod("E", { node: "n2", ready: 100 }),
      pod("F", { node: "n2", ready: 100, restarts: 3 }),
      pod("H", { node: "n5", ready: 100, cost: -10 }),
      pod("C", { node: "n4" }),
      pod("B", { node: "n4", phase: "Pending" }),
      pod("A", { phase: "Pending" }),
    ];
    const order = rankPodsForDeletion(pods, pods, 2000_000, clock).map((p) => p.metadata.name);
    expect(order).toEqual(["A", "B", "C", "H", "F", "E", "G", "D"]);
  });

  it("newer pods go first, within log2 age buckets ties break by UID", () => {
    // now = 1000 s; ages 10 s (2^33.2 ns) vs 900 s (2^39.7 ns): the younger first.
    const a = pod("a", { node: "x", created: 100 });
    const b = pod("b", { node: "y", created: 990 });
    expect(rankPodsForDeletion([a, b], [], 1000_000, clock).map((p) => p.metadata.name)).toEqual(["b", "a"]);
    // ages 600 s and 700 s: same bucket (floor(log2) = 39) → UID order.
    const c = pod("c", { node: "x", created: 400 });
    const d = pod("d", { node: "y", created: 300 });
    expect(rankPodsForDeletion([d, c], [], 1000_000, clock).map((p) => p.metadata.name)).toEqual(["c", "d"]);
  });
});

describe("slowStartBatch", () => {
  it("runs batches 1, 2, 4, … and stops after a failing batch", () => {
    let calls = 0;
    expect(slowStartBatch(10, 1, () => (++calls, true))).toBe(10);
    expect(calls).toBe(10);
    calls = 0;
    // Fail the 5th call: batches 1 (ok), 2 (ok), 4 (5th call fails) → stop after that batch.
    expect(slowStartBatch(20, 1, () => ++calls !== 5)).toBe(6);
    expect(calls).toBe(7);
  });
});

describe("ReplicaSetController", () => {
  function rs(replicas: number, extra: any = {}): KubeObject {
    return {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web", namespace: "default" },
      spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c" }] } }, ...extra },
    };
  }

  it("creates pods named <rs>-xxxxx, replaces failed pods and deletes not-ready ones first", () => {
    const h = harness(new ReplicaSetController());
    h.store.create(rs(3));
    h.run(10);
    const pods = h.pods();
    expect(pods.map((p) => p.metadata.name).every((n) => /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(n!))).toBe(true);
    expect(h.eventsFor("web").filter((e) => e.startsWith("SuccessfulCreate: Created pod: web-"))).toHaveLength(3);
    h.bind(pods[0]!, "n1");
    h.bind(pods[1]!, "n2");
    h.bind(pods[2]!, "n3");
    h.makeReady(pods[0]!);
    h.makeReady(pods[1]!, "n2", false);
    h.makeReady(pods[2]!);
    h.run(10);
    let st = h.store.get("ReplicaSet", "default", "web")!.status;
    expect(st).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    // A failed pod is replaced.
    h.store.setStatus(h.store.get("Pod", "default", pods[2]!.metadata.name!)!, { phase: "Failed" });
    h.run(10);
    expect(h.pods().filter((p) => p.status?.phase !== "Failed")).toHaveLength(3);
    // Scale to 1: the unassigned replacement goes first, then the not-ready pod.
    h.store.mutate("ReplicaSet", "default", "web", (r: any) => void (r.spec.replicas = 1));
    h.run(10);
    const left = h.pods().filter((p) => p.status?.phase !== "Failed");
    expect(left.map((p) => p.metadata.name)).toEqual([pods[0]!.metadata.name]);
    expect(h.eventsFor("web")).toContain(`SuccessfulDelete: Deleted pod: ${pods[1]!.metadata.name}`);
    st = h.store.get("ReplicaSet", "default", "web")!.status;
    expect(st).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2 });
  });

  it("counts a pod available only minReadySeconds after it became ready", () => {
    const h = harness(new ReplicaSetController());
    h.store.create(rs(1, { minReadySeconds: 10 }));
    h.run(10);
    h.makeReady(h.pods()[0]!);
    h.run(5000);
    expect(h.store.get("ReplicaSet", "default", "web")!.status.availableReplicas).toBe(0);
    h.run(6000);
    expect(h.store.get("ReplicaSet", "default", "web")!.status.availableReplicas).toBe(1);
  });

  it("creates at most burstReplicas pods per sync", () => {
    const h = harness(new ReplicaSetController(4));
    h.store.create(rs(10));
    h.run(0);
    expect(h.pods()).toHaveLength(4);
    h.run(5);
    expect(h.pods()).toHaveLength(10);
  });

  it("keeps status counts right through relabels, orphaning, graceful deletion and a template label change", () => {
    const h = harness(new ReplicaSetController());
    h.store.create(rs(4));
    h.run(10);
    const status = () => h.store.get("ReplicaSet", "default", "web")!.status;
    const pods = h.pods();
    for (const p of pods) h.makeReady(p);
    h.run(10);
    expect(status()).toMatchObject({ replicas: 4, fullyLabeledReplicas: 4, readyReplicas: 4, availableReplicas: 4 });
    // An extra label keeps a pod fully labeled; losing the template's label does not (it stays owned).
    h.store.mutate("Pod", "default", pods[0]!.metadata.name!, (p: any) => void (p.metadata.labels.tier = "x"));
    h.store.mutate("Pod", "default", pods[1]!.metadata.name!, (p: any) => void (p.metadata.labels = { other: "y" }));
    h.run(10);
    expect(status()).toMatchObject({ replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 4 });
    // Not ready any more: still active, no longer ready.
    h.makeReady(h.store.get("Pod", "default", pods[2]!.metadata.name!)!, "n", false);
    h.run(10);
    expect(status()).toMatchObject({ replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    // Orphaned (controller reference removed; the next sync, here on pods[2] turning ready again,
    // creates a replacement, not yet ready).
    h.store.mutate("Pod", "default", pods[3]!.metadata.name!, (p: any) => void (p.metadata.ownerReferences = []));
    h.makeReady(h.store.get("Pod", "default", pods[2]!.metadata.name!)!);
    h.run(10);
    expect(h.pods()).toHaveLength(5);
    expect(status()).toMatchObject({ replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    // A graceful delete (a running pod on a node) makes the pod inactive at once: replaced again.
    h.store.mutate("Pod", "default", pods[0]!.metadata.name!, (p: any) => void (p.spec.nodeName = "n1"));
    h.store.delete("Pod", "default", pods[0]!.metadata.name!, { gracePeriodSeconds: 30 });
    h.run(10);
    expect(status()).toMatchObject({ replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2 });
    // New template labels: the pods still carrying app=web are no longer fully labeled.
    h.store.mutate("ReplicaSet", "default", "web", (r: any) => void (r.spec.template.metadata.labels = { app: "web", v: "2" }));
    h.run(10);
    expect(status()).toMatchObject({ replicas: 4, fullyLabeledReplicas: 0, readyReplicas: 2, observedGeneration: 2 });
  });
});
