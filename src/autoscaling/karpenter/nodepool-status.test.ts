import { describe, it, expect } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { getCondition, registerKarpenterKinds } from "./api.js";
import { NodePoolStatusController } from "./nodepool-status.js";
import { ClusterState } from "./state.js";

function setup() {
  const clock = new VirtualClock();
  const rng = new Rng(1);
  const store = new Store(clock, rng);
  registerKarpenterKinds(store);
  const state = new ClusterState(store, clock).start();
  const ctx = { store, clock, rng, events: new EventRecorder(store, clock), logs: new LogSink(clock), services: new Map() } as unknown as ControllerContext;
  const ctl = new NodePoolStatusController(state);
  ctl.start(ctx);
  const pool = (name: string) => store.get("NodePool", undefined, name)!;
  return { clock, store, state, ctl, pool };
}

const nodePool = (name: string): KubeObject => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name },
  spec: { template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements: [] } } },
});

const nodeClass = (): KubeObject => ({
  apiVersion: "karpenter.k8s.aws/v1",
  kind: "EC2NodeClass",
  metadata: { name: "default" },
  spec: { role: "KarpenterNodeRole", amiSelectorTerms: [{ alias: "al2023@latest" }], subnetSelectorTerms: [{ tags: { k: "v" } }], securityGroupSelectorTerms: [{ tags: { k: "v" } }] },
});

const node = (name: string, pool: string, capacity: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, labels: { "karpenter.sh/nodepool": pool } },
  spec: { providerID: `aws:///ap-northeast-2a/i-${name}` },
  status: { capacity, allocatable: capacity },
});

describe("NodePool status (nodepool.counter + nodepool.readiness)", () => {
  it("starts from Karpenter's BaseResources: every resource 0 and no nodes", () => {
    const { clock, store, pool } = setup();
    store.create(nodePool("default"));
    clock.runUntil(clock.now() + 0);
    expect(pool("default").status.resources).toEqual({ cpu: "0", "ephemeral-storage": "0", memory: "0", nodes: "0", pods: "0" });
  });

  it("sums the capacity of the pool's nodes, ignores other pools and nodes marked for deletion", () => {
    const { clock, store, state, pool } = setup();
    store.create(nodePool("default"));
    store.create(nodePool("other"));
    store.create(node("a", "default", { cpu: "8", memory: "16Gi", pods: "58", "ephemeral-storage": "20Gi" }));
    store.create(node("b", "default", { cpu: "4", memory: "8Gi", pods: "29", "ephemeral-storage": "20Gi" }));
    store.create(node("c", "other", { cpu: "2", memory: "4Gi", pods: "17", "ephemeral-storage": "20Gi" }));
    clock.runUntil(clock.now() + 0);
    // 8 + 4 CPU, 16Gi + 8Gi, 58 + 29 pods, 2 × 20Gi
    expect(pool("default").status.resources).toEqual({ cpu: "12", "ephemeral-storage": "40Gi", memory: "24Gi", nodes: "2", pods: "87" });
    expect(pool("other").status.resources).toEqual({ cpu: "2", "ephemeral-storage": "20Gi", memory: "4Gi", nodes: "1", pods: "17" });

    // marked for deletion (the disruption controller): no longer counted at the next node event
    state.markForDeletion("b");
    store.mutate("Node", undefined, "b", (n) => {
      n.spec.taints = [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }];
    });
    clock.runUntil(clock.now() + 0);
    expect(pool("default").status.resources).toMatchObject({ cpu: "8", memory: "16Gi", nodes: "1", pods: "58" });

    store.delete("Node", undefined, "a");
    clock.runUntil(clock.now() + 0);
    expect(pool("default").status.resources).toMatchObject({ cpu: "0", memory: "0", nodes: "0" });
  });

  it("Ready follows the EC2NodeClass: NodeClassNotFound, readiness unknown, then True", () => {
    const { clock, store, pool } = setup();
    store.create(nodePool("default"));
    clock.runUntil(clock.now() + 0);
    expect(getCondition(pool("default"), "NodeClassReady")).toMatchObject({ status: "False", reason: "NodeClassNotFound", message: "NodeClass not found on cluster" });
    expect(getCondition(pool("default"), "Ready")).toMatchObject({ status: "False", reason: "UnhealthyDependents", message: "NodeClassReady=False" });
    expect(getCondition(pool("default"), "ValidationSucceeded")?.status).toBe("True");

    const nc = store.create(nodeClass());
    clock.runUntil(clock.now() + 0);
    expect(getCondition(pool("default"), "NodeClassReady")).toMatchObject({ status: "False", reason: "NodeClassReadinessUnknown" });

    clock.runUntil(clock.now() + 5000);
    store.setStatus(nc, { conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "", lastTransitionTime: clock.iso() }] });
    clock.runUntil(clock.now() + 0);
    const ready = getCondition(pool("default"), "Ready")!;
    expect(ready).toMatchObject({ status: "True", reason: "Ready", observedGeneration: 1 });
    expect(ready.lastTransitionTime).toBe(clock.iso(5000));
    expect(getCondition(pool("default"), "NodeClassReady")?.status).toBe("True");
  });
});
