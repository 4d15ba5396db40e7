/**
 * The kubelets of every node, as one controller (one instance for the whole cluster, for speed).
 *
 * For each pod bound to a node (spec.nodeName) it runs the pod lifecycle on virtual time and writes
 * the pod status the way the real kubelet does:
 *   admission → Pending, containers waiting `ContainerCreating`, startTime, hostIP, qosClass
 *   sandbox ready (¼ of the start-up delay) → PodReadyToStartContainers, podIP, `Pulling` events
 *   start-up delay (settings.podStartupDelayMs, ±30 % seeded jitter) → `Pulled`/`Created`/`Started`,
 *     containers running in the ContainerRuntime, phase Running
 *   readiness: no probe → ready when running; a readinessProbe is run by a worker that ticks every
 *     periodSeconds from admission and succeeds once initialDelaySeconds have passed since the start.
 * OOM: when a container's working set exceeds its memory limit it is killed (OOMKilled, 137) and
 * restarted under the kubelet's crash-loop back-off (flowcontrol.Backoff: 10 s doubling to 5 min,
 * reset after 10 min without a crash; the first restart follows at the next PLEG relist).
 * Deletion: `Killing` events, containers stopped after min(grace period, shutdown time), then the
 * pod object is removed. When a Node object goes, its containers stop (the instance is gone); the
 * pod objects are left to PodGC (controllers/podgc.ts), which deletes them after its quarantine.
 * Node-pressure eviction: memory.available under the hard threshold evicts BestEffort pods first,
 * then Burstable pods by usage above request.
 *
 * One timer per pod transition; no periodic per-pod polling.
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import type { EventRecorder, EventType } from "../api/events.js";
import type { KubeObject } from "../api/meta.js";
import type { Store, WatchEvent } from "../api/store.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { formatDuration } from "../core/duration.js";
import { bytesOf, cpuMilli, formatBytes } from "../core/quantity.js";
import { hashString, type Rng } from "../core/rng.js";
import { exitPlan } from "../workload/exit.js";
import type { UsageOverride } from "../workload/types.js";
import { computePodQOS, containerOOMScoreAdjust, type QOSClass } from "./qos.js";
import { ContainerRuntime, RUNTIME_SERVICE, type RuntimeContainer } from "./runtime.js";

export const KUBELET_COMPONENT = "kubelet";

export interface KubeletOptions {
  /** Image pull + container start (default 3 s), jittered by ±`startupJitter`. */
  podStartupDelayMs?: number;
  /** Relative jitter of the start-up delay (default 0.3). */
  startupJitter?: number;
  /** Typical time a container takes to exit after SIGTERM (default 1 s), capped by the grace period. */
  shutdownMs?: number;
  /** PLEG relist period: delay before an exited container is noticed and restarted (default 1 s). */
  plegRelistMs?: number;
  /** Hard eviction threshold memory.available (default 100 Mi). */
  evictionHardMemoryBytes?: number;
  /** Turn node-pressure eviction on/off (default on). */
  nodePressureEviction?: boolean;
  /** The scenario's usage overrides: their `run`/`exitCode` say when a container exits by itself. */
  usage?: readonly UsageOverride[];
}

/** flowcontrol.Backoff parameters of the kubelet's container restart back-off. */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** Eviction manager housekeeping interval. */
export const EVICTION_MONITORING_MS = 10_000;

type CPhase = "waiting" | "running" | "terminated";

interface Terminated {
  exitCode: number;
  reason: string;
  startedAt: number;
  finishedAt: number;
  containerID: string;
}

interface CState {
  name: string;
  image: string;
  specImage: string;
  pullPolicy: string;
  kind: "init" | "sidecar" | "app";
  cpuRequestMilli: number;
  cpuLimitMilli: number | undefined;
  memRequest: number;
  memLimit: number | undefined;
  restartCount: number;
  phase: CPhase;
  waitingReason: string;
  waitingMessage?: string;
  startedAt: number;
  containerID: string;
  terminated?: Terminated;
  lastTerminated?: Terminated;
  ready: boolean;
  probe?: { initialDelayMs: number; periodMs: number; successThreshold: number };
  backoff?: { ms: number; lastUpdate: number };
  timer?: TimerHandle;
  /** The process's own exit (workload/exit.ts), separate from `timer` (probes, back-off). */
  exitTimer?: TimerHandle;
  imageID: string;
}

interface PState {
  key: string;
  uid: string;
  namespace: string;
  name: string;
  nodeName: string;
  pod: KubeObject;
  restartPolicy: string;
  hostNetwork: boolean;
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  admittedAt: number;
  startTime: string;
  hostIP: string;
  podIP?: string;
  sandboxReady: boolean;
  started: boolean;
  qos: QOSClass;
  containers: CState[];
  initContainers: CState[];
  timer?: TimerHandle;
  terminating: boolean;
  /** condition type → [status, lastTransitionTime]. */
  conds: Map<string, [string, string]>;
}

