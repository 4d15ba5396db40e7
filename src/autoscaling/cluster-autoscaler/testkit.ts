/** Small object builders for the Cluster Autoscaler unit tests. */
import type { KubeObject } from "../../api/meta.js";
import type { NodeObject } from "../../scheduling/nodeinfo.js";
import type { TemplateNode } from "./templates.js";

export const Mi = 1024 * 1024;
export const Gi = 1024 * Mi;

export function node(name: string, cpu: string, memory: string, labels: Record<string, string> = {}, taints: unknown[] = []): NodeObject & KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
    spec: { taints },
    status: { capacity: { cpu, memory, pods: "110" }, allocatable: { cpu, memory, pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
  };
}

export function pod(name: string, cpu: string, memory: string, opts: { ns?: string; owner?: { kind: string; name: string; uid: string }; nodeName?: string; labels?: Record<string, string>; annotations?: Record<string, string>; volumes?: unknown[]; spec?: Record<string, unknown>; phase?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: opts.ns ?? "default",
      uid: `uid-${name}`,
      labels: opts.labels ?? { app: name.replace(/-\d+$/, "") },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.owner ? { ownerReferences: [{ apiVersion: "apps/v1", ...opts.owner, controller: true }] } : {}),
    },
    spec: {
      containers: [{ name: "c", resources: { requests: { cpu, memory } } }],
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      ...(opts.volumes ? { volumes: opts.volumes } : {}),
      ...(opts.spec ?? {}),
    },
    status: { phase: opts.phase ?? (opts.nodeName ? "Running" : "Pending") },
  };
}

export function template(n: NodeObject, capCpuMilli: number, capMem: number, pods: KubeObject[] = []): TemplateNode {
  return { node: n, pods, capacity: { cpu: capCpuMilli, memory: capMem }, fromRealNode: false };
}

export const RS = { kind: "ReplicaSet", name: "web-abc", uid: "rs-1" };
