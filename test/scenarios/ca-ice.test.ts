/**
 * Cluster Autoscaler 1.32 on an Auto Scaling group EC2 cannot launch into (spec.aws.insufficientCapacity
 * for c5.xlarge). The priority expander prefers the c5 group; the m5a group is the fallback.
 *
 * Expected, worked from the 1.32 AWS provider and cluster-state code (10 s loops from t = 0, the ASG
 * cache regenerated at most once a minute — at 10s, 1m10s, 2m10s, …):
 * - 1m: 4 web pods of 3 CPU (one per 4-vCPU node, none fits an m5.large) go Pending.
 * - 1m10s: "Scale-up: setting group eks-c5-ice-… size to 4 instead of 0 (max: 5)". The ASG's launch
 *   fails (Failed scaling activity, InsufficientInstanceCapacity); desired stays 4, no instance appears.
 * - 2m10s: the cache refresh turns the 4 placeholders into `placeholder-cannot-be-fulfilled`: ScaleUpFailed
 *   "Failed adding 4 nodes to group … due to OutOfResource.placeholder-cannot-be-fulfilled; source errors:
 *   AWS cannot provision any more instances for this node group", backoff 5 min (until 7m10s), the
 *   placeholders are deleted (ASG back to its 0 real instances); in the same loop the m5a group, the only
 *   one not backed off, goes 0 → 4.
 * This is not the 15-minute provisioning timeout: 1.32's AWS provider reads the failed activity first.
 */
import { describe, expect, it } from "vitest";
import { min, runCa } from "./ca-helpers.js";

const SCENARIO = `
apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: ice-lab}
spec:
  region: us-east-1
  duration: 8m
  seed: 5
  nodeGroups:
    - {name: base, instanceType: m5.large, desired: 2, min: 2, max: 2}
    - {name: c5-ice, instanceType: c5.xlarge, desired: 0, min: 0, max: 5}
    - {name: m5a-ok, instanceType: m5a.xlarge, desired: 0, min: 0, max: 5}
  aws:
    insufficientCapacity:
      - {instanceType: c5.xlarge}
  timeline:
    - at: 1m
      run: kubectl scale deployment/web --replicas=4
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cluster-autoscaler-priority-expander, namespace: kube-system}
data:
  priorities: |-
    50:
      - .*c5-ice.*
    10:
      - .*
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cluster-autoscaler, namespace: kube-system, labels: {app: cluster-autoscaler}}
spec:
  replicas: 1
  selector: {matchLabels: {app: cluster-autoscaler}}
  template:
    metadata: {labels: {app: cluster-autoscaler}}
    spec:
      priorityClassName: system-cluster-critical
      containers:
        - image: registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.1
          name: cluster-autoscaler
          resources: {requests: {cpu: 100m, memory: 600Mi}}
          command:
            - ./cluster-autoscaler
            - --cloud-provider=aws
            - --expander=priority
            - --node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/ice-lab
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx
          resources: {requests: {cpu: "3", memory: 2Gi}}
`;

describe("CA 1.32 and an ASG with no EC2 capacity (aws.insufficientCapacity)", () => {
  const run = runCa({ text: SCENARIO });
  const asg = run.sim.autoScaling;
  const ice = asg.groupOfNodeGroup("c5-ice")!;
  const ok = asg.groupOfNodeGroup("m5a-ok")!;

  it("scales the preferred group first, and its ASG records the failed launch", () => {
    const up = run.caEvents("ScaledUpGroup").map((e) => [e.firstTimestamp, e.message]);
    expect(up[0]).toEqual(["2025-01-01T00:01:10Z", `Scale-up: setting group ${ice} size to 4 instead of 0 (max: 5)`]);
    const failed = asg.describeScalingActivities(ice).filter((a) => a.statusCode === "Failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.startTime).toBe(min(1) + 10_000);
    expect(failed[0]!.statusMessage).toMatch(/^Could not launch On-Demand Instances\. InsufficientInstanceCapacity - We currently do not have sufficient c5\.xlarge capacity/);
  });

  it("marks the placeholders failed at the next ASG cache refresh, fails the scale-up and backs the group off", () => {
    const ev = run.caEvents("ScaleUpFailed");
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({
      type: "Warning",
      firstTimestamp: "2025-01-01T00:02:10Z",
      message: `Failed adding 4 nodes to group ${ice} due to OutOfResource.placeholder-cannot-be-fulfilled; source errors: AWS cannot provision any more instances for this node group`,
    });
    const lines = run.logs.map((l) => l.message);
    expect(lines).toContain(`Disabling scale-up for node group ${ice} until 2025-01-01 00:07:10 +0000 UTC; errorClass=OutOfResource; errorCode=placeholder-cannot-be-fulfilled`);
    expect(lines).toContain(`Deleting 4 from ${ice} node group because of create errors`);
    expect(run.caEvents("ScaleUpTimedOut")).toEqual([]);
  });

  it("gives the capacity back: the ASG's desired size returns to its 0 real instances", () => {
    expect(asg.describe(ice)!.DesiredCapacity).toBe(0);
    expect(asg.describe(ice)!.Instances).toEqual([]);
    expect(run.logs.find((l) => l.message === `Setting asg ${ice} size to 0`)?.t).toBe(min(2) + 10_000);
  });

  it("scales the other group for the same pods in the same loop, and the pods run there", () => {
    const up = run.caEvents("ScaledUpGroup").map((e) => [e.firstTimestamp, e.message]);
    expect(up).toEqual([
      ["2025-01-01T00:01:10Z", `Scale-up: setting group ${ice} size to 4 instead of 0 (max: 5)`],
      ["2025-01-01T00:02:10Z", `Scale-up: setting group ${ok} size to 4 instead of 0 (max: 5)`],
    ]);
    expect(run.logs.map((l) => l.message)).toContain(`Node group ${ice} is not ready for scaleup - backoff`);
    const web = run.sim.store.list("Pod", { namespace: "default" }).filter((p) => p.metadata.labels?.app === "web");
    expect(web.filter((p) => p.status?.phase === "Running")).toHaveLength(4);
    const types = new Set(web.map((p) => run.sim.store.get("Node", undefined, p.spec.nodeName)?.metadata.labels?.["node.kubernetes.io/instance-type"]));
    expect([...types]).toEqual(["m5a.xlarge"]);
  });

  it("shows the backoff in the status ConfigMap until it ends at 7m10s", () => {
    const st = run.status(); // written at 8m: the backoff is over
    expect(st).not.toContain("placeholder-cannot-be-fulfilled");
    const mid = runCa({ text: SCENARIO }, min(5));
    const s5 = mid.status();
    expect(s5).toContain("errorCode: placeholder-cannot-be-fulfilled");
    expect(s5).toContain("errorMessage: AWS cannot provision any more instances for this node group");
    expect(s5).toMatch(new RegExp(`name: ${ice}\\n(?:.*\\n)*?\\s+scaleUp:\\n\\s+backoffInfo:[\\s\\S]*?status: Backoff`));
  });
});
