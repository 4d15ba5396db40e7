import { describe, expect, it } from "vitest";
import { Store } from "../api/store.js";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { eksAddonObjects } from "./addons.js";

describe("eksAddonObjects", () => {
  const objs = eksAddonObjects({ clusterName: "lab", region: "us-west-2" });
  const find = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;
  const requests = (o: any) => o.spec.template.spec.containers.map((c: any) => [c.name, c.resources.requests]);

  it("has the EKS 1.32 add-on workloads with their upstream requests", () => {
    expect(requests(find("DaemonSet", "aws-node"))).toEqual([
      ["aws-node", { cpu: "25m" }],
      ["aws-eks-nodeagent", { cpu: "25m" }],
    ]);
    expect(requests(find("DaemonSet", "kube-proxy"))).toEqual([["kube-proxy", { cpu: "100m" }]]);
    const coredns: any = find("Deployment", "coredns");
    expect(coredns.spec.replicas).toBe(2);
    expect(coredns.spec.template.spec.containers[0].resources).toEqual({ limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } });
    const ms: any = find("Deployment", "metrics-server");
    expect(ms.spec.replicas).toBe(1);
    expect(ms.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: "100m", memory: "200Mi" });
    expect(ms.spec.template.spec.containers[0].args).toContain("--metric-resolution=15s");
    expect(find("DaemonSet", "aws-node").spec.template.spec.containers[0].image).toContain("dkr.ecr.us-west-2.amazonaws.com");
  });

  it("has the namespaces, services and priority classes", () => {
    expect(objs.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)).toEqual(["default", "kube-system", "kube-public", "kube-node-lease"]);
    expect((find("PriorityClass", "system-cluster-critical") as any).value).toBe(2000000000);
    expect((find("PriorityClass", "system-node-critical") as any).value).toBe(2000001000);
    expect(find("Service", "kube-dns").spec.selector).toEqual({ "k8s-app": "kube-dns" });
    expect(find("Service", "metrics-server").metadata.namespace).toBe("kube-system");
  });

  it("loads into a store", () => {
    const store = new Store(new VirtualClock(), new Rng(1));
    for (const o of objs) store.create(o);
    expect(store.list("Deployment", { namespace: "kube-system" }).map((d) => d.metadata.name).sort()).toEqual(["coredns", "metrics-server"]);
  });
});
