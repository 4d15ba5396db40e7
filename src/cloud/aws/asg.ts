/**
 * EC2 Auto Scaling groups, as the Cluster Autoscaler's AWS provider sees them: the groups behind EKS
 * managed node groups (`eks-<nodegroup>-<uuid>`), with MinSize / MaxSize / DesiredCapacity, a launch
 * template instance type (or a MixedInstancesPolicy), AvailabilityZones and tags — EKS tags every
 * managed node group's ASG with the auto-discovery keys `k8s.io/cluster-autoscaler/enabled=true` and
 * `k8s.io/cluster-autoscaler/<cluster>=owned`.
 *
 * The machines themselves are the node side (`AsgNodeSide`, implemented by cluster/nodes.ts
 * NodeGroupController): SetDesiredCapacity launches or removes instances there, and those instances
 * register as Nodes after the launch and registration delays. TerminateInstanceInAutoScalingGroup
 * terminates one instance (with ShouldDecrementDesiredCapacity) — the Cluster Autoscaler's scale-down.
 *
 * Errors carry the Auto Scaling API's wording (`ValidationError`).
 *
 * When EC2 has no capacity for the group's instance type in any of its zones (the scenario's
 * `aws.insufficientCapacity`), an increase launches nothing: DesiredCapacity still rises, the
 * instances never appear, and DescribeScalingActivities shows a `Failed` launch with EC2's
 * InsufficientInstanceCapacity message — what the Cluster Autoscaler's AWS provider reads to mark its
 * placeholder instances as unfulfillable. The group launches the missing instances the next time it is
 * looked at with capacity back.
 */
import { stableHex } from "./network.js";

/** What an Auto Scaling group needs from the machines behind it (NodeGroupController). */
export interface AsgNodeSide {
  /** Set the desired size (the node side clamps to its own min/max). Returns the new size. */
  setDesired(group: string, n: number): number;
  /** Terminate one node of the group, decrementing desired. */
  deleteNode(group: string, nodeName: string): boolean;
  /** Registered node names, oldest first. */
  nodes(group: string): readonly string[];
  /** Instances launched but not registered yet. */
  launching(group: string): number;
  desired(group: string): number;
}

export interface AsgSpec {
  /** The managed node group name (node side key, `eks.amazonaws.com/nodegroup` label). */
  nodeGroup: string;
  instanceType: string;
  capacityType: "ON_DEMAND" | "SPOT";
  min: number;
  max: number;
  zones: string[];
  /** Extra instance types (MixedInstancesPolicy overrides); the first is the launch template's. */
  instanceTypes?: string[];
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: string }>;
  /** Extra ASG tags. */
  tags?: Record<string, string>;
}

export interface AsgInstance {
  InstanceId: string;
  AvailabilityZone: string;
  LifecycleState: "Pending" | "InService" | "Terminating";
  InstanceType: string;
  /** The Node name once registered (not an AWS field; the simulator's link). */
  nodeName?: string;
}

/** DescribeAutoScalingGroups shape (the fields the Cluster Autoscaler reads). */
export interface AutoScalingGroup {
  AutoScalingGroupName: string;
  MinSize: number;
  MaxSize: number;
  DesiredCapacity: number;
  AvailabilityZones: string[];
  LaunchTemplate?: { LaunchTemplateName: string; Version: string; InstanceType: string };
  MixedInstancesPolicy?: { LaunchTemplate: { Overrides: Array<{ InstanceType: string }> } };
  Tags: Array<{ Key: string; Value: string }>;
  Instances: AsgInstance[];
  /** Not an AWS field: the EKS managed node group behind the ASG, and its node labels/taints (DescribeNodegroup). */
  nodeGroup: string;
  capacityType: "ON_DEMAND" | "SPOT";
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
}

export class AutoScalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AutoScalingError";
  }
}

/** EKS names a managed node group's ASG `eks-<nodegroup>-<nodegroup uuid>`. */
export function eksAsgName(cluster: string, nodeGroup: string): string {
  const h = stableHex(`${cluster}/${nodeGroup}/nodegroup`, 32);
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `eks-${nodeGroup}-${uuid}`;
}

/** The tags EKS puts on a managed node group's ASG. */
export function managedNodeGroupTags(cluster: string, nodeGroup: string): Record<string, string> {
  return {
    "eks:cluster-name": cluster,
    "eks:nodegroup-name": nodeGroup,
    "k8s.io/cluster-autoscaler/enabled": "true",
    [`k8s.io/cluster-autoscaler/${cluster}`]: "owned",
    [`kubernetes.io/cluster/${cluster}`]: "owned",
  };
}

