/** Test wiring: a real Store + VirtualClock + EventRecorder, and helpers to play the kubelet by hand. */
import type { ControllerContext, Controller } from "../../api/controller.js";
import { EventRecorder } from "../../api/events.js";
import { LogSink } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";

export function harness(...controllers: Controller[]) {
  const clock = new VirtualClock();
  const rng = new Rng(42);
  const store = new Store(clock, rng.fork("store"));
  const events = new EventRecorder(store, clock);
  const logs = new LogSink(clock);
  const ctx: ControllerContext = { store, clock, rng, events, logs, services: new Map() };
  for (const c of controllers) c.start(ctx);
  const run = (ms = 0) => clock.runUntil(clock.now() + ms);
  const pods = (ns = "default") => store.list("Pod", { namespace: ns });
  /** Kubelet stand-in: bind to a node and mark Running + Ready at the current time. */
  const makeReady = (p: KubeObject, node = "node-1", ready = true) =>
    store.setStatus(store.get("Pod", p.metadata.namespace, p.metadata.name!)!, {
      phase: "Running",
      podIP: `10.0.0.${(p.metadata.name!.length * 7) % 250}`,
      conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: clock.iso() }],
    });
  const bind = (p: KubeObject, node: string) =>
    store.update({ ...store.get("Pod", p.metadata.namespace, p.metadata.name!)!, spec: { ...p.spec, nodeName: node } });
  const eventsFor = (name: string) =>
    store
      .list("Event")
      .filter((e: any) => e.involvedObject.name === name)
      .map((e: any) => `${e.reason}: ${e.message}`);
  return { clock, store, events, ctx, run, pods, makeReady, bind, eventsFor };
}
