/**
 * Records what happens in a simulation as a stream of output records (the `--output json` lines)
 * and accumulates the figures of the run summary: replica-seconds, node-hours and cost, pending-pod
 * seconds, scale events. It only watches the store and the log sink, like any other observer.
 */
import type { KubeEvent } from "../api/events.js";
import type { LogRecord, LogSink } from "../api/logs.js";
import { controllerOf, refOf, type KubeObject } from "../api/meta.js";
import type { Store, WatchEvent } from "../api/store.js";
import type { Clock } from "../core/clock.js";
import { disruptedByPodGC, podDisruptionOfEvent, scaleActionOfEvent, scaleActionOfLog } from "./scale-actions.js";

export interface OutputRecord {
  /** Simulated seconds since start. */
  t: number;
  type: string;
  [field: string]: unknown;
}

export type RecordListener = (r: OutputRecord) => void;

/** Price lookup for a node: $/hour, or undefined when unknown. */
export type NodePricer = (node: KubeObject) => number | undefined;

interface NodeTrack {
  name: string;
  instanceType: string;
  capacityType: string;
  zone: string;
  /** Karpenter NodePool or EKS node group, when labelled. */
  pool?: string;
  since: number;
  until?: number;
  pricePerHour: number | undefined;
}

interface PodTrack {
  phase: string;
  node: string;
  ready: boolean;
  workload: string;
  pendingSince?: number;
}

