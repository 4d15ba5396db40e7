/**
 * The real kubectl against `scalelab serve` (20x real time): the EKS HPA lab's commands, asserted on
 * kubectl's own output text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, Kubectl, rows } from "./helpers.js";

const k = new Kubectl();
const f = (name: string) => FIXTURES + name;

beforeAll(async () => {
  await k.start({ speed: 20 });
});
afterAll(async () => {
  await k.stop();
});

describe("kubectl against scalelab serve", () => {
  it("reports the server version 1.32 and three Ready m5.large nodes", async () => {
    const v = await k.run("version");
    expect(v.stdout).toContain("Server Version: v1.32.4");
    const n = await k.run("get", "nodes", "-L", "node.kubernetes.io/instance-type");
    const r = rows(n.stdout);
    expect(r[0]).toEqual(["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INSTANCE-TYPE"]);
    expect(r.slice(1)).toHaveLength(3);
    for (const row of r.slice(1)) {
      expect(row[1]).toBe("Ready");
      expect(row[5]).toBe("m5.large");
    }
  });

  it("apply -f: created, then unchanged, then configured", async () => {
    const a = await k.run("apply", "-f", f("php-apache.yaml"));
    expect(a.stderr).toBe("");
    expect(a.stdout).toBe("deployment.apps/php-apache created\nservice/php-apache created\n");
    const b = await k.run("apply", "-f", f("php-apache.yaml"));
    expect(b.stdout).toBe("deployment.apps/php-apache unchanged\nservice/php-apache unchanged\n");
    const c = await k.run("apply", "-f", f("web.yaml"));
    expect(c.stdout).toBe("deployment.apps/web created\n");
    // A changed manifest: kubectl sends a three-way strategic merge patch.
    const changed = join(k.dir, "web-3.yaml");
    writeFileSync(changed, readFileSync(f("web.yaml"), "utf8").replace("replicas: 2", "replicas: 3").replace("nginx:1.27", "nginx:1.28"));
    const c2 = await k.run("apply", "-f", changed);
    expect(c2.stdout).toBe("deployment.apps/web configured\n");
    const live = JSON.parse((await k.run("get", "deploy", "web", "-o", "json")).stdout);
    expect(live.spec.replicas).toBe(3);
    expect(live.spec.template.spec.containers[0].image).toBe("nginx:1.28");
    expect(live.metadata.generation).toBe(2);
    const back = await k.run("apply", "-f", f("web.yaml"));
    expect(back.stdout).toBe("deployment.apps/web configured\n");
    const d = await k.run("label", "deployment", "web", "extra=1");
    expect(d.stdout).toBe("deployment.apps/web labeled\n");
    const e = await k.run("apply", "-f", f("web.yaml"));
    // Labels added out of band are kept by a three-way apply: nothing of the manifest changed.
    expect(e.stdout).toBe("deployment.apps/web unchanged\n");
  });

  it("create -f twice: AlreadyExists", async () => {
    const r = await k.run("create", "-f", f("php-apache.yaml"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Error from server (AlreadyExists): error when creating "${f("php-apache.yaml")}": deployments.apps "php-apache" already exists`);
    expect(r.stderr).toContain(`services "php-apache" already exists`);
  });

  it("errors read as against EKS: NotFound, Invalid, strict unknown field", async () => {
    const nf = await k.run("get", "deployment", "nope");
    expect(nf.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "nope" not found');
    const inv = await k.run("apply", "-f", f("neg.yaml"));
    expect(inv.stderr).toContain('The Deployment "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const strict = await k.run("apply", "-f", f("bad-field.yaml"));
    expect(strict.stderr).toContain('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
    const warn = await k.run("apply", "--validate=warn", "-f", f("bad-field.yaml"));
    expect(warn.stdout).toBe("configmap/typo created\n");
    expect(warn.stderr).toContain('Warning: unknown field "bogus"');
  });

  it("get: wide, yaml, json, jsonpath, -l, -A", async () => {
    await k.waitFor(["get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}"], (o) => o === "2");
    const wide = await k.run("get", "deploy", "web", "-o", "wide");
    const r = rows(wide.stdout);
    expect(r[0]).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    expect(r[1]!.slice(0, 4)).toEqual(["web", "2/2", "2", "2"]);
    expect(r[1]!.slice(5)).toEqual(["nginx", "nginx:1.27", "app=web"]);
    const y = await k.run("get", "deploy", "web", "-o", "yaml");
    expect(y.stdout).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\n/);
    expect(y.stdout).toMatch(/creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/);
    const j = JSON.parse((await k.run("get", "pods", "-l", "app=web", "-o", "json")).stdout);
    expect(j.kind).toBe("List");
    expect(j.items).toHaveLength(2);
    expect(j.items.every((p: any) => p.kind === "Pod" && p.metadata.labels.app === "web" && p.spec.nodeName)).toBe(true);
    const all = await k.run("get", "pods", "-A");
    const allRows = rows(all.stdout);
    expect(allRows[0]!.slice(0, 2)).toEqual(["NAMESPACE", "NAME"]);
    expect(allRows.some((x) => x[0] === "kube-system" && x[1]!.startsWith("coredns-"))).toBe(true);
    expect(allRows.filter((x) => x[0] === "default" && x[1]!.startsWith("web-"))).toHaveLength(2);
    const none = await k.run("get", "pods", "-l", "app=nothing");
    expect(none.stdout).toBe("");
    expect(none.stderr.trim()).toBe("No resources found in default namespace.");
  });

  it("scale, and get -w shows the new rows as the simulation scales", async () => {
    const watching = k.stream(["get", "pods", "-l", "app=web", "-w"], (lines) => lines.filter((l) => /\bRunning\b/.test(l)).length >= 4);
    await new Promise((r) => setTimeout(r, 500));
    const s = await k.run("scale", "deployment", "web", "--replicas=4");
    expect(s.stdout).toBe("deployment.apps/web scaled\n");
    const lines = await watching;
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const names = new Set(lines.slice(1).map((l) => l.split(/\s+/)[0]));
    expect(names.size).toBe(4);
    expect(lines.some((l) => /\bPending\b|\bContainerCreating\b/.test(l))).toBe(true);
    await k.waitFor(["get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}"], (o) => o === "4");
  });

  it("autoscale, get hpa, describe hpa with events", async () => {
    const a = await k.run("autoscale", "deployment", "php-apache", "--cpu-percent=50", "--min=1", "--max=10");
    expect(a.stderr).toBe("");
    expect(a.stdout).toBe("horizontalpodautoscaler.autoscaling/php-apache autoscaled\n");
    const out = await k.waitFor(["get", "hpa"], (o) => /cpu: \d+%\/50%/.test(o));
    const r = rows(out);
    expect(r[0]).toEqual(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
    expect(r[1]!.slice(0, 2)).toEqual(["php-apache", "Deployment/php-apache"]);
    expect(r[1]!.slice(4, 7)).toEqual(["1", "10", "1"]);
    const v1 = JSON.parse((await k.run("get", "horizontalpodautoscalers.v1.autoscaling", "php-apache", "-o", "json")).stdout);
    expect(v1.apiVersion).toBe("autoscaling/v1");
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(50);
    const d = await k.run("describe", "hpa", "php-apache");
    expect(d.stdout).toMatch(/resource cpu on pods\s+\(as a percentage of request\):\s+\d+% \(\d+m\) \/ 50%/);
    expect(d.stdout).toMatch(/Min replicas:\s+1\n/);
    expect(d.stdout).toMatch(/Max replicas:\s+10\n/);
    expect(d.stdout).toMatch(/ScalingActive\s+True\s+ValidMetricFound/);
  });

  it("top pod / top node, and get --raw on metrics.k8s.io", async () => {
    const tp = await k.waitFor(["top", "pod", "-l", "app=web"], (o) => rows(o).length === 5);
    expect(rows(tp)[0]).toEqual(["NAME", "CPU(cores)", "MEMORY(bytes)"]);
    for (const row of rows(tp).slice(1)) {
      expect(row[0]).toMatch(/^web-/);
      expect(row[1]).toMatch(/^\d+m$/);
      expect(row[2]).toMatch(/^\d+Mi$/);
    }
    const tn = await k.run("top", "node");
    const tr = rows(tn.stdout);
    expect(tr[0]).toEqual(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    expect(tr).toHaveLength(4);
    const raw = JSON.parse((await k.run("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")).stdout);
    expect(raw.kind).toBe("NodeMetricsList");
    expect(raw.items).toHaveLength(3);
    const missing = await k.run("top", "pod", "nope");
    // metrics-server looks the pod up in its informer first: the core NotFound.
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it("describe pod / deployment / node show their events", async () => {
    const pod = (await k.run("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")).stdout;
    const dp = await k.run("describe", "pod", pod);
    expect(dp.stdout).toMatch(new RegExp(`^Name:\\s+${pod}$`, "m"));
    expect(dp.stdout).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web-/);
    expect(dp.stdout).toMatch(/Normal\s+Started\s+\S+\s+kubelet\s+Started container nginx/);
    const dd = await k.run("describe", "deployment", "web");
    expect(dd.stdout).toMatch(/Replicas:\s+4 desired \| 4 updated \| 4 total \| 4 available \| 0 unavailable/);
    expect(dd.stdout).toMatch(/NewReplicaSet:\s+web-[a-z0-9]+ \(4\/4 replicas created\)/);
    expect(dd.stdout).toMatch(/Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-[a-z0-9]+ to 4 from 2/);
    const node = (await k.run("get", "pods", pod, "-o", "jsonpath={.spec.nodeName}")).stdout;
    const dn = await k.run("describe", "node", node);
    expect(dn.stdout).toMatch(new RegExp(`^Name:\\s+${node.replace(/\./g, "\\.")}$`, "m"));
    expect(dn.stdout).toMatch(new RegExp(`default\\s+${pod}\\s+100m \\(\\d+%\\)`));
  });

  it("logs: the simulated components are kube-system pods whose logs are their decision logs (and -f)", async () => {
    const sys = await k.run("get", "pods", "-n", "kube-system");
    expect(sys.stdout).toMatch(/^kube-scheduler-\S+\s+1\/1\s+Running\s+0\s+/m);
    expect(sys.stdout).toMatch(/^kube-controller-manager-\S+\s+1\/1\s+Running\s+0\s+/m);
    const scheduler = sys.stdout.match(/^(kube-scheduler-\S+)/m)![1]!;
    const following = k.stream(["logs", "-f", "-n", "kube-system", scheduler, "--tail=0"], (lines) => lines.some((l) => l.includes('pod="default/big"')));
    await new Promise((r) => setTimeout(r, 500));
    const run = await k.run("run", "big", "--image=nginx", "--overrides", JSON.stringify({ spec: { containers: [{ name: "big", image: "nginx", resources: { requests: { cpu: "100" } } }] } }));
    expect(run.stdout).toBe("pod/big created\n");
    const lines = await following;
    const line = lines.find((l) => l.includes('pod="default/big"'))!;
    expect(line).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6}\s+1 schedule_one\.go:\d+\] "Unable to schedule pod; no fit; waiting" pod="default\/big" err="0\/3 nodes are available: 3 Insufficient cpu\./);
    const text = await k.run("logs", "-n", "kube-system", scheduler);
    expect(text.stdout).toContain(line);
    const app = await k.run("logs", "big");
    expect(app.code).toBe(0);
    const missing = await k.run("logs", "nope");
    expect(missing.stderr.trim()).toBe('error: error from server (NotFound): pods "nope" not found in namespace "default"');
    await k.run("delete", "pod", "big", "--wait=false");
  });

  it("get events --sort-by=.metadata.creationTimestamp", async () => {
    const r = await k.run("get", "events", "--sort-by=.metadata.creationTimestamp");
    const lines = rows(r.stdout);
    expect(lines[0]).toEqual(["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    const reasons = lines.slice(1).map((x) => x[2]);
    expect(reasons).toContain("ScalingReplicaSet");
    expect(reasons).toContain("Scheduled");
    // Sorted by creation time (metav1.Time has second precision; within a second the server's list
    // order — name order, as etcd's key order — stands, so compare timestamps, not reasons).
    const ts = await k.run("get", "events", "--sort-by=.metadata.creationTimestamp", "-o", "jsonpath={range .items[*]}{.metadata.creationTimestamp}{\"\\n\"}{end}");
    const times = ts.stdout.split("\n").filter(Boolean);
    expect(times.length).toBeGreaterThan(1);
    expect([...times].sort()).toEqual(times);
  });

  it("explain reads the served OpenAPI", async () => {
    const r = await k.run("explain", "deployment.spec.replicas");
    expect(r.stdout).toMatch(/GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/);
    expect(r.stdout).toContain("FIELD: replicas <integer>");
  });

  it("delete returns once the object is gone, dependents follow", async () => {
    const d = await k.run("delete", "deployment", "web");
    expect(d.stdout).toBe('deployment.apps "web" deleted\n');
    const g = await k.run("get", "deployment", "web");
    expect(g.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "web" not found');
    await k.waitFor(["get", "pods", "-l", "app=web", "-o", "name"], (o) => o === "");
    // A running pod is deleted gracefully (deletionTimestamp first); kubectl waits for the kubelet to remove it.
    const pod = (await k.run("get", "pods", "-l", "run=php-apache", "-o", "name")).stdout.trim();
    const dp = await k.run("delete", pod);
    expect(dp.stdout).toBe(`${pod.replace("pod/", 'pod "')}" deleted\n`);
    const gone = await k.run("get", pod);
    expect(gone.stderr).toContain("(NotFound)");
  });
});
