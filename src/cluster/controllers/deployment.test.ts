import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/meta.js";
import { DeploymentController, maxSurge, maxUnavailable, resolveFenceposts } from "./deployment.js";
import { computeHash } from "./hash.js";
import { ReplicaSetController } from "./replicaset.js";
import { harness } from "./testkit.js";

function deployment(name: string, replicas: number, extra: any = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { run: name } },
      template: {
        metadata: { labels: { run: name } },
        spec: { containers: [{ name: name, image: "registry.k8s.io/hpa-example", resources: { requests: { cpu: "200m" } } }] },
      },
      ...extra,
    },
  };
}

function setup() {
  const h = harness(new DeploymentController(), new ReplicaSetController());
  const rsOf = (d: string) => h.store.list("ReplicaSet").filter((r) => r.metadata.ownerReferences?.[0]?.name === d);
  const readyAll = () => {
    for (const p of h.pods()) if (!p.status?.conditions) h.makeReady(p);
    h.run(10);
  };
  const setImage = (name: string, image: string) => {
    h.store.mutate("Deployment", "default", name, (d: any) => {
      d.spec.template.spec.containers[0].image = image;
    });
    h.run(10);
  };
  return { ...h, rsOf, readyAll, setImage };
}

describe("fenceposts", () => {
  it("rounds surge up and unavailable down; both zero means unavailable 1", () => {
    expect(resolveFenceposts("25%", "25%", 10)).toEqual([3, 2]);
    expect(resolveFenceposts("25%", "25%", 1)).toEqual([1, 0]);
    expect(resolveFenceposts(0, 0, 5)).toEqual([0, 1]);
    expect(resolveFenceposts("10%", "10%", 5)).toEqual([1, 0]);
    const d = deployment("x", 3, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "50%" } } });
    expect(maxSurge(d)).toBe(0);
    expect(maxUnavailable(d)).toBe(1);
    expect(maxSurge(deployment("y", 3, { strategy: { type: "Recreate" } }))).toBe(0);
  });
});

