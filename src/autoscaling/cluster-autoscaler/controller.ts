/**
 * The Cluster Autoscaler 1.32 (AWS provider) main loop (core/static_autoscaler.go RunOnce), every
 * --scan-interval (10 s), immediately again after a productive loop, and early when a pod turns
 * unschedulable (loop/trigger.go). Configured by the flags of the cluster-autoscaler Deployment.
 *
 * Node groups are the Auto Scaling groups (cloud/aws/asg.ts) matched by --node-group-auto-discovery
 * tags or --nodes. Scale-up sets the ASG's desired capacity; scale-down taints nodes
 * ToBeDeletedByClusterAutoscaler, evicts their pods through the eviction API and terminates the
 * instances with TerminateInstanceInAutoScalingGroup.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import type { Logger } from "../../api/logs.js";
import type { Store, WatchEvent } from "../../api/store.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { fromLabelSelector } from "../../core/labels.js";
import type { Rng } from "../../core/rng.js";
import { formatDuration } from "../../core/duration.js";
import { AUTOSCALING_SERVICE, instanceIdOf, type AutoScaling, type AutoScalingGroup } from "../../cloud/aws/asg.js";
import { ASG_CACHE_REFRESH_MS, GroupBackoff, PLACEHOLDER_PREFIX, PLACEHOLDER_UNFULFILLABLE, UNFULFILLABLE_MESSAGE, scalingFailedSince, type BackoffInfo } from "./clusterstate.js";
import { evictPod } from "../../cluster/eviction.js";
import { PodInfo, type NodeInfo } from "../../scheduling/nodeinfo.js";
import { buildExpanderChain, PRIORITY_CONFIGMAP, type Filter } from "./expanders.js";
import { caArgsOf, CA_VERSION, FlagError, parseCaFlags, type CaOptions } from "./flags.js";
import { controllerRef, equivalenceKey, isDaemonSetPod, isTerminal, isUnschedulable, priorityOf, SCALE_DOWN_DISABLED, TO_BE_DELETED_TAINT, DELETION_CANDIDATE_TAINT, type PdbBudget } from "./pods.js";
import { awsIgnoredLabels, sameBalancingLabels, similarTemplates } from "./nodegroupset.js";
import { infoString, planScaleUp, REASON_BACKOFF, type NodeGroupView } from "./scaleup.js";
import { nodeUtilization, simulateNodeRemoval, UnneededNodes, type NodeToRemove } from "./scaledown.js";
import { CaSnapshot, HintingSimulator } from "./snapshot.js";
import { goStatusTime, renderStatus, transition, type ClusterStatus, type Condition, type GroupStatus, type NodeCounts } from "./status.js";
import { daemonSetPodsFor, podsForCopy, renameNode, templateFromAsg, templateFromNode, type TemplateNode } from "./templates.js";

export const COMPONENT = "cluster-autoscaler";
/** client-go tools/record maxQueuedEvents. */
export const MAX_QUEUED_EVENTS = 1000;

export interface ClusterAutoscalerConfig {
  /** Container command + args from the Deployment. */
  args: string[];
  clusterName: string;
  region: string;
}

interface GroupState {
  asg: AutoScalingGroup;
  template?: TemplateNode;
  backoff: GroupBackoff;
  /** ScaleUpRequest of clusterstate: Increase, Time, ExpectedAddTime. */
  scaleUpRequest?: { increase: number; time: number; expectedAddTime: number };
  /** When CA last set the ASG's desired capacity (asg.lastUpdateTime). */
  lastUpdateTime: number;
  /** Placeholder ids the last ASG cache refresh marked placeholder-cannot-be-fulfilled. */
  unfulfillable: Set<string>;
  /** Instances with a create error at the previous loop (to count the unseen ones). */
  previousErrors: Set<string>;
  /** Unregistered instance (provider id) → first seen. */
  unregistered: Map<string, number>;
  status?: { health?: Condition; scaleUp?: Condition; scaleDown?: Condition };
}

/** clusterstate Readiness of one node group (or the cluster), by node / instance name. */
interface Readiness {
  ready: string[];
  unready: string[];
  notStarted: string[];
  registered: string[];
  beingDeleted: number;
  unregistered: string[];
  longUnregistered: string[];
}

function emptyReadiness(): Readiness {
  return { ready: [], unready: [], notStarted: [], registered: [], beingDeleted: 0, unregistered: [], longUnregistered: [] };
}

interface Deletion {
  node: string;
  group: string;
  drain: boolean;
  startedAt: number;
}

export class ClusterAutoscaler implements Controller {
  readonly name = COMPONENT;
  private ctx!: ControllerContext;
  private store!: Store;
  private clock!: Clock;
  private rng!: Rng;
  private log!: Logger;
  private asgs!: AutoScaling;
  opts!: CaOptions;
  private chain: Filter[] = [];
  private running = false;
  private readonly snap = new CaSnapshot();
  private readonly pending = new Map<string, KubeObject>();
  private readonly groups = new Map<string, GroupState>();
  private nodeGroupOf = new Map<string, string>();
  private unneeded = new UnneededNodes();
  private unremovableUntil = new Map<string, number>();
  private deletions = new Map<string, Deletion>();
  private timer: TimerHandle | undefined;
  private unwatch: Array<() => void> = [];
  private lastScaleUp = -Infinity;
  private lastScaleDownDelete = -Infinity;
  private lastScaleDownFail = -Infinity;
  private lastLoop = -Infinity;
  private eventSeen = new Map<string, number>();
  private podEventsThisLoop = 0;
  private clusterStatus: { health?: Condition; scaleUp?: Condition; scaleDown?: Condition } = {};
  /** Last regeneration of the AWS provider's ASG cache (placeholder statuses). */
  private asgCacheRefreshedAt = -Infinity;
  /** Registered nodes that are still starting in groups with upcoming nodes: not scale-down candidates. */
  private registeredUpcoming = new Set<string>();
  private ignoredLabels = new Set<string>();
  readonly stats = { loops: 0, scaleUps: 0, nodesAdded: 0, nodesRemoved: 0, lastLoopMs: 0 };
  /** Set when the CA refused to start (fatal flag / expander errors). */
  fatal: string | undefined;