const MANAGED_CONDITIONS = new Set(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]);

export class Kubelet implements Controller {
  readonly name = "kubelet";
  private store!: Store;
  private clock!: Clock;
  private events!: EventRecorder;
  private rng!: Rng;
  private runtime!: ContainerRuntime;
  private pods = new Map<string, PState>();
  private byNode = new Map<string, Set<string>>();
  private nodeIPs = new Map<string, string>();
  private nodeMemCapacity = new Map<string, number>();
  private nodeMemAllocatable = new Map<string, number>();
  private nodeImages = new Map<string, Set<string>>();
  private usedIPs = new Set<string>();
  private ipCursor = 0;
  private unsubscribe: Array<() => void> = [];
  private timers = new Set<TimerHandle>();
  private pressureCheck = new Set<string>();
  private readonly startupMs: number;
  private readonly jitter: number;
  private readonly shutdownMs: number;
  private readonly plegMs: number;
  private readonly evictionBytes: number;
  private readonly eviction: boolean;
  private readonly usage: readonly UsageOverride[];

  constructor(opts: KubeletOptions = {}) {
    this.startupMs = opts.podStartupDelayMs ?? 3000;
    this.jitter = opts.startupJitter ?? 0.3;
    this.shutdownMs = opts.shutdownMs ?? 1000;
    this.plegMs = opts.plegRelistMs ?? 1000;
    this.evictionBytes = opts.evictionHardMemoryBytes ?? 100 * 1024 * 1024;
    this.eviction = opts.nodePressureEviction ?? true;
    this.usage = opts.usage ?? [];
  }

  start(ctx: ControllerContext): void {
    this.store = ctx.store;
    this.clock = ctx.clock;
    this.events = ctx.events;
    this.rng = ctx.rng.fork(this.name);
    let rt = ctx.services.get(RUNTIME_SERVICE) as ContainerRuntime | undefined;
    if (!rt) ctx.services.set(RUNTIME_SERVICE, (rt = new ContainerRuntime()));
    this.runtime = rt;
    for (const n of this.store.list("Node")) this.onNode({ type: "ADDED", object: n });
    this.unsubscribe.push(this.store.watch("Node", (ev) => this.onNode(ev)));
    this.unsubscribe.push(this.store.watch("Pod", (ev) => this.onPod(ev)));
    this.unsubscribe.push(this.runtime.onMemory((c) => this.onMemory(c)));
    this.unsubscribe.push(this.runtime.onExit((c, code) => this.onExit(c, code)));
    for (const p of this.store.list("Pod")) this.onPod({ type: "ADDED", object: p });
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    for (const t of this.timers) this.clock.cancel(t);
    this.timers.clear();
    for (const ps of this.pods.values()) this.cancelTimers(ps);
  }

  /** oom_score_adj of a running container (qos.ts policy with the node's memory capacity). */
  oomScoreAdj(namespace: string, podName: string, container: string): number | undefined {
    const ps = this.pods.get(`${namespace}/${podName}`);
    if (!ps) return undefined;
    const spec = [...(ps.pod.spec?.containers ?? []), ...(ps.pod.spec?.initContainers ?? [])].find((c: any) => c.name === container);
    const cap = this.nodeMemCapacity.get(ps.nodeName);
    if (!spec || !cap) return undefined;
    return containerOOMScoreAdjust(ps.pod, spec, cap);
  }

  // ------------------------------------------------------------------------------- watches

  private onNode(ev: WatchEvent): void {
    const n = ev.object;
    const name = n.metadata.name!;
    if (ev.type === "DELETED") {
      this.nodeGone(name);
      return;
    }
    const ip =
      (n.status?.addresses as Array<{ type: string; address: string }> | undefined)?.find((a) => a.type === "InternalIP")?.address ??
      syntheticNodeIP(name);
    if (this.nodeIPs.get(name) !== ip) {
      this.nodeIPs.set(name, ip);
      this.usedIPs.add(ip);
    }
    const cap = n.status?.capacity?.memory;
    if (cap !== undefined) this.nodeMemCapacity.set(name, bytesOf(cap));
    const alloc = n.status?.allocatable;
    if (alloc?.memory !== undefined) this.nodeMemAllocatable.set(name, bytesOf(alloc.memory));
    if (alloc?.cpu !== undefined) this.runtime.setNodeCpu(name, cpuMilli(alloc.cpu));
  }

