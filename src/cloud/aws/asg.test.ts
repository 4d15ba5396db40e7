import { describe, expect, it } from "vitest";
import { AutoScaling, AutoScalingError, eksAsgName, type AsgNodeSide } from "./asg.js";

class Side implements AsgNodeSide {
  want = 2;
  names = ["n-a", "n-b"];
  setDesired(_g: string, n: number) {
    this.want = n;
    return n;
  }
  deleteNode(_g: string, name: string) {
    this.names = this.names.filter((x) => x !== name);
    this.want--;
    return true;
  }
  nodes() {
    return this.names;
  }
  launching() {
    return Math.max(0, this.want - this.names.length);
  }
  desired() {
    return this.want;
  }
}

function make() {
  const side = new Side();
  const asg = new AutoScaling({ clusterName: "demo", nodeSide: side, providerIdOf: (n) => `aws:///us-west-2a/i-0${n === "n-a" ? "aaaa" : "bbbb"}` });
  const name = asg.addManagedNodeGroup({ nodeGroup: "ng", instanceType: "t3.medium", capacityType: "ON_DEMAND", min: 1, max: 5, zones: ["us-west-2a", "us-west-2b"] });
  return { side, asg, name };
}

describe("Auto Scaling groups of EKS managed node groups", () => {
  it("names the ASG eks-<nodegroup>-<uuid> deterministically and tags it for CA auto-discovery", () => {
    const { asg, name } = make();
    expect(name).toBe(eksAsgName("demo", "ng"));
    expect(name).toMatch(/^eks-ng-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const g = asg.describe(name)!;
    expect(Object.fromEntries(g.Tags.map((t) => [t.Key, t.Value]))).toMatchObject({ "k8s.io/cluster-autoscaler/enabled": "true", "k8s.io/cluster-autoscaler/demo": "owned" });
    expect(g).toMatchObject({ MinSize: 1, MaxSize: 5, DesiredCapacity: 2, LaunchTemplate: { InstanceType: "t3.medium" } });
    expect(g.Instances.map((i) => [i.InstanceId, i.LifecycleState])).toEqual([
      ["i-0aaaa", "InService"],
      ["i-0bbbb", "InService"],
    ]);
  });

  it("SetDesiredCapacity launches through the node side and refuses values outside [min, max]", () => {
    const { asg, name, side } = make();
    asg.setDesiredCapacity(name, 4);
    expect(side.want).toBe(4);
    expect(asg.describe(name)!.Instances.filter((i) => i.LifecycleState === "Pending")).toHaveLength(2);
    expect(() => asg.setDesiredCapacity(name, 6)).toThrow(new AutoScalingError("ValidationError", "New SetDesiredCapacity value 6 is above max value 5 for the AutoScalingGroup."));
    expect(() => asg.setDesiredCapacity(name, 0)).toThrow("New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.");
  });

  it("TerminateInstanceInAutoScalingGroup removes that instance and decrements desired, but not below min", () => {
    const { asg, name, side } = make();
    expect(asg.terminateInstanceInAutoScalingGroup("i-0bbbb")).toEqual({ group: name, nodeName: "n-b" });
    expect(side.names).toEqual(["n-a"]);
    expect(asg.size(name).desired).toBe(1);
    expect(() => asg.terminateInstanceInAutoScalingGroup("i-0aaaa")).toThrow(/desiredSize equals minSize \(1\)/);
    expect(() => asg.terminateInstanceInAutoScalingGroup("i-0zzzz")).toThrow("Instance Id not found - No managed instance found for instance ID: i-0zzzz");
  });
});
