/**
 * HpaController against a real Store and VirtualClock with a stub metrics.k8s.io service. Objects
 * are written by hand (Deployment with spec/status, Ready pods); nothing else runs, so the
 * Deployment's spec.replicas is exactly what the HPA wrote. Expected figures are worked out by hand
 * from the upstream algorithm (hpa.md §3, §4.3, §6, §14).
 */
import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { VirtualClock } from "../../core/clock.js";
import type { Selector } from "../../core/labels.js";
import { Rng } from "../../core/rng.js";
import { RESOURCE_METRICS_SERVICE, type PodMetrics, type ResourceMetricsApi } from "../../metrics/api.js";
import { HpaController, cpuMilliFromFloat } from "./controller.js";

const NS = "default";

class StubMetrics implements ResourceMetricsApi {
  /** pod name → cpu usage in millicores. */
  usage = new Map<string, number>();
  constructor(
    private readonly store: Store,
    private readonly clock: VirtualClock,
  ) {}
  podMetrics(namespace: string | undefined, selector?: Selector): PodMetrics[] {
    const out: PodMetrics[] = [];
    for (const p of this.store.list("Pod", { namespace, labelSelector: selector })) {
      const u = this.usage.get(p.metadata.name!);
      if (u === undefined) continue;
      out.push({
        namespace: p.metadata.namespace!,
        name: p.metadata.name!,
        labels: p.metadata.labels ?? {},
        timestamp: this.clock.now(),
        windowMs: 15_000,
        containers: [{ name: "php-apache", cpuMilli: u, memoryBytes: 10 * 1024 * 1024 }],
      });
    }
    return out;
  }
  nodeMetrics() {
    return [];
  }
}

function setup(opts: { replicas: number; usagePercent?: number; request?: string; hpa?: Partial<KubeObject["spec"]>; withMetrics?: boolean }) {
  const clock = new VirtualClock();
  const rng = new Rng(7);
  const store = new Store(clock, rng.fork("store"));
  const events = new EventRecorder(store, clock);
  const logs = new LogSink(clock);
  const services = new Map<string, unknown>();
  const metrics = new StubMetrics(store, clock);
  if (opts.withMetrics !== false) services.set(RESOURCE_METRICS_SERVICE, metrics);
  const ctx: ControllerContext = { store, clock, rng, events, logs, services };
  const requestMilli = 200;

  store.create({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "php-apache", namespace: NS },
    spec: { replicas: opts.replicas, selector: { matchLabels: { run: "php-apache" } }, template: {} },
    status: { replicas: opts.replicas },
  });
  let podSeq = 0;
  const addPod = (usagePercent: number) => {
    const name = `php-apache-${podSeq++}`;
    const p = store.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: NS, labels: { run: "php-apache" } },
      spec: { containers: [{ name: "php-apache", resources: { requests: { cpu: opts.request ?? "200m" } } }] },
    });
    store.setStatus(p, {
      phase: "Running",
      startTime: clock.iso(),
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: clock.iso() }],
    });
    metrics.usage.set(name, (requestMilli * usagePercent) / 100);
    return name;
  };
  for (let i = 0; i < opts.replicas; i++) addPod(opts.usagePercent ?? 50);
  const setUsage = (percent: number) => {
    for (const k of metrics.usage.keys()) metrics.usage.set(k, (requestMilli * percent) / 100);
  };
  const hpa = store.create({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "php-apache", namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
      ...(opts.hpa ?? {}),
    },
  });
  const controller = new HpaController();
  controller.start(ctx);
  const replicas = () => store.get("Deployment", NS, "php-apache")!.spec.replicas as number;
  const getHpa = () => store.get("HorizontalPodAutoscaler", NS, "php-apache")!;
  const eventTexts = () =>
    store
      .list("Event")
      .filter((e: any) => e.involvedObject.kind === "HorizontalPodAutoscaler")
      .map((e: any) => `${e.type} ${e.reason}: ${e.message}`);
  const runTo = (ms: number) => clock.runUntil(ms);
  /** Play the ReplicaSet controller + kubelet: bring the pod count up to spec.replicas. */
  const followReplicas = (usagePercent: number) => {
    const want = replicas();
    while (metrics.usage.size < want) addPod(usagePercent);
    store.mutate("Deployment", NS, "php-apache", (d: any) => {
      d.status = { replicas: want };
    }, { subresource: "status" });
  };
  return { clock, store, logs, metrics, controller, hpa, replicas, getHpa, eventTexts, runTo, setUsage, addPod, followReplicas };
}

