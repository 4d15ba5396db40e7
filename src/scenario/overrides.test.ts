import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { applyVariant, parseOverridePath, parseVariant, VariantError } from "./overrides.js";

const FILE = `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: lab}
spec:
  duration: 30m
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      containers:
        - name: sidecar
          image: busybox
        - name: web
          image: nginx   # the app
          resources:
            limits: {cpu: 500m}
---
{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: web},
 spec: {minReplicas: 1, maxReplicas: 10, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
`;

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS());
const apply = (spec: string) => applyVariant(FILE, "lab.yaml", parseVariant(spec));
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VariantError);
    return (e as Error).message;
  }
  throw new Error("no error");
};

describe("parseVariant", () => {
  it("reads the name, the target, the path and a YAML value", () => {
    const v = parseVariant("hpa70: HorizontalPodAutoscaler/php-apache spec.metrics[0].resource.target.averageUtilization=70");
    expect(v).toEqual({
      name: "hpa70",
      overrides: [
        {
          target: { kind: "HorizontalPodAutoscaler", name: "php-apache" },
          path: [{ key: "spec" }, { key: "metrics" }, { index: 0 }, { key: "resource" }, { key: "target" }, { key: "averageUtilization" }],
          value: 70,
          text: "HorizontalPodAutoscaler/php-apache spec.metrics[0].resource.target.averageUtilization=70",
        },
      ],
    });
  });

  it("splits overrides on ';' outside brackets and quotes; no target means the Scenario document", () => {
    const v = parseVariant(`big: spec.duration=1h; deploy/shop/web spec.template.metadata.labels[app.kubernetes.io/name]="a;b"; Deployment/web spec.x={a: 1, b: [1, 2]}`);
    expect(v.overrides.map((o) => [o.target, o.value])).toEqual([
      [undefined, "1h"],
      [{ kind: "deploy", namespace: "shop", name: "web" }, "a;b"],
      [{ kind: "Deployment", name: "web" }, { a: 1, b: [1, 2] }],
    ]);
    expect(v.overrides[1]!.path.at(-1)).toEqual({ key: "app.kubernetes.io/name" });
  });

  it("reads list selectors", () => {
    expect(parseOverridePath("spec.containers[name=web].image")).toEqual([{ key: "spec" }, { key: "containers" }, { match: ["name", "web"] }, { key: "image" }]);
  });

  it("refuses malformed variants with the reason", () => {
    expect(errorOf(() => parseVariant("no colon here"))).toMatch(/expected "NAME: \[Kind\/name\] path=value\[; …\]"/);
    expect(errorOf(() => parseVariant("x: hpa/web spec.minReplicas"))).toBe(`variant "x": "hpa/web spec.minReplicas": expected "path=value"`);
    expect(errorOf(() => parseVariant("x: spec.duration="))).toBe(`variant "x": "spec.duration=": missing value after '='`);
    expect(errorOf(() => parseVariant("x: a/b/c/d spec.y=1"))).toMatch(/the target "a\/b\/c\/d" must be Kind\/name or Kind\/namespace\/name/);
    expect(errorOf(() => parseVariant("x: spec.a[0.b=1"))).toBe(`variant "x": "spec.a[0.b=1": expected "path=value"`);
    expect(errorOf(() => parseVariant("x: spec..a=1"))).toMatch(/empty field name in path "spec\.\.a"/);
    expect(errorOf(() => parseVariant(" : spec.a=1"))).toMatch(/the name "" must be/);
  });
});

