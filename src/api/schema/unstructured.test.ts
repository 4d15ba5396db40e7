import { describe, expect, it } from "vitest";
import type { KubeObject } from "../meta.js";
import { fromUnstructuredError, goPrint } from "./unstructured.js";

const deploy = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "web" }): KubeObject =>
  ({ apiVersion: "apps/v1", kind: "Deployment", metadata, spec }) as KubeObject;
const container = (c: Record<string, unknown>) => ({ template: { spec: { containers: [{ name: "web", image: "nginx", ...c }] } } });

// Expected texts follow apimachinery runtime/converter.go fromUnstructured (reflect conversion rules)
// and the custom unmarshalers fed json.Marshal of the value.
describe("fromUnstructuredError: DefaultUnstructuredConverter's words", () => {
  it("a non-convertible scalar: unrecognized type: <kind of the Go field>", () => {
    expect(fromUnstructuredError(deploy({ replicas: "three" }))).toBe("unrecognized type: int32");
    expect(fromUnstructuredError(deploy({ paused: 1 }))).toBe("unrecognized type: bool");
    expect(fromUnstructuredError(deploy({ replicas: true }))).toBe("unrecognized type: int32");
    expect(fromUnstructuredError(deploy(container({ image: { repo: "nginx" } })))).toBe("unrecognized type: string");
    // v1.PullPolicy is a string kind: a float is not convertible to it.
    expect(fromUnstructuredError(deploy(container({ imagePullPolicy: 1.5 })))).toBe("unrecognized type: string");
  });

  it("a Go-convertible pair JSON forbids: cannot convert <source> to <named type>", () => {
    expect(fromUnstructuredError(deploy({ replicas: 2.5 }))).toBe("cannot convert float64 to int32");
    expect(fromUnstructuredError(deploy(container({ imagePullPolicy: 1 })))).toBe("cannot convert int64 to v1.PullPolicy");
  });

  it("accepts what converts: integers into int32/float fields, whole floats into integers, null", () => {
    expect(fromUnstructuredError(deploy({ replicas: 3, minReadySeconds: null, strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } }, ...container({ resources: { requests: { cpu: 0.5 } } }) }))).toBeUndefined();
  });

  it("a scalar where a struct, slice or map belongs", () => {
    expect(fromUnstructuredError(deploy({ template: "x" }))).toBe("cannot restore struct from: string");
    expect(fromUnstructuredError(deploy({ template: { spec: { containers: { name: "web" } } } }))).toBe("cannot restore slice from map");
    expect(fromUnstructuredError(deploy({}, { name: "web", labels: 5 }))).toBe("cannot restore map from int64");
  });

  it("UnmarshalJSON types: encoding/json's error without field context, or the quantity message", () => {
    expect(fromUnstructuredError(deploy({ strategy: { rollingUpdate: { maxSurge: true } } }))).toBe("json: cannot unmarshal bool into Go value of type int32");
    expect(fromUnstructuredError(deploy({}, { name: "web", creationTimestamp: 5 }))).toBe("json: cannot unmarshal number into Go value of type string");
    expect(fromUnstructuredError(deploy(container({ resources: { limits: { cpu: "lots" } } })))).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });

  it("does not convert custom resources or kinds without a schema", () => {
    expect(fromUnstructuredError({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: {} } } as KubeObject)).toBeUndefined();
  });
});

describe("goPrint: fmt %+v of a JSON-decoded patch map", () => {
  it("sorts keys, prints strings bare, int64 as integers and float64 as fmt does", () => {
    expect(goPrint({ spec: { replicas: 3000000, b: [1.5, "x", true, null], a: 1e21 } })).toBe("map[spec:map[a:1e+21 b:[1.5 x true <nil>] replicas:3000000]]");
    expect(goPrint({ x: 0.00001 })).toBe("map[x:1e-05]");
  });
});
