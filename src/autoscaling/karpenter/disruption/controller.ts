/**
 * Karpenter's disruption controller (v1.0–v1.2, spec §7): a singleton loop polling every 10 s that
 * tries Drift → Emptiness → Multi-node → Single-node consolidation and stops at the first method that
 * starts a command; consolidation commands are re-validated after 15 s; commands run through an
 * orchestration queue (taint, launch replacements, wait for Initialized, delete the candidates).
 * Every candidate considered gets a DecisionRecord saying why it was or was not disrupted.
 */
import type { Controller, ControllerContext } from "../../../api/controller.js";
import type { Logger } from "../../../api/logs.js";
import type { KubeObject } from "../../../api/meta.js";
import { ownerRef } from "../../../api/meta.js";
import { formatDuration } from "../../../core/duration.js";
import type { Rng } from "../../../core/rng.js";
import type { CloudInstanceType, CloudProvider } from "../../../cloud/provider.js";
import { Requirements } from "../../../scheduling/requirements.js";
import {
  CAPACITY_TYPE_LABEL,
  COND_DISRUPTION_REASON,
  COND_INITIALIZED,
  DISRUPTED_TAINT_KEY,
  EC2NODECLASS_HASH_ANNOTATION,
  EC2NODECLASS_HASH_VERSION,
  EC2NODECLASS_HASH_VERSION_ANNOTATION,
  EC2NODECLASS_LABEL,
  INSTANCE_TYPE_LABEL,
  NODEPOOL_HASH_ANNOTATION,
  NODEPOOL_HASH_VERSION,
  NODEPOOL_HASH_VERSION_ANNOTATION,
  NODEPOOL_LABEL,
  TERMINATION_FINALIZER,
  clearCondition,
  ec2NodeClassHash,
  isConditionTrue,
  nodePoolHash,
  setCondition,
  type Condition,
  type EC2NodeClass,
  type NodePool,
} from "../api.js";
import { cloudProvider, formatResourceList, KARPENTER_EVENT_SOURCE, KARPENTER_LOG_COMPONENT, reconcileId } from "../common.js";
import { karpenterMetrics, type KarpenterMetrics } from "../metrics.js";
import { recordOfferings } from "../offering-metrics.js";
import { solve as defaultSolve } from "../scheduler.js";
import type { StateNode } from "../state.js";
import { buildBudgetMapping, type DisruptionReason } from "./budgets.js";
import { newCandidate, PdbLimits, type CandidateContext } from "./candidates.js";
import {
  computeConsolidation,
  driftedSince,
  filterOutSameType,
  METHODS,
  MULTI_NODE_MAX_CANDIDATES,
  nonPendingErrorsMessage,
  simulateScheduling,
  sortByCost,
  type MethodDef,
  type SimInputs,
} from "./engine.js";
import { decisionOf, type Candidate, type Command, type DecisionRecord, type SolveFn, type SolveResults, type StateView } from "./types.js";

export const DISRUPTION_POLL_MS = 10_000;
export const CONSOLIDATION_TTL_MS = 15_000;
export const CONSOLIDATED_RECHECK_MS = 5 * 60_000;
/** orchestration.maxRetryDuration (v1.0–v1.2): a command whose replacements are not initialized by then is rolled back. */
export const COMMAND_TIMEOUT_MS = 10 * 60_000;
/** The queue singleton polls every second while it has nothing ready. */
export const QUEUE_POLL_MS = 1_000;
/** orchestration.queueBaseDelay / queueMaxDelay: the per-command exponential back-off of the rate-limited queue. */
export const QUEUE_BASE_DELAY_MS = 1_000;
export const QUEUE_MAX_DELAY_MS = 10_000;
/** A replacement missing this soon after the command was queued may be eventual consistency, not a failure. */
const REPLACEMENT_NOT_FOUND_GRACE_MS = 5_000;
/** state.Cluster nomination window: max(2 × BATCH_MAX_DURATION, 10 s). */
const NOMINATION_MS = 20_000;

export interface DisruptionOptions {
  state: StateView;
  solve?: SolveFn;
  /** Feature gate SpotToSpotConsolidation (default off). */
  spotToSpotConsolidation?: boolean;
  /** Override the cloud provider (else services[CLOUD_PROVIDER_SERVICE]). */
  cloud?: CloudProvider;
}

interface QueuedCommand {
  id: string;
  method: MethodDef;
  candidates: Candidate[];
  replacements: string[];
  initialized: Set<string>;
  /** Command.timeAdded */
  started: number;
  /** the rate limiter's failure count for this command */
  failures: number;
  /** the error of the last recoverable attempt, reported if the command fails */
  lastError?: string;
}

interface Pending {
  method: MethodDef;
  cmd: Command;
  at: number;
}