  private onPod(ev: WatchEvent): void {
    const pod = ev.object;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const ps = this.pods.get(key);
    if (ev.type === "DELETED") {
      if (ps && ps.uid === pod.metadata.uid) this.forget(ps);
      return;
    }
    const nodeName = pod.spec?.nodeName as string | undefined;
    if (ps) {
      if (ps.uid !== pod.metadata.uid) {
        this.forget(ps);
      } else {
        ps.pod = pod;
        if (pod.metadata.deletionTimestamp && !ps.terminating) this.terminate(ps);
        return;
      }
    }
    if (!nodeName) return;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return;
    if (pod.metadata.deletionTimestamp) {
      // Never started here: nothing to stop.
      this.after(0, () => this.removeIfSame(key, pod.metadata.uid!));
      return;
    }
    this.admit(pod, key, nodeName);
  }

  // ------------------------------------------------------------------------------- lifecycle

  private admit(pod: KubeObject, key: string, nodeName: string): void {
    const now = this.clock.now();
    const spec = pod.spec ?? {};
    const hostIP = this.nodeIPs.get(nodeName);
    // Bound to a node that does not exist (any more): no kubelet runs it; PodGC deletes it.
    if (!hostIP) return;
    const ps: PState = {
      key,
      uid: pod.metadata.uid!,
      namespace: pod.metadata.namespace ?? "default",
      name: pod.metadata.name!,
      nodeName,
      pod,
      restartPolicy: spec.restartPolicy ?? "Always",
      hostNetwork: spec.hostNetwork === true,
      phase: "Pending",
      admittedAt: now,
      startTime: this.clock.iso(now),
      hostIP,
      sandboxReady: false,
      started: false,
      qos: computePodQOS(pod),
      containers: (spec.containers ?? []).map((c: any) => this.containerState(c, "app")),
      initContainers: (spec.initContainers ?? []).map((c: any) =>
        this.containerState(c, c.restartPolicy === "Always" ? "sidecar" : "init"),
      ),
      terminating: false,
      conds: new Map(),
    };
    this.pods.set(key, ps);
    let set = this.byNode.get(nodeName);
    if (!set) this.byNode.set(nodeName, (set = new Set()));
    set.add(key);
    this.writeStatus(ps);
    const delay = Math.max(1, Math.round(this.startupMs * (1 + this.rng.uniform(-this.jitter, this.jitter))));
    const sandboxAt = Math.round(delay / 4);
    ps.timer = this.after(sandboxAt, () => {
      ps.timer = undefined;
      this.sandboxReady(ps);
      ps.timer = this.after(delay - sandboxAt, () => {
        ps.timer = undefined;
        this.startContainers(ps, delay - sandboxAt);
      });
    });
  }

  private containerState(c: any, kind: CState["kind"]): CState {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    const rp = c.readinessProbe;
    const image = String(c.image ?? "");
    return {
      name: c.name,
      image: normalizeImage(image),
      specImage: image,
      pullPolicy: c.imagePullPolicy ?? defaultPullPolicy(image),
      kind,
      cpuRequestMilli: cpuMilli(req.cpu ?? lim.cpu),
      cpuLimitMilli: lim.cpu !== undefined ? cpuMilli(lim.cpu) : undefined,
      memRequest: bytesOf(req.memory ?? lim.memory),
      memLimit: lim.memory !== undefined ? bytesOf(lim.memory) : undefined,
      restartCount: 0,
      phase: "waiting",
      waitingReason: kind === "app" || kind === "sidecar" ? "ContainerCreating" : "PodInitializing",
      startedAt: 0,
      containerID: "",
      ready: false,
      imageID: "",
      probe:
        rp && kind !== "init"
          ? {
              initialDelayMs: (rp.initialDelaySeconds ?? 0) * 1000,
              periodMs: (rp.periodSeconds ?? 10) * 1000,
              successThreshold: rp.successThreshold ?? 1,
            }
          : undefined,
    };
  }

  private sandboxReady(ps: PState): void {
    ps.sandboxReady = true;
    ps.podIP = ps.hostNetwork ? ps.hostIP : this.allocateIP(ps.nodeName);
    for (const c of [...ps.initContainers, ...ps.containers]) {
      if (this.needsPull(ps, c)) this.event(ps, c, "Normal", "Pulling", `Pulling image "${c.specImage}"`);
    }
    this.writeStatus(ps);
  }

  private startContainers(ps: PState, pullMs: number): void {
    const now = this.clock.now();
    ps.started = true;
    for (const c of ps.initContainers) {
      this.pulledEvent(ps, c, pullMs);
      this.event(ps, c, "Normal", "Created", `Created container ${c.name}`);
      this.event(ps, c, "Normal", "Started", `Started container ${c.name}`);
      if (c.kind === "init") {
        // Init containers of the simulated images run to completion during the start-up delay.
        const id = this.containerId();
        c.phase = "terminated";
        c.containerID = id;
        c.imageID = imageId(c.image);
        c.terminated = { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now, containerID: id };
      } else {
        this.runContainer(ps, c, now);
      }
    }
    for (const c of ps.containers) {
      this.pulledEvent(ps, c, pullMs);
      this.event(ps, c, "Normal", "Created", `Created container ${c.name}`);
      this.event(ps, c, "Normal", "Started", `Started container ${c.name}`);
      this.runContainer(ps, c, now);
    }
    ps.phase = "Running";
    this.writeStatus(ps);
  }

