import { describe, it, expect } from "vitest";
import { loadScenarioFile, loadScenarioText, locate, locateSource, describeSource, ScenarioError } from "./loader.js";

const QTY_RE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function loadError(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error("expected a ScenarioError");
}

describe("examples", () => {
  it("hpa-php-apache: upstream manifests, HPA v2 50 %, busybox loop 1m..15m, 3 x m5.large", () => {
    const s = loadScenarioFile("examples/hpa-php-apache.yaml");
    expect(s.spec.name).toBe("hpa-php-apache");
    expect(s.spec.region).toBe("us-east-1");
    expect(s.spec.zones).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(s.spec.durationMs).toBe(30 * 60_000);
    expect(s.spec.nodeGroups).toEqual([{ name: "default", instanceType: "m5.large", capacityType: "ON_DEMAND", desired: 3, min: 3, max: 3 }]);
    expect(s.objects.map((o) => `${o.object.apiVersion} ${o.object.kind} ${o.object.metadata.namespace}/${o.object.metadata.name}`)).toEqual([
      "apps/v1 Deployment default/php-apache",
      "v1 Service default/php-apache",
      "autoscaling/v2 HorizontalPodAutoscaler default/php-apache",
    ]);
    const dep = s.objects[0].object;
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe("registry.k8s.io/hpa-example");
    expect(c.resources).toEqual({ limits: { cpu: "500m" }, requests: { cpu: "200m" } });
    expect(c.ports).toEqual([{ containerPort: 80 }]);
    const hpa = s.objects[2].object;
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
    });
    // the kubectl run idiom becomes a closed-loop generator: 1 client, sleep 0.01 → 10 ms think time
    expect(s.spec.load).toEqual([
      { name: "load-generator", namespace: "default", service: "php-apache", startMs: 60_000, stopMs: 900_000, closedLoop: { clients: 1, thinkTimeMs: 10 }, timeoutMs: 30_000 },
    ]);
    expect(s.spec.timeline.map((e) => [e.atMs, e.action.type])).toEqual([
      [60_000, "apply"],
      [900_000, "delete"],
    ]);
    const run = s.spec.timeline[0].action;
    if (run.type !== "apply") throw new Error("apply expected");
    expect(run.objects[0]).toMatchObject({
      kind: "Pod",
      metadata: { name: "load-generator", namespace: "default", labels: { run: "load-generator" } },
      spec: { restartPolicy: "Never", containers: [{ name: "load-generator", image: "busybox:1.28", args: ["/bin/sh", "-c", "while sleep 0.01; do wget -q -O- http://php-apache; done"] }] },
    });
    expect(s.spec.timeline[1].action).toMatchObject({ type: "delete", kind: "Pod", namespace: "default", name: "load-generator" });
  });

  it("hpa-php-apache-v1: 2 replicas, autoscaling/v1 HPA, 300 ms then 100 ms loop", () => {
    const s = loadScenarioFile("examples/hpa-php-apache-v1.yaml");
    const dep = s.objects.find((o) => o.object.kind === "Deployment")!.object;
    expect(dep.spec.replicas).toBe(2);
    const hpa = s.objects.find((o) => o.object.kind === "HorizontalPodAutoscaler")!.object;
    expect(hpa.apiVersion).toBe("autoscaling/v1");
    expect(hpa.spec.targetCPUUtilizationPercentage).toBe(50);
    expect(s.spec.load[0].closedLoop).toEqual({ clients: 1, thinkTimeMs: 300 });
    expect(s.spec.timeline).toHaveLength(1);
    expect(s.spec.timeline[0].action).toMatchObject({ type: "setLoad", name: s.spec.load[0].name, thinkTimeMs: 100 });
    expect(s.spec.timeline[0].atMs).toBeGreaterThan(s.spec.load[0].startMs);
  });

  it("qos-oom: the three k8s docs memory pods in mem-example, 3 nodes, 10 minutes", () => {
    const s = loadScenarioFile("examples/qos-oom.yaml");
    expect(s.spec.durationMs).toBe(600_000);
    expect(s.spec.nodeGroups.reduce((n, g) => n + g.desired, 0)).toBe(3);
    const ns = s.objects.find((o) => o.object.kind === "Namespace")!.object;
    expect(ns.metadata).toEqual({ name: "mem-example" });
    const pods = s.objects.filter((o) => o.object.kind === "Pod").map((o) => o.object);
    expect(pods.map((p) => [p.metadata.namespace, p.metadata.name, p.spec.containers[0].resources, p.spec.containers[0].args[3]])).toEqual([
      ["mem-example", "memory-demo", { requests: { memory: "100Mi" }, limits: { memory: "200Mi" } }, "150M"],
      ["mem-example", "memory-demo-2", { requests: { memory: "50Mi" }, limits: { memory: "100Mi" } }, "250M"],
      ["mem-example", "memory-demo-3", { requests: { memory: "1000Gi" }, limits: { memory: "1000Gi" } }, "150M"],
    ]);
    expect(pods[0].spec.containers[0]).toMatchObject({ image: "polinux/stress", command: ["stress"], args: ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"] });
  });
});

