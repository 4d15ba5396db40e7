/**
 * Service traffic: the scenario's load generators send requests to a Service; kube-proxy (iptables
 * mode) spreads them evenly, on average, over the Service's ready endpoints; each endpoint pod burns
 * CPU for the requests it serves on top of what its containers burn by themselves.
 *
 * The controller turns that into container CPU demand and memory in the ContainerRuntime (which then
 * throttles at the CFS limit and integrates the cumulative counters metrics-server reads). It works
 * from events, never per tick: it recomputes when a Service's endpoint set changes, when a load
 * starts/stops/changes, and at the breakpoints of a rate profile.
 *
 * Endpoints are read straight from Pod status (Running, Ready=True, no deletionTimestamp, labels
 * matching the Service's selector in its namespace), as the EndpointSlice controller would list them.
 *
 * Simplifications (documented): per-pod CPU capacity is min(limit, node allocatable) minus the
 * serving container's intrinsic usage; node-level CPU contention is applied by the runtime but not
 * fed back into response times. Several generators on the same pods: open loops are solved first and
 * their CPU reduces the capacity the closed loops see.
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import type { KubeObject } from "../api/meta.js";
import type { WatchEvent } from "../api/store.js";
import type { TimerHandle } from "../core/clock.js";
import { fromLabelMap, type Selector } from "../core/labels.js";
import { cpuMilli } from "../core/quantity.js";
import { usageModel, type UsageModel } from "../workload/images.js";
import { averageRate, nextChange, DEFAULT_PROFILE_STEP_MS } from "../workload/profiles.js";
import {
  closedLoop,
  latencyPercentile,
  openLoopPod,
  exceedProbability,
  type LatencyDist,
  type PodLoad,
  type StationGroup,
} from "../workload/queueing.js";
import type { LoadGeneratorSpec, RateProfile, UsageOverride } from "../workload/types.js";
import { podLoadLoop } from "../workload/shell-loop.js";
import { RUNTIME_SERVICE, type ContainerRuntime, type RuntimeContainer } from "./runtime.js";

export const TRAFFIC_SERVICE = "traffic";

/** Busybox wget process start, DNS lookup through CoreDNS, TCP connect: per request, in the client. */
export const DEFAULT_CLIENT_OVERHEAD_MS = 3;
const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Re-evaluation step of continuously varying load profiles. metrics-server integrates CPU over its
 * 15 s resolution and each step carries the profile's exact average, so a 15 s step puts the same
 * CPU into each aligned scrape window as a finer one while solving a third as often.
 */
export const TRAFFIC_PROFILE_STEP_MS = 3 * DEFAULT_PROFILE_STEP_MS;
/** Node CPU assumed for a container without a limit when the Node object gives none. */
const FALLBACK_NODE_CPU_MILLI = 2000;

export interface LoadStats {
  name: string;
  namespace: string;
  service: string;
  active: boolean;
  mode: "open" | "closed";
  /** Closed loop: current clients. */
  clients?: number;
  /** Open loop: offered rate now (rps). */
  offeredRps?: number;
  /** Ready endpoints now. */
  endpoints: number;
  /** Served requests per second now. */
  throughputRps: number;
  /** Failed requests per second now. */
  failedRps: number;
  /** Totals since the start (requests answered within the timeout / failed). */
  requests: number;
  failed: number;
  /** Over every answered request since the start (ms). */
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  meanLatencyMs: number;
  /** Of the requests answered now (ms). */
  currentLatencyP50Ms: number;
  currentLatencyP95Ms: number;
  /** Served throughput over the time the generator was active (time-weighted). */
  throughput: { minRps: number; maxRps: number; meanRps: number; activeSeconds: number };
}

/** One latency component: `rate` requests/s answered with distribution `dist`. */
interface Component {
  rate: number;
  dist: LatencyDist;
}

interface Gen {
  spec: LoadGeneratorSpec;
  /** For a generator that is a request-loop pod: that pod's uid. */
  podUid?: string;
  active: boolean;
  /** Virtual ms the profile's time origin sits at. */
  origin: number;
  clients: number;
  profile: RateProfile | undefined;
  svcKey: string;
  // current solution
  offeredRps: number;
  servedRps: number;
  failedRps: number;
  components: Component[];
  endpoints: number;
  // accumulators
  requests: number;
  failed: number;
  latencySum: number; // Σ requests × mean latency (s)
  hist: Histogram;
  activeMs: number;
  servedIntegral: number;
  minRps: number;
  maxRps: number;
  // incremental recompute
  /** Position in the solve order (open loops first, then closed loops; scenario order within). */
  order: number;
  /** Needs solving at the next recompute. */
  dirty: boolean;
  /** The endpoint pods this generator put load on at its last solve (each holds a LoadShare of it). */
  pods: PodSlot[];
  /** Solve counter: shares stamped with the current one were refreshed by this solve. */
  epoch: number;
  /** Virtual ms of the profile breakpoint this generator waits for (Infinity: none). */
  nextAt: number;
}