export class Recorder {
  private listeners = new Set<RecordListener>();
  private pods = new Map<string, PodTrack>();
  private nodes = new Map<string, NodeTrack>();
  private hpaLast = new Map<string, string>();
  /** workload → running pods now, and the integral. */
  private running = new Map<string, { n: number; since: number; seconds: number; peak: number }>();
  private pendingSeconds = 0;
  private pendingPods = 0;
  private pendingPeak = 0;
  private eventCounts = new Map<string, number>();
  private liveNodes = 0;
  private peakNodes = 0;
  /** Pods outside kube-system that have not run yet → virtual ms they were created at. */
  private waiting = new Map<string, number>();
  private maxWait = { ms: 0, pod: "" };
  /** controller → action → count (see scale-actions.ts). */
  private actions = new Map<string, Map<string, number>>();
  /** Pods evicted, preempted or removed with their node, by the event reason that says so. */
  private disrupted = new Map<string, number>();
  private unsubscribe: Array<() => void> = [];
  /** Pod-level records are the bulk of the output; callers can turn them off. */
  podRecords = true;
  logRecords = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly pricer: NodePricer,
  ) {}

  start(logs?: LogSink): void {
    this.unsubscribe.push(this.store.watch("Event", (ev) => this.onEvent(ev as WatchEvent<KubeEvent>)));
    this.unsubscribe.push(this.store.watch("Pod", (ev) => this.onPod(ev)));
    this.unsubscribe.push(this.store.watch("Node", (ev) => this.onNode(ev)));
    this.unsubscribe.push(this.store.watch("HorizontalPodAutoscaler", (ev) => this.onHpa(ev)));
    if (logs) this.unsubscribe.push(logs.on((r) => this.onLog(r)));
    for (const n of this.store.list("Node")) this.onNode({ type: "ADDED", object: n });
    for (const p of this.store.list("Pod")) this.onPod({ type: "ADDED", object: p });
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  on(l: RecordListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(r: Omit<OutputRecord, "t"> & { t?: number }): void {
    const rec = { t: r.t ?? this.clock.now() / 1000, ...r } as OutputRecord;
    for (const l of this.listeners) l(rec);
  }

  private onEvent(ev: WatchEvent<KubeEvent>): void {
    if (ev.type === "DELETED") return;
    const e = ev.object;
    this.eventCounts.set(e.reason, (this.eventCounts.get(e.reason) ?? 0) + (ev.type === "ADDED" ? 1 : 1));
    const io = e.involvedObject;
    const action = scaleActionOfEvent(e.source?.component ?? "", e.reason, io.kind, e.message);
    if (action) this.countAction(action.controller, action.action, action.n);
    const disruption = podDisruptionOfEvent(e.reason, io.kind);
    if (disruption && this.isUserPod(io.namespace, this.store.get("Pod", io.namespace, io.name))) {
      this.disrupted.set(disruption, (this.disrupted.get(disruption) ?? 0) + 1);
    }
    this.emit({
      type: "event",
      eventType: e.type,
      reason: e.reason,
      message: e.message,
      object: io.namespace ? `${io.kind}/${io.namespace}/${io.name}` : `${io.kind}/${io.name}`,
      source: e.source?.component,
      count: e.count,
    });
  }

  private onHpa(ev: WatchEvent): void {
    const h = ev.object;
    const key = `${h.metadata.namespace}/${h.metadata.name}`;
    if (ev.type === "DELETED") {
      this.hpaLast.delete(key);
      this.emit({ type: "hpa", name: h.metadata.name, namespace: h.metadata.namespace, deleted: true });
      return;
    }
    const st = h.status ?? {};
    const metrics = (st.currentMetrics ?? []).map((m: any) => summarizeMetric(m));
    const sig = JSON.stringify([st.currentReplicas, st.desiredReplicas, metrics]);
    if (this.hpaLast.get(key) === sig) return;
    this.hpaLast.set(key, sig);
    this.emit({
      type: "hpa",
      name: h.metadata.name,
      namespace: h.metadata.namespace,
      reference: `${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`,
      minReplicas: h.spec?.minReplicas ?? 1,
      maxReplicas: h.spec?.maxReplicas,
      currentReplicas: st.currentReplicas ?? 0,
      desiredReplicas: st.desiredReplicas ?? 0,
      metrics,
      targets: (h.spec?.metrics ?? []).map((m: any) => summarizeTarget(m)),
    });
  }

  private onPod(ev: WatchEvent): void {
    const p = ev.object;
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    const now = this.clock.now();
    const prev = this.pods.get(key);
    if (ev.type === "DELETED") {
      this.stopWaiting(key, now);
      if (prev) {
        this.leave(prev, now);
        this.pods.delete(key);
        if (this.podRecords) this.emit({ type: "pod", change: "deleted", name: p.metadata.name, namespace: p.metadata.namespace });
      }
      return;
    }
    const phase: string = p.metadata.deletionTimestamp ? "Terminating" : (p.status?.phase ?? "Pending");
    const node: string = p.spec?.nodeName ?? "";
    const ready = (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
    if (prev && prev.phase === phase && prev.node === node && prev.ready === ready) return;
    if (!prev && phase === "Pending" && p.metadata.namespace !== "kube-system") this.waiting.set(key, now);
    else if (phase !== "Pending") this.stopWaiting(key, now);
    if (phase === "Failed" && prev?.phase !== "Failed" && disruptedByPodGC(p) && this.isUserPod(p.metadata.namespace, p)) this.disrupted.set("DeletionByPodGC", (this.disrupted.get("DeletionByPodGC") ?? 0) + 1);
    const track: PodTrack = { phase, node, ready, workload: prev?.workload ?? this.workloadOf(p) };
    if (prev) this.leave(prev, now);
    this.enter(track, now);
    this.pods.set(key, track);
    if (this.podRecords) {
      this.emit({
        type: "pod",
        change: prev ? "modified" : "added",
        name: p.metadata.name,
        namespace: p.metadata.namespace,
        phase,
        node: node || undefined,
        ready,
      });
    }
  }

  private enter(t: PodTrack, now: number): void {
    if (t.phase === "Pending") {
      this.accruePending(now);
      this.pendingPods++;
      if (this.pendingPods > this.pendingPeak) this.pendingPeak = this.pendingPods;
    }
    if (t.phase === "Running") {
      const r = this.runningOf(t.workload, now);
      r.n++;
      if (r.n > r.peak) r.peak = r.n;
    }
  }

  private leave(t: PodTrack, now: number): void {
    if (t.phase === "Pending") {
      this.accruePending(now);
      this.pendingPods--;
    }
    if (t.phase === "Running") this.runningOf(t.workload, now).n--;
  }

  /** A pod ran, finished, or went away: its wait from creation is over. */
  private stopWaiting(key: string, now: number): void {
    const since = this.waiting.get(key);
    if (since === undefined) return;
    this.waiting.delete(key);
    if (now - since > this.maxWait.ms) this.maxWait = { ms: now - since, pod: key };
  }

  /** The cluster's own pods (kube-system, DaemonSet pods that live and die with their node) are not the user's disruptions. */
  private isUserPod(namespace: string | undefined, pod: KubeObject | undefined): boolean {
    return namespace !== "kube-system" && (pod === undefined || controllerOf(pod)?.kind !== "DaemonSet");
  }

  private countAction(controller: string, action: string, n = 1): void {
    let m = this.actions.get(controller);
    if (!m) this.actions.set(controller, (m = new Map()));
    m.set(action, (m.get(action) ?? 0) + n);
  }

  private lastPendingAt = 0;
  private accruePending(now: number): void {
    this.pendingSeconds += (this.pendingPods * (now - this.lastPendingAt)) / 1000;
    this.lastPendingAt = now;
  }

  private runningOf(workload: string, now: number) {
    let r = this.running.get(workload);
    if (!r) this.running.set(workload, (r = { n: 0, since: now, seconds: 0, peak: 0 }));
    r.seconds += (r.n * (now - r.since)) / 1000;
    r.since = now;
    return r;
  }

  /**
   * `Deployment/ns/name` for pods of a Deployment's ReplicaSet (and `ScaledJob/ns/name` or
   * `CronJob/ns/name` for pods of the Jobs they create: one line per workload, not per Job), else the
   * controller, else the pod.
   */
  private workloadOf(p: KubeObject): string {
    const ctl = controllerOf(p);
    if (!ctl) return refOf(p);
    if (ctl.kind === "ReplicaSet" || ctl.kind === "Job") {
      const rs = this.store.get(ctl.kind, p.metadata.namespace, ctl.name);
      const d = rs && controllerOf(rs);
      if (d) return `${d.kind}/${p.metadata.namespace}/${d.name}`;
    }
    return `${ctl.kind}/${p.metadata.namespace}/${ctl.name}`;
  }

  private onNode(ev: WatchEvent): void {
    const n = ev.object;
    const name = n.metadata.name!;
    const now = this.clock.now();
    const labels = n.metadata.labels ?? {};
    if (ev.type === "DELETED") {
      const tr = this.nodes.get(name);
      if (tr && tr.until === undefined) {
        tr.until = now;
        this.liveNodes--;
      }
      this.emit({ type: "node", change: "deleted", name });
      return;
    }
    const ready = (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
    if (!this.nodes.has(name) || this.nodes.get(name)!.until !== undefined) {
      if (++this.liveNodes > this.peakNodes) this.peakNodes = this.liveNodes;
      if (labels["karpenter.sh/nodepool"] !== undefined) this.countAction("karpenter", "launch");
      this.nodes.set(name, {
        name,
        instanceType: labels["node.kubernetes.io/instance-type"] ?? "",
        capacityType: labels["karpenter.sh/capacity-type"] ?? labels["eks.amazonaws.com/capacityType"] ?? "ON_DEMAND",
        zone: labels["topology.kubernetes.io/zone"] ?? "",
        pool: labels["karpenter.sh/nodepool"] ?? labels["eks.amazonaws.com/nodegroup"],
        since: now,
        pricePerHour: this.pricer(n),
      });
      this.emit({
        type: "node",
        change: "added",
        name,
        instanceType: labels["node.kubernetes.io/instance-type"],
        zone: labels["topology.kubernetes.io/zone"],
        ready,
      });
    } else if (ev.old) {
      const wasReady = (ev.old.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
      if (wasReady !== ready) this.emit({ type: "node", change: "modified", name, ready });
    }
  }

  private onLog(r: LogRecord): void {
    const action = scaleActionOfLog(r.message);
    if (action) this.countAction(action.controller, action.action);
    if (!this.logRecords) return;
    this.emit({ t: r.t / 1000, type: "log", component: r.component, level: r.level, message: r.message, ...(r.fields ? { fields: r.fields } : {}) });
  }

  /** Node-hours and cost of the run so far by capacity type, by zone and per node, and the bill rate now. */
  costBreakdown(now = this.clock.now()): CostBreakdown {
    const byCapacityType: Record<string, CostBucket> = {};
    const byZone: Record<string, CostBucket> = {};
    const rateCt: Record<string, number> = {};
    const rateZone: Record<string, number> = {};
    let rate = 0;
    let live = 0;
    const nodes: NodeCost[] = [];
    for (const tr of this.nodes.values()) {
      const h = ((tr.until ?? now) - tr.since) / 3_600_000;
      const ct = normalizeCapacityType(tr.capacityType);
      const usd = tr.pricePerHour === undefined ? 0 : h * tr.pricePerHour;
      const a = (byCapacityType[ct] ??= { nodeHours: 0, costUSD: 0 });
      a.nodeHours += h;
      a.costUSD += usd;
      const z = (byZone[tr.zone] ??= { nodeHours: 0, costUSD: 0 });
      z.nodeHours += h;
      z.costUSD += usd;
      if (tr.until === undefined) {
        live++;
        const p = tr.pricePerHour ?? 0;
        rate += p;
        rateCt[ct] = (rateCt[ct] ?? 0) + p;
        rateZone[tr.zone] = (rateZone[tr.zone] ?? 0) + p;
      }
      const n: NodeCost = { name: tr.name, instanceType: tr.instanceType, capacityType: ct, zone: tr.zone, hours: round(h, 4), costUSD: round(usd, 4) };
      if (tr.pool !== undefined) n.pool = tr.pool;
      if (tr.pricePerHour !== undefined) n.pricePerHour = round(tr.pricePerHour, 5);
      if (tr.until !== undefined) n.deletedAt = tr.until / 1000;
      nodes.push(n);
    }
    for (const b of [...Object.values(byCapacityType), ...Object.values(byZone)]) {
      b.nodeHours = round(b.nodeHours, 4);
      b.costUSD = round(b.costUSD, 4);
    }
    const r5 = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 5)]));
    return {
      byCapacityType: sortKeys(byCapacityType),
      byZone: sortKeys(byZone),
      perHourNow: { total: round(rate, 5), nodes: live, byCapacityType: sortKeys(r5(rateCt)), byZone: sortKeys(r5(rateZone)) },
      nodes,
    };
  }

  /** Figures of the run so far. */
  summary(extra: Record<string, unknown> = {}): OutputRecord {
    const now = this.clock.now();
    this.accruePending(now);
    const workloads: Record<string, { replicaSeconds: number; peakReplicas: number; runningNow: number }> = {};
    for (const [w, r] of [...this.running.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      this.runningOf(w, now);
      workloads[w] = { replicaSeconds: round(r.seconds, 1), peakReplicas: r.peak, runningNow: r.n };
    }
    let nodeHours = 0;
    let cost = 0;
    let unpriced = 0;
    const byType: Record<string, { nodeHours: number; costUSD: number }> = {};
    for (const tr of this.nodes.values()) {
      const h = ((tr.until ?? now) - tr.since) / 3_600_000;
      nodeHours += h;
      const key = `${tr.instanceType}/${tr.capacityType}`;
      const b = (byType[key] ??= { nodeHours: 0, costUSD: 0 });
      b.nodeHours += h;
      if (tr.pricePerHour === undefined) unpriced++;
      else {
        cost += h * tr.pricePerHour;
        b.costUSD += h * tr.pricePerHour;
      }
    }
    for (const b of Object.values(byType)) {
      b.nodeHours = round(b.nodeHours, 4);
      b.costUSD = round(b.costUSD, 4);
    }
    const breakdown = this.costBreakdown(now);
    const scaleEvents: Record<string, number> = {};
    for (const r of ["SuccessfulRescale", "ScalingReplicaSet", "FailedScheduling", "OOMKilling", "BackOff", "Preempted", "Evicted"]) {
      const c = this.eventCounts.get(r);
      if (c) scaleEvents[r] = c;
    }
    let maxWait = this.maxWait;
    for (const [pod, since] of this.waiting) if (now - since > maxWait.ms) maxWait = { ms: now - since, pod };
    const scaleActions: Record<string, Record<string, number>> = {};
    for (const [c, m] of [...this.actions].sort(([a], [b]) => (a < b ? -1 : 1))) scaleActions[c] = sortKeys(Object.fromEntries(m));
    const podsDisruptedByReason = sortKeys(Object.fromEntries(this.disrupted));
    return {
      t: now / 1000,
      type: "summary",
      simulatedSeconds: now / 1000,
      workloads,
      nodeHours: round(nodeHours, 4),
      costUSD: round(cost, 4),
      costByInstanceType: byType,
      costByCapacityType: breakdown.byCapacityType,
      costByZone: breakdown.byZone,
      costPerHourNow: breakdown.perHourNow,
      nodeCosts: breakdown.nodes,
      ...(unpriced ? { unpricedNodes: unpriced } : {}),
      pendingPodSeconds: round(this.pendingSeconds, 1),
      peakPendingPods: this.pendingPeak,
      events: scaleEvents,
      peakNodes: this.peakNodes,
      avgNodes: now > 0 ? round((nodeHours * 3_600_000) / now, 3) : this.liveNodes,
      maxPendingSeconds: round(maxWait.ms / 1000, 3),
      ...(maxWait.pod ? { maxPendingPod: maxWait.pod } : {}),
      scaleActions,
      podsDisrupted: Object.values(podsDisruptedByReason).reduce((a, b) => a + b, 0),
      podsDisruptedByReason,
      ...extra,
    };
  }
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface CostBucket {
  nodeHours: number;
  costUSD: number;
}

export interface NodeCost {
  name: string;
  instanceType: string;
  /** `on-demand` | `spot` (EKS node groups' ON_DEMAND/SPOT normalized to Karpenter's words). */
  capacityType: string;
  zone: string;
  pool?: string;
  /** $/hour of this instance (the price it was bought at; spot included), undefined if unknown. */
  pricePerHour?: number;
  hours: number;
  costUSD: number;
  /** Simulated seconds when the node left the cluster. */
  deletedAt?: number;
}

export interface CostBreakdown {
  byCapacityType: Record<string, CostBucket>;
  byZone: Record<string, CostBucket>;
  /** The bill rate of the nodes present now: total and split by capacity type and by zone ($/h). */
  perHourNow: { total: number; nodes: number; byCapacityType: Record<string, number>; byZone: Record<string, number> };
  nodes: NodeCost[];
}

/** `ON_DEMAND`/`SPOT` (EKS managed node groups) → `on-demand`/`spot` (Karpenter). */
export function normalizeCapacityType(ct: string): string {
  const l = ct.toLowerCase().replace(/_/g, "-");
  return l === "" ? "on-demand" : l;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function summarizeMetric(m: any): Record<string, unknown> {
  switch (m?.type) {
    case "Resource":
    case "ContainerResource": {
      const r = m.resource ?? m.containerResource;
      return { type: m.type, name: r?.name, averageUtilization: r?.current?.averageUtilization, averageValue: r?.current?.averageValue };
    }
    case "Pods":
      return { type: m.type, name: m.pods?.metric?.name, averageValue: m.pods?.current?.averageValue };
    case "Object":
      return { type: m.type, name: m.object?.metric?.name, value: m.object?.current?.value, averageValue: m.object?.current?.averageValue };
    case "External":
      return { type: m.type, name: m.external?.metric?.name, value: m.external?.current?.value, averageValue: m.external?.current?.averageValue };
    default:
      return { type: m?.type };
  }
}

function summarizeTarget(m: any): Record<string, unknown> {
  const body = m?.resource ?? m?.containerResource ?? m?.pods ?? m?.object ?? m?.external ?? {};
  return { type: m?.type, name: body.name ?? body.metric?.name, ...(body.target ?? {}) };
}