interface Group {
  name: string;
  spec: AsgSpec;
  tags: Record<string, string>;
  min: number;
  max: number;
  /** Desired instances EC2 could not launch (InsufficientInstanceCapacity). */
  unfulfilled: number;
  /** Ids of the instances still launching, oldest first (the node side only counts them). */
  pendingIds: string[];
  launchSeq: number;
  registeredSeen: number;
}

/** DescribeScalingActivities entry (the fields the Cluster Autoscaler reads), newest last in `activities`. */
export interface ScalingActivity {
  group: string;
  description: string;
  cause: string;
  statusCode: "Successful" | "Failed";
  statusMessage?: string;
  /** Virtual ms. */
  startTime: number;
}

export interface AutoScalingOptions {
  clusterName: string;
  nodeSide: AsgNodeSide;
  /** Node name → providerID (`aws:///<az>/<instance-id>`), from the API server. */
  providerIdOf: (nodeName: string) => string | undefined;
  /** Activity timestamps (default: 0). */
  clock?: { now(): number };
  /** Does EC2 have capacity for this pool now? (default: always) */
  hasCapacity?: (instanceType: string, zone: string, capacityType: "ON_DEMAND" | "SPOT") => boolean;
}

/** The Auto Scaling service of the simulated account. */
export class AutoScaling {
  private readonly groups = new Map<string, Group>();
  private readonly byNodeGroup = new Map<string, Group>();
  /** Activity log (DescribeScalingActivities), newest last. */
  readonly activities: ScalingActivity[] = [];

  constructor(private readonly opts: AutoScalingOptions) {}

  /** Create the ASG of an EKS managed node group (idempotent). */
  addManagedNodeGroup(spec: AsgSpec): string {
    const name = eksAsgName(this.opts.clusterName, spec.nodeGroup);
    if (!this.groups.has(name)) {
      const g: Group = { name, spec, tags: { ...managedNodeGroupTags(this.opts.clusterName, spec.nodeGroup), ...(spec.tags ?? {}) }, min: spec.min, max: spec.max, unfulfilled: 0, pendingIds: [], launchSeq: 0, registeredSeen: 0 };
      this.groups.set(name, g);
      this.byNodeGroup.set(spec.nodeGroup, g);
    }
    return name;
  }

  names(): string[] {
    return [...this.groups.keys()];
  }

  /** ASG name of a managed node group. */
  groupOfNodeGroup(nodeGroup: string): string | undefined {
    return this.byNodeGroup.get(nodeGroup)?.name;
  }

  describe(name: string): AutoScalingGroup | undefined {
    const g = this.groups.get(name);
    if (!g) return undefined;
    this.retryLaunches(g);
    return this.shape(g);
  }

  /** DescribeAutoScalingGroups (all groups, in creation order). */
  describeAutoScalingGroups(): AutoScalingGroup[] {
    return [...this.groups.values()].map((g) => {
      this.retryLaunches(g);
      return this.shape(g);
    });
  }

  /** DescribeScalingActivities(AutoScalingGroupName): newest first, as the API returns them. */
  describeScalingActivities(name: string): ScalingActivity[] {
    this.need(name);
    const out: ScalingActivity[] = [];
    for (let i = this.activities.length - 1; i >= 0; i--) if (this.activities[i]!.group === name) out.push(this.activities[i]!);
    return out;
  }

  /** Cheap accessors for hot paths (no instance list). */
  size(name: string): { min: number; max: number; desired: number; registered: number; launching: number } {
    const g = this.need(name);
    const side = this.opts.nodeSide;
    return { min: g.min, max: g.max, desired: side.desired(g.spec.nodeGroup) + g.unfulfilled, registered: side.nodes(g.spec.nodeGroup).length, launching: side.launching(g.spec.nodeGroup) };
  }

  nodeNames(name: string): readonly string[] {
    return this.opts.nodeSide.nodes(this.need(name).spec.nodeGroup);
  }