interface SvcState {
  namespace: string;
  name: string;
  selector: Selector | undefined; // undefined: no Service, or a Service without selector
  endpoints: Set<string>;
  /** `endpoints` sorted (built on demand, dropped when the set changes). */
  sorted: string[] | undefined;
}

interface PodInfo {
  uid: string;
  /** The spec object the models were computed from (a spec change invalidates them). */
  spec: unknown;
  namespace: string;
  name: string;
  nodeName: string | undefined;
  /** Per container name: model. */
  models: Map<string, UsageModel>;
  /** The container that gets the request work, and its model. */
  serving: string | undefined;
  servingModel: UsageModel | undefined;
  servingLimitMilli: number | undefined;
}

/** One generator's request load on one pod at its last solve. */
interface LoadShare {
  gen: Gen;
  cores: number;
  inFlight: number;
  /** The generator's epoch at the solve that last set it. */
  epoch: number;
}

/**
 * What the controller keeps per pod key, in one place so that a solve costs one map lookup per
 * endpoint pod: the models, the generators' shares and the load applied to the runtime.
 */
interface PodSlot {
  key: string;
  /** Models of the pod's containers (cached per pod uid; dropped when the pod changes). */
  info: PodInfo | undefined;
  /** Shares of the generators loading this pod, in solve order. */
  loads: LoadShare[];
  /** Whether a request load is applied now, and its value (Σ of the shares, in solve order). */
  applied: boolean;
  appliedCores: number;
  appliedInFlight: number;
}

// Latency histogram: log-spaced buckets from 10 µs to 10^4 s, 100 per decade (2.3 % wide). Each
// bucket also keeps Σ weight × value, so a point mass (a deterministic service time) comes back exact.
const H_MIN_S = 1e-5;
const H_PER_DECADE = 100;
const H_BUCKETS = 9 * H_PER_DECADE;
const H_EDGES = (() => {
  const e = new Float64Array(H_BUCKETS + 1);
  for (let i = 0; i <= H_BUCKETS; i++) e[i] = H_MIN_S * 10 ** (i / H_PER_DECADE);
  return e;
})();

interface Histogram {
  /** Bucket 0: below H_MIN_S; bucket i (1..H_BUCKETS): [edge[i−1], edge[i]); last: above. */
  w: Float64Array;
  wx: Float64Array;
}

export class TrafficController implements Controller {
  readonly name = "traffic";
  private ctx!: ControllerContext;
  private runtime: ContainerRuntime | undefined;
  private gens = new Map<string, Gen>();
  private services = new Map<string, SvcState>();
  /** namespace → target services in it. */
  private servicesByNs = new Map<string, SvcState[]>();
  /** podKey → its slot (while it has models cached, shares or applied load). */
  private slots = new Map<string, PodSlot>();
  /** Generators in solve order. */
  private ordered: Gen[] = [];
  private gensBySvc = new Map<string, Gen[]>();
  private dirty = false;
  private lastAcc = 0;
  /** Profile breakpoint time → generators waiting for it (one clock timer per distinct time). */
  private profileDue = new Map<number, { timer: TimerHandle; gens: Set<Gen> }>();
  private timers: TimerHandle[] = [];
  private unsubscribe: Array<() => void> = [];
  private readonly stepMs: number;

  constructor(
    loads: readonly LoadGeneratorSpec[] = [],
    private readonly overrides: readonly UsageOverride[] = [],
    opts: { profileStepMs?: number } = {},
  ) {
    this.stepMs = opts.profileStepMs ?? TRAFFIC_PROFILE_STEP_MS;
    for (const spec of loads) this.register(spec);
    this.reorder();
  }

  /** Add a generator's state (constructor, and pods that turn out to be request loops). */
  private register(spec: LoadGeneratorSpec): Gen {
    if (this.gens.has(spec.name)) throw new Error(`load generator "${spec.name}" is defined twice`);
    if (!spec.openLoop === !spec.closedLoop) throw new Error(`load generator "${spec.name}": exactly one of openLoop and closedLoop is required`);
    const svcKey = `${spec.namespace}/${spec.service}`;
    this.gens.set(spec.name, {
      spec,
      active: false,
      origin: spec.startMs,
      clients: spec.closedLoop?.clients ?? 0,
      profile: spec.openLoop?.profile,
      svcKey,
      offeredRps: 0,
      servedRps: 0,
      failedRps: 0,
      components: [],
      endpoints: 0,
      requests: 0,
      failed: 0,
      latencySum: 0,
      hist: { w: new Float64Array(H_BUCKETS + 2), wx: new Float64Array(H_BUCKETS + 2) },
      activeMs: 0,
      servedIntegral: 0,
      minRps: Infinity,
      maxRps: 0,
      order: 0,
      dirty: false,
      pods: [],
      epoch: 0,
      nextAt: Infinity,
    });
    let byS = this.gensBySvc.get(svcKey);
    if (!byS) this.gensBySvc.set(svcKey, (byS = []));
    byS.push(this.gens.get(spec.name)!);
    if (!this.services.has(svcKey)) {
      const st: SvcState = { namespace: spec.namespace, name: spec.service, selector: undefined, endpoints: new Set(), sorted: undefined };
      this.services.set(svcKey, st);
      let list = this.servicesByNs.get(spec.namespace);
      if (!list) this.servicesByNs.set(spec.namespace, (list = []));
      list.push(st);
    }
    return this.gens.get(spec.name)!;
  }