describe("bad files", () => {
  const B = "test/fixtures/bad/";
  const cases: Array<[file: string, doc: number, line: number, reason: string]> = [
    ["malformed-yaml.yaml", 2, 9, "error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context"],
    ["unknown-kind.yaml", 3, 15, 'no matches for kind "Foo" in version "example.com/v1"'],
    ["deployment-extensions-v1beta1.yaml", 2, 7, 'no matches for kind "Deployment" in version "extensions/v1beta1"'],
    ["missing-name.yaml", 2, 8, "metadata.name: Required value: name or generateName is required"],
    ["bad-quantity.yaml", 2, 26, `spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "abc": ${QTY_RE}`],
    ["unknown-scenario-field.yaml", 1, 7, 'unknown field "spec.nodeGroup" (did you mean "spec.nodeGroups"?)'],
    ["bad-duration.yaml", 1, 6, 'spec.duration: Invalid value: "30 minutes": time: invalid duration "30 minutes"'],
    ["bad-kubectl.yaml", 1, 11, 'spec.timeline[1].run: Invalid value: "kubectl scale deployment/php-apache": error: required flag(s) "replicas" not set'],
    ["unknown-load.yaml", 1, 12, 'spec.timeline[0].stopLoad: Not found: "wbe": no load generator of that name in spec.load (did you mean "web"?)'],
    ["duplicate-key.yaml", 2, 12, 'yaml: unmarshal errors:\n  line 7: key "replicas" already set in map'],
    ["list-bad-item.yaml", 2, 14, 'no matches for kind "HorizontalPodAutoscaler" in version "autoscaling/v3"'],
    ["tab-indent.yaml", 1, 4, "yaml: line 4: found character that cannot start any token"],
    ["node-group-bounds.yaml", 1, 9, "spec.nodeGroups[0].desired: Invalid value: 1: desired must be between min (3) and max (6)"],
    ["apply-missing-file.yaml", 1, 8, `spec.timeline[0].run: the path "test/fixtures/bad/does-not-exist.yaml" does not exist`],
    ["bad-scenario-version.yaml", 1, 1, 'no matches for kind "Scenario" in version "scalelab.dev/v1"'],
  ];
  for (const [file, doc, line, reason] of cases) {
    it(file, () => {
      const e = loadError(() => loadScenarioFile(B + file));
      expect(e.file).toBe(B + file);
      expect(e.document).toBe(doc);
      expect(e.line).toBe(line);
      expect(e.message).toContain(`${B}${file}: document ${doc}, line ${line}: `);
      expect(e.message).toContain(reason);
    });
  }

  it("a missing scenario file is a ScenarioError in kubectl's words", () => {
    const e = loadError(() => loadScenarioFile("test/fixtures/bad/nope.yaml"));
    expect(e.message).toBe('test/fixtures/bad/nope.yaml: the path "test/fixtures/bad/nope.yaml" does not exist');
  });

  it("never throws anything but ScenarioError, whatever the text", () => {
    const base = loadScenarioFile; // keep import used
    void base;
    const texts = [
      "",
      "---\n---\n",
      "just a string",
      "- 1\n- 2\n",
      "apiVersion: v1\nkind: Pod\n",
      "apiVersion: v1\nkind: Pod\nmetadata: 5\n",
      "apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nspec: [1]\n",
      "apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nspec: {timeline: [{at: 1m, run: \"kubectl scale 'x\"}]}\n",
      "apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nspec: {timeline: [{at: 1m, run: \"kubectl fly away\"}]}\n",
      "a: &x [*x]\n",
      "{{{",
      "apiVersion: v1\nkind: List\nitems: 3\n",
    ];
    // and every prefix of a real scenario, cut at every 17th character
    const full = loadScenarioFileText("examples/hpa-php-apache.yaml");
    for (let i = 0; i < full.length; i += 17) texts.push(full.slice(0, i));
    let ok = 0;
    for (const t of texts) {
      try {
        loadScenarioText(t, "fuzz.yaml");
        ok++;
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw new Error(`non-ScenarioError for ${JSON.stringify(t.slice(0, 80))}: ${e}`);
        expect(e.message.startsWith("fuzz.yaml")).toBe(true);
      }
    }
    expect(ok).toBeGreaterThan(0); // the empty text loads (all defaults)
  });
});

import { readFileSync } from "node:fs";
function loadScenarioFileText(p: string): string {
  return readFileSync(p, "utf8");
}

