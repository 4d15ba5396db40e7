/**
 * Template nodes (what the estimator packs onto). Preferred: a sanitized copy of a real ready node of
 * the group with its DaemonSet/mirror pods (cached, so a group scaled to zero keeps it). Otherwise
 * scale-from-zero from the ASG as cloudprovider/aws builds it: launch template instance type (or the
 * first MixedInstancesPolicy override), cpu = vCPU, memory = MiB × 1 MiB, pods = 110, allocatable =
 * capacity, labels arch/os/instance-type/region/zone (first AZ of the ASG)/hostname + node-template
 * label tags + the managed node group's labels, taints from tags and the node group; plus the
 * DaemonSet pods that would run there.
 */
import type { KubeObject } from "../../api/meta.js";
import { requireInstanceType } from "../../cloud/catalog.js";
import type { AutoScalingGroup } from "../../cloud/aws/asg.js";
import { CycleState, filterNode } from "../../scheduling/framework.js";
import { ClusterSnapshot, NodeInfo, PodInfo, type NodeObject } from "../../scheduling/nodeinfo.js";
import { DELETION_CANDIDATE_TAINT, TO_BE_DELETED_TAINT } from "./pods.js";

export interface TemplateNode {
  node: NodeObject;
  /** DaemonSet (and mirror) pods the node carries. */
  pods: KubeObject[];
  /** Node capacity (cpu milli, memory bytes), for least-waste. */
  capacity: { cpu: number; memory: number };
  fromRealNode: boolean;
}

const SANITIZED_TAINTS = new Set([
  TO_BE_DELETED_TAINT,
  DELETION_CANDIDATE_TAINT,
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
  "node.kubernetes.io/unschedulable",
  "node.cloudprovider.kubernetes.io/uninitialized",
]);

const MiB = 1024 * 1024;

/** Rename a template node (hostname label follows) — each estimator node is a fresh copy. */
export function renameNode(node: NodeObject, name: string): NodeObject {
  return {
    ...node,
    metadata: { ...node.metadata, name, labels: { ...(node.metadata.labels ?? {}), "kubernetes.io/hostname": name } },
  };
}

/** Copies of the template's DaemonSet pods bound to a renamed node. */
export function podsForCopy(t: TemplateNode, nodeName: string, suffix: string): KubeObject[] {
  return t.pods.map((p) => ({
    ...p,
    metadata: { ...p.metadata, name: `${p.metadata.name}-${suffix}`, uid: `${p.metadata.uid ?? p.metadata.name}-${suffix}` },
    spec: { ...p.spec, nodeName },
  }));
}

