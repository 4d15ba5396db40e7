/**
 * metrics-server (kubernetes-sigs/metrics-server, pkg/storage): every `--metric-resolution` it
 * scrapes each kubelet's resource metrics (per container: cumulative CPU core-nanoseconds since the
 * container started and the memory working set, with the container's start time) and serves
 * metrics.k8s.io PodMetrics / NodeMetrics from the last two points (hpa.md §13):
 *
 *  - CPU = (cum_last − cum_prev) / (t_last − t_prev), truncated to whole nano-cores; window =
 *    t_last − t_prev; timestamp = t_last. Memory = last working set.
 *  - A container that started less than one resolution but at least 10 s before the sample uses
 *    (startTime, 0) as its previous point, so it has a value after one scrape. Otherwise the previous
 *    point is the stored last point of the same container instance (a container whose start time is
 *    not before the stored point has restarted and starts over).
 *  - A pod is served only when every container in the sample has both points; its timestamp/window
 *    are those of its container with the earliest timestamp.
 *
 * Results are computed once per scrape and indexed by namespace and label, so `podMetrics` for a
 * selector costs the size of the smallest matching label bucket, not a scan of every pod.
 * Returned objects are shared and must be treated as read-only.
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import type { KubeObject } from "../api/meta.js";
import type { TimerHandle } from "../core/clock.js";
import type { Selector } from "../core/labels.js";
import { RUNTIME_SERVICE, type ContainerRuntime, type RuntimeContainer } from "../cluster/runtime.js";
import { RESOURCE_METRICS_SERVICE, type ContainerMetrics, type NodeMetrics, type PodMetrics, type ResourceMetricsApi } from "./api.js";

/** metrics-server's freshContainerMinMetricsResolution. */
export const FRESH_CONTAINER_MIN_RESOLUTION_MS = 10_000;
export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

const Mi = 1024 * 1024;

export interface MetricsServerOptions {
  /** --metric-resolution (default 15 s as in the EKS/Helm install; below 10 s is rejected). */
  resolutionMs?: number;
  /** Virtual time of the first scrape (default: when the controller starts). */
  firstScrapeAtMs?: number;
  /** Node usage not attributed to pods (kubelet, containerd, system daemons): CPU millicores. */
  nodeOverheadCpuMilli?: number;
  /** … and working set bytes. */
  nodeOverheadMemoryBytes?: number;
}

interface Point {
  t: number;
  /** Core-nanoseconds. */
  cum: number;
}

interface ContainerState {
  startedAt: number;
  last: Point;
  prev: Point | undefined;
  memory: number;
  seen: number; // scrape generation
  /** Cumulative at the previous scrape, for the node counter. */
  nodeCum: number;
  /** The pod's namespace and name (split from podKey once). */
  ns: string;
  pod: string;
}

interface NodeState {
  last: Point | undefined;
  prev: Point | undefined;
  seen: number;
}

interface NsIndex {
  all: PodMetrics[];
  /** label key → value → pods. */
  byLabel: Map<string, Map<string, PodMetrics[]>>;
}

export class MetricsServer implements Controller, ResourceMetricsApi {
  readonly name = "metrics-server";
  readonly resolutionMs: number;
  private ctx!: ControllerContext;
  private runtime: ContainerRuntime | undefined;
  private containers = new Map<RuntimeContainer, ContainerState>();
  private nodes = new Map<string, NodeState>();
  private generation = 0;
  private byNs = new Map<string, NsIndex>();
  private nodeMetricsList: NodeMetrics[] = [];
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly overheadCpuMilli: number;
  private readonly overheadMemory: number;
  private readonly firstScrapeAt: number | undefined;

  constructor(opts: MetricsServerOptions = {}) {
    const r = opts.resolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
    if (r < FRESH_CONTAINER_MIN_RESOLUTION_MS) {
      throw new Error(`metric-resolution should be a time duration at least 10s, but value ${r / 1000}s provided`);
    }
    this.resolutionMs = r;
    this.overheadCpuMilli = opts.nodeOverheadCpuMilli ?? 40;
    this.overheadMemory = opts.nodeOverheadMemoryBytes ?? 400 * Mi;
    this.firstScrapeAt = opts.firstScrapeAtMs;
  }

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.runtime = ctx.services.get(RUNTIME_SERVICE) as ContainerRuntime | undefined;
    ctx.services.set(RESOURCE_METRICS_SERVICE, this);
    const first = this.firstScrapeAt ?? ctx.clock.now();
    this.timer = ctx.clock.at(first, () => this.tick());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.ctx.clock.cancel(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    this.scrape();
    this.timer = this.ctx.clock.after(this.resolutionMs, () => this.tick());
  }

