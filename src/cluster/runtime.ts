/**
 * The simulated container runtime (what containerd + cgroups are on a real node): the running
 * containers, their CPU usage integrated into a cumulative counter (the cAdvisor
 * `container_cpu_usage_seconds_total` the kubelet reports) and their memory working set.
 *
 * It is not API state, so it lives outside the store, shared through ControllerContext.services
 * under RUNTIME_SERVICE. Writers:
 *  - the kubelet starts/stops containers and sets the CPU limit (CFS quota) — `start`, `stop`;
 *  - demand models (intrinsic image usage, Service traffic) set what a container *wants* —
 *    `setCpuDemand`, `setMemory`.
 * The runtime applies throttling: used CPU = min(demand, limit), and when a node's containers want
 * more than the node's CPU, each gets a share proportional to its request (CFS shares).
 * Readers: metrics-server (`cpuCumulativeNanos`, `memoryBytes`), the kubelet's OOM check.
 */
export const RUNTIME_SERVICE = "container-runtime";

export interface RuntimeContainer {
  readonly podKey: string; // namespace/name
  readonly podUid: string;
  readonly name: string;
  readonly nodeName: string;
  /** Virtual ms when this container instance started (changes on restart). */
  startedAt: number;
  cpuRequestMilli: number;
  /** CFS quota; undefined = unlimited. */
  cpuLimitMilli: number | undefined;
  /** Wanted CPU (millicores), before throttling. */
  cpuDemandMilli: number;
  /** CPU actually used now (millicores), after throttling. */
  cpuUsedMilli: number;
  /** Cumulative CPU in core-nanoseconds up to `cpuSince`. */
  cpuCumNanos: number;
  cpuSince: number;
  memoryBytes: number;
}

export type RuntimeListener = (kind: "started" | "stopped", c: RuntimeContainer) => void;
/** Called after a container's memory working set changed (the kubelet's OOM check listens here). */
export type MemoryListener = (c: RuntimeContainer, previousBytes: number) => void;
/**
 * Called when a container's main process exits by itself (its work is done, or it failed): the
 * kubelet notices (PLEG) and applies the pod's restartPolicy. The container is still running in the
 * runtime when listeners are called; the kubelet stops it.
 */
export type ExitListener = (c: RuntimeContainer, exitCode: number) => void;

export class ContainerRuntime {
  private byPod = new Map<string, RuntimeContainer[]>();
  private byNode = new Map<string, Set<RuntimeContainer>>();
  private nodeCpuMilli = new Map<string, number>();
  private listeners = new Set<RuntimeListener>();
  private memoryListeners = new Set<MemoryListener>();
  private exitListeners = new Set<ExitListener>();
  private nodeMemory = new Map<string, number>();
  /** Per node: running Σ capped demand, contention state (see `rebalance`). */
  private nodeCpu = new Map<string, NodeCpuState>();

  /** Declare a node's CPU capacity (millicores) for contention. */
  setNodeCpu(nodeName: string, milli: number): void {
    this.nodeCpuMilli.set(nodeName, milli);
    const st = this.nodeCpu.get(nodeName);
    if (st) st.fresh = false; // the next change re-derives the contention state with the new capacity
  }

  removeNode(nodeName: string): void {
    this.nodeCpuMilli.delete(nodeName);
    this.nodeMemory.delete(nodeName);
    const st = this.nodeCpu.get(nodeName);
    if (st) st.fresh = false;
  }

