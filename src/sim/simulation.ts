/**
 * Wiring: builds a simulated EKS cluster from a scenario — one store, one virtual clock, one seeded
 * RNG — starts every controller, applies the scenario's manifests at t = 0, schedules the timeline,
 * and runs to an end time. Nothing here decides anything; it only connects the parts.
 */
import type { Controller, ControllerContext } from "../api/controller.js";
import { EventRecorder } from "../api/events.js";
import { isApiError } from "../api/errors.js";
import { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { registerBuiltinStrategies } from "../api/strategies.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { onDemandPrice } from "../cloud/catalog.js";
import { eksAddonObjects } from "../cluster/addons.js";
import { RUNTIME_SERVICE, ContainerRuntime } from "../cluster/runtime.js";
import { Scheduler } from "../cluster/scheduler.js";
import { Kubelet } from "../cluster/kubelet.js";
import { NodeGroupController } from "../cluster/nodes.js";
import { TrafficController, TRAFFIC_SERVICE } from "../cluster/traffic.js";
import { QueueController } from "../cluster/queues.js";
import { DeploymentController } from "../cluster/controllers/deployment.js";
import { ReplicaSetController } from "../cluster/controllers/replicaset.js";
import { StatefulSetController } from "../cluster/controllers/statefulset.js";
import { DaemonSetController } from "../cluster/controllers/daemonset.js";
import { JobController } from "../cluster/controllers/job.js";
import { CronJobController } from "../cluster/controllers/cronjob.js";
import { TTLAfterFinishedController } from "../cluster/controllers/ttl-after-finished.js";
import { EndpointsController } from "../cluster/controllers/endpoints.js";
import { PodGCController } from "../cluster/controllers/podgc.js";
import { updateScale } from "../cluster/scale.js";
import { MetricsServer } from "../metrics/metrics-server.js";
import { MetricFeeds } from "../metrics/feeds.js";
import { HpaController } from "../autoscaling/hpa/controller.js";
import { registerKarpenterKinds } from "../autoscaling/karpenter/api.js";
import { KedaOperator, registerKedaKinds, ScaledJobController } from "../autoscaling/keda/index.js";
import { karpenterControllers } from "../autoscaling/karpenter/index.js";
import { CpaController, hasCpaDeployment } from "../autoscaling/cpa/index.js";
import { registerVpa, vpaConfigFromManifests, vpaControllers } from "../autoscaling/vpa/index.js";
import { CLOUD_PROVIDER_SERVICE } from "../cloud/provider.js";
import { SimulatedAws } from "../cloud/aws/index.js";
import { AutoScaling, AUTOSCALING_SERVICE } from "../cloud/aws/asg.js";
import { ClusterAutoscaler } from "../autoscaling/cluster-autoscaler/controller.js";
import { caArgsOf, isClusterAutoscalerDeployment } from "../autoscaling/cluster-autoscaler/flags.js";
import { Recorder } from "../report/recorder.js";
import { evaluateSlo } from "../report/slo.js";
import type { Scenario, TimelineAction } from "../scenario/types.js";
import { applyObject, patchObject } from "./apply.js";

export interface SimulationOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
}

