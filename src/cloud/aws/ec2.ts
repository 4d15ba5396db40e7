/**
 * The simulated AWS account behind Karpenter (and, later, the Cluster Autoscaler's Auto Scaling
 * groups): `SimulatedAws implements CloudProvider` on virtual time.
 *
 * - instanceTypes(nodeClass): catalog types offered in the region, shaped by the node class (see
 *   instancetypes.ts), with offerings zone × {on-demand, spot} priced by the PriceModel and marked
 *   unavailable while in the 3-minute insufficient-capacity (ICE) cache. Cached per
 *   (node-class view, pricing step, ICE generation).
 * - create(req): Karpenter's launch path + CreateFleet (fleet.ts) on fresh offerings; pools that
 *   are out of capacity (scenario-injected outages, or a random ICE rate) return
 *   InsufficientInstanceCapacity and go into the ICE cache; if every pool fails the launch throws
 *   InsufficientCapacityError. The instance is `pending` and turns `running` after the launch delay
 *   (default 30 s ± 5 s), emitting a `running` event.
 * - delete(id): `shutting-down` at once (billing stops), `terminated` after the terminate delay
 *   (default 30 s ± 5 s), emitting `terminated`. Terminated instances stay visible to `get` for an
 *   hour, as in DescribeInstances; `list` returns the non-terminated ones.
 * - interrupt(id): spot interruption notice (`spot-interruption`, at = now + 2 min); EC2 reclaims the
 *   instance at that time; the (type, zone, spot) offering is marked unavailable for 3 min. An
 *   optional rate per instance-hour interrupts running spot instances at random (seeded).
 * - billing: per-second from `running` to `shutting-down` at the pool's price over time (spot prices
 *   move every 5 min), summarised by capacity type and zone.
 */
import type { Logger } from "../../api/logs.js";
import type { Clock } from "../../core/clock.js";
import type { Rng } from "../../core/rng.js";
import { Requirements } from "../../scheduling/requirements.js";
import {
  InsufficientCapacityError,
  type CapacityType,
  type CloudEvent,
  type CloudInstance,
  type CloudInstanceType,
  type CloudProvider,
  type LaunchRequest,
  type Offering,
} from "../provider.js";
import { AmiCatalog, type Ami, type AmiFamilyAlias, type AmiSelectorTerm, type ResolvedAmi } from "./amis.js";
import { planFleet } from "./fleet.js";
import { nodePrivateIp, privateDnsName } from "./naming.js";
import { buildTemplates, nodeClassView, LABEL_CAPACITY_TYPE, LABEL_ZONE, LABEL_ZONE_ID, type TypeTemplate } from "./instancetypes.js";
import { regionZones, securityGroupsOf, selectByTerms, stableHex, subnetsOf, zoneId, type SecurityGroup, type Subnet } from "./network.js";
import { HOUR_MS, PriceModel, type SpotModelOptions } from "./pricing.js";

/** An injected capacity outage: launches into matching pools fail with InsufficientInstanceCapacity. */
export interface CapacityOutage {
  /** Exact name or glob (`c5a.*`); default every type. */
  instanceType?: string;
  zone?: string;
  capacityType?: CapacityType;
  /** Virtual ms window; default always. */
  fromMs?: number;
  untilMs?: number;
}

