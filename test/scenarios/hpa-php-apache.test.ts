/**
 * The EKS workshop / Kubernetes docs HPA walkthrough (examples/hpa-php-apache.yaml), end to end:
 * scheduler, kubelet, Service load balancing, metrics-server and the HPA together.
 * Acceptance figures come from the lab: scale-up within 2 minutes of the load, a peak of 5–10
 * replicas, scale-down no earlier than the 5-minute stabilization window after the load stops, back to 1.
 */
import { describe, expect, it } from "vitest";
import { rescales, runScenario } from "./helpers.js";

describe("examples/hpa-php-apache.yaml", () => {
  const run = runScenario({ file: "examples/hpa-php-apache.yaml" });
  const ups = rescales(run.events, "php-apache");
  const loadStart = 60;
  const loadStop = 15 * 60;

  it("starts scaling up within 2 minutes of the load", () => {
    const firstUp = ups.find(([, n]) => n > 1);
    expect(firstUp).toBeDefined();
    expect(firstUp![0]).toBeGreaterThan(loadStart);
    expect(firstUp![0]).toBeLessThanOrEqual(loadStart + 120);
  });

  it("peaks between 5 and 10 replicas", () => {
    const peak = Math.max(...ups.map(([, n]) => n));
    expect(peak).toBeGreaterThanOrEqual(5);
    expect(peak).toBeLessThanOrEqual(10);
    const w = (run.summary.workloads as Record<string, { peakReplicas: number }>)["Deployment/default/php-apache"]!;
    expect(w.peakReplicas).toBe(peak);
  });

  it("scales down only after the 5-minute window once the load stops, and ends at 1", () => {
    const downsAfterStop = ups.filter(([t]) => t > loadStop);
    expect(downsAfterStop.length).toBeGreaterThan(0);
    // The last high recommendation is made at or after the stop; the window holds it for 300 s.
    expect(downsAfterStop[0]![0]).toBeGreaterThanOrEqual(loadStop + 300);
    expect(ups[ups.length - 1]![1]).toBe(1);
    const hpa = run.sim.store.get("HorizontalPodAutoscaler", "default", "php-apache")!;
    expect(hpa.status.currentReplicas).toBe(1);
    expect(run.sim.store.get("Deployment", "default", "php-apache")!.spec.replicas).toBe(1);
  });

  it("words its events like upstream", () => {
    for (const [, n, msg] of ups) {
      expect(msg).toMatch(
        new RegExp(`^New size: ${n}; reason: (cpu resource utilization \\(percentage of request\\) above target|All metrics below target)$`),
      );
    }
    expect(ups.some(([, , m]) => m.endsWith("above target") && m.startsWith("New size: "))).toBe(true);
    expect(ups[ups.length - 1]![2]).toBe("New size: 1; reason: All metrics below target");
    const sr = run.events.find((e) => e.reason === "ScalingReplicaSet" && String(e.object) === "Deployment/default/php-apache");
    expect(String(sr!.message)).toMatch(/^Scaled up replica set php-apache-[a-z0-9]+ to 1 from 0$/);
  });

  it("reports the HPA view as the lab watches it", () => {
    const busy = run.hpa.filter((h) => (h.metrics as Array<{ averageUtilization?: number }>)[0]?.averageUtilization! > 100);
    expect(busy.length).toBeGreaterThan(0);
    // With one pod under the one-client loop the pod is throttled at its 500m limit: at most 250 % of 200m.
    for (const h of busy) expect((h.metrics as Array<{ averageUtilization: number }>)[0]!.averageUtilization).toBeLessThanOrEqual(250);
  });
});
