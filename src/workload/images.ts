/**
 * Built-in usage models of the images the EKS / Kubernetes labs run, and the scenario's overrides.
 *
 * A model says what a container burns on its own (`cpuMilli`, `memoryBytes`) and what a served
 * request costs (`cpuSecondsPerRequest`, `memoryPerRequestBytes`). Traffic (cluster/traffic.ts) adds
 * request work on top of the intrinsic usage.
 */
import { parseDuration } from "../core/duration.js";
import { bytesOf } from "../core/quantity.js";
import type { UsageOverride } from "./types.js";

const Ki = 1024;
const Mi = 1024 * 1024;

export interface ContainerInfo {
  image: string;
  command?: readonly string[];
  args?: readonly string[];
  namespace?: string;
  podName?: string;
  container?: string;
}

export interface UsageModel {
  /** Which model produced this (for explanations): "hpa-example", "nginx", "override", … */
  model: string;
  /** CPU the container burns by itself (millicores). */
  cpuMilli: number;
  /** CPU-seconds per served request (0 = the container does not serve requests). */
  cpuSecondsPerRequest: number;
  /** Cores one request can use at most (1 for a single-threaded handler). */
  maxCoresPerRequest: number;
  /** Working set (bytes). */
  memoryBytes: number;
  /** Extra working set per in-flight request (bytes). */
  memoryPerRequestBytes: number;
  /** Memory that grows after start: +stepBytes every intervalMs up to maxBytes (vish/stress -mem-total). */
  memoryGrowth?: { stepBytes: number; intervalMs: number; maxBytes: number };
  /** Whether the container answers Service traffic (the pod's request work goes to the first such container). */
  serves: boolean;
}

/** "docker.io/library/nginx:1.27@sha256:…" → "nginx"; "registry.k8s.io/hpa-example:latest" → "registry.k8s.io/hpa-example". */
export function imageRepository(image: string): string {
  let s = image.trim();
  const at = s.indexOf("@");
  if (at >= 0) s = s.slice(0, at);
  const slash = s.lastIndexOf("/");
  const colon = s.lastIndexOf(":");
  if (colon > slash) s = s.slice(0, colon);
  for (const p of ["index.docker.io/", "docker.io/", "registry-1.docker.io/"]) if (s.startsWith(p)) s = s.slice(p.length);
  if (s.startsWith("library/")) s = s.slice("library/".length);
  return s;
}

/** Usage model for a container: the first matching override applied over the built-in model. */
export function usageModel(c: ContainerInfo, overrides: readonly UsageOverride[] = []): UsageModel {
  const base = builtinModel(c);
  const o = overrides.find((x) => overrideMatches(x, c));
  if (!o) return base;
  const m: UsageModel = { ...base, model: `override(${base.model})` };
  if (o.cpuMilli !== undefined) m.cpuMilli = o.cpuMilli;
  if (o.cpuSecondsPerRequest !== undefined) {
    m.cpuSecondsPerRequest = o.cpuSecondsPerRequest;
    if (o.cpuSecondsPerRequest > 0) m.serves = true;
  }
  if (o.memoryBytes !== undefined) {
    m.memoryBytes = o.memoryBytes;
    delete m.memoryGrowth;
  }
  if (o.memoryPerRequestBytes !== undefined) m.memoryPerRequestBytes = o.memoryPerRequestBytes;
  return m;
}

export function overrideMatches(o: UsageOverride, c: ContainerInfo): boolean {
  const m = o.match;
  if (m.namespace !== undefined && m.namespace !== c.namespace) return false;
  if (m.container !== undefined && m.container !== c.container) return false;
  if (m.workload !== undefined && !(c.podName ?? "").startsWith(m.workload)) return false;
  if (m.image !== undefined && !imageMatches(m.image, c.image)) return false;
  return true;
}

/** Pattern "nginx" matches any tag of nginx; "nginx:1.27" only that tag; a trailing "*" is a prefix match. */
function imageMatches(pattern: string, image: string): boolean {
  if (pattern.endsWith("*")) {
    const p = pattern.slice(0, -1);
    return image.startsWith(p) || imageRepository(image).startsWith(p);
  }
  const repoP = imageRepository(pattern);
  const hasTag = repoP.length < pattern.replace(/^(index\.)?docker\.io\/(library\/)?/, "").length;
  if (hasTag) return pattern === image || normalizeRef(pattern) === normalizeRef(image);
  return repoP === imageRepository(image);
}

