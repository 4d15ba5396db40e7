/**
 * The HTTP API directly: authentication, bad requests (4xx Status, never 5xx), optimistic
 * concurrency, watch resume semantics, server-side apply, and a fuzz of mutated bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { Kubectl } from "./helpers.js";

const TOKEN = "s3cret-token";
const k = new Kubectl();
let base = "";

const auth = {};
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...auth, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? (body as any) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

const cm = (name: string, data: Record<string, string> = { a: "1" }) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

beforeAll(async () => {
  // speed 0: virtual time stands still (writes still run the work due now), so the fuzz measures the API only.
  await k.start({ speed: 0 });
  base = k.serve.url;
});
afterAll(async () => {
  await k.stop();
});

describe("authentication", () => {
  it("with --token: HTTPS with a self-signed certificate, 401 Status without the token; kubectl uses the kubeconfig", async () => {
    const secured = await new Kubectl().start({ speed: 20, token: TOKEN });
    const prev = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      expect(secured.serve.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(secured.serve.url + "/api/v1/namespaces");
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
      const wrong = await fetch(secured.serve.url + "/version", { headers: { Authorization: "Bearer nope" } });
      expect(wrong.status).toBe(401);
      const right = await fetch(secured.serve.url + "/version", { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(right.status).toBe(200);
      // kubectl verifies the certificate against the kubeconfig's certificate-authority-data.
      const r = await secured.run("get", "ns", "kube-system");
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^NAME\s+STATUS\s+AGE\nkube-system\s+Active\s+/);
    } finally {
      if (prev === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = prev;
      await secured.stop();
    }
  });

  it("refuses a non-loopback address without --token", async () => {
    await expect(new Kubectl().start({ address: "0.0.0.0" })).rejects.toThrow(/set --token/);
  });
});

describe("bad requests get 4xx Status answers", () => {
  it("unknown paths, malformed JSON, wrong kinds, huge bodies, unsupported patch types", async () => {
    const unknown = await call("GET", "/apis/nope.example.com/v1/widgets");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ kind: "Status", reason: "NotFound", message: "the server could not find the requested resource" });
    expect((await call("GET", "/foo/bar")).status).toBe(404);
    const malformed = await call("POST", "/api/v1/namespaces/default/configmaps", "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.json.reason).toBe("BadRequest");
    const wrongKind = await call("POST", "/apis/apps/v1/namespaces/default/deployments", cm("x"));
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.json.message).toBe("the API version in the data (v1) does not match the expected API version (apps/v1)");
    const wrongKind2 = await call("POST", "/api/v1/namespaces/default/configmaps", { ...cm("x"), kind: "Secret" });
    expect(wrongKind2.status).toBe(400);
    expect(wrongKind2.json.message).toMatch(/^Secret in version "v1" cannot be handled as a ConfigMap/);
    const huge = await call("POST", "/api/v1/namespaces/default/configmaps", cm("big", { a: "x".repeat(4 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ reason: "RequestEntityTooLarge", message: "Request entity too large: limit is 3145728" });
    await call("POST", "/api/v1/namespaces/default/configmaps", cm("p"));
    const badPatch = await call("PATCH", "/api/v1/namespaces/default/configmaps/p", "{}", { "Content-Type": "text/plain" });
    expect(badPatch.status).toBe(415);
    expect(badPatch.json.reason).toBe("UnsupportedMediaType");
    const noNs = await call("POST", "/api/v1/namespaces/nope/configmaps", cm("q"));
    expect(noNs.status).toBe(404);
    expect(noNs.json.message).toBe('namespaces "nope" not found');
    const method = await call("PUT", "/api/v1/namespaces/default/configmaps", cm("q"));
    expect(method.status).toBe(405);
  });

  it("a fuzz of 3000 mutated bodies finds no 5xx and no crash", async () => {
    const rng = new Rng(42);
    const seeds: Array<{ path: string; obj: any }> = [
      { path: "/api/v1/namespaces/default/configmaps", obj: cm("fz") },
      {
        path: "/apis/apps/v1/namespaces/default/deployments",
        obj: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "fz", labels: { app: "fz" } },
          spec: { replicas: 1, selector: { matchLabels: { app: "fz" } }, template: { metadata: { labels: { app: "fz" } }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "100m" } } }] } } },
        },
      },
      {
        path: "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
        obj: {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "fz" },
          spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "fz" }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] },
        },
      },
      { path: "/api/v1/namespaces/default/pods", obj: { apiVersion: "v1", kind: "Pod", metadata: { name: "fz" }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    ];
    const junk = [null, true, false, 0, -1, 1e308, "", "x", "-5", [], {}, [1, "a"], { a: { b: null } }, "100m", 2.5];
    const mutate = (v: any, depth: number): any => {
      if (rng.next() < 0.15) return junk[Math.floor(rng.next() * junk.length)];
      if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
      if (v && typeof v === "object") {
        const out: any = {};
        for (const [key, val] of Object.entries(v)) {
          if (rng.next() < 0.05) continue;
          out[rng.next() < 0.03 ? key + "x" : key] = mutate(val, depth + 1);
        }
        return out;
      }
      return v;
    };
    const statuses = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const s = seeds[i % seeds.length]!;
      let body: string = JSON.stringify(mutate(s.obj, 0));
      if (rng.next() < 0.1) body = body.slice(0, Math.floor(rng.next() * body.length)); // truncated JSON
      const method = rng.next() < 0.8 ? "POST" : "PATCH";
      const path = method === "POST" ? s.path : `${s.path}/fz`;
      const ct = method === "POST" ? "application/json" : ["application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml"][i % 4]!;
      const q = method === "PATCH" && ct.includes("apply") ? "?fieldManager=fuzz" : "";
      const r = await call(method, path + q, body, { "Content-Type": ct });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status >= 500) throw new Error(`5xx for ${method} ${path} ${ct}: ${body}\n${r.text}`);
      if (r.status >= 400) expect(r.json?.kind).toBe("Status");
      // Clean up what got created so the next POST exercises create again.
      if (r.status === 201) await call("DELETE", `${s.path}/${r.json.metadata.name}`);
    }
    expect([...statuses.keys()].every((c) => c < 500)).toBe(true);
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
    expect((await fetch(base + "/healthz", { headers: auth })).status).toBe(200);
  });
});

describe("optimistic concurrency", () => {
  it("a PUT with a stale resourceVersion gets 409 Conflict", async () => {
    const created = await call("POST", "/api/v1/namespaces/default/configmaps", cm("occ"));
    expect(created.status).toBe(201);
    const rv = created.json.metadata.resourceVersion;
    const first = await call("PUT", "/api/v1/namespaces/default/configmaps/occ", { ...created.json, data: { a: "2" } });
    expect(first.status).toBe(200);
    expect(Number(first.json.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    const stale = await call("PUT", "/api/v1/namespaces/default/configmaps/occ", { ...created.json, data: { a: "3" } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      reason: "Conflict",
      message: 'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again',
    });
    const now = await call("GET", "/api/v1/namespaces/default/configmaps/occ");
    expect(now.json.data).toEqual({ a: "2" });
  });

  it("a stale /scale PUT gets 409 too", async () => {
    const d = await call("POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "sc" },
      spec: { replicas: 1, selector: { matchLabels: { app: "sc" } }, template: { metadata: { labels: { app: "sc" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    expect(d.status).toBe(201);
    const scale = await call("GET", "/apis/apps/v1/namespaces/default/deployments/sc/scale");
    expect(scale.json).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 1 }, status: { selector: "app=sc" } });
    const ok = await call("PUT", "/apis/apps/v1/namespaces/default/deployments/sc/scale", { ...scale.json, spec: { replicas: 2 } });
    expect(ok.status).toBe(200);
    expect(ok.json.spec.replicas).toBe(2);
    const stale = await call("PUT", "/apis/apps/v1/namespaces/default/deployments/sc/scale", { ...scale.json, spec: { replicas: 5 } });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toMatch(/^Operation cannot be fulfilled on deployments.apps "sc"/);
  });
});

describe("watch", () => {
  async function readLines(path: string, n: number, timeoutMs = 5000): Promise<any[]> {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), timeoutMs);
    const res = await fetch(base + path, { headers: auth, signal: ctrl.signal });
    const out: any[] = [];
    let buf = "";
    try {
      for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString();
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          out.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
        if (out.length >= n) break;
      }
    } catch {
      // aborted
    } finally {
      clearTimeout(t);
      ctrl.abort();
    }
    return out;
  }

  it("from the list's resourceVersion: only newer changes; from 0: the current state first", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", cm("w1"));
    const list = await call("GET", "/api/v1/namespaces/default/configmaps?labelSelector=");
    const rv = list.json.metadata.resourceVersion;
    // Changes made after the list but before the watch request must still arrive.
    await call("POST", "/api/v1/namespaces/default/configmaps", cm("w2"));
    await call("DELETE", "/api/v1/namespaces/default/configmaps/w1");
    const evs = await readLines(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, 2);
    expect(evs.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "w2"],
      ["DELETED", "w1"],
    ]);
    const fromZero = await readLines(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dw2`, 1);
    expect(fromZero).toHaveLength(1);
    expect(fromZero[0]).toMatchObject({ type: "ADDED", object: { kind: "ConfigMap", metadata: { name: "w2" } } });
  });

  it("timeoutSeconds closes the stream", async () => {
    const t0 = Date.now();
    const evs = await readLines(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${Number.MAX_SAFE_INTEGER - 1}&timeoutSeconds=1`, 1000, 5000);
    expect(evs).toEqual([]);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(4000);
  });
});

describe("server-side apply", () => {
  it("creates, updates, removes fields the manager dropped, and reports conflicts", async () => {
    const path = "/api/v1/namespaces/default/configmaps/ssa?fieldManager=alice";
    const ct = { "Content-Type": "application/apply-patch+yaml" };
    const a = await call("PATCH", path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  x: '1'\n  y: '2'\n", ct);
    expect(a.status).toBe(201);
    expect(a.json.data).toEqual({ x: "1", y: "2" });
    expect(a.json.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "alice", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:x": {}, "f:y": {} } } }),
    ]);
    const b = await call("PATCH", path, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { x: "1" } }, ct);
    expect(b.status).toBe(200);
    expect(b.json.data).toEqual({ x: "1" });
    const bob = await call("PATCH", "/api/v1/namespaces/default/configmaps/ssa?fieldManager=bob", { apiVersion: "v1", kind: "ConfigMap", data: { x: "9" } }, ct);
    expect(bob.status).toBe(409);
    expect(bob.json.message).toBe('Apply failed with 1 conflict: conflict with "alice" using v1: .data.x');
    const forced = await call("PATCH", "/api/v1/namespaces/default/configmaps/ssa?fieldManager=bob&force=true", { apiVersion: "v1", kind: "ConfigMap", data: { x: "9" } }, ct);
    expect(forced.status).toBe(200);
    expect(forced.json.data).toEqual({ x: "9" });
  });

  it("kubectl apply --server-side", async () => {
    const r = await k.run("apply", "--server-side", "-f", new URL("./fixtures/web.yaml", import.meta.url).pathname);
    expect(r.stdout).toBe("deployment.apps/web serverside-applied\n");
    const again = await k.run("apply", "--server-side", "-f", new URL("./fixtures/web.yaml", import.meta.url).pathname);
    expect(again.stdout).toBe("deployment.apps/web serverside-applied\n");
    const d = JSON.parse((await k.run("get", "deploy", "web", "-o", "json", "--show-managed-fields")).stdout);
    expect(d.metadata.managedFields.some((m: any) => m.manager === "kubectl" && m.operation === "Apply")).toBe(true);
  });
});