export interface SimulatedAwsOptions {
  clusterName?: string;
  /** create → running (default 30 s) ± jitter (default 5 s, uniform). */
  launchDelayMs?: number;
  launchJitterMs?: number;
  /** shutting-down → terminated (default 30 s) ± jitter (default 5 s). */
  terminateDelayMs?: number;
  terminateJitterMs?: number;
  spot?: SpotModelOptions;
  /** Pools out of capacity. */
  insufficientCapacity?: CapacityOutage[];
  /** Probability that any single pool attempt fails with ICE (default 0). */
  iceRate?: number;
  /** Karpenter's UnavailableOfferingsTTL (default 3 min). */
  unavailableOfferingsTtlMs?: number;
  /** Random spot interruptions per running spot instance-hour (default 0: only injected ones). */
  spotInterruptionRatePerHour?: number;
  /** Notice before reclaim (default 2 min). */
  interruptionNoticeMs?: number;
  /** With random interruptions, emit a rebalance recommendation this long before the notice (default: none). */
  rebalanceLeadMs?: number;
  kubernetesVersion?: string;
  amiReleases?: Partial<Record<AmiFamilyAlias, string[]>>;
  /** First node ordinal used for private IPs (keeps clear of managed node groups' addresses; default 2000). */
  ipIndexOffset?: number;
  /** How long terminated instances stay visible to get() (default 1 h). */
  terminatedRetentionMs?: number;
  /** Provider log (e.g. the karpenter logger). */
  logger?: Logger;
}

export interface SimulatedAwsInit {
  region: string;
  zones?: string[];
  clock: Clock;
  rng: Rng;
  options?: SimulatedAwsOptions;
}

export interface ResolvedNodeClass {
  subnets: Array<{ id: string; zone: string; zoneID: string }>;
  securityGroups: Array<{ id: string; name: string }>;
  amis: ResolvedAmi[];
  /** Instance profile Karpenter creates for spec.role (or the one given). */
  instanceProfile?: string;
}

export interface CostBreakdown {
  total: number;
  byCapacityType: Record<string, number>;
  byZone: Record<string, number>;
}

export interface CostSummary {
  /** $/h of the instances billing now (running), at current prices. */
  perHour: CostBreakdown;
  /** $ accrued since t = 0 by every instance, terminated ones included. */
  accrued: CostBreakdown;
  runningInstances: number;
}

interface Record_ {
  inst: CloudInstance;
  billStart?: number;
  billStartIntegral?: number;
  /** Final cost once billing stopped. */
  cost?: number;
  /** Reclaim time once a spot interruption notice was sent. */
  reclaimAt?: number;
  ipKey: string;
}

const TERMINATED_STATES = new Set(["shutting-down", "terminated"]);

function globMatch(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  if (!pattern.includes("*")) return pattern === value;
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(value);
}

function iceMessage(type: string, zone: string, capacityType: CapacityType): { code: string; message: string } {
  if (capacityType === "spot") return { code: "InsufficientInstanceCapacity", message: "There is no Spot capacity available that matches your request." };
  return {
    code: "InsufficientInstanceCapacity",
    message:
      `We currently do not have sufficient ${type} capacity in the Availability Zone you requested (${zone}). ` +
      "Our system will be working on provisioning additional capacity. You can currently get " +
      `${type} capacity by not specifying an Availability Zone in your request or choosing other Availability Zones.`,
  };
}

function add(b: CostBreakdown, ct: string, zone: string, v: number): void {
  b.total += v;
  b.byCapacityType[ct] = (b.byCapacityType[ct] ?? 0) + v;
  b.byZone[zone] = (b.byZone[zone] ?? 0) + v;
}

const emptyBreakdown = (): CostBreakdown => ({ total: 0, byCapacityType: {}, byZone: {} });

export class SimulatedAws implements CloudProvider {
  readonly name = "aws";
  readonly region: string;
  readonly zones: string[];
  readonly pricing: PriceModel;
  readonly amis: AmiCatalog;
  readonly subnets: Subnet[];
  readonly securityGroups: SecurityGroup[];
  private readonly clock: Clock;
  private readonly opts: Required<Omit<SimulatedAwsOptions, "spot" | "insufficientCapacity" | "amiReleases" | "logger" | "rebalanceLeadMs">> &
    Pick<SimulatedAwsOptions, "logger" | "rebalanceLeadMs">;
  private readonly idRng: Rng;
  private readonly delayRng: Rng;
  private readonly iceRng: Rng;
  private readonly interruptRng: Rng;
  private outages: CapacityOutage[];
  private readonly instances = new Map<string, Record_>();
  private readonly listeners = new Set<(ev: CloudEvent) => void>();
  /** ICE cache: "type|zone|capacityType" → expiry (virtual ms). */
  private readonly unavailable = new Map<string, number>();
  private nextExpiry = Infinity;
  private iceGeneration = 0;
  private readonly templates = new Map<string, TypeTemplate[]>();
  private readonly typeCache = new Map<string, { stamp: string; list: CloudInstanceType[]; byName: Map<string, CloudInstanceType> }>();
  private readonly viewCache = new WeakMap<object, { version: string; view: ReturnType<typeof nodeClassView> }>();
  private readonly resolvedCache = new WeakMap<object, { version: string; resolved: ResolvedNodeClass }>();
  private readonly usedIps = new Set<string>();
  private readonly ipCursor = new Map<string, number>();
  private readonly closedCost = emptyBreakdown();
  private readonly counters = { launched: 0, terminated: 0, insufficientCapacityErrors: 0, interruptions: 0 };

