/**
 * `scalelab nodes`: the eks-node-viewer view of a cluster — per node the scheduled pod requests
 * against allocatable as bars (cpu, optionally memory), pod count, instance type and $/hour, capacity
 * type, zone, status and age; cluster totals with $/hour and $/month (× 730 h, as eks-node-viewer).
 *
 * `renderNodeView` is pure (objects in, text out); the command runs a scenario to `--at` and prints it.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { KubeObject } from "../api/meta.js";
import { parseDuration } from "../core/duration.js";
import { formatBytes, formatCpuMilli } from "../core/quantity.js";
import { parseSelector, type Selector } from "../core/labels.js";
import { nodeAllocatable, podRequests } from "../scheduling/resources.js";
import { loadScenarioFile, ScenarioError } from "../scenario/loader.js";
import { Simulation, SimulationInputError } from "../sim/simulation.js";
import { describeInputError } from "./run.js";
import { remoteNodeView, targetFromKubeconfig, type RemoteTarget } from "./nodes-remote.js";

/** Hours in a month as eks-node-viewer counts them (365 × 24 / 12). */
export const HOURS_PER_MONTH = (365 * 24) / 12;
const BAR_WIDTH = 35;

export type ViewResource = "cpu" | "memory";

export interface NodeViewOptions {
  /** Virtual now (ms) for ages. */
  now: number;
  /** $/hour of a node (spot included), undefined if unknown. */
  priceOf: (node: KubeObject) => number | undefined;
  /** True when priceOf(node) is an estimate (e.g. spot priced at on-demand): shown as `~$`. */
  priceEstimated?: (node: KubeObject) => boolean;
  resources?: ViewResource[];
  /** Only nodes matching this label selector. */
  nodeSelector?: Selector;
}

interface NodeRow {
  name: string;
  instanceType: string;
  capacityType: string;
  zone: string;
  price: number | undefined;
  estimated: boolean;
  pods: number;
  requested: Record<ViewResource, number>;
  allocatable: Record<ViewResource, number>;
  status: string;
  age: string;
  created: number;
}

/** A `█`/`░` bar of `width` cells for fraction `f` (clamped to [0, 1]). */
export function bar(f: number, width = BAR_WIDTH): string {
  const filled = Math.max(0, Math.min(width, Math.round((Number.isFinite(f) ? f : 0) * width)));
  return "█".repeat(filled) + "░".repeat(width - filled);
}

