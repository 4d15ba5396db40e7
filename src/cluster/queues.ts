/**
 * The scenario's queues and topics (`spec.queues`) on the simulated cluster: each QueueModel is
 * advanced on virtual time at every change of its rates — a producer breakpoint, a consumer pod
 * turning Ready or going away, a partition draining — and read by KEDA's aws-sqs-queue and kafka
 * scalers through the QUEUES_SERVICE. Consumers are the Running+Ready, non-terminating pods of the
 * consumer Deployment (its selector) or of a label selector. With `cpuSecondsPerMessage` the
 * controller sets each consumer's CPU demand to its intrinsic usage plus rate × CPU per message.
 *
 * Finishing consumers (`messagesPerPod` / `idleExit`, e.g. a KEDA ScaledJob's Job pods) are workers
 * of a QueueWorkerModel: when one is done the controller makes its container exit 0 through the
 * container runtime, and the kubelet applies the pod's restartPolicy (Never/OnFailure: Succeeded).
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import type { KubeObject } from "../api/meta.js";
import type { WatchEvent } from "../api/store.js";
import type { TimerHandle } from "../core/clock.js";
import { fromLabelMap, fromLabelSelector, type Selector } from "../core/labels.js";
import { usageModel } from "../workload/images.js";
import { DEFAULT_PROFILE_STEP_MS } from "../workload/profiles.js";
import { isFinishing, QueueWorkerModel } from "../workload/queue-workers.js";
import { KAFKA_AUTO_COMMIT_INTERVAL_MS, QueueModel, type QueueSnapshot } from "../workload/queues.js";
import type { QueueSpec, UsageOverride } from "../workload/types.js";
import { RUNTIME_SERVICE, type ContainerRuntime } from "./runtime.js";
import { isEndpointReady } from "./traffic.js";

export const QUEUES_SERVICE = "queues";
export type { QueueSnapshot } from "../workload/queues.js";

/** What KEDA's queue scalers read (the SQS / Kafka APIs of the simulated world). */
export interface QueuesApi {
  /** State of a queue/topic now, or undefined if there is none by that name. */
  queue(name: string): QueueSnapshot | undefined;
  list(): QueueSnapshot[];
}

interface QueueState {
  /** The fluid model of plain consumers, or the per-worker model of finishing ones. */
  model: QueueModel | QueueWorkerModel;
  selector?: Selector;
  /** Ready consumer pod names, sorted (the group's member order). */
  ready: string[];
  timer?: TimerHandle;
  /** Kafka auto-commit tick (while the group has members). */
  commitTimer?: TimerHandle;
  /** Pods whose CPU demand we set (name → container). */
  loaded: Map<string, string>;
  /** Finishing consumers: the extra CPU (millicores) last set per Ready pod. */
  applied: Map<string, number>;
}

export class QueueController implements Controller, QueuesApi {
  readonly name = "queues";
  private ctx!: ControllerContext;
  private runtime: ContainerRuntime | undefined;
  private readonly queues = new Map<string, QueueState>();
  private readonly byNamespace = new Map<string, QueueState[]>();
  private unwatch: (() => void) | undefined;

  constructor(
    specs: readonly QueueSpec[],
    private readonly usage: readonly UsageOverride[] = [],
  ) {
    for (const s of specs) {
      const model = isFinishing(s.consumer) ? new QueueWorkerModel(s) : new QueueModel(s);
      const st: QueueState = { model, ready: [], loaded: new Map(), applied: new Map() };
      if (s.consumer.selector) st.selector = fromLabelMap(s.consumer.selector);
      this.queues.set(s.name, st);
      let l = this.byNamespace.get(s.consumer.namespace);
      if (!l) this.byNamespace.set(s.consumer.namespace, (l = []));
      l.push(st);
    }
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    ctx.services.set(QUEUES_SERVICE, this);
    if (this.queues.size === 0) return;
    this.runtime = ctx.services.get(RUNTIME_SERVICE) as ContainerRuntime | undefined;
    this.unwatch = ctx.store.watch("Pod", (ev) => this.onPod(ev));
    for (const st of this.queues.values()) this.resync(st);
  }