  constructor(init: SimulatedAwsInit) {
    const o = init.options ?? {};
    this.region = init.region;
    this.zones = init.zones && init.zones.length ? [...init.zones] : regionZones(init.region);
    this.clock = init.clock;
    const rng = init.rng.fork("aws");
    this.pricing = new PriceModel(init.region, rng.fork("pricing"), o.spot);
    this.idRng = rng.fork("instance-ids");
    this.delayRng = rng.fork("delays");
    this.iceRng = rng.fork("ice");
    this.interruptRng = rng.fork("interruptions");
    this.outages = [...(o.insufficientCapacity ?? [])];
    this.opts = {
      clusterName: o.clusterName ?? "scalelab",
      launchDelayMs: o.launchDelayMs ?? 30_000,
      launchJitterMs: o.launchJitterMs ?? 5_000,
      terminateDelayMs: o.terminateDelayMs ?? 30_000,
      terminateJitterMs: o.terminateJitterMs ?? 5_000,
      iceRate: o.iceRate ?? 0,
      unavailableOfferingsTtlMs: o.unavailableOfferingsTtlMs ?? 3 * 60_000,
      spotInterruptionRatePerHour: o.spotInterruptionRatePerHour ?? 0,
      interruptionNoticeMs: o.interruptionNoticeMs ?? 2 * 60_000,
      kubernetesVersion: o.kubernetesVersion ?? "1.32",
      ipIndexOffset: o.ipIndexOffset ?? 2000,
      terminatedRetentionMs: o.terminatedRetentionMs ?? HOUR_MS,
      logger: o.logger,
      rebalanceLeadMs: o.rebalanceLeadMs,
    };
    this.amis = new AmiCatalog(this.opts.kubernetesVersion, o.amiReleases);
    this.subnets = subnetsOf(this.region, this.zones, this.opts.clusterName);
    this.securityGroups = securityGroupsOf(this.region, this.opts.clusterName);
  }

  // ------------------------------------------------------------------------------ node classes

