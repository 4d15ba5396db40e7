import { describe, it, expect, afterAll } from "vitest";
import http from "node:http";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { KubeObject } from "../api/meta.js";
import { KINDS, apiVersionOf, type KindInfo } from "../api/kinds.js";
import { strictDecodingMessage, unknownFieldPaths } from "../api/schema/decode.js";
import { registerCustomResourceSchema } from "../api/schema/registry.js";
import { openapiV3Index, openapiV3Document, openapiV3Hash, unknownFieldWarnings } from "./openapi.js";

const widget: KindInfo = { kind: "Widget", group: "example.com", version: "v1", plural: "widgets", singular: "widget", namespaced: true, generation: true };
afterAll(() => registerCustomResourceSchema(widget, "v1", null));

describe("openapiV3Index", () => {
  it("lists every served group-version with a hashed serverRelativeURL", () => {
    const idx = openapiV3Index();
    expect(Object.keys(idx.paths).sort()).toEqual([
      "api/v1",
      "apis/apps/v1",
      "apis/autoscaling/v1",
      "apis/autoscaling/v2",
      "apis/batch/v1",
      "apis/policy/v1",
      "apis/scheduling.k8s.io/v1",
    ]);
    for (const [gv, e] of Object.entries(idx.paths)) expect(e.serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/${gv}\\?hash=[0-9A-F]{128}$`));
    expect(openapiV3Index()).toEqual(idx); // stable
    expect(idx.paths["apis/apps/v1"]!.serverRelativeURL.endsWith(openapiV3Hash("apis/apps/v1")!)).toBe(true);
  });

  it("adds a CRD group-version and changes its hash when the schema changes", () => {
    registerCustomResourceSchema(widget, "v1", { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } });
    const h1 = openapiV3Index().paths["apis/example.com/v1"]!.serverRelativeURL;
    registerCustomResourceSchema(widget, "v1", { type: "object", properties: { spec: { type: "object", properties: { size: { type: "string" } } } } });
    const h2 = openapiV3Index().paths["apis/example.com/v1"]!.serverRelativeURL;
    expect(h1).not.toBe(h2);
    const doc = openapiV3Document("apis/example.com/v1") as any;
    const patch = doc.paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"].patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "example.com", version: "v1", kind: "Widget" });
    // CRDs have no strategic merge patch.
    expect(Object.keys(patch.requestBody.content).sort()).toEqual(["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"]);
    expect(doc.components.schemas["com.example.v1.Widget"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "example.com", kind: "Widget", version: "v1" }]);
    expect(unknownFieldPaths({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", bogus: 1 }, spec: { size: "1", colour: "red" } } as KubeObject)).toEqual(["metadata.bogus", "spec.colour"]);
    registerCustomResourceSchema(widget, "v1", undefined); // schemaless: preserve unknown fields
    expect(unknownFieldPaths({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", bogus: 1 }, spec: { colour: "red" } } as KubeObject)).toEqual(["metadata.bogus"]);
    registerCustomResourceSchema(widget, "v1", null);
    expect(openapiV3Index().paths["apis/example.com/v1"]).toBeUndefined();
  });
});

describe("openapiV3Document", () => {
  const apps = openapiV3Document("apis/apps/v1") as any;

  it("has a PATCH operation per kind carrying the GVK and the fieldValidation parameter (what kubectl checks)", () => {
    for (const k of KINDS.filter((x) => x.group === "apps")) {
      const p = apps.paths[`/apis/apps/v1/namespaces/{namespace}/${k.plural}/{name}`].patch;
      expect(p["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: k.kind });
      expect(p.parameters.map((x: any) => x.name)).toContain("fieldValidation");
      expect(p.requestBody.content).toHaveProperty(["application/strategic-merge-patch+json"]);
    }
    expect(apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"].patch["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
    const core = openapiV3Document("/openapi/v3/api/v1") as any;
    expect(core.paths["/api/v1/nodes/{name}"].patch["x-kubernetes-group-version-kind"]).toEqual({ group: "", version: "v1", kind: "Node" });
    expect(core.paths["/api/v1/namespaces/{namespace}/pods/{name}"]).toBeDefined();
  });

  it("carries upstream definition names, types, formats, descriptions and patch metadata", () => {
    const s = apps.components.schemas;
    expect(s["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    expect(s["io.k8s.api.apps.v1.Deployment"].properties.spec.allOf).toEqual([{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" }]);
    const replicas = s["io.k8s.api.apps.v1.DeploymentSpec"].properties.replicas;
    expect(replicas).toMatchObject({ type: "integer", format: "int32" });
    expect(replicas.description).toContain("Number of desired pods");
    expect(s["io.k8s.api.apps.v1.DeploymentSpec"].required).toEqual(["selector", "template"]);
    expect(s["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].properties.generation).toMatchObject({ type: "integer", format: "int64" });
    const containers = s["io.k8s.api.core.v1.PodSpec"].properties.containers;
    expect(containers).toMatchObject({ type: "array", "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" });
    expect(s["io.k8s.api.core.v1.Container"].properties.env["x-kubernetes-patch-merge-key"]).toBe("name");
    expect(s["io.k8s.api.core.v1.Container"].properties.ports["x-kubernetes-patch-merge-key"]).toBe("containerPort");
    expect(s["io.k8s.api.core.v1.PodSpec"].properties.volumes["x-kubernetes-patch-strategy"]).toBe("merge,retainKeys");
    expect(s["io.k8s.api.core.v1.PodSpec"].properties.dnsPolicy.enum).toEqual(["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]);
    expect(s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({ format: "int-or-string" });
    expect(s["io.k8s.api.apps.v1.Deployment"].properties.kind.description).toMatch(/^Kind is a string value representing the REST resource/);
    // Only definitions reachable from this group-version's kinds.
    expect(s["io.k8s.api.core.v1.Node"]).toBeUndefined();
    expect(s["io.k8s.api.autoscaling.v1.Scale"]).toBeDefined();
    for (const d of Object.values<any>(s)) {
      JSON.stringify(d).replace(/"\$ref":"#\/components\/schemas\/([^"]+)"/g, (_m, n) => {
        expect(s[n], n).toBeDefined();
        return "";
      });
    }
  });

  it("autoscaling v1 and v2 documents hold their own HorizontalPodAutoscaler", () => {
    const v1 = (openapiV3Document("apis/autoscaling/v1") as any).components.schemas;
    const v2 = (openapiV3Document("apis/autoscaling/v2") as any).components.schemas;
    expect(v1["io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec"].properties.targetCPUUtilizationPercentage.type).toBe("integer");
    expect(v2["io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec"].properties.metrics.type).toBe("array");
  });

  it("answers undefined for unknown group-versions", () => {
    expect(openapiV3Document("apis/nope/v1")).toBeUndefined();
    expect(openapiV3Document("apis/apps/v2")).toBeUndefined();
  });
});

describe("unknownFieldPaths", () => {
  // The body of kube-apiserver's field validation integration test (duplicates aside: JSON.parse keeps the last).
  const body = () =>
    ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "test-deployment", unknownMeta: "metaVal", labels: { app: "nginx" } },
      spec: {
        unknown1: "val1",
        unknownDupe: "valDupe2",
        paused: false,
        selector: { matchLabels: { app: "nginx" } },
        template: {
          metadata: { labels: { app: "nginx" } },
          spec: { containers: [{ name: "nginx", image: "nginx:latest", unknownNested: "val1", imagePullPolicy: "Never" }] },
        },
      },
    }) as KubeObject;

  it("reports paths in document order like the strict JSON decoder", () => {
    // upstream: unknown field "metadata.unknownMeta", "spec.unknown1", "spec.unknownDupe", "spec.template.spec.containers[0].unknownNested"
    expect(unknownFieldPaths(body())).toEqual(["metadata.unknownMeta", "spec.unknown1", "spec.unknownDupe", "spec.template.spec.containers[0].unknownNested"]);
  });

  it("sorted order for re-encoded objects (patches, YAML), as upstream's merge-patch case", () => {
    const b = body();
    delete (b.metadata as any).unknownMeta;
    // upstream merge-patch: "spec.template.spec.containers[0].unknownNested", "spec.unknown1", "spec.unknownDupe"
    expect(unknownFieldPaths(b, { sorted: true })).toEqual(["spec.template.spec.containers[0].unknownNested", "spec.unknown1", "spec.unknownDupe"]);
  });

  it("accepts every known field, map keys, quantities and int-or-strings", () => {
    const ok: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { "any/key": "v" }, annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" }, ownerReferences: [] },
      spec: {
        replicas: 2,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
        selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "a", operator: "In", values: ["x"] }] },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            containers: [{ name: "c", image: "i", resources: { requests: { cpu: "200m", "example.com/gpu": 1 } }, ports: [{ containerPort: 80 }], env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] }],
            tolerations: [{ key: "k", operator: "Exists" }],
          },
        },
      },
      status: { replicas: 1, conditions: [{ type: "Available", status: "True" }] },
    };
    expect(unknownFieldPaths(ok)).toEqual([]);
  });

  it("is case-sensitive and checks other kinds; kinds without a schema report nothing", () => {
    expect(unknownFieldPaths({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" }, bogus: 1 } as KubeObject)).toEqual(["bogus"]);
    expect(unknownFieldPaths({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { maxReplicas: 3, targetCPUUtilizationPercentage: 50 } } as KubeObject)).toEqual(["spec.targetCPUUtilizationPercentage"]);
    expect(unknownFieldPaths({ apiVersion: "v1", kind: "Pod", metadata: { Name: "p" }, spec: { containers: [{ name: "a" }, { name: "b", Image: "x" }] } } as KubeObject)).toEqual(["metadata.Name", "spec.containers[1].Image"]);
    expect(unknownFieldPaths({ apiVersion: "example.com/v9", kind: "Gadget", metadata: {}, whatever: 1 } as KubeObject)).toEqual([]);
  });

  it("formats the Strict error and Warn texts like kube-apiserver", () => {
    const obj = { apiVersion: "apps/v1", kind: "Deployment" };
    expect(strictDecodingMessage(obj, ["spec.foo"])).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"');
    expect(strictDecodingMessage({ apiVersion: "v1", kind: "ConfigMap" }, ["bogus", "x.y"])).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus", unknown field "x.y"',
    );
    expect(unknownFieldWarnings(["spec.foo"])).toEqual(['unknown field "spec.foo"']);
  });
});

// ------------------------------------------------------------------------------------------------
// The real kubectl against a stub that serves discovery + these documents.

function hasKubectl(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasKubectl())("kubectl 1.32 against the OpenAPI documents", () => {
  it("explain reads the schemas; apply validates on the server (fieldValidation=Strict) without /openapi/v2", async () => {
    const requests: { method: string; url: string; body: string; contentType?: string }[] = [];
    let stored: any;
    const byGV = new Map<string, KindInfo[]>();
    for (const k of KINDS) for (const v of [k.version, ...(k.otherVersions ?? [])]) {
      const gv = apiVersionOf(k, v);
      byGV.set(gv, [...(byGV.get(gv) ?? []), k]);
    }
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        requests.push({ method: req.method!, url: req.url!, body, contentType: req.headers["content-type"] });
        const u = new URL(req.url!, "http://x");
        const send = (code: number, obj: unknown) => {
          res.writeHead(code, { "Content-Type": "application/json" });
          res.end(JSON.stringify(obj));
        };
        const p = u.pathname;
        if (p === "/version") return send(200, { major: "1", minor: "32", gitVersion: "v1.32.4" });
        if (p === "/api") return send(200, { kind: "APIVersions", versions: ["v1"] });
        if (p === "/apis") {
          const groups = new Map<string, string[]>();
          for (const gv of byGV.keys()) if (gv.includes("/")) groups.set(gv.split("/")[0]!, [...(groups.get(gv.split("/")[0]!) ?? []), gv]);
          return send(200, { kind: "APIGroupList", apiVersion: "v1", groups: [...groups].map(([name, gvs]) => ({ name, versions: gvs.map((gv) => ({ groupVersion: gv, version: gv.split("/")[1] })), preferredVersion: { groupVersion: gvs[0], version: gvs[0]!.split("/")[1] } })) });
        }
        const gv = p.replace(/^\/apis?\//, "");
        if (byGV.has(gv) && (p === `/api/${gv}` || p === `/apis/${gv}`)) {
          return send(200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources: byGV.get(gv)!.map((k) => ({ name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: k.shortNames })) });
        }
        if (p === "/openapi/v3") return send(200, openapiV3Index());
        if (p.startsWith("/openapi/v3/")) {
          const doc = openapiV3Document(p.slice("/openapi/v3/".length));
          return doc ? send(200, doc) : send(404, { kind: "Status", apiVersion: "v1", status: "Failure", code: 404, reason: "NotFound" });
        }
        if (req.method === "POST") {
          const obj = JSON.parse(body);
          stored = { ...obj, metadata: { ...obj.metadata, namespace: "default", uid: "u1", resourceVersion: "1" } };
          return send(201, stored);
        }
        if (stored && p === "/apis/apps/v1/namespaces/default/deployments/web") {
          if (req.method === "GET") return send(200, stored);
          if (req.method === "PATCH") return send(200, stored);
        }
        send(404, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 404, reason: "NotFound", message: "not found" });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const dir = mkdtempSync(path.join(tmpdir(), "scalelab-openapi-"));
      const kubeconfig = path.join(dir, "kubeconfig");
      writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: c\n  context: {cluster: c, namespace: default, user: u}\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n`);
      const kubectl = (...args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", path.join(dir, "cache"), ...args], { env: { ...process.env, HOME: dir } }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as any).code ?? 1) : 0, stdout, stderr }),
          ),
        );

      const ex = await kubectl("explain", "deployment.spec.replicas");
      expect(ex.stderr).toBe("");
      expect(ex.stdout).toContain("GROUP:      apps");
      expect(ex.stdout).toContain("FIELD: replicas <integer>");
      expect(ex.stdout).toContain("DESCRIPTION:\n    Number of desired pods. This is a pointer to distinguish between explicit\n    zero and not specified. Defaults to 1.");

      const ex2 = await kubectl("explain", "hpa.spec.metrics.resource.target");
      expect(ex2.stdout).toContain("VERSION:    v2");
      expect(ex2.stdout).toContain("averageUtilization\t<integer>");

      const manifest = path.join(dir, "web.yaml");
      writeFileSync(manifest, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        imagePullPolicyy: Always\n");
      const ap = await kubectl("apply", "-f", manifest);
      expect(ap.stdout.trim()).toBe("deployment.apps/web created");
      const post = requests.find((r) => r.method === "POST")!;
      expect(post.url).toBe("/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-client-side-apply&fieldValidation=Strict");
      // kubectl left validation to the server: the typo reached us, and our check finds it.
      expect(unknownFieldPaths(JSON.parse(post.body), { sorted: true })).toEqual(["spec.template.spec.containers[0].imagePullPolicyy"]);
      expect(requests.some((r) => r.url.startsWith("/openapi/v2"))).toBe(false);
      expect(requests.some((r) => r.url.startsWith("/openapi/v3/apis/apps/v1?hash="))).toBe(true);

      // Update: kubectl computes the strategic merge patch from the v3 schemas (merge keys), quietly.
      writeFileSync(manifest, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n");
      const up = await kubectl("apply", "-f", manifest);
      expect(up.stderr).toBe("");
      expect(up.stdout.trim()).toBe("deployment.apps/web configured");
      const patch = requests.find((r) => r.method === "PATCH")!;
      expect(patch.contentType).toBe("application/strategic-merge-patch+json");
      expect(patch.url).toBe("/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl-client-side-apply&fieldValidation=Strict");
      const pb = JSON.parse(patch.body);
      expect(pb.spec.replicas).toBe(3);
      expect(pb.spec.template.spec["$setElementOrder/containers"]).toEqual([{ name: "web" }]);
      expect(pb.spec.template.spec.containers).toEqual([{ image: "nginx:1.27", imagePullPolicyy: null, name: "web" }]);
      expect(requests.some((r) => r.url.startsWith("/openapi/v2"))).toBe(false);
    } finally {
      server.close();
    }
  }, 60_000);
});