  stop(): void {
    this.unwatch?.();
    for (const st of this.queues.values()) {
      if (st.timer) this.ctx.clock.cancel(st.timer);
      if (st.commitTimer) this.ctx.clock.cancel(st.commitTimer);
    }
  }

  // ---------------------------------------------------------------- service

  queue(name: string): QueueSnapshot | undefined {
    const st = this.queues.get(name);
    if (!st) return undefined;
    st.model.advance(this.ctx.clock.now());
    // A worker that finished at this instant exits now, not when our own timer runs later in the same ms.
    if (st.model instanceof QueueWorkerModel) this.exitFinished(st, st.model);
    return st.model.snapshot();
  }

  list(): QueueSnapshot[] {
    return [...this.queues.keys()].map((n) => this.queue(n)!);
  }

  // ---------------------------------------------------------------- consumers

  private selectorOf(st: QueueState): Selector | undefined {
    if (st.selector) return st.selector;
    const c = st.model.spec.consumer;
    if (!c.deployment) return undefined;
    const d = this.ctx.store.get("Deployment", c.namespace, c.deployment);
    const sel = d?.spec?.selector;
    if (!sel) return undefined;
    return (st.selector = fromLabelSelector(sel));
  }

  private onPod(ev: WatchEvent): void {
    const pod = ev.object;
    const list = this.byNamespace.get(pod.metadata.namespace ?? "default");
    if (!list) return;
    for (const st of list) {
      const sel = this.selectorOf(st);
      if (!sel || !sel.matches(pod.metadata.labels ?? {})) continue;
      const name = pod.metadata.name!;
      const ready = ev.type !== "DELETED" && isEndpointReady(pod);
      const i = binarySearch(st.ready, name);
      const has = i >= 0;
      if (ready === has) continue;
      const next = ready ? [...st.ready.slice(0, ~i), name, ...st.ready.slice(~i)] : st.ready.filter((n) => n !== name);
      this.change(st, next);
    }
  }

  private resync(st: QueueState): void {
    const sel = this.selectorOf(st);
    const ready = sel
      ? this.ctx.store
          .list("Pod", { namespace: st.model.spec.consumer.namespace })
          .filter((p) => sel.matches(p.metadata.labels ?? {}) && isEndpointReady(p))
          .map((p) => p.metadata.name!)
          .sort()
      : [];
    this.change(st, ready);
  }

  /** Advance to now with the old consumers, then switch to the new set. */
  private change(st: QueueState, ready: string[]): void {
    const now = this.ctx.clock.now();
    st.model.advance(now);
    st.ready = ready;
    if (st.model instanceof QueueWorkerModel) st.model.setWorkers(ready);
    else st.model.setConsumers(ready.length);
    if (st.model.spec.type === "kafka") {
      // A rebalance: the revoked consumers commit; the new members auto-commit from now on.
      (st.model as QueueModel).commit();
      if (st.commitTimer) this.ctx.clock.cancel(st.commitTimer);
      st.commitTimer = undefined;
      if (ready.length > 0) this.scheduleCommit(st);
    }
    this.afterChange(st);
  }

  private scheduleCommit(st: QueueState): void {
    const model = st.model as QueueModel;
    st.commitTimer = this.ctx.clock.after(KAFKA_AUTO_COMMIT_INTERVAL_MS, () => {
      model.advance(this.ctx.clock.now());
      model.commit();
      this.scheduleCommit(st);
    });
  }

  private afterChange(st: QueueState): void {
    const m = st.model;
    if (m instanceof QueueWorkerModel) {
      this.exitFinished(st, m);
      this.applyWorkerCpu(st, m);
    } else this.applyCpu(st, m);
    if (st.timer) this.ctx.clock.cancel(st.timer);
    st.timer = undefined;
    const at = m instanceof QueueWorkerModel ? m.nextEvent() : m.nextEvent(DEFAULT_PROFILE_STEP_MS);
    if (at !== undefined) {
      st.timer = this.ctx.clock.at(at, () => {
        st.timer = undefined;
        st.model.advance(this.ctx.clock.now());
        this.afterChange(st);
      });
    }
  }

