import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { decodeProtobuf, ProtobufDecodeError } from "./protobuf.js";

const dir = new URL("../../test/fixtures/protobuf/", import.meta.url);
const names = readdirSync(dir).filter((f) => f.endsWith(".bin")).map((f) => f.slice(0, -4)).sort();

/** kubectl's --dry-run JSON without the nulls Go prints for zero times. */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) o[k] = stripNulls(x);
    return o;
  }
  return v;
}

describe("decodeProtobuf: bodies captured from kubectl 1.32", () => {
  for (const n of names) {
    it(n, () => {
      const meta = JSON.parse(readFileSync(new URL(`${n}.json`, dir), "utf8"));
      const got = decodeProtobuf(readFileSync(new URL(`${n}.bin`, dir)), meta.contentType);
      const want = stripNulls(JSON.parse(readFileSync(new URL(`${n}.dryrun.json`, dir), "utf8")));
      expect(got).toEqual(want);
    });
  }
});

// A minimal encoder for hand-built bodies (field numbers from generated.proto).
const varint = (n: bigint): number[] => {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const tag = (f: number, w: number) => varint(BigInt((f << 3) | w));
const int = (f: number, n: number) => [...tag(f, 0), ...varint(BigInt(n))];
const bytes = (f: number, b: number[]) => [...tag(f, 2), ...varint(BigInt(b.length)), ...b];
const s = (f: number, x: string) => bytes(f, [...Buffer.from(x, "utf8")]);
const envelope = (apiVersion: string, kind: string, raw: number[]) =>
  Buffer.from([0x6b, 0x38, 0x73, 0x00, ...bytes(1, [...s(1, apiVersion), ...s(2, kind)]), ...bytes(2, raw)]);

describe("decodeProtobuf: wire format", () => {
  it("autoscale body: the fields kubectl autoscale sets", () => {
    const hpa = decodeProtobuf(readFileSync(new URL("autoscale-web.bin", dir)), "application/vnd.kubernetes.protobuf");
    expect(hpa.apiVersion).toBe("autoscaling/v1");
    expect(hpa.kind).toBe("HorizontalPodAutoscaler");
    expect(hpa.metadata).toEqual({ name: "web" });
    expect(hpa.spec).toEqual({ scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 });
  });

  it("negative int32 (10-byte varint), pointer zero kept, Time, IntOrString string, annotations", () => {
    const meta = [
      ...s(1, "d"),
      ...s(3, "team"),
      ...bytes(8, [...int(1, 1767225600), ...int(2, 0)]), // 2026-01-01T00:00:00Z
      ...bytes(12, [...s(1, "a/b"), ...s(2, "v")]),
      ...s(14, "x/y"),
    ];
    const spec = [
      ...int(1, 0), // replicas: pointer, explicit 0 is kept
      ...int(5, -1), // minReadySeconds (negative: sign-extended 10-byte varint)
      ...bytes(4, [...s(1, "RollingUpdate"), ...bytes(2, [...bytes(1, [...int(1, 1), ...s(3, "25%")]), ...bytes(2, [...int(1, 0), ...int(2, 2)])])]),
    ];
    const raw = [...bytes(1, meta), ...bytes(2, spec)];
    expect(int(5, -1).length).toBe(11);
    const d = decodeProtobuf(envelope("apps/v1", "Deployment", raw), "application/vnd.kubernetes.protobuf; charset=binary");
    expect(d.metadata).toEqual({ name: "d", namespace: "team", creationTimestamp: "2026-01-01T00:00:00Z", annotations: { "a/b": "v" }, finalizers: ["x/y"] });
    expect(d.spec).toEqual({ replicas: 0, minReadySeconds: -1, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 2 } } });
  });

  it("quantities in maps and bytes as base64", () => {
    const raw = [...bytes(1, s(1, "q")), ...bytes(2, bytes(1, [...s(1, "requests.memory"), ...bytes(2, s(1, "512Mi"))]))];
    expect(decodeProtobuf(envelope("v1", "ResourceQuota", raw)).spec).toEqual({ hard: { "requests.memory": "512Mi" } });
    const sec = [...bytes(1, s(1, "s")), ...bytes(2, [...s(1, "k"), ...bytes(2, [0, 1, 255])])];
    expect(decodeProtobuf(envelope("v1", "Secret", sec)).data).toEqual({ k: "AAH/" });
  });

  it("skips unknown field numbers", () => {
    const raw = [...bytes(1, [...s(1, "n"), ...s(99, "future")]), ...int(98, 7)];
    expect(decodeProtobuf(envelope("v1", "Namespace", raw))).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } });
  });

  it("rejects bad bodies", () => {
    const bad = (b: Uint8Array, ct = "application/vnd.kubernetes.protobuf") => {
      try {
        decodeProtobuf(b, ct);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtobufDecodeError);
        return e as ProtobufDecodeError;
      }
      throw new Error("expected a ProtobufDecodeError");
    };
    expect(bad(Buffer.from('{"kind":"Pod"}')).message).toBe("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
    const good = readFileSync(new URL("autoscale-web.bin", dir));
    expect(bad(good.subarray(0, good.length - 10)).message).toBe("unexpected EOF");
    expect(bad(good, "application/json").unsupported).toBe(true);
    const crd = bad(envelope("example.com/v1", "Widget", []));
    expect(crd.unsupported).toBe(true);
    expect(bad(Buffer.from([0x6b, 0x38, 0x73, 0x00, ...s(2, "")])).message).toBe("Object 'Kind' is missing in protobuf envelope");
    expect(bad(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x2f])).message).toBe("proto: illegal wireType 7");
  });
});