  start(
    c: Omit<RuntimeContainer, "cpuUsedMilli" | "cpuCumNanos" | "cpuSince" | "cpuDemandMilli" | "memoryBytes"> &
      Partial<Pick<RuntimeContainer, "cpuDemandMilli" | "memoryBytes">>,
    now: number,
  ): RuntimeContainer {
    this.stop(c.podKey, c.name, now);
    const rc: RuntimeContainer = {
      ...c,
      cpuDemandMilli: c.cpuDemandMilli ?? 0,
      memoryBytes: c.memoryBytes ?? 0,
      cpuUsedMilli: 0,
      cpuCumNanos: 0,
      cpuSince: now,
    };
    let list = this.byPod.get(c.podKey);
    if (!list) this.byPod.set(c.podKey, (list = []));
    list.push(rc);
    let set = this.byNode.get(c.nodeName);
    if (!set) this.byNode.set(c.nodeName, (set = new Set()));
    set.add(rc);
    if (rc.memoryBytes) this.nodeMemory.set(rc.nodeName, (this.nodeMemory.get(rc.nodeName) ?? 0) + rc.memoryBytes);
    this.rebalance(c.nodeName, now, rc, 0, cappedOf(rc), true);
    for (const l of this.listeners) l("started", rc);
    return rc;
  }

  stop(podKey: string, name: string, now: number): void {
    const list = this.byPod.get(podKey);
    if (!list) return;
    const i = list.findIndex((x) => x.name === name);
    if (i < 0) return;
    const [rc] = list.splice(i, 1);
    if (list.length === 0) this.byPod.delete(podKey);
    this.byNode.get(rc!.nodeName)?.delete(rc!);
    if (rc!.memoryBytes) this.nodeMemory.set(rc!.nodeName, (this.nodeMemory.get(rc!.nodeName) ?? 0) - rc!.memoryBytes);
    this.rebalance(rc!.nodeName, now, undefined, cappedOf(rc!), 0, true);
    for (const l of this.listeners) l("stopped", rc!);
  }

  stopPod(podKey: string, now: number): void {
    for (const c of [...(this.byPod.get(podKey) ?? [])]) this.stop(podKey, c.name, now);
  }

  containers(podKey: string): readonly RuntimeContainer[] {
    return this.byPod.get(podKey) ?? [];
  }

  container(podKey: string, name: string): RuntimeContainer | undefined {
    const list = this.byPod.get(podKey);
    if (list) for (const c of list) if (c.name === name) return c;
    return undefined;
  }

  forEach(fn: (c: RuntimeContainer) => void): void {
    for (const list of this.byPod.values()) for (const c of list) fn(c);
  }

  /** The container's process exits with `exitCode` (0 = its work is done). No-op if it is not running. */
  exit(podKey: string, name: string, exitCode: number): void {
    const c = this.container(podKey, name);
    if (!c) return;
    for (const l of this.exitListeners) l(c, exitCode);
  }

  onExit(l: ExitListener): () => void {
    this.exitListeners.add(l);
    return () => this.exitListeners.delete(l);
  }