  /** Finishing workers that are done: their container's process exits 0 (the kubelet takes it from there). */
  private exitFinished(st: QueueState, m: QueueWorkerModel): void {
    const exits = m.takeExits();
    if (exits.length === 0) return;
    const rt = this.runtime ?? (this.ctx.services.get(RUNTIME_SERVICE) as ContainerRuntime | undefined);
    if (!rt) return;
    const c = m.spec.consumer;
    for (const name of exits) {
      const ct = this.workContainer(c.namespace, name, c.container);
      if (ct) rt.exit(`${c.namespace}/${name}`, ct.name, 0);
    }
  }

  /**
   * Finishing workers' CPU: perPodRate × CPU per message while a worker holds messages, else its
   * intrinsic usage. Only pods whose figure changed are touched, so one deletion costs O(1) runtime
   * work however many Job pods run.
   */
  private applyWorkerCpu(st: QueueState, m: QueueWorkerModel): void {
    const c = m.spec.consumer;
    const cps = c.cpuSecondsPerMessage;
    const rt = this.runtime;
    if (!cps || !rt) return;
    const now = this.ctx.clock.now();
    for (const name of st.ready) {
      const extra = m.workerRate(name) * cps * 1000;
      if (st.applied.get(name) === extra) continue;
      if (this.setPodCpu(rt, c.namespace, name, c.container, extra, now)) st.applied.set(name, extra);
    }
    // Deleting the current entry while iterating a Map is safe.
    for (const name of st.applied.keys()) {
      if (binarySearch(st.ready, name) >= 0) continue;
      this.setPodCpu(rt, c.namespace, name, c.container, 0, now);
      st.applied.delete(name);
    }
  }

  /** Consumer CPU: intrinsic usage + messages/s × CPU-seconds per message, per Ready pod. */
  private applyCpu(st: QueueState, model: QueueModel): void {
    const c = model.spec.consumer;
    const cps = c.cpuSecondsPerMessage;
    const rt = this.runtime;
    if (!cps || !rt) return;
    const now = this.ctx.clock.now();
    const seen = new Set<string>();
    st.ready.forEach((name, i) => {
      const r = model.consumerRate(i);
      if (this.setPodCpu(rt, c.namespace, name, c.container, r * cps * 1000, now)) seen.add(name);
    });
    for (const name of st.loaded.keys()) if (!seen.has(name)) this.setPodCpu(rt, c.namespace, name, c.container, 0, now);
    st.loaded.clear();
    for (const name of seen) st.loaded.set(name, c.container ?? "");
  }

  /** The consumer pod's container doing the work: `consumer.container`, else the first. */
  private workContainer(ns: string, name: string, container: string | undefined): PodContainer | undefined {
    const pod: KubeObject | undefined = this.ctx.store.get("Pod", ns, name);
    if (!pod) return undefined;
    const containers = (pod.spec?.containers ?? []) as PodContainer[];
    return container ? containers.find((x) => x.name === container) : containers[0];
  }

  private setPodCpu(rt: ContainerRuntime, ns: string, name: string, container: string | undefined, extraMilli: number, now: number): boolean {
    const ct = this.workContainer(ns, name, container);
    if (!ct) return false;
    const rc = rt.container(`${ns}/${name}`, ct.name);
    if (!rc) return false;
    const m = usageModel({ image: ct.image ?? "", command: ct.command, args: ct.args, namespace: ns, podName: name, container: ct.name }, this.usage);
    rt.setContainerCpuDemand(rc, m.cpuMilli + extraMilli, now);
    return true;
  }
}

interface PodContainer {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
}

function binarySearch(a: readonly string[], x: string): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = a[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return ~lo;
}