  constructor(private readonly config: ClusterAutoscalerConfig) {}

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.store = ctx.store;
    this.clock = ctx.clock;
    this.rng = ctx.rng.fork(COMPONENT);
    this.log = ctx.logs.logger(COMPONENT);
    this.log.info(`Cluster Autoscaler ${CA_VERSION}`);
    try {
      this.opts = parseCaFlags(this.config.args);
      if (!this.opts.clusterName) this.opts.clusterName = this.config.clusterName;
      this.chain = buildExpanderChain(this.opts.expander, { pricingAvailable: false });
    } catch (e) {
      this.fatal = e instanceof FlagError ? String(e.message) : `Failed to create autoscaler: ${(e as Error).message}`;
      this.log.error(this.fatal);
      return;
    }
    for (const f of this.opts.ignored) this.log.warn(`flag --${f} is not simulated; ignored`);
    this.ignoredLabels = awsIgnoredLabels(this.opts.balancingIgnoreLabels);
    const asgs = ctx.services.get(AUTOSCALING_SERVICE) as AutoScaling | undefined;
    if (!asgs) {
      this.fatal = "Failed to create AWS Manager: no Auto Scaling service";
      this.log.error(this.fatal);
      return;
    }
    this.asgs = asgs;
    this.unwatch.push(this.store.watch("Node", (ev) => this.onNode(ev)));
    this.unwatch.push(this.store.watch("Pod", (ev) => this.onPod(ev)));
    for (const n of this.store.list("Node")) this.onNode({ type: "ADDED", object: n });
    for (const p of this.store.list("Pod")) this.onPod({ type: "ADDED", object: p });
    this.running = true;
    this.schedule(this.opts.scanIntervalMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.cancel(this.timer);
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  // ------------------------------------------------------------------------------ informers

  /** Watch events that arrive while a loop runs on a forked snapshot: applied after it is reverted. */
  private deferred: Array<{ kind: "Node" | "Pod"; ev: WatchEvent }> | undefined;

  private onNode(ev: WatchEvent): void {
    if (this.deferred) {
      this.deferred.push({ kind: "Node", ev });
      return;
    }
    const n = ev.object;
    if (ev.type === "DELETED") {
      this.snap.removeNode(n.metadata.name!);
      return;
    }
    this.snap.addNode(n);
  }

  private onPod(ev: WatchEvent): void {
    if (this.deferred) {
      this.deferred.push({ kind: "Pod", ev });
      return;
    }
    const p = ev.object;
    const key = `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
    if (ev.type === "DELETED") {
      this.snap.removePod(key);
      this.pending.delete(key);
      return;
    }
    const nodeName: string | undefined = p.spec?.nodeName;
    if (nodeName && !isTerminal(p)) {
      this.pending.delete(key);
      const cur = this.snap.snap.getPod(key);
      if (!cur || cur.pod !== p) this.snap.addPod(new PodInfo(p), nodeName);
      return;
    }
    if (nodeName && isTerminal(p)) {
      this.snap.removePod(key);
      this.pending.delete(key);
      return;
    }
    if (isUnschedulable(p)) {
      const was = this.pending.has(key);
      this.pending.set(key, p);
      // loop/trigger.go: a new unschedulable pod starts a loop at once.
      if (!was && this.running && this.opts.frequentLoopsEnabled && this.clock.now() > this.lastLoop) this.schedule(0);
    } else this.pending.delete(key);
  }

  private schedule(delayMs: number): void {
    const at = this.clock.now() + delayMs;
    if (this.timer && !this.timer.cancelled && this.timer.at <= at) return;
    if (this.timer) this.clock.cancel(this.timer);
    this.timer = this.clock.at(at, () => {
      this.timer = undefined;
      if (!this.running) return;
      const prevLoop = this.lastLoop;
      // What the loop itself changes (node taints, ASG resizes whose nodes appear at once) must not be
      // recorded in, and then reverted with, the loop's forked snapshot.
      this.deferred = [];
      let productive = false;
      try {
        productive = this.runOnce();
      } finally {
        const events = this.deferred;
        this.deferred = undefined;
        for (const d of events) {
          if (d.kind === "Node") this.onNode(d.ev);
          else this.onPod(d.ev);
        }
      }
      // A productive loop is followed at once by the next one (once per instant).
      this.schedule(productive && this.opts.frequentLoopsEnabled && prevLoop !== this.clock.now() ? 0 : this.opts.scanIntervalMs);
    });
  }

  // ------------------------------------------------------------------------------ helpers

  private event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    // client-go's event broadcaster queues at most 1000 events and drops the rest (DropIfChannelFull):
    // a burst of pod events in one loop is cut there.
    if (obj.kind === "Pod" && this.podEventsThisLoop++ >= MAX_QUEUED_EVENTS) return;
    if (!this.opts.recordDuplicatedEvents) {
      const k = `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}/${reason}/${message}`;
      const last = this.eventSeen.get(k);
      if (last !== undefined && this.clock.now() - last < 5 * 60_000) return;
      this.eventSeen.set(k, this.clock.now());
    }
    this.ctx.events.record(obj, type, reason, message, COMPONENT);
  }

  private statusConfigMap(): KubeObject {
    const ns = this.opts.namespace;
    const name = this.opts.statusConfigMapName;
    const cur = this.store.get("ConfigMap", ns, name);
    if (cur) return cur;
    return this.store.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: {} });
  }

  private parseTime = (s: string): number => this.clock.parseIso(s);

  /** The NodeInfoComparator main.go picks for AWS: --balancing-label if given, else the AWS one. */
  private similar(a: TemplateNode, b: TemplateNode): boolean {
    if (this.opts.balancingLabels.length > 0) return sameBalancingLabels(a, b, this.opts.balancingLabels);
    return similarTemplates(a, b, this.ignoredLabels, {
      capacityMemory: this.opts.memoryDifferenceRatio,
      allocatable: this.opts.maxAllocatableDifferenceRatio,
      free: this.opts.maxFreeDifferenceRatio,
    });
  }

  private isReady(node: KubeObject | undefined): boolean {
    const c = (node?.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find((x) => x.type === "Ready");
    return c?.status === "True";
  }

  private beingDeleted(node: KubeObject | undefined): boolean {
    return ((node?.spec?.taints ?? []) as Array<{ key: string }>).some((t) => t.key === TO_BE_DELETED_TAINT);
  }

  /** Refresh the node groups from the ASGs (auto-discovery by tags, or --nodes). */
  private refreshGroups(): void {
    const all = this.asgs.describeAutoScalingGroups();
    const wanted = new Set<string>();
    for (const a of all) {
      const tags = new Map(a.Tags.map((t) => [t.Key, t.Value]));
      const discovered = this.opts.nodeGroupAutoDiscovery.some((d) => d.tags.every((t) => tags.has(t.key) && (t.value === undefined || tags.get(t.key) === t.value)));
      const explicit = this.opts.nodes.find((n) => n.name === a.AutoScalingGroupName);
      if (!discovered && !explicit) continue;
      wanted.add(a.AutoScalingGroupName);
      let g = this.groups.get(a.AutoScalingGroupName);
      if (!g) {
        g = {
          asg: a,
          backoff: new GroupBackoff(this.opts.initialNodeGroupBackoffMs, this.opts.maxNodeGroupBackoffMs, this.opts.nodeGroupBackoffResetTimeoutMs),
          lastUpdateTime: -Infinity,
          unfulfillable: new Set(),
          previousErrors: new Set(),
          unregistered: new Map(),
        };
        this.groups.set(a.AutoScalingGroupName, g);
        this.log.info(`Registering ASG ${a.AutoScalingGroupName}`);
      }
      g.asg = explicit ? { ...a, MinSize: explicit.min, MaxSize: explicit.max } : a;
    }
    for (const k of [...this.groups.keys()]) if (!wanted.has(k)) this.groups.delete(k);
    this.nodeGroupOf = new Map();
    for (const [name, g] of this.groups) for (const i of g.asg.Instances) if (i.nodeName) this.nodeGroupOf.set(i.nodeName, name);
  }

  private templateFor(id: string, g: GroupState): TemplateNode | undefined {
    for (const i of g.asg.Instances) {
      if (!i.nodeName) continue;
      const ni = this.snap.getNode(i.nodeName);
      if (!ni?.node || !this.isReady(ni.node as KubeObject) || this.beingDeleted(ni.node as KubeObject)) continue;
      const pods = [...ni.pods.values()].map((pi) => pi.pod as KubeObject);
      g.template = templateFromNode(ni.node as KubeObject, pods, id, isDaemonSetPod);
      return g.template;
    }
    if (g.template) return g.template;
    try {
      const ds = this.store.list("DaemonSet");
      g.template = templateFromAsg(g.asg, this.config.region, ds);
    } catch (e) {
      this.log.error(`Unable to build proper template node for ${id}: ${(e as Error).message}`);
    }
    return g.template;
  }

  // ------------------------------------------------------------------------------ RunOnce

  /** One loop; returns true when it scaled up or deleted nodes. */
  runOnce(): boolean {
    const now = this.clock.now();
    this.lastLoop = now;
    this.stats.loops++;
    this.podEventsThisLoop = 0;
    this.refreshGroups();
    if (now - this.asgCacheRefreshedAt >= ASG_CACHE_REFRESH_MS) {
      this.asgCacheRefreshedAt = now;
      this.markUnfulfillablePlaceholders();
    }
    const nowIso = this.clock.iso(now);
    let productive = false;

    let state = this.updateClusterState(now);
    this.handleInstanceCreationErrors(now, state);
    if (this.removeOldUnregisteredNodes(now, state)) {
      this.log.info("Some unregistered nodes were removed");
      this.refreshGroups();
      state = this.updateClusterState(now);
    }
    const healthy = this.isClusterHealthy(state.total);
    if (healthy && this.deleteCreatedNodesWithErrors(state)) {
      this.log.info("Some nodes that failed to create were removed, recalculating cluster state.");
      this.refreshGroups();
      state = this.updateClusterState(now);
    }
    const { total, perGroup } = state;
    // GetUpcomingNodes: target − (ready + unready + long-unregistered); NotStarted nodes are upcoming too.
    const upcoming = new Map<string, number>();
    const registeredUpcoming = new Set<string>();
    for (const [id, g] of this.groups) {
      const r = perGroup.get(id)!;
      const n = g.asg.DesiredCapacity - (r.ready.length + r.unready.length + r.longUnregistered.length);
      if (n <= 0) continue;
      upcoming.set(id, n);
      for (const name of r.notStarted) registeredUpcoming.add(name);
    }
    this.registeredUpcoming = registeredUpcoming;

    const s = this.snap;
    s.fork();
    let scaleDownCandidates = 0;
    try {
      // Nominated pods are placed on their nominated node; the rest of the unschedulable pods drive scale-up.
      const candidates: KubeObject[] = [];
      for (const p of this.pending.values()) {
        if (priorityOf(p) < this.opts.expendablePodsPriorityCutoff) continue;
        const nominated: string | undefined = p.status?.nominatedNodeName;
        if (nominated && s.getNode(nominated)) {
          s.addPod(new PodInfo(p), nominated);
          continue;
        }
        if (isDaemonSetPod(p)) continue;
        candidates.push(p);
      }
      // Upcoming nodes as template copies.
      for (const [id, g] of this.groups) {
        const n = upcoming.get(id) ?? 0;
        if (n === 0) continue;
        const tpl = this.templateFor(id, g);
        if (!tpl) continue;
        for (let i = 0; i < n; i++) {
          const name = `${tpl.node.metadata.name}-upcoming-${i}`;
          s.addNode(renameNode(tpl.node, name), true);
          for (const p of podsForCopy(tpl, name, `upcoming-${i}`)) s.addPod(new PodInfo(p), name);
        }
      }
      // filterOutSchedulable.
      candidates.sort((a, b) => priorityOf(b) - priorityOf(a));
      const sim = new HintingSimulator();
      const unschedulableSimilar = new Set<string>();
      const remaining: KubeObject[] = [];
      let fitted = 0;
      const accept = (ni: NodeInfo) => !this.beingDeleted(ni.node as KubeObject);
      for (const p of candidates) {
        const ek = equivalenceKey(p);
        if (unschedulableSimilar.has(ek)) {
          remaining.push(p);
          continue;
        }
        const pi = new PodInfo(p);
        if (sim.trySchedule(s, pi, accept, ek)) fitted++;
        else {
          unschedulableSimilar.add(ek);
          remaining.push(p);
        }
      }
      if (fitted > 0) this.log.info(`${fitted} pods marked as unschedulable can be scheduled.`);
      // creationTimestamps are RFC 3339 seconds: they compare as strings.
      const delayCut = this.clock.iso(now - this.opts.newPodScaleUpDelayMs);
      const old = this.opts.newPodScaleUpDelayMs > 0 ? remaining.filter((p) => (p.metadata.creationTimestamp ?? "") <= delayCut) : remaining;
      const newCut = this.clock.iso(now - 2000);
      let scaleDownForbidden = false;
      if (!healthy) {
        this.log.warn("Cluster is not ready for autoscaling");
        this.event(this.statusConfigMap(), "Warning", "ClusterUnhealthy", "Cluster is unhealthy");
        scaleDownForbidden = true;
      } else if (old.length === 0) {
        this.log.info(candidates.length === 0 ? "No unschedulable pods" : "No schedulable pods");
      } else if (old.every((p) => (p.metadata.creationTimestamp ?? "") > newCut)) {
        this.log.info("Unschedulable pods are very new, waiting one iteration for more");
        scaleDownForbidden = true;
      } else if (this.opts.maxNodesTotal > 0 && total.ready.length >= this.opts.maxNodesTotal) {
        const msg = `Max total nodes in cluster reached: ${this.opts.maxNodesTotal}`;
        this.log.warn(msg);
        this.event(this.statusConfigMap(), "Warning", "MaxNodesTotalReached", msg);
        for (const p of old) this.event(p, "Normal", "NotTriggerScaleUp", "pod didn't trigger scale-up: max total nodes in cluster reached");
      } else {
        for (const p of old) this.log.info(`Pod ${p.metadata.namespace}/${p.metadata.name} is unschedulable`);
        const r = this.scaleUp(old, total.registered.length);
        if (r) {
          productive = true;
          scaleDownForbidden = true;
        }
      }

      // Scale-down.
      if (this.opts.scaleDownEnabled && healthy) {
        const deleted = this.scaleDown(now, scaleDownForbidden);
        scaleDownCandidates = this.unneeded.size;
        if (deleted) productive = true;
      }
    } finally {
      s.revert();
    }
    this.writeStatus(now, nowIso, state, scaleDownCandidates, healthy);
    return productive;
  }

  // ------------------------------------------------------------------------------ cluster state

  /** Provider id of an unregistered instance, as the AWS provider's Nodes() names it. */
  private instanceIds(g: GroupState): { pending: string[]; placeholders: string[] } {
    const pending: string[] = [];
    for (const i of g.asg.Instances) if (!i.nodeName) pending.push(`aws:///${i.AvailabilityZone}/${i.InstanceId}`);
    const placeholders: string[] = [];
    const az = g.asg.AvailabilityZones[0];
    for (let i = g.asg.Instances.length; i < g.asg.DesiredCapacity; i++) placeholders.push(`aws:///${az}/${PLACEHOLDER_PREFIX}-${g.asg.AutoScalingGroupName}-${i}`);
    return { pending, placeholders };
  }

