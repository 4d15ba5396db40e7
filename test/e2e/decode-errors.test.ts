/**
 * Values of the wrong JSON type, sent by the real kubectl and by raw requests, answered as
 * kube-apiserver 1.32 answers them:
 * - create / replace bodies: the serializer's fatal decode error, 400 BadRequest, whatever
 *   fieldValidation says and ahead of unknown fields (apimachinery serializer/json unmarshal returns
 *   it before the strict errors; create.go/update.go hand it to transformDecodeError);
 * - patches: patch.go's 422 on field `patch` — the decoder's error for JSON and merge patches, the
 *   unstructured converter's for strategic merge patches (what `kubectl apply` sends for an existing object).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, Kubectl } from "./helpers.js";

const k = new Kubectl();
const f = (name: string) => FIXTURES + name;
const TYPE_ERROR =
  'HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field MetricTarget.spec.metrics.resource.target.averageUtilization of type int32';
const HPAS = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";

async function call(method: string, path: string, body: string, contentType: string) {
  const res = await fetch(k.serve.url + path, { method, headers: { "Content-Type": contentType }, body });
  return { status: res.status, json: (await res.json()) as any };
}

const hpa = (target: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "raw" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" }, maxReplicas: 3, metrics: [{ type: "Resource", resource: { name: "cpu", target } }], ...extra },
});

beforeAll(async () => {
  await k.start({ speed: 0 });
});
afterAll(async () => {
  await k.stop();
});

describe("wrong JSON types", () => {
  it("kubectl apply -f / create -f of a new object: the decoder's 400 in every validation mode", async () => {
    for (const args of [["apply"], ["apply", "--validate=false"], ["apply", "--validate=warn"], ["create"]]) {
      const r = await k.run(...args, "-f", f("hpa-bad-type.yaml"));
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`Error from server (BadRequest): error when creating "${f("hpa-bad-type.yaml")}": ${TYPE_ERROR}\n`);
    }
    expect((await k.run("get", "hpa", "php-apache")).stderr).toContain('"php-apache" not found');
  });

  it("a raw POST: the type error wins over unknown fields with fieldValidation=Strict; YAML bodies too", async () => {
    const body = JSON.stringify(hpa({ type: "Utilization", averageUtilization: "abc" }, { zzz: 1 }));
    const strict = await call("POST", `${HPAS}?fieldValidation=Strict`, body, "application/json");
    expect(strict.status).toBe(400);
    expect(strict.json).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: TYPE_ERROR, reason: "BadRequest", code: 400 });
    const yaml = await call("POST", `${HPAS}?fieldValidation=Ignore`, "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: raw}\nspec: {maxReplicas: many}\n", "application/yaml");
    expect(yaml.status).toBe(400);
    expect(yaml.json.message).toBe('HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32');
  });

  it("kubectl apply over an existing object (strategic merge patch): 422 on `patch` with the converter's words", async () => {
    expect((await k.run("apply", "-f", f("hpa-good.yaml"))).stdout).toBe("horizontalpodautoscaler.autoscaling/php-apache created\n");
    const r = await k.run("apply", "-f", f("hpa-bad-type.yaml"));
    expect(r.code).not.toBe(0);
    // The value is the patch map as Go's %+v prints it: last-applied annotation, then the changed spec.metrics.
    expect(r.stderr).toMatch(/^The request is invalid: patch: Invalid value: "map\[metadata:map\[annotations:map\[kubectl\.kubernetes\.io\/last-applied-configuration:\{/);
    expect(r.stderr).toContain(" spec:map[metrics:[map[resource:map[name:cpu target:map[averageUtilization:abc type:Utilization]] type:Resource]]]]\": unrecognized type: int32\n");
    const rep = await k.run("replace", "-f", f("hpa-bad-type.yaml"));
    expect(rep.stderr).toBe(`Error from server (BadRequest): error when replacing "${f("hpa-bad-type.yaml")}": ${TYPE_ERROR}\n`);
    const live = JSON.parse((await k.run("get", "hpa", "php-apache", "-o", "json")).stdout);
    expect(live.spec.metrics[0].resource.target.averageUtilization).toBe(50);
  });

  it("kubectl patch: strategic → converter error, merge and json → the decoder's error on the patched JSON", async () => {
    const smp = await k.run("patch", "hpa", "php-apache", "-p", '{"spec":{"maxReplicas":"ten"}}');
    expect(smp.stderr).toBe('The request is invalid: patch: Invalid value: "map[spec:map[maxReplicas:ten]]": unrecognized type: int32\n');
    const merge = await k.run("patch", "hpa", "php-apache", "--type=merge", "-p", '{"spec":{"minReplicas":1.5}}');
    expect(merge.stderr).toMatch(/^The request is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"autoscaling\/v2\\",\\"kind\\":\\"HorizontalPodAutoscaler\\",\\"metadata\\":\{/);
    expect(merge.stderr).toMatch(/": json: cannot unmarshal number 1\.5 into Go struct field HorizontalPodAutoscalerSpec\.spec\.minReplicas of type int32\n$/);
    const json = await k.run("patch", "hpa", "php-apache", "--type=json", "-p", '[{"op":"replace","path":"/spec/minReplicas","value":true}]');
    expect(json.stderr).toMatch(/": json: cannot unmarshal bool into Go struct field HorizontalPodAutoscalerSpec\.spec\.minReplicas of type int32\n$/);
    const raw = await call("PATCH", `${HPAS}/php-apache?fieldValidation=Strict`, '{"spec":{"minReplicas":"x","bogus":1}}', "application/strategic-merge-patch+json");
    expect(raw.status).toBe(422);
    expect(raw.json).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: ' "" is invalid: patch: Invalid value: "map[spec:map[bogus:1 minReplicas:x]]": unrecognized type: int32',
      reason: "Invalid",
      details: { causes: [{ reason: "FieldValueInvalid", message: 'Invalid value: "map[spec:map[bogus:1 minReplicas:x]]": unrecognized type: int32', field: "patch" }] },
      code: 422,
    });
    const unknown = await call("PATCH", `${HPAS}/php-apache?fieldValidation=Strict`, '{"spec":{"zeta":1,"alpha":2}}', "application/strategic-merge-patch+json");
    expect(unknown.status).toBe(422);
    expect(unknown.json.message).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[alpha:2 zeta:1]]": strict decoding error: unknown field "spec.alpha", unknown field "spec.zeta"');
    const live = JSON.parse((await k.run("get", "hpa", "php-apache", "-o", "json")).stdout);
    expect([live.spec.minReplicas, live.spec.maxReplicas]).toEqual([1, 10]);
  });
});