  private reorder(): void {
    // Open loops first: their CPU is background for the closed loops.
    this.ordered = [...this.gens.values()].sort((a, b) => (a.spec.closedLoop ? 1 : 0) - (b.spec.closedLoop ? 1 : 0));
    this.ordered.forEach((g, i) => (g.order = i));
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.lastAcc = ctx.clock.now();
    ctx.services.set(TRAFFIC_SERVICE, this);
    this.runtime = ctx.services.get(RUNTIME_SERVICE) as ContainerRuntime | undefined;
    if (this.runtime) {
      this.unsubscribe.push(this.runtime.onChange((kind, c) => (kind === "started" ? this.onContainerStarted(c) : undefined)));
    }
    this.unsubscribe.push(ctx.store.watch("Service", (ev) => this.onService(ev)));
    this.unsubscribe.push(ctx.store.watch("Pod", (ev) => this.onPod(ev)));
    for (const st of this.services.values()) this.resyncService(st);
    for (const g of this.gens.values()) {
      this.timers.push(ctx.clock.at(g.spec.startMs, () => this.activate(g, g.spec.startMs)));
      if (g.spec.stopMs !== undefined) this.timers.push(ctx.clock.at(g.spec.stopMs, () => this.deactivate(g)));
    }
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    for (const t of this.timers) this.ctx.clock.cancel(t);
    for (const d of this.profileDue.values()) this.ctx.clock.cancel(d.timer);
    this.profileDue.clear();
  }

  // ---------------------------------------------------------------- service API

  startLoad(name: string): void {
    const g = this.gen(name);
    if (!g.active) this.activate(g, this.ctx.clock.now());
  }

  stopLoad(name: string): void {
    this.deactivate(this.gen(name));
  }

  setLoad(name: string, change: { clients?: number; rps?: number; thinkTimeMs?: number }): void {
    const g = this.gen(name);
    if (change.thinkTimeMs !== undefined) {
      if (!g.spec.closedLoop) throw new Error(`load generator "${name}" is an open loop: set rps, not thinkTime`);
      if (!(change.thinkTimeMs >= 0)) throw new Error(`load generator "${name}": thinkTime must be >= 0`);
      // Specs are shared with the scenario: replace, never mutate.
      g.spec = { ...g.spec, closedLoop: { ...g.spec.closedLoop, thinkTimeMs: change.thinkTimeMs } };
    }
    if (change.clients !== undefined) {
      if (!g.spec.closedLoop) throw new Error(`load generator "${name}" is an open loop: set rps, not clients`);
      if (!(change.clients >= 0)) throw new Error(`load generator "${name}": clients must be >= 0`);
      g.clients = Math.floor(change.clients);
    }
    if (change.rps !== undefined) {
      if (!g.spec.openLoop) throw new Error(`load generator "${name}" is a closed loop: set clients, not rps`);
      if (!(change.rps >= 0)) throw new Error(`load generator "${name}": rps must be >= 0`);
      g.profile = { type: "constant", rps: change.rps };
    }
    this.markDirty(g);
  }

  /**
   * Share of generator `name`'s requests since the start (answered + failed) answered within
   * `thresholdMs`; undefined for an unknown generator or one that sent nothing. A histogram bucket
   * counts whole when its mean is within the threshold: exact for point masses, within the 2.3 %
   * bucket width otherwise.
   */
  shareAnsweredWithin(name: string, thresholdMs: number): number | undefined {
    this.accumulate(this.ctx.clock.now());
    const g = this.gens.get(name);
    if (!g || g.requests + g.failed <= 0) return undefined;
    const t = thresholdMs / 1000;
    let n = 0;
    for (let i = 0; i < g.hist.w.length; i++) {
      const w = g.hist.w[i]!;
      if (w > 0 && g.hist.wx[i]! / w <= t) n += w;
    }
    return Math.min(1, n / (g.requests + g.failed));
  }

