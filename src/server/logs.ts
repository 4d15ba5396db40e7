/**
 * Pod logs of the simulated control-plane components.
 *
 * On EKS the scheduler and controller manager run hidden in the managed control plane. scalelab
 * exposes each simulated component as a kube-system Pod (kubeadm static-pod style:
 * `kube-scheduler-<node>`, labels `component`/`tier: control-plane`) whose container log is the
 * component's decision log from the LogSink, so `kubectl logs -n kube-system kube-scheduler-…`
 * (and `-f`) shows the same lines the real binary prints:
 *
 *  - klog text (`I1122 18:50:30.123456       1 schedule_one.go:1055] "Unable to schedule pod; no fit; waiting" pod="default/web-0" err="…"`):
 *    severity letter, MMDD, wall time with microseconds, the pid (1 in a container) right-aligned
 *    in 7 columns, the source file:line, `] `, then the structured message — the quoted message
 *    followed by `key=value` pairs (strings quoted as Go's strconv.Quote, numbers/bools bare).
 *  - JSON lines (zap, as Karpenter logs): `{"level":"INFO","time":"…","logger":"controller","message":"…",…fields}`.
 *
 * The component pods are **virtual**: the server lists them with kube-system's pods but they are
 * not written to the store, where the scheduler, kubelet and pod GC would act on them.
 *
 * Ordinary application pods have no simulated stdout: their logs are empty (kubectl prints
 * nothing), which is honest — the simulation models CPU/memory, not the application's output.
 *
 * Debug-level records (klog V(4)+) are not shown, as the components run at the default verbosity.
 * File:line positions are those the 1.32 sources print for the known messages, and the component's
 * main file otherwise (approximate where upstream has no fixed line).
 */
import type { LogRecord, LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";

export type LogFormat = "klog" | "json";

export interface ComponentPod {
  /** Pod name prefix; the pod is `<prefix>-<nodeName>` (static pods) or `<prefix>` when `fullName`. */
  prefix: string;
  namespace: string;
  container: string;
  image: string;
  /** LogSink component names merged into this container's log. */
  components: string[];
  format: LogFormat;
  labels: Record<string, string>;
  /** Use `prefix` as the whole pod name (Deployment-style names chosen by the registrant). */
  fullName?: boolean;
  /** Default source file for klog lines of unknown messages. */
  sourceFile?: string;
  /** Shown only while this holds (e.g. only when the simulation runs Karpenter). */
  when?: () => boolean;
}

export const DEFAULT_CONTROL_PLANE_NODE = "scalelab-control-plane";

const REGISTRY: ComponentPod[] = [
  {
    prefix: "kube-scheduler",
    namespace: "kube-system",
    container: "kube-scheduler",
    image: "registry.k8s.io/kube-scheduler:v1.32.4",
    components: ["default-scheduler", "kube-scheduler"],
    format: "klog",
    labels: { component: "kube-scheduler", tier: "control-plane" },
    sourceFile: "schedule_one.go:0",
  },
  {
    prefix: "kube-controller-manager",
    namespace: "kube-system",
    container: "kube-controller-manager",
    image: "registry.k8s.io/kube-controller-manager:v1.32.4",
    components: [
      "kube-controller-manager",
      "horizontal-pod-autoscaler",
      "deployment-controller",
      "replicaset-controller",
      "statefulset-controller",
      "daemonset-controller",
      "job-controller",
      "cronjob-controller",
      "endpoint-controller",
      "endpointslice-controller",
      "node-controller",
      "node-lifecycle-controller",
      "disruption-controller",
      "garbage-collector",
      "pod-garbage-collector",
      "taint-eviction-controller",
    ],
    format: "klog",
    labels: { component: "kube-controller-manager", tier: "control-plane" },
    sourceFile: "controllermanager.go:0",
  },
];

/** Let later components (Karpenter, cluster-autoscaler, KEDA, VPA) appear as pods with their logs. */
export function registerComponentPod(p: ComponentPod): void {
  const i = REGISTRY.findIndex((r) => r.prefix === p.prefix && r.namespace === p.namespace);
  if (i >= 0) REGISTRY[i] = p;
  else REGISTRY.push(p);
}

export function componentPods(): readonly ComponentPod[] {
  return REGISTRY;
}

function podName(p: ComponentPod, nodeName: string): string {
  return p.fullName ? p.prefix : `${p.prefix}-${nodeName}`;
}

/** The component pod behind `name` (any namespace when `namespace` is undefined). */
export function componentForPod(name: string, namespace?: string): ComponentPod | undefined {
  for (const p of REGISTRY) {
    if (namespace !== undefined && p.namespace !== namespace) continue;
    if (p.when && !p.when()) continue;
    if (p.fullName ? name === p.prefix : name.startsWith(p.prefix + "-") && name.length > p.prefix.length + 1) return p;
  }
  return undefined;
}

function stableUid(s: string): string {
  // FNV-1a based, deterministic, uuid-shaped.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 2246822519) >>> 0;
  }
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  const a = hex(h1);
  const b = hex(h2);
  const c = hex((h1 ^ h2) >>> 0);
  const d = hex(Math.imul(h1, 31) >>> 0);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** The kube-system Pods of the simulated components, Running and Ready since `nowIso`. */
export function componentPodObjects(opts: { nowIso: string; nodeName?: string; hostIP?: string }): KubeObject[] {
  const node = opts.nodeName ?? DEFAULT_CONTROL_PLANE_NODE;
  const ip = opts.hostIP ?? "10.0.0.10";
  return REGISTRY.filter((p) => !p.when || p.when()).map((p) => {
    const name = podName(p, node);
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: p.namespace,
        uid: stableUid(`${p.namespace}/${name}`),
        resourceVersion: "1",
        creationTimestamp: opts.nowIso,
        labels: { ...p.labels },
        annotations: { "kubernetes.io/config.source": "file", "scalelab.dev/virtual": "true" },
      },
      spec: {
        containers: [{ name: p.container, image: p.image, command: [p.container], resources: { requests: { cpu: "100m" } } }],
        hostNetwork: true,
        priorityClassName: "system-node-critical",
        priority: 2000001000,
        restartPolicy: "Always",
        ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      },
      status: {
        phase: "Running",
        conditions: [
          { type: "PodReadyToStartContainers", status: "True", lastTransitionTime: opts.nowIso },
          { type: "Initialized", status: "True", lastTransitionTime: opts.nowIso },
          { type: "Ready", status: "True", lastTransitionTime: opts.nowIso },
          { type: "ContainersReady", status: "True", lastTransitionTime: opts.nowIso },
          { type: "PodScheduled", status: "True", lastTransitionTime: opts.nowIso },
        ],
        hostIP: ip,
        hostIPs: [{ ip }],
        podIP: ip,
        podIPs: [{ ip }],
        qosClass: "Burstable",
        startTime: opts.nowIso,
        containerStatuses: [
          {
            name: p.container,
            image: p.image,
            imageID: "",
            containerID: `containerd://${stableUid(name).replace(/-/g, "")}`,
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: opts.nowIso } },
          },
        ],
      },
    } as KubeObject;
  });
}

