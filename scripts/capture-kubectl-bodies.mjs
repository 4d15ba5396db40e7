#!/usr/bin/env node
/**
 * Records the request bodies the real kubectl sends, to build protobuf test fixtures.
 * Starts a minimal API stub (version, legacy discovery, a Deployment "web" to GET, 201 for
 * POSTs), runs the kubectl commands below against it with a fresh cache dir, and writes every
 * POST body to test/fixtures/protobuf/<name>.bin (+ <name>.json with method, path, content type).
 *
 * Usage: node scripts/capture-kubectl-bodies.mjs
 */
import http from "node:http";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "test", "fixtures", "protobuf");
mkdirSync(outDir, { recursive: true });

const verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
const res = (name, kind, namespaced, extra = {}) => ({ name, singularName: name.replace(/s$/, ""), namespaced, kind, verbs, ...extra });
const groups = {
  "api/v1": [
    res("namespaces", "Namespace", false, { shortNames: ["ns"] }),
    res("configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
    res("secrets", "Secret", true),
    res("services", "Service", true, { shortNames: ["svc"] }),
    res("serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"] }),
    res("resourcequotas", "ResourceQuota", true, { shortNames: ["quota"] }),
    res("pods", "Pod", true, { shortNames: ["po"] }),
  ],
  "apis/apps/v1": [
    res("deployments", "Deployment", true, { shortNames: ["deploy"] }),
    { name: "deployments/scale", singularName: "", namespaced: true, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] },
  ],
  "apis/autoscaling/v1": [res("horizontalpodautoscalers", "HorizontalPodAutoscaler", true, { shortNames: ["hpa"] })],
  "apis/batch/v1": [res("jobs", "Job", true), res("cronjobs", "CronJob", true, { shortNames: ["cj"] })],
  "apis/policy/v1": [res("poddisruptionbudgets", "PodDisruptionBudget", true, { shortNames: ["pdb"] })],
  "apis/scheduling.k8s.io/v1": [res("priorityclasses", "PriorityClass", false, { shortNames: ["pc"] })],
};
const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "0b0e5c4e-1111-4222-8333-444455556666", resourceVersion: "10", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } },
};

let current = "unnamed";
const server = http.createServer((req, resp) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, "http://x");
    const send = (code, obj) => {
      resp.writeHead(code, { "Content-Type": "application/json" });
      resp.end(JSON.stringify(obj));
    };
    const p = url.pathname.replace(/^\//, "");
    if (p === "version") return send(200, { major: "1", minor: "32", gitVersion: "v1.32.4", platform: "linux/amd64" });
    if (p === "api") return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }] });
    if (p === "apis") {
      const gs = new Map();
      for (const gv of Object.keys(groups)) {
        if (!gv.startsWith("apis/")) continue;
        const [, g, v] = gv.split("/");
        if (!gs.has(g)) gs.set(g, []);
        gs.get(g).push({ groupVersion: `${g}/${v}`, version: v });
      }
      return send(200, { kind: "APIGroupList", apiVersion: "v1", groups: [...gs].map(([name, versions]) => ({ name, versions, preferredVersion: versions[0] })) });
    }
    if (groups[p]) return send(200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: p.replace(/^apis?\//, ""), resources: groups[p] });
    if (req.method === "GET" && p === "apis/apps/v1/namespaces/default/deployments/web") return send(200, deployment);
    if (req.method === "POST") {
      writeFileSync(path.join(outDir, `${current}.bin`), body);
      writeFileSync(
        path.join(outDir, `${current}.json`),
        JSON.stringify({ command: commands.find((c) => c[0] === current)?.[1].join(" "), method: req.method, path: req.url, contentType: req.headers["content-type"], accept: req.headers.accept }, null, 2) + "\n",
      );
      // Answer with a plausible JSON object so kubectl prints its success line.
      const gv = p.split("/").slice(0, p.startsWith("api/") ? 2 : 3).join("/");
      const kind = (groups[gv] ?? []).find((r) => r.name === p.split("/").pop())?.kind ?? "Unknown";
      return send(201, { apiVersion: gv.replace(/^apis?\//, ""), kind, metadata: { name: current.split("-").pop(), namespace: "default" } });
    }
    send(404, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "NotFound", code: 404, message: "not found" });
  });
});

const commands = [
  ["autoscale-web", ["autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=10"]],
  ["autoscale-nocpu", ["autoscale", "deployment", "web", "--max=5", "--name=web2"]],
  ["create-deployment-web", ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80"]],
  ["create-deployment-multi", ["create", "deployment", "multi", "--image=nginx", "--image=busybox"]],
  ["create-namespace-team", ["create", "namespace", "team"]],
  ["create-configmap-cfg", ["create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=two"]],
  ["create-secret-s", ["create", "secret", "generic", "s", "--from-literal=password=hunter2"]],
  ["create-service-svc", ["create", "service", "clusterip", "svc", "--tcp=80:8080"]],
  ["create-job-j", ["create", "job", "j", "--image=busybox", "--", "echo", "hi"]],
  ["create-cronjob-cj", ["create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"]],
  ["create-pdb-pdb", ["create", "poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=1"]],
  ["create-priorityclass-high", ["create", "priorityclass", "high", "--value=1000", "--description=high prio"]],
  ["create-quota-q", ["create", "quota", "q", "--hard=cpu=2,memory=1Gi,pods=10"]],
  ["create-serviceaccount-sa", ["create", "serviceaccount", "sa"]],
];

/** Insert flags before a `--` separator (everything after it is the container command). */
function withFlags(args, flags) {
  const i = args.indexOf("--");
  return i < 0 ? [...args, ...flags] : [...args.slice(0, i), ...flags, ...args.slice(i)];
}

server.listen(0, "127.0.0.1", async () => {
  const port = server.address().port;
  const dir = mkdtempSync(path.join(tmpdir(), "kubectl-capture-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    namespace: default\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n`,
  );
  for (const [name, args] of commands) {
    current = name;
    const r = await new Promise((resolve) =>
      execFile("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", path.join(dir, "cache"), ...args], { env: { ...process.env, HOME: dir } }, (err, stdout, stderr) =>
        resolve({ code: err ? err.code : 0, stdout, stderr }),
      ),
    );
    console.log(`${name}: exit ${r.code} ${r.stdout.trim()} ${r.stderr.trim()}`);
    // The same object as kubectl prints it with --dry-run=client -o json: the independent
    // expectation the decoded protobuf body is compared with.
    const d = await new Promise((resolve) =>
      execFile("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", path.join(dir, "cache"), ...withFlags(args, ["--dry-run=client", "-o", "json"])], { env: { ...process.env, HOME: dir } }, (err, stdout) =>
        resolve(err ? undefined : stdout),
      ),
    );
    if (d) writeFileSync(path.join(outDir, `${name}.dryrun.json`), d);
  }
  server.close();
});
