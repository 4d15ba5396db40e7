import { describe, it, expect } from "vitest";
import { loadScenarioText, ScenarioError } from "./loader.js";
import { didYouMean } from "./errors.js";

const doc = (spec: string) => `apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n${spec}`;
const load = (spec: string) => loadScenarioText(doc(spec), "s.yaml").spec;
function fail(spec: string): ScenarioError {
  try {
    load(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error("expected ScenarioError");
}

describe("Scenario document", () => {
  it("fills every documented default", () => {
    const s = loadScenarioText("apiVersion: scalelab.dev/v1alpha1\nkind: Scenario\n", "dir/my-lab.yaml").spec;
    expect(s).toEqual({
      name: "my-lab",
      region: "us-east-1",
      zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
      durationMs: 3_600_000,
      seed: 1,
      startTimeMs: Date.UTC(2025, 0, 1),
      nodeGroups: [],
      load: [],
      usage: [],
      metrics: [],
      timeline: [],
      settings: {
        metricResolutionMs: 15_000,
        hpaSyncPeriodMs: 15_000,
        hpaTolerance: 0.1,
        hpaDownscaleStabilizationMs: 300_000,
        hpaCpuInitializationPeriodMs: 300_000,
        hpaInitialReadinessDelayMs: 30_000,
        podStartupDelayMs: 3_000,
        nodeStartupDelayMs: 60_000,
      },
      karpenter: { featureGates: { SpotToSpotConsolidation: false }, batchIdleDurationMs: 1_000, batchMaxDurationMs: 10_000 },
      aws: { iceRate: 0, insufficientCapacity: [] },
    });
  });

  it("zones default to the region's; explicit zones must be in the region", () => {
    expect(load("  region: ap-northeast-2\n").zones).toEqual(["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"]);
    expect(load("  region: eu-west-1\n  zones: [eu-west-1b]\n").zones).toEqual(["eu-west-1b"]);
    expect(fail("  zones: [us-west-2a]\n").message).toBe('s.yaml: document 1, line 5: spec.zones[0]: Invalid value: "us-west-2a": zone is not in region "us-east-1"');
  });

  it("converts durations, start time, settings", () => {
    const s = load("  duration: 1h30m\n  seed: 42\n  startTime: '2025-06-01T12:00:00Z'\n  settings: {metricResolution: 60s, hpaSyncPeriod: 30, hpaTolerance: 0.05, nodeStartupDelay: 1m30s}\n");
    expect(s.durationMs).toBe(5_400_000);
    expect(s.seed).toBe(42);
    expect(s.startTimeMs).toBe(Date.UTC(2025, 5, 1, 12));
    expect(s.settings).toMatchObject({ metricResolutionMs: 60_000, hpaSyncPeriodMs: 30_000, hpaTolerance: 0.05, nodeStartupDelayMs: 90_000, podStartupDelayMs: 3_000 });
    expect(fail("  startTime: yesterday\n").field).toBe("spec.startTime");
    expect(fail("  settings: {hpaSyncPeriod: -15s}\n").message).toContain("spec.settings.hpaSyncPeriod: Invalid value: \"-15s\": must be greater than or equal to 0");
  });

  it("node groups: eksctl-style defaults, zones from the scenario, taints", () => {
    const s = load(
      "  nodeGroups:\n    - {name: a, instanceType: m5.large}\n    - {name: b, instanceType: c5.xlarge, min: 1, max: 4, capacityType: SPOT, zones: [us-east-1b], labels: {team: x}, taints: [{key: k, value: v, effect: NoSchedule}]}\n",
    );
    expect(s.nodeGroups).toEqual([
      { name: "a", instanceType: "m5.large", capacityType: "ON_DEMAND", desired: 2, min: 2, max: 2 },
      { name: "b", instanceType: "c5.xlarge", capacityType: "SPOT", desired: 1, min: 1, max: 4, zones: ["us-east-1b"], labels: { team: "x" }, taints: [{ key: "k", value: "v", effect: "NoSchedule" }] },
    ]);
    expect(fail("  nodeGroups: [{name: a, instanceType: m5.large, capacityType: spot}]\n").message).toContain(
      'spec.nodeGroups[0].capacityType: Unsupported value: "spot": supported values: "ON_DEMAND", "SPOT"',
    );
    expect(fail("  nodeGroups: [{name: a, instanceType: m5.large}, {name: a, instanceType: m5.large}]\n").message).toContain('spec.nodeGroups[1].name: Duplicate value: "a"');
    expect(fail("  nodeGroups: [{name: a}]\n").message).toContain("spec.nodeGroups[0].instanceType: Required value");
  });

  it("load: targets, profiles and closed loops", () => {
    const s = load(
      [
        "  load:",
        "    - {name: a, target: service/web, openLoop: {profile: {type: steps, steps: [{at: 0s, rps: 10}, {at: 5m, rps: 50}]}}}",
        "    - {name: b, target: shop/svc/api, start: 1m, stop: 2m, timeout: 5s, openLoop: {profile: {type: ramp, from: 1, to: 100, over: 10m}}}",
        "    - {name: c, target: web, openLoop: {profile: {type: diurnal, min: 5, max: 50, period: 24h, peakAt: 14h}}}",
        "    - {name: d, target: service/web, closedLoop: {clients: 4, thinkTime: 250ms}}",
        "",
      ].join("\n"),
    );
    expect(s.load).toEqual([
      { name: "a", namespace: "default", service: "web", startMs: 0, timeoutMs: 30_000, openLoop: { profile: { type: "steps", steps: [{ atMs: 0, rps: 10 }, { atMs: 300_000, rps: 50 }] } } },
      { name: "b", namespace: "shop", service: "api", startMs: 60_000, stopMs: 120_000, timeoutMs: 5_000, openLoop: { profile: { type: "ramp", fromRps: 1, toRps: 100, overMs: 600_000 } } },
      { name: "c", namespace: "default", service: "web", startMs: 0, timeoutMs: 30_000, openLoop: { profile: { type: "diurnal", minRps: 5, maxRps: 50, periodMs: 86_400_000, peakAtMs: 50_400_000 } } },
      { name: "d", namespace: "default", service: "web", startMs: 0, timeoutMs: 30_000, closedLoop: { clients: 4, thinkTimeMs: 250 } },
    ]);
    expect(fail("  load: [{name: a, target: service/web}]\n").message).toContain("spec.load[0]: Required value: exactly one of openLoop or closedLoop");
    expect(fail("  load: [{name: a, target: service/web, openLoop: {profile: {type: sine}}}]\n").message).toContain(
      'spec.load[0].openLoop.profile.type: Unsupported value: "sine": supported values: "constant", "steps", "ramp", "diurnal", "trace"',
    );
  });

  it("usage: quantities become numbers (200m per request = 0.2 CPU-seconds)", () => {
    const s = load("  usage: [{image: registry.k8s.io/hpa-example, cpuPerRequest: 200m, memory: 12Mi, cpu: 1m}]\n");
    expect(s.usage).toEqual([{ match: { image: "registry.k8s.io/hpa-example" }, cpuSecondsPerRequest: 0.2, memoryBytes: 12 * 1024 * 1024, cpuMilli: 1 }]);
    expect(fail("  usage: [{image: x, memory: 12MB}]\n").message).toContain(`spec.usage[0].memory: Invalid value: "12MB": quantities must match the regular expression`);
  });

  it("metrics: External by default, Object needs an object", () => {
    const s = load("  metrics: [{name: queue_length, labels: {queue: jobs}, profile: {type: constant, value: 30}}]\n");
    expect(s.metrics).toEqual([{ name: "queue_length", type: "External", namespace: "default", labels: { queue: "jobs" }, profile: { type: "constant", rps: 30 } }]);
    expect(fail("  metrics: [{name: m, type: Object, profile: {type: constant, value: 1}}]\n").message).toContain("spec.metrics[0].object: Required value");
  });

  it("unknown fields are errors with a did-you-mean", () => {
    expect(fail("  nodeGroups: [{name: a, instanceTyp: m5.large}]\n").message).toBe(
      's.yaml: document 1, line 5: unknown field "spec.nodeGroups[0].instanceTyp" (did you mean "spec.nodeGroups[0].instanceType"?)',
    );
    expect(fail("  colour: blue\n").message).toBe('s.yaml: document 1, line 5: unknown field "spec.colour"');
    expect(didYouMean("sed", ["seed", "region"])).toBe("seed");
    expect(didYouMean("xyz", ["seed", "region"])).toBeUndefined();
  });
});

describe("spec.karpenter and spec.aws", () => {
  it("parses feature gates, batching windows and the simulated EC2's capacity settings", () => {
    const s = load(
      "  region: ap-northeast-2\n  karpenter: {featureGates: {SpotToSpotConsolidation: true}, batchIdleDuration: 2s, batchMaxDuration: 20s}\n" +
        "  aws: {launchDelay: 5s, iceRate: 0.25, insufficientCapacity: [{instanceType: c5a.2xlarge, zone: ap-northeast-2a, capacityType: on-demand}]}\n",
    );
    expect(s.karpenter).toEqual({ featureGates: { SpotToSpotConsolidation: true }, batchIdleDurationMs: 2_000, batchMaxDurationMs: 20_000 });
    expect(s.aws).toEqual({ launchDelayMs: 5_000, iceRate: 0.25, insufficientCapacity: [{ instanceType: "c5a.2xlarge", zone: "ap-northeast-2a", capacityType: "on-demand" }] });
  });

  it("rejects bad values with the field named", () => {
    expect(fail("  karpenter: {featureGates: {SpotToSpot: true}}\n").message).toContain('unknown field "spec.karpenter.featureGates.SpotToSpot"');
    expect(fail("  karpenter: {featureGates: {SpotToSpotConsolidation: yes please}}\n").message).toContain(
      'spec.karpenter.featureGates.SpotToSpotConsolidation: Invalid value: "yes please": must be true or false',
    );
    expect(fail("  karpenter: {batchIdleDuration: 5s, batchMaxDuration: 2s}\n").message).toContain("spec.karpenter.batchMaxDuration: Invalid value");
    expect(fail("  aws: {iceRate: 2}\n").message).toContain("spec.aws.iceRate: Invalid value: 2: must be a probability between 0 and 1");
    expect(fail("  aws: {insufficientCapacity: [{zone: us-west-2a}]}\n").message).toContain('spec.aws.insufficientCapacity[0].zone: Unsupported value: "us-west-2a"');
    expect(fail("  aws: {insufficientCapacity: [{capacityType: SPOT}]}\n").message).toContain(
      'spec.aws.insufficientCapacity[0].capacityType: Unsupported value: "SPOT": supported values: "spot", "on-demand"',
    );
    expect(fail("  aws: {insufficientCapacity: [{}]}\n").message).toContain("Required value: at least one of instanceType, zone, capacityType");
  });

  it("timeline interrupt names a node, a NodeClaim or a NodePool", () => {
    const s = load(
      "  timeline:\n    - {at: 1m, interrupt: {node: ip-10-0-1-1.ec2.internal}}\n    - {at: 2m, interrupt: nodeclaim/default-abcde}\n    - {at: 3m, interrupt: {nodepool: spot}}\n",
    );
    expect(s.timeline.map((e) => [e.atMs, { ...e.action, source: undefined }])).toEqual([
      [60_000, { type: "interrupt", node: "ip-10-0-1-1.ec2.internal", source: undefined }],
      [120_000, { type: "interrupt", nodeClaim: "default-abcde", source: undefined }],
      [180_000, { type: "interrupt", nodePool: "spot", source: undefined }],
    ]);
    expect(fail("  timeline:\n    - {at: 1m, interrupt: {node: a, nodepool: b}}\n").message).toContain("spec.timeline[0].interrupt.nodepool: Forbidden: may not be set together with node");
    expect(fail("  timeline:\n    - {at: 1m, interrupt: pod/x}\n").message).toContain('must be node/NAME, nodeclaim/NAME or nodepool/NAME');
  });
});
