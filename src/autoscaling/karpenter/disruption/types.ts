/**
 * Shapes the disruption controller works with. The scheduling simulation is K3's provisioning
 * `solve()` (src/autoscaling/karpenter/scheduler.ts); its input/output are restated here structurally
 * so this folder depends only on the contract, and tests may inject a simulator.
 */
import type { KubeObject } from "../../../api/meta.js";
import type { CloudInstanceType } from "../../../cloud/provider.js";
import type { NodePool } from "../api.js";
import type { StateNode } from "../state.js";
import type { DisruptionReason } from "./budgets.js";

import type { NewNodeClaimPlan, SolveInput, SolveResults } from "../scheduler.js";
export type { SolveInput, SolveResults };
/** One new NodeClaim of a simulation (K3's NewNodeClaimPlan). */
export type NewNodeClaimResult = NewNodeClaimPlan;

export type SolveFn = (input: SolveInput) => SolveResults;

/** What ClusterState offers the disruption controller (K3's class satisfies it). */
export interface StateView {
  nodes(): StateNode[];
  markForDeletion(...names: string[]): void;
  unmarkForDeletion(...names: string[]): void;
  isNominated(name: string): boolean;
  /** NominateNodeForPod: block the node's disruption until `untilMs`. */
  nominate(name: string, untilMs: number): void;
  pendingPods(): KubeObject[];
  reschedulablePods(n: StateNode): KubeObject[];
  generation: number;
}

export interface Candidate {
  /** State node name (= Node name). */
  name: string;
  stateNode: StateNode;
  node: KubeObject;
  nodeClaim: KubeObject;
  nodePool: NodePool;
  nodePoolName: string;
  instanceType: CloudInstanceType;
  capacityType: string;
  zone: string;
  /** Cheapest offering compatible with the node's labels ($/h). */
  price: number;
  pods: KubeObject[];
  reschedulablePods: KubeObject[];
  disruptionCost: number;
}

export type Decision = "delete" | "replace" | "no-op";

export interface Command {
  candidates: Candidate[];
  replacements: NewNodeClaimResult[];
  /** The scheduling simulation the command came from (recorded when it executes); none for empty-node deletes. */
  results?: SolveResults;
}

export function decisionOf(cmd: Command | undefined): Decision {
  if (!cmd || cmd.candidates.length === 0) return "no-op";
  return cmd.replacements.length > 0 ? "replace" : "delete";
}

export type MethodName = "drift" | "emptiness" | "multi-node" | "single-node";

/** One explained decision about one node (for reports and describe). */
export interface DecisionRecord {
  t: number;
  method: MethodName | "candidates" | "validation" | "execution";
  node: string;
  nodeClaim?: string;
  outcome: "disrupted" | "skipped" | "blocked" | "rejected";
  reason: string;
}

export type { DisruptionReason };
