import { describe, expect, it } from "vitest";
import { VirtualClock } from "../core/clock.js";
import { fromLabelSelector } from "../core/labels.js";
import { Rng } from "../core/rng.js";
import { ApiError } from "./errors.js";
import { ownerRef, type KubeObject } from "./meta.js";
import { Store, type WatchEvent } from "./store.js";

function setup() {
  const clock = new VirtualClock();
  const store = new Store(clock, new Rng(1));
  return { clock, store };
}

function deploy(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "php" }] } } },
    ...extra,
  };
}

function pod(name: string, labels: Record<string, string> = {}, spec: Record<string, unknown> = {}, owners: KubeObject[] = []): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels, ownerReferences: owners.length ? owners.map((o) => ownerRef(o)) : undefined },
    spec: { containers: [{ name: "c", image: "x" }], ...spec },
  };
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

describe("Store.create", () => {
  it("assigns uid, resourceVersion, creationTimestamp, generation and the default namespace", () => {
    const { clock, store } = setup();
    clock.runUntil(90_500);
    const input = deploy("web");
    delete input.metadata.namespace;
    const d = store.create(input);
    expect(d.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(d.metadata.resourceVersion).toBe("1");
    expect(d.metadata.creationTimestamp).toBe("2025-01-01T00:01:30Z");
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.namespace).toBe("default");
    expect(input.metadata.uid).toBeUndefined(); // the caller's object is not mutated

    const p = store.create(pod("p1"));
    expect(p.metadata.resourceVersion).toBe("2");
    expect(p.metadata.uid).not.toBe(d.metadata.uid);
    expect(p.metadata.generation).toBeUndefined(); // core kinds without generation tracking
    expect(store.resourceVersion).toBe("2");

    const n = store.create({ apiVersion: "v1", kind: "Node", metadata: { name: "n1", namespace: "ignored" } });
    expect(n.metadata.namespace).toBeUndefined();
    expect(store.get("Node", undefined, "n1")).toBe(n);
  });

  it("generateName appends five characters from the rand alphabet", () => {
    const { store } = setup();
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const p: KubeObject = store.create({ ...pod(""), metadata: { generateName: "web-7d4b9c-", namespace: "default" } });
      expect(p.metadata.name).toMatch(/^web-7d4b9c-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      names.add(p.metadata.name!);
    }
    expect(names.size).toBe(20);
  });

  it("owned create stores the caller's object itself and still retries a generateName collision", () => {
    const { store } = setup();
    // The store draws one number for its uid prefix and one per uid; predict the next suffix.
    const twin = new Rng(1);
    twin.nextUint32();
    twin.nextUint32();
    const taken = `web-${twin.suffix(5)}`;
    store.create({ ...pod(taken) });
    const input: KubeObject = { ...pod(""), metadata: { generateName: "web-", namespace: "default" } };
    const p = store.create(input, { owned: true });
    expect(p).toBe(input);
    expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(p.metadata.name).not.toBe(taken);
    expect(store.get("Pod", "default", p.metadata.name!)).toBe(input);
    expect(store.list("Pod")).toHaveLength(2);
    // Without `owned` the stored object is a copy.
    const copyIn = pod("copy");
    expect(store.create(copyIn)).not.toBe(copyIn);
  });

  it("rejects duplicates with kube-apiserver's AlreadyExists text", () => {
    const { store } = setup();
    store.create(deploy("x"));
    const e = apiError(() => store.create(deploy("x")));
    expect(e.code).toBe(409);
    expect(e.reason).toBe("AlreadyExists");
    expect(e.message).toBe('deployments.apps "x" already exists');
    store.create(pod("p"));
    expect(apiError(() => store.create(pod("p"))).message).toBe('pods "p" already exists');
    // Same name in another namespace is fine.
    expect(() => store.create({ ...deploy("x"), metadata: { name: "x", namespace: "other" } })).not.toThrow();
  });

  it("requires a name", () => {
    const { store } = setup();
    const e = apiError(() => store.create({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }));
    expect(e.code).toBe(422);
    expect(e.message).toContain("metadata.name: Required value");
  });

  it("runs the kind strategy's defaults and validation", () => {
    const { store } = setup();
    store.registerStrategy("Deployment", {
      defaults: (o) => {
        o.spec.revisionHistoryLimit ??= 10;
      },
      validate: (o) => (o.spec.replicas < 0 ? [{ type: "Invalid", field: "spec.replicas", value: o.spec.replicas, detail: "must be greater than or equal to 0" }] : []),
    });
    expect(store.create(deploy("a")).spec.revisionHistoryLimit).toBe(10);
    const bad = deploy("b");
    bad.spec.replicas = -1;
    const e = apiError(() => store.create(bad));
    expect(e.code).toBe(422);
    expect(e.message).toBe('Deployment.apps "b" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(store.get("Deployment", "default", "b")).toBeUndefined();
  });
});

describe("Store reads", () => {
  it("read throws NotFound with kube-apiserver's text", () => {
    const { store } = setup();
    const e = apiError(() => store.read("Deployment", "default", "nope"));
    expect(e.code).toBe(404);
    expect(e.message).toBe('deployments.apps "nope" not found');
    expect(store.get("Deployment", "default", "nope")).toBeUndefined();
  });
});

describe("Store.update", () => {
  it("rejects a stale resourceVersion with 409 Conflict", () => {
    const { store } = setup();
    const d1 = store.create(deploy("x"));
    const d2 = store.update({ ...d1, spec: { ...d1.spec, replicas: 2 } });
    expect(Number(d2.metadata.resourceVersion)).toBeGreaterThan(Number(d1.metadata.resourceVersion));
    const e = apiError(() => store.update({ ...d1, spec: { ...d1.spec, replicas: 3 } }));
    expect(e.code).toBe(409);
    expect(e.reason).toBe("Conflict");
    expect(e.message).toBe(
      'Operation cannot be fulfilled on deployments.apps "x": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(store.get("Deployment", "default", "x")!.spec.replicas).toBe(2);
    // No resourceVersion = unconditional update.
    expect(store.update({ ...d1, metadata: { ...d1.metadata, resourceVersion: undefined }, spec: { ...d1.spec, replicas: 4 } }).spec.replicas).toBe(4);
  });

  it("bumps generation only when the spec changes", () => {
    const { store } = setup();
    const d = store.create(deploy("x"));
    const relabelled = store.update({ ...d, metadata: { ...d.metadata, labels: { app: "x", extra: "1" } } });
    expect(relabelled.metadata.generation).toBe(1);
    const scaled = store.update({ ...relabelled, spec: { ...relabelled.spec, replicas: 5 } });
    expect(scaled.metadata.generation).toBe(2);
    const status = store.setStatus(scaled, { observedGeneration: 2, replicas: 5 });
    expect(status.metadata.generation).toBe(2);
    // Same spec with keys in another order is not a change.
    const { replicas, selector, template } = status.spec;
    const reordered = store.update({ ...status, spec: { template, selector, replicas } });
    expect(reordered.metadata.generation).toBe(2);
  });

  it("does not count fields filled by defaulting as a spec change", () => {
    const { store } = setup();
    store.registerStrategy("Deployment", {
      defaults: (o) => {
        o.spec.progressDeadlineSeconds ??= 600;
      },
    });
    const d = store.create(deploy("x"));
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    // A client that sends the spec without the defaulted field (kubectl replace of the original manifest).
    const again = store.update({ ...deploy("x"), metadata: { ...d.metadata, labels: { app: "x", v: "2" } } });
    expect(again.metadata.generation).toBe(1);
  });

  it("status subresource keeps the stored spec and metadata; main update keeps the stored status", () => {
    const { store } = setup();
    const d = store.create(deploy("x"));
    const s = store.update(
      { ...d, spec: { ...d.spec, replicas: 9 }, metadata: { ...d.metadata, labels: { hacked: "1" }, finalizers: ["x/y"] }, status: { replicas: 1 } },
      { subresource: "status" },
    );
    expect(s.spec.replicas).toBe(1);
    expect(s.status).toEqual({ replicas: 1 });
    expect(s.metadata.labels).toEqual({ app: "x" });
    expect(s.metadata.finalizers).toBeUndefined();
    const m = store.update({ ...s, spec: { ...s.spec, replicas: 3 }, status: { replicas: 100 } });
    expect(m.spec.replicas).toBe(3);
    expect(m.status).toEqual({ replicas: 1 });
  });

  it("mutate is a read-modify-write on a copy", () => {
    const { store } = setup();
    const d = store.create(deploy("x"));
    const out = store.mutate<KubeObject>("Deployment", "default", "x", (draft) => {
      draft.spec.replicas = 7;
    });
    expect(out!.spec.replicas).toBe(7);
    expect(d.spec.replicas).toBe(1); // the previously returned object is untouched
    expect(store.mutate("Deployment", "default", "x", () => false)).toBe(out);
    expect(store.mutate("Deployment", "default", "missing", () => {})).toBeUndefined();
  });
});

describe("Store.list", () => {
  it("filters by namespace and label selector, and keeps the label index current", () => {
    const { store } = setup();
    store.create(pod("a", { app: "web", tier: "fe" }));
    store.create(pod("b", { app: "web", tier: "be" }));
    store.create(pod("c", { app: "db" }));
    store.create({ ...pod("d", { app: "web" }), metadata: { name: "d", namespace: "other", labels: { app: "web" } } });
    const names = (opts: Parameters<Store["list"]>[1]) => store.list("Pod", opts).map((p) => p.metadata.name).sort();
    expect(names({})).toEqual(["a", "b", "c", "d"]);
    expect(names({ namespace: "default" })).toEqual(["a", "b", "c"]);
    expect(names({ labelSelector: "app=web" })).toEqual(["a", "b", "d"]);
    expect(names({ labelSelector: "app=web,tier!=fe", namespace: "default" })).toEqual(["b"]);
    expect(names({ labelSelector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["fe"] }] } })).toEqual(["a"]);
    expect(names({ labelSelector: "app in (db,web),!tier" })).toEqual(["c", "d"]);
    expect(names({ labelSelector: "app=none" })).toEqual([]);
    // A nil LabelSelector selects nothing; an empty one everything.
    expect(store.list("Pod", { labelSelector: fromLabelSelector(undefined) })).toEqual([]);
    expect(names({ labelSelector: {} })).toEqual(["a", "b", "c", "d"]);

    // Relabel: the index follows.
    const c = store.get("Pod", "default", "c")!;
    store.update({ ...c, metadata: { ...c.metadata, labels: { app: "web", tier: "fe" } } });
    expect(names({ labelSelector: "app=web,tier=fe" })).toEqual(["a", "c"]);
    expect(names({ labelSelector: "app=db" })).toEqual([]);
    store.delete("Pod", "default", "a");
    expect(names({ labelSelector: "tier=fe" })).toEqual(["c"]);
  });

  it("index lookups return objects in namespace/name order", () => {
    const { store } = setup();
    for (const n of ["p3", "p1", "p2"]) store.create(pod(n, { app: "web" }));
    expect(store.list("Pod", { labelSelector: "app=web" }).map((p) => p.metadata.name)).toEqual(["p1", "p2", "p3"]);
  });

  it("filters by field selector", () => {
    const { store } = setup();
    store.create(pod("a", {}, { nodeName: "node-1" }));
    store.create(pod("b", {}, { nodeName: "node-2" }));
    store.create(pod("c", {}, {}));
    const failed = store.get("Pod", "default", "b")!;
    store.setStatus(failed, { phase: "Failed" });
    const names = (fs: string) => store.list("Pod", { fieldSelector: fs }).map((p) => p.metadata.name).sort();
    expect(names("spec.nodeName=node-1")).toEqual(["a"]);
    expect(names("spec.nodeName==node-2")).toEqual(["b"]);
    expect(names("spec.nodeName=")).toEqual(["c"]);
    expect(names("spec.nodeName!=,status.phase!=Failed")).toEqual(["a"]);
    expect(names("metadata.name=c")).toEqual(["c"]);
    expect(apiError(() => store.list("Pod", { fieldSelector: "spec.nodeName~x" })).code).toBe(400);
  });
});

