/**
 * examples/cpa-ladder.yaml end to end: the Helm-installed CPA sizes nginx-deployment by the lab ladder
 * [[1,1],[2,2],[3,3],[4,3],[5,5]] as the managed node group goes from 5 nodes to 4.
 * Expected figures from the ladder by hand: 5 schedulable nodes → 5 replicas; 4 → 3 (the [4,3] step).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { runScenario } from "./helpers.js";
import { loadScenarioText } from "../../src/scenario/loader.js";
import { CpaController } from "../../src/autoscaling/cpa/controller.js";
import { renderHelmChart } from "../../src/autoscaling/cpa/params.js";

describe("examples/cpa-ladder.yaml", () => {
  const run = runScenario({ file: "examples/cpa-ladder.yaml" });
  const sim = run.sim;
  const cpa = sim.controllers.find((c): c is CpaController => c instanceof CpaController);
  const proc = cpa?.process("default", "cluster-proportional-autoscaler");
  const scaleIn = 5 * 60_000;

  it("wires the CPA controller because the scenario deploys it", () => {
    expect(cpa).toBeDefined();
    expect(proc).toBeDefined();
    expect(proc!.currentFlags).toMatchObject({ configMap: "cluster-proportional-autoscaler", namespace: "default", pollPeriodSeconds: 10, target: "deployment/nginx-deployment" });
  });

  it("scales nginx-deployment to 5 on 5 nodes once its pod runs, polling every 10 s", () => {
    const polls = proc!.polls;
    expect(polls.length).toBeGreaterThan(20);
    const first = polls[0]!;
    // the binary starts with its pod: after scheduling and container start, within the first minute
    expect(first.t).toBeGreaterThan(0);
    expect(first.t).toBeLessThan(60_000);
    expect(first.status).toEqual({ totalNodes: 5, schedulableNodes: 5, totalCores: 10, schedulableCores: 10 });
    expect(first.expected).toBe(5);
    expect(first.previous).toEqual({ "deployment/nginx-deployment": 1 });
    for (let i = 1; i < polls.length; i++) expect(polls[i]!.t - polls[i - 1]!.t).toBe(10_000);
    // every poll before the scale-in keeps 5
    for (const p of polls.filter((p) => p.t < scaleIn)) expect(p.expected).toBe(5);
  });

  it("follows the ladder down to 3 when the node group goes to 4", () => {
    const after = proc!.polls.filter((p) => p.t >= scaleIn);
    // the node is cordoned at once, so the first poll after 5m already counts 4 schedulable nodes
    expect(after[0]!.t).toBeLessThan(scaleIn + 10_000);
    expect(after[0]!.status!.schedulableNodes).toBe(4);
    expect(after[0]!.expected).toBe(3);
    expect(after[0]!.previous["deployment/nginx-deployment"]).toBe(5);
    expect(after.at(-1)!.status).toEqual({ totalNodes: 4, schedulableNodes: 4, totalCores: 8, schedulableCores: 8 });
    expect(sim.store.get("Deployment", "default", "nginx-deployment")!.spec.replicas).toBe(3);
    expect(sim.store.list("Node").length).toBe(4);
    const action = run.records.find((r) => r.type === "action" && String(r.result).startsWith("nodegroup default"));
    expect(action?.result).toBe("nodegroup default desired size 4");
  });

  it("logs in the binary's wording", () => {
    const lines = sim.logs.records("cluster-proportional-autoscaler").filter((r) => r.level !== "debug").map((r) => r.message);
    expect(lines[0]).toBe("Scaling Namespace: default, Target: deployment/nginx-deployment");
    expect(lines[1]).toMatch(/^Detected ConfigMap version change \(old:  new: \d+\) - rebuilding lookup entries$/);
    const decisions = lines.filter((l) => !l.startsWith("Scaling Namespace") && !l.startsWith("Detected ConfigMap"));
    expect(decisions).toEqual([
      "Cluster status: SchedulableNodes[5], SchedulableCores[10]",
      "Replicas are not as expected : updating replicas from 1 to 5",
      "Cluster status: SchedulableNodes[4], SchedulableCores[8]",
      "Replicas are not as expected : updating replicas from 5 to 3",
    ]);
    // The binary starts once per CPA pod: a pod on the drained node is evicted and its replacement starts afresh.
    const cpaPods = run.events.filter((e) => e.reason === "Scheduled" && String(e.object).startsWith("Pod/default/cluster-proportional-autoscaler-")).length;
    expect(cpaPods).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.startsWith("Scaling Namespace"))).toHaveLength(cpaPods);
    expect(lines.filter((l) => l.startsWith("Detected ConfigMap"))).toHaveLength(cpaPods);
  });

  it("the deployment's ScalingReplicaSet events show 1 → 5 → 3", () => {
    const msgs = run.events.filter((e) => e.reason === "ScalingReplicaSet" && String(e.object) === "Deployment/default/nginx-deployment").map((e) => String(e.message));
    expect(msgs.some((m) => /to 5 from 1$/.test(m))).toBe(true);
    expect(msgs.some((m) => /to 3 from 5$/.test(m))).toBe(true);
  });

  it("its manifests are what the Helm chart renders from the lab's values", () => {
    const docs = parseAllDocuments(readFileSync("examples/cpa-ladder.yaml", "utf8")).map((d) => d.toJS());
    const rendered = renderHelmChart(
      { config: { ladder: { nodesToReplicas: [[1, 1], [2, 2], [3, 3], [4, 3], [5, 5]] } }, options: { namespace: "default", target: "deployment/nginx-deployment" } },
      { name: "cluster-proportional-autoscaler", namespace: "default" },
    );
    for (const r of rendered) {
      const d = docs.find((x) => x.kind === r.kind && x.metadata?.name === r.metadata.name);
      expect(d, `${r.kind}/${r.metadata.name}`).toBeDefined();
      if (r.kind === "ConfigMap") expect(d.data).toEqual(r.data);
      if (r.kind === "Deployment") {
        expect(d.spec.template.spec.containers[0].args).toEqual(r.spec.template.spec.containers[0].args);
        expect(d.spec.template.spec.containers[0].image).toBe(r.spec.template.spec.containers[0].image);
        expect(d.spec.selector).toEqual(r.spec.selector);
        expect(d.metadata.labels).toEqual(r.metadata.labels);
      }
    }
  });
});

describe("timeline scaleNodeGroup", () => {
  const scenario = (action: string) => `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata:
  name: ng
spec:
  duration: 5m
  nodeGroups:
    - {name: default, instanceType: m5.large, desired: 2, min: 1, max: 3}
  timeline:
    - at: 1m
      scaleNodeGroup: ${action}
`;

  it("parses {name, desired}", () => {
    const s = loadScenarioText(scenario("{name: default, desired: 3}"), "ng.yaml");
    expect(s.spec.timeline[0]!.action).toMatchObject({ type: "scaleNodeGroup", name: "default", desired: 3 });
  });

  it("rejects a negative size and unknown fields", () => {
    expect(() => loadScenarioText(scenario("{name: default, desired: -1}"), "ng.yaml")).toThrow(/spec\.timeline\[0\]\.scaleNodeGroup\.desired/);
    expect(() => loadScenarioText(scenario("{name: default, nodes: 2}"), "ng.yaml")).toThrow(/nodes/);
  });

  it("grows and shrinks the group within its bounds; an unknown group is an input error", () => {
    const text = scenario("{name: default, desired: 9}").replace(
      "      scaleNodeGroup: {name: default, desired: 9}\n",
      "      scaleNodeGroup: {name: default, desired: 9}\n    - at: 3m\n      scaleNodeGroup: {name: default, desired: 1}\n    - at: 4m\n      scaleNodeGroup: {name: nope, desired: 1}\n",
    );
    const r = runScenario({ text, name: "ng.yaml" }, 2 * 60_000 + 30_000);
    expect(r.sim.store.list("Node").length).toBe(3); // clamped to max 3
    r.sim.runUntil(5 * 60_000);
    expect(r.sim.store.list("Node").length).toBe(1);
    expect(r.sim.inputErrors.map((e) => e.message)).toEqual([expect.stringContaining('unknown node group "nope"')]);
  });
});
