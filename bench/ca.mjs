// ca-30k and ca-scaledown-52k (specs/benchmarks.md): the wall time of one Cluster Autoscaler loop
// (RunOnce) on a synthetic cluster. Prints one JSON line per case. Requires `npm run build`.
//
// ca-30k: one ASG (template m5.xlarge, scale from zero: 4000m / 16 GiB / 110 pods), 30,000 pending
//   pods of 130m / 500Mi (30 per node: 30 × 130m = 3900m ≤ 4000m < 31 × 130m) → expect 1,000 nodes.
// ca-scaledown-52k: 1,000 m5.xlarge-shaped nodes (4000m allocatable), 300 at 30 % (40 pods × 30m) and
//   700 at ~70 % (57–58 pods × 48m), 52,000 pods in all, group min 970 → 30 nodes marked unneeded
//   (--scale-down-non-empty-candidates-count 30; the group can lose exactly 30).
import os from "node:os";
import { Store } from "../dist/api/store.js";
import { EventRecorder } from "../dist/api/events.js";
import { LogSink } from "../dist/api/logs.js";
import { registerBuiltinStrategies } from "../dist/api/strategies.js";
import { VirtualClock } from "../dist/core/clock.js";
import { Rng } from "../dist/core/rng.js";
import { AutoScaling, AUTOSCALING_SERVICE } from "../dist/cloud/aws/asg.js";
import { ClusterAutoscaler } from "../dist/autoscaling/cluster-autoscaler/controller.js";

const cores = os.cpus().length;
const only = process.argv.slice(2);
const want = (id) => only.length === 0 || only.some((o) => id.startsWith(o));
const print = (o) => process.stdout.write(JSON.stringify({ ...o, cores, node: process.version }) + "\n");

/** A node side that just keeps sizes and node names (no kubelet, no launches). */
class StubNodes {
  constructor(names) {
    this.names = names;
    this.want = names.length;
  }
  setDesired(_g, n) {
    this.want = n;
    return n;
  }
  deleteNode(_g, name) {
    this.names = this.names.filter((x) => x !== name);
    this.want--;
    return true;
  }
  nodes() {
    return this.names;
  }
  launching() {
    return Math.max(0, this.want - this.names.length);
  }
  desired() {
    return this.want;
  }
}

const ARGS = ["./cluster-autoscaler", "--cloud-provider=aws", "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/bench"];

function setup(nodeNames, group) {
  const clock = new VirtualClock();
  const rng = new Rng(1);
  const store = new Store(clock, rng.fork("apiserver"));
  registerBuiltinStrategies(store);
  const events = new EventRecorder(store, clock);
  const logs = new LogSink(clock, 100);
  const side = new StubNodes(nodeNames);
  const asgs = new AutoScaling({ clusterName: "bench", nodeSide: side, providerIdOf: (n) => store.get("Node", undefined, n)?.spec?.providerID });
  asgs.addManagedNodeGroup({ nodeGroup: "ng", instanceType: "m5.xlarge", capacityType: "ON_DEMAND", zones: ["us-west-2a"], ...group });
  const services = new Map([[AUTOSCALING_SERVICE, asgs]]);
  return { clock, rng, store, events, logs, side, asgs, ctx: { store, clock, rng, events, logs, services } };
}

function mkNode(name, i) {
  const res = { cpu: "4", memory: "16Gi", pods: "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, "eks.amazonaws.com/nodegroup": "ng", "topology.kubernetes.io/zone": "us-west-2a", "node.kubernetes.io/instance-type": "m5.xlarge" } },
    spec: { providerID: `aws:///us-west-2a/i-0${String(i).padStart(16, "0")}` },
    status: { capacity: res, allocatable: res, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "" }] },
  };
}

function mkPod(name, cpu, mem, rs, nodeName) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: rs.metadata.name, "pod-template-hash": "5d8f7c9b6" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid, controller: true }] },
    spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu, memory: mem } } }], ...(nodeName ? { nodeName } : {}) },
  };
}

function mkRs(store, name, replicas) {
  return store.create({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name, namespace: "default" }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } });
}

if (want("ca-30k")) {
  const env = setup([], { min: 0, max: 2000 });
  const rs = mkRs(env.store, "web", 30000);
  env.clock.runUntil(60_000);
  for (let i = 0; i < 30000; i++) {
    const p = env.store.create(mkPod(`web-${i}`, "130m", "500Mi", rs));
    env.store.setStatus(p, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/0 nodes are available" }] });
  }
  env.clock.runUntil(120_000);
  const ca = new ClusterAutoscaler({ args: ARGS, clusterName: "bench", region: "us-west-2" });
  ca.start(env.ctx);
  const t0 = performance.now();
  ca.runOnce();
  const loop = (performance.now() - t0) / 1000;
  const requested = env.side.desired();
  if (requested !== 1000) throw new Error(`ca-30k: expected 1000 nodes requested, got ${requested}`);
  print({ bench: "ca-30k", pendingPods: 30000, loopSeconds: Math.round(loop * 1000) / 1000, nodesRequested: requested, upstreamBudgetSeconds: 10 });
}

if (want("ca-scaledown-52k")) {
  const names = Array.from({ length: 1000 }, (_, i) => `node-${String(i).padStart(4, "0")}`);
  const env = setup(names, { min: 970, max: 1000 });
  names.forEach((n, i) => env.store.create(mkNode(n, i)));
  const rsets = Array.from({ length: 100 }, (_, i) => mkRs(env.store, `app-${i}`, 520));
  let k = 0;
  let total = 0;
  for (let i = 0; i < 1000; i++) {
    const low = i % 10 < 3; // 300 nodes at 30 %
    const count = low ? 40 : i % 7 === 0 ? 58 : 57;
    const cpu = low ? "30m" : "48m";
    for (let j = 0; j < count; j++) {
      const rs = rsets[k++ % 100];
      const p = env.store.create(mkPod(`p-${total++}`, cpu, "100Mi", rs, names[i]));
      env.store.setStatus(p, { phase: "Running", conditions: [{ type: "Ready", status: "True" }, { type: "PodScheduled", status: "True" }] });
    }
  }
  // Top up to exactly 52,000 pods on the busy nodes (within their 70 %).
  for (let i = 0; total < 52000; i++) {
    if (i % 10 < 3) continue;
    const p = env.store.create(mkPod(`p-${total++}`, "48m", "100Mi", rsets[k++ % 100], names[i % 1000]));
    env.store.setStatus(p, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] });
  }
  const ca = new ClusterAutoscaler({ args: ARGS, clusterName: "bench", region: "us-west-2" });
  ca.start(env.ctx);
  const t0 = performance.now();
  ca.runOnce();
  const loop = (performance.now() - t0) / 1000;
  const marked = ca["unneeded"].size;
  if (marked !== 30) throw new Error(`ca-scaledown-52k: expected 30 nodes marked, got ${marked}`);
  print({ bench: "ca-scaledown-52k", nodes: 1000, pods: total, loopSeconds: Math.round(loop * 1000) / 1000, nodesMarkedForRemoval: marked, upstreamBudgetSeconds: 10 });
}