  // ---------------------------------------------------------------- ResourceMetricsApi

  podMetrics(namespace: string | undefined, selector?: Selector): PodMetrics[] {
    if (selector?.matchesNothing) return [];
    if (namespace === undefined) {
      const out: PodMetrics[] = [];
      for (const ns of [...this.byNs.keys()].sort()) out.push(...this.podMetrics(ns, selector));
      return out;
    }
    const idx = this.byNs.get(namespace);
    if (!idx) return [];
    if (!selector || selector.empty) return idx.all.slice();
    let best: PodMetrics[] | undefined;
    for (const [k, v] of selector.equalities()) {
      const bucket = idx.byLabel.get(k)?.get(v);
      if (!bucket) return [];
      if (!best || bucket.length < best.length) best = bucket;
    }
    const src = best ?? idx.all;
    const out: PodMetrics[] = [];
    for (const pm of src) if (selector.matches(pm.labels)) out.push(pm);
    return out;
  }

  nodeMetrics(selector?: Selector): NodeMetrics[] {
    if (!selector || selector.empty) return this.nodeMetricsList.slice();
    return this.nodeMetricsList.filter((n) => selector.matches(n.labels));
  }

  // ---------------------------------------------------------------- scrape

  /** One scrape of every kubelet (public for tests and what-if forks). */
  scrape(): void {
    const now = this.ctx.clock.now();
    const gen = ++this.generation;
    const rt = this.runtime;
    const store = this.ctx.store;
    const res = this.resolutionMs;
    // Pods of the batch: podKey → containers sampled.
    const pods = new Map<string, { pod: KubeObject; list: RuntimeContainer[]; states: ContainerState[] }>();
    const nodeSum = new Map<string, { cum: number; mem: number }>();
    /** Per node name: the per-scrape sum, or null when its kubelet is unreachable. */
    const nodeAcc = new Map<string, { cum: number; mem: number } | null>();
    rt?.forEach((c) => {
      let ns = nodeAcc.get(c.nodeName);
      if (ns === undefined) {
        const node = store.get("Node", undefined, c.nodeName);
        ns = node && !nodeReachable(node) ? null : { cum: 0, mem: 0 };
        nodeAcc.set(c.nodeName, ns);
        if (ns) nodeSum.set(c.nodeName, ns);
      }
      if (ns === null) return;
      const cum = rt.cpuCumulativeNanos(c, now);
      // Container points (pkg/storage/pod.go Store).
      let st = this.containers.get(c);
      // Node counter: integrate every container's CPU since the previous scrape.
      ns.cum += cum - (st && st.seen === gen - 1 ? st.nodeCum : 0);
      ns.mem += c.memoryBytes;
      const fresh = c.startedAt < now && now - c.startedAt < res && now - c.startedAt >= FRESH_CONTAINER_MIN_RESOLUTION_MS;
      if (!fresh && st && st.startedAt === c.startedAt && c.startedAt < st.last.t) {
        if (now > st.last.t) {
          // Rotate the two points (the old previous point's object is reused as the new last).
          const recycled = st.prev;
          st.prev = st.last;
          if (recycled) {
            recycled.t = now;
            recycled.cum = cum;
            st.last = recycled;
          } else st.last = { t: now, cum };
        } else {
          if (!(st.prev && st.prev.t < now)) st.prev = undefined;
          st.last = { t: now, cum };
        }
        st.memory = c.memoryBytes;
        st.seen = gen;
        st.nodeCum = cum;
      } else {
        let podNs: string;
        let podName: string;
        if (st) {
          podNs = st.ns;
          podName = st.pod;
        } else {
          const slash = c.podKey.indexOf("/");
          podNs = c.podKey.slice(0, slash);
          podName = c.podKey.slice(slash + 1);
        }
        st = {
          startedAt: c.startedAt,
          last: { t: now, cum },
          prev: fresh ? { t: c.startedAt, cum: 0 } : undefined,
          memory: c.memoryBytes,
          seen: gen,
          nodeCum: cum,
          ns: podNs,
          pod: podName,
        };
        this.containers.set(c, st);
      }
      let e = pods.get(c.podKey);
      if (!e) {
        const pod = store.get("Pod", st.ns, st.pod);
        // metrics-server lists pods from its informer: unknown (or recreated) pods are not served.
        if (!pod || (pod.metadata.uid && c.podUid && pod.metadata.uid !== c.podUid)) return;
        pods.set(c.podKey, (e = { pod, list: [], states: [] }));
      }
      e.list.push(c);
      e.states.push(st);
    });
    // Forget containers not in this batch.
    for (const [c, st] of this.containers) if (st.seen !== gen) this.containers.delete(c);

    // PodMetrics (GetMetrics), indexed.
    const byNs = new Map<string, NsIndex>();
    for (const { pod, list, states } of pods.values()) {
      let earliest: Point | undefined;
      let window = 0;
      let complete = true;
      const cms: ContainerMetrics[] = [];
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!;
        const st = states[i]!;
        if (!st.prev) {
          complete = false;
          break;
        }
        if (st.last.cum < st.prev.cum) continue; // "unexpected decrease in cumulative CPU usage value"
        const w = st.last.t - st.prev.t;
        const nanoCores = Math.trunc(((st.last.cum - st.prev.cum) * 1000) / w); // core-ns per s
        cms.push({ name: c.name, cpuMilli: nanoCores / 1e6, memoryBytes: st.memory });
        if (!earliest || st.last.t < earliest.t) {
          earliest = st.last;
          window = w;
        }
      }
      if (!complete || !earliest) continue;
      const ns = pod.metadata.namespace ?? "default";
      const pm: PodMetrics = {
        namespace: ns,
        name: pod.metadata.name!,
        labels: pod.metadata.labels ?? {},
        timestamp: earliest.t,
        windowMs: window,
        containers: cms,
      };
      let idx = byNs.get(ns);
      if (!idx) byNs.set(ns, (idx = { all: [], byLabel: new Map() }));
      idx.all.push(pm);
      for (const k in pm.labels) {
        let vals = idx.byLabel.get(k);
        if (!vals) idx.byLabel.set(k, (vals = new Map()));
        const v = pm.labels[k]!;
        let arr = vals.get(v);
        if (!arr) vals.set(v, (arr = []));
        arr.push(pm);
      }
    }
    for (const idx of byNs.values()) idx.all.sort(byName);
    this.byNs = byNs;