/** Command.String() of v1.0–v1.2 (including the reduce quirk: P = pods of the last candidate). */
export function commandString(cmd: Command): string {
  const cs = cmd.candidates;
  const pods = cs.length > 0 ? cs[cs.length - 1]!.reschedulablePods.length : 0;
  let s = `${decisionOf(cmd)}, terminating ${cs.length} nodes (${pods} pods) `;
  s += cs.map((c) => `${c.name}/${c.stateNode.labels[INSTANCE_TYPE_LABEL] ?? ""}/${c.stateNode.labels[CAPACITY_TYPE_LABEL] ?? ""}`).join(", ");
  if (cmd.replacements.length === 0) return s;
  if (cmd.replacements.length > 1) {
    let od = 0;
    let spot = 0;
    for (const r of cmd.replacements) {
      const ct = Requirements.fromNodeSelector(r.requirements).get(CAPACITY_TYPE_LABEL);
      if (!ct || ct.has("on-demand")) od++;
      if (!ct || ct.has("spot")) spot++;
    }
    return `${s} and replacing with ${spot} spot and ${od} on-demand, from types ${instanceTypeList(cmd.replacements[0]!.instanceTypeOptions)}`;
  }
  const ct = Requirements.fromNodeSelector(cmd.replacements[0]!.requirements).get(CAPACITY_TYPE_LABEL);
  const desc = ct && !ct.complement && ct.values.size === 1 ? `${ct.any()} node` : "node";
  return `${s} and replacing with ${desc} from types ${instanceTypeList(cmd.replacements[0]!.instanceTypeOptions)}`;
}

/** scheduling.InstanceTypeList: first 5 names, then " and N other(s)". */
export function instanceTypeList(its: readonly { name: string }[]): string {
  let s = "";
  for (let i = 0; i < its.length; i++) {
    if (i > 4) {
      s += ` and ${its.length - i} other(s)`;
      break;
    } else if (i > 0) s += ", ";
    s += its[i]!.name;
  }
  return s;
}

