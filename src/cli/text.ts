/**
 * The human view of a run: what a user watching the lab sees — `kubectl get hpa -w` rows,
 * events as they happen, pod counts — each line prefixed with the simulated time.
 */
import type { OutputRecord } from "../report/recorder.js";
import type { Simulation } from "../sim/simulation.js";
import { formatHpaTargets } from "../autoscaling/hpa/printer.js";
import { tableFor } from "../server/tables.js";
import { describeSloResult, type SloResult } from "../report/slo.js";

export function clockLabel(t: number): string {
  const s = Math.floor(t);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

export class TextPrinter {
  private hpaHeader = false;
  private lastPodLine = "";

  constructor(
    private readonly sim: Simulation,
    private readonly out: (s: string) => void,
    /** Show kube-system's own events and pods too (like kubectl -A); off by default, as the lab view is. */
    private readonly allNamespaces = false,
  ) {}

  record(r: OutputRecord): void {
    const at = `[${clockLabel(r.t)}]`;
    if (!this.allNamespaces && (r.namespace === "kube-system" || String(r.object ?? "").includes("/kube-system/"))) return;
    switch (r.type) {
      case "hpa": {
        if (r.deleted) {
          this.out(`${at} hpa ${r.name} deleted\n`);
          break;
        }
        const hpa = this.sim.store.get("HorizontalPodAutoscaler", r.namespace as string, r.name as string);
        const targets = hpa ? formatHpaTargets(hpa) : "";
        if (!this.hpaHeader) {
          this.out(`${" ".repeat(at.length)} ${pad("NAME", 14)} ${pad("REFERENCE", 26)} ${pad("TARGETS", 18)} ${pad("MINPODS", 8)} ${pad("MAXPODS", 8)} REPLICAS\n`);
          this.hpaHeader = true;
        }
        this.out(
          `${at} ${pad(String(r.name), 14)} ${pad(String(r.reference), 26)} ${pad(targets, 18)} ${pad(String(r.minReplicas), 8)} ${pad(String(r.maxReplicas), 8)} ${r.currentReplicas}\n`,
        );
        break;
      }
      case "event": {
        const obj = String(r.object).split("/");
        const short = `${obj[0]!.toLowerCase()}/${obj[obj.length - 1]}`;
        this.out(`${at} ${pad(String(r.eventType), 7)} ${pad(String(r.reason), 20)} ${pad(short, 40)} ${r.message}\n`);
        break;
      }
      case "pod": {
        const line = this.podCounts();
        if (line !== this.lastPodLine) {
          this.lastPodLine = line;
          this.out(`${at} ${line}\n`);
        }
        break;
      }
      case "node":
        if (r.change === "added") this.out(`${at} node ${r.name} added (${r.instanceType}, ${r.zone})\n`);
        else if (r.change === "deleted") this.out(`${at} node ${r.name} deleted\n`);
        else this.out(`${at} node ${r.name} ${r.ready ? "Ready" : "NotReady"}\n`);
        break;
      case "log":
        this.out(`${at} ${r.component}: ${r.message}${r.fields ? " " + JSON.stringify(r.fields) : ""}\n`);
        break;
      case "action":
        this.out(`${at} $ ${commandOf(String(r.source))}\n${" ".repeat(at.length)} ${r.result}\n`);
        break;
      case "error":
        this.out(`${at} $ ${commandOf(String(r.source))}\n${" ".repeat(at.length)} ${r.message}\n`);
        break;
      case "summary":
        this.out(formatSummary(r));
        this.out(this.jobLines());
        break;
    }
  }

  /** The Jobs still in the cluster at the end, as `kubectl get jobs` shows them. */
  private jobLines(): string {
    const jobs = this.sim.store.list("Job").filter((j) => this.allNamespaces || j.metadata.namespace !== "kube-system");
    if (jobs.length === 0) return "";
    const clock = this.sim.clock;
    const rows = tableFor("Job", jobs, { nowMs: clock.epochMs + clock.now(), wide: false }).rows.map((r) => r.cells.slice(0, 4).map(String));
    const head = ["NAME", "STATUS", "COMPLETIONS", "DURATION"];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 3);
    const line = (cells: string[]) => `  ${cells.map((c, i) => (i < cells.length - 1 ? pad(c, w[i]!) : c)).join("")}\n`;
    return `jobs:\n${line(head)}${rows.map(line).join("")}`;
  }

  /** Pods outside kube-system by phase. */
  private podCounts(): string {
    const counts = new Map<string, number>();
    let total = 0;
    for (const p of this.sim.store.list("Pod")) {
      if (!this.allNamespaces && p.metadata.namespace === "kube-system") continue;
      const phase = p.metadata.deletionTimestamp ? "Terminating" : (p.status?.phase ?? "Pending");
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
      total++;
    }
    const parts = ["Running", "Pending", "Terminating", "Succeeded", "Failed"]
      .filter((p) => counts.get(p))
      .map((p) => `${p} ${counts.get(p)}`);
    return `pods: ${total}${parts.length ? ` (${parts.join(", ")})` : ""}`;
  }
}

