/**
 * `scalelab nodes --kubeconfig PATH | --server URL`: the eks-node-viewer view of a cluster served by
 * `scalelab serve` (or any Kubernetes API), read over HTTP like eks-node-viewer does: list Nodes and
 * Pods, price each node from its labels (instance type, region/zone, capacity type).
 *
 * Prices: on-demand from the project's EC2 catalog (`onDemandPrice`). Spot prices move in the
 * simulation and are not visible through the API, so a spot node is priced at its on-demand price and
 * marked as an estimate (`~$`). Ages are measured against this machine's clock, as eks-node-viewer's.
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

/** GET a JSON document from the API server. */
export function getJson(t: RemoteTarget, path: string): Promise<any> {
  const url = new URL(path, t.server.endsWith("/") ? t.server : t.server + "/");
  const https = url.protocol === "https:";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (t.token) headers["Authorization"] = `Bearer ${t.token}`;
  return new Promise((resolve, reject) => {
    const opts = { method: "GET", headers, ...(https ? { ca: t.ca, rejectUnauthorized: !t.insecure } : {}) };
    const req = (https ? httpsRequest : httpRequest)(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        let doc: any;
        try {
          doc = JSON.parse(body);
        } catch {
          doc = undefined;
        }
        if ((res.statusCode ?? 0) >= 400) {
          reject(new Error(doc?.message ? `${doc.message} (${res.statusCode})` : `GET ${url.pathname}: HTTP ${res.statusCode}`));
          return;
        }
        if (doc === undefined) reject(new Error(`GET ${url.pathname}: not JSON`));
        else resolve(doc);
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function regionOf(labels: Record<string, string>): string | undefined {
  const r = labels["topology.kubernetes.io/region"];
  if (r) return r;
  const z = labels["topology.kubernetes.io/zone"];
  return z ? z.replace(/[a-z]$/, "") : undefined;
}

/** $/hour of a node from its labels, and whether it is an estimate (spot priced at on-demand). */
export function labelPrice(node: KubeObject): { price: number | undefined; estimated: boolean } {
  const labels = node.metadata.labels ?? {};
  const type = labels["node.kubernetes.io/instance-type"];
  const region = regionOf(labels);
  const price = type && region ? onDemandPrice(type, region) : undefined;
  const ct = (labels["karpenter.sh/capacity-type"] ?? labels["eks.amazonaws.com/capacityType"] ?? "").toLowerCase();
  return { price, estimated: price !== undefined && ct === "spot" };
}

/** Fetch Nodes and Pods and render the view. */
export async function remoteNodeView(t: RemoteTarget, opts: Omit<NodeViewOptions, "now" | "priceOf" | "priceEstimated"> & { now?: number } = {}): Promise<string> {
  const [nodes, pods] = await Promise.all([getJson(t, "/api/v1/nodes"), getJson(t, "/api/v1/pods")]);
  return renderNodeView((nodes.items ?? []) as KubeObject[], (pods.items ?? []) as KubeObject[], {
    ...opts,
    now: opts.now ?? Date.now(),
    priceOf: (n) => labelPrice(n).price,
    priceEstimated: (n) => labelPrice(n).estimated,
  });
}