// ----------------------------------------------------------------------------- formatting

/** Known messages → source position printed by the 1.32 binaries. */
const SOURCE_OF: Array<[string, string]> = [
  ["Successfully rescaled", "horizontal.go:878"],
  ["Unable to schedule pod; no fit; waiting", "schedule_one.go:1055"],
  ["Error scheduling pod; retrying", "schedule_one.go:1049"],
  ["Error updating pod", "schedule_one.go:1122"],
  ["Error preempting pod", "preemption.go:195"],
  ["Found orphaned Pod assigned to the Node, deleting", "gc_controller.go:256"],
  ["Forced deletion of orphaned Pod succeeded", "gc_controller.go:267"],
];

const DEFAULT_SOURCE: Record<string, string> = {
  "horizontal-pod-autoscaler": "horizontal.go",
  "default-scheduler": "schedule_one.go",
  "kube-scheduler": "schedule_one.go",
  "kube-controller-manager": "controllermanager.go",
};

function sourceOf(r: LogRecord, fallback: string | undefined): string {
  for (const [prefix, src] of SOURCE_OF) {
    if (r.message.startsWith(prefix) || r.message.startsWith(`"${prefix}"`)) return src;
  }
  const f = DEFAULT_SOURCE[r.component] ?? fallback?.replace(/:\d+$/, "") ?? `${r.component}.go`;
  return `${f}:${100 + (hash(r.message) % 800)}`;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}

/** Go strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + '"';
}

function klogValue(v: unknown): string {
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === null || v === undefined) return "<nil>";
  if (v instanceof Error) return goQuote(v.message);
  if (Array.isArray(v)) return `[${v.map(klogValue).join(" ")}]`;
  // KObj-like references print as "namespace/name".
  const o = v as Record<string, unknown>;
  if (typeof o.name === "string" && Object.keys(o).every((k) => k === "name" || k === "namespace")) {
    return goQuote(o.namespace ? `${o.namespace}/${o.name}` : o.name);
  }
  return JSON.stringify(v);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** klog header + structured message. `unixMs` is the wall time of the record. */
export function formatKlogLine(r: LogRecord, unixMs: number, fallbackSource?: string): string {
  const d = new Date(unixMs);
  const sev = r.level === "error" ? "E" : r.level === "warn" ? "W" : "I";
  const micros = String((((unixMs % 1000) + 1000) % 1000) * 1000).padStart(6, "0");
  const header = `${sev}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${micros} ${"1".padStart(7, " ")} ${sourceOf(r, fallbackSource)}] `;
  let msg = r.message.startsWith('"') ? r.message : goQuote(r.message);
  if (r.fields) for (const [k, v] of Object.entries(r.fields)) msg += ` ${k}=${klogValue(v)}`;
  // utilruntime.HandleError (1.32) tags its lines with the UnhandledError logger.
  if (msg.startsWith('"Unhandled Error"') && !msg.includes(" logger=")) msg += ' logger="UnhandledError"';
  return header + msg;
}