/** The command part of a timeline source (`file: document 1, line 24: spec.timeline[0] at 1m: kubectl …`). */
function commandOf(source: string): string {
  const m = /spec\.timeline\[\d+\] at [^:]+: (.*)$/s.exec(source);
  return m ? m[1]! : source;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

export function formatSummary(r: OutputRecord): string {
  const lines: string[] = [];
  lines.push("");
  lines.push(`== Summary: ${r.scenario ?? ""} (seed ${r.seed}) ==`);
  lines.push(`simulated ${clockLabel(Number(r.simulatedSeconds))}${r.wallSeconds !== undefined ? ` in ${r.wallSeconds}s wall time` : ""}`);
  const w = (r.workloads ?? {}) as Record<string, { replicaSeconds: number; peakReplicas: number; runningNow: number }>;
  for (const [name, v] of Object.entries(w)) {
    if (name.includes("/kube-system/")) continue;
    lines.push(`  ${pad(name, 40)} replica-seconds ${v.replicaSeconds}  peak ${v.peakReplicas}  now ${v.runningNow}`);
  }
  lines.push(`node-hours ${r.nodeHours}  cost $${Number(r.costUSD).toFixed(4)}`);
  if (r.unpricedNodes) {
    // Only us-east-1 and ap-northeast-2 have EC2 prices in data/; say so rather than print a false $0.
    lines.push(`  (${r.unpricedNodes} node(s) without an EC2 price for this region are not in the cost)`);
  }
  const byCt = (r.costByCapacityType ?? {}) as Record<string, { nodeHours: number; costUSD: number }>;
  const byZone = (r.costByZone ?? {}) as Record<string, { nodeHours: number; costUSD: number }>;
  if (Object.keys(byCt).length) lines.push(`  by capacity type: ${Object.entries(byCt).map(([k, v]) => `${k} $${v.costUSD.toFixed(4)} (${v.nodeHours} node-hours)`).join(", ")}`);
  if (Object.keys(byZone).length) lines.push(`  by zone: ${Object.entries(byZone).map(([k, v]) => `${k || "-"} $${v.costUSD.toFixed(4)}`).join(", ")}`);
  const rate = r.costPerHourNow as { total: number; nodes: number; byCapacityType: Record<string, number> } | undefined;
  if (rate && rate.nodes) {
    lines.push(`  now: ${rate.nodes} nodes $${rate.total.toFixed(4)}/hour ($${(rate.total * 730).toFixed(2)}/month): ${Object.entries(rate.byCapacityType).map(([k, v]) => `${k} $${v.toFixed(4)}/hour`).join(", ")}`);
  }
  lines.push(`pending-pod seconds ${r.pendingPodSeconds} (peak ${r.peakPendingPods} pending)`);
  const load = (Array.isArray(r.load) ? r.load : []) as Array<Record<string, any>>;
  for (const s of load) {
    lines.push(
      `load ${s.name} → service/${s.service}: ${Math.round(s.requests ?? 0)} requests, ${Math.round(s.failed ?? 0)} failed, latency p50 ${fmtMs(s.latencyP50Ms)} p95 ${fmtMs(s.latencyP95Ms)}`,
    );
  }
  const ev = (r.events ?? {}) as Record<string, number>;
  if (Object.keys(ev).length) lines.push(`events: ${Object.entries(ev).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const x of (Array.isArray(r.slo) ? r.slo : []) as SloResult[]) lines.push(`slo ${describeSloResult(x)}`);
  return lines.join("\n") + "\n";
}

function fmtMs(v: unknown): string {
  return typeof v === "number" && Number.isFinite(v) ? `${Math.round(v)}ms` : "-";
}
