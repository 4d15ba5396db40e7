import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { CpaController } from "./controller.js";

function harness() {
  const clock = new VirtualClock();
  const rng = new Rng(1);
  const store = new Store(clock, rng.fork("store"));
  const logs = new LogSink(clock);
  const ctx: ControllerContext = { store, clock, rng, events: new EventRecorder(store, clock), logs, services: new Map() };
  const cpa = new CpaController();
  cpa.start(ctx);
  const run = (ms: number) => clock.runUntil(clock.now() + ms);
  const lines = (component = "cpa") => logs.records(component).filter((r) => r.level !== "debug").map((r) => `${r.level[0]!.toUpperCase()} ${r.message}`);
  const replicas = (name = "web", ns = "default") => store.get("Deployment", ns, name)!.spec.replicas as number;
  return { clock, store, logs, cpa, run, lines, replicas };
}

function node(name: string, cpu: string, opts: { ready?: boolean | "none"; unschedulable?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  const ready = opts.ready ?? true;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: opts.labels ?? { pool: "a" } },
    spec: opts.unschedulable ? { unschedulable: true } : {},
    status: {
      allocatable: { cpu },
      conditions: ready === "none" ? [] : [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

function target(name = "web", replicas = 1, ns = "default"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "nginx" }] } } },
  };
}

function cpaDeployment(args: string[], name = "cpa", ns = "default"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "autoscaler", image: "registry.k8s.io/cpa/cluster-proportional-autoscaler:v1.10.3", args }] },
      },
    },
  };
}

function makeReady(store: Store, name = "cpa", ns = "default", ready = 1): void {
  const d = store.get("Deployment", ns, name)!;
  store.setStatus(d, { ...(d.status ?? {}), replicas: 1, readyReplicas: ready, availableReplicas: ready });
}

function ladderCm(json: string, name = "cpa-config", ns = "default"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { ladder: json } };
}

const LAB = '{"nodesToReplicas":[[1,1],[2,2],[3,3],[4,3],[5,5]]}';
const ARGS = ["--configmap=cpa-config", "--namespace=default", "--target=deployment/web", "--logtostderr=true", "--v=0"];

describe("CpaController: cluster status (k8sclient.GetClusterStatus)", () => {
  it("reproduces the upstream fixture: label filter, unschedulable and NotReady nodes", () => {
    const h = harness();
    h.store.create(node("n1", "1"));
    h.store.create(node("n2", "2"));
    h.store.create(node("n3", "3", { unschedulable: true, ready: "none" }));
    h.store.create(node("n4", "4", { labels: { pool: "b" } }));
    h.store.create(node("n5", "3", { ready: false }));
    h.store.create(target());
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment([...ARGS, "--nodelabels=pool=a"]));
    makeReady(h.store);
    const p = h.cpa.process("default", "cpa")!;
    expect(p.clusterStatus()).toEqual({ totalNodes: 4, totalCores: 9, schedulableNodes: 2, schedulableCores: 3 });
    // 2 schedulable nodes on the lab ladder → 2 replicas
    expect(h.replicas()).toBe(2);
  });

  it("sums allocatable quantities, then rounds up: 3 × 3920m = 11760m → 12 cores", () => {
    const h = harness();
    for (const n of ["a", "b", "c"]) h.store.create(node(n, "3920m"));
    h.store.create(target());
    h.store.create(ladderCm('{"coresToReplicas":[[1,1],[12,4]]}'));
    h.store.create(cpaDeployment(ARGS));
    makeReady(h.store);
    expect(h.cpa.process("default", "cpa")!.clusterStatus().schedulableCores).toBe(12);
    expect(h.replicas()).toBe(4);
  });

  it("follows node changes incrementally (cordon, NotReady, delete)", () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.store.create(node(`n${i}`, "2"));
    h.store.create(target());
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment(ARGS));
    makeReady(h.store);
    const p = h.cpa.process("default", "cpa")!;
    expect(h.replicas()).toBe(5);
    const n0 = h.store.get("Node", undefined, "n0")!;
    h.store.update({ ...n0, spec: { unschedulable: true } });
    expect(p.clusterStatus()).toEqual({ totalNodes: 5, totalCores: 10, schedulableNodes: 4, schedulableCores: 8 });
    h.run(10_000);
    expect(h.replicas()).toBe(3);
    h.store.delete("Node", undefined, "n0");
    h.store.delete("Node", undefined, "n1");
    expect(p.clusterStatus()).toEqual({ totalNodes: 3, totalCores: 6, schedulableNodes: 3, schedulableCores: 6 });
    h.run(10_000);
    expect(h.replicas()).toBe(3);
  });
});

