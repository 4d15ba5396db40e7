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
/** Labels of an unlabelled pod (one shared object, so its layout can be reused). */
const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

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

/** A pod's containers sampled by one scrape. Kept from scrape to scrape (the lists are reused). */
interface PodBatch {
  /** The scrape generation that filled it. */
  gen: number;
  pod: KubeObject;
  list: RuntimeContainer[];
  states: ContainerState[];
}

/**
 * How a namespace's PodMetrics of the last scrape were arranged, by position in scrape order: when
 * the next scrape meets the same pods (same names, same label objects) in the same order — the
 * usual case between two scale events — it reuses the name order and the label buckets instead of
 * sorting and hashing again.
 */
interface NsLayout {
  names: string[];
  labels: Array<Record<string, string>>;
  /** Positions in name order. */
  sorted: number[];
  /** label key → value → positions (in scrape order). */
  buckets: Map<string, Map<string, number[]>>;
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
  /** podKey → its batch (see PodBatch). */
  private batches = new Map<string, PodBatch>();
  private layouts = new Map<string, NsLayout>();
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
    // Pods of this scrape, in the order their first container was met.
    const pods: PodBatch[] = [];
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
      let e = this.batches.get(c.podKey);
      if (e === undefined || e.gen !== gen) {
        const pod = store.getByKey("Pod", c.podKey);
        // metrics-server lists pods from its informer: unknown (or recreated) pods are not served.
        if (!pod || (pod.metadata.uid && c.podUid && pod.metadata.uid !== c.podUid)) return;
        if (e === undefined) this.batches.set(c.podKey, (e = { gen, pod, list: [], states: [] }));
        else {
          e.gen = gen;
          e.pod = pod;
          e.list.length = 0;
          e.states.length = 0;
        }
        pods.push(e);
      }
      e.list.push(c);
      e.states.push(st);
    });
    // Forget containers and pods not in this batch.
    for (const [c, st] of this.containers) if (st.seen !== gen) this.containers.delete(c);
    for (const [key, e] of this.batches) if (e.gen !== gen) this.batches.delete(key);

    // PodMetrics (GetMetrics), per namespace in scrape order.
    const served = new Map<string, PodMetrics[]>();
    for (const { pod, list, states } of pods) {
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
        labels: pod.metadata.labels ?? NO_LABELS,
        timestamp: earliest.t,
        windowMs: window,
        containers: cms,
      };
      let inNs = served.get(ns);
      if (!inNs) served.set(ns, (inNs = []));
      inNs.push(pm);
    }
    // Indexed: name order and label buckets.
    const byNs = new Map<string, NsIndex>();
    const layouts = new Map<string, NsLayout>();
    for (const [ns, pms] of served) {
      let layout = this.layouts.get(ns);
      if (!layout || !sameLayout(layout, pms)) layout = layoutOf(pms);
      layouts.set(ns, layout);
      const byLabel = new Map<string, Map<string, PodMetrics[]>>();
      for (const [k, vals] of layout.buckets) {
        const out = new Map<string, PodMetrics[]>();
        for (const [v, at] of vals) out.set(v, at.map((i) => pms[i]!));
        byLabel.set(k, out);
      }
      byNs.set(ns, { all: layout.sorted.map((i) => pms[i]!), byLabel });
    }
    this.byNs = byNs;
    this.layouts = layouts;

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

function sameLayout(l: NsLayout, pms: readonly PodMetrics[]): boolean {
  if (l.names.length !== pms.length) return false;
  for (let i = 0; i < pms.length; i++) if (l.names[i] !== pms[i]!.name || l.labels[i] !== pms[i]!.labels) return false;
  return true;
}

function layoutOf(pms: readonly PodMetrics[]): NsLayout {
  const names = pms.map((pm) => pm.name);
  const sorted = pms.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
  const buckets = new Map<string, Map<string, number[]>>();
  pms.forEach((pm, i) => {
    for (const k in pm.labels) {
      let vals = buckets.get(k);
      if (!vals) buckets.set(k, (vals = new Map()));
      const v = pm.labels[k]!;
      let at = vals.get(v);
      if (!at) vals.set(v, (at = []));
      at.push(i);
    }
  });
  return { names, labels: pms.map((pm) => pm.labels), sorted, buckets };
}