function normalizeRef(ref: string): string {
  let s = ref.trim();
  for (const p of ["index.docker.io/", "docker.io/"]) if (s.startsWith(p)) s = s.slice(p.length);
  if (s.startsWith("library/")) s = s.slice("library/".length);
  return s;
}

// ---------------------------------------------------------------- built-in models

function model(p: Partial<UsageModel> & { model: string }): UsageModel {
  return {
    cpuMilli: 0,
    cpuSecondsPerRequest: 0,
    maxCoresPerRequest: 1,
    memoryBytes: 0,
    memoryPerRequestBytes: 0,
    serves: false,
    ...p,
  };
}

/**
 * php-apache (`hpa-example`): `FROM php:5-apache` with an index.php that runs
 * `for ($i = 0; $i <= 1000000; $i++) { $x += sqrt($x); }` per request. PHP 5's interpreter spends
 * roughly 80–120 ns per iteration of such a loop (loop compare/increment, an internal function call
 * and an add) on a current x86 core, so one request is ≈ 0.1 CPU-second, single-threaded (one
 * Apache prefork worker per request). Calibration against the walkthrough: with the pod's 500m limit a
 * request takes 0.2 s; the `while sleep 0.01; do wget …; done` client thinks ≈ 13 ms, so one pod runs
 * 0.2 / 0.213 ≈ 94 % of its limit ≈ 470m = 235 % of the 200m request (docs: ~250 %). Being one
 * sequential client, the fleet-wide CPU stays ≈ 470m however many replicas serve it, which puts
 * 4 replicas at 59 % and 5 at 47 % of request — the HPA settles at 5 (docs: 5–7).
 * Idle: Apache with its spare prefork workers ≈ 1m CPU, ≈ 10 MiB working set.
 */
const PHP_APACHE = model({
  model: "hpa-example",
  cpuMilli: 1,
  cpuSecondsPerRequest: 0.1,
  memoryBytes: 10 * Mi,
  memoryPerRequestBytes: 2 * Mi, // one more busy prefork child with mod_php
  serves: true,
});

/** nginx serving a small static page: ≈ 5,000 requests/s per core; idle 1m / ≈ 3 MiB. */
const NGINX = model({ model: "nginx", cpuMilli: 1, cpuSecondsPerRequest: 0.0002, memoryBytes: 3 * Mi, memoryPerRequestBytes: 16 * Ki, serves: true });

/** The pause (sandbox) container: nothing. */
const PAUSE = model({ model: "pause", cpuMilli: 0, memoryBytes: 256 * Ki });

/** Any other image: a small idle process that, if it gets traffic, spends 5 ms of CPU per request. */
const UNKNOWN = model({ model: "unknown", cpuMilli: 1, cpuSecondsPerRequest: 0.005, memoryBytes: 10 * Mi, memoryPerRequestBytes: 256 * Ki, serves: true });

function builtinModel(c: ContainerInfo): UsageModel {
  const repo = imageRepository(c.image);
  const name = repo.slice(repo.lastIndexOf("/") + 1);
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const script = argv.join(" ");
  if (name === "hpa-example") return { ...PHP_APACHE };
  if (repo === "vish/stress") return vishStressModel(argv);
  if (name === "stress" || repo === "containerstack/alpine-stress") {
    return stressModel(argv);
  }
  if (name === "nginx" || repo.endsWith("/nginx") || name === "nginx-unprivileged") return { ...NGINX };
  if (name === "pause") return { ...PAUSE };
  const duty = dutyCycle(script);
  if (duty !== undefined) {
    // VPA hamster: `while true; do timeout 0.5s yes >/dev/null; sleep 0.5s; done` → 0.5 core.
    return model({ model: "duty-cycle", cpuMilli: Math.round(duty * 1000), memoryBytes: 2 * Mi });
  }
  if (name === "busybox" || name === "alpine" || name === "ubuntu-slim" || name === "ubuntu") {
    if (/\bwget\b|\bcurl\b/.test(script)) {
      // A shell loop forking wget: process start-up + HTTP client ≈ 10m, ≈ 1 MiB.
      return model({ model: `${name}-client`, cpuMilli: 10, memoryBytes: 1 * Mi });
    }
    return model({ model: name, cpuMilli: 0, memoryBytes: 512 * Ki });
  }
  return { ...UNKNOWN };
}

