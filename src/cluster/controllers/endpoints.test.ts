import { describe, expect, it } from "vitest";
import { EndpointsController } from "./endpoints.js";
import { harness } from "./testkit.js";

describe("EndpointsController", () => {
  it("lists ready pods as addresses and others as notReadyAddresses, resolving named ports", () => {
    const h = harness(new EndpointsController());
    h.store.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "php-apache", namespace: "default" },
      spec: { selector: { run: "php-apache" }, ports: [{ name: "http", port: 80, targetPort: "web" }] },
    });
    const mk = (name: string, ip: string, ready: boolean) =>
      h.store.create({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default", labels: { run: "php-apache" } },
        spec: { nodeName: "n1", containers: [{ name: "c", ports: [{ name: "web", containerPort: 8080 }] }] },
        status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
      });
    mk("a", "10.0.0.2", true);
    mk("b", "10.0.0.1", false);
    h.store.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "other", namespace: "default", labels: { run: "x" } }, spec: {}, status: { podIP: "10.0.0.9" } });
    h.run(10);
    const ep = h.store.get("Endpoints", "default", "php-apache")!;
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: "10.0.0.2", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "a", uid: h.store.get("Pod", "default", "a")!.metadata.uid } }],
        notReadyAddresses: [{ ip: "10.0.0.1", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "b", uid: h.store.get("Pod", "default", "b")!.metadata.uid } }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
    h.store.delete("Pod", "default", "a");
    h.store.delete("Pod", "default", "b");
    h.run(10);
    expect(h.store.get("Endpoints", "default", "php-apache")!.subsets).toEqual([]);
  });

  it("follows relabels, IP changes, terminal pods and deletions between syncs; equal IPs (hostNetwork) in name order", () => {
    const h = harness(new EndpointsController());
    h.store.create({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    const mk = (name: string, ip: string) =>
      h.store.create({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default", labels: { app: "web" } },
        spec: { nodeName: "n1", containers: [{ name: "c" }] },
        status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: "True" }] },
      });
    mk("c", "10.0.0.5");
    mk("b", "10.0.0.5");
    mk("a", "10.0.0.7");
    h.run(10);
    const listed = () => {
      const sub = (h.store.get("Endpoints", "default", "web")!.subsets as any[])[0];
      return sub ? (sub.addresses ?? []).map((a: any) => `${a.targetRef.name}@${a.ip}`) : [];
    };
    expect(listed()).toEqual(["b@10.0.0.5", "c@10.0.0.5", "a@10.0.0.7"]);
    // a loses the label, b gets a new IP, c fails: only b is left, at its new address.
    h.store.mutate("Pod", "default", "a", (p: any) => void (p.metadata.labels = { app: "other" }));
    h.store.setStatus(h.store.get("Pod", "default", "b")!, { ...h.store.get("Pod", "default", "b")!.status, podIP: "10.0.0.9" });
    h.store.setStatus(h.store.get("Pod", "default", "c")!, { phase: "Failed", podIP: "10.0.0.5" });
    h.run(10);
    expect(listed()).toEqual(["b@10.0.0.9"]);
    // a comes back; b is deleted and re-created under the same name with a new uid.
    h.store.mutate("Pod", "default", "a", (p: any) => void (p.metadata.labels = { app: "web" }));
    const oldUid = h.store.get("Pod", "default", "b")!.metadata.uid;
    h.store.delete("Pod", "default", "b");
    mk("b", "10.0.0.1");
    h.run(10);
    expect(listed()).toEqual(["b@10.0.0.1", "a@10.0.0.7"]);
    const b = (h.store.get("Endpoints", "default", "web")!.subsets as any[])[0].addresses[0];
    expect(b.targetRef.uid).not.toBe(oldUid);
    expect(b.targetRef.uid).toBe(h.store.get("Pod", "default", "b")!.metadata.uid);
    // A new selector picks up pods already there.
    h.store.mutate("Service", "default", "web", (s: any) => void (s.spec.selector = { app: "other" }));
    h.store.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "z", namespace: "default", labels: { app: "other" } }, spec: {}, status: { podIP: "10.0.0.2" } });
    h.run(10);
    expect(h.store.get("Endpoints", "default", "web")!.subsets).toEqual([
      { notReadyAddresses: [{ ip: "10.0.0.2", targetRef: { kind: "Pod", namespace: "default", name: "z", uid: h.store.get("Pod", "default", "z")!.metadata.uid } }], ports: [{ port: 80, protocol: "TCP" }] },
    ]);
  });
});
