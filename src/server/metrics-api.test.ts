import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import type { Selector } from "../core/labels.js";
import { Rng } from "../core/rng.js";
import type { NodeMetrics, PodMetrics, ResourceMetricsApi } from "../metrics/api.js";
import { formatCpuNano, formatMemory, metricsApiResponse } from "./metrics-api.js";

const Ki = 1024;

class FakeMetrics implements ResourceMetricsApi {
  constructor(
    readonly pods: PodMetrics[],
    readonly nodes: NodeMetrics[],
  ) {}
  podMetrics(namespace: string | undefined, selector?: Selector): PodMetrics[] {
    return this.pods.filter((p) => (namespace === undefined || p.namespace === namespace) && (!selector || selector.matches(p.labels)));
  }
  nodeMetrics(selector?: Selector): NodeMetrics[] {
    return this.nodes.filter((n) => !selector || selector.matches(n.labels));
  }
}

function setup() {
  const clock = new VirtualClock(Date.UTC(2025, 10, 22, 18, 0, 0));
  const store = new Store(clock, new Rng(1));
  const mk = (o: KubeObject) => store.create(o);
  mk({ apiVersion: "v1", kind: "Node", metadata: { name: "node-1", labels: { zone: "a" } } });
  mk({ apiVersion: "v1", kind: "Node", metadata: { name: "node-2", labels: { zone: "b" } } });
  mk({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "default", labels: { app: "web" } }, spec: { containers: [{ name: "php" }] } });
  mk({ apiVersion: "v1", kind: "Pod", metadata: { name: "db-0", namespace: "default", labels: { app: "db" } }, spec: { containers: [{ name: "pg" }] } });
  mk({ apiVersion: "v1", kind: "Pod", metadata: { name: "dns", namespace: "kube-system", labels: { app: "dns" } }, spec: { containers: [{ name: "coredns" }] } });
  mk({ apiVersion: "v1", kind: "Pod", metadata: { name: "fresh", namespace: "default", labels: { app: "web" } }, spec: { containers: [{ name: "php" }] } });
  clock.runUntil(60_000);
  const api = new FakeMetrics(
    [
      { namespace: "default", name: "web-0", labels: { app: "web" }, timestamp: 45_000, windowMs: 15_000, containers: [{ name: "php", cpuMilli: 123.456789, memoryBytes: 12345 * Ki }] },
      { namespace: "default", name: "db-0", labels: { app: "db" }, timestamp: 45_000, windowMs: 15_000, containers: [{ name: "pg", cpuMilli: 250, memoryBytes: 64 * 1024 * Ki }] },
      { namespace: "kube-system", name: "dns", labels: { app: "dns" }, timestamp: 45_000, windowMs: 15_000, containers: [{ name: "coredns", cpuMilli: 2, memoryBytes: 1000 }] },
      // metrics for a pod that no longer exists in the store: not served
      { namespace: "default", name: "gone", labels: { app: "web" }, timestamp: 45_000, windowMs: 15_000, containers: [{ name: "php", cpuMilli: 1, memoryBytes: Ki }] },
    ],
    [{ name: "node-1", labels: { zone: "a" }, timestamp: 50_000, windowMs: 20_500, cpuMilli: 1000, memoryBytes: 1024 * 1024 * Ki }],
  );
  return { clock, store, api };
}

describe("quantity rendering", () => {
  it("cpu in canonical nano-cores, memory in BinarySI", () => {
    expect(formatCpuNano(123.456789)).toBe("123456789n");
    expect(formatCpuNano(250)).toBe("250m");
    expect(formatCpuNano(1000)).toBe("1");
    expect(formatCpuNano(0.001)).toBe("1u");
    expect(formatCpuNano(0)).toBe("0");
    expect(formatMemory(12345 * Ki)).toBe("12345Ki");
    expect(formatMemory(64 * 1024 * Ki)).toBe("64Mi");
    // Go switches BinarySI to DecimalSI below 1024: NewQuantity(1000, BinarySI) is "1k".
    expect(formatMemory(1000)).toBe("1k");
    expect(formatMemory(1500)).toBe("1500");
  });
});