  private runContainer(ps: PState, c: CState, now: number): void {
    c.phase = "running";
    c.startedAt = now;
    c.containerID = this.containerId();
    c.imageID = imageId(c.image);
    c.waitingReason = "";
    c.waitingMessage = undefined;
    c.ready = !c.probe;
    this.runtime.start(
      {
        podKey: ps.key,
        podUid: ps.uid,
        name: c.name,
        nodeName: ps.nodeName,
        startedAt: now,
        cpuRequestMilli: c.cpuRequestMilli,
        cpuLimitMilli: c.cpuLimitMilli,
      },
      now,
    );
    if (c.probe) this.scheduleReadiness(ps, c);
    this.scheduleExit(ps, c);
  }

  /** A command that ends by itself (a Job's task): the runtime reports the exit when it is done. */
  private scheduleExit(ps: PState, c: CState): void {
    const spec = findSpec(ps.pod, c);
    const plan = exitPlan(
      { image: c.specImage, command: spec?.command, args: spec?.args, namespace: ps.namespace, podName: ps.name, container: c.name },
      this.usage,
    );
    if (!plan) return;
    const startedAt = c.startedAt;
    const h = this.after(plan.afterMs, () => {
      if (c.exitTimer === h) c.exitTimer = undefined;
      if (c.phase === "running" && c.startedAt === startedAt) this.runtime.exit(ps.key, c.name, plan.exitCode);
    });
    c.exitTimer = h;
  }

  /** The readiness worker ticks at admission + k·period; the first tick ≥ start + initialDelay succeeds. */
  private scheduleReadiness(ps: PState, c: CState): void {
    const p = c.probe!;
    const earliest = c.startedAt + p.initialDelayMs;
    const k = Math.max(0, Math.ceil((earliest - ps.admittedAt) / p.periodMs)) + (p.successThreshold - 1);
    const at = ps.admittedAt + k * p.periodMs;
    const startedAt = c.startedAt;
    this.setContainerTimer(c, at - this.clock.now(), () => {
      if (c.phase !== "running" || c.startedAt !== startedAt || ps.terminating) return;
      c.ready = true;
      this.writeStatus(ps);
    });
  }

  // ------------------------------------------------------------------------------- OOM / restarts

  private onMemory(rc: RuntimeContainer): void {
    const ps = this.pods.get(rc.podKey);
    if (!ps || ps.uid !== rc.podUid || ps.terminating) return;
    const c = findContainer(ps, rc.name);
    if (!c || c.phase !== "running" || c.memLimit === undefined) {
      this.checkPressure(rc.nodeName);
      return;
    }
    if (rc.memoryBytes > c.memLimit) {
      const startedAt = c.startedAt;
      // Deferred: the writer may be iterating over the runtime's containers.
      this.after(0, () => {
        if (c.phase === "running" && c.startedAt === startedAt && !ps.terminating && this.pods.get(ps.key) === ps) {
          this.containerDied(ps, c, 137, "OOMKilled");
        }
      });
      return;
    }
    this.checkPressure(rc.nodeName);
  }

  /** The container's process exited by itself: "Completed" for 0, else "Error" (as containerd reports it). */
  private onExit(rc: RuntimeContainer, exitCode: number): void {
    const ps = this.pods.get(rc.podKey);
    if (!ps || ps.uid !== rc.podUid || ps.terminating) return;
    const c = findContainer(ps, rc.name);
    if (!c || c.phase !== "running" || c.startedAt !== rc.startedAt) return;
    const startedAt = c.startedAt;
    // Deferred like the OOM kill: the caller may be iterating over the runtime's containers.
    this.after(0, () => {
      if (c.phase === "running" && c.startedAt === startedAt && !ps.terminating && this.pods.get(ps.key) === ps) {
        this.containerDied(ps, c, exitCode, exitCode === 0 ? "Completed" : "Error");
      }
    });
  }

