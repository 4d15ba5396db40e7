import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { parseRecommenderFlags, parseUpdaterFlags, vpaComponentOf, vpaConfigFromManifests } from "./flags.js";

const deployment = (name: string, image: string, args: string[], command?: string[]): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "kube-system" },
  spec: { template: { spec: { containers: [{ name: "c", image, args, ...(command ? { command } : {}) }] } } },
});

describe("VPA component flags", () => {
  it("parses the recommender's model flags (pflag forms, _ = -) into RecommenderOptions", () => {
    const r = parseRecommenderFlags(["/recommender", "--recommender-interval=30s", "--pod-recommendation-min-cpu-millicores", "50", "--target_cpu_percentile=0.95", "--memory-saver", "--checkpoints-gc-interval=5m", "-v=4"]);
    expect(r.options).toEqual({ intervalMs: 30_000, checkpointsGcIntervalMs: 300_000, config: { podMinCpuMillicores: 50, targetCpuPercentile: 0.95 } });
    expect(r.ignored).toEqual([]);
  });
  it("parses the updater's, and lists real but unsimulated flags", () => {
    const r = parseUpdaterFlags(["--min-replicas=1", "--eviction-tolerance=0.25", "--eviction-rate-limit=0.1", "--eviction-rate-burst=3", "--updater-interval=2m", "--kube-api-qps=20"]);
    expect(r.options).toEqual({ minReplicas: 1, evictionTolerance: 0.25, evictionRateLimit: 0.1, evictionRateBurst: 3, intervalMs: 120_000 });
    expect(r.ignored).toEqual(["kube-api-qps"]);
  });
  it("--storage=prometheus turns checkpoints off", () => {
    expect(parseRecommenderFlags(["--storage=prometheus"]).options.useCheckpoints).toBe(false);
  });
  it("finds the components by image or name", () => {
    expect(vpaComponentOf(deployment("x", "registry.k8s.io/autoscaling/vpa-updater:1.3.0", []))).toEqual({ component: "updater", container: 0 });
    expect(vpaComponentOf(deployment("vpa-recommender", "example.com/mine:1", []))).toEqual({ component: "recommender", container: 0 });
    expect(vpaComponentOf(deployment("web", "nginx", []))).toBeUndefined();
  });
  it("reports a flag the binary does not have, or a bad value, naming the argument", () => {
    const cfg = vpaConfigFromManifests([
      { object: deployment("vpa-updater", "registry.k8s.io/autoscaling/vpa-updater:1.3.0", ["--eviction-rate-limit=fast"]), source: "s.yaml#3" },
      { object: deployment("vpa-recommender", "registry.k8s.io/autoscaling/vpa-recommender:1.3.0", ["--pod-recomendation-min-cpu-millicores=50"], ["/recommender"]), source: "s.yaml#4" },
      { object: deployment("vpa-admission-controller", "registry.k8s.io/autoscaling/vpa-admission-controller:1.3.0", ["-x"]), source: "s.yaml#5" },
    ]);
    expect(cfg.errors).toEqual([
      { source: "s.yaml#3", message: 'spec.template.spec.containers[0].args[0]: vpa-updater: invalid argument "fast" for "--eviction-rate-limit" flag: parse error' },
      { source: "s.yaml#4", message: "spec.template.spec.containers[0].args[0]: vpa-recommender: unknown flag: --pod-recomendation-min-cpu-millicores" },
      { source: "s.yaml#5", message: "spec.template.spec.containers[0].args[0]: vpa-admission-controller: unknown shorthand flag: 'x' in -x" },
    ]);
  });
  it("uses defaults without the Deployments", () => {
    expect(vpaConfigFromManifests([])).toMatchObject({ recommender: {}, updater: {}, errors: [] });
  });
});
