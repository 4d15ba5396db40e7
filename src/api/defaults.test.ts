import { describe, expect, it } from "vitest";
import { allocateClusterIP, defaultHPA, imageTag, inServiceCIDR, podQOSClass } from "./defaults.js";
import type { KubeObject } from "./meta.js";

describe("image tags (imagePullPolicy defaulting)", () => {
  it("untagged means latest, a digest alone means no tag, registry ports are not tags", () => {
    expect(imageTag("nginx")).toBe("latest");
    expect(imageTag("nginx:1.27")).toBe("1.27");
    expect(imageTag("registry.k8s.io:5000/hpa-example")).toBe("latest");
    expect(imageTag("nginx@sha256:abcd")).toBe("");
    expect(imageTag("nginx:1.2@sha256:abcd")).toBe("1.2");
  });
});

describe("HPA v2 defaults", () => {
  const base = (): KubeObject => ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { maxReplicas: 5 } });
  it("minReplicas 1 and 80 % CPU when metrics are empty; no behavior when nil", () => {
    const h = base();
    defaultHPA(h);
    expect(h.spec).toEqual({
      maxReplicas: 5,
      minReplicas: 1,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }],
    });
  });
  it("behavior directions are filled separately (scaleDown window stays unset)", () => {
    const h = base();
    h.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 60 } };
    defaultHPA(h);
    expect(h.spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] },
    });
  });
  it("quantities are canonicalised", () => {
    const h = base();
    h.spec.metrics = [{ type: "Pods", pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: 0.5 } } }];
    defaultHPA(h);
    expect(h.spec.metrics[0].pods.target.averageValue).toBe("500m");
  });
});

describe("QoS", () => {
  it("Guaranteed needs cpu+memory limits equal to requests in every container", () => {
    const g = { containers: [{ resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1000m", memory: "1Gi" } } }] };
    expect(podQOSClass(g)).toBe("Guaranteed");
    const b = { containers: [{ resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } } }] };
    expect(podQOSClass(b)).toBe("Burstable");
    expect(podQOSClass({ containers: [{}] })).toBe("BestEffort");
  });
});

describe("cluster IP allocation", () => {
  it("reserved addresses, range and collision probing", () => {
    expect(allocateClusterIP("default", "kubernetes", new Set())).toBe("10.100.0.1");
    expect(allocateClusterIP("kube-system", "kube-dns", new Set())).toBe("10.100.0.10");
    const ip = allocateClusterIP("default", "web", new Set())!;
    expect(inServiceCIDR(ip)).toBe(true);
    // Dynamic allocations come from the upper band (offset >= 256 from the network address).
    const [, , c] = ip.split(".").map(Number);
    expect(c).toBeGreaterThanOrEqual(1);
    const next = allocateClusterIP("default", "web", new Set([ip]))!;
    expect(next).not.toBe(ip);
    expect(inServiceCIDR("10.101.0.1")).toBe(false);
    expect(inServiceCIDR("10.100.255.255")).toBe(false);
  });
});