  /** SetDesiredCapacity (HonorCooldown=false). */
  setDesiredCapacity(name: string, desired: number, cause = "a user request update of AutoScalingGroup constraints"): void {
    const g = this.need(name);
    if (!Number.isInteger(desired) || desired < 0) throw new AutoScalingError("ValidationError", `1 validation error detected: Value '${desired}' at 'desiredCapacity' failed to satisfy constraint: Member must have value greater than or equal to 0`);
    if (desired > g.max) throw new AutoScalingError("ValidationError", `New SetDesiredCapacity value ${desired} is above max value ${g.max} for the AutoScalingGroup.`);
    if (desired < g.min) throw new AutoScalingError("ValidationError", `New SetDesiredCapacity value ${desired} is below min value ${g.min} for the AutoScalingGroup.`);
    const side = this.opts.nodeSide;
    const ng = g.spec.nodeGroup;
    const launched = side.desired(ng);
    const cur = launched + g.unfulfilled;
    if (cur === desired) return;
    const change = `${cause} changing the desired capacity from ${cur} to ${desired}.`;
    if (desired > cur) {
      const diff = desired - cur;
      if (!this.launchable(g)) {
        g.unfulfilled += diff;
        this.activities.push({ group: name, description: `Launching a new EC2 instance.  Status Reason: ${iceStatus(g)}`, cause: change, statusCode: "Failed", statusMessage: iceStatus(g), startTime: this.now() });
        return;
      }
      side.setDesired(ng, launched + diff);
      this.activities.push({ group: name, description: `Launching ${diff} new EC2 instance(s)`, cause: change, statusCode: "Successful", startTime: this.now() });
      return;
    }
    // Shrinking drops the launches that never happened first.
    let drop = cur - desired;
    const dropUnfulfilled = Math.min(drop, g.unfulfilled);
    g.unfulfilled -= dropUnfulfilled;
    drop -= dropUnfulfilled;
    if (drop > 0) side.setDesired(ng, launched - drop);
    this.activities.push({ group: name, description: `Terminating ${cur - desired} EC2 instance(s)`, cause: change, statusCode: "Successful", startTime: this.now() });
  }