describe("CpaController: polling", () => {
  it("polls when its pod is ready, then every 10 s, overwriting other writers", () => {
    const h = harness();
    for (let i = 0; i < 4; i++) h.store.create(node(`n${i}`, "2"));
    h.store.create(target("web", 1));
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment(ARGS));
    h.run(30_000);
    expect(h.replicas()).toBe(1); // binary not running yet
    makeReady(h.store); // t = 30 s
    expect(h.replicas()).toBe(3);
    const p = h.cpa.process("default", "cpa")!;
    expect(p.polls.map((x) => x.t)).toEqual([30_000]);
    // someone scales by hand; the next tick (t = 40 s) sets it back
    h.store.mutate("Deployment", "default", "web", (d: KubeObject) => {
      d.spec.replicas = 7;
    });
    h.run(9_999);
    expect(h.replicas()).toBe(7);
    h.run(1);
    expect(h.replicas()).toBe(3);
    expect(p.polls.map((x) => x.t)).toEqual([30_000, 40_000]);
    expect(h.lines()).toEqual([
      "I Scaling Namespace: default, Target: deployment/web",
      `I Detected ConfigMap version change (old:  new: ${h.store.get("ConfigMap", "default", "cpa-config")!.metadata.resourceVersion}) - rebuilding lookup entries`,
      "I Cluster status: SchedulableNodes[4], SchedulableCores[8]",
      "I Replicas are not as expected : updating replicas from 1 to 3",
      "I Cluster status: SchedulableNodes[4], SchedulableCores[8]",
      "I Replicas are not as expected : updating replicas from 7 to 3",
    ]);
  });

  it("honours --poll-period-seconds", () => {
    const h = harness();
    h.store.create(node("n0", "2"));
    h.store.create(target());
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment([...ARGS, "--poll-period-seconds=30"]));
    makeReady(h.store);
    h.run(65_000);
    expect(h.cpa.process("default", "cpa")!.polls.map((x) => x.t)).toEqual([0, 30_000, 60_000]);
  });

  it("creates the ConfigMap from --default-params when it is missing", () => {
    const h = harness();
    for (let i = 0; i < 3; i++) h.store.create(node(`n${i}`, "4"));
    h.store.create(target());
    h.store.create(
      cpaDeployment(["--configmap=dns-autoscaler", "--target=Deployment/web", '--default-params={"linear":{"nodesPerReplica":16,"coresPerReplica":256,"preventSinglePointFailure":true}}'].concat("--namespace=default")),
    );
    makeReady(h.store);
    const cm = h.store.get("ConfigMap", "default", "dns-autoscaler")!;
    expect(cm.data).toEqual({ linear: '{"coresPerReplica":256,"nodesPerReplica":16,"preventSinglePointFailure":true}' });
    expect(h.replicas()).toBe(2); // 3 nodes: ceil(3/16) = 1, PSPF → 2
    expect(h.lines().slice(0, 3)).toEqual([
      "I Scaling Namespace: default, Target: deployment/web",
      'I ConfigMap not found: configmaps "dns-autoscaler" not found, will create one with default params',
      "I Created ConfigMap dns-autoscaler in namespace default",
    ]);
  });

  it("without default params a missing ConfigMap fails the poll and leaves replicas alone", () => {
    const h = harness();
    h.store.create(node("n0", "2"));
    h.store.create(target("web", 4));
    h.store.create(cpaDeployment(ARGS));
    makeReady(h.store);
    expect(h.replicas()).toBe(4);
    expect(h.lines()).toContain('E Error syncing configMap with apiserver: configmaps "cpa-config" not found');
    // created later: picked up at the next poll
    h.store.create(ladderCm(LAB));
    h.run(10_000);
    expect(h.replicas()).toBe(1);
  });

  it("switches ladder → linear on the fly and rejects a bad ConfigMap without touching replicas", () => {
    const h = harness();
    for (let i = 0; i < 3; i++) h.store.create(node(`n${i}`, "2"));
    h.store.create(target());
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment(ARGS));
    makeReady(h.store);
    expect(h.replicas()).toBe(3);
    h.store.mutate("ConfigMap", "default", "cpa-config", (c: KubeObject) => {
      c.data = { linear: '{"coresPerReplica":1}' };
    });
    h.run(10_000);
    expect(h.replicas()).toBe(6);
    h.store.mutate("ConfigMap", "default", "cpa-config", (c: KubeObject) => {
      c.data = { linear: '{"coresPerReplica":1}', ladder: LAB };
    });
    h.run(10_000);
    expect(h.replicas()).toBe(6);
    expect(h.lines().at(-1)).toBe(`E Error ensuring controller: invalid configMap format, expected only one entry, got: map[ladder:${LAB} linear:{"coresPerReplica":1}]`);
    h.store.mutate("ConfigMap", "default", "cpa-config", (c: KubeObject) => {
      c.data = { stepped: "{}" };
    });
    h.run(10_000);
    expect(h.lines().at(-1)).toBe("E Error ensuring controller: not a supported control mode: stepped");
    h.store.mutate("ConfigMap", "default", "cpa-config", (c: KubeObject) => {
      c.data = { ladder: '{"nodesToReplicas":[[1,1]],"includeUnschedulableNodes":"true"}' };
    });
    h.run(10_000);
    expect(h.replicas()).toBe(6);
    expect(h.lines().at(-1)).toBe(
      "E Error ensuring controller: Error syncing configMap with controller: error parsing ladder params: could not parse parameters (json: cannot unmarshal string into Go struct field ladderParams.includeUnschedulableNodes of type bool)",
    );
  });

  it("scales every target; a failing target stops the ones after it", () => {
    const h = harness();
    for (let i = 0; i < 2; i++) h.store.create(node(`n${i}`, "2"));
    h.store.create(target("a"));
    h.store.create(target("c"));
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment(["--configmap=cpa-config", "--namespace=default", "--target=deployment/a,deployment/b,deployment/c"]));
    makeReady(h.store);
    expect(h.replicas("a")).toBe(2);
    expect(h.replicas("c")).toBe(1);
    expect(h.lines().at(-1)).toBe('E Update failure: deployments.apps "b" not found');
    h.store.create(target("b"));
    h.run(10_000);
    expect([h.replicas("a"), h.replicas("b"), h.replicas("c")]).toEqual([2, 2, 2]);
  });

  it("exits after --max-sync-failures consecutive failures and restarts after the back-off", () => {
    const h = harness();
    h.store.create(node("n0", "2"));
    h.store.create(target());
    h.store.create(cpaDeployment([...ARGS, "--max-sync-failures=3"]));
    makeReady(h.store);
    h.run(20_000);
    const p = h.cpa.process("default", "cpa")!;
    expect(p.isRunning).toBe(false);
    expect(h.lines().at(-1)).toBe("E Maximum number of api server polling attempts (3) have been reached. Exiting application.");
    h.store.create(ladderCm(LAB));
    h.run(10_000); // CrashLoopBackOff 10 s
    expect(p.isRunning).toBe(true);
    expect(h.replicas()).toBe(1);
    expect(h.lines().filter((l) => l.startsWith("I Scaling Namespace"))).toHaveLength(2);
  });

  it("logs flag validation errors and never runs with bad flags", () => {
    const h = harness();
    h.store.create(node("n0", "2"));
    h.store.create(target("web", 4));
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment(["--configmap=cpa-config", "--target=statefulset/web"]));
    makeReady(h.store);
    expect(h.cpa.process("default", "cpa")).toBeUndefined();
    expect(h.replicas()).toBe(4);
    expect(h.lines()).toEqual([
      'E --target must include valid resource ["statefulset"]',
      "E --namespace parameter not set and failed to fallback",
      "E failed to validate all input parameters",
    ]);
  });

  it("stops when its Deployment goes away", () => {
    const h = harness();
    h.store.create(node("n0", "2"));
    h.store.create(target());
    h.store.create(ladderCm(LAB));
    h.store.create(cpaDeployment(ARGS));
    makeReady(h.store);
    h.store.delete("Deployment", "default", "cpa");
    h.store.mutate("Deployment", "default", "web", (d: KubeObject) => {
      d.spec.replicas = 9;
    });
    h.run(60_000);
    expect(h.replicas()).toBe(9);
    expect(h.cpa.list()).toHaveLength(0);
  });
});