  stats(): LoadStats[] {
    this.accumulate(this.ctx.clock.now());
    const out: LoadStats[] = [];
    for (const g of this.gens.values()) {
      const cur = mixturePercentiles(g.components);
      out.push({
        name: g.spec.name,
        namespace: g.spec.namespace,
        service: g.spec.service,
        active: g.active,
        mode: g.spec.closedLoop ? "closed" : "open",
        ...(g.spec.closedLoop ? { clients: g.clients } : { offeredRps: g.offeredRps }),
        endpoints: g.endpoints,
        throughputRps: g.servedRps,
        failedRps: g.failedRps,
        requests: Math.round(g.requests),
        failed: Math.round(g.failed),
        latencyP50Ms: histPercentile(g.hist, 0.5) * 1000,
        latencyP95Ms: histPercentile(g.hist, 0.95) * 1000,
        latencyP99Ms: histPercentile(g.hist, 0.99) * 1000,
        meanLatencyMs: g.requests > 0 ? (g.latencySum / g.requests) * 1000 : 0,
        currentLatencyP50Ms: cur[0] * 1000,
        currentLatencyP95Ms: cur[1] * 1000,
        throughput: {
          minRps: g.activeMs > 0 ? g.minRps : 0,
          maxRps: g.maxRps,
          meanRps: g.activeMs > 0 ? (g.servedIntegral * 1000) / g.activeMs : 0,
          activeSeconds: g.activeMs / 1000,
        },
      });
    }
    return out;
  }

  /** Request load currently put on a pod (CPU cores of request work, requests in flight). */
  podLoad(namespace: string, name: string): { cpuMilli: number; inFlight: number } | undefined {
    const slot = this.slots.get(`${namespace}/${name}`);
    return slot?.applied ? { cpuMilli: slot.appliedCores * 1000, inFlight: slot.appliedInFlight } : undefined;
  }

  /** Ready endpoints of a target Service (pod keys, sorted). */
  endpoints(namespace: string, service: string): string[] {
    return [...(this.services.get(`${namespace}/${service}`)?.endpoints ?? [])].sort();
  }

  // ---------------------------------------------------------------- lifecycle of generators

  private gen(name: string): Gen {
    const g = this.gens.get(name);
    if (!g) throw new Error(`load generator "${name}" not found`);
    return g;
  }

  private activate(g: Gen, at: number): void {
    if (g.active) return;
    this.accumulate(this.ctx.clock.now());
    g.active = true;
    g.origin = at;
    this.markDirty(g);
  }

  private deactivate(g: Gen): void {
    if (!g.active) return;
    this.accumulate(this.ctx.clock.now());
    g.active = false;
    this.markDirty(g);
  }

  // ---------------------------------------------------------------- watches

  private onService(ev: WatchEvent): void {
    const svc = ev.object;
    const st = this.services.get(`${svc.metadata.namespace}/${svc.metadata.name}`);
    if (!st) return;
    this.resyncService(st);
  }

  /** Rebuild a target Service's endpoints from the store (Service added/changed/deleted). */
  private resyncService(st: SvcState): void {
    const svc = this.ctx.store.get("Service", st.namespace, st.name);
    const sel = svc && !svc.metadata.deletionTimestamp && svc.spec?.selector ? fromLabelMap(svc.spec.selector as Record<string, string>) : undefined;
    st.selector = sel;
    const next = new Set<string>();
    if (sel) {
      for (const p of this.ctx.store.list("Pod", { namespace: st.namespace, labelSelector: sel })) {
        if (isEndpointReady(p)) next.add(`${st.namespace}/${p.metadata.name}`);
      }
    }
    if (!sameSet(next, st.endpoints)) {
      st.endpoints = next;
      st.sorted = undefined;
      this.markService(st);
    }
  }

  private onPod(ev: WatchEvent): void {
    const p = ev.object;
    const ns = p.metadata.namespace ?? "default";
    const key = `${ns}/${p.metadata.name}`;
    this.trackLoopPod(ev, key);
    const slot = this.slots.get(key);
    if (slot) {
      if (ev.type === "DELETED") {
        slot.info = undefined;
        this.dropIfUnused(slot);
      } else {
        const cached = slot.info;
        if (cached && (cached.uid !== p.metadata.uid || cached.spec !== p.spec)) {
          slot.info = undefined;
          // The models changed: the generators loading this pod solve again.
          for (const s of slot.loads) this.markDirty(s.gen);
        }
      }
    }
    const list = this.servicesByNs.get(ns);
    if (!list) return;
    const ready = ev.type !== "DELETED" && isEndpointReady(p);
    for (const st of list) {
      const member = ready && st.selector !== undefined && st.selector.matches(p.metadata.labels);
      if (member !== st.endpoints.has(key)) {
        if (member) st.endpoints.add(key);
        else st.endpoints.delete(key);
        st.sorted = undefined;
        this.markService(st);
      }
    }
  }

