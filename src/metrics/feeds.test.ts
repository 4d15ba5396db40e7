import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../api/controller.js";
import { EventRecorder } from "../api/events.js";
import { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { fromLabelSelector, parseSelector } from "../core/labels.js";
import { Rng } from "../core/rng.js";
import type { MetricFeedSpec } from "../scenario/types.js";
import { CUSTOM_METRICS_SERVICE, EXTERNAL_METRICS_SERVICE } from "./api.js";
import { goLabelSelector, MetricFeeds, toMilli } from "./feeds.js";

function setup(feeds: MetricFeedSpec[]) {
  const clock = new VirtualClock();
  const store = new Store(clock, new Rng(1));
  const services = new Map<string, unknown>();
  const ctx: ControllerContext = { store, clock, rng: new Rng(2), events: new EventRecorder(store, clock), logs: new LogSink(clock), services };
  const f = new MetricFeeds(feeds);
  f.start(ctx);
  return { clock, store, f, services };
}

const QUEUE: MetricFeedSpec = {
  name: "queue_length",
  type: "External",
  labels: { queue: "worker_tasks" },
  profile: { type: "steps", steps: [{ atMs: 0, rps: 5 }, { atMs: 60_000, rps: 30.5 }] },
};

describe("MetricFeeds", () => {
  it("registers both APIs and serves the profile value at the current virtual time (milli-units)", () => {
    const env = setup([QUEUE, { ...QUEUE, labels: { queue: "other" }, profile: { type: "constant", rps: 2 } }]);
    expect(env.services.get(CUSTOM_METRICS_SERVICE)).toBe(env.f);
    expect(env.services.get(EXTERNAL_METRICS_SERVICE)).toBe(env.f);
    const sel = parseSelector("queue=worker_tasks");
    expect(env.f.externalMetric("default", "queue_length", sel)).toEqual([{ valueMilli: 5000, timestamp: 0 }]);
    env.clock.runUntil(61_000);
    expect(env.f.externalMetric("default", "queue_length", sel)).toEqual([{ valueMilli: 30500, timestamp: 61_000 }]);
    // Without a selector every series is returned (the HPA sums them).
    expect(env.f.externalMetric("default", "queue_length").map((v) => v.valueMilli)).toEqual([30500, 2000]);
  });

  it("unknown external metric: the HPA's error text", () => {
    const env = setup([QUEUE]);
    const sel = fromLabelSelector({ matchLabels: { queue: "nope" } });
    expect(() => env.f.externalMetric("default", "queue_length", sel)).toThrow(
      "unable to get external metric default/queue_length/&LabelSelector{MatchLabels:map[string]string{queue: nope,},MatchExpressions:[]LabelSelectorRequirement{},}: no metrics returned from external metrics API",
    );
    expect(() => env.f.externalMetric("default", "missing")).toThrow("unable to get external metric default/missing/nil: no metrics returned from external metrics API");
  });

  it("formats LabelSelector like Go's %+v", () => {
    expect(goLabelSelector(fromLabelSelector({ matchLabels: { b: "2", a: "1" }, matchExpressions: [{ key: "env", operator: "In", values: ["x", "y"] }] }))).toBe(
      "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[x y],},},}",
    );
  });

  it("pods metrics: one value per running pod matching the selector", () => {
    const env = setup([{ name: "packets-per-second", type: "Pods", profile: { type: "constant", rps: 1.5 } }]);
    const mk = (name: string, phase: string, labels = { app: "web" }) => {
      const p = env.store.create<KubeObject>({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels }, spec: {} });
      env.store.setStatus(p, { phase });
    };
    mk("a", "Running");
    mk("b", "Pending");
    mk("c", "Running", { app: "db" });
    const m = env.f.podMetrics("default", parseSelector("app=web"), "packets-per-second");
    expect([...m.keys()]).toEqual(["a"]);
    expect(m.get("a")).toEqual({ valueMilli: 1500, timestamp: 0, windowMs: 60_000 });
    expect(() => env.f.podMetrics("default", parseSelector("app=web"), "nope")).toThrow(/no metrics returned from custom metrics API/);
  });

  it("object metrics: matched by described object", () => {
    const env = setup([{ name: "requests-per-second", type: "Object", namespace: "default", object: { kind: "Ingress", name: "main-route" }, profile: { type: "constant", rps: 2000 } }]);
    expect(env.f.objectMetric("default", { kind: "Ingress", name: "main-route" }, "requests-per-second").valueMilli).toBe(2_000_000);
    expect(() => env.f.objectMetric("default", { kind: "Ingress", name: "other" }, "requests-per-second")).toThrow(
      /could not find the metric requests-per-second for ingresses.networking.k8s.io other/,
    );
  });

  it("toMilli rounds up like Quantity.MilliValue without float noise", () => {
    expect(toMilli(0.1)).toBe(100);
    expect(toMilli(0.0015)).toBe(2);
    expect(toMilli(1 / 3)).toBe(334);
  });
});
