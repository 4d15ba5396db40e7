/**
 * examples/qos-oom.yaml — the Kubernetes docs' memory examples: QoS classes, a container killed for
 * exceeding its memory limit (OOMKilled, exit 137) restarting with the kubelet's growing back-off,
 * and a pod no node can hold staying Pending with the scheduler's message.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "./helpers.js";

describe("examples/qos-oom.yaml", () => {
  const run = runScenario({ file: "examples/qos-oom.yaml" });
  const pod = (name: string) => run.sim.store.get("Pod", "mem-example", name)!;

  it("memory-demo (100Mi request, 200Mi limit, using 150M) is Burstable and Running", () => {
    const p = pod("memory-demo");
    expect(p.status.qosClass).toBe("Burstable");
    expect(p.status.phase).toBe("Running");
    expect(p.status.containerStatuses[0].restartCount).toBe(0);
    expect(p.status.containerStatuses[0].state.running).toBeDefined();
  });

  it("memory-demo-2 (100Mi limit, using 250M) is OOMKilled with exit code 137 and backs off longer each time", () => {
    const p = pod("memory-demo-2");
    const cs = p.status.containerStatuses[0];
    expect(cs.lastState.terminated.reason).toBe("OOMKilled");
    expect(cs.lastState.terminated.exitCode).toBe(137);
    expect(p.status.phase).toBe("Running"); // restartPolicy Always: the pod stays Running while it restarts
    // Starts of the container: the gaps are the kubelet's back-off (10 s doubling, max 5 min) plus the
    // short time the container runs before the kernel kills it.
    const starts = run.events
      .filter((e) => e.reason === "Started" && String(e.object) === "Pod/mem-example/memory-demo-2")
      .map((e) => e.t);
    expect(starts.length).toBeGreaterThanOrEqual(6);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    for (let i = 2; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!);
    // 10 s, 20 s, 40 s, 80 s, 160 s after the first immediate restart.
    expect(gaps.slice(1, 6).map((g) => Math.round(g / 10) * 10)).toEqual([10, 20, 40, 80, 160]);
    expect(cs.restartCount).toBe(starts.length - 1);
    const backoffs = run.events.filter((e) => e.reason === "BackOff" && String(e.object) === "Pod/mem-example/memory-demo-2");
    expect(backoffs.length).toBeGreaterThan(0);
    expect(String(backoffs[0]!.message)).toBe(
      `Back-off restarting failed container memory-demo-2-ctr in pod memory-demo-2_mem-example(${p.metadata.uid})`,
    );
  });

  it("memory-demo-2 is in CrashLoopBackOff between restarts", () => {
    const r = runScenario({ file: "examples/qos-oom.yaml" }, 4 * 60_000);
    const cs = r.sim.store.get("Pod", "mem-example", "memory-demo-2")!.status.containerStatuses[0];
    expect(cs.state.waiting?.reason).toBe("CrashLoopBackOff");
    expect(cs.state.waiting?.message).toMatch(/^back-off \d+(m\d+)?s restarting failed container=memory-demo-2-ctr pod=memory-demo-2_mem-example\(/);
  });

  it("memory-demo-3 (1000Gi request) stays Pending with the upstream FailedScheduling message", () => {
    const p = pod("memory-demo-3");
    expect(p.status.phase).toBe("Pending");
    expect(p.spec.nodeName).toBeUndefined();
    const cond = p.status.conditions.find((c: { type: string }) => c.type === "PodScheduled");
    expect(cond).toMatchObject({ status: "False", reason: "Unschedulable" });
    const msg = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    expect(cond.message).toBe(msg);
    const ev = run.events.find((e) => e.reason === "FailedScheduling" && String(e.object) === "Pod/mem-example/memory-demo-3");
    expect(ev).toMatchObject({ eventType: "Warning", message: msg, source: "default-scheduler" });
  });
});