describe("manifests", () => {
  const head = "apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nmetadata: {name: t}\n";

  it("expands kind: List, defaults the namespace, drops status and a cluster-scoped namespace", () => {
    const text =
      head +
      "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: shop, namespace: x}\n" +
      "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: shop}\nstatus: {replicas: 5}\n";
    const s = loadScenarioText(text, "list.yaml");
    expect(s.objects.map((o) => [o.object.kind, o.object.metadata.namespace, o.object.metadata.name])).toEqual([
      ["ConfigMap", "default", "a"],
      ["Namespace", undefined, "shop"],
      ["Deployment", "shop", "d"],
    ]);
    expect(s.objects[2].object.status).toBeUndefined();
    expect(s.objects[0].source).toBe("list.yaml: document 2, line 8");
    expect(s.objects[1].source).toBe("list.yaml: document 2, line 11");
  });

  it("accepts HPA autoscaling/v1 and v2, rejects autoscaling/v2beta2 (removed in 1.26)", () => {
    const hpa = (v: string) => head + `---\napiVersion: autoscaling/${v}\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 3}\n`;
    expect(loadScenarioText(hpa("v1"), "h.yaml").objects).toHaveLength(1);
    expect(loadScenarioText(hpa("v2"), "h.yaml").objects).toHaveLength(1);
    expect(loadError(() => loadScenarioText(hpa("v2beta2"), "h.yaml")).message).toContain('no matches for kind "HorizontalPodAutoscaler" in version "autoscaling/v2beta2"');
  });

  it("reports missing apiVersion and kind as kubectl's validation does", () => {
    const e = loadError(() => loadScenarioText(head + "---\nmetadata: {name: x}\n", "m.yaml"));
    expect(e.message).toBe("m.yaml: document 2, line 5: error validating data: [apiVersion not set, kind not set]");
  });

  it("checks quantities in init containers, overhead and CronJob templates; numbers are fine", () => {
    const ok = head + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    resources: {requests: {cpu: 0.5, memory: 64Mi}}\n";
    expect(loadScenarioText(ok, "q.yaml").objects).toHaveLength(1);
    const init = head + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - name: i\n    resources:\n      limits:\n        memory: 1.5.5Gi\n";
    const e1 = loadError(() => loadScenarioText(init, "q.yaml"));
    expect(e1.line).toBe(13);
    expect(e1.message).toContain('spec.initContainers[0].resources.limits[memory]: Invalid value: "1.5.5Gi": ');
    const cron =
      head +
      "---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n            resources: {requests: {cpu: lots}}\n";
    const e2 = loadError(() => loadScenarioText(cron, "q.yaml"));
    expect(e2.field).toBe("spec.jobTemplate.spec.template.spec.containers[0].resources.requests[cpu]");
    expect(e2.line).toBe(16);
  });
});

describe("positions", () => {
  it("locate() and locateSource() find the line of a field for errors raised later", () => {
    const s = loadScenarioFile("examples/hpa-php-apache.yaml");
    // requests.cpu of the Deployment (document 2) is on line 53 of the file (grep -n "cpu: 200m")
    expect(locate("examples/hpa-php-apache.yaml", 2, "spec.template.spec.containers[0].resources.requests[cpu]")).toBe(53);
    expect(locateSource(s.objects[0].source, "spec.template.spec.containers[0].resources.requests[cpu]")).toEqual({
      file: "examples/hpa-php-apache.yaml",
      document: 2,
      line: 53,
    });
    // the HPA's averageUtilization in the flow-style document 4
    expect(describeSource(s.objects[2].source, "spec.metrics[0].resource.target.averageUtilization")).toBe("examples/hpa-php-apache.yaml: document 4, line 88");
    // a path that does not exist resolves to its deepest existing ancestor
    expect(locate("examples/hpa-php-apache.yaml", 2, "spec.template.spec.nodeSelector")).toBe(locate("examples/hpa-php-apache.yaml", 2, "spec.template.spec"));
    // timeline action sources point at the entry
    expect(locateSource(s.spec.timeline[1].action.source)?.line).toBe(27);
    expect(locate("nope.yaml", 1, "spec")).toBeUndefined();
  });
});

describe("docs/scenario-format.md", () => {
  it("the documented full example loads", () => {
    const md = readFileSync("docs/scenario-format.md", "utf8");
    const yaml = /```yaml\n([\s\S]*?)```/.exec(md)![1];
    const s = loadScenarioText(yaml, "docs/scenario-format.md");
    expect(s.spec.name).toBe("hpa-php-apache");
    expect(s.spec.zones).toEqual(["us-east-1a", "us-east-1b"]);
    expect(s.spec.timeline.map((e) => e.action.type)).toEqual(["scale", "apply", "apply", "setLoad", "delete"]);
    expect(s.objects.map((o) => o.object.kind)).toEqual(["Deployment"]);
  });
});
