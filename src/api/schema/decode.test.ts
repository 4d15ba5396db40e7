import { afterAll, describe, expect, it } from "vitest";
import type { KindInfo } from "../kinds.js";
import type { KubeObject } from "../meta.js";
import { decodeTypeError, strictDecodeError, unknownFields } from "./decode.js";
import { registerCustomResourceSchema } from "./registry.js";

const deploy = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "web" }): KubeObject =>
  ({ apiVersion: "apps/v1", kind: "Deployment", metadata, spec }) as KubeObject;
const hpa = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec }) as KubeObject;
const pod = (container: Record<string, unknown>) => ({ template: { spec: { containers: [{ name: "web", image: "nginx", ...container }] } } });
const typeMsg = (o: KubeObject) => decodeTypeError(o, { sorted: true })?.message;

describe("decodeTypeError: encoding/json's UnmarshalTypeError as kube-apiserver words it", () => {
  it("names the innermost struct, the field names from the root (no indices) and the Go type", () => {
    expect(typeMsg(deploy({ replicas: "three" }))).toBe(
      `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
    );
    const e = decodeTypeError(hpa({ maxReplicas: 3, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 7.5 } } }] }));
    expect(e?.message).toMatch(/: json: cannot unmarshal number 7\.5 into Go struct field MetricTarget\.spec\.metrics\.resource\.target\.averageUtilization of type int32$/);
    expect(e?.path).toEqual(["spec", "metrics", 0, "resource", "target", "averageUtilization"]);
    expect(typeMsg(hpa({ behavior: { scaleUp: { policies: [{ type: "Pods", value: "4", periodSeconds: 15 }] } } }))).toMatch(
      /cannot unmarshal string into Go struct field HPAScalingPolicy\.spec\.behavior\.scaleUp\.policies\.value of type int32$/,
    );
  });

  it("prints composite and named types as reflect does", () => {
    expect(typeMsg(hpa({ metrics: { type: "Pods" } }))).toMatch(/cannot unmarshal object into Go struct field HorizontalPodAutoscalerSpec\.spec\.metrics of type \[\]v2\.MetricSpec$/);
    expect(typeMsg(deploy({ template: "x" }))).toMatch(/cannot unmarshal string into Go struct field DeploymentSpec\.spec\.template of type v1\.PodTemplateSpec$/);
    expect(typeMsg(deploy(pod({ imagePullPolicy: 1 })))).toMatch(/cannot unmarshal number into Go struct field Container\.spec\.template\.spec\.containers\.imagePullPolicy of type v1\.PullPolicy$/);
    expect(typeMsg(deploy(pod({ resources: { limits: "500m" } })))).toMatch(/cannot unmarshal string into Go struct field ResourceRequirements\.spec\.template\.spec\.containers\.resources\.limits of type v1\.ResourceList$/);
    expect(typeMsg(deploy(pod({ args: ["-c", 5] })))).toMatch(/cannot unmarshal number into Go struct field Container\.spec\.template\.spec\.containers\.args of type string$/);
  });

  it("keeps map keys out of the field path but in the position", () => {
    const e = decodeTypeError(deploy({}, { name: "web", labels: { app: "web", v: 1 } }), { sorted: true });
    expect(e?.message).toMatch(/cannot unmarshal number into Go struct field ObjectMeta\.metadata\.labels of type string$/);
    expect(e?.path).toEqual(["metadata", "labels", "v"]);
  });

  it("says `number N` only where an integer cannot hold N (int32 range too)", () => {
    expect(typeMsg(deploy({ replicas: 3000000000 }))).toMatch(/cannot unmarshal number 3000000000 into Go struct field DeploymentSpec\.spec\.replicas of type int32$/);
    expect(typeMsg(deploy({ replicas: 2147483647 }))).toBeUndefined();
    expect(typeMsg(deploy({ paused: 1 }))).toMatch(/cannot unmarshal number into Go struct field DeploymentSpec\.spec\.paused of type bool$/);
  });

  it("accepts what decodes: quantities as strings or numbers, int-or-string, null", () => {
    expect(typeMsg(deploy({ replicas: null, strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } }, ...pod({ resources: { requests: { cpu: 0.5, memory: "128Mi" }, limits: { cpu: "1" } } }) }))).toBeUndefined();
  });

  it("reports the first error in the order the decoder reads the keys", () => {
    const o = deploy({ replicas: "x", minReadySeconds: "y" });
    expect(decodeTypeError(o)?.path).toEqual(["spec", "replicas"]); // body order
    expect(decodeTypeError(o, { sorted: true })?.path).toEqual(["spec", "minReadySeconds"]); // kubectl's map-encoded body
  });

  it("lets an unmarshaler's error (IntOrString, Quantity, Time) stop decoding and win over an earlier type error", () => {
    const o = deploy({ replicas: "x", strategy: { rollingUpdate: { maxSurge: 1.5 } } });
    expect(typeMsg(o)).toMatch(/cannot unmarshal number 1\.5 into Go struct field RollingUpdateDeployment\.spec\.strategy\.rollingUpdate\.maxSurge of type int32$/);
    expect(typeMsg(deploy({ strategy: { rollingUpdate: { maxUnavailable: true } } }))).toMatch(/cannot unmarshal bool into Go struct field RollingUpdateDeployment\.spec\.strategy\.rollingUpdate\.maxUnavailable of type int32$/);
    expect(typeMsg(deploy({}, { name: "web", creationTimestamp: 5 }))).toMatch(/cannot unmarshal number into Go struct field ObjectMeta\.metadata\.creationTimestamp of type string$/);
    const q = decodeTypeError(hpa({ metrics: [{ type: "Pods", pods: { metric: { name: "x" }, target: { type: "AverageValue", averageValue: "abc" } } }] }));
    expect(q).toEqual({
      path: ["spec", "metrics", 0, "pods", "target", "averageValue"],
      message: `HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      detail: `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      namesField: false,
    });
  });
});

describe("strictDecodeError", () => {
  it("lists every unknown field, sorted as kubectl's body has them, pointing at the first", () => {
    const e = strictDecodeError(hpa({ zeta: 1, maxReplicas: 3, metricz: [] }), { sorted: true });
    expect(e?.message).toBe(`HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.metricz", unknown field "spec.zeta"`);
    expect(e?.path).toEqual(["spec", "metricz"]);
    expect(unknownFields(deploy(pod({ resource: {} })))).toEqual([{ path: ["spec", "template", "spec", "containers", 0, "resource"], text: "spec.template.spec.containers[0].resource" }]);
  });

  it("gives a type error precedence over unknown fields (the serializer returns it first)", () => {
    expect(strictDecodeError(deploy({ replicaz: 1, replicas: "x" }))?.message).toMatch(/cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32$/);
  });
});

describe("custom resources", () => {
  const widget: KindInfo = { kind: "Widget", group: "example.com", version: "v1", plural: "widgets", singular: "widget", namespaced: true, generation: true };
  afterAll(() => registerCustomResourceSchema(widget, "v1", null));
  const w = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "w" }) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata, spec }) as KubeObject;

  it("checks unknown fields against a published structural schema, but not types (a CR's types are the schema's 422)", () => {
    registerCustomResourceSchema(widget, "v1", {
      type: "object",
      properties: { spec: { type: "object", properties: { size: { type: "integer" }, extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, port: { "x-kubernetes-int-or-string": true } } } },
    });
    expect(strictDecodeError(w({ size: "big", colour: "red", extra: { anything: 1 }, port: "http" }))?.message).toBe(
      `Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour"`,
    );
    expect(strictDecodeError(w({ size: 1, extra: { anything: { deeper: 1 } }, port: 80 }))).toBeUndefined();
  });

  it("without a schema only metadata is checked, and an unpublished CRD (KEDA's here) not at all", () => {
    registerCustomResourceSchema(widget, "v1", undefined);
    expect(strictDecodeError(w({ colour: "red" }, { name: "w", bogus: 1 }))?.message).toMatch(/strict decoding error: unknown field "metadata\.bogus"$/);
    const so = { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "s", bogus: 1 }, spec: { maxReplicaCountt: "x" } } as KubeObject;
    expect(strictDecodeError(so)).toBeUndefined();
  });
});
