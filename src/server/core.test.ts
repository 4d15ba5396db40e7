import { describe, expect, it } from "vitest";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { fieldsOf, pathString, serverSideApply } from "./apply.js";
import { aggregatedDiscovery, apiResourceList, wantsAggregatedV2 } from "./discovery.js";
import { parsePath, renderingOf } from "./router.js";
import { WatchCache } from "./watch.js";

describe("router", () => {
  it("parses core, group, namespaced, subresource and namespace-status paths", () => {
    expect(parsePath("/api/v1/namespaces/default/pods/web-0/log")).toMatchObject({ type: "resource", group: "", version: "v1", namespace: "default", resource: "pods", name: "web-0", subresource: "log" });
    expect(parsePath("/apis/apps/v1/deployments")).toMatchObject({ type: "resource", group: "apps", resource: "deployments", namespace: undefined });
    expect(parsePath("/api/v1/namespaces/kube-system")).toMatchObject({ resource: "namespaces", name: "kube-system" });
    expect(parsePath("/api/v1/namespaces/foo/status")).toMatchObject({ resource: "namespaces", name: "foo", subresource: "status" });
    expect(parsePath("/apis/autoscaling")).toEqual({ type: "group", group: "autoscaling" });
    expect(parsePath("/nope")).toEqual({ type: "unknown" });
  });
  it("negotiates Table by the Accept header kubectl sends", () => {
    expect(renderingOf("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")).toBe("table");
    expect(renderingOf("application/json")).toBe("object");
    expect(renderingOf("application/json, application/json;as=Table;v=v1;g=meta.k8s.io")).toBe("object");
  });
});

describe("discovery", () => {
  it("aggregated v2 only when asked for v2 (kubectl 1.28 asks for v2beta1 only)", () => {
    expect(wantsAggregatedV2("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")).toBe(true);
    expect(wantsAggregatedV2("application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io")).toBe(true);
    expect(wantsAggregatedV2("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")).toBe(false);
  });
  it("lists autoscaling v2 before v1, deployments with scale and status, and metrics.k8s.io", () => {
    const d = aggregatedDiscovery("apis") as any;
    const as = d.items.find((g: any) => g.metadata.name === "autoscaling");
    expect(as.versions.map((v: any) => v.version)).toEqual(["v2", "v1"]);
    const apps = d.items.find((g: any) => g.metadata.name === "apps").versions[0].resources;
    const deploy = apps.find((r: any) => r.resource === "deployments");
    expect(deploy.shortNames).toEqual(["deploy"]);
    expect(deploy.categories).toEqual(["all"]);
    expect(deploy.subresources.map((s: any) => [s.subresource, s.responseKind.kind])).toEqual([
      ["scale", "Scale"],
      ["status", "Deployment"],
    ]);
    expect(d.items.at(-1).metadata.name).toBe("metrics.k8s.io");
    const legacy = apiResourceList("apps", "v1") as any;
    expect(legacy.resources.find((r: any) => r.name === "deployments/scale")).toEqual({
      name: "deployments/scale", singularName: "", namespaced: true, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"],
    });
    expect(apiResourceList("apps", "v9")).toBeUndefined();
  });
});

describe("watch cache", () => {
  it("replays changes after a resourceVersion and reports a compacted one", () => {
    const store = new Store(new VirtualClock(0), new Rng(1));
    const cache = new WatchCache(store, 3);
    const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: {} });
    store.create(cm("a"));
    const rv = Number(store.resourceVersion);
    store.create(cm("b"));
    store.delete("ConfigMap", "default", "a");
    expect(cache.since("ConfigMap", rv)!.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "b"],
      ["DELETED", "a"],
    ]);
    store.create(cm("c"));
    store.create(cm("d"));
    expect(cache.since("ConfigMap", rv)).toBeUndefined();
    expect(cache.since("ConfigMap", Number(store.resourceVersion))).toEqual([]);
  });
});

describe("server-side apply", () => {
  it("field sets use f:/k:/v: keys and conflict paths print like structured-merge-diff", () => {
    const f = fieldsOf({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "w", labels: { app: "w" }, finalizers: ["x"] }, spec: { template: { spec: { containers: [{ name: "c", image: "i" }] } } } });
    expect(f).toEqual({
      "f:metadata": { "f:labels": { "f:app": {} }, "f:finalizers": { 'v:"x"': {} } },
      "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:name": {}, "f:image": {} } } } } },
    });
    expect(pathString(["f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"c"}', "f:image"])).toBe('.spec.template.spec.containers[name="c"].image');
  });
  it("merges keyed lists and drops the fields the manager no longer applies", () => {
    const live = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "2" }] } };
    const first = serverSideApply(live, { ...live, spec: { containers: [{ name: "a", image: "1", args: ["x"] }] } }, { manager: "m", force: false, apiVersion: "v1", time: "t" });
    expect(first.spec.containers).toEqual([{ name: "a", image: "1", args: ["x"] }, { name: "b", image: "2" }]);
    const second = serverSideApply(first, { ...live, spec: { containers: [{ name: "a", image: "1" }] } }, { manager: "m", force: false, apiVersion: "v1", time: "t" });
    expect(second.spec.containers).toEqual([{ name: "a", image: "1" }, { name: "b", image: "2" }]);
  });
});