const cpuUtil = (hpa: KubeObject) => hpa.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization;
const conds = (hpa: KubeObject) => (hpa.status?.conditions ?? []).map((c: any) => `${c.type}=${c.status}/${c.reason}`);

describe("HpaController: the php-apache lab table (target 50 %)", () => {
  it("2 pods at 52 % stay 2 (ratio 1.04 within tolerance)", () => {
    const h = setup({ replicas: 2, usagePercent: 52 });
    h.runTo(15_000);
    expect(h.replicas()).toBe(2);
    expect(cpuUtil(h.getHpa())).toBe(52);
    expect(h.getHpa().status.desiredReplicas).toBe(2);
    expect(conds(h.getHpa())).toEqual([
      "AbleToScale=True/ReadyForNewScale",
      "ScalingActive=True/ValidMetricFound",
      "ScalingLimited=False/DesiredWithinRange",
    ]);
    expect(h.eventTexts()).toEqual([]);
  });

  it("2 pods at 56 % → 3 (ceil(1.12 × 2))", () => {
    const h = setup({ replicas: 2, usagePercent: 56 });
    h.runTo(15_000);
    expect(h.replicas()).toBe(3);
    expect(h.eventTexts()).toEqual(["Normal SuccessfulRescale: New size: 3; reason: cpu resource utilization (percentage of request) above target"]);
  });

  it("2 pods at 93 % → 4, with the exact event, condition and log texts", () => {
    const h = setup({ replicas: 2, usagePercent: 93 });
    h.runTo(15_000);
    expect(h.replicas()).toBe(4);
    const hpa = h.getHpa();
    expect(hpa.status.currentReplicas).toBe(2);
    expect(hpa.status.desiredReplicas).toBe(4);
    expect(hpa.status.lastScaleTime).toBe(h.clock.iso(15_000));
    expect(hpa.status.currentMetrics[0].resource.current).toEqual({ averageUtilization: 93, averageValue: "186m" });
    const able = hpa.status.conditions.find((c: any) => c.type === "AbleToScale");
    expect(able.message).toBe("the HPA controller was able to update the target scale to 4");
    const active = hpa.status.conditions.find((c: any) => c.type === "ScalingActive");
    expect(active.message).toBe("the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)");
    expect(h.eventTexts()).toEqual(["Normal SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target"]);
    expect(h.logs.records("horizontal-pod-autoscaler").map((r) => r.message)).toEqual([
      `"Successfully rescaled" HPA="default/php-apache" currentReplicas=2 desiredReplicas=4 reason="cpu resource utilization (percentage of request) above target"`,
    ]);
  });

  it("4 pods at 48 % stay 4", () => {
    const h = setup({ replicas: 4, usagePercent: 48 });
    h.runTo(15_000);
    expect(h.replicas()).toBe(4);
    expect(cpuUtil(h.getHpa())).toBe(48);
  });

  it("utilization is an integer percent: 559 m + 560 m of 1000 m each is 55 % → stays 2", () => {
    const h = setup({ replicas: 2, request: "1" });
    h.metrics.usage.set("php-apache-0", 559);
    h.metrics.usage.set("php-apache-1", 560);
    h.runTo(15_000);
    expect(cpuUtil(h.getHpa())).toBe(55);
    expect(h.replicas()).toBe(2);
  });
});