  /** TerminateInstanceInAutoScalingGroup(instanceId, ShouldDecrementDesiredCapacity=true). */
  terminateInstanceInAutoScalingGroup(instanceId: string, shouldDecrementDesiredCapacity = true): { group: string; nodeName: string } {
    for (const g of this.groups.values()) {
      for (const nodeName of this.opts.nodeSide.nodes(g.spec.nodeGroup)) {
        if (instanceIdOf(this.opts.providerIdOf(nodeName)) !== instanceId) continue;
        const side = this.opts.nodeSide;
        const before = side.desired(g.spec.nodeGroup);
        if (shouldDecrementDesiredCapacity && before <= g.min) {
          throw new AutoScalingError("ValidationError", `Currently, desiredSize equals minSize (${g.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`);
        }
        side.deleteNode(g.spec.nodeGroup, nodeName);
        if (!shouldDecrementDesiredCapacity) side.setDesired(g.spec.nodeGroup, before);
        this.activities.push({ group: g.name, description: `Terminating EC2 instance: ${instanceId}`, cause: `instance ${instanceId} was taken out of service in response to a user request, shrinking the capacity from ${before} to ${side.desired(g.spec.nodeGroup)}.`, statusCode: "Successful", startTime: this.now() });
        return { group: g.name, nodeName };
      }
      // An instance still launching: the node side cannot tell its launches apart, so it drops the newest.
      const ids = this.pendingIds(g);
      const at = ids.indexOf(instanceId);
      if (at >= 0) {
        const side = this.opts.nodeSide;
        const before = side.desired(g.spec.nodeGroup);
        if (shouldDecrementDesiredCapacity) {
          if (before + g.unfulfilled <= g.min) {
            throw new AutoScalingError("ValidationError", `Currently, desiredSize equals minSize (${g.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`);
          }
          // The node side cancels its newest launch; this id is the one that goes.
          ids.splice(at, 1);
          ids.push("");
          side.setDesired(g.spec.nodeGroup, before - 1);
          this.pendingIds(g);
        }
        this.activities.push({ group: g.name, description: `Terminating EC2 instance: ${instanceId}`, cause: `instance ${instanceId} was taken out of service in response to a user request, shrinking the capacity from ${before + g.unfulfilled} to ${side.desired(g.spec.nodeGroup) + g.unfulfilled}.`, statusCode: "Successful", startTime: this.now() });
        return { group: g.name, nodeName: "" };
      }
    }
    throw new AutoScalingError("ValidationError", `Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
  }

  private now(): number {
    return this.opts.clock?.now() ?? 0;
  }

  /** Can EC2 launch the group's instance type in at least one of its zones now? */
  private launchable(g: Group): boolean {
    const check = this.opts.hasCapacity;
    if (!check) return true;
    return g.spec.zones.some((z) => check(g.spec.instanceType, z, g.spec.capacityType));
  }

  /** The group keeps trying to reach its desired capacity: once capacity is back, the missing instances launch. */
  private retryLaunches(g: Group): void {
    if (g.unfulfilled === 0 || !this.launchable(g)) return;
    const side = this.opts.nodeSide;
    const n = g.unfulfilled;
    g.unfulfilled = 0;
    side.setDesired(g.spec.nodeGroup, side.desired(g.spec.nodeGroup) + n);
    this.activities.push({ group: g.name, description: `Launching ${n} new EC2 instance(s)`, cause: "an instance was started in response to a difference between desired and actual capacity.", statusCode: "Successful", startTime: this.now() });
  }

  /**
   * Stable ids for the launches in flight: the oldest become nodes first, cancelled launches are the
   * newest (the node side's order), new launches get the next id of the group's sequence.
   */
  private pendingIds(g: Group): string[] {
    const side = this.opts.nodeSide;
    const ng = g.spec.nodeGroup;
    const registered = side.nodes(ng).length;
    const launching = side.launching(ng);
    if (registered > g.registeredSeen) g.pendingIds.splice(0, Math.min(registered - g.registeredSeen, g.pendingIds.length));
    g.registeredSeen = registered;
    while (g.pendingIds.length > launching) g.pendingIds.pop();
    while (g.pendingIds.length < launching) g.pendingIds.push(`i-0${stableHex(`${g.name}/launch/${g.launchSeq++}`, 16)}`);
    return g.pendingIds;
  }

  private need(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw new AutoScalingError("ValidationError", `AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
    return g;
  }

  private shape(g: Group): AutoScalingGroup {
    const side = this.opts.nodeSide;
    const ng = g.spec.nodeGroup;
    const instances: AsgInstance[] = [];
    for (const nodeName of side.nodes(ng)) {
      const pid = this.opts.providerIdOf(nodeName);
      instances.push({ InstanceId: instanceIdOf(pid) ?? nodeName, AvailabilityZone: zoneOf(pid) ?? g.spec.zones[0]!, LifecycleState: "InService", InstanceType: g.spec.instanceType, nodeName });
    }
    for (const [i, id] of this.pendingIds(g).entries()) {
      instances.push({ InstanceId: id, AvailabilityZone: g.spec.zones[i % g.spec.zones.length]!, LifecycleState: "Pending", InstanceType: g.spec.instanceType });
    }
    const types = g.spec.instanceTypes && g.spec.instanceTypes.length > 0 ? g.spec.instanceTypes : [g.spec.instanceType];
    return {
      AutoScalingGroupName: g.name,
      MinSize: g.min,
      MaxSize: g.max,
      DesiredCapacity: side.desired(ng) + g.unfulfilled,
      AvailabilityZones: [...g.spec.zones],
      ...(types.length > 1
        ? { MixedInstancesPolicy: { LaunchTemplate: { Overrides: types.map((t) => ({ InstanceType: t })) } } }
        : { LaunchTemplate: { LaunchTemplateName: `eks-${stableHex(g.name, 8)}`, Version: "1", InstanceType: types[0]! } }),
      Tags: Object.entries(g.tags).map(([Key, Value]) => ({ Key, Value })),
      Instances: instances,
      nodeGroup: ng,
      capacityType: g.spec.capacityType,
      labels: { ...(g.spec.labels ?? {}) },
      taints: [...(g.spec.taints ?? [])],
    };
  }
}

/** The StatusMessage of an ASG launch EC2 refused for lack of capacity. */
function iceStatus(g: Group): string {
  const t = g.spec.instanceType;
  if (g.spec.capacityType === "SPOT") return "Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.";
  return (
    `Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient ${t} capacity in the Availability Zone you requested (${g.spec.zones[0]}). ` +
    `Our system will be working on provisioning additional capacity. You can currently get ${t} capacity by not specifying an Availability Zone in your request or choosing other Availability Zones. Launching EC2 instance failed.`
  );
}

/** `aws:///us-east-1a/i-0abc` → `i-0abc`. */
export function instanceIdOf(providerID: string | undefined): string | undefined {
  if (!providerID) return undefined;
  const i = providerID.lastIndexOf("/");
  return i >= 0 ? providerID.slice(i + 1) : undefined;
}

function zoneOf(providerID: string | undefined): string | undefined {
  if (!providerID) return undefined;
  const parts = providerID.replace(/^aws:\/\/\//, "").split("/");
  return parts.length === 2 ? parts[0] : undefined;
}

export const AUTOSCALING_SERVICE = "aws-autoscaling";