  /** A running container exited with `exitCode`/`reason`: restart it under back-off, or let the pod finish. */
  private containerDied(ps: PState, c: CState, exitCode: number, reason: string): void {
    const now = this.clock.now();
    this.runtime.stop(ps.key, c.name, now);
    this.cancelContainerTimer(c);
    c.phase = "terminated";
    c.ready = false;
    c.terminated = { exitCode, reason, startedAt: c.startedAt, finishedAt: now, containerID: c.containerID };
    const restart =
      c.kind === "sidecar" || ps.restartPolicy === "Always" || (ps.restartPolicy === "OnFailure" && exitCode !== 0);
    if (!restart) {
      this.finishIfDone(ps);
      this.writeStatus(ps);
      return;
    }
    // flowcontrol.Backoff: IsInBackOffSince(finishedAt) / Next(finishedAt).
    const b = c.backoff;
    const expired = b !== undefined && now - b.lastUpdate > 2 * BACKOFF_MAX_MS;
    if (b && !expired) {
      c.lastTerminated = c.terminated;
      c.terminated = undefined;
      c.phase = "waiting";
      c.waitingReason = "CrashLoopBackOff";
      c.waitingMessage = `back-off ${formatDuration(b.ms)} restarting failed container=${c.name} pod=${podRef(ps)}`;
      this.event(ps, c, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${podRef(ps)}`);
      this.writeStatus(ps);
      const finishedAt = now;
      this.setContainerTimer(c, b.ms, () => {
        b.ms = Math.min(b.ms * 2, BACKOFF_MAX_MS);
        b.lastUpdate = finishedAt;
        this.restart(ps, c);
      });
    } else {
      c.backoff = { ms: BACKOFF_INITIAL_MS, lastUpdate: now };
      this.writeStatus(ps);
      this.setContainerTimer(c, this.plegMs, () => this.restart(ps, c));
    }
  }

  private restart(ps: PState, c: CState): void {
    if (ps.terminating || this.pods.get(ps.key) !== ps) return;
    if (c.terminated) c.lastTerminated = c.terminated;
    c.terminated = undefined;
    c.restartCount++;
    if (c.pullPolicy === "Always") {
      this.event(ps, c, "Normal", "Pulling", `Pulling image "${c.specImage}"`);
    }
    this.pulledEvent(ps, c, 0);
    this.event(ps, c, "Normal", "Created", `Created container ${c.name}`);
    this.event(ps, c, "Normal", "Started", `Started container ${c.name}`);
    this.runContainer(ps, c, this.clock.now());
    this.writeStatus(ps);
  }

  private finishIfDone(ps: PState): void {
    const all = [...ps.containers, ...ps.initContainers.filter((c) => c.kind === "sidecar")];
    if (ps.containers.some((c) => c.phase !== "terminated")) return;
    const failed = ps.containers.some((c) => (c.terminated?.exitCode ?? 0) !== 0);
    ps.phase = failed ? "Failed" : "Succeeded";
    for (const c of all) {
      if (c.phase === "running") {
        this.runtime.stop(ps.key, c.name, this.clock.now());
        this.cancelContainerTimer(c);
        c.phase = "terminated";
        c.ready = false;
        c.terminated = { exitCode: 0, reason: "Completed", startedAt: c.startedAt, finishedAt: this.clock.now(), containerID: c.containerID };
      }
    }
    this.releaseIP(ps);
  }

  // ------------------------------------------------------------------------------- deletion

  private terminate(ps: PState): void {
    ps.terminating = true;
    this.cancelTimers(ps);
    const running = [...ps.containers, ...ps.initContainers].filter((c) => c.phase === "running");
    for (const c of running) this.event(ps, c, "Normal", "Killing", `Stopping container ${c.name}`);
    const grace = Number(ps.pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    const delay = running.length === 0 ? 0 : Math.min(grace, this.shutdownMs);
    const uid = ps.uid;
    this.after(delay, () => {
      this.runtime.stopPod(ps.key, this.clock.now());
      this.removeIfSame(ps.key, uid);
    });
  }

  private removeIfSame(key: string, uid: string): void {
    const cur = this.store.get("Pod", key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1));
    if (cur && cur.metadata.uid === uid) this.store.forceRemove("Pod", cur.metadata.namespace, cur.metadata.name!);
    const ps = this.pods.get(key);
    if (ps && ps.uid === uid) this.forget(ps);
  }

  private forget(ps: PState): void {
    this.cancelTimers(ps);
    this.runtime.stopPod(ps.key, this.clock.now());
    this.releaseIP(ps);
    this.pods.delete(ps.key);
    this.byNode.get(ps.nodeName)?.delete(ps.key);
  }

  private nodeGone(name: string): void {
    const ip = this.nodeIPs.get(name);
    if (ip) this.usedIPs.delete(ip);
    this.nodeIPs.delete(name);
    this.nodeMemCapacity.delete(name);
    this.nodeMemAllocatable.delete(name);
    this.nodeImages.delete(name);
    const keys = this.byNode.get(name);
    if (!keys) return;
    // The instance is gone: its containers stop now; the API objects are left to PodGC.
    for (const key of [...keys]) {
      const ps = this.pods.get(key);
      if (ps) this.forget(ps);
    }
    this.byNode.delete(name);
  }

  // ------------------------------------------------------------------------------- eviction

  private checkPressure(nodeName: string): void {
    if (!this.eviction || this.pressureCheck.has(nodeName)) return;
    const cap = this.nodeMemCapacity.get(nodeName);
    if (cap === undefined) return;
    if (cap - this.runtime.nodeMemoryBytes(nodeName) >= this.evictionBytes) return;
    this.pressureCheck.add(nodeName);
    // The eviction manager's next synchronize pass (every 10 s) sees the pressure.
    const now = this.clock.now();
    this.after(EVICTION_MONITORING_MS - (now % EVICTION_MONITORING_MS), () => {
      this.pressureCheck.delete(nodeName);
      this.evictOne(nodeName);
    });
  }

  /** Evict one pod: BestEffort/over-request first (largest usage above request), as the eviction manager ranks. */
  private evictOne(nodeName: string): void {
    const cap = this.nodeMemCapacity.get(nodeName);
    if (cap === undefined) return;
    const available = cap - this.runtime.nodeMemoryBytes(nodeName);
    if (available >= this.evictionBytes) return;
    let best: PState | undefined;
    let bestScore: [number, number] = [Infinity, 0];
    for (const key of this.byNode.get(nodeName) ?? []) {
      const ps = this.pods.get(key);
      if (!ps || ps.terminating || ps.phase !== "Running") continue;
      let usage = 0;
      let request = 0;
      for (const rc of this.runtime.containers(ps.key)) usage += rc.memoryBytes;
      for (const c of ps.containers) request += c.memRequest;
      const exceeds = usage > request ? 0 : 1; // pods using more than their request go first
      const prio = Number(ps.pod.spec?.priority ?? 0);
      const score: [number, number] = [exceeds * 1e12 + prio, usage - request];
      if (score[0] < bestScore[0] || (score[0] === bestScore[0] && score[1] > bestScore[1])) {
        best = ps;
        bestScore = score;
      }
    }
    if (!best) return;
    this.evict(best, available);
    this.checkPressure(nodeName);
  }

  private evict(ps: PState, availableBytes: number): void {
    let msg = `The node was low on resource: memory. Threshold quantity: ${formatBytes(this.evictionBytes)}, available: ${formatBytes(Math.max(0, availableBytes))}. `;
    for (const rc of this.runtime.containers(ps.key)) {
      const c = findContainer(ps, rc.name);
      if (rc.memoryBytes > (c?.memRequest ?? 0)) {
        msg += `Container ${rc.name} was using ${formatBytes(rc.memoryBytes)}, request is ${formatBytes(c?.memRequest ?? 0)}, has larger consumption of memory. `;
      }
    }
    this.event(ps, undefined, "Warning", "Evicted", msg);
    this.cancelTimers(ps);
    const now = this.clock.now();
    this.runtime.stopPod(ps.key, now);
    for (const c of [...ps.containers, ...ps.initContainers]) {
      if (c.phase === "running") {
        c.phase = "terminated";
        c.terminated = { exitCode: 137, reason: "Error", startedAt: c.startedAt, finishedAt: now, containerID: c.containerID };
      }
      c.ready = false;
    }
    ps.phase = "Failed";
    ps.terminating = true;
    this.releaseIP(ps);
    const cur = this.store.get("Pod", ps.namespace, ps.name);
    if (cur && cur.metadata.uid === ps.uid) {
      const status = this.buildStatus(ps, cur);
      status.reason = "Evicted";
      status.message = msg;
      status.conditions = [
        ...status.conditions,
        {
          type: "DisruptionTarget",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: this.clock.iso(now),
          reason: "TerminationByKubelet",
          message: msg,
        },
      ];
      this.store.setStatus(cur, status);
    }
    this.pods.delete(ps.key);
    this.byNode.get(ps.nodeName)?.delete(ps.key);
  }

  // ------------------------------------------------------------------------------- status

  private writeStatus(ps: PState): void {
    const cur = this.store.get("Pod", ps.namespace, ps.name);
    if (!cur || cur.metadata.uid !== ps.uid) return;
    ps.pod = this.store.setStatus(cur, this.buildStatus(ps, cur));
  }

  private cond(ps: PState, type: string, status: boolean, reason?: string, message?: string): any {
    const s = status ? "True" : "False";
    const prev = ps.conds.get(type);
    let t: string;
    if (prev && prev[0] === s) t = prev[1];
    else {
      t = this.clock.iso();
      ps.conds.set(type, [s, t]);
    }
    return { type, status: s, lastProbeTime: null, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  }

  private buildStatus(ps: PState, cur: KubeObject): any {
    const prev = cur.status ?? {};
    const init = ps.initContainers.filter((c) => c.kind === "init");
    const incomplete = init.filter((c) => !(c.phase === "terminated" && c.terminated?.exitCode === 0)).map((c) => c.name);
    const sidecars = ps.initContainers.filter((c) => c.kind === "sidecar");
    const unready = [...sidecars, ...ps.containers].filter((c) => !c.ready).map((c) => c.name);
    const conditions: any[] = [
      this.cond(ps, "PodReadyToStartContainers", ps.sandboxReady),
      incomplete.length === 0
        ? this.cond(ps, "Initialized", true)
        : this.cond(ps, "Initialized", false, "ContainersNotInitialized", `containers with incomplete status: [${incomplete.join(" ")}]`),
    ];
    const readyMsg = `containers with unready status: [${unready.join(" ")}]`;
    const podDone = ps.phase === "Succeeded";
    if (unready.length === 0 && ps.phase === "Running") {
      conditions.push(this.cond(ps, "Ready", true), this.cond(ps, "ContainersReady", true));
    } else if (podDone) {
      conditions.push(this.cond(ps, "Ready", false, "PodCompleted"), this.cond(ps, "ContainersReady", false, "PodCompleted"));
    } else {
      conditions.push(
        this.cond(ps, "Ready", false, "ContainersNotReady", readyMsg),
        this.cond(ps, "ContainersReady", false, "ContainersNotReady", readyMsg),
      );
    }
    const others = ((prev.conditions ?? []) as any[]).filter((c) => !MANAGED_CONDITIONS.has(c.type));
    if (!others.some((c) => c.type === "PodScheduled")) {
      conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: ps.startTime });
    }
    conditions.push(...others);
    const status: any = {
      ...prev,
      phase: ps.phase,
      conditions,
      hostIP: ps.hostIP,
      hostIPs: [{ ip: ps.hostIP }],
      startTime: ps.startTime,
      qosClass: ps.qos,
      containerStatuses: ps.containers.map((c) => this.containerStatus(c)),
    };
    if (ps.podIP) {
      status.podIP = ps.podIP;
      status.podIPs = [{ ip: ps.podIP }];
    } else {
      delete status.podIP;
      delete status.podIPs;
    }
    if (ps.initContainers.length) status.initContainerStatuses = ps.initContainers.map((c) => this.containerStatus(c));
    return status;
  }

  private containerStatus(c: CState): any {
    const iso = (t: number) => this.clock.iso(t);
    const term = (t: Terminated) => ({
      terminated: { containerID: t.containerID, exitCode: t.exitCode, finishedAt: iso(t.finishedAt), reason: t.reason, startedAt: iso(t.startedAt) },
    });
    let state: any;
    if (c.phase === "running") state = { running: { startedAt: iso(c.startedAt) } };
    else if (c.phase === "terminated" && c.terminated) state = term(c.terminated);
    else state = { waiting: { reason: c.waitingReason, ...(c.waitingMessage ? { message: c.waitingMessage } : {}) } };
    return {
      ...(c.containerID ? { containerID: c.containerID } : {}),
      image: c.image,
      imageID: c.imageID,
      lastState: c.lastTerminated ? term(c.lastTerminated) : {},
      name: c.name,
      ready: c.ready,
      restartCount: c.restartCount,
      started: c.phase === "running",
      state,
    };
  }

  // ------------------------------------------------------------------------------- helpers

  private needsPull(ps: PState, c: CState): boolean {
    if (c.pullPolicy === "Always") return true;
    if (c.pullPolicy === "Never") return false;
    return !this.nodeImages.get(ps.nodeName)?.has(c.image);
  }

  private pulledEvent(ps: PState, c: CState, pullMs: number): void {
    if (this.needsPull(ps, c)) {
      const ms = pullMs > 0 ? pullMs : Math.round(300 + this.rng.uniform(0, 400));
      const d = formatDuration(ms);
      this.event(ps, c, "Normal", "Pulled", `Successfully pulled image "${c.specImage}" in ${d} (${d} including waiting). Image size: ${imageSize(c.image)} bytes.`);
      let set = this.nodeImages.get(ps.nodeName);
      if (!set) this.nodeImages.set(ps.nodeName, (set = new Set()));
      set.add(c.image);
    } else {
      this.event(ps, c, "Normal", "Pulled", `Container image "${c.specImage}" already present on machine`);
    }
  }

  private event(ps: PState, c: CState | undefined, type: EventType, reason: string, message: string): void {
    const fieldPath = c ? (c.kind === "app" ? `spec.containers{${c.name}}` : `spec.initContainers{${c.name}}`) : undefined;
    this.events.record(ps.pod, type, reason, message, { component: KUBELET_COMPONENT, host: ps.nodeName }, fieldPath);
  }

  private after(ms: number, fn: () => void): TimerHandle {
    const h = this.clock.after(ms, () => {
      this.timers.delete(h);
      fn();
    });
    this.timers.add(h);
    return h;
  }

  private setContainerTimer(c: CState, ms: number, fn: () => void): void {
    if (c.timer) {
      this.clock.cancel(c.timer);
      this.timers.delete(c.timer);
    }
    const h = this.after(ms, () => {
      if (c.timer === h) c.timer = undefined;
      fn();
    });
    c.timer = h;
  }

  private cancelTimers(ps: PState): void {
    if (ps.timer) {
      this.clock.cancel(ps.timer);
      this.timers.delete(ps.timer);
      ps.timer = undefined;
    }
    for (const c of ps.containers) this.cancelContainerTimer(c);
    for (const c of ps.initContainers) this.cancelContainerTimer(c);
  }

  private cancelContainerTimer(c: CState): void {
    if (c.timer) {
      this.clock.cancel(c.timer);
      this.timers.delete(c.timer);
      c.timer = undefined;
    }
    if (c.exitTimer) {
      this.clock.cancel(c.exitTimer);
      this.timers.delete(c.exitTimer);
      c.exitTimer = undefined;
    }
  }

  private containerId(): string {
    let s = "containerd://";
    for (let i = 0; i < 8; i++) s += this.rng.nextUint32().toString(16).padStart(8, "0");
    return s;
  }

  /**
   * A secondary IP of the node's subnet (VPC CNI), unique in the cluster. A few random draws in the
   * node's subnet; when that is crowded (IP exhaustion is not modelled) a cursor over the rest of the VPC.
   */
  private allocateIP(nodeName: string): string {
    const nodeIP = this.nodeIPs.get(nodeName);
    if (!nodeIP) return "";
    const [a, b, c] = nodeIP.split(".").map(Number) as [number, number, number];
    const block = a === 192 ? 32 : a === 10 ? 16 : 1;
    const base = c - (c % block);
    const hosts = block * 256;
    for (let tries = 0; tries < 8; tries++) {
      const off = 4 + this.rng.int(hosts - 5);
      const ip = `${a}.${b}.${base + (off >> 8)}.${off & 255}`;
      if (!this.usedIPs.has(ip)) {
        this.usedIPs.add(ip);
        return ip;
      }
    }
    // Overflow: walk the VPC (a.b.0.0/16 for 192.168, 10.0.0.0/8 otherwise) from a cursor.
    const span = a === 10 ? 1 << 24 : 1 << 16;
    for (let i = 0; i < span; i++) {
      const off = (this.ipCursor = (this.ipCursor + 1) % span);
      if ((off & 255) < 4 || (off & 255) === 255) continue;
      const ip = a === 10 ? `10.${off >>> 16}.${(off >> 8) & 255}.${off & 255}` : `${a}.${b}.${off >> 8}.${off & 255}`;
      if (!this.usedIPs.has(ip)) {
        this.usedIPs.add(ip);
        return ip;
      }
    }
    return nodeIP;
  }

  private releaseIP(ps: PState): void {
    if (ps.podIP && !ps.hostNetwork && ps.podIP !== ps.hostIP) this.usedIPs.delete(ps.podIP);
  }
}

/** Nodes created without addresses (test fixtures) still get a stable private IP. */
function syntheticNodeIP(name: string): string {
  const h = hashString(name);
  return `10.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${Math.max(4, h & 255)}`;
}

function findSpec(pod: KubeObject, c: CState): { command?: string[]; args?: string[] } | undefined {
  const list = c.kind === "app" ? pod.spec?.containers : pod.spec?.initContainers;
  for (const s of list ?? []) if (s.name === c.name) return s;
  return undefined;
}

function findContainer(ps: PState, name: string): CState | undefined {
  for (const c of ps.containers) if (c.name === name) return c;
  for (const c of ps.initContainers) if (c.name === name) return c;
  return undefined;
}

/** format.Pod: `name_namespace(uid)`. */
function podRef(ps: PState): string {
  return `${ps.name}_${ps.namespace}(${ps.uid})`;
}

/** Docker reference normalisation: `nginx` → `docker.io/library/nginx:latest`. */
export function normalizeImage(image: string): string {
  if (!image) return image;
  let name = image;
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (slash < 0) name = `docker.io/library/${name}`;
  else if (!(first.includes(".") || first.includes(":") || first === "localhost")) name = `docker.io/${name}`;
  const lastSlash = name.lastIndexOf("/");
  const tail = name.slice(lastSlash + 1);
  if (!tail.includes(":") && !tail.includes("@")) name += ":latest";
  return name;
}

/** API defaulting of imagePullPolicy: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string): string {
  const tail = image.slice(image.lastIndexOf("/") + 1);
  if (tail.includes("@")) return "IfNotPresent";
  const colon = tail.indexOf(":");
  if (colon < 0 || tail.slice(colon + 1) === "latest") return "Always";
  return "IfNotPresent";
}

function imageId(image: string): string {
  const slash = image.lastIndexOf("/");
  const tail = image.slice(slash + 1).replace(/[:@].*$/, "");
  const repo = image.slice(0, slash + 1) + tail;
  let h = "";
  for (let i = 0; i < 8; i++) h += hashString(`${image}#${i}`).toString(16).padStart(8, "0");
  return `${repo}@sha256:${h}`;
}

/** A plausible, stable compressed image size (20–220 MB) per image. */
export function imageSize(image: string): number {
  return 20_000_000 + (hashString(image) % 200_000_000);
}
