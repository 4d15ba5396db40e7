import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../api/meta.js";
import { karpenterMetrics } from "../autoscaling/karpenter/metrics.js";
import { onDemandPrice } from "../cloud/catalog.js";
import { exposition } from "../report/prometheus.js";
import { loadScenarioFile } from "../scenario/loader.js";
import { Simulation } from "../sim/simulation.js";
import { labelPrice, offeringPrices, remoteNodeView } from "./nodes-remote.js";

const SPOT_NODE: KubeObject = {
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "n", labels: { "node.kubernetes.io/instance-type": "c5a.large", "karpenter.sh/capacity-type": "spot", "topology.kubernetes.io/zone": "ap-northeast-2b" } },
  spec: {},
};

describe("Karpenter's offering prices from /metrics", () => {
  const text = [
    "# TYPE karpenter_cloudprovider_instance_type_offering_price_estimate gauge",
    'karpenter_cloudprovider_instance_type_offering_price_estimate{capacity_type="on-demand",instance_type="c5a.large",zone="ap-northeast-2b"} 0.086',
    'karpenter_cloudprovider_instance_type_offering_price_estimate{capacity_type="spot",instance_type="c5a.large",zone="ap-northeast-2b"} 0.0312',
    'karpenter_cloudprovider_instance_type_offering_available{capacity_type="spot",instance_type="c5a.large",zone="ap-northeast-2b"} 1',
    "",
  ].join("\n");

  it("parses the price gauge per type, capacity type and zone (and nothing else)", () => {
    const m = offeringPrices(text);
    expect([...m.entries()]).toEqual([
      ["c5a.large|on-demand|ap-northeast-2b", 0.086],
      ["c5a.large|spot|ap-northeast-2b", 0.0312],
    ]);
  });

  it("prices a spot node at its pool's price, exactly; without the series at on-demand, as an estimate", () => {
    expect(labelPrice(SPOT_NODE, offeringPrices(text))).toEqual({ price: 0.0312, estimated: false });
    expect(labelPrice(SPOT_NODE)).toEqual({ price: onDemandPrice("c5a.large", "ap-northeast-2"), estimated: true });
    const other = { ...SPOT_NODE, metadata: { ...SPOT_NODE.metadata, labels: { ...SPOT_NODE.metadata.labels, "topology.kubernetes.io/zone": "ap-northeast-2c" } } };
    expect(labelPrice(other, offeringPrices(text)).estimated).toBe(true);
  });
});

describe("remoteNodeView over HTTP against a simulated Karpenter cluster", () => {
  // examples/karpenter-spot-to-spot.yaml at 9m30s: one spot Karpenter node, 2 managed on-demand nodes
  const sim = new Simulation(loadScenarioFile("examples/karpenter-spot-to-spot.yaml"));
  sim.recorder.podRecords = false;
  sim.start();
  sim.runUntil(9.5 * 60_000);
  let metrics = true;
  let server: Server;
  let url = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const send = (status: number, type: string, body: string) => res.writeHead(status, { "Content-Type": type }).end(body);
      if (path === "/api/v1/nodes") return send(200, "application/json", JSON.stringify({ items: sim.store.list("Node") }));
      if (path === "/api/v1/pods") return send(200, "application/json", JSON.stringify({ items: sim.store.list("Pod") }));
      if (path === "/metrics" && metrics) return send(200, "text/plain; version=0.0.4", exposition(karpenterMetrics(sim.services).all()));
      return send(404, "application/json", JSON.stringify({ kind: "Status", message: "the server could not find the requested resource" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const spotNode = () => sim.store.list("Node").find((n) => n.metadata.labels?.["karpenter.sh/capacity-type"] === "spot")!;

  it("shows the spot node at the simulated EC2 spot price of its pool, not as an estimate", async () => {
    const n = spotNode();
    const type = n.metadata.labels!["node.kubernetes.io/instance-type"]!;
    const zone = n.metadata.labels!["topology.kubernetes.io/zone"]!;
    const spot = sim.aws.pricing.spot(type, zone, sim.clock.now())!;
    expect(spot).toBeLessThan(onDemandPrice(type, "ap-northeast-2")!);
    const view = await remoteNodeView({ server: url }, { now: Date.now(), resources: ["cpu"] });
    const row = view.split("\n").find((l) => l.startsWith(n.metadata.name!))!;
    expect(row).toContain(` ${type}/$${spot.toFixed(4)} Spot ${zone} `);
    expect(view).not.toContain("~$");
  });

  it("falls back to the on-demand estimate when the server has no Karpenter metrics", async () => {
    metrics = false;
    const n = spotNode();
    const type = n.metadata.labels!["node.kubernetes.io/instance-type"]!;
    const view = await remoteNodeView({ server: url }, { now: Date.now(), resources: ["cpu"] });
    const row = view.split("\n").find((l) => l.startsWith(n.metadata.name!))!;
    expect(row).toContain(` ${type}/~$${onDemandPrice(type, "ap-northeast-2")!.toFixed(4)} Spot `);
    metrics = true;
  });
});
