/**
 * kube-scheduler (1.32 default profile) as a controller over the store.
 *
 * Queue (PriorityQueue): activeQ ordered by priority then queue timestamp; failed pods wait in the
 * unschedulable set until a relevant cluster event (node added/changed, assigned pod deleted/added)
 * moves them back, via the backoff queue while their backoff (1 s doubling to 10 s) runs; pods stuck
 * for more than 5 minutes are flushed back (checked every 30 s). Scheduling takes zero virtual time:
 * a batch runs at `clock.after(0)` whenever the active queue becomes non-empty.
 *
 * Binding sets spec.nodeName and PodScheduled=True and records `Scheduled`. Failures set
 * PodScheduled=False/Unschedulable with FitError's message and record `FailedScheduling`; DefaultPreemption
 * then nominates a node and deletes the victims (`Preempted` events).
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import type { Logger } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import type { WatchEvent } from "../api/store.js";
import type { TimerHandle } from "../core/clock.js";
import { fromLabelSelector, Selector } from "../core/labels.js";
import type { Rng } from "../core/rng.js";
import { fitErrorMessage, schedulePod, type NodeStatus } from "../scheduling/framework.js";
import { ClusterSnapshot, PodInfo } from "../scheduling/nodeinfo.js";
import { preempt, PREEMPTION_BY_SCHEDULER, type PdbInfo } from "../scheduling/preemption.js";

export const SCHEDULER_NAME = "default-scheduler";
export const INITIAL_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 10_000;
export const MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;
export const FLUSH_UNSCHEDULABLE_INTERVAL_MS = 30_000;
export const ERR_NO_NODES = "no nodes available to schedule pods";

type QueueState = "active" | "backoff" | "unschedulable" | "gated" | "none";

interface QueuedPod {
  key: string;
  namespace: string;
  name: string;
  pod: KubeObject;
  priority: number;
  attempts: number;
  /** Queue timestamp (added / last failure). */
  timestamp: number;
  seq: number;
  state: QueueState;
  backoffUntil: number;
  unschedulableSince: number;
  /** Plugins that rejected the pod in its last attempt (empty: error or unknown). */
  plugins: Set<string>;
  backoffTimer?: TimerHandle;
}

/** Plugins whose failures an event may resolve. */
const EVENT_PLUGINS: Record<string, ReadonlySet<string> | "all"> = {
  NodeAdd: "all",
  NodeUpdate: "all",
  AssignedPodDelete: new Set(["NodeResourcesFit", "InterPodAffinity", "PodTopologySpread", "NodePorts"]),
  AssignedPodAdd: new Set(["InterPodAffinity", "PodTopologySpread"]),
  AssignedPodUpdate: new Set(["InterPodAffinity", "PodTopologySpread", "NodeResourcesFit"]),
  NamespaceUpdate: new Set(["InterPodAffinity"]),
};

export interface SchedulerOptions {
  /** percentageOfNodesToScore (0 = adaptive, the default). */
  percentageOfNodesToScore?: number;
}

export class Scheduler implements Controller {
  readonly name = SCHEDULER_NAME;
  readonly snapshot = new ClusterSnapshot();
  private ctx!: ControllerContext;
  private rng!: Rng;
  private log!: Logger;
  private readonly queued = new Map<string, QueuedPod>();
  private heap: QueuedPod[] = [];
  private readonly unschedulable = new Set<QueuedPod>();
  private batch: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private seq = 0;
  private nextStartNodeIndex = 0;
  private moveRequests = 0;
  private nodeSig = new Map<string, string>();
  private unsubs: Array<() => void> = [];
  /** Counters for reports/benchmarks. */
  readonly stats = { attempts: 0, scheduled: 0, unschedulable: 0, preemptions: 0 };

