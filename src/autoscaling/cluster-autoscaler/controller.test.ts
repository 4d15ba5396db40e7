/**
 * The Cluster Autoscaler's main loop against an Auto Scaling group whose instances launch but never
 * become nodes (bootstrap failing, say), with the 1.32 flag defaults: --scan-interval 10s,
 * --max-node-provision-time 15m, --initial-node-group-backoff-duration 5m, frequent loops off.
 *
 * Hand-worked timeline: 3 pending pods of 1 CPU, m5.large templates (2 vCPU) → 2 nodes. The priority
 * expander prefers the "stuck" group: at 10s it goes 0 → 2 (ExpectedAddTime 10s + 15m = 15m10s). The
 * two launches are first seen unregistered at the 20s loop. At 15m20s (first loop after 15m10s) the
 * scale-up times out after 15m10s: ScaleUpTimedOut, backoff until 20m20s. At 15m30s the instances have
 * been unregistered for more than 15m (since 20s): both are removed (DeleteUnregistered) and the ASG
 * is back at 0; the same loop scales the "good" group 0 → 2, the stuck one being in backoff.
 */
import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder, type KubeEvent } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { AUTOSCALING_SERVICE, AutoScaling, type AsgNodeSide } from "../../cloud/aws/asg.js";
import { ClusterAutoscaler } from "./controller.js";
import { PRIORITY_CONFIGMAP } from "./expanders.js";

const s = (x: number) => x * 1000;
const m = (x: number) => x * 60_000;

/** Node side: group "good" registers its nodes at once; group "stuck" never does. */
class Side implements AsgNodeSide {
  private want = new Map<string, number>([
    ["good", 0],
    ["stuck", 0],
  ]);
  readonly names = new Map<string, string[]>([
    ["good", []],
    ["stuck", []],
  ]);
  constructor(private readonly store: Store) {}
  setDesired(group: string, n: number): number {
    this.want.set(group, n);
    const names = this.names.get(group)!;
    if (group === "good") {
      while (names.length < n) {
        const name = `good-${names.length}`;
        this.store.create({
          apiVersion: "v1",
          kind: "Node",
          metadata: { name, labels: { "kubernetes.io/hostname": name, "eks.amazonaws.com/nodegroup": "good" } },
          spec: { providerID: `aws:///us-east-1a/i-0${String(names.length).padStart(16, "a")}` },
          status: { capacity: { cpu: "2", memory: "8Gi", pods: "29" }, allocatable: { cpu: "2", memory: "8Gi", pods: "29" }, conditions: [{ type: "Ready", status: "True" }] },
        });
        names.push(name);
      }
    }
    return n;
  }
  deleteNode(group: string, name: string): boolean {
    const names = this.names.get(group)!;
    names.splice(names.indexOf(name), 1);
    this.want.set(group, this.want.get(group)! - 1);
    return true;
  }
  nodes(group: string): readonly string[] {
    return this.names.get(group)!;
  }
  launching(group: string): number {
    return this.want.get(group)! - this.names.get(group)!.length;
  }
  desired(group: string): number {
    return this.want.get(group)!;
  }
}

function harness() {
  const clock = new VirtualClock();
  const rng = new Rng(1);
  const store = new Store(clock, rng.fork("store"));
  const logs = new LogSink(clock);
  const side = new Side(store);
  const asgs = new AutoScaling({ clusterName: "demo", nodeSide: side, providerIdOf: (n) => store.get("Node", undefined, n)?.spec?.providerID, clock });
  const spec = { instanceType: "m5.large", capacityType: "ON_DEMAND" as const, min: 0, max: 5, zones: ["us-east-1a"] };
  const good = asgs.addManagedNodeGroup({ ...spec, nodeGroup: "good" });
  const stuck = asgs.addManagedNodeGroup({ ...spec, nodeGroup: "stuck" });
  store.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: PRIORITY_CONFIGMAP, namespace: "kube-system" },
    data: { priorities: "50:\n  - .*-stuck-.*\n10:\n  - .*\n" },
  });
  for (let i = 0; i < 3; i++) {
    const p: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `web-${i}`, namespace: "default", labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "rs-1", controller: true }] },
      spec: { containers: [{ name: "c", resources: { requests: { cpu: "1", memory: "1Gi" } } }] },
      status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
    };
    store.create(p);
  }
  const ctx: ControllerContext = { store, clock, rng, events: new EventRecorder(store, clock), logs, services: new Map<string, unknown>([[AUTOSCALING_SERVICE, asgs]]) };
  const ca = new ClusterAutoscaler({
    args: ["./cluster-autoscaler", "--cloud-provider=aws", "--expander=priority", "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/demo"],
    clusterName: "demo",
    region: "us-east-1",
  });
  ca.start(ctx);
  const events = (reason: string) =>
    (store.list("Event") as KubeEvent[]).filter((e) => e.reason === reason).sort((a, b) => (a.firstTimestamp < b.firstTimestamp ? -1 : a.firstTimestamp > b.firstTimestamp ? 1 : 0));
  const lines = () => logs.records("cluster-autoscaler").map((r) => r.message);
  const status = () => String((store.get("ConfigMap", "kube-system", "cluster-autoscaler-status") as { data?: { status?: string } } | undefined)?.data?.status ?? "");
  return { clock, store, asgs, good, stuck, events, lines, status };
}

