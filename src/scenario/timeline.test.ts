import { describe, it, expect } from "vitest";
import { loadScenarioText, ScenarioError } from "./loader.js";
import { loadLoop, shellSplit } from "./timeline.js";
import type { TimelineAction } from "./types.js";

const HEAD = "apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  duration: 30m\n";

function timeline(entries: string, extraSpec = "", file = "t.yaml") {
  return loadScenarioText(HEAD + extraSpec + "  timeline:\n" + entries, file);
}
function actions(entries: string, extraSpec = ""): TimelineAction[] {
  return timeline(entries, extraSpec).spec.timeline.map((e) => e.action);
}
function strip(a: TimelineAction) {
  const { source: _s, ...rest } = a;
  return rest;
}
function err(entries: string, extraSpec = ""): ScenarioError {
  try {
    timeline(entries, extraSpec);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error("expected ScenarioError");
}

describe("kubectl one-liners", () => {
  it("scale: TYPE/NAME, TYPE NAME, --replicas N, short names, -n anywhere, kubectl prefix optional", () => {
    const a = actions(
      [
        "    - {at: 1m, run: kubectl scale deployment/php-apache --replicas=3}",
        "    - {at: 2m, run: scale deploy php-apache --replicas 4}",
        "    - {at: 3m, run: kubectl -n shop scale sts/db --replicas=0}",
        "    - {at: 4m, run: kubectl scale rs a b --replicas=1 --namespace=x}",
      ].join("\n") + "\n",
    ).map(strip);
    expect(a).toEqual([
      { type: "scale", kind: "Deployment", namespace: "default", name: "php-apache", replicas: 3 },
      { type: "scale", kind: "Deployment", namespace: "default", name: "php-apache", replicas: 4 },
      { type: "scale", kind: "StatefulSet", namespace: "shop", name: "db", replicas: 0 },
      { type: "scale", kind: "ReplicaSet", namespace: "x", name: "a", replicas: 1 },
      { type: "scale", kind: "ReplicaSet", namespace: "x", name: "b", replicas: 1 },
    ]);
  });

  it("scale errors are kubectl's", () => {
    expect(err("    - {at: 1m, run: kubectl scale deployment/x --replicas=-1}\n").message).toContain(
      "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
    );
    expect(err("    - {at: 1m, run: kubectl scale deployment/x --replicas=three}\n").message).toContain(
      'error: invalid argument "three" for "--replicas" flag: strconv.ParseInt: parsing "three": invalid syntax',
    );
    expect(err("    - {at: 1m, run: kubectl scale widgets/x --replicas=1}\n").message).toContain(`error: the server doesn't have a resource type "widgets"`);
    expect(err("    - {at: 1m, run: kubectl scale deployment/x --replicas=1 --bogus}\n").message).toContain("error: unknown flag: --bogus");
    expect(err("    - {at: 1m, run: kubectl expose deployment x --port 80}\n").message).toContain('error: unsupported command "expose"');
  });

  it("autoscale creates the autoscaling/v1 HPA kubectl creates", () => {
    const [a] = actions("    - {at: 5m, run: kubectl autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10}\n");
    expect(strip(a)).toEqual({
      type: "apply",
      objects: [
        {
          apiVersion: "autoscaling/v1",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "php-apache", namespace: "default" },
          spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
        },
      ],
    });
    // without --min/--cpu-percent the fields are left for the server's defaults
    const [b] = actions("    - {at: 5m, run: kubectl autoscale deploy/web --max=5 -n shop --name=web-hpa}\n");
    if (b.type !== "apply") throw new Error();
    expect(b.objects[0].metadata).toEqual({ name: "web-hpa", namespace: "shop" });
    expect(b.objects[0].spec).toEqual({ scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 5 });
    expect(err("    - {at: 5m, run: kubectl autoscale deployment web --min=3 --max=2}\n").message).toContain(
      "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3",
    );
    expect(err("    - {at: 5m, run: kubectl autoscale deployment web}\n").message).toContain("error: --max=MAXPODS is required and must be at least 1, max: -1");
  });

  it("delete: TYPE NAME, TYPE/NAME, several names, -n", () => {
    const a = actions(
      ["    - {at: 1m, run: kubectl delete deployment php-apache}", "    - {at: 2m, run: kubectl delete hpa/a svc/b -n shop --now}"].join("\n") + "\n",
    ).map(strip);
    expect(a).toEqual([
      { type: "delete", kind: "Deployment", namespace: "default", name: "php-apache" },
      { type: "delete", kind: "HorizontalPodAutoscaler", namespace: "shop", name: "a" },
      { type: "delete", kind: "Service", namespace: "shop", name: "b" },
    ]);
  });

  it("apply -f / delete -f read files relative to the scenario file", () => {
    const s = loadScenarioText(
      HEAD + "  timeline:\n    - {at: 1m, run: kubectl apply -f extra.yaml}\n    - {at: 2m, run: kubectl delete -f extra.yaml}\n",
      "test/fixtures/scenario/main.yaml",
    );
    const [apply, del1, del2] = s.spec.timeline.map((e) => strip(e.action));
    expect(apply.type).toBe("apply");
    if (apply.type !== "apply") throw new Error();
    expect(apply.objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(["ConfigMap default/extra", "Deployment shop/extra"]);
    expect(del1).toEqual({ type: "delete", kind: "ConfigMap", namespace: "default", name: "extra" });
    expect(del2).toEqual({ type: "delete", kind: "Deployment", namespace: "shop", name: "extra" });
  });

  it("patch: -p JSON with --type, strategic by default; json patches must be lists", () => {
    const a = actions(
      [
        `    - {at: 1m, run: "kubectl patch deployment php-apache -p '{\\"spec\\":{\\"replicas\\":4}}'"}`,
        `    - {at: 2m, run: "kubectl patch hpa/php-apache --type=merge -p '{\\"spec\\":{\\"maxReplicas\\":20}}'"}`,
        `    - {at: 3m, run: "kubectl patch deploy x --type json -p '[{\\"op\\":\\"replace\\",\\"path\\":\\"/spec/replicas\\",\\"value\\":2}]'"}`,
      ].join("\n") + "\n",
    ).map(strip);
    expect(a).toEqual([
      { type: "patch", kind: "Deployment", namespace: "default", name: "php-apache", patch: { spec: { replicas: 4 } }, patchType: "strategic" },
      { type: "patch", kind: "HorizontalPodAutoscaler", namespace: "default", name: "php-apache", patch: { spec: { maxReplicas: 20 } }, patchType: "merge" },
      { type: "patch", kind: "Deployment", namespace: "default", name: "x", patch: [{ op: "replace", path: "/spec/replicas", value: 2 }], patchType: "json" },
    ]);
    expect(err(`    - {at: 1m, run: "kubectl patch deploy x --type json -p '{\\"a\\":1}'"}\n`).message).toContain("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  });

  it("run: the EKS load-generator idiom starts a closed loop; delete pod stops it", () => {
    const s = timeline(
      [
        `    - at: 2m`,
        `      run: kubectl run -i --tty load-generator --rm --image=busybox:1.28 --restart=Never -- /bin/sh -c "while sleep 0.01; do wget -q -O- http://php-apache; done"`,
        `    - {at: 12m, run: kubectl delete pod load-generator}`,
      ].join("\n") + "\n",
    );
    expect(s.spec.load).toEqual([
      { name: "load-generator", namespace: "default", service: "php-apache", startMs: 120_000, stopMs: 720_000, closedLoop: { clients: 1, thinkTimeMs: 10 }, timeoutMs: 30_000 },
    ]);
    // a plain `kubectl run` without a request loop only creates the pod
    const t = timeline(`    - {at: 2m, run: "kubectl run nginx --image=nginx --labels=app=web,tier=fe"}\n`);
    expect(t.spec.load).toEqual([]);
    const a = t.spec.timeline[0].action;
    if (a.type !== "apply") throw new Error();
    expect(a.objects[0]).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "nginx", namespace: "default", labels: { app: "web", tier: "fe" } },
      spec: { containers: [{ name: "nginx", image: "nginx", resources: {} }], restartPolicy: "Always", dnsPolicy: "ClusterFirst" },
    });
  });

  it("recognises request loops: service and namespace from the URL, think time from sleep", () => {
    expect(loadLoop("/bin/sh -c while sleep 0.01; do wget -q -O- http://php-apache; done", "default")).toEqual({ namespace: "default", service: "php-apache", thinkTimeMs: 10 });
    expect(loadLoop("while true; do curl -s http://web.shop.svc.cluster.local:8080/x; sleep 0.3; done", "default")).toEqual({ namespace: "shop", service: "web", thinkTimeMs: 300 });
    expect(loadLoop("while true; do wget -q -O- http://api; done", "team")).toEqual({ namespace: "team", service: "api", thinkTimeMs: 0 });
    expect(loadLoop("sleep 3600", "default")).toBeUndefined();
    expect(loadLoop("while true; do curl http://10.0.0.1; done", "default")).toBeUndefined();
  });

  it("shellSplit handles quotes and escapes", () => {
    expect(shellSplit(`a 'b c' "d \\"e\\"" f\\ g`)).toEqual(["a", "b c", 'd "e"', "f g"]);
  });
});

describe("structured forms", () => {
  const LOAD = "  load:\n    - {name: web, target: shop/service/web, openLoop: {profile: {type: constant, rps: 5}}}\n    - {name: cl, target: service/web, closedLoop: {clients: 2}}\n";

  it("apply, delete, scale, patch, startLoad, stopLoad, setLoad; sorted by time (stable)", () => {
    const s = timeline(
      [
        "    - at: 10m",
        "      apply:",
        "        apiVersion: v1",
        "        kind: ConfigMap",
        "        metadata: {name: c}",
        "    - {at: 1m, scale: {target: deployment/web, replicas: 3, namespace: shop}}",
        "    - {at: 1m, delete: shop/deployment/old}",
        "    - {at: 90, patch: {kind: Deployment, name: web, patch: {spec: {paused: true}}, type: merge}}",
        "    - {at: 3m, stopLoad: web}",
        "    - {at: 4m, startLoad: web}",
        "    - {at: 5m, setLoad: {name: web, rps: 50}}",
        "    - {at: 6m, setLoad: {name: cl, clients: 5, thinkTime: 1s}}",
      ].join("\n") + "\n",
      LOAD,
    );
    expect(s.spec.timeline.map((e) => [e.atMs, strip(e.action)])).toEqual([
      [60_000, { type: "scale", kind: "Deployment", namespace: "shop", name: "web", replicas: 3 }],
      [60_000, { type: "delete", kind: "Deployment", namespace: "shop", name: "old" }],
      [90_000, { type: "patch", kind: "Deployment", namespace: "default", name: "web", patch: { spec: { paused: true } }, patchType: "merge" }],
      [180_000, { type: "stopLoad", name: "web" }],
      [240_000, { type: "startLoad", name: "web" }],
      [300_000, { type: "setLoad", name: "web", rps: 50 }],
      [360_000, { type: "setLoad", name: "cl", clients: 5, thinkTimeMs: 1000 }],
      [600_000, { type: "apply", objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } }] }],
    ]);
    expect(s.spec.timeline[0].action.source).toBe("t.yaml: document 1, line 15: spec.timeline[1] at 1m: scale deployment/web --replicas=3");
  });

  it("rejects entries with no action, two actions, times past the end, and mismatched setLoad", () => {
    expect(err("    - {at: 1m}\n").message).toContain('t.yaml: document 1, line 7: spec.timeline[0]: Required value: one of "run", "apply"');
    expect(err("    - {at: 1m, startLoad: a, stopLoad: b}\n").message).toContain('spec.timeline[0].stopLoad: Forbidden: only one action per timeline entry (already "startLoad")');
    expect(err("    - {at: 40m, startLoad: a}\n").message).toContain('spec.timeline[0].at: Invalid value: "40m": must not be after spec.duration (30m0s)');
    expect(err("    - {at: 1m, setLoad: {name: web, clients: 3}}\n", LOAD).message).toContain('load generator "web" is open-loop: set rps');
    const e = err("    - {at: 1m, apply: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, resources: {limits: {memory: 1x}}}]}}}\n");
    expect(e.line).toBe(7);
    expect(e.field).toBe("spec.containers[0].resources.limits[memory]");
  });
});
