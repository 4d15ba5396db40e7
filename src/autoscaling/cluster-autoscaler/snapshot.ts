/**
 * The Cluster Autoscaler's cluster snapshot: a scheduling ClusterSnapshot (src/scheduling, the one
 * model of "does this pod fit") with cheap fork/revert — every change made after `fork()` is logged
 * with its inverse and undone by `revert()` (clustersnapshot.DeltaSnapshot's role) — plus the
 * hinting pod placement the CA's scheduling simulator uses (try the pod's last node, then round-robin
 * over the accepted nodes starting after the last successful one).
 */
import { CycleState, filterNode, type NodeStatus } from "../../scheduling/framework.js";
import { ClusterSnapshot, PodInfo, type NodeInfo, type NodeObject, type PodObject } from "../../scheduling/nodeinfo.js";

type Undo = () => void;

export class CaSnapshot {
  readonly snap = new ClusterSnapshot();
  private log: Undo[] | undefined;
  private marks: number[] = [];
  /** Nodes added by the simulation (templates, upcoming): name → true. */
  readonly virtualNodes = new Set<string>();

  fork(): void {
    this.log ??= [];
    this.marks.push(this.log.length);
  }

  revert(): void {
    const mark = this.marks.pop();
    if (mark === undefined || !this.log) return;
    while (this.log.length > mark) this.log.pop()!();
    if (this.marks.length === 0) this.log = undefined;
  }

  /** Keep the changes of the innermost fork (they become part of the enclosing one). */
  commit(): void {
    this.marks.pop();
    if (this.marks.length === 0) this.log = undefined;
  }

  get forked(): boolean {
    return this.marks.length > 0;
  }

  addNode(node: NodeObject, virtual = false): NodeInfo {
    const name = node.metadata.name!;
    const prev = this.snap.getNode(name)?.node;
    const ni = this.snap.upsertNode(node);
    if (virtual) this.virtualNodes.add(name);
    if (this.log) {
      this.log.push(() => {
        if (prev) this.snap.upsertNode(prev);
        else {
          this.snap.removeNode(name);
          this.virtualNodes.delete(name);
        }
      });
    }
    return ni;
  }

  removeNode(name: string): void {
    const prev = this.snap.getNode(name)?.node;
    if (!prev) return;
    this.snap.removeNode(name);
    if (this.log) this.log.push(() => this.snap.upsertNode(prev));
  }

  /** Place (or move) a pod. */
  addPod(pod: PodInfo, nodeName: string): PodInfo {
    const prev = this.snap.getPod(pod.key);
    const prevNode = prev?.nodeName;
    const pi = this.snap.addPod(pod, nodeName);
    if (this.log) {
      this.log.push(() => {
        this.snap.removePod(pi.key);
        if (prev && prevNode) this.snap.addPod(prev, prevNode);
      });
    }
    return pi;
  }

  removePod(key: string): PodInfo | undefined {
    const pi = this.snap.getPod(key);
    const node = pi?.nodeName;
    const removed = this.snap.removePod(key);
    if (removed && this.log && node) this.log.push(() => this.snap.addPod(removed, node));
    return removed;
  }

  getNode(name: string): NodeInfo | undefined {
    return this.snap.getNode(name);
  }

  nodes(): readonly NodeInfo[] {
    return this.snap.nodes();
  }

  /** Run the scheduler's filter plugins for `pod` on `ni`; undefined = fits. */
  check(pod: PodInfo, ni: NodeInfo): NodeStatus | undefined {
    return filterNode(new CycleState(this.snap, pod), ni, { ignoreNominated: true });
  }
}

/** The CA's HintingSimulator: where did pods of this kind fit last time, and a round-robin cursor. */
export class HintingSimulator {
  private hints = new Map<string, string>();
  private lastIndex = 0;

  /**
   * Try to place `pod` on a node accepted by `accept`; on success the pod is added to the snapshot
   * and the node name returned.
   */
  trySchedule(s: CaSnapshot, pod: PodInfo, accept: (ni: NodeInfo) => boolean, hintKey?: string): string | undefined {
    const key = hintKey ?? pod.key;
    const hinted = this.hints.get(key);
    if (hinted) {
      const ni = s.getNode(hinted);
      if (ni && accept(ni) && s.check(pod, ni) === undefined) {
        s.addPod(pod, ni.name);
        return ni.name;
      }
    }
    const nodes = s.nodes();
    const n = nodes.length;
    for (let k = 0; k < n; k++) {
      const i = (this.lastIndex + k) % n;
      const ni = nodes[i]!;
      if (!accept(ni)) continue;
      if (s.check(pod, ni) !== undefined) continue;
      this.lastIndex = i;
      this.hints.set(key, ni.name);
      s.addPod(pod, ni.name);
      return ni.name;
    }
    return undefined;
  }
}

/** A PodInfo for a pod object that is not placed anywhere yet. */
export function podInfo(pod: PodObject): PodInfo {
  return new PodInfo(pod);
}