describe("scale-up timeout (--max-node-provision-time) for instances that never register", () => {
  const h = harness();
  h.clock.runUntil(m(15) + s(10));
  const atTimeoutMinus = { desired: h.asgs.describe(h.stuck)!.DesiredCapacity, timedOut: h.events("ScaleUpTimedOut").length };
  h.clock.runUntil(m(15) + s(20));
  const statusAtTimeout = h.status();
  h.clock.runUntil(m(16));

  it("scales the preferred group 0 -> 2 and waits the full 15 minutes", () => {
    expect(h.events("ScaledUpGroup").map((e) => [e.firstTimestamp, e.message])[0]).toEqual(["2025-01-01T00:00:10Z", `Scale-up: setting group ${h.stuck} size to 2 instead of 0 (max: 5)`]);
    expect(atTimeoutMinus).toEqual({ desired: 2, timedOut: 0 });
  });

  it("times the scale-up out at the first loop after 15m10s, with upstream's texts, and backs the group off for 5 minutes", () => {
    const ev = h.events("ScaleUpTimedOut");
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: "Warning", firstTimestamp: "2025-01-01T00:15:20Z", message: `Nodes added to group ${h.stuck} failed to register within 15m10s` });
    expect(ev[0]!.involvedObject).toMatchObject({ kind: "ConfigMap", name: "cluster-autoscaler-status" });
    expect(h.lines()).toContain(`Scale-up timed out for node group ${h.stuck} after 15m10s`);
    expect(h.lines()).toContain(`Disabling scale-up for node group ${h.stuck} until 2025-01-01 00:20:20 +0000 UTC; errorClass=Other; errorCode=timeout`);
    expect(statusAtTimeout).toContain(`errorMessage: Scale-up timed out for node group ${h.stuck} after 15m10s`);
    expect(statusAtTimeout).toMatch(/errorCode: timeout/);
  });

  it("removes the two never-registered instances after 15 minutes unregistered, bringing the ASG back to 0", () => {
    const removed = h.events("DeleteUnregistered");
    expect(removed).toHaveLength(2);
    for (const e of removed) {
      expect(e.firstTimestamp).toBe("2025-01-01T00:15:30Z");
      expect(e.message).toMatch(/^Removed unregistered node aws:\/\/\/us-east-1a\/i-0[0-9a-f]{16}$/);
    }
    expect(h.lines()).toContain(`Removing 2 unregistered nodes for node group ${h.stuck}`);
    expect(h.asgs.describe(h.stuck)!.DesiredCapacity).toBe(0);
  });

  it("picks the other group for the same pods while the first is backed off", () => {
    const up = h.events("ScaledUpGroup").map((e) => [e.firstTimestamp, e.message]);
    expect(up).toEqual([
      ["2025-01-01T00:00:10Z", `Scale-up: setting group ${h.stuck} size to 2 instead of 0 (max: 5)`],
      ["2025-01-01T00:15:30Z", `Scale-up: setting group ${h.good} size to 2 instead of 0 (max: 5)`],
    ]);
    expect(h.lines()).toContain(`Node group ${h.stuck} is not ready for scaleup - backoff`);
    expect(h.store.list("Node").map((n) => n.metadata.name)).toEqual(["good-0", "good-1"]);
  });
});