  /** asgCache.regenerate → createPlaceholdersForDesiredNonStartedInstances: which placeholders can never be fulfilled. */
  private markUnfulfillablePlaceholders(): void {
    for (const [id, g] of this.groups) {
      g.unfulfillable = new Set();
      const { placeholders } = this.instanceIds(g);
      if (placeholders.length === 0) continue;
      const failed = scalingFailedSince(this.asgs.describeScalingActivities?.(id) ?? [], g.lastUpdateTime);
      if (!failed) continue;
      this.log.warn(`ASG ${id} scaling failed with ${failed.description}`);
      this.log.warn(`Instance group ${id} cannot provision any more nodes!`);
      for (const p of placeholders) g.unfulfillable.add(p);
    }
  }

  /** Instances in InstanceCreating state with an error (the unfulfillable placeholders still wanted). */
  private creationErrors(g: GroupState): string[] {
    if (g.unfulfillable.size === 0) return [];
    return this.instanceIds(g).placeholders.filter((p) => g.unfulfillable.has(p));
  }

  /** UpdateNodes: readiness per group and cluster-wide, unregistered instances, scale-up requests. */
  private updateClusterState(now: number): { total: Readiness; perGroup: Map<string, Readiness> } {
    const total = emptyReadiness();
    const perGroup = new Map<string, Readiness>();
    for (const id of this.groups.keys()) perGroup.set(id, emptyReadiness());
    const startup = this.opts.maxNodeStartupTimeMs;
    for (const n of this.store.list("Node")) {
      const name = n.metadata.name!;
      const gid = this.nodeGroupOf.get(name);
      const r = gid ? perGroup.get(gid) : undefined;
      const created = n.metadata.creationTimestamp ? this.parseTime(n.metadata.creationTimestamp) : -Infinity;
      const bucket = this.isReady(n) ? "ready" : created + startup > now ? "notStarted" : "unready";
      for (const x of r ? [r, total] : [total]) {
        x.registered.push(name);
        x[bucket].push(name);
        if (this.beingDeleted(n)) x.beingDeleted++;
      }
    }
    for (const [id, g] of this.groups) {
      const r = perGroup.get(id)!;
      const { pending, placeholders } = this.instanceIds(g);
      const errors = new Set(this.creationErrors(g));
      const seen = new Map<string, number>();
      for (const inst of [...pending, ...placeholders]) {
        if (errors.has(inst)) continue; // expectedToRegister: instances with an error never will
        seen.set(inst, g.unregistered.get(inst) ?? now);
      }
      g.unregistered = seen;
      for (const [inst, since] of seen) {
        const long = since + this.opts.maxNodeProvisionTimeMs < now;
        (long ? r.longUnregistered : r.unregistered).push(inst);
        (long ? total.longUnregistered : total.unregistered).push(inst);
      }
      if (r.longUnregistered.length > 0) this.log.debug(`Found longUnregistered Nodes ${goSlice(r.longUnregistered)}`);
      g.backoff.forgetIfStale(now);
      // updateScaleRequests.
      const req = g.scaleUpRequest;
      if (!req) continue;
      if (!this.upcomingIn(g, r)) {
        g.scaleUpRequest = undefined;
        this.log.debug(`Scale up in group ${id} finished successfully in ${formatDuration(now - req.time)}`);
      } else if (req.expectedAddTime < now) {
        const after = formatDuration(now - req.time);
        this.log.warn(`Scale-up timed out for node group ${id} after ${after}`);
        this.event(this.statusConfigMap(), "Warning", "ScaleUpTimedOut", `Nodes added to group ${id} failed to register within ${after}`);
        this.backoff(g, now, { errorClass: "Other", errorCode: "timeout", errorMessage: `Scale-up timed out for node group ${id} after ${after}` });
        g.scaleUpRequest = undefined;
      }
    }
    return { total, perGroup };
  }