describe("HpaController: timing", () => {
  it("first evaluates a new HPA 15 s after creation, then every 15 s", () => {
    const h = setup({ replicas: 2, usagePercent: 93 });
    h.runTo(14_999);
    expect(h.getHpa().status).toBeUndefined();
    expect(h.replicas()).toBe(2);
    h.runTo(15_000);
    expect(h.replicas()).toBe(4);
    h.followReplicas(93);
    // ratio 1.86 on 4 pods → 8 at the next sync (t = 30 s), within max(2×4, 4) = 8.
    h.runTo(29_999);
    expect(h.replicas()).toBe(4);
    h.runTo(30_000);
    expect(h.replicas()).toBe(8);
  });

  it("scale-down waits for the 5-minute window seeded with the size at the first sync", () => {
    // 4 pods at 20 % of 50 % → proposal ceil(0.4 × 4) = 2. The first sync (t = 15 s) seeds {4, 15 s};
    // the legacy window keeps entries not older than 300 s, so 4 is held until t = 330 s.
    const h = setup({ replicas: 4, usagePercent: 20 });
    h.runTo(15_000);
    expect(h.replicas()).toBe(4);
    expect(conds(h.getHpa())[0]).toBe("AbleToScale=True/ScaleDownStabilized");
    expect(h.getHpa().status.desiredReplicas).toBe(4);
    h.runTo(315_000);
    expect(h.replicas()).toBe(4);
    h.runTo(329_999);
    expect(h.replicas()).toBe(4);
    h.runTo(330_000);
    expect(h.replicas()).toBe(2);
    expect(h.eventTexts()).toEqual(["Normal SuccessfulRescale: New size: 2; reason: All metrics below target"]);
  });

  it("writes status only when it changes; lastTransitionTime moves only on a status flip", () => {
    const h = setup({ replicas: 2, usagePercent: 52 });
    h.runTo(15_000);
    const rv1 = h.getHpa().metadata.resourceVersion;
    const lt1 = h.getHpa().status.conditions.map((c: any) => c.lastTransitionTime);
    h.runTo(60_000);
    expect(h.getHpa().metadata.resourceVersion).toBe(rv1);
    // Scale up at t = 75 s: AbleToScale stays True (reason changes), so its time stays.
    h.setUsage(93);
    h.runTo(75_000);
    expect(h.replicas()).toBe(4);
    const lt2 = h.getHpa().status.conditions.map((c: any) => c.lastTransitionTime);
    expect(lt2).toEqual(lt1);
    expect(lt1[0]).toBe(h.clock.iso(15_000));
  });

  it("deleting the HPA drops its history; a re-created HPA seeds a new window", () => {
    const h = setup({ replicas: 4, usagePercent: 20 });
    h.runTo(15_000);
    // Seeded {4, now} plus this sync's proposal {2, now}.
    expect(h.controller.history("default/php-apache")?.recommendations).toEqual([
      { replicas: 4, timestamp: 15_000 },
      { replicas: 2, timestamp: 15_000 },
    ]);
    const spec = h.getHpa().spec;
    h.store.delete("HorizontalPodAutoscaler", NS, "php-apache");
    expect(h.controller.history("default/php-apache")).toBeUndefined();
    h.runTo(400_000);
    expect(h.replicas()).toBe(4); // nobody reconciles a deleted HPA
    h.store.create({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "php-apache", namespace: NS }, spec });
    h.runTo(415_000);
    expect(h.replicas()).toBe(4); // first sync of the new HPA seeds {4, 415 s}
    h.runTo(730_000);
    expect(h.replicas()).toBe(2);
  });
});