/** kubectl's HumanDuration (the AGE column). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function capacityTypeLabel(labels: Record<string, string>): string {
  const ct = labels["karpenter.sh/capacity-type"] ?? labels["eks.amazonaws.com/capacityType"] ?? "";
  const l = ct.toLowerCase().replace(/_/g, "-");
  if (l === "spot") return "Spot";
  if (l === "reserved") return "Reserved";
  if (labels["eks.amazonaws.com/compute-type"] === "fargate") return "Fargate";
  return "On-Demand";
}

function nodeStatus(n: KubeObject): string {
  if (n.metadata.deletionTimestamp) return "Deleting";
  const ready = (n.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True");
  const taints: Array<{ key: string }> = n.spec?.taints ?? [];
  if (n.spec?.unschedulable || taints.some((t) => t.key === "karpenter.sh/disrupted")) return ready ? "Cordoned" : "NotReady/Cordoned";
  return ready ? "Ready" : "NotReady";
}

function fmt(resource: ViewResource, v: number): string {
  return resource === "cpu" ? formatCpuMilli(Math.round(v)) : formatBytes(Math.round(v));
}

function pct(used: number, alloc: number): number {
  return alloc > 0 ? used / alloc : 0;
}

/** The eks-node-viewer screen for these nodes and pods. */
export function renderNodeView(nodes: readonly KubeObject[], pods: readonly KubeObject[], opts: NodeViewOptions): string {
  const resources = opts.resources && opts.resources.length ? opts.resources : (["cpu"] as ViewResource[]);
  const rows = new Map<string, NodeRow>();
  for (const n of nodes) {
    const labels = n.metadata.labels ?? {};
    if (opts.nodeSelector && !opts.nodeSelector.matches(labels)) continue;
    const alloc = nodeAllocatable(n);
    const created = n.metadata.creationTimestamp ? Date.parse(n.metadata.creationTimestamp) : NaN;
    rows.set(n.metadata.name!, {
      name: n.metadata.name!,
      instanceType: labels["node.kubernetes.io/instance-type"] ?? "",
      capacityType: capacityTypeLabel(labels),
      zone: labels["topology.kubernetes.io/zone"] ?? "",
      price: opts.priceOf(n),
      estimated: opts.priceEstimated?.(n) ?? false,
      pods: 0,
      requested: { cpu: 0, memory: 0 },
      allocatable: { cpu: alloc.cpu, memory: alloc.memory },
      status: nodeStatus(n),
      age: "",
      created,
    });
  }
  let pending = 0;
  let running = 0;
  let bound = 0;
  let total = 0;
  for (const p of pods) {
    const phase = p.status?.phase ?? "Pending";
    if (phase === "Succeeded" || phase === "Failed") continue;
    const nodeName: string | undefined = p.spec?.nodeName;
    const row = nodeName ? rows.get(nodeName) : undefined;
    if (nodeName && !row && opts.nodeSelector) continue; // bound to a node outside the selection
    total++;
    if (phase === "Running") running++;
    if (nodeName) bound++;
    else pending++;
    if (row) {
      row.pods++;
      const r = podRequests(p);
      row.requested.cpu += r.cpu;
      row.requested.memory += r.memory;
    }
  }
  const list = [...rows.values()].sort((a, b) => (a.created !== b.created && Number.isFinite(a.created) && Number.isFinite(b.created) ? a.created - b.created : a.name < b.name ? -1 : 1));
  const startOfTime = opts.now;
  for (const r of list) r.age = Number.isFinite(r.created) ? humanDuration(startOfTime - r.created) : "";

  const out: string[] = [];
  let price = 0;
  let priced = true;
  let estimated = false;
  for (const r of list) {
    if (r.estimated) estimated = true;
    if (r.price === undefined) priced = false;
    else price += r.price;
  }
  const resW = Math.max(...resources.map((r) => r.length));
  resources.forEach((res, i) => {
    let used = 0;
    let alloc = 0;
    for (const r of list) {
      used += r.requested[res];
      alloc += r.allocatable[res];
    }
    const head = i === 0 ? `${list.length} nodes` : " ".repeat(`${list.length} nodes`.length);
    const f = pct(used, alloc);
    const money = i === 0 ? (priced || price > 0 ? ` ${estimated ? "~" : ""}$${price.toFixed(3)}/hour | ${estimated ? "~" : ""}$${(price * HOURS_PER_MONTH).toFixed(3)}/month` : "") : "";
    out.push(`${head} (${fmt(res, used)}/${fmt(res, alloc)}) ${(f * 100).toFixed(1)}% ${res.padEnd(resW)} ${bar(f)}${money}`);
  });
  out.push(`${total} pods (${pending} pending ${running} running ${bound} bound)`);
  out.push("");
  const nameW = Math.max(0, ...list.map((r) => r.name.length));
  for (const r of list) {
    resources.forEach((res, i) => {
      const f = pct(r.requested[res], r.allocatable[res]);
      const p = `${Math.round(f * 100)}%`.padStart(4);
      const first = i === 0;
      const lead = first ? r.name.padEnd(nameW) : " ".repeat(nameW);
      let line = `${lead} ${res.padEnd(resW)} ${bar(f)} ${p}`;
      if (first) {
        const money = r.price === undefined ? r.instanceType : `${r.instanceType}/${r.estimated ? "~" : ""}$${r.price.toFixed(4)}`;
        line += ` (${r.pods} pods) ${money} ${r.capacityType} ${r.zone || "-"} - ${r.status} ${r.age}`;
      }
      out.push(line.trimEnd());
    });
  }
  return out.join("\n") + "\n";
}

/** The view of a running simulation now. */
export function simulationNodeView(sim: Simulation, opts: Omit<NodeViewOptions, "now" | "priceOf"> = {}): string {
  return renderNodeView(sim.store.list("Node"), sim.store.list("Pod"), {
    ...opts,
    now: sim.clock.now() + sim.scenario.spec.startTimeMs,
    priceOf: (n) => sim.nodePrice(n),
  });
}