  /** What the EC2NodeClass selector terms resolve to (for its status and for launches). */
  resolveNodeClass(nodeClass: unknown): ResolvedNodeClass {
    const spec = ((nodeClass ?? {}) as { spec?: Record<string, unknown> }).spec ?? {};
    // The status controllers' order: subnets by free addresses (most first) then id, security groups by id.
    // A launch takes, per zone, the first subnet in this order.
    const subnets = selectByTerms(this.subnets, spec.subnetSelectorTerms as never)
      .sort((a, b) => b.availableIpAddressCount - a.availableIpAddressCount || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((s) => ({ id: s.id, zone: s.zone, zoneID: s.zoneID }));
    const securityGroups = selectByTerms(this.securityGroups, spec.securityGroupSelectorTerms as never)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((g) => ({ id: g.id, name: g.name }));
    const amis = AmiCatalog.toStatus(this.amis.resolve(spec.amiSelectorTerms as AmiSelectorTerm[] | undefined));
    const out: ResolvedNodeClass = { subnets, securityGroups, amis };
    if (typeof spec.instanceProfile === "string") out.instanceProfile = spec.instanceProfile;
    else if (typeof spec.role === "string") {
      const ncName = ((nodeClass as { metadata?: { name?: string } }).metadata?.name ?? "") as string;
      out.instanceProfile = instanceProfileName(this.opts.clusterName, this.region, ncName);
    }
    return out;
  }

  private resolvedOf(nodeClass: unknown): ResolvedNodeClass {
    if (nodeClass === null || typeof nodeClass !== "object") return this.resolveNodeClass(nodeClass);
    const version = this.versionOf(nodeClass);
    const hit = this.resolvedCache.get(nodeClass);
    if (hit && hit.version === version) return hit.resolved;
    const resolved = this.resolveNodeClass(nodeClass);
    this.resolvedCache.set(nodeClass, { version, resolved });
    return resolved;
  }

  /** Publish a new AMI release (`al2023@latest` moves → AMI drift for nodes on the old one). */
  publishAmi(family: AmiFamilyAlias, version: string): void {
    this.amis.publish(family, version);
  }

  // ------------------------------------------------------------------------------ instance types

  instanceTypes(nodeClass?: unknown): CloudInstanceType[] {
    return this.typeEntry(nodeClass).list;
  }

  /** Cache key of a node class object: identity + resourceVersion/generation + AMI catalog generation. */
  private versionOf(nodeClass: object): string {
    const m = (nodeClass as { metadata?: { resourceVersion?: string; generation?: number } }).metadata;
    return `${m?.resourceVersion ?? ""}|${m?.generation ?? ""}|${this.amis.generation}`;
  }

  private viewOf(nodeClass: unknown): ReturnType<typeof nodeClassView> {
    if (nodeClass === null || typeof nodeClass !== "object") return nodeClassView(nodeClass, this.zones, this.amis);
    const version = this.versionOf(nodeClass);
    const hit = this.viewCache.get(nodeClass);
    if (hit && hit.version === version) return hit.view;
    const view = nodeClassView(nodeClass, this.zones, this.amis);
    this.viewCache.set(nodeClass, { version, view });
    return view;
  }

  private typeEntry(nodeClass: unknown): { list: CloudInstanceType[]; byName: Map<string, CloudInstanceType> } {
    const now = this.clock.now();
    this.purgeExpired(now);
    const view = this.viewOf(nodeClass);
    let tpl = this.templates.get(view.key);
    if (!tpl) {
      tpl = buildTemplates(this.region, view, (n) => this.pricing.onDemand(n) !== undefined);
      this.templates.set(view.key, tpl);
    }
    const loaded = this.pricing.spotLoaded(now);
    const stamp = `${this.pricing.stepAt(now)}|${this.iceGeneration}|${loaded}`;
    const hit = this.typeCache.get(view.key);
    if (hit && hit.stamp === stamp) return hit;
    const list = tpl.map((t) => this.materialize(t, view.zones, now));
    const entry = { stamp, list, byName: new Map(list.map((t) => [t.name, t])) };
    this.typeCache.set(view.key, entry);
    return entry;
  }

  private materialize(t: TypeTemplate, zones: readonly string[], now: number): CloudInstanceType {
    const name = t.info.name;
    const od = this.pricing.onDemand(name)!;
    const offerings: Offering[] = [];
    const availZones: string[] = [];
    const availZoneIds: string[] = [];
    const availCts = new Set<string>();
    for (const zone of zones) {
      const zid = zoneId(this.region, zone);
      const spot = this.pricing.spot(name, zone, now)!;
      for (const [ct, price] of [
        ["spot", spot],
        ["on-demand", od],
      ] as const) {
        const available = !this.unavailable.has(`${name}|${zone}|${ct}`);
        offerings.push({ zone, zoneId: zid, capacityType: ct, price, available });
        if (available) {
          if (!availZones.includes(zone)) {
            availZones.push(zone);
            availZoneIds.push(zid);
          }
          availCts.add(ct);
        }
      }
    }
    const requirements = [
      ...t.labels,
      { key: LABEL_ZONE, operator: "In" as const, values: availZones },
      { key: LABEL_ZONE_ID, operator: "In" as const, values: availZoneIds },
      { key: LABEL_CAPACITY_TYPE, operator: "In" as const, values: [...availCts].sort() },
    ];
    return { name, requirements, offerings, capacity: t.capacity, overhead: t.overhead, allocatable: t.allocatable };
  }

  // ------------------------------------------------------------------------------ ICE cache

  /** Put an offering in the ICE cache (Karpenter's UnavailableOfferings, default TTL 3 min). */
  markUnavailable(instanceType: string, zone: string, capacityType: CapacityType, ttlMs = this.opts.unavailableOfferingsTtlMs): void {
    const until = this.clock.now() + ttlMs;
    const key = `${instanceType}|${zone}|${capacityType}`;
    const prev = this.unavailable.get(key);
    if (prev !== undefined && prev >= until) return;
    this.unavailable.set(key, until);
    if (until < this.nextExpiry) this.nextExpiry = until;
    this.iceGeneration++;
  }

  isUnavailable(instanceType: string, zone: string, capacityType: CapacityType): boolean {
    this.purgeExpired(this.clock.now());
    return this.unavailable.has(`${instanceType}|${zone}|${capacityType}`);
  }

  private purgeExpired(now: number): void {
    if (now < this.nextExpiry) return;
    let next = Infinity;
    let changed = false;
    for (const [k, until] of this.unavailable) {
      if (until <= now) {
        this.unavailable.delete(k);
        changed = true;
      } else if (until < next) next = until;
    }
    this.nextExpiry = next;
    if (changed) this.iceGeneration++;
  }

  /** Replace / add / clear injected capacity outages (scenario timeline). */
  setInsufficientCapacity(outages: CapacityOutage[]): void {
    this.outages = [...outages];
  }

  addInsufficientCapacity(outage: CapacityOutage): void {
    this.outages.push(outage);
  }

  /** Is the pool under an injected outage now? No random draw, so Auto Scaling groups can ask too. */
  hasOutage(type: string, zone: string, ct: CapacityType, now = this.clock.now()): boolean {
    for (const o of this.outages) {
      if (o.fromMs !== undefined && now < o.fromMs) continue;
      if (o.untilMs !== undefined && now >= o.untilMs) continue;
      if (o.zone !== undefined && o.zone !== zone) continue;
      if (o.capacityType !== undefined && o.capacityType !== ct) continue;
      if (!globMatch(o.instanceType, type)) continue;
      return true;
    }
    return false;
  }

  private outOfCapacity(type: string, zone: string, ct: CapacityType, now: number): boolean {
    if (this.hasOutage(type, zone, ct, now)) return true;
    return this.opts.iceRate > 0 && this.iceRng.next() < this.opts.iceRate;
  }

  // ------------------------------------------------------------------------------ launch

  create(req: LaunchRequest): CloudInstance {
    const now = this.clock.now();
    this.purgeExpired(now);
    // Karpenter's Create re-resolves the NodeClaim's instance types from the provider: fresh prices and ICE marks.
    const fresh = this.typeEntry(req.nodeClass).byName;
    const candidates = req.instanceTypes.map((it) => fresh.get(it.name) ?? it);
    const reqs = Requirements.fromNodeSelector(req.requirements);
    const plan = planFleet(candidates, reqs, (t, z) => this.pricing.capacityScore(t, z));
    if (!plan) {
      this.counters.insufficientCapacityErrors++;
      throw new InsufficientCapacityError("all requested instance types were unavailable during launch", []);
    }
    if (plan.onDemandFallbackError) this.opts.logger?.error("failed while checking on-demand fallback", { error: plan.onDemandFallbackError });
    const resolved = req.nodeClass === undefined ? undefined : this.resolvedOf(req.nodeClass);
    const failed: Array<{ instanceType: string; zone: string; capacityType: CapacityType; code: string; message: string }> = [];
    let chosen: (typeof plan.pools)[number] | undefined;
    const tried = new Set<Offering>();
    for (let pool = plan.next(tried); pool; pool = plan.next(tried)) {
      tried.add(pool.offering);
      if (resolved && !resolved.subnets.some((s) => s.zone === pool!.offering.zone)) continue;
      if (this.outOfCapacity(pool.instanceType.name, pool.offering.zone, plan.capacityType, now)) {
        failed.push({ instanceType: pool.instanceType.name, zone: pool.offering.zone, capacityType: plan.capacityType, ...iceMessage(pool.instanceType.name, pool.offering.zone, plan.capacityType) });
        continue;
      }
      chosen = pool;
      break;
    }
    for (const f of failed) this.markUnavailable(f.instanceType, f.zone, f.capacityType);
    if (!chosen) {
      this.counters.insufficientCapacityErrors++;
      const unique = [...new Set(failed.map((f) => `${f.code}: ${f.message}`))].sort();
      const msg = unique.length ? `with fleet error(s), ${unique.join("; ")}` : "all requested instance types were unavailable during launch";
      throw new InsufficientCapacityError(
        msg,
        failed.map(({ instanceType, zone, capacityType }) => ({ instanceType, zone, capacityType })),
      );
    }
    return this.launch(chosen.instanceType, chosen.offering, plan.capacityType, req, resolved, now);
  }

  private pickAmi(arch: string, resolved: ResolvedNodeClass | undefined): string {
    // status order is newest first
    for (const a of resolved?.amis ?? []) if (a.requirements.some((r) => r.key === "kubernetes.io/arch" && r.values?.includes(arch))) return a.id;
    const fallback: Ami | undefined = this.amis.release("al2023", "latest").find((a) => a.arch === arch);
    return fallback?.id ?? "ami-00000000000000000";
  }

  private allocateIp(zone: string): string {
    let i = this.ipCursor.get(zone) ?? this.opts.ipIndexOffset;
    for (let tries = 0; tries < 100_000; tries++, i++) {
      const ip = nodePrivateIp(this.region, zone, i);
      if (!this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        this.ipCursor.set(zone, i + 1);
        return ip;
      }
    }
    throw new Error(`no free private IP in ${zone}`);
  }

  private hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[this.idRng.int(16)];
    return s;
  }

