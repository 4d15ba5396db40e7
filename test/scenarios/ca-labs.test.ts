/**
 * The Cluster Autoscaler labs end to end: examples/ca-nginx-scaleout.yaml, examples/ca-test-scaling.yaml
 * and a variant with shortened scale-down timers. Expected figures (worked out by hand):
 *
 * - m5.large allocatable CPU 1930m; DaemonSets (aws-node 25m, kube-proxy 100m) leave ~1805m, so 3
 *   nginx pods (500m) per node; 15 replicas: 9 fit the 3 nodes (coredns/CA pods use ≤ 305m of the
 *   spare 305m + …), 6 pending → binpacking on the template: ceil(6 / 3) = 2 nodes → "3->5 (max: 6)".
 * - After the Deployment is deleted at 15m the 2 new nodes are empty; unneeded from the 15m10s loop;
 *   removable after --scale-down-unneeded-time (10m) → tainted at 25m10s, terminated 5 s later.
 * - t3.medium: 1930m allocatable CPU, one 1400m pod per node; 10 replicas on 2 nodes → 8 pending,
 *   group room 5 − 2 = 3 → "2->5 (max: 5)"; the other 5 pods stay Pending.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { firstTimeWithNodes, min, nodesAt, runCa } from "./ca-helpers.js";

describe("examples/ca-nginx-scaleout.yaml", () => {
  const run = runCa({ file: "examples/ca-nginx-scaleout.yaml" });
  const asg = run.sim.autoScaling.names()[0]!;

  it("names the managed node group's ASG like EKS and tags it for auto-discovery", () => {
    expect(asg).toMatch(/^eks-nodegroup-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const tags = run.sim.autoScaling.describe(asg)!.Tags.map((t) => t.Key);
    expect(tags).toContain("k8s.io/cluster-autoscaler/enabled");
    expect(tags).toContain("k8s.io/cluster-autoscaler/eks-workshop");
  });

  it("scales the ASG 3 -> 5 for the 6 pods that do not fit, and every pending pod says so", () => {
    expect(nodesAt(run, min(1))).toBe(3);
    const up = run.caEvents("TriggeredScaleUp");
    expect(up.length).toBe(6);
    for (const e of up) expect(e.message).toBe(`pod triggered scale-up: [{${asg} 3->5 (max: 6)}]`);
    expect(up[0]!.firstTimestamp).toBe("2025-01-01T00:01:10Z");
    const grp = run.caEvents("ScaledUpGroup");
    expect(grp.map((e) => e.message)).toEqual([`Scale-up: setting group ${asg} size to 5 instead of 3 (max: 6)`]);
    expect(grp[0]!.involvedObject).toMatchObject({ kind: "ConfigMap", namespace: "kube-system", name: "cluster-autoscaler-status" });
    expect(run.logs.some((l) => l.message === `Estimated 2 nodes needed in ${asg}`)).toBe(true);
  });

  it("has all 15 replicas running once the new nodes are Ready, with no second scale-up", () => {
    const s = run.samples.find((x) => x[0] === min(4))!;
    expect(s).toEqual([min(4), 5, 5, 0]);
    expect(run.caEvents("ScaledUpGroup").length).toBe(1);
  });

  it("removes the two empty nodes only after they were unneeded for 10 minutes, never below min size", () => {
    // deleted at 15m; unneeded from the 15m10s loop; removable at 25m10s.
    expect(nodesAt(run, min(25))).toBe(5);
    expect(nodesAt(run, min(25) + 10_000)).toBe(5);
    expect(firstTimeWithNodes(run, 3, min(15))).toBe(min(25) + 30_000 - 10_000);
    expect(Math.min(...run.samples.map((s) => s[1]))).toBe(3);
    const empty = run.caEvents("ScaleDownEmpty").map((e) => e.message);
    expect(empty.filter((m) => m.startsWith("Scale-down: removing empty node "))).toHaveLength(2);
    expect(empty.filter((m) => / removed$/.test(m))).toHaveLength(2);
    const nodeEvents = run.caEvents("ScaleDown").filter((e) => e.involvedObject.kind === "Node").map((e) => e.message);
    expect(nodeEvents.filter((m) => m === "marked the node as toBeDeleted/unschedulable")).toHaveLength(2);
    expect(run.caEvents("ScaleDown").find((e) => e.message === "marked the node as toBeDeleted/unschedulable")!.firstTimestamp).toBe("2025-01-01T00:25:10Z");
  });

  it("writes the 1.30+ YAML status ConfigMap", () => {
    const st = run.status();
    expect(st).toMatch(/^autoscalerStatus: Running$/m);
    expect(st).toMatch(/^time: 2025-01-01 00:40:00 \+0000 UTC$/m);
    expect(st).toContain(`name: ${asg}`);
    expect(st).toMatch(/cloudProviderTarget: 3\n\s+lastProbeTime: 2025-01-01T00:40:00Z/);
    expect(st).toMatch(/maxSize: 6\n\s+minSize: 3/);
    const cm = run.sim.store.get("ConfigMap", "kube-system", "cluster-autoscaler-status")!;
    expect(cm.metadata.annotations!["cluster-autoscaler.kubernetes.io/last-updated"]).toBe("2025-01-01 00:40:00 +0000 UTC");
  });
});

describe("examples/ca-test-scaling.yaml", () => {
  const run = runCa({ file: "examples/ca-test-scaling.yaml" });
  const asg = run.sim.autoScaling.names()[0]!;

  it("grows the group to its max of 5 in one step", () => {
    const up = run.caEvents("TriggeredScaleUp");
    expect(new Set(up.map((e) => e.message))).toEqual(new Set([`pod triggered scale-up: [{${asg} 2->5 (max: 5)}]`]));
    expect(up.length).toBe(3);
    expect(nodesAt(run, min(4))).toBe(5);
    expect(Math.max(...run.samples.map((s) => s[1]))).toBe(5);
  });

  it("leaves the other 5 pods Pending with NotTriggerScaleUp 'max node group size reached'", () => {
    expect(run.samples.at(-1)![3]).toBe(5);
    const not = run.caEvents("NotTriggerScaleUp");
    expect(not.length).toBeGreaterThanOrEqual(5);
    for (const e of not) expect(e.message).toBe("pod didn't trigger scale-up: 1 max node group size reached");
    const pending = run.sim.store.list("Pod", { namespace: "default" }).filter((p) => !p.spec?.nodeName);
    for (const p of pending) expect(not.some((e) => e.involvedObject.name === p.metadata.name)).toBe(true);
  });

  it("never scales down below the nodes the pods need", () => {
    expect(run.caEvents("ScaleDownEmpty")).toEqual([]);
  });
});

describe("scale-down timers from the Deployment flags", () => {
  // --scale-down-unneeded-time=2m, --scale-down-delay-after-add=5m; nginx deleted at 3m.
  // Unneeded from the 3m10s loop → 2m later is 5m10s, but the scale-up at 1m10s holds scale-down
  // until 6m10s: the nodes are tainted at 6m10s and gone 5 s later, not one loop earlier.
  const text = readFileSync("examples/ca-nginx-scaleout.yaml", "utf8")
    .replace("- --skip-nodes-with-system-pods=false", "- --skip-nodes-with-system-pods=false\n            - --scale-down-unneeded-time=2m\n            - --scale-down-delay-after-add=5m")
    .replace("- at: 15m", "- at: 3m")
    .replace("duration: 40m", "duration: 10m");
  const run = runCa({ text });

  it("reads the flags", () => {
    const ca = run.sim.controllers.find((c) => c.name === "cluster-autoscaler") as unknown as { opts: { scaleDownUnneededTimeMs: number; scaleDownDelayAfterAddMs: number; expander: string[] } };
    expect(ca.opts).toMatchObject({ scaleDownUnneededTimeMs: min(2), scaleDownDelayAfterAddMs: min(5), expander: ["least-waste"] });
  });

  it("does not scale down before delay-after-add", () => {
    expect(nodesAt(run, min(6))).toBe(5);
    expect(nodesAt(run, min(6) + 10_000)).toBe(5);
    const marked = run.caEvents("ScaleDown").filter((e) => e.message === "marked the node as toBeDeleted/unschedulable");
    expect(marked.map((e) => e.firstTimestamp)).toEqual(["2025-01-01T00:06:10Z", "2025-01-01T00:06:10Z"]);
    expect(nodesAt(run, min(6) + 20_000)).toBe(3);
  });
});
