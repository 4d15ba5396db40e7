/**
 * The binpacking estimator (estimator/binpacking_estimator.go, decreasing_pod_orderer.go,
 * threshold_based_limiter.go, 1.32): First-Fit-Decreasing onto copies of a node group's template
 * node, with the scheduler's filter plugins as the fit test.
 *
 * 1. Equivalence groups are ordered by cpu/alloc_cpu + mem/alloc_mem of their exemplar, descending.
 * 2. For each group: place pods on any node added during this estimation until one does not fit;
 *    the rest go to the last added node; when a pod does not fit there, stop the group if that node
 *    is still empty (no new node would take it), else add a new template copy if the limiter allows
 *    and place the pod on it (stop the group if it still does not fit).
 * 3. The answer is the number of new nodes that received a pod, and the pods placed.
 */
import type { KubeObject } from "../../api/meta.js";
import { NodeInfo as NodeInfoCtor, PodInfo, type NodeInfo } from "../../scheduling/nodeinfo.js";
import type { EquivalenceGroup } from "./pods.js";
import type { CaSnapshot } from "./snapshot.js";
import { podsForCopy, renameNode, type TemplateNode } from "./templates.js";

export interface EstimateResult {
  nodeCount: number;
  pods: KubeObject[];
}

export interface EstimateLimits {
  /** Max new nodes (min of --max-nodes-per-scaleup, group max − target, cluster --max-nodes-total room). */
  maxNodes: number;
}

/** Score of a pod against the template's allocatable (decreasing_pod_orderer). */
export function podScore(pod: PodInfo, template: NodeInfo): number {
  const a = template.allocatable;
  let s = 0;
  if (a.cpu > 0) s += pod.requests.cpu / a.cpu;
  if (a.memory > 0) s += pod.requests.memory / a.memory;
  return s;
}

export class BinpackingEstimator {
  private seq = 0;

  constructor(private readonly s: CaSnapshot) {}

  estimate(groups: readonly EquivalenceGroup[], template: TemplateNode, limits: EstimateLimits, prefix: string): EstimateResult {
    const s = this.s;
    s.fork();
    try {
      const tplInfo = new NodeInfoCtor(template.node.metadata.name!);
      tplInfo.setNode(template.node);
      const scored = groups.map((g) => ({ g, score: podScore(new PodInfo(g.exemplar), tplInfo) }));
      scored.sort((a, b) => b.score - a.score);

      const newNodes: NodeInfo[] = [];
      const withPods = new Set<string>();
      let last: NodeInfo | undefined;
      const placed: KubeObject[] = [];

      const addNode = (): NodeInfo => {
        const name = `${prefix}-e-${this.seq++}`;
        const ni = s.addNode(renameNode(template.node, name), true);
        for (const p of podsForCopy(template, name, `e-${this.seq}`)) s.addPod(new PodInfo(p), name);
        newNodes.push(ni);
        last = ni;
        return ni;
      };

      for (const { g } of scored) {
        const pods = g.pods;
        let i = 0;
        // On nodes added earlier in this estimation.
        for (; i < pods.length; i++) {
          const pi = new PodInfo(pods[i]!);
          let ok = false;
          for (const ni of newNodes) {
            if (s.check(pi, ni) === undefined) {
              s.addPod(pi, ni.name);
              withPods.add(ni.name);
              placed.push(pods[i]!);
              ok = true;
              break;
            }
          }
          if (!ok) break;
        }
        // On new nodes.
        for (; i < pods.length; i++) {
          const pi = new PodInfo(pods[i]!);
          let found = false;
          if (last && s.check(pi, last) === undefined) {
            s.addPod(pi, last.name);
            withPods.add(last.name);
            placed.push(pods[i]!);
            found = true;
          }
          if (found) continue;
          if (last && !withPods.has(last.name)) break;
          if (newNodes.length >= limits.maxNodes) break;
          const ni = addNode();
          if (s.check(pi, ni) !== undefined) break;
          s.addPod(pi, ni.name);
          withPods.add(ni.name);
          placed.push(pods[i]!);
        }
      }
      return { nodeCount: withPods.size, pods: placed };
    } finally {
      s.revert();
    }
  }
}
