/**
 * Expanders (expander/*, chain in expander/factory/chain.go, 1.32). `--expander` is a comma-separated
 * chain of filters applied in order; the chain stops as soon as one option remains; ties left at the
 * end are broken by random.
 *
 * - random: uniform pick.
 * - most-pods: options placing the most pods.
 * - least-waste: wasted = (n·capCPU − Σpod cpu)/(n·capCPU) + (n·capMem − Σpod mem)/(n·capMem), on node
 *   capacity; minimum wins (ties kept). Logs "Expanding Node Group X would waste …".
 * - least-nodes: fewest nodes.
 * - priority: ConfigMap `cluster-autoscaler-priority-expander`, key `priorities`: YAML map
 *   priority → [regex …] matched (unanchored, Go regexp.MatchString) against node group ids; the
 *   highest matching priority wins; unmatched groups are dropped with a warning; nothing matching
 *   (or no/invalid ConfigMap) passes every option through.
 * - price: needs CloudProvider.Pricing(); the AWS provider returns "Not implemented", so CA exits at
 *   start-up when it is configured on AWS. The scoring is implemented for providers with pricing.
 */
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../../api/meta.js";
import type { Rng } from "../../core/rng.js";
import { podRequests } from "../../scheduling/resources.js";
import type { TemplateNode } from "./templates.js";

export interface ExpansionOption {
  /** Node group id (ASG name). */
  nodeGroup: string;
  nodeCount: number;
  pods: KubeObject[];
  template: TemplateNode;
  /** Does the group exist already (false for node groups CA would create — never on ASGs). */
  exists?: boolean;
  similarNodeGroups?: string[];
}

export interface ExpanderContext {
  rng: Rng;
  log?: (msg: string) => void;
  warn?: (msg: string, event?: { reason: string; message: string }) => void;
  /** The priority expander ConfigMap (re-read every time), or undefined. */
  priorityConfigMap?: () => KubeObject | undefined;
  pricing?: PricingModel;
}

export interface PricingModel {
  /** $ for running the node from now for `hours`. */
  nodePrice(template: TemplateNode, hours: number): number;
  /** $ for the pod's requests for `hours`. */
  podPrice(requests: { cpu: number; memory: number }, hours: number): number;
}

export type Filter = (options: ExpansionOption[], ctx: ExpanderContext) => ExpansionOption[];

export const EXPANDER_NAMES = ["random", "most-pods", "least-waste", "least-nodes", "price", "priority", "grpc"] as const;

export function randomPick(options: ExpansionOption[], ctx: ExpanderContext): ExpansionOption[] {
  if (options.length <= 1) return options;
  return [options[ctx.rng.int(options.length)]!];
}

export function mostPods(options: ExpansionOption[]): ExpansionOption[] {
  let max = -1;
  let best: ExpansionOption[] = [];
  for (const o of options) {
    if (o.pods.length > max) {
      max = o.pods.length;
      best = [o];
    } else if (o.pods.length === max) best.push(o);
  }
  return best;
}

export function leastNodes(options: ExpansionOption[]): ExpansionOption[] {
  let min = Infinity;
  let best: ExpansionOption[] = [];
  for (const o of options) {
    if (o.nodeCount < min) {
      min = o.nodeCount;
      best = [o];
    } else if (o.nodeCount === min) best.push(o);
  }
  return best;
}

/** Wasted CPU, memory and their sum for an option. */
export function wasteOf(o: ExpansionOption): { cpu: number; memory: number; blended: number } {
  let cpu = 0;
  let mem = 0;
  for (const p of o.pods) {
    const r = podRequests(p);
    cpu += r.cpu;
    mem += r.memory;
  }
  const availCpu = o.template.capacity.cpu * o.nodeCount;
  const availMem = o.template.capacity.memory * o.nodeCount;
  const wc = availCpu > 0 ? (availCpu - cpu) / availCpu : 0;
  const wm = availMem > 0 ? (availMem - mem) / availMem : 0;
  return { cpu: wc, memory: wm, blended: wc + wm };
}

export function leastWaste(options: ExpansionOption[], ctx: ExpanderContext): ExpansionOption[] {
  let min = Infinity;
  let best: ExpansionOption[] = [];
  for (const o of options) {
    const w = wasteOf(o);
    ctx.log?.(`Expanding Node Group ${o.nodeGroup} would waste ${(w.cpu * 100).toFixed(2)}% CPU, ${(w.memory * 100).toFixed(2)}% Memory, ${(w.blended * 100).toFixed(2)}% Blended`);
    if (w.blended === min) best.push(o);
    else if (w.blended < min) {
      min = w.blended;
      best = [o];
    }
  }
  return best;
}

export const PRIORITY_CONFIGMAP = "cluster-autoscaler-priority-expander";

/** Parse the `priorities` key: YAML map int → list of regexes. Throws on invalid input. */
export function parsePriorities(text: string): Map<number, RegExp[]> {
  const raw = parseYaml(text) as unknown;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new Error("priorities must be a map of integer priority to a list of regexes");
  const out = new Map<number, RegExp[]>();
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const prio = Number(k);
    if (!Number.isInteger(prio)) throw new Error(`can't parse priority "${k}"`);
    if (!Array.isArray(v)) throw new Error(`priority ${k}: expected a list of regexes`);
    out.set(
      prio,
      v.map((r) => new RegExp(String(r))),
    );
  }
  return out;
}