/**
 * `stress` (polinux/stress, Amos Waterland's stress 1.0.4): `--cpu N` spins N workers on sqrt()
 * (N cores); `--vm N --vm-bytes B` runs N workers that malloc and dirty B bytes (default 256M),
 * `--vm-hang S` sleeps S seconds before freeing (so memory stays allocated and CPU is low),
 * (`--vm-keep` re-dirties without freeing: same figures). Sizes use stress's suffixes B/K/M/G (powers of 1024).
 * Base: the Kubernetes memory walkthrough (`--vm 1 --vm-bytes 150M --vm-hang 1`) shows ≈ 155 MiB in
 * `kubectl top`, i.e. ≈ 5 MiB over the allocation.
 */
function stressModel(argv: readonly string[]): UsageModel {
  let cpu = 0;
  let vm = 0;
  let vmBytes = 256 * Mi;
  let hang = -1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i] ?? "";
    switch (flag) {
      case "-c":
      case "--cpu":
        cpu = intOr(val(), 0);
        break;
      case "-m":
      case "--vm":
        vm = intOr(val(), 0);
        break;
      case "--vm-bytes":
        vmBytes = stressBytes(val()) ?? vmBytes;
        break;
      case "--vm-hang":
        hang = intOr(val(), -1);
        break;
    }
  }
  // Dirtying memory runs at a few GB/s: ≈ 50 ms of CPU per 150 MiB, once per hang period.
  const dirtyS = (vmBytes / (150 * Mi)) * 0.05;
  const vmCpu = hang > 0 ? Math.min(1, dirtyS / (hang + dirtyS)) : 1;
  return model({
    model: "stress",
    cpuMilli: Math.round(cpu * 1000 + vm * vmCpu * 1000),
    memoryBytes: vm * vmBytes + 5 * Mi,
  });
}

/**
 * vish/stress (Go): `-cpus N` burns N cores; `-mem-total Q` allocates up to Q in `-mem-alloc-size`
 * chunks (default 4Ki) every `-mem-alloc-sleep` (default 1ms). Quantities use Kubernetes syntax.
 */
function vishStressModel(argv: readonly string[]): UsageModel {
  let cpus = 0;
  let total = 0;
  let size = 4 * Ki;
  let sleepMs = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!.replace(/^--/, "-");
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i] ?? "";
    try {
      switch (flag) {
        case "-cpus":
          cpus = intOr(val(), 0);
          break;
        case "-mem-total":
          total = bytesOf(val());
          break;
        case "-mem-alloc-size":
          size = bytesOf(val());
          break;
        case "-mem-alloc-sleep":
          sleepMs = parseDuration(val());
          break;
      }
    } catch {
      // A flag value the program would reject: ignore it, as the container would crash-loop anyway.
    }
  }
  const base = 2 * Mi;
  const m = model({ model: "vish-stress", cpuMilli: cpus * 1000, memoryBytes: base });
  if (total > 0 && size > 0) m.memoryGrowth = { stepBytes: size, intervalMs: Math.max(1, sleepMs), maxBytes: base + total };
  return m;
}

/** `timeout Xs <busy>; sleep Ys` loops → X / (X + Y) cores. */
function dutyCycle(script: string): number | undefined {
  const busy = /timeout\s+([0-9.]+)s?\s+(yes|cat\s+\/dev\/zero|sha256sum|md5sum)\b/.exec(script);
  const idle = /sleep\s+([0-9.]+)s?\b/.exec(script);
  if (!busy || !idle) return undefined;
  const x = Number(busy[1]);
  const y = Number(idle[1]);
  if (!(x >= 0) || !(y >= 0) || x + y === 0) return undefined;
  return x / (x + y);
}

function intOr(s: string, d: number): number {
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) ? n : d;
}

/** stress's size parser: number with optional b/k/m/g suffix (1024-based). */
function stressBytes(s: string): number | undefined {
  const m = /^([0-9]+)([bBkKmMgG]?)$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]!.toLowerCase()) {
    case "k":
      return n * Ki;
    case "m":
      return n * Mi;
    case "g":
      return n * Mi * 1024;
    default:
      return n;
  }
}