  onChange(l: RuntimeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  setCpuDemand(podKey: string, name: string, milli: number, now: number): void {
    const c = this.container(podKey, name);
    if (c) this.setContainerCpuDemand(c, milli, now);
  }

  /** `setCpuDemand` for a container already looked up (it must be running: from `container`). */
  setContainerCpuDemand(c: RuntimeContainer, milli: number, now: number): void {
    if (c.cpuDemandMilli === milli) return;
    const before = cappedOf(c);
    c.cpuDemandMilli = milli;
    this.rebalance(c.nodeName, now, c, before, cappedOf(c), false);
  }

  setMemory(podKey: string, name: string, bytes: number): void {
    const c = this.container(podKey, name);
    if (c) this.setContainerMemory(c, bytes);
  }

  /** `setMemory` for a container already looked up (it must be running: from `container`). */
  setContainerMemory(c: RuntimeContainer, bytes: number): void {
    if (c.memoryBytes === bytes) return;
    const prev = c.memoryBytes;
    c.memoryBytes = bytes;
    this.nodeMemory.set(c.nodeName, (this.nodeMemory.get(c.nodeName) ?? 0) + bytes - prev);
    for (const l of this.memoryListeners) l(c, prev);
  }

  /** Subscribe to memory working-set changes; returns unsubscribe. */
  onMemory(l: MemoryListener): () => void {
    this.memoryListeners.add(l);
    return () => this.memoryListeners.delete(l);
  }

  /** Sum of the working sets of the containers running on a node (bytes). */
  nodeMemoryBytes(nodeName: string): number {
    return this.nodeMemory.get(nodeName) ?? 0;
  }

  /** Containers running on a node. */
  nodeContainers(nodeName: string): ReadonlySet<RuntimeContainer> {
    return this.byNode.get(nodeName) ?? EMPTY;
  }

  /** Cumulative CPU (core-nanoseconds) of a container at virtual time `now`. */
  cpuCumulativeNanos(c: RuntimeContainer, now: number): number {
    return c.cpuCumNanos + c.cpuUsedMilli * (now - c.cpuSince) * 1000; // milli × ms = 1e-6 core·s = 1e3 ns
  }

  /**
   * Recompute used CPU for a node after one container's demand or the node's membership changed.
   * Used CPU is min(demand, limit) when the node's containers want no more than its CPU, else
   * min(capped, cap × share / Σ shares) with share = max(request, 2) — so outside a switch between
   * the two regimes (or a share change while contended) only the changed container moves. The
   * node keeps Σ capped demand incrementally; near the capacity boundary, on a regime switch and
   * every RESUM_EVERY changes it is re-summed exactly, so the regime decision is the full pass's.
   */
  private rebalance(nodeName: string, now: number, changed: RuntimeContainer | undefined, before: number, after: number, membership: boolean): void {
    const set = this.byNode.get(nodeName);
    if (!set) return;
    let st = this.nodeCpu.get(nodeName);
    if (!st) this.nodeCpu.set(nodeName, (st = { total: 0, shares: 0, contended: false, fresh: false, ops: 0 }));
    const cap = this.nodeCpuMilli.get(nodeName);
    if (st.fresh && cap !== undefined && st.ops < RESUM_EVERY) {
      const total = st.total - before + after;
      if (Math.abs(total - cap) > BOUNDARY_EPS) {
        const contended = total > cap;
        if (contended === st.contended && !(contended && membership)) {
          st.total = total;
          st.ops++;
          if (changed) this.setUsed(changed, contended ? Math.min(after, (cap * share(changed)) / st.shares) : after, now);
          return;
        }
      }
    }
    this.fullPass(set, st, cap, now);
  }

  private fullPass(set: Set<RuntimeContainer>, st: NodeCpuState, cap: number | undefined, now: number): void {
    let total = 0;
    for (const c of set) total += cappedOf(c);
    let shares = 0;
    const contended = cap !== undefined && total > cap;
    if (contended) for (const c of set) shares += share(c);
    for (const c of set) {
      const capped = cappedOf(c);
      this.setUsed(c, contended ? Math.min(capped, (cap! * share(c)) / shares) : capped, now);
    }
    st.total = total;
    st.shares = shares;
    st.contended = contended;
    st.fresh = cap !== undefined;
    st.ops = 0;
  }

  private setUsed(c: RuntimeContainer, used: number, now: number): void {
    if (used !== c.cpuUsedMilli) {
      c.cpuCumNanos = this.cpuCumulativeNanos(c, now);
      c.cpuSince = now;
      c.cpuUsedMilli = used;
    }
  }
}

interface NodeCpuState {
  /** Σ capped demand of the node's containers (incremental since the last full pass). */
  total: number;
  /** Σ shares, valid while contended. */
  shares: number;
  contended: boolean;
  /** False until a full pass with a known capacity (and again after a capacity change). */
  fresh: boolean;
  /** Incremental updates since the last exact re-sum. */
  ops: number;
}

/** Incremental sums are re-summed exactly this often (bounds floating-point drift). */
const RESUM_EVERY = 256;
/** Within this many millicores of the capacity the regime is decided on an exact sum. */
const BOUNDARY_EPS = 1e-3;

function cappedOf(c: RuntimeContainer): number {
  return c.cpuLimitMilli !== undefined ? Math.min(c.cpuDemandMilli, c.cpuLimitMilli) : c.cpuDemandMilli;
}

function share(c: RuntimeContainer): number {
  return Math.max(c.cpuRequestMilli, 2);
}

const EMPTY: ReadonlySet<RuntimeContainer> = new Set();
