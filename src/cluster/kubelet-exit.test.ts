/**
 * Containers that finish their work: the kubelet schedules the exit workload/exit.ts plans and
 * applies the pod's restartPolicy (Never/OnFailure → Succeeded/Failed, Always → restart under
 * back-off), and `kubectl get pods` shows the terminated container's reason as the STATUS.
 */
import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../api/controller.js";
import { EventRecorder } from "../api/events.js";
import { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { tableFor } from "../server/tables.js";
import type { UsageOverride } from "../workload/types.js";
import { Kubelet } from "./kubelet.js";
import { makeNode } from "./nodes.js";
import { ContainerRuntime, RUNTIME_SERVICE } from "./runtime.js";

// Start-up delay 3 s without jitter: containers start at t = 3000 ms.
const START = 3000;

function setup(usage: UsageOverride[] = []) {
  const clock = new VirtualClock();
  const rng = new Rng(11);
  const store = new Store(clock, rng.fork("store"));
  store.registerStrategy("Pod", { gracePeriodSeconds: (o, req) => (o.status?.phase === "Succeeded" || o.status?.phase === "Failed" ? 0 : (req ?? 30)) });
  const events = new EventRecorder(store, clock);
  const runtime = new ContainerRuntime();
  const ctx: ControllerContext = { store, clock, rng, events, logs: new LogSink(clock), services: new Map([[RUNTIME_SERVICE, runtime]]) };
  const node = store.create(makeNode({ instanceType: "m5.large", zone: "us-east-1a", region: "us-east-1", capacityType: "ON_DEMAND", index: 0, rng: rng.fork("n"), time: clock.iso() }));
  new Kubelet({ podStartupDelayMs: START, startupJitter: 0, usage }).start(ctx);
  const pod = (name: string, restartPolicy: string, command: string[], image = "busybox:1.36") =>
    store.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", creationTimestamp: clock.iso() },
      spec: { nodeName: node.metadata.name, restartPolicy, containers: [{ name: "main", image, command }] },
    });
  const get = (name: string) => store.get<KubeObject>("Pod", "default", name)!;
  const cs = (name: string) => get(name).status.containerStatuses[0];
  const runTo = (t: number) => clock.runUntil(t);
  /** kubectl get pods: READY, STATUS, RESTARTS. */
  const row = (name: string) => tableFor("Pod", [get(name)], { nowMs: clock.now() + Date.UTC(2025, 0, 1) }).rows[0]!.cells.slice(1, 4);
  const evs = (name: string) =>
    store
      .list("Event")
      .filter((e: any) => e.involvedObject.name === name)
      .map((e: any) => `${e.reason}: ${e.message}`);
  return { clock, store, runtime, pod, get, cs, runTo, row, evs };
}