  private jitter(base: number, jitter: number): number {
    return Math.max(0, Math.round(base + (jitter > 0 ? this.delayRng.uniform(-jitter, jitter) : 0)));
  }

  private launch(
    it: CloudInstanceType,
    offering: Offering,
    capacityType: CapacityType,
    req: LaunchRequest,
    resolved: ResolvedNodeClass | undefined,
    now: number,
  ): CloudInstance {
    let id = `i-0${this.hex(16)}`;
    while (this.instances.has(id)) id = `i-0${this.hex(16)}`;
    const zone = offering.zone;
    const ip = this.allocateIp(zone);
    const arch = it.requirements.find((r) => r.key === "kubernetes.io/arch")?.values?.[0] ?? "amd64";
    const subnet = resolved?.subnets.find((s) => s.zone === zone) ?? this.subnets.find((s) => s.zone === zone);
    const inst: CloudInstance = {
      id,
      providerID: `aws:///${zone}/${id}`,
      instanceType: it.name,
      zone,
      capacityType,
      price: offering.price,
      imageID: this.pickAmi(arch, resolved),
      launchedAt: now,
      state: "pending",
      tags: { ...req.tags },
      privateIp: ip,
      privateDnsName: privateDnsName(this.region, ip),
      ...(subnet ? { subnetId: subnet.id } : {}),
      // without a node class: the cluster security group, as an EKS node gets by default
      securityGroupIds: (resolved?.securityGroups ?? this.securityGroups.slice(0, 1)).map((g) => g.id),
    };
    const rec: Record_ = { inst, ipKey: ip };
    this.instances.set(id, rec);
    this.counters.launched++;
    this.clock.after(this.jitter(this.opts.launchDelayMs, this.opts.launchJitterMs), () => this.onRunning(rec));
    return { ...inst, tags: { ...inst.tags } };
  }