  /**
   * A pod running a shell request loop (`kubectl run load-generator … -- /bin/sh -c "while sleep 0.01;
   * do wget -q -O- http://php-apache; done"`) is a closed-loop client of that Service while it runs —
   * how the labs generate load through kubectl, e.g. against `scalelab serve`. Scenario-declared
   * generators of the same name (the loader's reading of the same command) take precedence.
   */
  private trackLoopPod(ev: WatchEvent, key: string): void {
    const p = ev.object;
    const name = `pod:${key}`;
    const existing = this.gens.get(name);
    const running = ev.type !== "DELETED" && !p.metadata.deletionTimestamp && p.status?.phase === "Running";
    if (!running) {
      if (existing) this.deactivate(existing);
      return;
    }
    if (existing) {
      if (existing.podUid === p.metadata.uid) return this.activate(existing, this.ctx.clock.now());
      this.deactivate(existing);
    }
    if (this.gens.has(p.metadata.name!)) return; // declared in the scenario
    const loop = podLoadLoop(p);
    if (!loop) return;
    const spec: LoadGeneratorSpec = {
      name,
      namespace: loop.namespace,
      service: loop.service,
      startMs: this.ctx.clock.now(),
      closedLoop: { clients: 1, thinkTimeMs: loop.thinkTimeMs },
    };
    if (existing) {
      existing.spec = spec;
      existing.podUid = p.metadata.uid;
      this.activate(existing, this.ctx.clock.now());
      return;
    }
    const g = this.register(spec);
    g.podUid = p.metadata.uid;
    this.reorder();
    const st = this.services.get(g.svcKey)!;
    this.resyncService(st);
    this.activate(g, this.ctx.clock.now());
  }

  private onContainerStarted(c: RuntimeContainer): void {
    const slot = this.slot(c.podKey);
    const info = this.info(slot, c.podUid);
    const m = info?.models.get(c.name);
    if (!info || !m) {
      this.dropIfUnused(slot);
      return;
    }
    const now = this.ctx.clock.now();
    const d = info.serving === c.name && slot.applied ? slot : undefined;
    this.runtime!.setCpuDemand(c.podKey, c.name, m.cpuMilli + (d ? d.appliedCores * 1000 : 0), now);
    this.runtime!.setMemory(c.podKey, c.name, Math.round(m.memoryBytes + (d ? d.appliedInFlight * m.memoryPerRequestBytes : 0)));
    if (m.memoryGrowth) this.scheduleGrowth(c, m);
  }

  /** vish/stress-style memory growth, updated at most once a second. */
  private scheduleGrowth(c: RuntimeContainer, m: UsageModel): void {
    const g = m.memoryGrowth!;
    const every = Math.max(1000, g.intervalMs);
    const tick = () => {
      if (this.runtime!.container(c.podKey, c.name) !== c) return; // stopped or restarted
      const elapsed = this.ctx.clock.now() - c.startedAt;
      const bytes = Math.min(g.maxBytes, m.memoryBytes + Math.floor(elapsed / g.intervalMs) * g.stepBytes);
      this.runtime!.setMemory(c.podKey, c.name, bytes);
      if (bytes < g.maxBytes) this.ctx.clock.after(every, tick);
    };
    this.ctx.clock.after(every, tick);
  }

  private slot(podKey: string): PodSlot {
    let slot = this.slots.get(podKey);
    if (!slot) this.slots.set(podKey, (slot = { key: podKey, info: undefined, loads: [], applied: false, appliedCores: 0, appliedInFlight: 0 }));
    return slot;
  }

  private dropIfUnused(slot: PodSlot): void {
    if (!slot.info && slot.loads.length === 0 && !slot.applied) this.slots.delete(slot.key);
  }

  /** Models of a pod's containers (cached per pod uid). */
  private info(slot: PodSlot, uid?: string): PodInfo | undefined {
    const cached = slot.info;
    if (cached && (uid === undefined || cached.uid === uid)) return cached;
    const podKey = slot.key;
    const slash = podKey.indexOf("/");
    const ns = podKey.slice(0, slash);
    const name = podKey.slice(slash + 1);
    const pod = this.ctx.store.get("Pod", ns, name);
    if (!pod || (uid !== undefined && pod.metadata.uid !== uid)) return undefined;
    const models = new Map<string, UsageModel>();
    let serving: string | undefined;
    let servingLimit: number | undefined;
    const containers = (pod.spec?.containers ?? []) as Array<{ name: string; image?: string; command?: string[]; args?: string[]; resources?: { limits?: Record<string, string | number> } }>;
    const inits = (pod.spec?.initContainers ?? []) as typeof containers;
    for (const c of [...inits, ...containers]) {
      const m = usageModel({ image: c.image ?? "", command: c.command, args: c.args, namespace: ns, podName: name, container: c.name }, this.overrides);
      models.set(c.name, m);
    }
    for (const c of containers) {
      if (models.get(c.name)!.serves) {
        serving = c.name;
        break;
      }
    }
    serving ??= containers[0]?.name;
    const sc = containers.find((c) => c.name === serving);
    const lim = sc?.resources?.limits?.cpu;
    if (lim !== undefined) {
      try {
        servingLimit = cpuMilli(lim);
      } catch {
        servingLimit = undefined;
      }
    }
    const info: PodInfo = {
      uid: pod.metadata.uid ?? "",
      spec: pod.spec,
      namespace: ns,
      name,
      nodeName: pod.spec?.nodeName,
      models,
      serving,
      servingModel: serving === undefined ? undefined : models.get(serving),
      servingLimitMilli: servingLimit,
    };
    slot.info = info;
    return info;
  }