  constructor(private readonly opts: SchedulerOptions = {}) {}

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.rng = ctx.rng.fork("scheduler");
    this.log = ctx.logs.logger(SCHEDULER_NAME);
    const store = ctx.store;
    for (const ns of store.list("Namespace")) this.snapshot.setNamespaceLabels(ns.metadata.name!, ns.metadata.labels);
    for (const n of store.list("Node")) this.onNode({ type: "ADDED", object: n });
    for (const p of store.list("Pod")) this.onPod({ type: "ADDED", object: p });
    this.unsubs.push(store.watch("Node", (ev) => this.onNode(ev)));
    this.unsubs.push(store.watch("Pod", (ev) => this.onPod(ev)));
    this.unsubs.push(
      store.watch("Namespace", (ev) => {
        if (ev.type === "DELETED") return;
        this.snapshot.setNamespaceLabels(ev.object.metadata.name!, ev.object.metadata.labels);
        this.onClusterEvent("NamespaceUpdate");
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
    if (this.batch) this.ctx.clock.cancel(this.batch);
    if (this.flushTimer) this.ctx.clock.cancel(this.flushTimer);
    for (const qp of this.queued.values()) if (qp.backoffTimer) this.ctx.clock.cancel(qp.backoffTimer);
  }

  /** Pending pods known to the queue, by state (for tests and reports). */
  queueSizes(): Record<QueueState, number> {
    const out: Record<QueueState, number> = { active: 0, backoff: 0, unschedulable: 0, gated: 0, none: 0 };
    for (const qp of this.queued.values()) out[qp.state]++;
    return out;
  }

  // ------------------------------------------------------------------ informers

  private onNode(ev: WatchEvent): void {
    const node = ev.object;
    const name = node.metadata.name!;
    if (ev.type === "DELETED") {
      this.snapshot.removeNode(name);
      this.nodeSig.delete(name);
      return;
    }
    const ready = (node.status?.conditions ?? []).find((c: any) => c.type === "Ready")?.status ?? "";
    const sig = JSON.stringify([node.metadata.labels, node.spec?.taints, node.spec?.unschedulable, node.status?.allocatable ?? node.status?.capacity, ready]);
    const prev = this.nodeSig.get(name);
    if (prev === sig && this.snapshot.getNode(name)) return;
    this.nodeSig.set(name, sig);
    this.snapshot.upsertNode(node);
    this.onClusterEvent(prev === undefined ? "NodeAdd" : "NodeUpdate");
  }

  private onPod(ev: WatchEvent): void {
    const pod = ev.object;
    const key = `${pod.metadata.namespace ?? "default"}/${pod.metadata.name}`;
    if (ev.type === "DELETED") {
      this.dequeue(key);
      if (this.snapshot.removePod(key)) this.onClusterEvent("AssignedPodDelete");
      return;
    }
    const nodeName: string | undefined = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    const terminal = phase === "Succeeded" || phase === "Failed";
    if (nodeName) {
      this.dequeue(key);
      const existing = this.snapshot.getPod(key);
      if (terminal) {
        if (existing) {
          this.snapshot.removePod(key);
          this.onClusterEvent("AssignedPodDelete");
        }
        return;
      }
      if (existing && existing.nodeName === nodeName && samePlacement(existing.pod as KubeObject, pod)) {
        existing.pod = pod; // status refresh (startTime, conditions) without recompiling
        return;
      }
      const labelsChanged = existing !== undefined && JSON.stringify(existing.labels) !== JSON.stringify(pod.metadata.labels ?? {});
      this.snapshot.addPod(pod, nodeName, this.priorityOf(pod));
      if (!existing) this.onClusterEvent("AssignedPodAdd");
      else if (labelsChanged || existing.terminating !== (pod.metadata.deletionTimestamp !== undefined)) this.onClusterEvent("AssignedPodUpdate");
      return;
    }
    if (terminal || (pod.spec?.schedulerName ?? SCHEDULER_NAME) !== SCHEDULER_NAME) {
      this.dequeue(key);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      this.dequeue(key);
      return;
    }
    this.enqueueOrUpdate(key, pod, ev.old);
  }

  private priorityOf(pod: KubeObject): number {
    const p = pod.spec?.priority;
    if (typeof p === "number") return p;
    const pcName: string | undefined = pod.spec?.priorityClassName;
    if (pcName) {
      const pc = this.ctx.store.get("PriorityClass", undefined, pcName);
      if (pc && typeof (pc as any).value === "number") return (pc as any).value;
    } else {
      for (const pc of this.ctx.store.list("PriorityClass")) if ((pc as any).globalDefault === true) return (pc as any).value ?? 0;
    }
    return 0;
  }

  // ------------------------------------------------------------------ queue

  private enqueueOrUpdate(key: string, pod: KubeObject, old: KubeObject | undefined): void {
    const gated = (pod.spec?.schedulingGates?.length ?? 0) > 0;
    let qp = this.queued.get(key);
    if (!qp) {
      qp = {
        key,
        namespace: pod.metadata.namespace ?? "default",
        name: pod.metadata.name!,
        pod,
        priority: this.priorityOf(pod),
        attempts: 0,
        timestamp: this.ctx.clock.now(),
        seq: this.seq++,
        state: "none",
        backoffUntil: 0,
        unschedulableSince: 0,
        plugins: new Set(),
      };
      this.queued.set(key, qp);
      if (gated) this.gate(qp);
      else this.activate(qp);
      return;
    }
    qp.pod = pod;
    if (qp.state === "gated" && !gated) {
      this.activate(qp);
    } else if (qp.state === "unschedulable" && old && specOrLabelsChanged(old, pod)) {
      qp.priority = this.priorityOf(pod);
      this.moveFromUnschedulable(qp);
    }
  }

  private gate(qp: QueuedPod): void {
    qp.state = "gated";
    this.writeCondition(qp.pod, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates", undefined);
  }

  private dequeue(key: string): void {
    const qp = this.queued.get(key);
    if (!qp) return;
    this.queued.delete(key);
    this.unschedulable.delete(qp);
    if (qp.backoffTimer) this.ctx.clock.cancel(qp.backoffTimer);
    qp.state = "none";
  }

  private activate(qp: QueuedPod): void {
    this.unschedulable.delete(qp);
    if (qp.backoffTimer) {
      this.ctx.clock.cancel(qp.backoffTimer);
      qp.backoffTimer = undefined;
    }
    if (qp.state === "active") return;
    qp.state = "active";
    this.heapPush(qp);
    if (!this.batch) this.batch = this.ctx.clock.after(0, () => this.runBatch());
  }

  private toBackoff(qp: QueuedPod): void {
    const now = this.ctx.clock.now();
    if (qp.backoffUntil <= now) return this.activate(qp);
    this.unschedulable.delete(qp);
    qp.state = "backoff";
    if (qp.backoffTimer) this.ctx.clock.cancel(qp.backoffTimer);
    qp.backoffTimer = this.ctx.clock.at(qp.backoffUntil, () => {
      qp.backoffTimer = undefined;
      if (qp.state === "backoff" && this.queued.get(qp.key) === qp) this.activate(qp);
    });
  }

  private moveFromUnschedulable(qp: QueuedPod): void {
    this.toBackoff(qp);
  }

  private onClusterEvent(event: keyof typeof EVENT_PLUGINS): void {
    this.moveRequests++;
    if (this.unschedulable.size === 0) return;
    const relevant = EVENT_PLUGINS[event]!;
    for (const qp of [...this.unschedulable]) {
      if (relevant !== "all" && qp.plugins.size > 0) {
        let hit = false;
        for (const p of qp.plugins) if (relevant.has(p)) hit = true;
        if (!hit) continue;
      }
      this.moveFromUnschedulable(qp);
    }
  }

  private ensureFlushTimer(): void {
    if (this.flushTimer || this.unschedulable.size === 0) return;
    this.flushTimer = this.ctx.clock.after(FLUSH_UNSCHEDULABLE_INTERVAL_MS, () => {
      this.flushTimer = undefined;
      const now = this.ctx.clock.now();
      for (const qp of [...this.unschedulable]) if (now - qp.unschedulableSince > MAX_IN_UNSCHEDULABLE_MS) this.moveFromUnschedulable(qp);
      this.ensureFlushTimer();
    });
  }

  private heapPush(qp: QueuedPod): void {
    const h = this.heap;
    h.push(qp);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(qp, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = qp;
  }

  private heapPop(): QueuedPod | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  // ------------------------------------------------------------------ scheduling

  private runBatch(): void {
    this.batch = undefined;
    for (;;) {
      const qp = this.heapPop();
      if (!qp) break;
      if (qp.state !== "active" || this.queued.get(qp.key) !== qp) continue;
      qp.state = "none";
      this.scheduleOne(qp);
    }
  }

  private scheduleOne(qp: QueuedPod): void {
    const store = this.ctx.store;
    const pod = store.get("Pod", qp.namespace, qp.name);
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) {
      this.queued.delete(qp.key);
      return;
    }
    qp.pod = pod;
    qp.attempts++;
    this.stats.attempts++;
    const cycleMoves = this.moveRequests;
    const pi = new PodInfo(pod, qp.priority);
    const nodes = this.snapshot.nodes();
    if (nodes.length === 0) {
      this.fail(qp, pi, ERR_NO_NODES, "SchedulerError", undefined, new Set(), true);
      return;
    }
    const res = schedulePod(this.snapshot, pi, {
      rng: this.rng,
      startIndex: this.nextStartNodeIndex,
      percentageOfNodesToScore: this.opts.percentageOfNodesToScore,
    });
    this.nextStartNodeIndex = (this.nextStartNodeIndex + res.evaluated) % nodes.length;
    if (res.node) {
      this.bind(qp, pod, res.node, pi);
      return;
    }
    // PostFilter: DefaultPreemption.
    let postMsg = "";
    let nominated: string | undefined = pod.status?.nominatedNodeName;
    const pr = preempt(this.snapshot, pi, res.statuses, {
      rng: this.rng,
      pdbs: this.pdbs(),
      parseTime: (s) => this.ctx.clock.parseIso(s),
    });
    if (pr.ok) {
      nominated = pr.candidate.node;
      this.stats.preemptions++;
      this.evictVictims(pod, pi, pr.candidate.node, pr.candidate.victims.map((v) => v.pod as KubeObject));
    } else {
      postMsg = pr.message;
    }
    const msg = fitErrorMessage(res.numAllNodes, res.statuses, postMsg);
    const plugins = new Set<string>();
    for (const st of res.statuses.values()) plugins.add((st as NodeStatus).plugin);
    this.stats.unschedulable++;
    this.fail(qp, pi, msg, "Unschedulable", nominated, plugins, this.moveRequests !== cycleMoves);
  }

  private pdbs(): PdbInfo[] {
    const out: PdbInfo[] = [];
    for (const pdb of this.ctx.store.list("PodDisruptionBudget")) {
      let sel: Selector;
      try {
        sel = fromLabelSelector(pdb.spec?.selector ?? null);
      } catch {
        sel = Selector.nothing;
      }
      out.push({
        namespace: pdb.metadata.namespace ?? "default",
        selector: sel,
        disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
        disruptedPods: new Set(Object.keys(pdb.status?.disruptedPods ?? {})),
      });
    }
    return out;
  }

  private bind(qp: QueuedPod, pod: KubeObject, node: string, pi: PodInfo): void {
    const now = this.ctx.clock.iso();
    const conditions = upsertCondition(pod.status?.conditions, { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: now }, now);
    const status = { ...(pod.status ?? {}), conditions };
    delete status.nominatedNodeName;
    this.queued.delete(qp.key);
    qp.state = "none";
    this.snapshot.setNominated(pi, undefined);
    try {
      this.ctx.store.update({ ...pod, spec: { ...pod.spec, nodeName: node }, status });
    } catch (e) {
      this.log.error("Error scheduling pod; retrying", { pod: qp.key, err: String((e as Error).message ?? e) });
      this.queued.set(qp.key, qp);
      qp.backoffUntil = this.ctx.clock.now() + backoffDuration(qp.attempts);
      this.toBackoff(qp);
      return;
    }
    this.stats.scheduled++;
    this.ctx.events.record(pod, "Normal", "Scheduled", `Successfully assigned ${qp.namespace}/${qp.name} to ${node}`, SCHEDULER_NAME);
  }

  private fail(qp: QueuedPod, pi: PodInfo, msg: string, reason: string, nominated: string | undefined, plugins: Set<string>, toBackoff: boolean): void {
    const now = this.ctx.clock.now();
    this.log.info("Unable to schedule pod; no fit; waiting", { pod: qp.key, err: msg });
    const cur = this.ctx.store.get("Pod", qp.namespace, qp.name);
    if (cur) {
      this.ctx.events.record(cur, "Warning", "FailedScheduling", msg, SCHEDULER_NAME);
      this.writeCondition(cur, reason, msg, nominated);
    }
    this.snapshot.setNominated(pi, nominated);
    if (this.queued.get(qp.key) !== qp) return; // deleted meanwhile
    qp.timestamp = now;
    qp.seq = this.seq++;
    qp.plugins = plugins;
    qp.backoffUntil = now + backoffDuration(qp.attempts);
    if (toBackoff || reason === "SchedulerError") {
      this.toBackoff(qp);
    } else {
      qp.state = "unschedulable";
      qp.unschedulableSince = now;
      this.unschedulable.add(qp);
      this.ensureFlushTimer();
    }
  }

  private writeCondition(pod: KubeObject, reason: string, message: string, nominated: string | undefined): void {
    const now = this.ctx.clock.iso();
    const cond = { type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: now, reason, message };
    const old = (pod.status?.conditions ?? []).find((c: any) => c.type === "PodScheduled");
    const sameNom = (pod.status?.nominatedNodeName ?? undefined) === nominated;
    if (old && old.status === "False" && old.reason === reason && old.message === message && sameNom) return;
    const status = { ...(pod.status ?? {}), conditions: upsertCondition(pod.status?.conditions, cond, now) };
    if (nominated) status.nominatedNodeName = nominated;
    else delete status.nominatedNodeName;
    try {
      this.ctx.store.setStatus(pod, status);
    } catch (e) {
      this.log.error("Error updating pod", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: String((e as Error).message ?? e) });
    }
  }

  /** prepareCandidate: DisruptionTarget condition + delete for each victim, clear lower nominations. */
  private evictVictims(preemptor: KubeObject, pi: PodInfo, node: string, victims: KubeObject[]): void {
    const store = this.ctx.store;
    const now = this.ctx.clock.iso();
    for (const v of victims) {
      const cur = store.get("Pod", v.metadata.namespace, v.metadata.name!);
      if (!cur) continue;
      try {
        const cond = {
          type: "DisruptionTarget",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: now,
          reason: PREEMPTION_BY_SCHEDULER,
          message: `${SCHEDULER_NAME}: preempting to accommodate a higher priority pod`,
        };
        const updated = store.setStatus(cur, { ...(cur.status ?? {}), conditions: upsertCondition(cur.status?.conditions, cond, now) });
        store.delete("Pod", updated.metadata.namespace, updated.metadata.name!);
      } catch (e) {
        this.log.error("Error preempting pod", { pod: `${v.metadata.namespace}/${v.metadata.name}`, err: String((e as Error).message ?? e) });
        continue;
      }
      this.ctx.events.record(cur, "Normal", "Preempted", `Preempted by pod ${preemptor.metadata.uid} on node ${node}`, SCHEDULER_NAME);
    }
    // Lower-priority pods nominated to this node lose their nomination.
    const nom = this.snapshot.nominatedPods(node);
    if (nom) {
      for (const other of [...nom.values()]) {
        if (other.key === pi.key || other.priority >= pi.priority) continue;
        this.snapshot.setNominated(other, undefined);
        const p = store.get("Pod", other.namespace, other.pod.metadata.name!);
        if (p?.status?.nominatedNodeName) {
          const st = { ...p.status };
          delete st.nominatedNodeName;
          store.setStatus(p, st);
        }
      }
    }
  }
}

function before(a: QueuedPod, b: QueuedPod): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
  return a.seq < b.seq;
}

/** Backoff after `attempts` failed attempts: 1 s, 2 s, 4 s, 8 s, 10 s, 10 s, … */
export function backoffDuration(attempts: number): number {
  let d = INITIAL_BACKOFF_MS;
  for (let i = 1; i < attempts; i++) {
    d *= 2;
    if (d > MAX_BACKOFF_MS) return MAX_BACKOFF_MS;
  }
  return d;
}

function upsertCondition(conds: any[] | undefined, cond: any, now: string): any[] {
  const list = conds ? [...conds] : [];
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0) {
    list.push(cond);
    return list;
  }
  const old = list[i];
  list[i] = { ...cond, lastTransitionTime: old.status === cond.status && old.lastTransitionTime ? old.lastTransitionTime : now };
  return list;
}

function samePlacement(a: KubeObject, b: KubeObject): boolean {
  if (a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp) return false;
  if (a.metadata.labels !== b.metadata.labels && JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels)) return false;
  if (a.spec === b.spec) return true;
  return JSON.stringify(a.spec) === JSON.stringify(b.spec);
}

function specOrLabelsChanged(a: KubeObject, b: KubeObject): boolean {
  if (a.spec !== b.spec && JSON.stringify(a.spec) !== JSON.stringify(b.spec)) return true;
  return a.metadata.labels !== b.metadata.labels && JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels);
}
