/**
 * The VPA recommender (1.3): every --recommender-interval (1m) it loads VPAs and their pods, reads
 * one metrics.k8s.io sample per container, feeds OOMs seen in pod statuses, and writes
 * status.recommendation (target, lowerBound, upperBound, uncappedTarget) and the conditions, then
 * the VerticalPodAutoscalerCheckpoints (checkpoint.ts; loaded back on start, orphans collected
 * every --checkpoints-gc-interval).
 * Aggregate states are kept per VPA and container name (upstream keys them by pod label set and
 * merges per container name when recommending; the sums are the same).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import { Quantity } from "../../core/quantity.js";
import { RESOURCE_METRICS_SERVICE, type ResourceMetricsApi } from "../../metrics/api.js";
import { VPA_KIND, capToPolicy, containerPolicy, controlledResources, amountOf, updateModeOf, type RecommendedContainer, type ResourceList, type VpaObject } from "./api.js";
import { targetSelector, topOwner } from "./common.js";
import { CHECKPOINT_KIND, aggregateForCheckpoint, garbageCollectCheckpoints, loadAggregate, saveAggregate, writeCheckpoint, type CheckpointObject } from "./checkpoint.js";
import { AggregateState, ContainerState, DEFAULT_RECOMMENDER_CONFIG, estimateContainer, type Amounts, type RecommenderConfig } from "./model.js";

export const RECOMMENDER_COMPONENT = "vpa-recommender";

export interface RecommenderOptions {
  intervalMs?: number;
  config?: Partial<RecommenderConfig>;
  /** --checkpoints-gc-interval (10m). */
  checkpointsGcIntervalMs?: number;
  /** False with --storage=prometheus: no checkpoints are read or written. */
  useCheckpoints?: boolean;
}

interface PodTrack {
  containers: Map<string, ContainerState>;
  ooms: Set<string>;
  seen: number;
}

interface VpaState {
  aggregates: Map<string, AggregateState>;
  pods: Map<string, PodTrack>;
  hpaWarned: boolean;
}

function cpuQuantity(m: number): string {
  return Quantity.fromMilli(m).toString();
}
function memoryQuantity(b: number): string {
  // VPA < 1.5 builds memory as DecimalSI: 262144000 → "262144k".
  return Quantity.fromValue(b).toString();
}

function toList(a: Amounts, controlled: string[]): ResourceList {
  const l: ResourceList = {};
  if (controlled.includes("cpu")) l.cpu = cpuQuantity(a.cpu);
  if (controlled.includes("memory")) l.memory = memoryQuantity(a.memory);
  return l;
}

export class VpaRecommender implements Controller {
  readonly name = RECOMMENDER_COMPONENT;
  readonly intervalMs: number;
  readonly config: RecommenderConfig;
  private readonly state = new Map<string, VpaState>();
  readonly checkpointsGcIntervalMs: number;
  readonly useCheckpoints: boolean;
  private ctx!: ControllerContext;
  private stopped = false;
  private loop = 0;
  private lastCheckpointGc = 0;