  /** areThereUpcomingNodesInNodeGroup: target above the registered-and-started count. */
  private upcomingIn(g: GroupState, r: Readiness): boolean {
    return g.asg.DesiredCapacity > r.registered.length - r.notStarted.length;
  }

  private isScalingUp(g: GroupState, r: Readiness): boolean {
    return g.scaleUpRequest !== undefined && this.upcomingIn(g, r);
  }

  /** handleInstanceCreationErrors: new failed instances of a group that is scaling up fail the scale-up. */
  private handleInstanceCreationErrors(now: number, state: { perGroup: Map<string, Readiness> }): void {
    for (const [id, g] of this.groups) {
      const errors = this.creationErrors(g);
      const previous = g.previousErrors;
      g.previousErrors = new Set(errors);
      if (errors.length === 0) continue;
      const unseen = errors.filter((e) => !previous.has(e)).length;
      const code = `OutOfResource.${PLACEHOLDER_UNFULFILLABLE}`;
      this.log.info(`Failed adding ${errors.length} nodes (${unseen} unseen previously) to group ${id} due to ${code}; errorMessages=[]string{"${UNFULFILLABLE_MESSAGE}"}`);
      if (unseen === 0 || !this.isScalingUp(g, state.perGroup.get(id)!)) continue;
      this.event(this.statusConfigMap(), "Warning", "ScaleUpFailed", `Failed adding ${unseen} nodes to group ${id} due to ${code}; source errors: ${UNFULFILLABLE_MESSAGE}`);
      const req = g.scaleUpRequest!;
      if (req.increase - unseen <= 0) g.scaleUpRequest = undefined;
      else req.increase -= unseen;
      this.backoff(g, now, { errorClass: "OutOfResource", errorCode: PLACEHOLDER_UNFULFILLABLE, errorMessage: UNFULFILLABLE_MESSAGE });
    }
  }