  // ---------------------------------------------------------------- recompute

  private markService(st: SvcState): void {
    const gs = this.gensBySvc.get(`${st.namespace}/${st.name}`);
    if (gs) for (const g of gs) this.markDirty(g);
  }

  private markDirty(g: Gen): void {
    g.dirty = true;
    if (this.dirty) return;
    this.dirty = true;
    this.ctx.clock.after(0, () => {
      this.dirty = false;
      this.recompute();
    });
  }

  /** Wake `g` at its next profile breakpoint (one clock timer per distinct breakpoint time). */
  private setNextAt(g: Gen, at: number): void {
    if (g.nextAt === at) return;
    if (g.nextAt < Infinity) {
      const d = this.profileDue.get(g.nextAt);
      if (d) {
        d.gens.delete(g);
        if (d.gens.size === 0) {
          this.ctx.clock.cancel(d.timer);
          this.profileDue.delete(g.nextAt);
        }
      }
    }
    g.nextAt = at;
    if (at === Infinity) return;
    let d = this.profileDue.get(at);
    if (!d) {
      const timer = this.ctx.clock.at(at, () => {
        const due = this.profileDue.get(at);
        this.profileDue.delete(at);
        if (!due) return;
        for (const x of due.gens) {
          x.nextAt = Infinity;
          this.markDirty(x);
        }
      });
      this.profileDue.set(at, (d = { timer, gens: new Set() }));
    }
    d.gens.add(g);
  }

  /** Add the current rates × elapsed time to each generator's totals. */
  private accumulate(now: number): void {
    const dt = now - this.lastAcc;
    if (dt <= 0) return;
    this.lastAcc = now;
    const dtS = dt / 1000;
    for (const g of this.gens.values()) {
      if (!g.active) continue;
      g.activeMs += dt;
      g.servedIntegral += g.servedRps * dtS;
      g.requests += g.servedRps * dtS;
      g.failed += g.failedRps * dtS;
      if (g.servedRps < g.minRps) g.minRps = g.servedRps;
      if (g.servedRps > g.maxRps) g.maxRps = g.servedRps;
      for (const c of g.components) {
        const w = c.rate * dtS;
        if (w <= 0) continue;
        g.latencySum += w * (c.dist.serviceS + c.dist.waitS);
        addToHist(g.hist, c.dist, w);
      }
    }
  }

  /**
   * Solve the dirty generators (and those sharing pods with a generator whose load changed earlier
   * in the solve order), then push the changed per-pod totals into the runtime.
   */
  private recompute(): void {
    const now = this.ctx.clock.now();
    this.accumulate(now);
    const touched = new Set<PodSlot>();
    for (const g of this.ordered) {
      if (!g.dirty) continue;
      g.dirty = false;
      this.solve(g, now, touched);
    }
    this.apply(touched, now);
  }

  /** Background request load (cores) on a pod from the generators solved before `g`. */
  private background(slot: PodSlot, g: Gen): number {
    let cores = 0;
    for (const s of slot.loads) {
      if (s.gen.order >= g.order) break;
      cores += s.cores;
    }
    return cores;
  }

