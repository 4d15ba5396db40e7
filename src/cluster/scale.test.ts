import { describe, expect, it } from "vitest";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { getScale, registerScaleSubresource, updateScale } from "./scale.js";

function setup() {
  const clock = new VirtualClock();
  const store = new Store(clock, new Rng(1));
  store.create({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "php-apache", namespace: "default" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { run: "php-apache", app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["b", "a"] }] },
      template: { metadata: { labels: { run: "php-apache", app: "web", tier: "a" } }, spec: { containers: [] } },
    },
  });
  return { clock, store };
}

describe("scale subresource", () => {
  it("reads spec/status replicas and the canonical selector string", () => {
    const { store } = setup();
    const d = store.get("Deployment", "default", "php-apache")!;
    store.setStatus(d, { replicas: 2 });
    const s = getScale(store, { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache" }, "default");
    expect(s).toEqual({ specReplicas: 3, statusReplicas: 2, selector: "app=web,run=php-apache,tier in (a,b)" });
  });

  it("updates spec.replicas and bumps generation", () => {
    const { store } = setup();
    updateScale(store, { kind: "Deployment", name: "php-apache" }, "default", 7);
    const d = store.get("Deployment", "default", "php-apache")!;
    expect(d.spec.replicas).toBe(7);
    expect(d.metadata.generation).toBe(2);
    // No-op write when unchanged.
    updateScale(store, { kind: "Deployment", name: "php-apache" }, "default", 7);
    expect(store.get("Deployment", "default", "php-apache")!.metadata.resourceVersion).toBe(d.metadata.resourceVersion);
  });

  it("throws NotFound with kube-apiserver wording", () => {
    const { store } = setup();
    expect(() => getScale(store, { apiVersion: "apps/v1", kind: "Deployment", name: "x" }, "default")).toThrow(
      'deployments.apps "x" not found',
    );
    expect(() => updateScale(store, { kind: "StatefulSet", name: "db" }, "default", 1)).toThrow('statefulsets.apps "db" not found');
  });

  it("rejects unknown kinds and wrong groups like the RESTMapper", () => {
    const { store } = setup();
    expect(() => getScale(store, { apiVersion: "bar/v1", kind: "Foo", name: "x" }, "default")).toThrow('no matches for kind "Foo" in group "bar"');
    expect(() => getScale(store, { apiVersion: "extensions/v1beta1", kind: "Deployment", name: "php-apache" }, "default")).toThrow(
      'no matches for kind "Deployment" in group "extensions"',
    );
  });

  it("rejects negative replicas", () => {
    const { store } = setup();
    expect(() => updateScale(store, { kind: "Deployment", name: "php-apache" }, "default", -1)).toThrow(
      'Scale.autoscaling "php-apache" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it("supports registered custom scale subresources", () => {
    const { store } = setup();
    registerScaleSubresource("Rollout", { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" });
    store.create({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "r", namespace: "default" }, spec: { replicas: 2 }, status: { replicas: 1, selector: "app=r" } });
    expect(getScale(store, { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "r" }, "default")).toEqual({ specReplicas: 2, statusReplicas: 1, selector: "app=r" });
    updateScale(store, { kind: "Rollout", name: "r" }, "default", 5);
    expect(store.get("Rollout", "default", "r")!.spec.replicas).toBe(5);
  });
});