export function parseResources(s: string | undefined): ViewResource[] {
  if (!s) return ["cpu"];
  const out: ViewResource[] = [];
  for (const part of s.split(",").map((x) => x.trim()).filter(Boolean)) {
    if (part !== "cpu" && part !== "memory") throw new Error(`unsupported resource "${part}" (supported: cpu, memory)`);
    if (!out.includes(part)) out.push(part);
  }
  return out.length ? out : ["cpu"];
}

const NODES_USAGE = `Usage:
  scalelab nodes FILE [--at DURATION] [--seed N] [--resources cpu,memory] [--node-selector SELECTOR]
  scalelab nodes --kubeconfig PATH [--context NAME] | --server URL [--token T] [--resources ...] [--node-selector ...]

Runs the scenario to --at (default: its spec.duration) and prints the eks-node-viewer view:
per node the pod requests against allocatable, pods, instance type and $/hour, capacity type,
zone, status and age; cluster totals in $/hour and $/month.
With --kubeconfig or --server, reads the Nodes and Pods of a running cluster (scalelab serve) over
the API instead; spot nodes are priced from Karpenter's offering price metric on /metrics, or, when
their pool has none, at on-demand and marked "~" (an estimate).
`;

export async function nodesCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        at: { type: "string" },
        seed: { type: "string" },
        resources: { type: "string", default: "cpu,memory" },
        "node-selector": { type: "string" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        server: { type: "string" },
        token: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${NODES_USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(NODES_USAGE);
    return 0;
  }
  const remote = parsed.values.kubeconfig !== undefined || parsed.values.server !== undefined;
  if (remote) return remoteNodesCommand(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`error: nodes takes exactly one scenario file\n${NODES_USAGE}`);
    return 2;
  }
  let resources: ViewResource[];
  let selector: Selector | undefined;
  try {
    resources = parseResources(parsed.values.resources as string);
    if (parsed.values["node-selector"]) selector = parseSelector(parsed.values["node-selector"] as string);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  let scenario;
  try {
    scenario = loadScenarioFile(parsed.positionals[0]!);
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  let at = scenario.spec.durationMs;
  if (parsed.values.at !== undefined) {
    try {
      at = parseDuration(parsed.values.at as string);
    } catch (e) {
      process.stderr.write(`error: invalid argument "${parsed.values.at}" for "--at" flag: ${(e as Error).message}\n`);
      return 2;
    }
  }
  let seed: number | undefined;
  if (parsed.values.seed !== undefined) {
    seed = Number(parsed.values.seed);
    if (!Number.isInteger(seed)) {
      process.stderr.write(`error: invalid argument "${parsed.values.seed}" for "--seed" flag: must be an integer\n`);
      return 2;
    }
  }
  const sim = new Simulation(scenario, { seed });
  sim.recorder.podRecords = false;
  try {
    sim.start();
  } catch (e) {
    if (e instanceof SimulationInputError) {
      process.stderr.write(`error: ${describeInputError(e)}\n`);
      return 1;
    }
    throw e;
  }
  sim.runUntil(at);
  process.stdout.write(simulationNodeView(sim, { resources, nodeSelector: selector }));
  return 0;
}

async function remoteNodesCommand(v: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
  if (positionals.length) {
    process.stderr.write(`error: a scenario file and --kubeconfig/--server are exclusive\n${NODES_USAGE}`);
    return 2;
  }
  let target: RemoteTarget;
  let resources: ViewResource[];
  let selector: Selector | undefined;
  try {
    resources = parseResources(v.resources as string | undefined);
    if (v["node-selector"]) selector = parseSelector(v["node-selector"] as string);
    if (v.server !== undefined) target = { server: v.server as string, insecure: true };
    else target = targetFromKubeconfig(readFileSync(v.kubeconfig as string, "utf8"), v.context as string | undefined);
    if (v.token !== undefined) target.token = v.token as string;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    process.stdout.write(await remoteNodeView(target, { resources, nodeSelector: selector }));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
