/**
 * `scalelab nodes --kubeconfig PATH | --server URL`: the eks-node-viewer view of a cluster served by
 * `scalelab serve` (or any Kubernetes API), read over HTTP like eks-node-viewer does: list Nodes and
 * Pods, price each node from its labels (instance type, region/zone, capacity type).
 *
 * Prices: on-demand from the project's EC2 catalog (`onDemandPrice`). Spot prices move, so a spot
 * node is priced from Karpenter's own metric: `GET /metrics` (served by `scalelab serve` as Karpenter's
 * metrics endpoint) carries `karpenter_cloudprovider_instance_type_offering_price_estimate` per
 * (instance type, capacity type, zone), the price Karpenter last read from EC2 for that spot pool.
 * A spot node whose pool has no such series (no Karpenter, or a type outside every NodePool's node
 * class) is priced at on-demand and marked as an estimate (`~$`). Ages are measured against this
 * machine's clock, as eks-node-viewer's.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../api/meta.js";
import { onDemandPrice } from "../cloud/catalog.js";
import { renderNodeView, type NodeViewOptions } from "./nodes.js";

export interface RemoteTarget {
  server: string;
  token?: string;
  /** PEM CA bundle; without it and with `insecure`, TLS verification is skipped. */
  ca?: string;
  insecure?: boolean;
}

/** The current context's cluster and user of a kubeconfig file (server, token, CA, insecure-skip-tls-verify). */
export function targetFromKubeconfig(text: string, contextName?: string): RemoteTarget {
  const cfg = (parseYaml(text) ?? {}) as any;
  const ctxName = contextName ?? cfg["current-context"];
  const ctx = (cfg.contexts ?? []).find((c: any) => c?.name === ctxName)?.context;
  if (!ctx) throw new Error(ctxName ? `context "${ctxName}" does not exist` : "no current-context in the kubeconfig");
  const cluster = (cfg.clusters ?? []).find((c: any) => c?.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`cluster "${ctx.cluster}" has no server`);
  const user = (cfg.users ?? []).find((u: any) => u?.name === ctx.user)?.user ?? {};
  const t: RemoteTarget = { server: String(cluster.server) };
  if (user.token) t.token = String(user.token);
  else if (user.tokenFile) t.token = readFileSync(String(user.tokenFile), "utf8").trim();
  if (cluster["certificate-authority-data"]) t.ca = Buffer.from(String(cluster["certificate-authority-data"]), "base64").toString();
  else if (cluster["certificate-authority"]) t.ca = readFileSync(String(cluster["certificate-authority"]), "utf8");
  if (cluster["insecure-skip-tls-verify"] === true) t.insecure = true;
  return t;
}

/** GET a path from the API server: status code and body text. */
function get(t: RemoteTarget, path: string, accept: string): Promise<{ status: number; body: string; url: URL }> {
  const url = new URL(path, t.server.endsWith("/") ? t.server : t.server + "/");
  const https = url.protocol === "https:";
  const headers: Record<string, string> = { Accept: accept };
  if (t.token) headers["Authorization"] = `Bearer ${t.token}`;
  return new Promise((resolve, reject) => {
    const opts = { method: "GET", headers, ...(https ? { ca: t.ca, rejectUnauthorized: !t.insecure } : {}) };
    const req = (https ? httpsRequest : httpRequest)(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), url }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** GET a JSON document from the API server. */
export function getJson(t: RemoteTarget, path: string): Promise<any> {
  return get(t, path, "application/json").then(({ status, body, url }) => {
    let doc: any;
    try {
      doc = JSON.parse(body);
    } catch {
      doc = undefined;
    }
    if (status >= 400) throw new Error(doc?.message ? `${doc.message} (${status})` : `GET ${url.pathname}: HTTP ${status}`);
    if (doc === undefined) throw new Error(`GET ${url.pathname}: not JSON`);
    return doc;
  });
}

const PRICE_ESTIMATE = "karpenter_cloudprovider_instance_type_offering_price_estimate";

/**
 * The offering prices in a Prometheus text exposition, keyed `type|capacityType|zone` (Karpenter's
 * `karpenter_cloudprovider_instance_type_offering_price_estimate`).
 */
export function offeringPrices(exposition: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(PRICE_ESTIMATE + "{")) continue;
    const close = line.lastIndexOf("}");
    const labels: Record<string, string> = {};
    for (const m of line.slice(PRICE_ESTIMATE.length + 1, close).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const value = Number(line.slice(close + 1).trim());
    if (!Number.isFinite(value) || !labels.instance_type || !labels.capacity_type || !labels.zone) continue;
    out.set(`${labels.instance_type}|${labels.capacity_type}|${labels.zone}`, value);
  }
  return out;
}

/** Karpenter's offering prices from the server's `/metrics`; empty when it has none (or no such endpoint). */
export async function fetchOfferingPrices(t: RemoteTarget): Promise<Map<string, number>> {
  try {
    const r = await get(t, "/metrics", "text/plain");
    return r.status === 200 ? offeringPrices(r.body) : new Map();
  } catch {
    return new Map();
  }
}

function regionOf(labels: Record<string, string>): string | undefined {
  const r = labels["topology.kubernetes.io/region"];
  if (r) return r;
  const z = labels["topology.kubernetes.io/zone"];
  return z ? z.replace(/[a-z]$/, "") : undefined;
}

/**
 * $/hour of a node from its labels, and whether it is an estimate: a spot node is priced from
 * Karpenter's offering price for its (type, zone) when `offerings` has it, else at on-demand (estimate).
 */
export function labelPrice(node: KubeObject, offerings: ReadonlyMap<string, number> = new Map()): { price: number | undefined; estimated: boolean } {
  const labels = node.metadata.labels ?? {};
  const type = labels["node.kubernetes.io/instance-type"];
  const region = regionOf(labels);
  const onDemand = type && region ? onDemandPrice(type, region) : undefined;
  const ct = (labels["karpenter.sh/capacity-type"] ?? labels["eks.amazonaws.com/capacityType"] ?? "").toLowerCase();
  if (ct !== "spot") return { price: onDemand, estimated: false };
  const spot = type ? offerings.get(`${type}|spot|${labels["topology.kubernetes.io/zone"] ?? ""}`) : undefined;
  if (spot !== undefined) return { price: spot, estimated: false };
  return { price: onDemand, estimated: onDemand !== undefined };
}

function isSpot(n: KubeObject): boolean {
  const labels = n.metadata.labels ?? {};
  return (labels["karpenter.sh/capacity-type"] ?? labels["eks.amazonaws.com/capacityType"] ?? "").toLowerCase() === "spot";
}

/** Fetch Nodes and Pods (and, with spot nodes, Karpenter's offering prices) and render the view. */
export async function remoteNodeView(t: RemoteTarget, opts: Omit<NodeViewOptions, "now" | "priceOf" | "priceEstimated"> & { now?: number } = {}): Promise<string> {
  const [nodes, pods] = await Promise.all([getJson(t, "/api/v1/nodes"), getJson(t, "/api/v1/pods")]);
  const items = (nodes.items ?? []) as KubeObject[];
  const offerings = items.some(isSpot) ? await fetchOfferingPrices(t) : new Map<string, number>();
  return renderNodeView(items, (pods.items ?? []) as KubeObject[], {
    ...opts,
    now: opts.now ?? Date.now(),
    priceOf: (n) => labelPrice(n, offerings).price,
    priceEstimated: (n) => labelPrice(n, offerings).estimated,
  });
}