describe("containers that finish: restartPolicy", () => {
  it("Never + exit 0: the pod Succeeded, container terminated Completed, STATUS Completed", () => {
    const k = setup();
    k.pod("done", "Never", ["sh", "-c", "sleep 30"]);
    k.runTo(START + 30_000 - 1);
    expect(k.get("done").status.phase).toBe("Running");
    k.runTo(START + 30_000);
    const p = k.get("done");
    expect(p.status.phase).toBe("Succeeded");
    expect(k.cs("done")).toMatchObject({
      ready: false,
      restartCount: 0,
      started: false,
      state: { terminated: { exitCode: 0, reason: "Completed", startedAt: k.clock.iso(START), finishedAt: k.clock.iso(START + 30_000) } },
    });
    expect(p.status.conditions.find((c: any) => c.type === "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    expect(k.row("done")).toEqual(["0/1", "Completed", "0"]);
    expect(k.runtime.containers("default/done")).toHaveLength(0);
    // it stays done: no restart, no back-off
    k.runTo(START + 600_000);
    expect(k.get("done").status.phase).toBe("Succeeded");
    expect(k.evs("done").filter((e) => e.startsWith("BackOff") || e.startsWith("Started"))).toEqual(["Started: Started container main"]);
  });

  it("Never + exit 1: the pod Failed, container terminated Error, STATUS Error", () => {
    const k = setup();
    k.pod("bad", "Never", ["/bin/sh", "-c", "echo hi; sleep 5; exit 1"]);
    k.runTo(START + 5_000);
    expect(k.get("bad").status.phase).toBe("Failed");
    expect(k.cs("bad").state.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(k.row("bad")).toEqual(["0/1", "Error", "0"]);
  });

  it("OnFailure + exit 1: restarted at the next PLEG relist, then under the 10 s doubling back-off", () => {
    const k = setup();
    k.pod("retry", "OnFailure", ["sh", "-c", "sleep 2; exit 1"]);
    // run 1: 3000–5000; relist restart at 6000; run 2: 6000–8000; back-off 10 s → 18000; run 3 → 20000; back-off 20 s → 40000
    k.runTo(START + 2_000);
    expect(k.cs("retry")).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 1, reason: "Error" } } });
    expect(k.get("retry").status.phase).toBe("Running");
    k.runTo(6_000);
    expect(k.cs("retry")).toMatchObject({ restartCount: 1, state: { running: { startedAt: k.clock.iso(6_000) } } });
    k.runTo(8_000);
    expect(k.cs("retry")).toMatchObject({
      restartCount: 1,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: k.clock.iso(8_000) } },
    });
    expect(k.row("retry")[1]).toBe("CrashLoopBackOff");
    k.runTo(17_999);
    expect(k.cs("retry").restartCount).toBe(1);
    k.runTo(18_000);
    expect(k.cs("retry")).toMatchObject({ restartCount: 2, state: { running: {} } });
    k.runTo(39_999);
    expect(k.cs("retry").restartCount).toBe(2);
    k.runTo(40_000);
    expect(k.cs("retry").restartCount).toBe(3);
  });

  it("OnFailure + exit 0: the pod Succeeded", () => {
    const k = setup();
    k.pod("ok", "OnFailure", ["sleep", "1"]);
    k.runTo(START + 1_000);
    expect(k.get("ok").status.phase).toBe("Succeeded");
    expect(k.row("ok")[1]).toBe("Completed");
  });

  it("Always + exit 0: restarted anyway — Completed, then CrashLoopBackOff", () => {
    const k = setup();
    k.pod("loop", "Always", ["sleep", "5"]);
    k.runTo(START + 5_000);
    expect(k.cs("loop").state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(k.row("loop")).toEqual(["0/1", "Completed", "0"]);
    expect(k.get("loop").status.phase).toBe("Running");
    k.runTo(START + 6_000); // PLEG relist restart
    expect(k.cs("loop")).toMatchObject({ restartCount: 1, state: { running: {} } });
    k.runTo(START + 11_000); // second exit → back-off
    expect(k.cs("loop")).toMatchObject({ state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { reason: "Completed", exitCode: 0 } } });
    expect(k.row("loop")[1]).toBe("CrashLoopBackOff");
    expect(k.evs("loop")).toContain(`BackOff: Back-off restarting failed container main in pod loop_default(${k.get("loop").metadata.uid})`);
  });

  it("deleting the pod cancels its exit: the container is stopped, not completed", () => {
    const k = setup();
    k.pod("gone", "Never", ["sleep", "5"]);
    k.runTo(START + 1_000);
    k.store.delete("Pod", "default", "gone");
    k.runTo(START + 60_000);
    expect(k.store.get("Pod", "default", "gone")).toBeUndefined();
    expect(k.evs("gone")).toContain("Killing: Stopping container main");
    expect(k.clock.peek()).toBeUndefined();
  });

  it("a usage override's run/exitCode decides for a program it cannot read", () => {
    const k = setup([{ match: { workload: "report" }, runMs: 90_000, exitCode: 3 }]);
    k.pod("report-x1", "Never", ["/app/report", "--all"], "myorg/report:2");
    k.pod("server", "Never", ["/app/serve"], "myorg/report:2");
    k.runTo(START + 90_000);
    expect(k.cs("report-x1").state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(k.get("report-x1").status.phase).toBe("Failed");
    expect(k.get("server").status.phase).toBe("Running");
  });
});
