/**
 * examples/overprovisioning.yaml: 3 m5.large nodes (≈1.8 CPU free each) each hold one 1-CPU pause
 * pod of priority -1 (above the expendable cut-off of -10, so they do drive scale-up). At 2m the app
 * (4 × 1 CPU, priority 0) arrives: the scheduler preempts the 3 pause pods for 3 app pods at once;
 * the evicted pause pods and the 4th app pod are Pending, and CA scales up for them (the nominated
 * app pods are counted on their nominated nodes, so they do not add nodes of their own).
 */
import { describe, expect, it } from "vitest";
import { min, nodesAt, runCa } from "./ca-helpers.js";

describe("examples/overprovisioning.yaml", () => {
  const run = runCa({ file: "examples/overprovisioning.yaml" });
  const pods = (app: string) => run.sim.store.list("Pod", { namespace: "default" }).filter((p) => (p.metadata.labels?.app ?? p.metadata.labels?.run) === app);

  it("preempts the pause pods for the real workload", () => {
    const preempted = (run.sim.store.list("Event") as unknown as Array<{ reason: string; involvedObject: { name: string } }>).filter((e) => e.reason === "Preempted");
    expect(preempted.length).toBe(3);
    for (const e of preempted) expect(e.involvedObject.name.startsWith("overprovisioning-")).toBe(true);
  });

  it("the preempted pause pods trigger the scale-up that rebuilds spare capacity", () => {
    const up = run.caEvents("TriggeredScaleUp");
    expect(up.some((e) => e.involvedObject.name.startsWith("overprovisioning-"))).toBe(true);
    expect(nodesAt(run, min(2))).toBe(3);
    expect(nodesAt(run, min(5))).toBeGreaterThan(3);
    const running = (ps: ReturnType<typeof pods>) => ps.filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp).length;
    expect(running(pods("app"))).toBe(4);
    expect(running(pods("overprovisioning"))).toBe(3);
  });
});
