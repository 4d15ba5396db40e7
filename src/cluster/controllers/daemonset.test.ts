import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { DaemonSetController, daemonPodNode, tolerates } from "./daemonset.js";
import { PodGCController } from "./podgc.js";
import { harness } from "./testkit.js";

const node = (name: string, labels: Record<string, string> = {}, taints: any[] = []): KubeObject => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, labels: { "kubernetes.io/os": "linux", ...labels } },
  spec: { taints },
});

const ds = (spec: any = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent", namespace: "kube-system" },
  spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a" }], ...spec } } },
});

describe("tolerates", () => {
  it("follows toleration matching rules", () => {
    expect(tolerates({ operator: "Exists" }, { key: "x", effect: "NoSchedule" })).toBe(true);
    expect(tolerates({ key: "x", operator: "Equal", value: "1", effect: "NoSchedule" }, { key: "x", value: "1", effect: "NoSchedule" })).toBe(true);
    expect(tolerates({ key: "x", operator: "Equal", value: "2" }, { key: "x", value: "1", effect: "NoSchedule" })).toBe(false);
    expect(tolerates({ key: "x", operator: "Exists", effect: "NoExecute" }, { key: "x", effect: "NoSchedule" })).toBe(false);
  });
});

describe("DaemonSetController", () => {
  it("runs one pod per eligible node with the daemon tolerations and node affinity", () => {
    const h = harness(new DaemonSetController());
    h.store.create(node("n1"));
    h.store.create(node("n2", {}, [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }]));
    h.store.create(node("n3", {}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }]));
    h.store.create(ds());
    h.run(10);
    const pods = h.pods("kube-system");
    expect(pods.map((p) => daemonPodNode(p)).sort()).toEqual(["n1", "n3"]);
    const p = pods[0]!;
    expect(p.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
    expect(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: "metadata.name", operator: "In", values: [daemonPodNode(p)] }] },
    ]);
    expect(p.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`)).toEqual([
      "node.kubernetes.io/not-ready:NoExecute",
      "node.kubernetes.io/unreachable:NoExecute",
      "node.kubernetes.io/disk-pressure:NoSchedule",
      "node.kubernetes.io/memory-pressure:NoSchedule",
      "node.kubernetes.io/pid-pressure:NoSchedule",
      "node.kubernetes.io/unschedulable:NoSchedule",
    ]);
    let st = h.store.get("DaemonSet", "kube-system", "agent")!.status;
    expect(st).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 0, numberAvailable: 0, numberUnavailable: 2 });
    // A new node gets a pod; readiness is reported.
    h.store.create(node("n4"));
    h.run(10);
    for (const q of h.pods("kube-system")) h.makeReady(q);
    h.run(10);
    st = h.store.get("DaemonSet", "kube-system", "agent")!.status;
    expect(st).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, numberUnavailable: 0 });
  });

  it("respects nodeSelector and removes pods from nodes that stop matching", () => {
    const h = harness(new DaemonSetController());
    h.store.create(node("a", { role: "edge" }));
    h.store.create(node("b"));
    h.store.create(ds({ nodeSelector: { role: "edge" } }));
    h.run(10);
    expect(h.pods("kube-system").map(daemonPodNode)).toEqual(["a"]);
    h.store.mutate("Node", undefined, "a", (n) => void (n.metadata.labels = { "kubernetes.io/os": "linux" }));
    h.run(10);
    expect(h.pods("kube-system")).toHaveLength(0);
  });
});

describe("DaemonSetController status", () => {
  it("follows readiness both ways and replaces a failed pod; other status writes change nothing", () => {
    const h = harness(new DaemonSetController());
    h.store.create(node("n1"));
    h.store.create(node("n2"));
    h.store.create(ds());
    h.run(10);
    const status = () => h.store.get("DaemonSet", "kube-system", "agent")!.status;
    for (const q of h.pods("kube-system")) h.makeReady(q);
    h.run(10);
    expect(status()).toMatchObject({ numberReady: 2, numberAvailable: 2 });
    const [a, b] = h.pods("kube-system");
    h.makeReady(a!, "n", false);
    h.run(10);
    expect(status()).toMatchObject({ numberReady: 1, numberAvailable: 1, numberUnavailable: 1 });
    // A status write that keeps phase and readiness (the kubelet's container statuses).
    const cur = h.store.get("Pod", "kube-system", b!.metadata.name!)!;
    h.store.setStatus(cur, { ...cur.status, containerStatuses: [{ name: "a", ready: true, restartCount: 0 }] });
    h.run(10);
    expect(status()).toMatchObject({ numberReady: 1, numberAvailable: 1 });
    h.store.setStatus(h.store.get("Pod", "kube-system", b!.metadata.name!)!, { phase: "Failed" });
    h.run(10);
    const live = h.pods("kube-system").filter((p) => p.status?.phase !== "Failed");
    expect(live).toHaveLength(2);
    expect(h.eventsFor("agent").some((e) => e.startsWith("FailedDaemonPod: Found failed daemon pod kube-system/"))).toBe(true);
    expect(status()).toMatchObject({ currentNumberScheduled: 2, numberReady: 0, numberAvailable: 0 });
  });

  it("with minReadySeconds, a pod is available only after it, and status-only writes still reach the sync", () => {
    const h = harness(new DaemonSetController());
    h.store.create(node("n1"));
    h.store.create(ds());
    h.store.mutate("DaemonSet", "kube-system", "agent", (d) => void (d.spec.minReadySeconds = 10));
    h.run(10);
    h.makeReady(h.pods("kube-system")[0]!);
    h.run(10);
    const status = () => h.store.get("DaemonSet", "kube-system", "agent")!.status;
    expect(status()).toMatchObject({ numberReady: 1, numberAvailable: 0 });
    h.run(12_000);
    // Availability depends on time here, so a write that changes nothing else is not filtered out.
    const p = h.pods("kube-system")[0]!;
    h.store.setStatus(p, { ...p.status, containerStatuses: [{ name: "a", ready: true, restartCount: 0 }] });
    h.run(10);
    expect(status()).toMatchObject({ numberReady: 1, numberAvailable: 1 });
  });
});

describe("PodGCController", () => {
  it("force-deletes pods of a deleted node after the 40 s quarantine", () => {
    const h = harness(new PodGCController());
    h.store.create(node("n1"));
    const p = h.store.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { nodeName: "n1" } });
    const q = h.store.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "q", namespace: "default" }, spec: { nodeName: "n2x" } });
    void q;
    h.store.create(node("n2x"));
    h.store.delete("Node", undefined, "n1");
    h.run(39_000);
    expect(h.store.get("Pod", "default", p.metadata.name!)).toBeDefined();
    h.run(2_000);
    expect(h.store.get("Pod", "default", "p")).toBeUndefined();
    expect(h.store.get("Pod", "default", "q")).toBeDefined();
  });
});