describe("Store.watch", () => {
  it("delivers ADDED, MODIFIED (with old) and DELETED, per kind and for '*'", () => {
    const { store } = setup();
    const seen: string[] = [];
    const all: string[] = [];
    const stop = store.watch("Pod", (ev: WatchEvent) => seen.push(`${ev.type}:${ev.object.metadata.name}:${ev.old?.metadata.labels?.v ?? "-"}>${ev.object.metadata.labels?.v ?? "-"}`));
    store.watch("*", (ev) => all.push(`${ev.type}:${ev.object.kind}`));
    const p = store.create(pod("a", { v: "1" }));
    store.update({ ...p, metadata: { ...p.metadata, labels: { v: "2" } } });
    store.create(deploy("d"));
    store.delete("Pod", "default", "a");
    expect(seen).toEqual(["ADDED:a:->1", "MODIFIED:a:1>2", "DELETED:a:2>2"]);
    expect(all).toEqual(["ADDED:Pod", "MODIFIED:Pod", "ADDED:Deployment", "DELETED:Pod"]);
    stop();
    store.create(pod("b"));
    expect(seen.length).toBe(3);
  });
});

describe("Store.delete and garbage collection", () => {
  function tree(store: Store) {
    const d = store.create(deploy("web"));
    const rs: KubeObject = store.create({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-1", namespace: "default", ownerReferences: [ownerRef(d)] }, spec: { replicas: 2 } });
    const p1 = store.create(pod("web-1-a", {}, {}, [rs]));
    const p2 = store.create(pod("web-1-b", {}, {}, [rs]));
    return { d, rs, p1, p2 };
  }

  it("background: the owner goes at once, dependents after the GC runs", () => {
    const { store, clock } = setup();
    const { rs } = tree(store);
    expect(store.dependentsOf(rs.metadata.uid!).map((p) => p.metadata.name).sort()).toEqual(["web-1-a", "web-1-b"]);
    store.delete("Deployment", "default", "web");
    expect(store.get("Deployment", "default", "web")).toBeUndefined();
    expect(store.get("ReplicaSet", "default", "web-1")).toBeDefined(); // GC is asynchronous
    clock.runUntil(clock.now());
    expect(store.get("ReplicaSet", "default", "web-1")).toBeUndefined();
    expect(store.count("Pod")).toBe(0);
  });

  it("orphan: dependents stay and lose the ownerReference", () => {
    const { store, clock } = setup();
    tree(store);
    store.delete("Deployment", "default", "web", { propagationPolicy: "Orphan" });
    clock.runUntil(1000);
    const rs = store.get("ReplicaSet", "default", "web-1");
    expect(rs).toBeDefined();
    expect(rs!.metadata.ownerReferences ?? []).toEqual([]);
    expect(store.count("Pod")).toBe(2);
  });

  it("foreground: the owner waits (foregroundDeletion finalizer) until its dependents are gone", () => {
    const { store, clock } = setup();
    tree(store);
    const d = store.delete("Deployment", "default", "web", { propagationPolicy: "Foreground" });
    expect(d.metadata.deletionTimestamp).toBe(clock.iso());
    expect(d.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect(store.get("Deployment", "default", "web")).toBeDefined();
    clock.runUntil(clock.now());
    clock.runUntil(clock.now());
    expect(store.count("Pod")).toBe(0);
    expect(store.get("ReplicaSet", "default", "web-1")).toBeUndefined();
    expect(store.get("Deployment", "default", "web")).toBeUndefined();
  });

  it("a dependent with another live owner survives", () => {
    const { store, clock } = setup();
    const a = store.create(deploy("a"));
    const b = store.create(deploy("b"));
    store.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared", namespace: "default", ownerReferences: [ownerRef(a, false), ownerRef(b, false)] } });
    store.delete("Deployment", "default", "a");
    clock.runUntil(10);
    expect(store.get("ConfigMap", "default", "shared")).toBeDefined();
    store.delete("Deployment", "default", "b");
    clock.runUntil(20);
    expect(store.get("ConfigMap", "default", "shared")).toBeUndefined();
  });

  it("finalizers keep an object (with deletionTimestamp) until they are removed", () => {
    const { store, clock } = setup();
    clock.runUntil(5000);
    store.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default", finalizers: ["example.com/hold"] } });
    const events: string[] = [];
    store.watch("ConfigMap", (ev) => events.push(ev.type));
    const t = store.delete("ConfigMap", "default", "cm");
    expect(t.metadata.deletionTimestamp).toBe("2025-01-01T00:00:05Z");
    expect(store.get("ConfigMap", "default", "cm")).toBeDefined();
    // A second delete is idempotent.
    store.delete("ConfigMap", "default", "cm");
    expect(store.get("ConfigMap", "default", "cm")).toBeDefined();
    const cur = store.get("ConfigMap", "default", "cm")!;
    store.update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    expect(store.get("ConfigMap", "default", "cm")).toBeUndefined();
    expect(events[0]).toBe("MODIFIED");
    expect(events[events.length - 1]).toBe("DELETED");
  });

  it("graceful deletion: the object stays terminating until removed", () => {
    const { store, clock } = setup();
    store.registerStrategy("Pod", { gracePeriodSeconds: (_o, requested) => requested ?? 30 });
    store.create(pod("p"));
    clock.runUntil(10_000);
    const t = store.delete("Pod", "default", "p");
    expect(t.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(t.metadata.deletionTimestamp).toBe("2025-01-01T00:00:40Z");
    expect(store.get("Pod", "default", "p")).toBeDefined();
    // Updates keep the server-owned deletion fields.
    const cur = store.get("Pod", "default", "p")!;
    const u = store.update({ ...cur, metadata: { ...cur.metadata, deletionTimestamp: undefined } });
    expect(u.metadata.deletionTimestamp).toBe("2025-01-01T00:00:40Z");
    store.forceRemove("Pod", "default", "p");
    expect(store.get("Pod", "default", "p")).toBeUndefined();
    // gracePeriodSeconds=0 removes at once.
    store.create(pod("q"));
    store.delete("Pod", "default", "q", { gracePeriodSeconds: 0 });
    expect(store.get("Pod", "default", "q")).toBeUndefined();
  });

  it("delete of a missing object is NotFound; a resourceVersion precondition is checked", () => {
    const { store } = setup();
    expect(apiError(() => store.delete("Pod", "default", "nope")).message).toBe('pods "nope" not found');
    const p = store.create(pod("p"));
    store.update({ ...p, metadata: { ...p.metadata, labels: { x: "1" } } });
    const e = apiError(() => store.delete("Pod", "default", "p", { resourceVersion: p.metadata.resourceVersion }));
    expect(e.code).toBe(409);
    expect(e.message).toBe(
      'Operation cannot be fulfilled on pods "p": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (2). The object might have been modified',
    );
    expect(store.get("Pod", "default", "p")).toBeDefined();
  });
});