describe("HpaController: behavior path", () => {
  it("default behavior allows max(+4 pods, +100 %) per 15 s: 2 → 6 at 300 % utilization", () => {
    // 2 pods at 150 % of a 50 % target: ratio 3 → proposal 6; limit max(2 + 4, 2 × 2) = 6.
    const h = setup({ replicas: 2, usagePercent: 150, hpa: { behavior: {} } });
    h.runTo(15_000);
    expect(h.replicas()).toBe(6);
    expect(h.controller.history("default/php-apache")?.scaleUpEvents).toEqual([{ change: 4, timestamp: 15_000, outdated: false }]);
  });

  it("a Pods 1/60 s scale-up policy holds the next step until the event leaves the period", () => {
    const h = setup({
      replicas: 2,
      usagePercent: 150,
      hpa: { behavior: { scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] } } },
    });
    h.runTo(15_000);
    expect(h.replicas()).toBe(3);
    expect(conds(h.getHpa())[2]).toBe("ScalingLimited=True/ScaleUpLimit");
    h.followReplicas(150);
    h.runTo(60_000); // event at 15 s is still inside (15 > 60 − 60 = 0 … until now − 60 ≥ 15)
    expect(h.replicas()).toBe(3);
    h.runTo(75_000); // 15 > 75 − 60 = 15 is false → the period is empty → +1
    expect(h.replicas()).toBe(4);
  });
});

describe("HpaController: failure conditions", () => {
  it("FailedGetScale when the target does not exist", () => {
    const h = setup({ replicas: 2, hpa: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "nope" } } });
    h.runTo(15_000);
    const hpa = h.getHpa();
    expect(conds(hpa)).toEqual(["AbleToScale=False/FailedGetScale"]);
    expect(hpa.status.conditions[0].message).toBe(`the HPA controller was unable to get the target's current scale: deployments.apps "nope" not found`);
    expect(h.eventTexts()).toEqual([`Warning FailedGetScale: deployments.apps "nope" not found`]);
  });

  it("ScalingDisabled when the target has 0 replicas", () => {
    const h = setup({ replicas: 0 });
    h.runTo(15_000);
    expect(conds(h.getHpa())).toEqual(["AbleToScale=True/SucceededGetScale", "ScalingActive=False/ScalingDisabled"]);
    expect(h.getHpa().status.desiredReplicas).toBe(0);
    expect(h.replicas()).toBe(0);
  });

  it("no metrics: FailedGetResourceMetric with upstream's wrapped error texts", () => {
    const h = setup({ replicas: 2, withMetrics: true });
    h.metrics.usage.clear();
    h.runTo(15_000);
    expect(conds(h.getHpa())).toEqual(["AbleToScale=True/SucceededGetScale", "ScalingActive=False/FailedGetResourceMetric"]);
    expect(h.eventTexts()).toEqual([
      "Warning FailedGetResourceMetric: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
      "Warning FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
    ]);
    expect(h.getHpa().status.currentMetrics).toEqual([{ type: "" }]);
  });

  it("AmbiguousSelector when two HPAs select the same pods", () => {
    const h = setup({ replicas: 2, usagePercent: 93 });
    h.store.create({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "second", namespace: NS },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" }, maxReplicas: 10 },
    });
    h.runTo(30_000);
    const hpa = h.getHpa();
    expect(conds(hpa)).toContain("ScalingActive=False/AmbiguousSelector");
    const msg = hpa.status.conditions.find((c: any) => c.type === "ScalingActive").message;
    expect(msg).toBe("pods by selector run=php-apache are controlled by multiple HPAs: [default/php-apache default/second]");
    // Whichever HPA synced first may have scaled before the second one registered its selector;
    // after both are registered nobody scales further.
    const r = h.replicas();
    h.runTo(120_000);
    expect(h.replicas()).toBe(r);
  });
});

describe("cpuMilliFromFloat", () => {
  it("is MilliValue of the nano-core quantity: ceil(nanocores / 1e6)", () => {
    expect(cpuMilliFromFloat(104)).toBe(104);
    expect(cpuMilliFromFloat(104.000001)).toBe(105);
    expect(cpuMilliFromFloat(104.0000000001)).toBe(104); // below one nanocore: not representable
    expect(cpuMilliFromFloat(0.2 + 0.1)).toBe(1);
  });
});