    // NodeMetrics (pkg/storage/node.go): every Node object whose kubelet answers; the node's
    // cumulative counter = its containers' CPU + the system overhead, integrated scrape to scrape.
    const nodeList: NodeMetrics[] = [];
    for (const node of store.list("Node")) {
      const name = node.metadata.name!;
      if (!nodeReachable(node)) continue;
      const sum = nodeSum.get(name) ?? { cum: 0, mem: 0 };
      let st = this.nodes.get(name);
      if (!st) {
        st = { last: undefined, prev: undefined, seen: gen };
        this.nodes.set(name, st);
      }
      const since = st.last?.t ?? now;
      const cum = (st.last?.cum ?? 0) + sum.cum + this.overheadCpuMilli * (now - since) * 1000;
      if (st.last && now > st.last.t) st.prev = st.last;
      else if (!(st.prev && st.prev.t < now)) st.prev = undefined;
      st.last = { t: now, cum };
      st.seen = gen;
      if (!st.prev) continue;
      const w = now - st.prev.t;
      nodeList.push({
        name,
        labels: node.metadata.labels ?? {},
        timestamp: now,
        windowMs: w,
        cpuMilli: Math.trunc(((cum - st.prev.cum) * 1000) / w) / 1e6,
        memoryBytes: sum.mem + this.overheadMemory,
      });
    }
    for (const [name, st] of this.nodes) if (st.seen !== gen) this.nodes.delete(name);
    this.nodeMetricsList = nodeList;
  }
}

/** A kubelet metrics-server can scrape: Ready unless the node reports Ready=False/Unknown. */
function nodeReachable(node: KubeObject): boolean {
  const conds = node.status?.conditions as Array<{ type: string; status: string }> | undefined;
  const ready = conds?.find((c) => c.type === "Ready");
  return !ready || ready.status === "True";
}

function byName(a: PodMetrics, b: PodMetrics): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