  private onRunning(rec: Record_): void {
    if (rec.inst.state !== "pending") return;
    const now = this.clock.now();
    rec.inst.state = "running";
    rec.billStart = now;
    rec.billStartIntegral = this.pricing.integral(rec.inst.instanceType, rec.inst.zone, rec.inst.capacityType, now);
    if (rec.inst.capacityType === "spot" && this.opts.spotInterruptionRatePerHour > 0) {
      const after = Math.round(this.interruptRng.exponential(HOUR_MS / this.opts.spotInterruptionRatePerHour));
      const lead = this.opts.rebalanceLeadMs;
      if (lead !== undefined && lead > 0) {
        this.clock.after(Math.max(0, after - lead), () => {
          if (rec.inst.state === "running") this.emit({ type: "rebalance-recommendation", instance: { ...rec.inst } });
        });
      }
      this.clock.after(after, () => {
        if (rec.inst.state === "running") this.interrupt(rec.inst.id);
      });
    }
    this.emit({ type: "running", instance: { ...rec.inst } });
  }

  // ------------------------------------------------------------------------------ terminate / interrupt

  /** TerminateInstances: idempotent; unknown ids are ignored (Karpenter treats NotFound as done). */
  delete(id: string): void {
    const rec = this.instances.get(id);
    if (!rec || TERMINATED_STATES.has(rec.inst.state)) return;
    this.shutdown(rec);
  }