/** A scenario object or timeline action that the API server refused: where it came from and why. */
export class SimulationInputError extends Error {
  constructor(
    readonly source: string,
    override readonly cause: unknown,
  ) {
    super(`${source}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "SimulationInputError";
  }
}

export class Simulation {
  readonly clock: VirtualClock;
  readonly store: Store;
  readonly rng: Rng;
  readonly events: EventRecorder;
  readonly logs: LogSink;
  readonly services = new Map<string, unknown>();
  readonly runtime = new ContainerRuntime();
  readonly recorder: Recorder;
  /** The simulated AWS account (EC2 for Karpenter; registered as the CloudProvider service). */
  readonly aws: SimulatedAws;
  /** Whether the Karpenter controllers run (the scenario creates a NodePool at t = 0 or on its timeline). */
  readonly karpenterEnabled: boolean;
  readonly controllers: Controller[] = [];
  readonly seed: number;
  private started = false;
  /** Problems met while running the timeline (a refused apply does not stop the simulation). */
  readonly inputErrors: SimulationInputError[] = [];

  constructor(
    readonly scenario: Scenario,
    opts: SimulationOptions = {},
  ) {
    const spec = scenario.spec;
    this.seed = opts.seed ?? spec.seed;
    this.clock = new VirtualClock(spec.startTimeMs);
    this.rng = new Rng(this.seed);
    this.store = new Store(this.clock, this.rng.fork("apiserver"));
    registerBuiltinStrategies(this.store);
    registerKarpenterKinds(this.store);
    registerVpa(this.store);
    registerKedaKinds(this.store);
    this.events = new EventRecorder(this.store, this.clock);
    this.logs = new LogSink(this.clock);
    this.services.set(RUNTIME_SERVICE, this.runtime);
    const aws = spec.aws;
    this.aws = new SimulatedAws({
      region: spec.region,
      zones: spec.zones,
      clock: this.clock,
      rng: this.rng,
      options: {
        clusterName: spec.name,
        ...(aws?.launchDelayMs !== undefined ? { launchDelayMs: aws.launchDelayMs, launchJitterMs: 0 } : {}),
        iceRate: aws?.iceRate ?? 0,
        insufficientCapacity: (aws?.insufficientCapacity ?? []).map((o) => ({ ...o })),
        logger: this.logs.logger("karpenter"),
      },
    });
    this.services.set(CLOUD_PROVIDER_SERVICE, this.aws);
    this.recorder = new Recorder(this.store, this.clock, (node) => this.nodePrice(node));
    this.karpenterEnabled =
      scenario.objects.some((o) => o.object.kind === "NodePool") ||
      spec.timeline.some((e) => e.action.type === "apply" && e.action.objects.some((o) => o.kind === "NodePool"));

    const s = spec.settings;
    const nodeGroups = new NodeGroupController({ groups: spec.nodeGroups, region: spec.region, zones: spec.zones, nodeStartupDelayMs: s.nodeStartupDelayMs });
    // EKS managed node groups are Auto Scaling groups; NodeGroupController is their node side.
    this.autoScaling = new AutoScaling({
      clusterName: spec.name,
      nodeSide: nodeGroups,
      providerIdOf: (n) => this.store.get("Node", undefined, n)?.spec?.providerID,
      clock: this.clock,
      // spec.aws.insufficientCapacity holds for the node groups' launches as for Karpenter's.
      hasCapacity: (type, zone, ct) => !this.aws.hasOutage(type, zone, ct === "SPOT" ? "spot" : "on-demand"),
    });
    for (const g of spec.nodeGroups) this.autoScaling.addManagedNodeGroup({ ...g, nodeGroup: g.name, zones: g.zones && g.zones.length ? g.zones : spec.zones });
    this.services.set(AUTOSCALING_SERVICE, this.autoScaling);
    // VPA 1.3 components take their flags from the scenario's vpa-* Deployments; a bad flag is refused at start.
    const vpaConfig = vpaConfigFromManifests([...scenario.objects, ...spec.timeline.flatMap((e) => (e.action.type === "apply" ? e.action.objects.map((object) => ({ object, source: e.action.source })) : []))]);
    for (const err of vpaConfig.errors) this.inputErrors.push(new SimulationInputError(err.source, new Error(err.message)));
    this.controllers.push(
      nodeGroups,
      new Scheduler(),
      new Kubelet({ podStartupDelayMs: s.podStartupDelayMs, usage: spec.usage }),
      new DeploymentController(),
      new ReplicaSetController(),
      new StatefulSetController(),
      new DaemonSetController(),
      new JobController(),
      new CronJobController(),
      new TTLAfterFinishedController(),
      new EndpointsController(),
      new PodGCController(),
      new TrafficController(spec.load, spec.usage),
      new MetricsServer({ resolutionMs: s.metricResolutionMs }),
      new MetricFeeds(spec.metrics),
      // SQS queues / Kafka topics (read by KEDA's aws-sqs-queue and kafka scalers).
      new QueueController(spec.queues ?? [], spec.usage),
      new HpaController({
        syncPeriodMs: s.hpaSyncPeriodMs,
        tolerance: s.hpaTolerance,
        downscaleStabilizationMs: s.hpaDownscaleStabilizationMs,
        cpuInitializationPeriodMs: s.hpaCpuInitializationPeriodMs,
        initialReadinessDelayMs: s.hpaInitialReadinessDelayMs,
        // Kubernetes 1.32 tests |1 - ratio| <= tolerance, which in float64 scales at exactly 1 + tolerance
        // (55 % of a 50 % target); 1.33 switched to the inclusive (1 - down) <= ratio <= (1 + up).
        absoluteTolerance: true,
      }),
      // KEDA v2.16: after MetricFeeds, whose external metrics it chains to.
      new KedaOperator(),
      new ScaledJobController(),
      // Vertical Pod Autoscaler 1.3: recommender + updater (the admission hook is registered above).
      ...vpaControllers(vpaConfig),
    );
    // The cluster-proportional-autoscaler runs when the scenario deploys it (at t = 0 or on its timeline).
    if (
      hasCpaDeployment(scenario.objects.map((o) => o.object)) ||
      spec.timeline.some((e) => e.action.type === "apply" && hasCpaDeployment(e.action.objects))
    ) {
      this.controllers.push(new CpaController());
    }
    if (this.karpenterEnabled) {
      const k = spec.karpenter;
      this.controllers.push(
        ...karpenterControllers({
          store: this.store,
          clock: this.clock,
          featureGates: { SpotToSpotConsolidation: k?.featureGates.SpotToSpotConsolidation ?? false },
          batchIdleDurationMs: k?.batchIdleDurationMs,
          batchMaxDurationMs: k?.batchMaxDurationMs,
        }),
      );
    }
    const caDeployment = [...scenario.objects.map((o) => o.object), ...spec.timeline.flatMap((e) => (e.action.type === "apply" ? e.action.objects : []))].find(isClusterAutoscalerDeployment);
    if (caDeployment) this.controllers.push(new ClusterAutoscaler({ args: caArgsOf(caDeployment), clusterName: spec.name, region: spec.region }));
  }

  /** The Auto Scaling groups behind the managed node groups (Cluster Autoscaler's node groups). */
  readonly autoScaling: AutoScaling;

  /**
   * $/hour of a node: the price its EC2 instance was bought at (spot included) when it is one of the
   * simulated AWS's instances, else the on-demand list price of its instance type (node groups).
   */
  nodePrice(node: KubeObject): number | undefined {
    const providerID: string | undefined = node.spec?.providerID;
    if (providerID) {
      const id = providerID.slice(providerID.lastIndexOf("/") + 1);
      const inst = this.aws.get(id);
      if (inst) return inst.price;
    }
    const t = node.metadata.labels?.["node.kubernetes.io/instance-type"];
    return t ? onDemandPrice(t, this.scenario.spec.region) : undefined;
  }

  get context(): ControllerContext {
    return { store: this.store, clock: this.clock, rng: this.rng, events: this.events, logs: this.logs, services: this.services };
  }

  /**
   * Apply the cluster's own objects and the scenario's manifests, start the controllers and schedule
   * the timeline. Throws SimulationInputError if a t = 0 manifest is refused (nothing has run yet).
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.recorder.start(this.logs);
    const ctx = this.context;
    for (const obj of eksAddonObjects({ clusterName: this.scenario.spec.name, region: this.scenario.spec.region })) {
      applyObject(this.store, obj);
    }
    if (this.inputErrors.length > 0) throw this.inputErrors[0]!;
    for (const c of this.controllers) c.start(ctx);
    for (const { object, source } of orderForApply(this.scenario.objects)) {
      try {
        applyObject(this.store, object);
      } catch (e) {
        throw new SimulationInputError(source, e);
      }
    }
    for (const entry of this.scenario.spec.timeline) {
      this.clock.at(entry.atMs, () => this.perform(entry.action));
    }
  }

  /** Run until virtual time `untilMs`. `onStep` is called as time advances (for progress output). */
  runUntil(untilMs: number, onStep?: (t: number) => void): void {
    this.start();
    this.clock.runUntil(untilMs, onStep);
  }

  /** Carry out one timeline action; a refusal is recorded as a Warning record, as kubectl would print it. */
  perform(action: TimelineAction): void {
    try {
      switch (action.type) {
        case "apply":
          for (const o of action.objects) {
            const r = applyObject(this.store, o);
            this.recorder.emit({ type: "action", source: action.source, result: `${o.kind.toLowerCase()}/${o.metadata.name} ${r}` });
          }
          break;
        case "delete":
          this.store.delete(action.kind, action.namespace, action.name);
          this.recorder.emit({ type: "action", source: action.source, result: `${action.kind.toLowerCase()} "${action.name}" deleted` });
          break;
        case "scale":
          updateScale(this.store, { kind: action.kind, name: action.name }, action.namespace ?? "default", action.replicas);
          this.recorder.emit({ type: "action", source: action.source, result: `${action.kind.toLowerCase()}/${action.name} scaled` });
          break;
        case "patch":
          patchObject(this.store, action.kind, action.namespace, action.name, action.patch, action.patchType);
          this.recorder.emit({ type: "action", source: action.source, result: `${action.kind.toLowerCase()}/${action.name} patched` });
          break;
        case "startLoad":
        case "stopLoad":
        case "setLoad": {
          const traffic = this.services.get(TRAFFIC_SERVICE) as TrafficController;
          if (action.type === "startLoad") traffic.startLoad(action.name);
          else if (action.type === "stopLoad") traffic.stopLoad(action.name);
          else traffic.setLoad(action.name, { clients: action.clients, rps: action.rps, thinkTimeMs: action.thinkTimeMs });
          this.recorder.emit({ type: "action", source: action.source, result: `load ${action.name} ${action.type === "startLoad" ? "started" : action.type === "stopLoad" ? "stopped" : "changed"}` });
          break;
        }
        case "scaleNodeGroup": {
          const ng = this.controllers.find((c): c is NodeGroupController => c instanceof NodeGroupController)!;
          const desired = ng.setDesired(action.name, action.desired);
          this.recorder.emit({ type: "action", source: action.source, result: `nodegroup ${action.name} desired size ${desired}` });
          break;
        }
        case "interrupt": {
          const id = this.interruptTarget(action);
          const ev = this.aws.interrupt(id);
          const inst = ev.instance;
          this.recorder.emit({
            type: "action",
            source: action.source,
            result: `spot interruption notice for ${inst.id} (${inst.instanceType}, ${inst.zone}); reclaimed at ${this.clock.iso(ev.at)}`,
          });
          break;
        }
      }
    } catch (e) {
      const err = new SimulationInputError(action.source, e);
      this.inputErrors.push(err);
      this.recorder.emit({ type: "error", source: action.source, message: isApiError(e) ? `Error from server (${e.reason}): ${e.message}` : String((e as Error).message ?? e) });
    }
  }

  /** The EC2 instance id a timeline `interrupt` names (node, NodeClaim, or a NodePool's oldest running NodeClaim). */
  private interruptTarget(a: Extract<TimelineAction, { type: "interrupt" }>): string {
    const idOf = (providerID: string | undefined, what: string): string => {
      if (!providerID) throw new Error(`${what} has no providerID (not launched yet)`);
      return providerID.slice(providerID.lastIndexOf("/") + 1);
    };
    if (a.node !== undefined) {
      const n = this.store.get("Node", undefined, a.node);
      if (!n) throw new Error(`nodes "${a.node}" not found`);
      return idOf(n.spec?.providerID, `node ${a.node}`);
    }
    if (a.nodeClaim !== undefined) {
      const c = this.store.get("NodeClaim", undefined, a.nodeClaim);
      if (!c) throw new Error(`nodeclaims.karpenter.sh "${a.nodeClaim}" not found`);
      return idOf(c.status?.providerID, `nodeclaim ${a.nodeClaim}`);
    }
    const claims = this.store
      .list("NodeClaim")
      .filter((c) => c.metadata.labels?.["karpenter.sh/nodepool"] === a.nodePool && c.status?.providerID && !c.metadata.deletionTimestamp)
      .sort((x, y) => (x.metadata.creationTimestamp! < y.metadata.creationTimestamp! ? -1 : x.metadata.creationTimestamp! > y.metadata.creationTimestamp! ? 1 : x.metadata.name! < y.metadata.name! ? -1 : 1));
    if (!claims.length) throw new Error(`nodepool "${a.nodePool}" has no launched nodeclaims`);
    return idOf(claims[0]!.status.providerID, `nodeclaim ${claims[0]!.metadata.name}`);
  }

  /** Summary of the run so far, with the load generators' figures. */
  summary(extra: Record<string, unknown> = {}) {
    const traffic = this.services.get(TRAFFIC_SERVICE) as TrafficController | undefined;
    const ec2 = this.aws.list().length || this.aws.stats().launched ? { ec2: this.aws.costSummary() } : {};
    const load = traffic?.stats();
    const summary = this.recorder.summary({ load, eventsProcessed: this.clock.eventsProcessed, ...ec2, ...extra });
    const slo = this.scenario.spec.slo;
    if (slo) {
      summary.slo = evaluateSlo(slo, { load: load ?? [], maxPendingSeconds: summary.maxPendingSeconds as number, shareAnsweredWithin: (n, ms) => traffic?.shareAnsweredWithin(n, ms) });
    }
    return summary;
  }
}

/** Namespaces and cluster-scoped prerequisites first, like `kubectl apply -f` of a directory sorted by kind. */
function orderForApply(objs: Scenario["objects"]): Scenario["objects"] {
  const rank = (o: KubeObject) =>
    o.kind === "Namespace" ? 0 : o.kind === "PriorityClass" ? 1 : o.kind === "ConfigMap" || o.kind === "Secret" || o.kind === "ServiceAccount" ? 2 : 3;
  return [...objs].map((o, i) => ({ o, i })).sort((a, b) => rank(a.o.object) - rank(b.o.object) || a.i - b.i).map((x) => x.o);
}
