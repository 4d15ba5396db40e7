import { describe, expect, it } from "vitest";
import { caArgsOf, defaultCaOptions, FlagError, isClusterAutoscalerDeployment, parseAutoDiscovery, parseCaFlags } from "./flags.js";

describe("cluster-autoscaler 1.32 flags", () => {
  it("has the 1.32 defaults (random expander, max-empty-bulk-delete 10, no cordon, no frequent loops)", () => {
    const o = defaultCaOptions();
    expect(o).toMatchObject({
      scanIntervalMs: 10_000,
      expander: ["random"],
      scaleDownDelayAfterAddMs: 600_000,
      scaleDownDelayAfterDeleteMs: 0,
      scaleDownDelayAfterFailureMs: 180_000,
      scaleDownUnneededTimeMs: 600_000,
      scaleDownUtilizationThreshold: 0.5,
      maxNodeProvisionTimeMs: 900_000,
      maxEmptyBulkDelete: 10,
      maxScaleDownParallelism: 10,
      maxDrainParallelism: 1,
      balanceSimilarNodeGroups: false,
      skipNodesWithLocalStorage: true,
      skipNodesWithSystemPods: true,
      expendablePodsPriorityCutoff: -10,
      maxNodesPerScaleUp: 1000,
      // main.go at 1.32: cordon-node-before-terminating false (true from 1.34), frequent-loops-enabled false (true from 1.35)
      cordonNodeBeforeTerminating: false,
      frequentLoopsEnabled: false,
      memoryDifferenceRatio: 0.015,
      maxAllocatableDifferenceRatio: 0.05,
      maxFreeDifferenceRatio: 0.05,
      initialNodeGroupBackoffMs: 300_000,
      maxNodeGroupBackoffMs: 1_800_000,
      nodeGroupBackoffResetTimeoutMs: 10_800_000,
    });
  });

  it("parses the AWS example manifest's command", () => {
    const o = parseCaFlags([
      "./cluster-autoscaler",
      "--v=4",
      "--cloud-provider=aws",
      "--skip-nodes-with-local-storage=false",
      "--expander=least-waste",
      "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/my-cluster",
      "--balance-similar-node-groups",
      "--scale-down-delay-after-add=5m",
      "--scale-down-unneeded-time",
      "2m30s",
      "--scale-down-utilization-threshold=0.7",
      "--max-node-provision-time=10m",
      "--scan-interval=30s",
    ]);
    expect(o.skipNodesWithLocalStorage).toBe(false);
    expect(o.expander).toEqual(["least-waste"]);
    expect(o.nodeGroupAutoDiscovery).toEqual([{ tags: [{ key: "k8s.io/cluster-autoscaler/enabled" }, { key: "k8s.io/cluster-autoscaler/my-cluster" }] }]);
    expect(o.balanceSimilarNodeGroups).toBe(true);
    expect(o.scaleDownDelayAfterAddMs).toBe(300_000);
    expect(o.scaleDownUnneededTimeMs).toBe(150_000);
    expect(o.scaleDownUtilizationThreshold).toBe(0.7);
    expect(o.maxNodeProvisionTimeMs).toBe(600_000);
    expect(o.scanIntervalMs).toBe(30_000);
  });

  it("collects --balancing-ignore-label and --balancing-label, each repeatable", () => {
    const o = parseCaFlags(["--balancing-ignore-label=topology.k8s.aws/zone-id", "--balancing-ignore-label", "team", "--balancing-label=pool", "--cordon-node-before-terminating"]);
    expect(o.balancingIgnoreLabels).toEqual(["topology.k8s.aws/zone-id", "team"]);
    expect(o.balancingLabels).toEqual(["pool"]);
    expect(o.cordonNodeBeforeTerminating).toBe(true);
  });

  it("parses tag values and --nodes, rejects bad values with Go flag wording", () => {
    expect(parseAutoDiscovery("asg:tag=team=a,env").tags).toEqual([{ key: "team", value: "a" }, { key: "env" }]);
    expect(parseCaFlags(["--nodes=1:5:my-asg"]).nodes).toEqual([{ min: 1, max: 5, name: "my-asg" }]);
    expect(() => parseCaFlags(["--scale-down-utilization-threshold=abc"])).toThrow(FlagError);
    expect(() => parseCaFlags(["--balance-similar-node-groups=maybe"])).toThrow('invalid boolean value "maybe" for -balance-similar-node-groups: parse error');
  });

  it("finds the CA Deployment and its args", () => {
    const dep = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "cluster-autoscaler" }, spec: { template: { spec: { containers: [{ name: "cluster-autoscaler", image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.1", command: ["./cluster-autoscaler"], args: ["--expander=priority"] }] } } } };
    expect(isClusterAutoscalerDeployment(dep)).toBe(true);
    expect(caArgsOf(dep)).toEqual(["./cluster-autoscaler", "--expander=priority"]);
  });
});