  private shutdown(rec: Record_): void {
    const now = this.clock.now();
    this.stopBilling(rec, now);
    rec.inst.state = "shutting-down";
    this.clock.after(this.jitter(this.opts.terminateDelayMs, this.opts.terminateJitterMs), () => {
      rec.inst.state = "terminated";
      this.usedIps.delete(rec.ipKey);
      this.counters.terminated++;
      this.emit({ type: "terminated", instance: { ...rec.inst } });
      this.clock.after(this.opts.terminatedRetentionMs, () => {
        if (this.instances.get(rec.inst.id) === rec) this.instances.delete(rec.inst.id);
      });
    });
  }

  private stopBilling(rec: Record_, now: number): void {
    if (rec.billStart === undefined || rec.cost !== undefined) {
      rec.cost ??= 0;
      return;
    }
    const i = this.pricing.integral(rec.inst.instanceType, rec.inst.zone, rec.inst.capacityType, now);
    rec.cost = i - rec.billStartIntegral!;
    add(this.closedCost, rec.inst.capacityType, rec.inst.zone, rec.cost);
  }

  /**
   * EC2 spot interruption: emits `spot-interruption` now with `at` = now + notice (2 min), reclaims the
   * instance at `at`, and marks (type, zone, spot) unavailable for the ICE TTL. Returns the event.
   */
  interrupt(id: string): Extract<CloudEvent, { type: "spot-interruption" }> {
    const rec = this.instances.get(id);
    if (!rec) throw new Error(`instance ${id} not found`);
    if (rec.inst.capacityType !== "spot") throw new Error(`instance ${id} is not a spot instance`);
    if (TERMINATED_STATES.has(rec.inst.state)) throw new Error(`instance ${id} is ${rec.inst.state}`);
    // A second notice for the same instance is not sent again.
    if (rec.reclaimAt !== undefined) return { type: "spot-interruption", instance: { ...rec.inst }, at: rec.reclaimAt };
    const at = this.clock.now() + this.opts.interruptionNoticeMs;
    rec.reclaimAt = at;
    this.counters.interruptions++;
    this.markUnavailable(rec.inst.instanceType, rec.inst.zone, "spot");
    const ev = { type: "spot-interruption" as const, instance: { ...rec.inst }, at };
    this.clock.at(at, () => {
      if (!TERMINATED_STATES.has(rec.inst.state)) this.shutdown(rec);
    });
    this.emit(ev);
    return ev;
  }

