/**
 * The cluster-proportional-autoscaler process(es) of the simulated cluster. `CpaController` watches
 * Deployments; each Deployment running the CPA image (or carrying its --target/--configmap flags)
 * gets one `CpaProcess`, configured from that container's args, which runs while the Deployment
 * has a ready replica (the binary runs in that pod): it polls once at start and then every
 * --poll-period-seconds, exactly as autoscaler_server.go does:
 *   1. count nodes and cores (k8sclient.GetClusterStatus, §2 of the spec),
 *   2. GET the ConfigMap, creating it from --default-params when missing,
 *   3. rebuild the ladder/linear controller when the ConfigMap's resourceVersion changed,
 *   4. compute the expected replicas,
 *   5. for every target, read /scale and write spec.replicas when it differs.
 * Log lines are the binary's glog lines at its --v verbosity (V(n) > --v goes to debug).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { isApiError } from "../../api/errors.js";
import type { Logger } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import type { Store, WatchEvent } from "../../api/store.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { parseQuantity } from "../../core/quantity.js";
import { getScale, updateScale } from "../../cluster/scale.js";
import { CpaParamsError, ladderReplicas } from "./ladder.js";
import { linearReplicas } from "./linear.js";
import { flagsOfDeployment, isCpaDeployment, parseConfigMapData, type CpaConfig, type CpaFlags } from "./params.js";
import type { ClusterStatus } from "./status.js";

export const CPA_COMPONENT = "cluster-proportional-autoscaler";

/** The outcome of one poll, kept for reports and tests. */
export interface CpaPoll {
  t: number;
  status?: ClusterStatus;
  mode?: "ladder" | "linear";
  expected?: number;
  /** target text → replicas before the poll (undefined if the read failed). */
  previous: Record<string, number | undefined>;
  error?: string;
}

/** Node count state: one entry per listed node, totals kept incrementally (nanocores, exact). */
interface NodeEntry {
  schedulable: boolean;
  nanoCores: number;
}

const nanoCache = new Map<string, number>();
function nanoCoresOf(q: unknown): number {
  if (q === undefined || q === null) return 0;
  const key = String(q);
  let v = nanoCache.get(key);
  if (v === undefined) {
    try {
      v = parseQuantity(key).scaledValue(-9);
    } catch {
      v = 0;
    }
    if (nanoCache.size > 1000) nanoCache.clear();
    nanoCache.set(key, v);
  }
  return v;
}

function isSchedulable(n: KubeObject): boolean {
  if (n.spec?.unschedulable === true) return false;
  const conds = (n.status?.conditions ?? []) as Array<{ type: string; status: string }>;
  for (const c of conds) if (c.type === "Ready") return c.status === "True";
  return false;
}

/** Go's %3d. */
function pad3(n: number): string {
  return String(n).padStart(3, " ");
}

/** One running CPA binary. */
export class CpaProcess {
  private flags: CpaFlags;
  private readonly log: Logger;
  private nodes = new Map<string, NodeEntry>();
  private total = { nodes: 0, nano: 0 };
  private sched = { nodes: 0, nano: 0 };
  private unwatch: (() => void) | undefined;
  private ticker: TimerHandle | undefined;
  private restartTimer: TimerHandle | undefined;
  private running = false;
  private config: CpaConfig | undefined;
  private configVersion = "";
  private failures = 0;
  private crashes = 0;
  readonly polls: CpaPoll[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    logs: ControllerContext["logs"],
    readonly namespace: string,
    readonly deploymentName: string,
    flags: CpaFlags,
  ) {
    this.flags = flags;
    this.log = logs.logger(deploymentName);
  }

  get isRunning(): boolean {
    return this.running;
  }

  get currentFlags(): CpaFlags {
    return this.flags;
  }

  /** glog.V(level): printed at info when level ≤ --v, else kept as debug. */
  private v(level: number, msg: string): void {
    if (level <= this.flags.verbosity) this.log.info(msg);
    else this.log.debug(msg);
  }

  /** The process starts (its pod became ready). */
  startProcess(): void {
    if (this.running) return;
    this.running = true;
    this.config = undefined;
    this.configVersion = "";
    this.failures = 0;
    this.v(0, `Scaling Namespace: ${this.flags.namespace}, Target: ${this.flags.target}`);
    this.syncNodes();
    this.tick();
  }

  /** The process ends (pod gone, deployment deleted, or a crash). */
  stopProcess(): void {
    this.running = false;
    if (this.ticker) this.clock.cancel(this.ticker);
    this.ticker = undefined;
    if (this.restartTimer) this.clock.cancel(this.restartTimer);
    this.restartTimer = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    this.nodes.clear();
    this.total = { nodes: 0, nano: 0 };
    this.sched = { nodes: 0, nano: 0 };
  }