describe("DeploymentController", () => {
  it("creates <deployment>-<hash> ReplicaSet and pods with labels, owner refs and events", () => {
    const h = setup();
    h.store.create(deployment("php-apache", 1));
    h.run(10);
    const d = h.store.get("Deployment", "default", "php-apache")!;
    const [rs] = h.rsOf("php-apache");
    const hash = computeHash(d.spec.template);
    expect(hash).toMatch(/^[4-9bcdf]{1,10}$/);
    expect(rs!.metadata.name).toBe(`php-apache-${hash}`);
    expect(rs!.metadata.labels).toEqual({ run: "php-apache", "pod-template-hash": hash });
    expect(rs!.spec.selector.matchLabels).toEqual({ run: "php-apache", "pod-template-hash": hash });
    expect(rs!.metadata.annotations).toMatchObject({
      "deployment.kubernetes.io/revision": "1",
      "deployment.kubernetes.io/desired-replicas": "1",
      "deployment.kubernetes.io/max-replicas": "2",
    });
    expect(rs!.metadata.ownerReferences).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "php-apache", uid: d.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const pods = h.pods();
    expect(pods).toHaveLength(1);
    expect(pods[0]!.metadata.name).toMatch(new RegExp(`^php-apache-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    expect(pods[0]!.metadata.labels).toEqual({ run: "php-apache", "pod-template-hash": hash });
    expect(pods[0]!.metadata.ownerReferences![0]).toMatchObject({ kind: "ReplicaSet", name: rs!.metadata.name, controller: true });
    expect(h.eventsFor("php-apache")).toContain(`ScalingReplicaSet: Scaled up replica set ${rs!.metadata.name} to 1 from 0`);
    expect(h.eventsFor(rs!.metadata.name!)).toEqual([`SuccessfulCreate: Created pod: ${pods[0]!.metadata.name}`]);
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    const pc = d.status.conditions.find((c: any) => c.type === "Progressing");
    expect(pc).toMatchObject({ status: "True", reason: "ReplicaSetUpdated" });
  });

  it("scales up with the 1.32 event text and reports status and conditions", () => {
    const h = setup();
    h.store.create(deployment("php-apache", 1));
    h.run(10);
    h.readyAll();
    h.store.mutate("Deployment", "default", "php-apache", (d: any) => void (d.spec.replicas = 4));
    h.run(10);
    const [rs] = h.rsOf("php-apache");
    expect(h.eventsFor("php-apache")).toContain(`ScalingReplicaSet: Scaled up replica set ${rs!.metadata.name} to 4 from 1`);
    expect(h.pods()).toHaveLength(4);
    let d = h.store.get("Deployment", "default", "php-apache")!;
    // 1 of 4 available; maxUnavailable = floor(25% of 4) = 1 → 1 < 3: not available.
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 3 });
    expect(d.status.conditions.find((c: any) => c.type === "Available")).toMatchObject({
      status: "False",
      reason: "MinimumReplicasUnavailable",
      message: "Deployment does not have minimum availability.",
    });
    h.readyAll();
    h.run(5);
    d = h.store.get("Deployment", "default", "php-apache")!;
    expect(d.status).toMatchObject({ observedGeneration: 2, replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 });
    expect(d.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ["Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."],
      ["Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${rs!.metadata.name}" has successfully progressed.`],
    ]);
    // Scale down: 4 → 2, the deployment says "down".
    h.store.mutate("Deployment", "default", "php-apache", (d: any) => void (d.spec.replicas = 2));
    h.run(10);
    expect(h.eventsFor("php-apache")).toContain(`ScalingReplicaSet: Scaled down replica set ${rs!.metadata.name} to 2 from 4`);
    expect(h.pods()).toHaveLength(2);
  });

  it("rolling update respects maxSurge/maxUnavailable at every step", () => {
    const h = setup();
    h.store.create(deployment("web", 4));
    h.run(10);
    h.readyAll();
    h.run(1);
    const [oldRS] = h.rsOf("web");
    h.setImage("web", "nginx:2");
    h.run(20);
    const rss = () => {
      const all = h.rsOf("web");
      const o = all.find((r) => r.metadata.name === oldRS!.metadata.name)!;
      const n = all.find((r) => r.metadata.name !== oldRS!.metadata.name)!;
      return { o, n };
    };
    let { o, n } = rss();
    // surge 1, unavailable 1: new RS 0 → 1, old RS 4 → 3, then new 1 → 2 (total 5 = 4 + surge,
    // 3 available = 4 - unavailable); no further progress until new pods are ready.
    expect(n.spec.replicas).toBe(2);
    expect(o.spec.replicas).toBe(3);
    expect(n.metadata.annotations!["deployment.kubernetes.io/revision"]).toBe("2");
    const evs = h.eventsFor("web");
    expect(evs).toContain(`ScalingReplicaSet: Scaled up replica set ${n.metadata.name} to 1 from 0`);
    expect(evs).toContain(`ScalingReplicaSet: Scaled down replica set ${o.metadata.name} to 3 from 4`);
    for (let step = 0; step < 10; step++) {
      const active = h.pods().filter((p) => !p.metadata.deletionTimestamp);
      const ready = active.filter((p) => p.status?.conditions?.[0]?.status === "True").length;
      expect(active.length).toBeLessThanOrEqual(5);
      expect(ready).toBeGreaterThanOrEqual(3);
      h.readyAll();
      h.run(10);
    }
    ({ o, n } = rss());
    expect(n.spec.replicas).toBe(4);
    expect(o.spec.replicas).toBe(0);
    expect(h.pods().every((p) => p.metadata.labels!["pod-template-hash"] === n.metadata.labels!["pod-template-hash"])).toBe(true);
    const d = h.store.get("Deployment", "default", "web")!;
    expect(d.metadata.annotations!["deployment.kubernetes.io/revision"]).toBe("2");
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, availableReplicas: 4 });
  });

  it("Recreate scales old to zero before creating the new replica set", () => {
    const h = setup();
    h.store.create(deployment("rec", 3, { strategy: { type: "Recreate" } }));
    h.run(10);
    h.readyAll();
    h.setImage("rec", "v2");
    h.run(1);
    const all = h.rsOf("rec");
    expect(all).toHaveLength(2);
    const n = all.find((r) => r.metadata.annotations!["deployment.kubernetes.io/revision"] === "2")!;
    expect(n.spec.replicas).toBe(3);
    expect(h.pods().every((p) => p.metadata.labels!["pod-template-hash"] === n.metadata.labels!["pod-template-hash"])).toBe(true);
    const evs = h.eventsFor("rec");
    const down = evs.findIndex((e) => e.includes("Scaled down"));
    const up = evs.findIndex((e) => e.includes(`Scaled up replica set ${n.metadata.name}`));
    expect(down).toBeGreaterThanOrEqual(0);
    expect(up).toBeGreaterThan(down);
  });

  it("scales proportionally during a stuck rollout (docs example: 10 → 15, surge 3, unavailable 2)", () => {
    const h = setup();
    h.store.create(
      deployment("nginx", 10, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }),
    );
    h.run(10);
    h.readyAll();
    h.run(1);
    const [oldRS] = h.rsOf("nginx");
    h.setImage("nginx", "nginx:sometag"); // new pods never become ready
    h.run(5);
    const get = () => {
      const all = h.rsOf("nginx");
      return {
        o: all.find((r) => r.metadata.name === oldRS!.metadata.name)!,
        n: all.find((r) => r.metadata.name !== oldRS!.metadata.name)!,
      };
    };
    let { o, n } = get();
    expect([o.spec.replicas, n.spec.replicas]).toEqual([8, 5]);
    h.store.mutate("Deployment", "default", "nginx", (d: any) => void (d.spec.replicas = 15));
    h.run(5);
    ({ o, n } = get());
    // old: round(8*18/13)=11 (+3); new: round(5*18/13)=7 (+2).
    expect([o.spec.replicas, n.spec.replicas]).toEqual([11, 7]);
  });

  it("cleans up old replica sets beyond revisionHistoryLimit", () => {
    const h = setup();
    h.store.create(deployment("hist", 1, { revisionHistoryLimit: 1, strategy: { type: "Recreate" } }));
    h.run(10);
    h.readyAll();
    for (const img of ["v2", "v3", "v4"]) {
      h.setImage("hist", img);
      h.run(1);
      h.readyAll();
      h.run(1);
    }
    const revs = h
      .rsOf("hist")
      .map((r) => r.metadata.annotations!["deployment.kubernetes.io/revision"])
      .sort();
    expect(revs).toEqual(["3", "4"]);
  });

  it("deleting the Deployment garbage-collects its ReplicaSets and pods", () => {
    const h = setup();
    h.store.create(deployment("gc", 3));
    h.run(10);
    expect(h.pods()).toHaveLength(3);
    h.store.delete("Deployment", "default", "gc");
    h.run(1);
    expect(h.store.list("ReplicaSet")).toHaveLength(0);
    expect(h.pods()).toHaveLength(0);
  });
});