/** cases.Title(language.Und, cases.NoLower): upper-case the first letter of each word ("Underutilized/replace" → "Underutilized/Replace"). */
export function titleCase(s: string): string {
  return s.replace(/(^|[^A-Za-z0-9'])([a-z])/g, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

export class DisruptionController implements Controller {
  readonly name = "karpenter.disruption";
  private ctx!: ControllerContext;
  private log!: Logger;
  private rng!: Rng;
  private metrics!: KarpenterMetrics;
  private readonly solve: SolveFn;
  private pending?: Pending;
  private queue: QueuedCommand[] = [];
  private consolidated = new Map<string, { key: string; at: number }>();
  private eventDedupe = new Map<string, number>();
  private records: DecisionRecord[] = [];
  private stopped = false;
  /** Counters for benchmarks/reports. */
  readonly stats = { passes: 0, candidatesEvaluated: 0, simulations: 0, commands: 0 };

  constructor(private readonly opts: DisruptionOptions) {
    this.solve = opts.solve ?? defaultSolve;
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    this.rng = ctx.rng.fork("karpenter-disruption");
    this.metrics = karpenterMetrics(ctx.services);
    ctx.clock.after(DISRUPTION_POLL_MS, () => this.loop());
  }

  stop(): void {
    this.stopped = true;
  }

  /** Explanations of recent decisions (most recent last, bounded). */
  decisions(): readonly DecisionRecord[] {
    return this.records;
  }

  /** Commands in the orchestration queue (node names). */
  inFlight(): Array<{ id: string; reason: DisruptionReason; nodes: string[]; replacements: string[] }> {
    return this.queue.map((q) => ({ id: q.id, reason: q.method.reason, nodes: q.candidates.map((c) => c.name), replacements: q.replacements }));
  }

  private record(method: DecisionRecord["method"], r: Omit<DecisionRecord, "t" | "method">): void {
    this.records.push({ t: this.ctx.clock.now(), method, ...r });
    if (this.records.length > 2000) this.records.splice(0, this.records.length - 1000);
  }

  private event(obj: KubeObject, reason: string, message: string, dedupeMs = 120_000, dedupeKey = ""): void {
    const key = `${obj.kind}/${obj.metadata.uid ?? obj.metadata.name}/${reason}/${dedupeKey}`;
    const now = this.ctx.clock.now();
    const last = this.eventDedupe.get(key);
    if (last !== undefined && now - last < dedupeMs) return;
    this.eventDedupe.set(key, now);
    this.ctx.events.record(obj, "Normal", reason, message, KARPENTER_EVENT_SOURCE);
  }

  private logDisruption(message: string, values: Record<string, unknown>, level: "info" | "debug" = "info"): void {
    this.log[level](message, {
      controller: "disruption",
      namespace: "",
      name: "",
      reconcileID: reconcileId(this.rng),
      ...values,
    });
  }

  // ------------------------------------------------------------------------------ loop

  private loop(): void {
    if (this.stopped) return;
    let acted = false;
    try {
      acted = this.pass();
    } catch (e) {
      this.log.error("disrupting via reconcile", { controller: "disruption", error: (e as Error).message });
    }
    if (this.pending) return; // resumes after validation
    this.ctx.clock.after(acted ? 0 : DISRUPTION_POLL_MS, () => this.loop());
  }

  private parseTime = (s: string): number => this.ctx.clock.parseIso(s);

  private cloud(): CloudProvider | undefined {
    return this.opts.cloud ?? cloudProvider(this.ctx);
  }

  private nodeClassOf(np: NodePool): EC2NodeClass | undefined {
    const ref = np.spec?.template?.spec?.nodeClassRef;
    return ref ? this.ctx.store.get<EC2NodeClass>("EC2NodeClass", undefined, ref.name) : undefined;
  }

  /** Snapshot shared by every method of one pass. */
  private snapshot(): { sim: SimInputs; candCtx: Omit<CandidateContext, "disruptionClass">; nodes: StateNode[] } {
    const store = this.ctx.store;
    const cloud = this.cloud();
    const nodePools = new Map<string, NodePool>();
    const itMaps = new Map<string, Map<string, CloudInstanceType>>();
    const itLists = new Map<string, CloudInstanceType[]>();
    const ready: NodePool[] = [];
    for (const np of store.list<NodePool>("NodePool")) {
      const name = np.metadata.name!;
      nodePools.set(name, np);
      const nc = this.nodeClassOf(np);
      if (!cloud) continue;
      const its = cloud.instanceTypes(nc);
      recordOfferings(this.metrics, its);
      itLists.set(name, its);
      const m = new Map<string, CloudInstanceType>();
      for (const it of its) m.set(it.name, it);
      itMaps.set(name, m);
      const readyCond = (np.status?.conditions ?? []).find((c) => c.type === "Ready");
      if (!np.metadata.deletionTimestamp && (!readyCond || readyCond.status === "True")) ready.push(np);
    }
    ready.sort((a, b) => (b.spec.weight ?? 0) - (a.spec.weight ?? 0) || (a.metadata.name! < b.metadata.name! ? 1 : a.metadata.name! > b.metadata.name! ? -1 : 0));
    const sim: SimInputs = {
      state: this.opts.state,
      solve: this.solve,
      nodePools: ready,
      instanceTypes: itLists,
      daemonSets: store.list("DaemonSet"),
    };
    const inQueue = new Set<string>();
    for (const q of this.queue) for (const c of q.candidates) inQueue.add(c.name);
    const candCtx = {
      store,
      state: this.opts.state,
      now: this.ctx.clock.now(),
      parseTime: this.parseTime,
      nodePools,
      instanceTypes: itMaps,
      pdbs: new PdbLimits(store),
      inQueue,
    };
    return { sim, candCtx, nodes: this.opts.state.nodes() };
  }

  private consolidationKey(): string {
    let k = String(this.opts.state.generation);
    for (const np of this.ctx.store.list("NodePool")) k += `|${np.metadata.resourceVersion}`;
    return k;
  }

  private isConsolidated(m: MethodDef): boolean {
    if (m.name === "drift") return false;
    const c = this.consolidated.get(m.name);
    return !!c && c.key === this.consolidationKey() && this.ctx.clock.now() - c.at < CONSOLIDATED_RECHECK_MS;
  }

  private markConsolidated(m: MethodDef): void {
    this.consolidated.set(m.name, { key: this.consolidationKey(), at: this.ctx.clock.now() });
  }

  private candidatesFor(m: MethodDef, nodes: StateNode[], candCtx: Omit<CandidateContext, "disruptionClass">, emit: boolean): Candidate[] {
    const ctx: CandidateContext = { ...candCtx, disruptionClass: m.disruptionClass };
    const out: Candidate[] = [];
    for (const sn of nodes) {
      if (!sn.nodeClaim) continue;
      const r = newCandidate(sn, ctx);
      this.stats.candidatesEvaluated++;
      if (!r.ok) {
        if (emit) {
          this.record(m.name, { node: sn.name, nodeClaim: sn.nodeClaim.metadata.name, outcome: "blocked", reason: r.reason });
          if (r.event) {
            if (sn.node) this.event(sn.node, "DisruptionBlocked", `Cannot disrupt Node: ${r.reason}`);
            this.event(sn.nodeClaim, "DisruptionBlocked", `Cannot disrupt NodeClaim: ${r.reason}`);
          }
        }
        continue;
      }
      const rec = (x: Omit<DecisionRecord, "t" | "method">) => (emit ? this.record(m.name, x) : undefined);
      if (m.shouldDisrupt(r.candidate, rec)) out.push(r.candidate);
    }
    return out;
  }

  private budgets(m: MethodDef, nodes: StateNode[], pools: Map<string, NodePool>, emit: boolean): Map<string, number> {
    const bn = nodes.map((n) => ({
      nodePoolName: n.labels[NODEPOOL_LABEL],
      managed: !!n.nodeClaim,
      initialized: n.initialized,
      ready: !n.node || !!(n.node.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True"),
      markedForDeletion: n.markedForDeletion,
    }));
    const bp = [...pools.values()].map((np) => ({ name: np.metadata.name!, budgets: np.spec.disruption?.budgets }));
    const { available, allowed } = buildBudgetMapping(bn, bp, this.ctx.clock.epochMs + this.ctx.clock.now(), m.reason);
    if (emit) {
      for (const [name, a] of allowed) {
        this.metrics.nodePoolAllowedDisruptions.set({ nodepool: name, reason: m.reason.toLowerCase() }, a);
        if (a === 0) this.event(pools.get(name)!, "DisruptionBlocked", `No allowed disruptions for disruption reason ${m.reason} due to blocking budget`, 60_000, m.reason);
      }
    }
    return available;
  }

  /**
   * Dry run of one method: the command it would start now (before the 15 s validation), without
   * tainting, launching or deleting anything. Ignores the "consolidated" cache.
   */
  dryRun(method: MethodDef["name"]): { command?: Command; message?: string; candidates: number } {
    const m = METHODS.find((x) => x.name === method)!;
    const { sim, candCtx, nodes } = this.snapshot();
    const candidates = this.candidatesFor(m, nodes, candCtx, false);
    const budget = this.budgets(m, nodes, candCtx.nodePools, false);
    const cmd = candidates.length ? this.compute(m, candidates, budget, sim) : undefined;
    return { command: cmd, message: cmd ? `disrupting nodeclaim(s) via ${commandString(cmd)}` : undefined, candidates: candidates.length };
  }

  /** One pass; true when a command was started (or a validation is pending). */
  pass(): boolean {
    this.stats.passes++;
    this.cleanupStaleTaints();
    const { sim, candCtx, nodes } = this.snapshot();
    for (const m of METHODS) {
      if (this.isConsolidated(m)) continue;
      const candidates = this.candidatesFor(m, nodes, candCtx, true);
      this.metrics.disruptionEligibleNodes.set({ reason: m.reason.toLowerCase() }, candidates.length);
      if (candidates.length === 0) {
        if (m.name !== "drift") this.markConsolidated(m);
        continue;
      }
      const budget = this.budgets(m, nodes, candCtx.nodePools, true);
      const cmd = this.compute(m, candidates, budget, sim);
      if (!cmd) continue;
      if (m.name === "drift") {
        this.execute(m, cmd, sim);
        return true;
      }
      // Emptiness and consolidation: re-validate after 15 s (the reconcile blocks meanwhile).
      this.pending = { method: m, cmd, at: this.ctx.clock.now() };
      this.ctx.clock.after(CONSOLIDATION_TTL_MS, () => this.finishValidation());
      return true;
    }
    return false;
  }

  private compute(m: MethodDef, candidates: Candidate[], budget: Map<string, number>, sim: SimInputs): Command | undefined {
    switch (m.name) {
      case "drift":
        return this.computeDrift(candidates, budget, sim);
      case "emptiness":
        return this.computeEmptiness(m, candidates, budget);
      case "multi-node":
        return this.computeMulti(m, candidates, budget, sim);
      case "single-node":
        return this.computeSingle(m, candidates, budget, sim);
    }
  }

  private resched = (n: StateNode): KubeObject[] => this.opts.state.reschedulablePods(n);

  private computeDrift(candidates: Candidate[], budget: Map<string, number>, sim: SimInputs): Command | undefined {
    const sorted = [...candidates].sort((a, b) => driftedSince(a, this.parseTime) - driftedSince(b, this.parseTime) || (a.name < b.name ? -1 : 1));
    const empty: Candidate[] = [];
    for (const c of sorted) {
      if (c.reschedulablePods.length > 0) continue;
      if ((budget.get(c.nodePoolName) ?? 0) > 0) {
        empty.push(c);
        budget.set(c.nodePoolName, budget.get(c.nodePoolName)! - 1);
      } else this.record("drift", { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "skipped", reason: "disruption budget exhausted for Drifted" });
    }
    if (empty.length > 0) return { candidates: empty, replacements: [] };
    for (const c of sorted) {
      if ((budget.get(c.nodePoolName) ?? 0) === 0) {
        this.record("drift", { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "skipped", reason: "disruption budget exhausted for Drifted" });
        continue;
      }
      this.stats.simulations++;
      const s = simulateScheduling(sim, [c], this.resched);
      if (s.candidateDeleting) continue;
      if (s.nonPendingErrors.size > 0) {
        const msg = nonPendingErrorsMessage(s.nonPendingErrors);
        this.event(c.node, "DisruptionBlocked", `Cannot disrupt Node: ${msg}`);
        this.event(c.nodeClaim, "DisruptionBlocked", `Cannot disrupt NodeClaim: ${msg}`);
        this.record("drift", { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "skipped", reason: msg });
        continue;
      }
      return { candidates: [c], replacements: s.results.newNodeClaims, results: s.results };
    }
    return undefined;
  }

  private computeEmptiness(m: MethodDef, candidates: Candidate[], budget: Map<string, number>): Command | undefined {
    const sorted = sortByCost(candidates);
    const empty: Candidate[] = [];
    let constrained = false;
    for (const c of sorted) {
      if (c.reschedulablePods.length > 0) continue;
      if ((budget.get(c.nodePoolName) ?? 0) === 0) {
        constrained = true;
        this.record(m.name, { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "skipped", reason: "disruption budget exhausted for Empty" });
        continue;
      }
      empty.push(c);
      budget.set(c.nodePoolName, budget.get(c.nodePoolName)! - 1);
    }
    if (empty.length === 0) {
      if (!constrained) this.markConsolidated(m);
      return undefined;
    }
    return { candidates: empty, replacements: [] };
  }

  private computeMulti(m: MethodDef, candidates: Candidate[], budget: Map<string, number>, sim: SimInputs): Command | undefined {
    const sorted = sortByCost(candidates);
    const disruptable: Candidate[] = [];
    let constrained = false;
    for (const c of sorted) {
      if ((budget.get(c.nodePoolName) ?? 0) === 0) {
        constrained = true;
        continue;
      }
      if (c.reschedulablePods.length === 0) continue;
      disruptable.push(c);
      budget.set(c.nodePoolName, budget.get(c.nodePoolName)! - 1);
    }
    const max = Math.min(disruptable.length, MULTI_NODE_MAX_CANDIDATES);
    const cmd = this.firstN(disruptable, max, sim);
    if (!cmd) {
      if (!constrained) this.markConsolidated(m);
      return undefined;
    }
    return cmd;
  }

  /** firstNConsolidationOption: binary search for the largest prefix that deletes or replaces with one cheaper node. */
  private firstN(cands: Candidate[], max: number, sim: SimInputs): Command | undefined {
    if (cands.length < 2) return undefined;
    let lo = 1;
    let hi = cands.length <= max ? cands.length - 1 : max;
    let best: Command | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const prefix = cands.slice(0, mid + 1);
      this.stats.simulations++;
      const out = computeConsolidation(sim, { spotToSpotConsolidation: !!this.opts.spotToSpotConsolidation }, prefix, this.resched);
      const cmd = out.cmd;
      let ok = false;
      if (cmd && cmd.replacements.length > 0) {
        const r = cmd.replacements[0]!;
        r.instanceTypeOptions = filterOutSameType(r, Requirements.fromNodeSelector(r.requirements), prefix);
        ok = r.instanceTypeOptions.length > 0;
      } else if (cmd) ok = true;
      if (ok) {
        best = cmd;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  private computeSingle(m: MethodDef, candidates: Candidate[], budget: Map<string, number>, sim: SimInputs): Command | undefined {
    const sorted = sortByCost(candidates);
    let constrained = false;
    for (const c of sorted) {
      if ((budget.get(c.nodePoolName) ?? 0) === 0) {
        constrained = true;
        this.record(m.name, { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "skipped", reason: "disruption budget exhausted for Underutilized" });
        continue;
      }
      if (c.reschedulablePods.length === 0) continue;
      this.stats.simulations++;
      const out = computeConsolidation(sim, { spotToSpotConsolidation: !!this.opts.spotToSpotConsolidation }, [c], this.resched);
      if (out.unconsolidatable) {
        this.event(c.node, "Unconsolidatable", out.unconsolidatable, 15 * 60_000, out.unconsolidatable);
        this.event(c.nodeClaim, "Unconsolidatable", out.unconsolidatable, 15 * 60_000, out.unconsolidatable);
        this.record(m.name, { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "skipped", reason: out.unconsolidatable });
      }
      if (out.cmd) return out.cmd;
    }
    if (!constrained) this.markConsolidated(m);
    return undefined;
  }

  // ------------------------------------------------------------------------------ validation

  private finishValidation(): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p || this.stopped) return;
    let acted = false;
    try {
      const reason = this.validate(p);
      if (reason === undefined) {
        this.execute(p.method, p.cmd, this.snapshot().sim);
        acted = true;
      } else {
        this.metrics.disruptionFailedValidations.inc({ consolidation_type: p.method.consolidationType });
        const what = p.method.name === "emptiness" ? "empty node consolidation" : p.method.name === "multi-node" ? "multi-node consolidation" : "single-node consolidation";
        this.logDisruption(`abandoning ${what} attempt due to pod churn, command is no longer valid`, { reason: reason }, "debug");
        for (const c of p.cmd.candidates) this.record("validation", { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "rejected", reason });
      }
    } catch (e) {
      this.log.error("validating consolidation", { controller: "disruption", error: (e as Error).message });
    }
    this.ctx.clock.after(acted ? 0 : DISRUPTION_POLL_MS, () => this.loop());
  }

  /** Validation.IsValid after the TTL; returns the failure reason or undefined. */
  private validate(p: Pending): string | undefined {
    const { sim, candCtx, nodes } = this.snapshot();
    const fresh = this.candidatesFor(p.method, nodes, candCtx, false);
    const byName = new Map(fresh.map((c) => [c.name, c]));
    const validated: Candidate[] = [];
    for (const c of p.cmd.candidates) {
      const f = byName.get(c.name);
      if (f) validated.push(f);
    }
    if (validated.length !== p.cmd.candidates.length) return `${p.cmd.candidates.length - validated.length} candidates are no longer valid`;
    const budget = this.budgets(p.method, nodes, candCtx.nodePools, false);
    for (const c of validated) {
      if (this.opts.state.isNominated(c.name)) return "a candidate was nominated during validation";
      if ((budget.get(c.nodePoolName) ?? 0) === 0) return "a candidate can no longer be disrupted without violating budgets";
      budget.set(c.nodePoolName, budget.get(c.nodePoolName)! - 1);
    }
    if (p.method.name === "emptiness") {
      if (validated.some((c) => c.reschedulablePods.length !== 0)) return "a candidate is no longer empty";
      return undefined;
    }
    this.stats.simulations++;
    const s = simulateScheduling(sim, validated, this.resched);
    if (s.candidateDeleting) return "a candidate is deleting";
    if (s.nonPendingErrors.size > 0) return "all pending pods could not be scheduled";
    const n = s.results.newNodeClaims.length;
    if (n === 0) return p.cmd.replacements.length === 0 ? undefined : "scheduling simulation produced new results";
    if (n > 1 || p.cmd.replacements.length === 0) return "scheduling simulation produced new results";
    const allowed = new Set(s.results.newNodeClaims[0]!.instanceTypeOptions.map((it) => it.name));
    for (const it of p.cmd.replacements[0]!.instanceTypeOptions) if (!allowed.has(it.name)) return "scheduling simulation produced new results";
    return undefined;
  }

  // ------------------------------------------------------------------------------ execution

  private execute(m: MethodDef, cmd: Command, sim: SimInputs): void {
    const id = reconcileId(this.rng);
    const reason = m.reason.toLowerCase();
    this.logDisruption(`disrupting nodeclaim(s) via ${commandString(cmd)}`, { "command-id": id, reason });
    this.stats.commands++;
    // MarkDisrupted: taint, then the DisruptionReason condition (v1.0–v1.2: reason "DisruptionReason", message the method's reason)
    for (const c of cmd.candidates) {
      this.setDisruptedTaint(c.name, true);
      this.setDisruptionReason(c.nodeClaim.metadata.name!, m.reason);
    }
    const replacementNames: string[] = [];
    try {
      for (const r of cmd.replacements) replacementNames.push(this.createReplacement(r, reason));
    } catch (e) {
      for (const c of cmd.candidates) this.setDisruptedTaint(c.name, false);
      this.log.error("disrupting via reconcile", { controller: "disruption", error: `launching replacement nodeclaim (command-id: ${id}), ${(e as Error).message}` });
      return;
    }
    void sim;
    // schedulingResults.Record: nominate the nodes the moved pods were simulated onto, so the next pass
    // does not pick them as candidates while pods are on their way (and say where each pod should go).
    if (cmd.results) this.recordResults(cmd.results);
    this.opts.state.markForDeletion(...cmd.candidates.map((c) => c.name));
    this.metrics.disruptionDecisions.inc({ decision: decisionOf(cmd), reason, consolidation_type: m.consolidationType });
    for (const c of cmd.candidates) {
      this.record(m.name, {
        node: c.name,
        nodeClaim: c.nodeClaim.metadata.name,
        outcome: "disrupted",
        reason: `${reason}: ${decisionOf(cmd)}${replacementNames.length ? ` (replacement ${replacementNames.join(", ")})` : ""}, $${c.price.toFixed(4)}/h`,
      });
    }
    const q: QueuedCommand = { id, method: m, candidates: cmd.candidates, replacements: replacementNames, initialized: new Set(), started: this.ctx.clock.now(), failures: 0 };
    this.queue.push(q);
    this.ctx.clock.after(QUEUE_POLL_MS, () => this.processCommand(q));
  }

  /**
   * scheduling.Results.Record as the disruption controller calls it (with a no-op logger): pods that
   * cannot schedule get FailedScheduling, every existing node that receives pods is nominated for
   * the nomination window, and each of those pods gets `Nominated`.
   */
  private recordResults(results: SolveResults): void {
    const store = this.ctx.store;
    for (const key of results.podErrors.keys()) {
      const [ns, name] = key.split("/");
      const pod = store.get("Pod", ns, name!);
      if (pod) this.ctx.events.record(pod, "Warning", "FailedScheduling", `Failed to schedule pod, ${results.podErrors.get(key)}`, KARPENTER_EVENT_SOURCE);
    }
    if (results.existingNodes.length === 0) return;
    const until = this.ctx.clock.now() + NOMINATION_MS;
    const byName = new Map<string, StateNode>();
    for (const n of this.opts.state.nodes()) byName.set(n.name, n);
    for (const e of results.existingNodes) {
      if (e.pods.length === 0) continue;
      this.opts.state.nominate(e.name, until);
      const sn = byName.get(e.name);
      const parts: string[] = [];
      if (sn?.nodeClaim) parts.push(`nodeclaim/${sn.nodeClaim.metadata.name}`);
      if (sn?.node) parts.push(`node/${sn.node.metadata.name}`);
      for (const p of e.pods) this.ctx.events.record(p, "Normal", "Nominated", `Pod should schedule on: ${parts.join(", ")}`, KARPENTER_EVENT_SOURCE);
    }
  }

  private setDisruptedTaint(nodeName: string, add: boolean): void {
    this.ctx.store.mutate("Node", undefined, nodeName, (n) => {
      const taints: Array<{ key: string; effect: string; value?: string }> = n.spec?.taints ?? [];
      const has = taints.some((t) => t.key === DISRUPTED_TAINT_KEY && t.effect === "NoSchedule");
      if (add === has) return false;
      n.spec = n.spec ?? {};
      n.spec.taints = add ? [...taints, { key: DISRUPTED_TAINT_KEY, effect: "NoSchedule" }] : taints.filter((t) => !(t.key === DISRUPTED_TAINT_KEY && t.effect === "NoSchedule"));
    });
  }

  /** The NodeClaim's DisruptionReason condition: set when a command starts, cleared when it is rolled back. */
  private setDisruptionReason(claimName: string, reason: DisruptionReason | undefined): void {
    const nc = this.ctx.store.get("NodeClaim", undefined, claimName);
    if (!nc || (nc.metadata.deletionTimestamp && reason !== undefined)) return;
    const conds: Condition[] = nc.status?.conditions ?? [];
    const had = conds.some((c) => c.type === COND_DISRUPTION_REASON);
    if (reason === undefined && !had) return;
    const next = reason === undefined ? clearCondition(conds, COND_DISRUPTION_REASON) : setCondition(conds, COND_DISRUPTION_REASON, "True", COND_DISRUPTION_REASON, reason, this.ctx.clock.iso(), nc.metadata.generation);
    if (JSON.stringify(next) !== JSON.stringify(conds)) this.ctx.store.setStatus(nc, { ...(nc.status ?? {}), conditions: next });
  }

  /** Remove `karpenter.sh/disrupted` taints and DisruptionReason conditions of nodes no command owns (and not deleting). */
  private cleanupStaleTaints(): void {
    const owned = new Set<string>();
    for (const q of this.queue) for (const c of q.candidates) owned.add(c.name);
    if (this.pending) for (const c of this.pending.cmd.candidates) owned.add(c.name);
    for (const n of this.opts.state.nodes()) {
      if (!n.node || owned.has(n.name) || n.node.metadata.deletionTimestamp || n.nodeClaim?.metadata.deletionTimestamp) continue;
      if (n.taints.some((t) => t.key === DISRUPTED_TAINT_KEY)) this.setDisruptedTaint(n.name, false);
      if (n.nodeClaim && (n.nodeClaim.status?.conditions ?? []).some((c: Condition) => c.type === COND_DISRUPTION_REASON)) {
        this.setDisruptionReason(n.nodeClaim.metadata.name!, undefined);
      }
    }
  }

  private createReplacement(r: Command["replacements"][number], reason: string): string {
    const store = this.ctx.store;
    const np = store.read<NodePool>("NodePool", undefined, r.nodePoolName);
    const nc = this.nodeClassOf(np);
    const tmpl = np.spec.template;
    const reqs = Requirements.fromNodeSelector(r.requirements);
    reqs.delete("kubernetes.io/hostname");
    reqs.delete(INSTANCE_TYPE_LABEL);
    const requirements = [
      ...reqs.toNodeRequirements(),
      { key: INSTANCE_TYPE_LABEL, operator: "In" as const, values: r.instanceTypeOptions.map((it) => it.name) },
    ];
    const labels: Record<string, string> = { ...(tmpl.metadata?.labels ?? {}), ...(r.labels ?? {}), [NODEPOOL_LABEL]: r.nodePoolName };
    if (nc) labels[EC2NODECLASS_LABEL] = nc.metadata.name!;
    const annotations: Record<string, string> = {
      ...(tmpl.metadata?.annotations ?? {}),
      [NODEPOOL_HASH_ANNOTATION]: nodePoolHash(np),
      [NODEPOOL_HASH_VERSION_ANNOTATION]: NODEPOOL_HASH_VERSION,
    };
    if (nc) {
      annotations[EC2NODECLASS_HASH_ANNOTATION] = ec2NodeClassHash(nc);
      annotations[EC2NODECLASS_HASH_VERSION_ANNOTATION] = EC2NODECLASS_HASH_VERSION;
    }
    const claim: KubeObject = {
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { generateName: `${r.nodePoolName}-`, labels, annotations, ownerReferences: [ownerRef(np, false)], finalizers: [TERMINATION_FINALIZER] },
      spec: {
        ...(r.taints?.length || tmpl.spec.taints?.length ? { taints: r.taints?.length ? r.taints : tmpl.spec.taints } : {}),
        ...(r.startupTaints?.length || tmpl.spec.startupTaints?.length ? { startupTaints: r.startupTaints?.length ? r.startupTaints : tmpl.spec.startupTaints } : {}),
        requirements,
        resources: { requests: formatResourceList(r.requests) },
        nodeClassRef: tmpl.spec.nodeClassRef,
        ...(tmpl.spec.expireAfter !== undefined ? { expireAfter: tmpl.spec.expireAfter } : {}),
        ...(tmpl.spec.terminationGracePeriod !== undefined ? { terminationGracePeriod: tmpl.spec.terminationGracePeriod } : {}),
      },
    };
    const created = store.create(claim);
    const name = created.metadata.name!;
    this.log.info("created nodeclaim", {
      controller: "disruption",
      namespace: "",
      name: "",
      reconcileID: reconcileId(this.rng),
      NodePool: { name: r.nodePoolName },
      NodeClaim: { name },
      requests: formatResourceList(r.requests),
      "instance-types": instanceTypeList(r.instanceTypeOptions),
    });
    this.metrics.nodeClaimsCreated.inc({ reason, nodepool: r.nodePoolName, min_values_relaxed: "false" });
    return name;
  }

  /**
   * One attempt of orchestration.Queue.waitOrTerminate for a command (v1.0–v1.2): wait until every
   * replacement is initialized, then delete the candidates. A recoverable failure re-queues the command
   * with the rate limiter's back-off (1 s, 2 s, 4 s, 8 s, then every 10 s); a command older than 10 min,
   * or a replacement that is gone, fails it: the candidates are untainted and unmarked, and the
   * replacements that did launch are left to the rest of Karpenter.
   */
  private processCommand(q: QueuedCommand): void {
    if (this.stopped || !this.queue.includes(q)) return;
    const now = this.ctx.clock.now();
    const store = this.ctx.store;
    const since = now - q.started;
    const title = titleCase(`${q.method.reason}/${q.replacements.length > 0 ? "replace" : "delete"}`);
    if (since > COMMAND_TIMEOUT_MS) return this.failCommand(q, `command reached timeout after ${formatDuration(since)}`);
    const waitErrs: string[] = [];
    for (const name of q.replacements) {
      if (q.initialized.has(name)) continue;
      const nc = store.get("NodeClaim", undefined, name);
      if (!nc) {
        const notFound = `nodeclaims.karpenter.sh "${name}" not found`;
        if (since > REPLACEMENT_NOT_FOUND_GRACE_MS) return this.failCommand(q, `replacement was deleted, ${notFound}`);
        waitErrs.push(`getting node claim, ${notFound}`);
        continue;
      }
      this.event(nc, "DisruptionLaunching", `Launching NodeClaim: ${title}`, 120_000, title);
      if (!isConditionTrue(nc, COND_INITIALIZED)) {
        this.event(nc, "DisruptionWaitingReadiness", "Waiting on readiness to continue disruption");
        waitErrs.push(`nodeclaim ${name} not initialized`);
        continue;
      }
      q.initialized.add(name);
    }
    if (waitErrs.length > 0) {
      q.lastError = `waiting for replacement initialization, ${waitErrs.join("; ")}`;
      const delay = Math.min(QUEUE_BASE_DELAY_MS * 2 ** q.failures, QUEUE_MAX_DELAY_MS);
      q.failures++;
      this.ctx.clock.after(delay, () => this.processCommand(q));
      return;
    }
    for (const c of q.candidates) {
      const node = store.get("Node", undefined, c.name);
      if (node) this.event(node, "DisruptionTerminating", `Disrupting Node: ${title}`, 120_000, title);
      const claim = store.get("NodeClaim", undefined, c.nodeClaim.metadata.name!);
      if (!claim) continue;
      this.event(claim, "DisruptionTerminating", `Disrupting NodeClaim: ${title}`, 120_000, title);
      if (!claim.metadata.deletionTimestamp) {
        store.delete("NodeClaim", undefined, claim.metadata.name!);
        this.metrics.nodeClaimsDisrupted.inc({
          reason: q.method.reason.toLowerCase(),
          nodepool: claim.metadata.labels?.[NODEPOOL_LABEL] ?? "",
          capacity_type: claim.metadata.labels?.[CAPACITY_TYPE_LABEL] ?? "",
        });
      }
    }
    this.removeCommand(q);
  }

  private failCommand(q: QueuedCommand, err: string): void {
    const failedLaunches = q.replacements.filter((r) => !q.initialized.has(r)).length;
    this.metrics.disruptionQueueFailures.inc(
      { decision: q.replacements.length ? "replace" : "delete", reason: q.method.reason.toLowerCase(), consolidation_type: q.method.consolidationType },
      failedLaunches,
    );
    for (const c of q.candidates) {
      this.setDisruptedTaint(c.name, false);
      this.setDisruptionReason(c.nodeClaim.metadata.name!, undefined);
      this.record("execution", { node: c.name, nodeClaim: c.nodeClaim.metadata.name, outcome: "rejected", reason: err });
    }
    this.log.error("failed terminating nodes while executing a disruption command", {
      controller: "disruption.queue",
      namespace: "",
      name: "",
      reconcileID: reconcileId(this.rng),
      "command-id": q.id,
      nodes: q.candidates.map((c) => c.name).join(","),
      error: q.lastError !== undefined ? `${err}; ${q.lastError}` : err,
    });
    this.removeCommand(q);
  }

  /** Queue.Remove: forget the command and unmark its candidates; the reconcile then logs success either way (as v1.2 does). */
  private removeCommand(q: QueuedCommand): void {
    this.queue = this.queue.filter((x) => x !== q);
    this.opts.state.unmarkForDeletion(...q.candidates.map((c) => c.name));
    this.log.debug("command succeeded", { controller: "disruption.queue", namespace: "", name: "", reconcileID: reconcileId(this.rng), "command-id": q.id });
  }
}

/** Factory used by the wiring (K5): `new DisruptionController({ state })`. */
export function disruptionController(opts: DisruptionOptions): DisruptionController {
  return new DisruptionController(opts);
}
export { NOMINATION_MS };