  constructor(opts: RecommenderOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.config = { ...DEFAULT_RECOMMENDER_CONFIG, ...opts.config };
    this.checkpointsGcIntervalMs = opts.checkpointsGcIntervalMs ?? 10 * 60_000;
    this.useCheckpoints = opts.useCheckpoints ?? true;
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.lastCheckpointGc = ctx.clock.now();
    if (this.useCheckpoints) this.initFromCheckpoints();
    const tick = (): void => {
      if (this.stopped) return;
      this.runOnce();
      ctx.clock.after(this.intervalMs, tick);
    };
    ctx.clock.after(this.intervalMs, tick);
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * InitFromCheckpoints (before the first loop): every checkpoint of an existing VPA becomes that
   * container's initial aggregate state (ContainersInitialAggregateState; live samples add to it).
   */
  initFromCheckpoints(): void {
    const { store, clock } = this.ctx;
    const log = this.ctx.logs.logger(RECOMMENDER_COMPONENT);
    for (const vpa of store.list<VpaObject>(VPA_KIND)) {
      const ns = vpa.metadata.namespace ?? "default";
      for (const cp of store.list<CheckpointObject>(CHECKPOINT_KIND, { namespace: ns })) {
        if (cp.spec?.vpaObjectName !== vpa.metadata.name || !cp.status || !cp.spec.containerName) continue;
        try {
          const agg = loadAggregate(cp.status, this.config, clock.epochMs, clock);
          this.stateOf(vpa).aggregates.set(cp.spec.containerName, agg);
        } catch (e) {
          log.error("Error while loading checkpoint", { checkpoint: `${ns}/${cp.metadata.name}`, error: `cannot load checkpoint for VPA ${ns}/${vpa.metadata.name}. Reason: ${(e as Error).message}` });
        }
      }
    }
  }

  private stateOf(vpa: VpaObject): VpaState {
    const uid = vpa.metadata.uid!;
    let st = this.state.get(uid);
    if (!st) this.state.set(uid, (st = { aggregates: new Map(), pods: new Map(), hpaWarned: false }));
    return st;
  }

  /** The recommendation this recommender would write for `vpa` now (tests). */
  recommendationFor(vpa: VpaObject): RecommendedContainer[] {
    return this.recommend(vpa, this.stateOf(vpa));
  }

  /**
   * MaintainCheckpoints: write every VPA × container checkpoint, then every --checkpoints-gc-interval
   * delete the orphaned ones.
   */
  private maintainCheckpoints(now: number): void {
    const { store, clock } = this.ctx;
    for (const vpa of store.list<VpaObject>(VPA_KIND)) {
      const st = this.state.get(vpa.metadata.uid!);
      if (!st) continue;
      for (const [name, agg] of st.aggregates) {
        const live: ContainerState[] = [];
        for (const t of st.pods.values()) {
          const c = t.containers.get(name);
          if (c) live.push(c);
        }
        const status = saveAggregate(aggregateForCheckpoint(agg, live, now), clock);
        writeCheckpoint(store, vpa.metadata.namespace ?? "default", vpa.metadata.name!, name, status);
      }
    }
    if (now - this.lastCheckpointGc > this.checkpointsGcIntervalMs) {
      this.lastCheckpointGc = now;
      const log = this.ctx.logs.logger(RECOMMENDER_COMPONENT);
      for (const name of garbageCollectCheckpoints(store, (ns, vpa) => store.get(VPA_KIND, ns, vpa) !== undefined)) {
        log.info("Orphaned VPA checkpoint cleanup - deleting", { checkpoint: name });
      }
    }
  }

  /** Aggregate state of one VPA's container (for tests and reports). */
  aggregate(vpa: KubeObject, container: string): AggregateState | undefined {
    return this.state.get(vpa.metadata.uid!)?.aggregates.get(container);
  }

  runOnce(): void {
    const { store, clock } = this.ctx;
    const now = clock.now();
    this.loop++;
    const metrics = this.ctx.services.get(RESOURCE_METRICS_SERVICE) as ResourceMetricsApi | undefined;
    const live = new Set<string>();
    for (const vpa of store.list<VpaObject>(VPA_KIND)) {
      const uid = vpa.metadata.uid!;
      live.add(uid);
      const st = this.stateOf(vpa);
      const ns = vpa.metadata.namespace ?? "default";
      const sel = targetSelector(store, vpa);
      const ref = vpa.spec.targetRef;
      const pods = sel && ref ? store.list(`Pod`, { namespace: ns, labelSelector: sel }).filter((p) => {
        const o = topOwner(store, p);
        return o.kind === ref.kind && o.name === ref.name;
      }) : [];
      const requests = new Map<string, Map<string, ResourceList>>();
      for (const pod of pods) {
        let track = st.pods.get(pod.metadata.uid!);
        if (!track) st.pods.set(pod.metadata.uid!, (track = { containers: new Map(), ooms: new Set(), seen: 0 }));
        track.seen = this.loop;
        const reqs = new Map<string, ResourceList>();
        requests.set(pod.metadata.name!, reqs);
        for (const c of (pod.spec?.containers ?? []) as Array<{ name: string; resources?: { requests?: ResourceList } }>) {
          reqs.set(c.name, c.resources?.requests ?? {});
          let agg = st.aggregates.get(c.name);
          if (!agg) st.aggregates.set(c.name, (agg = new AggregateState(this.config, clock.epochMs)));
          if (!track.containers.has(c.name)) track.containers.set(c.name, new ContainerState(agg));
        }
        this.observeOoms(pod, track, reqs);
      }
      if (metrics && sel) {
        const byName = new Map(pods.map((p) => [p.metadata.name!, p.metadata.uid!]));
        for (const pm of metrics.podMetrics(ns, sel)) {
          const uidOf = byName.get(pm.name);
          if (!uidOf) continue;
          const track = st.pods.get(uidOf)!;
          for (const cm of pm.containers) {
            const cs = track.containers.get(cm.name);
            if (!cs) continue;
            const req = requests.get(pm.name)?.get(cm.name);
            cs.addCpuSample(cm.cpuMilli, amountOf("cpu", req?.cpu), pm.timestamp);
            cs.addMemorySample(cm.memoryBytes, pm.timestamp);
          }
        }
      }
      for (const [k, t] of st.pods) if (t.seen !== this.loop) st.pods.delete(k);
      this.expireAggregates(st, now);
      this.writeStatus(vpa, st, pods.length > 0);
      this.checkHpaConflict(vpa, st);
    }
    for (const k of [...this.state.keys()]) if (!live.has(k)) this.state.delete(k);
    if (this.useCheckpoints) this.maintainCheckpoints(now);
  }

  /** OOMKilled containers (current or last state) not seen before: an OOM at the kill time with the memory request then in force. */
  private observeOoms(pod: KubeObject, track: PodTrack, reqs: Map<string, ResourceList>): void {
    for (const cs of (pod.status?.containerStatuses ?? []) as Array<{ name: string; state?: any; lastState?: any }>) {
      const term = cs.state?.terminated?.reason === "OOMKilled" ? cs.state.terminated : cs.lastState?.terminated;
      if (term?.reason !== "OOMKilled") continue;
      const mark = `${cs.name}\u0000${term.finishedAt ?? ""}`;
      if (track.ooms.has(mark)) continue;
      track.ooms.add(mark);
      const at = term.finishedAt ? Date.parse(term.finishedAt) - this.ctx.clock.epochMs : this.ctx.clock.now();
      track.containers.get(cs.name)?.recordOOM(at, amountOf("memory", reqs.get(cs.name)?.memory));
    }
  }

  private expireAggregates(st: VpaState, now: number): void {
    const window = this.config.memoryAggregationIntervalMs * this.config.memoryAggregationIntervalCount;
    for (const [name, agg] of st.aggregates) {
      const used = [...st.pods.values()].some((p) => p.containers.get(name)?.aggregate === agg);
      if (!used && agg.totalSamplesCount > 0 && now - agg.lastSampleStart >= window) st.aggregates.delete(name);
    }
  }

  /** The recommendation per container name, as written to status. */
  recommend(vpa: VpaObject, st: VpaState): RecommendedContainer[] {
    const out: RecommendedContainer[] = [];
    const names = [...st.aggregates.keys()].sort();
    for (const name of names) {
      const policy = containerPolicy(vpa, name);
      if (policy?.mode === "Off") continue;
      const est = estimateContainer(st.aggregates.get(name)!, names.length, this.config);
      const controlled = controlledResources(policy);
      const target = toList(est.target, controlled);
      out.push({
        containerName: name,
        target: capToPolicy(target, policy).list,
        lowerBound: capToPolicy(toList(est.lowerBound, controlled), policy).list,
        upperBound: capToPolicy(toList(est.upperBound, controlled), policy).list,
        uncappedTarget: target,
      });
    }
    return out;
  }

  private writeStatus(vpa: VpaObject, st: VpaState, podsMatched: boolean): void {
    const recs = this.recommend(vpa, st);
    const now = this.ctx.clock.iso();
    const old = vpa.status?.conditions ?? [];
    const conds: NonNullable<NonNullable<VpaObject["status"]>["conditions"]> = [];
    const set = (type: string, status: boolean, reason?: string, message?: string): void => {
      const prev = old.find((c) => c.type === type);
      const s = status ? "True" : "False";
      conds.push({ type, status: s, lastTransitionTime: prev && prev.status === s ? prev.lastTransitionTime : now, ...(reason ? { reason } : {}), ...(message ? { message } : {}) });
    };
    if (!podsMatched) set("NoPodsMatched", true, "NoPodsMatched", "No pods match this VPA object");
    if (recs.length > 0) set("RecommendationProvided", true);
    else set("RecommendationProvided", false, podsMatched ? undefined : "NoPodsMatched", podsMatched ? undefined : "No pods match this VPA object");
    conds.sort((a, b) => (a.type < b.type ? -1 : 1));
    const status = { ...(recs.length > 0 ? { recommendation: { containerRecommendations: recs } } : {}), conditions: conds };
    if (JSON.stringify(status) === JSON.stringify(vpa.status ?? {})) return;
    this.ctx.store.mutate<VpaObject>(VPA_KIND, vpa.metadata.namespace, vpa.metadata.name!, (v) => {
      v.status = status;
    }, { subresource: "status" });
  }

  /** The labs' warning: an HPA scaling the same workload on CPU or memory, which this VPA also sets. */
  private checkHpaConflict(vpa: VpaObject, st: VpaState): void {
    if (st.hpaWarned || updateModeOf(vpa) === "Off" || !vpa.spec.targetRef) return;
    const ref = vpa.spec.targetRef;
    for (const hpa of this.ctx.store.list("HorizontalPodAutoscaler", { namespace: vpa.metadata.namespace ?? "default" })) {
      const t = hpa.spec?.scaleTargetRef;
      if (!t || t.kind !== ref.kind || t.name !== ref.name) continue;
      const metrics = (hpa.spec?.metrics as Array<{ type: string; resource?: { name: string }; containerResource?: { name: string } }> | undefined) ?? [{ type: "Resource", resource: { name: "cpu" } }];
      const resources = metrics.flatMap((m) => (m.type === "Resource" ? [m.resource?.name] : m.type === "ContainerResource" ? [m.containerResource?.name] : [])).filter((r): r is string => r === "cpu" || r === "memory");
      const policies = vpa.spec.resourcePolicy?.containerPolicies ?? [];
      const controlled = new Set(policies.length ? policies.filter((p) => p.mode !== "Off").flatMap((p) => controlledResources(p)) : ["cpu", "memory"]);
      const both = [...new Set(resources)].filter((r) => controlled.has(r));
      if (both.length === 0) continue;
      st.hpaWarned = true;
      const msg = `HorizontalPodAutoscaler ${hpa.metadata.name} also scales ${ref.kind}/${ref.name} on ${both.join(", ")}: do not use the VPA together with the HPA on the same resource metric (cpu or memory)`;
      this.ctx.events.record(vpa, "Warning", "HPAConflict", msg, RECOMMENDER_COMPONENT);
      this.ctx.logs.logger(RECOMMENDER_COMPONENT).warn(msg, { vpa: `${vpa.metadata.namespace}/${vpa.metadata.name}`, hpa: hpa.metadata.name });
      return;
    }
  }
}