  /** New flags (the Deployment's template changed): the rollout restarts the binary. */
  reconfigure(flags: CpaFlags): void {
    this.flags = flags;
    if (this.running) {
      this.stopProcess();
      this.startProcess();
    }
  }

  private tick(): void {
    this.pollOnce();
    if (!this.running) return;
    this.ticker = this.clock.after(this.flags.pollPeriodSeconds * 1000, () => this.tick());
  }

  // ------------------------------------------------------------------ node informer

  private syncNodes(): void {
    this.unwatch = this.store.watch("Node", (ev: WatchEvent) => this.onNode(ev));
    for (const n of this.store.list("Node")) this.put(n);
  }

  private onNode(ev: WatchEvent): void {
    if (ev.type === "DELETED") this.drop(ev.object.metadata.name!);
    else this.put(ev.object);
  }

  private put(n: KubeObject): void {
    const name = n.metadata.name!;
    this.drop(name);
    const sel = this.flags.nodeSelector;
    if (sel && !sel.matches(n.metadata.labels)) return;
    const e: NodeEntry = { schedulable: isSchedulable(n), nanoCores: nanoCoresOf(n.status?.allocatable?.cpu) };
    this.nodes.set(name, e);
    this.total.nodes++;
    this.total.nano += e.nanoCores;
    if (e.schedulable) {
      this.sched.nodes++;
      this.sched.nano += e.nanoCores;
    }
  }

  private drop(name: string): void {
    const e = this.nodes.get(name);
    if (!e) return;
    this.nodes.delete(name);
    this.total.nodes--;
    this.total.nano -= e.nanoCores;
    if (e.schedulable) {
      this.sched.nodes--;
      this.sched.nano -= e.nanoCores;
    }
  }

  /** k8sclient.GetClusterStatus: quantities summed, then rounded up to whole cores. */
  clusterStatus(): ClusterStatus {
    return {
      totalNodes: this.total.nodes,
      schedulableNodes: this.sched.nodes,
      totalCores: Math.ceil(this.total.nano / 1e9),
      schedulableCores: Math.ceil(this.sched.nano / 1e9),
    };
  }

  // ------------------------------------------------------------------ one poll

  private pollOnce(): void {
    const poll: CpaPoll = { t: this.clock.now(), previous: {} };
    this.polls.push(poll);
    if (this.polls.length > 1000) this.polls.splice(0, this.polls.length - 1000);
    const err = this.pollApiServer(poll);
    if (err === undefined) {
      this.failures = 0;
      return;
    }
    poll.error = err;
    this.failures++;
    if (this.flags.maxSyncFailures > 0 && this.failures === this.flags.maxSyncFailures) {
      this.log.error(`Maximum number of api server polling attempts (${this.flags.maxSyncFailures}) have been reached. Exiting application.`);
      this.crash();
    }
  }

  /** The container exits with status 1; the kubelet restarts it after the CrashLoopBackOff delay. */
  private crash(): void {
    this.stopProcess();
    const delay = Math.min(300_000, 10_000 * 2 ** this.crashes);
    this.crashes++;
    this.restartTimer = this.clock.after(delay, () => {
      this.restartTimer = undefined;
      this.startProcess();
    });
  }

