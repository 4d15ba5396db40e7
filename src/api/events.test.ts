import { describe, expect, it } from "vitest";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { EventRecorder, type KubeEvent } from "./events.js";
import type { KubeObject } from "./meta.js";
import { Store } from "./store.js";

function setup() {
  const clock = new VirtualClock();
  const store = new Store(clock, new Rng(1));
  const events = new EventRecorder(store, clock);
  const hpa = store.create({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "php-apache", namespace: "default" },
    spec: { minReplicas: 1, maxReplicas: 10 },
  }) as KubeObject;
  return { clock, store, events, hpa };
}

describe("EventRecorder", () => {
  it("creates a core/v1 Event named <object>.<hex> describing the involved object", () => {
    const { events, hpa, store } = setup();
    const ev = events.record(hpa, "Normal", "SuccessfulRescale", "New size: 4; reason: cpu resource utilization (percentage of request) above target", "horizontal-pod-autoscaler");
    expect(ev.metadata.name).toMatch(/^php-apache\.[0-9a-f]+$/);
    expect(ev.metadata.namespace).toBe("default");
    expect(ev.involvedObject).toMatchObject({ kind: "HorizontalPodAutoscaler", name: "php-apache", namespace: "default", uid: hpa.metadata.uid, apiVersion: "autoscaling/v2" });
    expect(ev).toMatchObject({ type: "Normal", reason: "SuccessfulRescale", count: 1, source: { component: "horizontal-pod-autoscaler" }, firstTimestamp: "2025-01-01T00:00:00Z", lastTimestamp: "2025-01-01T00:00:00Z" });
    expect(store.list("Event")).toHaveLength(1);
  });

  it("aggregates an identical event: one object, count 2, lastTimestamp moves, firstTimestamp stays", () => {
    const { events, hpa, store, clock } = setup();
    const first = events.record(hpa, "Warning", "FailedGetResourceMetric", "failed to get cpu utilization", "horizontal-pod-autoscaler");
    clock.runUntil(15_000);
    const second = events.record(hpa, "Warning", "FailedGetResourceMetric", "failed to get cpu utilization", "horizontal-pod-autoscaler");
    expect(second.metadata.name).toBe(first.metadata.name);
    expect(second.count).toBe(2);
    expect(second.firstTimestamp).toBe("2025-01-01T00:00:00Z");
    expect(second.lastTimestamp).toBe("2025-01-01T00:00:15Z");
    const all = store.list<KubeEvent>("Event");
    expect(all).toHaveLength(1);
    expect(all[0]!.count).toBe(2);
  });

  it("a different message, reason, type or source is a separate event", () => {
    const { events, hpa, store } = setup();
    events.record(hpa, "Normal", "SuccessfulRescale", "New size: 2; reason: a", "horizontal-pod-autoscaler");
    events.record(hpa, "Normal", "SuccessfulRescale", "New size: 3; reason: a", "horizontal-pod-autoscaler");
    events.record(hpa, "Warning", "SuccessfulRescale", "New size: 3; reason: a", "horizontal-pod-autoscaler");
    events.record(hpa, "Normal", "Other", "New size: 3; reason: a", "horizontal-pod-autoscaler");
    events.record(hpa, "Normal", "Other", "New size: 3; reason: a", "someone-else");
    const names = store.list("Event").map((e) => e.metadata.name);
    expect(names).toHaveLength(5);
    expect(new Set(names).size).toBe(5);
  });

  it("starts a new Event when the aggregated one was deleted (expired)", () => {
    const { events, hpa, store } = setup();
    const a = events.record(hpa, "Normal", "R", "m", "c");
    store.delete("Event", "default", a.metadata.name!);
    const b = events.record(hpa, "Normal", "R", "m", "c");
    expect(b.count).toBe(1);
    expect(store.list("Event")).toHaveLength(1);
  });

  it("events about cluster-scoped objects go to the default namespace", () => {
    const { events, store } = setup();
    const node = store.create({ apiVersion: "v1", kind: "Node", metadata: { name: "ip-10-0-1-1.ec2.internal" } }) as KubeObject;
    const ev = events.record(node, "Normal", "RegisteredNode", "Node ip-10-0-1-1.ec2.internal event: Registered Node ip-10-0-1-1.ec2.internal in Controller", "node-controller");
    expect(ev.metadata.namespace).toBe("default");
    expect(ev.involvedObject.namespace).toBeUndefined();
    expect(ev.involvedObject.apiVersion).toBe("v1");
  });
});