  /** IsClusterHealthy: unready (started but not Ready) nodes above both tolerances. */
  private isClusterHealthy(total: Readiness): boolean {
    const unready = total.unready.length;
    return !(unready > this.opts.okTotalUnreadyCount && unready > (this.opts.maxTotalUnreadyPercentage / 100) * total.registered.length);
  }

  /** IsNodeGroupHealthy over the acceptable range [target − long-unregistered − requested increase, target]. */
  private isGroupHealthy(g: GroupState, r: Readiness): boolean {
    const target = g.asg.DesiredCapacity;
    const minNodes = target - r.longUnregistered.length - (g.scaleUpRequest?.increase ?? 0);
    if (r.registered.length === 0 && r.unregistered.length === 0 && r.longUnregistered.length === 0) return target === 0 || minNodes === 0;
    const unjustified = Math.max(0, minNodes - r.ready.length);
    const counted = r.ready.length + r.unready.length + r.notStarted.length;
    return !(unjustified > this.opts.okTotalUnreadyCount && unjustified > (this.opts.maxTotalUnreadyPercentage / 100) * counted);
  }

  /**
   * AwsNodeGroup.DeleteNodes → asgCache.DeleteInstances: placeholders are removed by setting the ASG to
   * its real instance count, real instances are terminated with ShouldDecrementDesiredCapacity.
   */
  private deleteAsgNodes(id: string, g: GroupState, providerIds: readonly string[]): void {
    if (g.asg.DesiredCapacity <= g.asg.MinSize) throw new Error("min size reached, nodes will not be deleted");
    const placeholders = providerIds.filter((p) => instanceIdOf(p)!.startsWith(PLACEHOLDER_PREFIX));
    if (placeholders.length > 0) {
      const asg = this.asgs.describe(id) ?? g.asg;
      const active = asg.Instances.length;
      this.log.debug(`Detected ${placeholders.length} placeholder instance(s) in ASG ${id}`);
      this.log.debug(`asg ${id} has placeholders instances with desired capacity = ${asg.DesiredCapacity} and active instances = ${active}. updating ASG to match active instances count`);
      this.setAsgSize(id, g, active);
    }
    for (const p of providerIds) {
      const instance = instanceIdOf(p)!;
      if (instance.startsWith(PLACEHOLDER_PREFIX)) continue;
      this.asgs.terminateInstanceInAutoScalingGroup(instance, true);
    }
  }

  /** asgCache.setAsgSizeNoLock. */
  private setAsgSize(id: string, g: GroupState, size: number): void {
    this.log.info(`Setting asg ${id} size to ${size}`);
    this.asgs.setDesiredCapacity(id, size, `At ${this.clock.iso()} a user request explicitly set group desired capacity`);
    g.lastUpdateTime = this.clock.now();
  }

  /** removeOldUnregisteredNodes: instances that did not become nodes within --max-node-provision-time. */
  private removeOldUnregisteredNodes(now: number, state: { total: Readiness }): boolean {
    if (state.total.unregistered.length + state.total.longUnregistered.length === 0) return false;
    this.log.info(`${state.total.unregistered.length + state.total.longUnregistered.length} unregistered nodes present`);
    let removedAny = false;
    for (const [id, g] of this.groups) {
      let old: string[] = [];
      for (const [inst, since] of g.unregistered) {
        if (since + this.opts.maxNodeProvisionTimeMs < now) {
          this.log.info(`Marking unregistered node ${inst} for removal`);
          old.push(inst);
        }
      }
      if (old.length === 0) continue;
      this.log.info(`Removing ${old.length} unregistered nodes for node group ${id}`);
      const possible = g.asg.DesiredCapacity - g.asg.MinSize;
      if (possible <= 0) {
        this.log.warn(`Node group ${id} min size reached, skipping removal of ${old.length} unregistered nodes`);
        continue;
      }
      if (old.length > possible) {
        this.log.warn(`Capping node group ${id} unregistered node removal to ${possible} nodes, removing all ${old.length} would exceed min size constaint`);
        old = old.slice(0, possible);
      }
      const status = this.statusConfigMap();
      try {
        this.deleteAsgNodes(id, g, old);
      } catch (e) {
        const err = (e as Error).message;
        this.log.warn(`Failed to remove ${old.length} unregistered nodes from node group ${id}: ${err}`);
        for (const inst of old) this.event(status, "Warning", "DeleteUnregisteredFailed", `Failed to remove node ${inst}: ${err}`);
        this.log.warn(`Failed to remove unregistered nodes: ${err}`);
        return removedAny;
      }
      for (const inst of old) {
        this.event(status, "Normal", "DeleteUnregistered", `Removed unregistered node ${inst}`);
        g.unregistered.delete(inst);
      }
      removedAny = true;
    }
    return removedAny;
  }

  /** deleteCreatedNodesWithErrors: give back the capacity that can never be created. */
  private deleteCreatedNodesWithErrors(_state: unknown): boolean {
    let deletedAny = false;
    for (const [id, g] of this.groups) {
      const errors = this.creationErrors(g);
      if (errors.length === 0) continue;
      this.log.info(`Deleting ${errors.length} from ${id} node group because of create errors`);
      try {
        this.deleteAsgNodes(id, g, errors);
        deletedAny = true;
      } catch (e) {
        this.log.warn(`Error while trying to delete nodes from ${id}: ${(e as Error).message}`);
      }
    }
    return deletedAny;
  }

  /** registerFailedScaleUp → backoffNodeGroup. */
  private backoff(g: GroupState, now: number, info: BackoffInfo): void {
    const until = g.backoff.backoff(now, info);
    this.log.warn(`Disabling scale-up for node group ${g.asg.AutoScalingGroupName} until ${goStatusTime(this.clock.epochMs + until)}; errorClass=${info.errorClass}; errorCode=${info.errorCode}`);
  }