  /** Returns the error text when the poll failed. */
  private pollApiServer(poll: CpaPoll): string | undefined {
    const status = this.clusterStatus();
    poll.status = status;
    this.v(4, `Total nodes ${String(status.totalNodes).padStart(5, " ")}, schedulable nodes: ${String(status.schedulableNodes).padStart(5, " ")}`);
    this.v(4, `Total cores ${String(status.totalCores).padStart(5, " ")}, schedulable cores: ${String(status.schedulableCores).padStart(5, " ")}`);

    const ns = this.flags.namespace;
    let cm = this.store.get("ConfigMap", ns, this.flags.configMap);
    if (!cm) {
      const notFound = `configmaps "${this.flags.configMap}" not found`;
      if (!this.flags.defaultParams) {
        this.log.error(`Error syncing configMap with apiserver: ${notFound}`);
        return notFound;
      }
      this.v(0, `ConfigMap not found: ${notFound}, will create one with default params`);
      try {
        cm = this.store.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: this.flags.configMap, namespace: ns }, data: { ...this.flags.defaultParams } });
      } catch (e) {
        const m = (e as Error).message;
        this.log.error(`Error syncing configMap with apiserver: ${m}`);
        return m;
      }
      this.v(0, `Created ConfigMap ${this.flags.configMap} in namespace ${ns}`);
    }

    const version = cm.metadata.resourceVersion ?? "";
    const data = cm.data as Record<string, string> | undefined;
    if (this.config === undefined || version !== this.configVersion) {
      const oldMode = this.config?.mode;
      try {
        const next = parseConfigMapData(data);
        if (next.mode !== oldMode) this.v(1, `Set control mode to ${next.mode}`);
        const oldVersion = next.mode === oldMode ? this.configVersion : "";
        if (next.mode === "ladder") this.v(0, `Detected ConfigMap version change (old: ${oldVersion} new: ${version}) - rebuilding lookup entries`);
        else this.v(0, `ConfigMap version change (old: ${oldVersion} new: ${version}) - rebuilding params`);
        this.v(2, `Params from apiserver: \n${data?.[next.mode] ?? ""}`);
        this.config = next;
        this.configVersion = version;
      } catch (e) {
        if (!(e instanceof CpaParamsError)) throw e;
        this.config = undefined;
        this.log.error(`Error ensuring controller: ${e.message}`);
        return e.message;
      }
    }

    const cfg = this.config!;
    poll.mode = cfg.mode;
    const expected = cfg.mode === "ladder" ? ladderReplicas(cfg.params, status).replicas : linearReplicas(cfg.params, status).replicas;
    poll.expected = expected;
    this.v(4, `Expected replica count: ${pad3(expected)}`);

    for (const t of this.flags.targets) {
      try {
        const prev = getScale(this.store, { kind: t.kind, name: t.name }, ns).specReplicas;
        poll.previous[t.text] = prev;
        if (prev !== expected) {
          this.v(0, `Cluster status: SchedulableNodes[${status.schedulableNodes}], SchedulableCores[${status.schedulableCores}]`);
          this.v(0, `Replicas are not as expected : updating replicas from ${prev} to ${expected}`);
          updateScale(this.store, { kind: t.kind, name: t.name }, ns, expected);
        }
      } catch (e) {
        const m = isApiError(e) ? e.message : (e as Error).message;
        this.log.error(`Update failure: ${m}`);
        return m; // later targets are not updated in this poll
      }
    }
    return undefined;
  }
}

/** Runs one CpaProcess per cluster-proportional-autoscaler Deployment in the store. */
export class CpaController implements Controller {
  readonly name = CPA_COMPONENT;
  private ctx!: ControllerContext;
  private readonly processes = new Map<string, CpaProcess>();
  private readonly templates = new Map<string, string>();
  private unwatch: (() => void) | undefined;

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.unwatch = ctx.store.watch("Deployment", (ev) => this.onDeployment(ev));
    for (const d of ctx.store.list("Deployment")) this.onDeployment({ type: "ADDED", object: d });
  }

  stop(): void {
    this.unwatch?.();
    for (const p of this.processes.values()) p.stopProcess();
    this.processes.clear();
  }

  /** The CPA process of a Deployment (`namespace/name`). */
  process(namespace: string, name: string): CpaProcess | undefined {
    return this.processes.get(`${namespace}/${name}`);
  }

  list(): CpaProcess[] {
    return [...this.processes.values()];
  }

  private onDeployment(ev: WatchEvent): void {
    const d = ev.object;
    const key = `${d.metadata.namespace ?? "default"}/${d.metadata.name}`;
    let p = this.processes.get(key);
    if (ev.type === "DELETED" || !isCpaDeployment(d)) {
      if (p) {
        p.stopProcess();
        this.processes.delete(key);
        this.templates.delete(key);
      }
      return;
    }
    const templateKey = JSON.stringify(d.spec?.template?.spec?.containers ?? []);
    if (this.templates.get(key) !== templateKey) {
      const { flags, errors } = flagsOfDeployment(d);
      const log = this.ctx.logs.logger(d.metadata.name!);
      if (errors.length) {
        // ValidateFlags logs every problem, then the binary exits: the pod never becomes ready.
        for (const e of errors) log.error(e);
        log.error("failed to validate all input parameters");
        p?.stopProcess();
        this.processes.delete(key);
        this.templates.set(key, templateKey);
        return;
      }
      if (p) p.reconfigure(flags);
      else {
        p = new CpaProcess(this.ctx.store, this.ctx.clock, this.ctx.logs, d.metadata.namespace ?? "default", d.metadata.name!, flags);
        this.processes.set(key, p);
      }
      this.templates.set(key, templateKey);
    }
    if (!p) return; // invalid flags: the binary exits at start
    const ready = (d.status?.readyReplicas ?? 0) > 0;
    if (ready && !p.isRunning) p.startProcess();
    else if (!ready && p.isRunning) p.stopProcess();
  }
}
