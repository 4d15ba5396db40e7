// npm run bench — prints one JSON line per benchmark: {"bench": id, ...figures}.
// Benchmarks never fail on time; they fail only if the work itself is wrong.
import os from "node:os";
import { spawnSync } from "node:child_process";
import { loadScenarioText } from "../dist/scenario/loader.js";
import { Simulation } from "../dist/sim/simulation.js";
import { Store } from "../dist/api/store.js";
import { VirtualClock } from "../dist/core/clock.js";
import { Rng } from "../dist/core/rng.js";
import { hpaDayScenario } from "./scenarios.mjs";

const cores = os.cpus().length;
const only = process.argv.slice(2);
const want = (id) => only.length === 0 || only.some((o) => id.startsWith(o));
const print = (o) => process.stdout.write(JSON.stringify({ ...o, cores, node: process.version }) + "\n");

function peakRssMiB() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function simDay(id, opts) {
  const text = hpaDayScenario(opts);
  const scenario = loadScenarioText(text, `${id}.yaml`);
  const t0 = performance.now();
  const sim = new Simulation(scenario);
  sim.recorder.podRecords = false;
  sim.start();
  const tStart = performance.now();
  sim.runUntil(scenario.spec.durationMs);
  const wall = (performance.now() - t0) / 1000;
  const s = sim.summary();
  const pods = sim.store.list("Pod").filter((p) => p.metadata.namespace !== "kube-system");
  const pending = pods.filter((p) => !p.spec?.nodeName).length;
  const rescales = s.events?.SuccessfulRescale ?? 0;
  if (rescales === 0) throw new Error(`${id}: no HPA ever rescaled — the benchmark did not exercise the HPA`);
  print({
    bench: id,
    seed: opts.seed,
    simulatedHours: scenario.spec.durationMs / 3_600_000,
    wallSeconds: Math.round(wall * 100) / 100,
    setupSeconds: Math.round(((tStart - t0) / 1000) * 100) / 100,
    speedup: Math.round(scenario.spec.durationMs / 1000 / wall),
    eventsProcessed: sim.clock.eventsProcessed,
    nodes: sim.store.count("Node"),
    podsAtEnd: pods.length,
    pendingAtEnd: pending,
    rescales,
    peakRssMiB: peakRssMiB(),
  });
}

function storeResident() {
  const clock = new VirtualClock();
  const store = new Store(clock, new Rng(42));
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) {
    store.create({ apiVersion: "v1", kind: "Node", metadata: { name: `node-${i}`, labels: { "kubernetes.io/hostname": `node-${i}` } }, status: { allocatable: { cpu: "8", memory: "32Gi", pods: "110" } } });
  }
  for (let i = 0; i < 300_000; i++) {
    store.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `pod-${i}`, namespace: `ns-${i % 100}`, labels: { app: `app-${i % 1000}` } },
      spec: { nodeName: `node-${i % 10_000}`, containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "100m", memory: "128Mi" } } }] },
      status: { phase: "Running" },
    });
  }
  const load = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const all = store.list("Pod");
  const listMs = performance.now() - t1;
  const t2 = performance.now();
  const sel = store.list("Pod", { namespace: "ns-7", labelSelector: "app=app-7" });
  const selMs = performance.now() - t2;
  let delivered = 0;
  const watchers = 100;
  for (let w = 0; w < watchers; w++) store.watch("Pod", () => delivered++);
  const t3 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const p = store.get("Pod", `ns-${i % 100}`, `pod-${i}`);
    store.setStatus(p, { ...p.status, phase: i % 2 ? "Running" : "Pending" });
  }
  const watchMs = performance.now() - t3;
  if (all.length !== 300_000 || sel.length !== 300 || delivered !== watchers * 1000) throw new Error("store-resident: wrong counts");
  print({
    bench: "store-resident",
    nodes: 10_000,
    pods: 300_000,
    loadSeconds: Math.round(load * 100) / 100,
    createsPerSecond: Math.round(310_000 / load),
    fullListMs: Math.round(listMs),
    selectorListMs: Math.round(selMs * 100) / 100,
    watchers,
    watchEventsPerSecond: Math.round((watchers * 1000) / (watchMs / 1000)),
    peakRssMiB: peakRssMiB(),
  });
}

if (want("hpa-day-100")) simDay("hpa-day-100", { name: "hpa-day-100", nodes: 100, deployments: 100, replicas: 30, instanceType: "m5.2xlarge", seed: 42 });
// SIM_DAY_HOURS shortens the 1,000-node day (the figure to compare is the speedup, simulated s per wall s).
if (want("sim-day-1000")) simDay("sim-day-1000", { name: "sim-day-1000", nodes: 1000, deployments: 100, replicas: 300, instanceType: "m5.2xlarge", seed: 42, hours: Number(process.env.SIM_DAY_HOURS ?? 24) });
if (want("store-resident")) storeResident();
if (want("serve")) {
  const { serveBench } = await import("./serve.mjs");
  await serveBench(print);
}

// Controller benchmarks live in their own scripts (each prints JSON lines); run them as children so
// one's heap does not skew the next one's figures.
for (const [id, script, args] of [
  ["karpenter-diverse", "bench/karpenter-provisioning.mjs", []],
  ["karpenter-consolidation-1000", "bench/karpenter-consolidation.mjs", ["1000"]],
  ["ca", "bench/ca.mjs", []],
  ["aws-fleet", "bench/aws-fleet.mjs", []],
]) {
  if (!want(id)) continue;
  const r = spawnSync(process.execPath, [script, ...args], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) process.exitCode = 1;
}