  private scaleUp(pods: KubeObject[], registeredNodes: number): boolean {
    const now = this.clock.now();
    const views: NodeGroupView[] = [];
    for (const [id, g] of this.groups) {
      const inBackoff = g.backoff.isBackedOff(now);
      if (inBackoff) this.log.warn(`Node group ${id} is not ready for scaleup - backoff`);
      views.push({ id, min: g.asg.MinSize, max: g.asg.MaxSize, target: g.asg.DesiredCapacity, template: this.templateFor(id, g), ...(inBackoff ? { skipReason: REASON_BACKOFF } : {}) });
    }
    views.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const cm = () => this.store.get("ConfigMap", this.opts.namespace, PRIORITY_CONFIGMAP);
    const plan = planScaleUp({
      snapshot: this.snap,
      pods,
      groups: views,
      chain: this.chain,
      expander: {
        rng: this.rng,
        log: (m) => this.log.info(m),
        warn: (m, ev) => {
          this.log.warn(m);
          const obj = cm();
          if (ev && obj) this.event(obj, "Warning", ev.reason, ev.message);
        },
        priorityConfigMap: cm,
      },
      maxNodesPerScaleUp: this.opts.maxNodesPerScaleUp,
      clusterRoom: this.opts.maxNodesTotal > 0 ? Math.max(0, this.opts.maxNodesTotal - registeredNodes) : Infinity,
      balanceSimilar: this.opts.balanceSimilarNodeGroups,
      similar: (a, b) => !!a.template && !!b.template && this.similar(a.template, b.template),
    });
    for (const l of plan.logs) this.log.info(l);
    for (const { pod, message } of plan.remaining) this.event(pod, "Normal", "NotTriggerScaleUp", `pod didn't trigger scale-up: ${message}`);
    if (plan.infos.length === 0) return false;
    const status = this.statusConfigMap();
    const done: typeof plan.infos = [];
    for (const info of plan.infos) {
      const msg = `Scale-up: setting group ${info.group} size to ${info.newSize} instead of ${info.current} (max: ${info.max})`;
      this.log.info(msg);
      const g = this.groups.get(info.group)!;
      try {
        this.setAsgSize(info.group, g, info.newSize);
        this.event(status, "Normal", "ScaledUpGroup", msg);
        // registerOrUpdateScaleUp: a further increase restarts the provisioning clock.
        const delta = info.newSize - info.current;
        const req = g.scaleUpRequest;
        if (req) {
          req.increase += delta;
          req.time = now;
          req.expectedAddTime = now + this.opts.maxNodeProvisionTimeMs;
        } else g.scaleUpRequest = { increase: delta, time: now, expectedAddTime: now + this.opts.maxNodeProvisionTimeMs };
        done.push(info);
        this.stats.nodesAdded += delta;
      } catch (e) {
        const err = (e as Error).message;
        this.log.error(`Failed to increase node group size: ${err}`);
        this.event(status, "Warning", "FailedToScaleUpGroup", `Scale-up failed for group ${info.group}: ${err}`);
        this.backoff(g, now, { errorClass: "Other", errorCode: "cloudProviderError", errorMessage: err });
      }
    }
    if (done.length === 0) return false;
    this.stats.scaleUps++;
    this.lastScaleUp = now;
    const triggered = `pod triggered scale-up: [${done.map(infoString).join(" ")}]`;
    for (const p of plan.triggered) this.event(p, "Normal", "TriggeredScaleUp", triggered);
    return true;
  }

  // ------------------------------------------------------------------------------ scale-down

