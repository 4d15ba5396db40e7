import { PassThrough } from "node:stream";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { BodyWriter, encodeCells, JsonEncoder, Shift, shiftTimestamp, unshiftTimestamps } from "./encode.js";

const HOUR = 3_600_000;

const pod = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-0",
    creationTimestamp: "2025-01-01T10:00:00Z",
    labels: { since: "2025-01-01T10:00:00Z" },
    annotations: { "kubectl.kubernetes.io/restartedAt": "2025-01-01T09:00:00Z" },
    managedFields: [{ manager: "kubectl", time: "2025-01-01T10:00:00Z" }],
  },
  status: {
    startTime: "2025-01-01T10:00:05Z",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T10:00:07Z" }],
    message: "started at 2025-01-01T10:00:05Z",
  },
});

describe("timestamps served in the client's frame", () => {
  it("shifts whole seconds and keeps MicroTime's fraction", () => {
    expect(shiftTimestamp("2025-01-01T10:00:00Z", -HOUR)).toBe("2025-01-01T09:00:00Z");
    expect(shiftTimestamp("2025-01-01T00:00:10.123456Z", -10_000)).toBe("2025-01-01T00:00:00.123456Z");
    expect(shiftTimestamp("2025-01-01T23:59:59Z", 2_000)).toBe("2025-01-02T00:00:01Z");
    expect(shiftTimestamp("0001-01-01T00:00:00Z", -HOUR)).toBe("0001-01-01T00:00:00Z");
  });

  it("shifts every timestamp value except in labels, annotations and data; text containing a time is left alone", () => {
    const enc = new JsonEncoder();
    const o = pod();
    const got = JSON.parse(enc.encode(o, new Shift(-HOUR)));
    expect(got.metadata.creationTimestamp).toBe("2025-01-01T09:00:00Z");
    expect(got.metadata.managedFields[0].time).toBe("2025-01-01T09:00:00Z");
    expect(got.status.startTime).toBe("2025-01-01T09:00:05Z");
    expect(got.status.conditions[0].lastTransitionTime).toBe("2025-01-01T09:00:07Z");
    expect(got.metadata.labels).toEqual({ since: "2025-01-01T10:00:00Z" });
    expect(got.metadata.annotations).toEqual({ "kubectl.kubernetes.io/restartedAt": "2025-01-01T09:00:00Z" });
    expect(got.status.message).toBe("started at 2025-01-01T10:00:05Z");
    const cm = { kind: "ConfigMap", data: { at: "2025-01-01T10:00:00Z" } };
    expect(JSON.parse(enc.encode(cm, new Shift(-HOUR))).data.at).toBe("2025-01-01T10:00:00Z");
  });

  it("one cached encoding per object serves any shift; list items leave out kind and apiVersion", () => {
    const enc = new JsonEncoder();
    const o = pod();
    expect(JSON.parse(enc.encode(o, new Shift(0)))).toEqual(o);
    expect(JSON.parse(enc.encode(o, new Shift(2_000))).metadata.creationTimestamp).toBe("2025-01-01T10:00:02Z");
    const { kind: _k, apiVersion: _a, ...item } = o;
    expect(JSON.parse(enc.encode(o, new Shift(0), true))).toEqual(item);
  });

  it("client bodies are shifted back, opaque maps untouched", () => {
    const body = pod();
    unshiftTimestamps(body, -HOUR);
    expect(body.metadata.creationTimestamp).toBe("2025-01-01T11:00:00Z");
    expect(body.status.conditions[0]!.lastTransitionTime).toBe("2025-01-01T11:00:07Z");
    expect(body.metadata.annotations["kubectl.kubernetes.io/restartedAt"]).toBe("2025-01-01T09:00:00Z");
    expect(body.metadata.labels.since).toBe("2025-01-01T10:00:00Z");
  });

  it("Table cells: only date cells move", () => {
    expect(encodeCells(["web", "5m", "2025-01-01T10:00:00Z", 3], new Shift(-HOUR))).toBe('["web","5m","2025-01-01T09:00:00Z",3]');
  });
});

describe("BodyWriter", () => {
  function fakeRes() {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    const headers: Record<string, unknown> = {};
    const res = Object.assign(out, {
      writeHead: (code: number, h: Record<string, unknown>) => Object.assign(headers, h, { code }),
    }) as unknown as ServerResponse;
    return { res, headers, body: () => Buffer.concat(chunks).toString() };
  }

  it("small bodies get a Content-Length; large ones are written in chunks", async () => {
    const small = fakeRes();
    const w = new BodyWriter(small.res, 200, "application/json");
    w.push('{"a":');
    w.push("1}");
    w.end();
    await new Promise((r) => setImmediate(r));
    expect(small.headers).toMatchObject({ code: 200, "Content-Length": 7 });
    expect(small.body()).toBe('{"a":1}');

    const big = fakeRes();
    const wb = new BodyWriter(big.res, 200, "application/json");
    const item = JSON.stringify({ name: "x".repeat(1000) });
    wb.push("[");
    for (let i = 0; i < 3000; i++) wb.push((i ? "," : "") + item);
    wb.push("]");
    wb.end();
    await new Promise((r) => setImmediate(r));
    expect(big.headers["Transfer-Encoding"]).toBe("chunked");
    expect(JSON.parse(big.body())).toHaveLength(3000);
  });
});