describe("applyVariant", () => {
  it("replaces a value in place: every other byte and every line number stay", () => {
    const out = apply("v: hpa/web spec.metrics[0].resource.target.averageUtilization=70");
    expect(out).toBe(FILE.replace("averageUtilization: 50", "averageUtilization: 70"));
    expect(docs(out)[2].spec.metrics[0].resource.target.averageUtilization).toBe(70);
  });

  it("selects list items by field, keeps comments, quotes strings as JSON", () => {
    const out = apply("v: Deployment/web spec.template.spec.containers[name=web].image=nginx:1.27");
    expect(out).toBe(FILE.replace("image: nginx   # the app", 'image: "nginx:1.27"   # the app'));
  });

  it("adds missing fields as a new first line of the map, nested as needed", () => {
    const out = apply("v: deployments/web spec.replicas=3; deployments/web spec.template.spec.containers[1].resources.requests.cpu=200m");
    const d = docs(out)[1];
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[1].resources).toEqual({ requests: { cpu: "200m" }, limits: { cpu: "500m" } });
    expect(out).toContain("spec:\n  replicas: 3\n  template:");
  });

  it("edits flow-style documents and appends list items with [len]", () => {
    const out = apply("v: hpa/web spec.behavior={scaleDown: {stabilizationWindowSeconds: 60}}; hpa/web spec.metrics[1]={type: Pods}");
    const h = docs(out)[2];
    expect(h.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 60 } });
    expect(h.spec.metrics).toHaveLength(2);
    expect(h.spec.metrics[1]).toEqual({ type: "Pods" });
    expect(h.spec.minReplicas).toBe(1);
  });

  it("appends to a block list and writes the Scenario document without a target", () => {
    const out = apply(`v: Deployment/web spec.template.spec.containers[2]={name: extra, image: pause}; spec.duration=1h`);
    const [scn, d] = docs(out);
    expect(scn.spec.duration).toBe("1h");
    expect(d.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["sidecar", "web", "extra"]);
  });

  it("replaces a whole block map and fills an empty field", () => {
    const out = apply(`v: Deployment/web spec.template.spec.containers[name=web].resources={limits: {cpu: "1"}}`);
    expect(docs(out)[1].spec.template.spec.containers[1].resources).toEqual({ limits: { cpu: "1" } });
    const empty = applyVariant("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n", "c.yaml", parseVariant("v: cm/c data.level=2"));
    expect(parse(empty).data).toEqual({ level: 2 });
  });

  it("names the variant, the file, the document and line, the object and the field when a path does not fit", () => {
    expect(errorOf(() => apply("bad: hpa/web spec.metrics[3].type=Pods"))).toBe(
      `variant "bad": lab.yaml: document 3, line 26: HorizontalPodAutoscaler/web: spec.metrics[3]: Invalid value: 3: index out of range: the list has 1 item(s) ([1] appends)`,
    );
    expect(errorOf(() => apply("bad: Deployment/web spec.template.spec.containers[name=api].image=x"))).toBe(
      `variant "bad": lab.yaml: document 2, line 18: Deployment/web: spec.template.spec.containers[name=api]: Not found: no list item with name="api"`,
    );
    expect(errorOf(() => apply("bad: Deployment/web spec.template.spec[0]=x"))).toMatch(
      /^variant "bad": lab\.yaml: document 2, line 17: Deployment\/web: spec\.template\.spec: Invalid value: a map: not a list$/,
    );
    expect(errorOf(() => apply("bad: Deployment/web metadata.name.first=x"))).toMatch(/Deployment\/web: metadata\.name: Invalid value: "web": cannot set field "first" in it$/);
  });

  it("names what the file holds when the target is missing, and asks for a namespace when it is ambiguous", () => {
    expect(errorOf(() => apply("bad: hpa/api spec.minReplicas=2"))).toBe(
      `variant "bad": hpa/api not found in lab.yaml (it holds Deployment/web, HorizontalPodAutoscaler/web, Service/shop/web, Service/other/web)`,
    );
    expect(errorOf(() => apply("bad: svc/web spec.type=NodePort"))).toBe(
      `variant "bad": svc/web matches 2 objects in lab.yaml (Service/shop/web, Service/other/web); name one as Kind/namespace/name`,
    );
    expect(docs(apply("ok: svc/shop/web spec.type=NodePort"))[3].spec).toEqual({ type: "NodePort" });
  });
});