/** A sanitized template from a real node and the pods on it. */
export function templateFromNode(node: KubeObject, podsOnNode: readonly KubeObject[], asg: string, isDs: (p: KubeObject) => boolean): TemplateNode {
  const name = `template-node-for-${asg}`;
  const taints = ((node.spec?.taints ?? []) as Array<{ key: string }>).filter((t) => !SANITIZED_TAINTS.has(t.key));
  const sanitized: NodeObject = {
    metadata: { name, labels: { ...(node.metadata.labels ?? {}), "kubernetes.io/hostname": name } },
    spec: { ...node.spec, unschedulable: false, taints },
    status: {
      capacity: node.status?.capacity,
      allocatable: node.status?.allocatable,
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
  const pods = podsOnNode.filter((p) => isDs(p) && !p.metadata.deletionTimestamp);
  const ni = new NodeInfo(name);
  ni.setNode(sanitized);
  const cap = capacityOf(sanitized);
  return { node: sanitized, pods: pods.map((p) => ({ ...p, spec: { ...p.spec, nodeName: name } })), capacity: cap, fromRealNode: true };
}

function capacityOf(node: NodeObject): { cpu: number; memory: number } {
  const ni = new NodeInfo("x");
  ni.setNode({ metadata: { name: "x" }, status: { allocatable: node.status?.capacity ?? node.status?.allocatable } });
  return { cpu: ni.allocatable.cpu, memory: ni.allocatable.memory };
}

const TAG_LABEL = "k8s.io/cluster-autoscaler/node-template/label/";
const TAG_TAINT = "k8s.io/cluster-autoscaler/node-template/taint/";
const TAG_RESOURCE = "k8s.io/cluster-autoscaler/node-template/resources/";

/** The instance type CA's AWS provider uses for a group's template. */
export function templateInstanceType(asg: AutoScalingGroup): string {
  return asg.LaunchTemplate?.InstanceType ?? asg.MixedInstancesPolicy?.LaunchTemplate.Overrides[0]?.InstanceType ?? "";
}

/** Scale-from-zero template built from the ASG (no real node to copy). */
export function templateFromAsg(asg: AutoScalingGroup, region: string, daemonSets: readonly KubeObject[]): TemplateNode {
  const it = requireInstanceType(templateInstanceType(asg));
  const name = `template-node-for-${asg.AutoScalingGroupName}`;
  const zone = asg.AvailabilityZones[0] ?? `${region}a`;
  const labels: Record<string, string> = {
    "kubernetes.io/arch": it.arch,
    "beta.kubernetes.io/arch": it.arch,
    "kubernetes.io/os": "linux",
    "beta.kubernetes.io/os": "linux",
    "node.kubernetes.io/instance-type": it.name,
    "beta.kubernetes.io/instance-type": it.name,
    "topology.kubernetes.io/region": region,
    "failure-domain.beta.kubernetes.io/region": region,
    "topology.kubernetes.io/zone": zone,
    "failure-domain.beta.kubernetes.io/zone": zone,
    "topology.ebs.csi.aws.com/zone": zone,
    "kubernetes.io/hostname": name,
    "eks.amazonaws.com/nodegroup": asg.nodeGroup,
    "eks.amazonaws.com/capacityType": asg.capacityType,
    ...asg.labels,
  };
  const taints: Array<{ key: string; value?: string; effect: string }> = [...asg.taints];
  const extra: Record<string, string> = {};
  for (const { Key, Value } of asg.Tags) {
    if (Key.startsWith(TAG_LABEL)) labels[Key.slice(TAG_LABEL.length)] = Value;
    else if (Key.startsWith(TAG_TAINT)) {
      const [value, effect] = Value.split(":");
      taints.push({ key: Key.slice(TAG_TAINT.length), ...(value ? { value } : {}), effect: effect ?? "NoSchedule" });
    } else if (Key.startsWith(TAG_RESOURCE)) extra[Key.slice(TAG_RESOURCE.length)] = Value;
  }
  const capacity: Record<string, string> = {
    cpu: String(it.vcpu),
    memory: `${it.memoryMiB}Mi`,
    pods: "110",
    ...extra,
  };
  const node: NodeObject = {
    metadata: { name, labels },
    spec: { taints },
    status: { capacity, allocatable: { ...capacity }, conditions: [{ type: "Ready", status: "True" }] },
  };
  return { node, pods: daemonSetPodsFor(node, daemonSets), capacity: { cpu: it.vcpu * 1000, memory: it.memoryMiB * MiB }, fromRealNode: false };
}

/** DaemonSet pods (from the DaemonSets' templates) that would run on `node`. */
export function daemonSetPodsFor(node: NodeObject, daemonSets: readonly KubeObject[]): KubeObject[] {
  const snap = new ClusterSnapshot();
  const ni = snap.upsertNode(node);
  const out: KubeObject[] = [];
  for (const ds of daemonSets) {
    if (ds.metadata.deletionTimestamp) continue;
    const tpl = ds.spec?.template ?? {};
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${ds.metadata.name}-template`,
        namespace: ds.metadata.namespace,
        uid: `${ds.metadata.uid}-template`,
        labels: { ...(tpl.metadata?.labels ?? {}) },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: ds.metadata.name!, uid: ds.metadata.uid ?? "", controller: true }],
      },
      spec: { ...(tpl.spec ?? {}), nodeName: node.metadata.name },
    };
    // DaemonSet pods tolerate the node lifecycle taints; check affinity and taints only.
    const pi = new PodInfo({ ...pod, spec: { ...pod.spec, nodeName: undefined } });
    const st = filterNode(new CycleState(snap, pi), ni, { ignoreNominated: true });
    if (st && (st.plugin === "TaintToleration" || st.plugin === "NodeAffinity" || st.plugin === "NodeUnschedulable")) continue;
    out.push(pod);
  }
  return out;
}