  /** Interrupt up to `count` running spot instances matching the filter (not already noticed), oldest first (timeline action). */
  interruptMatching(filter: { instanceType?: string; zone?: string; count?: number } = {}): string[] {
    const picked: string[] = [];
    const candidates = [...this.instances.values()]
      .filter((r) => r.inst.capacityType === "spot" && r.inst.state === "running" && r.reclaimAt === undefined && globMatch(filter.instanceType, r.inst.instanceType) && (filter.zone === undefined || r.inst.zone === filter.zone))
      .sort((a, b) => a.inst.launchedAt - b.inst.launchedAt || (a.inst.id < b.inst.id ? -1 : 1));
    for (const r of candidates.slice(0, filter.count ?? candidates.length)) {
      this.interrupt(r.inst.id);
      picked.push(r.inst.id);
    }
    return picked;
  }

  /** EC2 instance rebalance recommendation (event only). */
  rebalance(id: string): void {
    const rec = this.instances.get(id);
    if (!rec || rec.inst.state !== "running") throw new Error(`instance ${id} is not running`);
    this.emit({ type: "rebalance-recommendation", instance: { ...rec.inst } });
  }

  // ------------------------------------------------------------------------------ describe

  /** DescribeInstances by id: includes shutting-down and (for an hour) terminated instances. */
  get(id: string): CloudInstance | undefined {
    const rec = this.instances.get(id);
    return rec ? { ...rec.inst, tags: { ...rec.inst.tags } } : undefined;
  }

  /** Instances not yet terminated (pending, running, shutting-down), in launch order. */
  list(): CloudInstance[] {
    const out: CloudInstance[] = [];
    for (const r of this.instances.values()) if (r.inst.state !== "terminated") out.push({ ...r.inst, tags: { ...r.inst.tags } });
    return out;
  }

  on(listener: (ev: CloudEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(ev: CloudEvent): void {
    for (const l of [...this.listeners]) l(ev);
  }

  // ------------------------------------------------------------------------------ billing

  /** Current $/h of an instance (spot: the pool's price now); undefined if unknown. */
  instancePriceAt(id: string, t = this.clock.now()): number | undefined {
    const rec = this.instances.get(id);
    if (!rec) return undefined;
    if (rec.inst.capacityType !== "spot") return this.pricing.onDemand(rec.inst.instanceType);
    return this.pricing.spot(rec.inst.instanceType, rec.inst.zone, Math.max(t, this.clock.now()));
  }

  /** $ billed so far for an instance (running time × price over time). */
  instanceCost(id: string): number {
    const rec = this.instances.get(id);
    if (!rec) return 0;
    if (rec.cost !== undefined) return rec.cost;
    if (rec.billStart === undefined) return 0;
    return this.pricing.integral(rec.inst.instanceType, rec.inst.zone, rec.inst.capacityType, this.clock.now()) - rec.billStartIntegral!;
  }

  costSummary(): CostSummary {
    const perHour = emptyBreakdown();
    const accrued: CostBreakdown = { total: this.closedCost.total, byCapacityType: { ...this.closedCost.byCapacityType }, byZone: { ...this.closedCost.byZone } };
    let running = 0;
    for (const r of this.instances.values()) {
      if (r.inst.state !== "running") continue;
      running++;
      add(perHour, r.inst.capacityType, r.inst.zone, this.instancePriceAt(r.inst.id) ?? 0);
      add(accrued, r.inst.capacityType, r.inst.zone, this.instanceCost(r.inst.id));
    }
    return { perHour, accrued, runningInstances: running };
  }

  stats(): Readonly<typeof this.counters> {
    return { ...this.counters };
  }
}

/** Karpenter names the instance profile it creates `<cluster>_<uint64 hash of region + node class name>`. */
function instanceProfileName(cluster: string, region: string, nodeClassName: string): string {
  return `${cluster}_${BigInt(`0x${stableHex(`${region}${nodeClassName}`, 16)}`).toString()}`;
}