  private pdbBudgets(): PdbBudget[] {
    const out: PdbBudget[] = [];
    for (const pdb of this.store.list("PodDisruptionBudget")) {
      const sel = pdb.spec?.selector;
      if (!sel) continue;
      let selector: ReturnType<typeof fromLabelSelector>;
      try {
        selector = fromLabelSelector(sel);
      } catch {
        continue;
      }
      const ns = pdb.metadata.namespace ?? "default";
      // Disruptions allowed now, computed like the disruption controller (via the eviction check).
      const pods = this.store.list("Pod", { namespace: ns, labelSelector: selector });
      let ready = 0;
      for (const p of pods) if (!p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True")) ready++;
      let desired = 0;
      const { minAvailable, maxUnavailable } = pdb.spec ?? {};
      const expected = pods.length;
      const scaled = (v: number | string, up: boolean) => (typeof v === "number" ? v : /%$/.test(v) ? (up ? Math.ceil : Math.floor)((parseInt(v, 10) * expected) / 100) : Number(v));
      if (maxUnavailable !== undefined && maxUnavailable !== null) desired = Math.max(0, expected - scaled(maxUnavailable, true));
      else if (minAvailable !== undefined && minAvailable !== null) desired = scaled(minAvailable, true);
      out.push({ name: pdb.metadata.name!, namespace: ns, matches: (l) => selector.matches(l), remaining: Math.max(0, ready - desired) });
    }
    return out;
  }

  private scaleDown(now: number, forbidden: boolean): boolean {
    const s = this.snap;
    const opts = this.opts;
    // Candidates: nodes of autoscaled groups above min size, not annotated, not being deleted, not recently unremovable.
    const sizes = new Map<string, number>();
    for (const [id, g] of this.groups) sizes.set(id, g.asg.DesiredCapacity);
    const cands: Array<{ ni: NodeInfo; group: string; util: ReturnType<typeof nodeUtilization> }> = [];
    const utilOpts = { ignoreDaemonSets: opts.ignoreDaemonSetsUtilization, ignoreMirror: opts.ignoreMirrorPodsUtilization };
    const previously = new Set(this.unneeded.names());
    for (const ni of s.nodes()) {
      if (s.virtualNodes.has(ni.name)) continue;
      const group = this.nodeGroupOf.get(ni.name);
      if (!group) continue;
      const g = this.groups.get(group)!;
      if ((sizes.get(group) ?? 0) <= g.asg.MinSize) continue;
      const node = ni.node as KubeObject;
      if (this.beingDeleted(node) || this.deletions.has(ni.name)) continue;
      if (node.metadata.annotations?.[SCALE_DOWN_DISABLED] === "true") continue;
      const ready = this.isReady(node);
      if (!ready && !opts.scaleDownUnreadyEnabled) continue;
      if (this.registeredUpcoming.has(ni.name)) continue; // still starting: stands for an upcoming node
      const until = this.unremovableUntil.get(ni.name);
      if (until !== undefined && now < until) continue;
      const util = nodeUtilization(ni, utilOpts, now, this.parseTime);
      if (ready && util.utilization > opts.scaleDownUtilizationThreshold) {
        this.log.debug(`Node ${ni.name} is not suitable for removal - ${util.resourceName} utilization too big (${util.utilization.toFixed(6)})`);
        continue;
      }
      this.log.debug(`Node ${ni.name} - ${util.resourceName} utilization ${util.utilization.toFixed(6)}`);
      cands.push({ ni, group, util });
    }
    cands.sort((a, b) => Number(previously.has(b.ni.name)) - Number(previously.has(a.ni.name)));
    const removable: NodeToRemove[] = [];
    const removed = new Set<string>();
    const pdbs = cands.length ? this.pdbBudgets() : [];
    const sim = new HintingSimulator();
    const lookup = (kind: string, ns: string, name: string) => this.store.get(kind, ns, name);
    let nonEmpty = 0;
    for (const c of cands) {
      if (nonEmpty >= opts.scaleDownNonEmptyCandidatesCount) break;
      const r = simulateNodeRemoval(
        {
          snapshot: s,
          drain: opts,
          pdbs,
          lookupController: lookup,
          now,
          parseTime: this.parseTime,
          isDestination: (d) => !s.virtualNodes.has(d.name) && !removed.has(d.name) && !this.deletions.has(d.name) && !this.beingDeleted(d.node as KubeObject) && this.isReady(d.node as KubeObject),
        },
        c.ni,
        c.group,
        c.util,
        sim,
      );
      if (r.removable) {
        removable.push(r.removable);
        removed.add(c.ni.name);
        if (r.removable.podsToMove.length > 0) nonEmpty++;
      } else if (r.unremovable) {
        this.log.debug(r.unremovable.message);
        this.unremovableUntil.set(c.ni.name, now + opts.unremovableNodeRecheckTimeoutMs);
      }
    }
    this.unneeded.update(removable, now);
    for (const r of removable) {
      const since = this.unneeded.sinceOf(r.node)!;
      this.log.debug(`${r.node} was unneeded for ${formatDuration(now - since)}`);
    }
    const inCooldown =
      forbidden ||
      now - this.lastScaleUp < opts.scaleDownDelayAfterAddMs ||
      now - this.lastScaleDownDelete < opts.scaleDownDelayAfterDeleteMs ||
      now - this.lastScaleDownFail < opts.scaleDownDelayAfterFailureMs;
    this.log.debug(
      `Scale down status: lastScaleUpTime=${this.isoOr(this.lastScaleUp)} lastScaleDownDeleteTime=${this.isoOr(this.lastScaleDownDelete)} lastScaleDownFailTime=${this.isoOr(this.lastScaleDownFail)} scaleDownForbidden=${forbidden} scaleDownInCooldown=${inCooldown}`,
    );
    if (inCooldown) return false;
    if (this.unneeded.size === 0) return false;
    this.log.debug("Starting scale down");
    const room = new Map<string, number>();
    for (const [id, g] of this.groups) {
      let inProgress = 0;
      for (const d of this.deletions.values()) if (d.group === id) inProgress++;
      room.set(id, g.asg.DesiredCapacity - inProgress - g.asg.MinSize);
    }
    const { removable: ready } = this.unneeded.removableAt(
      now,
      { unneededTimeMs: opts.scaleDownUnneededTimeMs, unreadyTimeMs: opts.scaleDownUnreadyTimeMs },
      (n) => this.isReady(this.store.get("Node", undefined, n)),
      room,
    );
    if (ready.length === 0) return false;
    const inFlight = this.deletions.size;
    let drainsInFlight = 0;
    for (const d of this.deletions.values()) if (d.drain) drainsInFlight++;
    const emptyBudget = Math.max(0, Math.min(opts.maxEmptyBulkDelete, opts.maxScaleDownParallelism) - inFlight);
    const empty = ready.filter((r) => r.podsToMove.length === 0).slice(0, emptyBudget);
    const drainBudget = Math.max(0, Math.min(opts.maxDrainParallelism - drainsInFlight, opts.maxScaleDownParallelism - inFlight - empty.length));
    const drain = ready.filter((r) => r.podsToMove.length > 0).slice(0, drainBudget);
    for (const r of empty) this.startDeletion(r, false);
    for (const r of drain) this.startDeletion(r, true);
    if (empty.length + drain.length > 0) {
      this.lastScaleDownDelete = now;
      return true;
    }
    return false;
  }

  private isoOr(t: number): string {
    return Number.isFinite(t) ? goStatusTime(this.clock.epochMs + t) : "0001-01-01 00:00:00 +0000 UTC";
  }

  private startDeletion(r: NodeToRemove, drain: boolean): void {
    const now = this.clock.now();
    const node = this.store.get("Node", undefined, r.node);
    if (!node) return;
    this.deletions.set(r.node, { node: r.node, group: r.group, drain, startedAt: now });
    this.unneeded.drop(r.node);
    const unix = Math.floor((this.clock.epochMs + now) / 1000);
    this.store.mutate("Node", undefined, r.node, (n) => {
      const taints = ((n.spec.taints ?? []) as Array<{ key: string; value?: string; effect: string }>).filter((t) => t.key !== DELETION_CANDIDATE_TAINT);
      taints.push({ key: TO_BE_DELETED_TAINT, value: String(unix), effect: "NoSchedule" });
      n.spec.taints = taints;
      if (this.opts.cordonNodeBeforeTerminating) n.spec.unschedulable = true;
    });
    if (this.opts.cordonNodeBeforeTerminating) this.log.info(`Marking node ${r.node} to be cordoned by Cluster Autoscaler`);
    this.log.info(`Successfully added ToBeDeletedTaint on node ${r.node}`);
    this.event(node, "Normal", "ScaleDown", "marked the node as toBeDeleted/unschedulable");
    const status = this.statusConfigMap();
    if (!drain) {
      const msg = `Scale-down: removing empty node "${r.node}"`;
      this.log.info(msg);
      this.event(status, "Normal", "ScaleDownEmpty", msg);
      this.clock.after(this.opts.nodeDeleteDelayAfterTaintMs, () => this.finishDeletion(r, false));
      return;
    }
    const u = r.utilization;
    const msg = `Scale-down: removing node ${r.node}, utilization: {${u.cpu} ${u.memory} 0 ${u.resourceName} ${u.utilization}}, pods to reschedule: ${r.podsToMove.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(",")}`;
    this.log.info(msg);
    this.event(status, "Normal", "ScaleDown", msg);
    this.clock.after(this.opts.nodeDeleteDelayAfterTaintMs, () => this.drainNode(r, now));
  }

  private drainNode(r: NodeToRemove, started: number): void {
    const deadline = this.clock.now() + this.opts.maxPodEvictionTimeMs;
    const pending = new Set(r.podsToMove.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    const evictedAt = new Map<string, number>();
    const attempt = () => {
      for (const key of [...pending]) {
        const [ns, name] = key.split("/") as [string, string];
        const cur = this.store.get("Pod", ns, name);
        if (!cur || cur.spec?.nodeName !== r.node) {
          pending.delete(key);
          continue;
        }
        const res = evictPod(this.store, cur);
        if (res === true) {
          this.event(cur, "Normal", "ScaleDown", "deleting pod for node scale down");
          pending.delete(key);
          evictedAt.set(key, this.clock.now());
        }
      }
      if (pending.size === 0) {
        this.waitForPodsGone(r, [...evictedAt.keys()], started);
        return;
      }
      if (this.clock.now() >= deadline) {
        this.failDeletion(r, `Failed to drain node /${r.node}, due to following errors: failed to evict pods: ${[...pending].join(", ")}`);
        return;
      }
      this.clock.after(5_000, attempt);
    };
    attempt();
  }

  private waitForPodsGone(r: NodeToRemove, keys: string[], started: number): void {
    const deadline = this.clock.now() + this.opts.maxGracefulTerminationSec * 1000 + 30_000;
    const check = () => {
      const left = keys.filter((k) => {
        const [ns, name] = k.split("/") as [string, string];
        const p = this.store.get("Pod", ns, name);
        return p && p.spec?.nodeName === r.node && !isTerminal(p);
      });
      if (left.length === 0 || this.clock.now() >= deadline) this.finishDeletion(r, true);
      else this.clock.after(5_000, check);
    };
    void started;
    check();
  }

  private failDeletion(r: NodeToRemove, msg: string): void {
    this.deletions.delete(r.node);
    this.lastScaleDownFail = this.clock.now();
    this.store.mutate("Node", undefined, r.node, (n) => {
      const taints = ((n.spec.taints ?? []) as Array<{ key: string }>).filter((t) => t.key !== TO_BE_DELETED_TAINT);
      n.spec.taints = taints.length ? taints : undefined;
      if (this.opts.cordonNodeBeforeTerminating) delete n.spec.unschedulable;
    });
    if (this.opts.cordonNodeBeforeTerminating) this.log.info(`Marking node ${r.node} to be uncordoned by Cluster Autoscaler`);
    this.log.error(msg);
    const node = this.store.get("Node", undefined, r.node);
    if (node) this.event(node, "Warning", "ScaleDownFailed", msg);
  }

  private finishDeletion(r: NodeToRemove, drained: boolean): void {
    const node = this.store.get("Node", undefined, r.node);
    const id = instanceIdOf(node?.spec?.providerID);
    try {
      if (!node || !id) throw new Error(`node ${r.node} not found`);
      this.log.info(`Terminating EC2 instance: ${id}`);
      this.asgs.terminateInstanceInAutoScalingGroup(id, true);
      this.event(node, "Normal", "ScaleDown", "nodes removed by cluster autoscaler");
      const status = this.statusConfigMap();
      if (drained) this.event(status, "Normal", "ScaleDown", `Scale-down: node ${r.node} removed with drain`);
      else this.event(status, "Normal", "ScaleDownEmpty", `Scale-down: empty node ${r.node} removed`);
      this.stats.nodesRemoved++;
      this.lastScaleDownDelete = this.clock.now();
      this.deletions.delete(r.node);
    } catch (e) {
      this.failDeletion(r, `Failed to delete ${r.node}: ${(e as Error).message}`);
    }
  }

  // ------------------------------------------------------------------------------ status

  private writeStatus(now: number, nowIso: string, state: { total: Readiness; perGroup: Map<string, Readiness> }, candidates: number, healthy: boolean): void {
    if (!this.opts.writeStatusConfigMap) return;
    const counts = (r: Readiness): NodeCounts => ({
      total: r.registered.length,
      ready: r.ready.length,
      notStarted: r.notStarted.length,
      beingDeleted: r.beingDeleted,
      unreadyTotal: r.unready.length,
      resourceUnready: 0,
      longUnregistered: r.longUnregistered.length,
      unregistered: r.unregistered.length,
    });
    const groups: GroupStatus[] = [];
    let anyInProgress = false;
    for (const [id, g] of [...this.groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const st = (g.status ??= {});
      const r = state.perGroup.get(id)!;
      const groupHealthy = this.isGroupHealthy(g, r);
      st.health = transition(st.health, groupHealthy ? "Healthy" : "Unhealthy", nowIso);
      // buildScaleUpStatusNodeGroup: InProgress, else Unhealthy, else Backoff (with its error), else NoActivity.
      const inBackoff = g.backoff.isBackedOff(now);
      const scaleUp = this.isScalingUp(g, r) ? "InProgress" : !groupHealthy ? "Unhealthy" : inBackoff ? "Backoff" : "NoActivity";
      if (scaleUp === "InProgress") anyInProgress = true;
      st.scaleUp = transition(st.scaleUp, scaleUp, nowIso);
      let cand = 0;
      for (const x of this.unneeded.list()) if (x.group === id) cand++;
      st.scaleDown = transition(st.scaleDown, cand > 0 ? "CandidatesPresent" : "NoCandidates", nowIso);
      const info = g.backoff.info;
      groups.push({
        name: id,
        health: { ...st.health, counts: counts(r), target: g.asg.DesiredCapacity, min: g.asg.MinSize, max: g.asg.MaxSize },
        scaleUp: { ...st.scaleUp, ...(scaleUp === "Backoff" && info ? { backoff: { errorCode: info.errorCode, errorMessage: info.errorMessage } } : {}) },
        scaleDown: { ...st.scaleDown, candidates: cand },
      });
    }
    const cs = this.clusterStatus;
    cs.health = transition(cs.health, healthy ? "Healthy" : "Unhealthy", nowIso);
    cs.scaleUp = transition(cs.scaleUp, anyInProgress ? "InProgress" : "NoActivity", nowIso);
    cs.scaleDown = transition(cs.scaleDown, candidates > 0 ? "CandidatesPresent" : "NoCandidates", nowIso);
    const time = goStatusTime(this.clock.epochMs + now);
    const status: ClusterStatus = {
      time,
      autoscalerStatus: "Running",
      health: { ...cs.health, counts: counts(state.total) },
      scaleUp: cs.scaleUp,
      scaleDown: { ...cs.scaleDown, candidates },
      groups,
    };
    const cm = this.statusConfigMap();
    this.store.update({
      ...cm,
      metadata: { ...cm.metadata, annotations: { ...(cm.metadata.annotations ?? {}), "cluster-autoscaler.kubernetes.io/last-updated": time } },
      data: { status: renderStatus(status) },
    });
  }
}

/** Go's %v of a []string: `[a b c]`. */
function goSlice(xs: readonly string[]): string {
  return `[${xs.join(" ")}]`;
}

/** The cluster-autoscaler Deployment's flags, or undefined if the scenario has none. */
export function findCaDeployment(objects: readonly KubeObject[], isCa: (o: KubeObject) => boolean): KubeObject | undefined {
  return objects.find(isCa);
}

export { caArgsOf, controllerRef, daemonSetPodsFor };