  private solve(g: Gen, now: number, touched: Set<PodSlot>): void {
    const epoch = ++g.epoch;
    const pods: PodSlot[] = [];
    let nextAt = Infinity;
    if (!g.active) {
      g.offeredRps = g.servedRps = g.failedRps = 0;
      g.components = [];
      g.endpoints = 0;
    } else {
      const st = this.services.get(g.svcKey)!;
      const eps = (st.sorted ??= [...st.endpoints].sort());
      g.endpoints = eps.length;
      const timeoutS = (g.spec.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000;
      // Station groups: pods with the same capacity and cost share one MVA group.
      const entries: Array<{ group: StationGroup; pods: PodSlot[]; model: UsageModel; capMilli: number }> = [];
      for (const key of eps) {
        const slot = this.slot(key);
        const info = this.info(slot);
        if (!info || info.serving === undefined) {
          this.dropIfUnused(slot);
          continue;
        }
        const m = info.servingModel!;
        const limit = info.servingLimitMilli ?? this.nodeCpuMilli(info.nodeName);
        const background = this.background(slot, g) * 1000;
        const capMilli = Math.max(1, limit - m.cpuMilli - background);
        // Groups in order of first appearance, keyed by (capacity, cost, max cores per request).
        let e: (typeof entries)[number] | undefined;
        for (const x of entries) {
          if (x.capMilli === capMilli && x.model.cpuSecondsPerRequest === m.cpuSecondsPerRequest && x.model.maxCoresPerRequest === m.maxCoresPerRequest) {
            e = x;
            break;
          }
        }
        if (!e) entries.push((e = { group: { count: 0, visit: 0, capacityCores: capMilli / 1000, costCpuS: m.cpuSecondsPerRequest }, pods: [], model: m, capMilli }));
        e.group.count++;
        e.pods.push(slot);
      }
      const k = eps.length;
      for (const e of entries) e.group.visit = k > 0 ? 1 / k : 0;
      let loads: PodLoad[];
      if (g.spec.openLoop) {
        const t = now - g.origin;
        const nc = nextChange(g.profile!, t, this.stepMs);
        const lambda = nc === undefined ? averageRate(g.profile!, t, t) : averageRate(g.profile!, t, nc);
        if (nc !== undefined) nextAt = Math.min(nextAt, g.origin + nc);
        g.offeredRps = lambda;
        loads = entries.map((e) =>
          openLoopPod(lambda / k, e.group.costCpuS ?? 0, e.group.capacityCores, { maxCoresPerRequest: e.model.maxCoresPerRequest, timeoutS }),
        );
        // Requests to pods that cannot serve (no model) and to no endpoint at all fail.
        const servedPods = entries.reduce((a, e) => a + e.group.count, 0);
        const unserved = k === 0 ? lambda : (lambda * (k - servedPods)) / k;
        g.servedRps = 0;
        g.failedRps = unserved;
        g.components = [];
        for (let i = 0; i < entries.length; i++) {
          const l = loads[i]!;
          const n = entries[i]!.group.count;
          g.servedRps += l.servedRps * n;
          g.failedRps += l.failedRps * n;
          g.components.push({ rate: l.servedRps * n, dist: l.latency });
        }
      } else {
        const cl = g.spec.closedLoop!;
        const thinkS = (cl.thinkTimeMs + (g.spec.clientOverheadMs ?? DEFAULT_CLIENT_OVERHEAD_MS)) / 1000;
        const cost = entries[0]?.group.costCpuS ?? 0;
        const r = closedLoop(
          g.clients,
          thinkS,
          entries.map((e) => e.group),
          cost,
          { maxCoresPerRequest: entries[0]?.model.maxCoresPerRequest ?? 1, timeoutS },
        );
        loads = r.pods;
        g.offeredRps = r.throughputRps;
        if (k === 0) {
          // No endpoint: every request is refused at once; clients loop on their think time.
          g.servedRps = 0;
          g.failedRps = r.throughputRps;
          g.components = [];
        } else {
          g.servedRps = 0;
          g.failedRps = 0;
          g.components = [];
          for (let i = 0; i < entries.length; i++) {
            const l = loads[i]!;
            const n = entries[i]!.group.count;
            g.servedRps += l.servedRps * n;
            g.failedRps += l.failedRps * n;
            g.components.push({ rate: l.servedRps * n, dist: l.latency });
          }
        }
      }
      // Each pod's share, in entry order; a pod whose share from g changed gets its total re-summed,
      // and generators after g on it see a new background, so they solve again in this pass.
      for (let i = 0; i < entries.length; i++) {
        const l = loads[i]!;
        // Open loop: the offered work (the runtime throttles it at the limit); closed loop: what is served.
        const cores = 0 + (g.spec.openLoop ? l.arrivalRps * (entries[i]!.group.costCpuS ?? 0) : l.usageCores);
        const inFlight = 0 + l.inFlight;
        for (const slot of entries[i]!.pods) {
          pods.push(slot);
          const share = shareOf(slot, g);
          if (share) {
            share.epoch = epoch;
            if (share.cores === cores && share.inFlight === inFlight) continue;
            share.cores = cores;
            share.inFlight = inFlight;
          } else addShare(slot, { gen: g, cores, inFlight, epoch });
          this.touch(slot, g, touched);
        }
      }
    }
    this.setNextAt(g, nextAt);
    // Pods g no longer loads.
    for (const slot of g.pods) {
      const share = shareOf(slot, g);
      if (!share || share.epoch === epoch) continue;
      slot.loads.splice(slot.loads.indexOf(share), 1);
      this.touch(slot, g, touched);
    }
    g.pods = pods;
  }

  private touch(slot: PodSlot, g: Gen, touched: Set<PodSlot>): void {
    touched.add(slot);
    for (const s of slot.loads) if (s.gen.order > g.order) s.gen.dirty = true;
  }

  /** Re-sum the touched pods' request load (in solve order) and push the changed ones into the runtime. */
  private apply(touched: Set<PodSlot>, now: number): void {
    const rt = this.runtime;
    for (const slot of touched) {
      const loads = slot.loads;
      if (loads.length === 0) {
        if (!slot.applied) continue;
        slot.applied = false;
        if (rt) this.setPodDemand(rt, slot, 0, 0, now);
        this.dropIfUnused(slot);
        continue;
      }
      let cores: number;
      let inFlight: number;
      if (loads.length === 1) {
        // One generator: its share is the total (0 + x = x).
        cores = loads[0]!.cores;
        inFlight = loads[0]!.inFlight;
      } else {
        cores = 0;
        inFlight = 0;
        for (const s of loads) {
          cores += s.cores;
          inFlight += s.inFlight;
        }
      }
      const same = slot.applied && slot.appliedCores === cores && slot.appliedInFlight === inFlight;
      slot.applied = true;
      slot.appliedCores = cores;
      slot.appliedInFlight = inFlight;
      if (same) continue;
      if (rt) this.setPodDemand(rt, slot, cores, inFlight, now);
    }
  }

  private setPodDemand(rt: ContainerRuntime, slot: PodSlot, cores: number, inFlight: number, now: number): void {
    const info = this.info(slot);
    if (!info || info.serving === undefined) return;
    const m = info.servingModel!;
    const c = rt.container(slot.key, info.serving);
    if (!c) return;
    rt.setContainerCpuDemand(c, m.cpuMilli + cores * 1000, now);
    if (!m.memoryGrowth) rt.setContainerMemory(c, Math.round(m.memoryBytes + inFlight * m.memoryPerRequestBytes));
  }

  private nodeCpuMilli(nodeName: string | undefined): number {
    if (!nodeName) return FALLBACK_NODE_CPU_MILLI;
    const node = this.ctx.store.get("Node", undefined, nodeName);
    const q = node?.status?.allocatable?.cpu ?? node?.status?.capacity?.cpu;
    if (q === undefined) return FALLBACK_NODE_CPU_MILLI;
    try {
      return cpuMilli(q);
    } catch {
      return FALLBACK_NODE_CPU_MILLI;
    }
  }
}

// ---------------------------------------------------------------- helpers

/** An endpoint the EndpointSlice controller marks ready: Running, Ready=True, not terminating. */
export function isEndpointReady(p: KubeObject): boolean {
  if (p.metadata.deletionTimestamp) return false;
  if (p.status?.phase !== "Running") return false;
  const conds = p.status?.conditions as Array<{ type: string; status: string }> | undefined;
  if (!conds) return false;
  for (const c of conds) if (c.type === "Ready") return c.status === "True";
  return false;
}

function shareOf(slot: PodSlot, g: Gen): LoadShare | undefined {
  for (const s of slot.loads) if (s.gen === g) return s;
  return undefined;
}

/** Insert a share keeping the slot's shares in solve order. */
function addShare(slot: PodSlot, share: LoadShare): void {
  const loads = slot.loads;
  let i = loads.length;
  while (i > 0 && loads[i - 1]!.gen.order > share.gen.order) i--;
  loads.splice(i, 0, share);
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function cdf(d: LatencyDist, x: number): number {
  return 1 - exceedProbability(d, x);
}

function bucketOf(x: number): number {
  if (x < H_MIN_S) return 0;
  const i = Math.floor(Math.log10(x / H_MIN_S) * H_PER_DECADE) + 1;
  return i > H_BUCKETS ? H_BUCKETS + 1 : i;
}

function addToHist(h: Histogram, d: LatencyDist, weight: number): void {
  const b0 = bucketOf(d.serviceS);
  if (d.waitS <= 0 || b0 > H_BUCKETS) {
    h.w[b0]! += weight;
    h.wx[b0]! += weight * d.serviceS;
    return;
  }
  // Continuous part: mass of each bucket from the CDF, valued at the bucket's geometric middle
  // (the first bucket starts at the service time).
  let lo = d.serviceS;
  let prev = 0;
  for (let i = b0; i <= H_BUCKETS; i++) {
    const hi = H_EDGES[i]!;
    const cur = cdf(d, hi);
    const m = weight * (cur - prev);
    if (m > 0) {
      h.w[i]! += m;
      h.wx[i]! += m * Math.sqrt(lo * hi);
    }
    prev = cur;
    lo = hi;
    if (1 - cur < 1e-12) return;
  }
  const rest = weight * (1 - prev);
  h.w[H_BUCKETS + 1]! += rest;
  h.wx[H_BUCKETS + 1]! += rest * H_EDGES[H_BUCKETS]!;
}

function histPercentile(h: Histogram, p: number): number {
  let total = 0;
  for (let i = 0; i < h.w.length; i++) total += h.w[i]!;
  if (total <= 0) return 0;
  const target = p * total;
  let acc = 0;
  for (let i = 0; i < h.w.length; i++) {
    const w = h.w[i]!;
    if (w > 0 && acc + w >= target) return h.wx[i]! / w;
    acc += w;
  }
  return H_EDGES[H_BUCKETS]!;
}

/** p50 and p95 (s) of a rate-weighted mixture of latency distributions (bisection on the CDF). */
function mixturePercentiles(cs: readonly Component[]): [number, number] {
  let total = 0;
  for (const c of cs) total += c.rate;
  if (total <= 0) return [0, 0];
  if (cs.length === 1) return [latencyPercentile(cs[0]!.dist, 0.5), latencyPercentile(cs[0]!.dist, 0.95)];
  const F = (x: number) => {
    let s = 0;
    for (const c of cs) s += c.rate * cdf(c.dist, x);
    return s / total;
  };
  const q = (p: number) => {
    let lo = 0;
    let hi = 1;
    for (const c of cs) hi = Math.max(hi, latencyPercentile(c.dist, 0.9999));
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (F(mid) >= p) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  return [q(0.5), q(0.95)];
}