export function priority(options: ExpansionOption[], ctx: ExpanderContext): ExpansionOption[] {
  const cm = ctx.priorityConfigMap?.();
  if (!cm) {
    ctx.warn?.(`Priority expander: config map ${PRIORITY_CONFIGMAP} not found`);
    return options;
  }
  const text = (cm as { data?: Record<string, string> }).data?.priorities;
  if (text === undefined) {
    ctx.warn?.(`Priority expander: wrong configuration for priority expander: priority configuration in ${PRIORITY_CONFIGMAP} configmap is empty; please provide valid configuration`);
    return options;
  }
  let prios: Map<number, RegExp[]>;
  try {
    prios = parsePriorities(text);
  } catch (e) {
    ctx.warn?.(`Priority expander: wrong configuration for priority expander: Can't parse YAML with priorities in the configmap: ${(e as Error).message}`);
    return options;
  }
  let maxPrio = -Infinity;
  let best: ExpansionOption[] = [];
  for (const o of options) {
    let found = false;
    for (const [prio, list] of prios) {
      if (!list.some((re) => re.test(o.nodeGroup))) continue;
      found = true;
      if (prio < maxPrio) continue;
      if (prio > maxPrio) {
        maxPrio = prio;
        best = [];
      }
      if (!best.includes(o)) best.push(o);
    }
    if (!found) {
      const msg = `Priority expander: node group ${o.nodeGroup} not found in priority expander configuration. The group won't be used.`;
      ctx.warn?.(msg, { reason: "PriorityConfigMapNotMatchedGroup", message: msg });
    }
  }
  if (best.length === 0) {
    const msg = "Priority expander: no priorities info found for any of the expansion options. Falling back to random choice.";
    ctx.warn?.(msg, { reason: "PriorityConfigMapNotMatchedGroup", message: msg });
    return options;
  }
  return best;
}

/** Preferred node shape of the price expander (SimplePreferredNodeProvider): grows with cluster size. */
export function preferredCpuMilli(clusterNodes: number): number {
  if (clusterNodes <= 2) return 1000;
  if (clusterNodes <= 6) return 2000;
  if (clusterNodes <= 20) return 4000;
  if (clusterNodes <= 60) return 8000;
  if (clusterNodes <= 200) return 16000;
  return 32000;
}

/** Price expander score of one option (lower is better). */
export function priceScore(o: ExpansionOption, pricing: PricingModel, preferredCpu: number): number {
  const hours = 1;
  const stab = pricing.podPrice({ cpu: 500, memory: 500 * 1024 * 1024 }, hours);
  const nodePrice = pricing.nodePrice(o.template, hours) * o.nodeCount;
  let podPrice = 0;
  for (const p of o.pods) {
    const r = podRequests(p);
    podPrice += pricing.podPrice({ cpu: r.cpu, memory: r.memory }, hours);
  }
  const priceSub = (nodePrice + stab) / (podPrice + stab);
  const nodeCpu = o.template.capacity.cpu;
  const unfitness = nodeCpu > 0 ? Math.max(preferredCpu / nodeCpu, nodeCpu / preferredCpu) : 1;
  const suppressed = (unfitness - 1) * (1 - Math.tanh((o.nodeCount - 1) / 15)) + 1;
  let score = suppressed * priceSub;
  if (o.exists === false) score *= 2;
  return score;
}

export function price(options: ExpansionOption[], ctx: ExpanderContext & { clusterNodes?: number }): ExpansionOption[] {
  if (!ctx.pricing) return options;
  const pref = preferredCpuMilli(ctx.clusterNodes ?? 0);
  let min = Infinity;
  let best: ExpansionOption[] = [];
  for (const o of options) {
    const s = priceScore(o, ctx.pricing, pref);
    if (s < min) {
      min = s;
      best = [o];
    } else if (s === min) best.push(o);
  }
  return best;
}

export class ExpanderConfigError extends Error {}

const FILTERS: Record<string, Filter> = {
  random: randomPick,
  "most-pods": (o) => mostPods(o),
  "least-waste": leastWaste,
  "least-nodes": (o) => leastNodes(o),
  priority,
  price,
};

/** Build the chain; throws like upstream's factory for unknown names or misplaced random. */
export function buildExpanderChain(names: readonly string[], opts: { pricingAvailable: boolean }): Filter[] {
  if (names.length === 0) throw new ExpanderConfigError("Expander list cannot be empty");
  const out: Filter[] = [];
  names.forEach((n, i) => {
    if (n === "price" && !opts.pricingAvailable) throw new ExpanderConfigError("Not implemented");
    if (n === "grpc") throw new ExpanderConfigError("gRPC expander is not supported by the simulator");
    const f = FILTERS[n];
    if (!f) throw new ExpanderConfigError(`Expander ${n} not supported`);
    if (n === "random" && i !== names.length - 1) throw new ExpanderConfigError("Expander random must be the last one in the chain");
    out.push(f);
  });
  return out;
}

/** Apply a chain: stop as soon as one option remains; random breaks remaining ties. */
export function bestOption(chain: readonly Filter[], options: ExpansionOption[], ctx: ExpanderContext): ExpansionOption | undefined {
  let cur = options;
  for (const f of chain) {
    if (cur.length <= 1) break;
    cur = f(cur, ctx);
  }
  if (cur.length === 0) return undefined;
  if (cur.length === 1) return cur[0];
  return randomPick(cur, ctx)[0];
}
