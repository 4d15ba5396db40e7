/**
 * The KEDA cron lab (examples/keda-cron.yaml): php-apache, min 0, max 2, pollingInterval 30 s,
 * cooldownPeriod 300 s, windows 00,15,30,45 → 05,20,35,50 in Asia/Seoul; t = 0 is 09:00 KST.
 *
 * Expected by hand from KEDA's rules: active polls at t = 0, 30, …, 270 s of each window (09:05:00 is
 * an end boundary, inactive); lastActiveTime = 270 s; scale to 0 on the poll where 270 + 300 is
 * before now. Upstream stores lastActiveTime to the whole second and polls a few ms after each tick,
 * so that is already the poll at t = 570 s (09:09:30), not the next one; back to 1 on the first poll
 * of the next window (t = 900 s).
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "./helpers.js";

describe("examples/keda-cron.yaml", () => {
  const run = runScenario({ file: "examples/keda-cron.yaml" });
  const soEvents = run.events.filter((e) => e.object === "ScaledObject/default/php-apache");
  const ups = soEvents.filter((e) => e.reason === "KEDAScaleTargetActivated");
  const downs = soEvents.filter((e) => e.reason === "KEDAScaleTargetDeactivated");
  const METRIC = "s0-cron-Asia-Seoul-00,15,30,45xxxx-05,20,35,50xxxx";

  it("scales to 0 five minutes after each window closes (cooldown 300 s after the last active poll)", () => {
    expect(downs.map((e) => e.t)).toEqual([570, 1470, 2370, 3270]);
    for (const e of downs) expect(e.message).toBe("Deactivated apps/v1.Deployment default/php-apache from 1 to 0");
  });

  it("activates 0 → 1 at the start of each later window", () => {
    expect(ups.map((e) => e.t)).toEqual([900, 1800, 2700, 3600]);
    for (const e of ups) expect(e.message).toBe(`Scaled apps/v1.Deployment default/php-apache from 0 to 1, triggered by ${METRIC}`);
  });

  it("has 1 replica inside each window and 0 outside once the cooldown has passed", () => {
    const replicaEvents = run.events
      .filter((e) => e.reason === "ScalingReplicaSet" && e.object === "Deployment/default/php-apache")
      .map((e) => [e.t, Number(/to (\d+)/.exec(String(e.message))![1])]);
    expect(replicaEvents).toEqual([
      [0, 1],
      [570, 0],
      [900, 1],
      [1470, 0],
      [1800, 1],
      [2370, 0],
      [2700, 1],
      [3270, 0],
      [3600, 1],
    ]);
  });

  it("generates keda-hpa-php-apache with the upstream metric name (v2.16 keeps the commas)", () => {
    const hpa = run.sim.store.get("HorizontalPodAutoscaler", "default", "keda-hpa-php-apache")!;
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.maxReplicas).toBe(2);
    expect(hpa.spec.metrics).toEqual([
      {
        type: "External",
        external: { metric: { name: METRIC, selector: { matchLabels: { "scaledobject.keda.sh/name": "php-apache" } } }, target: { type: "AverageValue", averageValue: "1" } },
      },
    ]);
    expect(hpa.metadata.ownerReferences?.[0]).toMatchObject({ kind: "ScaledObject", name: "php-apache", controller: true });
    expect(hpa.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("keda-operator");
  });

  it("reports status like the operator", () => {
    const so = run.sim.store.get("ScaledObject", "default", "php-apache")!;
    expect(so.status.externalMetricNames).toEqual([METRIC]);
    expect(so.status.hpaName).toBe("keda-hpa-php-apache");
    expect(so.status.scaleTargetKind).toBe("apps/v1.Deployment");
    const conds = Object.fromEntries((so.status.conditions as Array<{ type: string; status: string; reason: string }>).map((c) => [c.type, `${c.status}/${c.reason}`]));
    // t = 3600 s is 10:00 KST, the start of a window. Paused starts Unknown (GetInitializedConditions)
    // and only turns False/ScaledObjectUnpaused after a pause is lifted: `kubectl get so` on 2.16 shows
    // PAUSED Unknown for a never-paused object (kedacore/keda#6556, #7479).
    expect(conds).toEqual({ Ready: "True/ScaledObjectReady", Active: "True/ScalerActive", Fallback: "False/NoFallbackFound", Paused: "Unknown/undefined" });
    expect(so.status.lastActiveTime).toBe("2025-01-01T01:00:00Z");
  });

  it("reports ScalerCooldown between the end of a window and the scale to zero", () => {
    const mid = runScenario({ file: "examples/keda-cron.yaml" }, 450_000);
    const so = mid.sim.store.get("ScaledObject", "default", "php-apache")!;
    const active = (so.status.conditions as Array<{ type: string; status: string; reason: string; message: string }>).find((c) => c.type === "Active")!;
    expect(active).toMatchObject({ status: "False", reason: "ScalerCooldown", message: "Scaler cooling down because triggers are not active" });
    expect(mid.sim.store.get("Deployment", "default", "php-apache")!.spec.replicas).toBe(1);
  });
});