/** zap JSON line (Karpenter style). */
export function formatJsonLine(r: LogRecord, unixMs: number): string {
  const o: Record<string, unknown> = {
    level: r.level === "warn" ? "WARN" : r.level.toUpperCase(),
    time: new Date(unixMs).toISOString(),
    logger: "controller",
    message: r.message,
  };
  if (r.fields) for (const [k, v] of Object.entries(r.fields)) if (!(k in o)) o[k] = v;
  return JSON.stringify(o);
}

/** time.RFC3339Nano as kubelet prefixes lines with `timestamps=true` (trailing zeros trimmed). */
export function rfc3339Nano(unixMs: number): string {
  const s = new Date(unixMs).toISOString(); // …T18:50:30.120Z
  return s.replace(/\.?0+Z$/, "Z").replace(/\.Z$/, "Z");
}

export interface PodLogOptions {
  /** Wall-clock now, Unix ms (for sinceSeconds). */
  nowMs: number;
  /** Unix ms of virtual time 0 (clock.epochMs): record times are virtual. */
  epochMs: number;
  tailLines?: number;
  sinceSeconds?: number;
  /** Only lines at or after this Unix ms (`sinceTime`). */
  sinceTimeMs?: number;
  timestamps?: boolean;
  limitBytes?: number;
  /** Include debug records (klog -v=4). */
  verbose?: boolean;
}

function render(p: ComponentPod, r: LogRecord, epochMs: number, timestamps: boolean | undefined): string {
  const unix = epochMs + r.t;
  const line = p.format === "json" ? formatJsonLine(r, unix) : formatKlogLine(r, unix, p.sourceFile);
  return timestamps ? `${rfc3339Nano(unix)} ${line}` : line;
}

/** Records of the pod's components, merged in time order (stable per component order). */
function mergedRecords(logs: LogSink, p: ComponentPod, verbose: boolean | undefined): LogRecord[] {
  const lists = p.components.map((c) => logs.records(c)).filter((l) => l.length > 0);
  let out: LogRecord[];
  if (lists.length === 1) out = lists[0]!.slice();
  else {
    out = [];
    const idx = lists.map(() => 0);
    for (;;) {
      let best = -1;
      for (let i = 0; i < lists.length; i++) {
        const r = lists[i]![idx[i]!];
        if (r && (best < 0 || r.t < lists[best]![idx[best]!]!.t)) best = i;
      }
      if (best < 0) break;
      out.push(lists[best]![idx[best]!++]!);
    }
  }
  return verbose ? out : out.filter((r) => r.level !== "debug");
}

/**
 * The log text of `podName`'s `container` (kubelet semantics: sinceSeconds/sinceTime filter first,
 * then the last `tailLines`, then `limitBytes`). Every line ends in `\n`. Application pods and
 * unknown containers give "" (see the file comment); use `componentForPod` to tell them apart.
 */
export function podLogText(logs: LogSink, podName: string, container: string | undefined, opts: PodLogOptions): string {
  const p = componentForPod(podName);
  if (!p || (container !== undefined && container !== "" && container !== p.container)) return "";
  let recs = mergedRecords(logs, p, opts.verbose);
  let since = -Infinity;
  if (opts.sinceSeconds !== undefined) since = opts.nowMs - opts.sinceSeconds * 1000;
  if (opts.sinceTimeMs !== undefined) since = Math.max(since, opts.sinceTimeMs);
  if (since > -Infinity) recs = recs.filter((r) => opts.epochMs + r.t >= since);
  if (opts.tailLines !== undefined && opts.tailLines >= 0) recs = opts.tailLines === 0 ? [] : recs.slice(-opts.tailLines);
  let text = "";
  for (const r of recs) text += render(p, r, opts.epochMs, opts.timestamps) + "\n";
  if (opts.limitBytes !== undefined && opts.limitBytes >= 0) {
    const buf = Buffer.from(text, "utf8");
    if (buf.length > opts.limitBytes) text = buf.subarray(0, opts.limitBytes).toString("utf8");
  }
  return text;
}

/**
 * `kubectl logs -f`: call `onLine` (with a trailing `\n`) for every new record of the pod's
 * components. Returns the unsubscribe function. Application pods never produce lines.
 */
export function followPodLog(
  logs: LogSink,
  podName: string,
  container: string | undefined,
  onLine: (line: string) => void,
  opts: { epochMs: number; timestamps?: boolean; verbose?: boolean },
): () => void {
  const p = componentForPod(podName);
  if (!p || (container !== undefined && container !== "" && container !== p.container)) return () => {};
  const wanted = new Set(p.components);
  return logs.on((r) => {
    if (!wanted.has(r.component)) return;
    if (!opts.verbose && r.level === "debug") return;
    onLine(render(p, r, opts.epochMs, opts.timestamps) + "\n");
  });
}
