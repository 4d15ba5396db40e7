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
});
