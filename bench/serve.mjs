// Benchmarks of `scalelab serve`: `kubectl get pods -A` on 30,000 pods, and watch fan-out.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "../dist/cli/serve.js";

function scenarioYaml({ nodes, deployments, replicas }) {
  const docs = [`apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: serve-bench}
spec:
  region: us-east-1
  duration: 1h
  nodeGroups: [{name: bench, instanceType: m5.2xlarge, desired: ${nodes}, min: ${nodes}, max: ${nodes}}]`];
  for (let i = 0; i < deployments; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${i}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
      containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m, memory: 128Mi}}}]`);
  }
  return docs.join("\n---\n") + "\n";
}

export async function serveBench(print) {
  const dir = mkdtempSync(join(tmpdir(), "scalelab-bench-"));
  const file = join(dir, "serve-bench.yaml");
  writeFileSync(file, scenarioYaml({ nodes: 1000, deployments: 100, replicas: 300 }));
  const t0 = performance.now();
  const started = await startServe({ files: [file], speed: 1, port: 0, address: "127.0.0.1", kubeconfig: join(dir, "kubeconfig") });
  started.sim.runUntil(60_000);
  const setupS = (performance.now() - t0) / 1000;
  const pods = started.sim.store.count("Pod");
  const kubectl = (...args) =>
    execFileSync("kubectl", ["--kubeconfig", started.kubeconfigPath, "--cache-dir", join(dir, "cache"), ...args], {
      env: { ...process.env, HOME: dir },
      maxBuffer: 256 * 1024 * 1024,
    }).toString();
  // Run kubectl in a child process while this process serves: use an async exec.
  const { execFile } = await import("node:child_process");
  const run = (...args) =>
    new Promise((resolve, reject) =>
      execFile("kubectl", ["--kubeconfig", started.kubeconfigPath, "--cache-dir", join(dir, "cache"), ...args], { env: { ...process.env, HOME: dir }, maxBuffer: 256 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out))),
    );
  await run("get", "nodes", "-o", "name"); // warm the discovery cache
  const times = [];
  let lines = 0;
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    const out = await run("get", "pods", "-A", "--no-headers");
    times.push(performance.now() - s);
    lines = out.split("\n").filter(Boolean).length;
  }
  times.sort((a, b) => a - b);
  // The simulated control-plane components are listed as kube-system pods too (never stored).
  if (lines < pods) throw new Error(`kubectl get pods -A printed ${lines} rows for ${pods} pods`);

  // Watch fan-out: W watchers on all pods, then 1,000 status changes.
  const W = 50;
  const changes = 1000;
  const rv = started.sim.store.resourceVersion;
  let received = 0;
  const reqs = [];
  await Promise.all(
    Array.from({ length: W }, () =>
      new Promise((resolve) => {
        const req = http.get(`${started.url}/api/v1/pods?watch=true&resourceVersion=${rv}`, (res) => {
          res.setEncoding("utf8");
          let buf = "";
          res.on("data", (chunk) => {
            buf += chunk;
            let nl;
            while ((nl = buf.indexOf("\n")) >= 0) {
              buf = buf.slice(nl + 1);
              received++;
            }
          });
          resolve();
        });
        reqs.push(req);
      }),
    ),
  );
  const podList = started.sim.store.list("Pod").slice(0, changes);
  const s = performance.now();
  for (const p of podList) started.sim.store.setStatus(p, { ...p.status, message: "bench" });
  while (received < W * changes && performance.now() - s < 60_000) await new Promise((r) => setTimeout(r, 5));
  const watchS = (performance.now() - s) / 1000;
  for (const r of reqs) r.destroy();
  await started.server.close();
  if (received < W * changes) throw new Error(`watch fan-out delivered ${received} of ${W * changes} events`);
  print({
    bench: "serve-kubectl-get-pods-A",
    pods,
    setupSeconds: Math.round(setupS * 100) / 100,
    latencyMsMedian: Math.round(times[1]),
    latencyMsMin: Math.round(times[0]),
  });
  print({ bench: "serve-watch-fanout", watchers: W, changes, events: received, seconds: Math.round(watchS * 1000) / 1000, eventsPerSecond: Math.round(received / watchS) });
  void kubectl;
}