describe("metricsApiResponse", () => {
  it("ignores other paths", () => {
    const { clock, store, api } = setup();
    expect(metricsApiResponse("/api/v1/pods", api, store, clock)).toBeUndefined();
    expect(metricsApiResponse("/apis/metrics.k8s.io/v1beta1x", api, store, clock)).toBeUndefined();
  });

  it("lists pods of a namespace as a PodMetricsList", () => {
    const { clock, store, api } = setup();
    const r = metricsApiResponse("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", api, store, clock)!;
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      kind: "PodMetricsList",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: {},
      items: [
        {
          metadata: { name: "web-0", namespace: "default", creationTimestamp: "2025-11-22T18:01:00Z", labels: { app: "web" } },
          timestamp: "2025-11-22T18:00:45Z",
          window: "15s",
          containers: [{ name: "php", usage: { cpu: "123456789n", memory: "12345Ki" } }],
        },
        {
          metadata: { name: "db-0", namespace: "default", creationTimestamp: "2025-11-22T18:01:00Z", labels: { app: "db" } },
          timestamp: "2025-11-22T18:00:45Z",
          window: "15s",
          containers: [{ name: "pg", usage: { cpu: "250m", memory: "64Mi" } }],
        },
      ],
    });
  });

  it("all namespaces, label and field selectors", () => {
    const { clock, store, api } = setup();
    const names = (p: string) => ((metricsApiResponse(p, api, store, clock)!.body as any).items as any[]).map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
    expect(names("/apis/metrics.k8s.io/v1beta1/pods")).toEqual(["default/web-0", "default/db-0", "kube-system/dns"]);
    expect(names("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Ddb")).toEqual(["default/db-0"]);
    expect(names("/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dkube-system")).toEqual(["kube-system/dns"]);
    const q = new URLSearchParams({ labelSelector: "app in (web,dns)" });
    expect(((metricsApiResponse("/apis/metrics.k8s.io/v1beta1/pods", api, store, clock, q)!.body as any).items as any[]).length).toBe(2);
  });

  it("gets one pod, 404s like metrics-server", () => {
    const { clock, store, api } = setup();
    const one = metricsApiResponse("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db-0", api, store, clock)!;
    expect(one.status).toBe(200);
    expect((one.body as any).kind).toBe("PodMetrics");
    expect((one.body as any).apiVersion).toBe("metrics.k8s.io/v1beta1");
    expect((one.body as any).containers).toEqual([{ name: "pg", usage: { cpu: "250m", memory: "64Mi" } }]);

    const missing = metricsApiResponse("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", api, store, clock)!;
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: "Status", reason: "NotFound", code: 404, message: 'pods "nope" not found' });

    const noMetrics = metricsApiResponse("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/fresh", api, store, clock)!;
    expect(noMetrics.status).toBe(404);
    expect(noMetrics.body).toMatchObject({ message: 'podmetrics.metrics.k8s.io "default/fresh" not found', details: { group: "metrics.k8s.io", kind: "podmetrics" } });
  });

  it("nodes: list, get and 404", () => {
    const { clock, store, api } = setup();
    const l = metricsApiResponse("/apis/metrics.k8s.io/v1beta1/nodes", api, store, clock)!;
    expect(l.body).toEqual({
      kind: "NodeMetricsList",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: {},
      items: [{ metadata: { name: "node-1", creationTimestamp: "2025-11-22T18:01:00Z", labels: { zone: "a" } }, timestamp: "2025-11-22T18:00:50Z", window: "20.5s", usage: { cpu: "1", memory: "1Gi" } }],
    });
    expect((metricsApiResponse("/apis/metrics.k8s.io/v1beta1/nodes/node-1", api, store, clock)!.body as any).kind).toBe("NodeMetrics");
    expect(metricsApiResponse("/apis/metrics.k8s.io/v1beta1/nodes/node-2", api, store, clock)!.body).toMatchObject({ message: 'nodemetrics.metrics.k8s.io "node-2" not found' });
    expect(metricsApiResponse("/apis/metrics.k8s.io/v1beta1/nodes/node-9", api, store, clock)!.body).toMatchObject({ message: 'nodes "node-9" not found' });
  });

  it("bad selectors are 400, unknown sub-paths 404, the group-version root is its resource list", () => {
    const { clock, store, api } = setup();
    expect(metricsApiResponse("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in%20(", api, store, clock)!.status).toBe(400);
    expect(metricsApiResponse("/apis/metrics.k8s.io/v1beta1/widgets", api, store, clock)!.status).toBe(404);
    const root = metricsApiResponse("/apis/metrics.k8s.io/v1beta1", api, store, clock)!;
    expect((root.body as any).resources.map((r: any) => r.name)).toEqual(["nodes", "pods"]);
  });
});
