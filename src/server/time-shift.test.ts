/**
 * The API server serves timestamps in the client's frame (see encode.ts): with the wall clock an
 * hour ahead of virtual time, every timestamp comes out an hour later, Table ages stay virtual,
 * and bodies clients send are moved back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadServeScenario } from "../cli/serve.js";
import { Simulation } from "../sim/simulation.js";
import { ApiServer } from "./server.js";

const EPOCH = Date.UTC(2025, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;
const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
let server: ApiServer;
let sim: Simulation;
let base = "";

beforeAll(async () => {
  const scenario = loadServeScenario([]);
  scenario.spec.startTimeMs = EPOCH;
  sim = new Simulation(scenario, {});
  // speed 0: virtual time stands at 0 (EPOCH); the clients' clock reads EPOCH + 1 h + 0.4 s.
  server = new ApiServer(sim, { speed: 0, wallNowMs: () => EPOCH + HOUR + 400 });
  base = (await server.listen(0)).url;
});
afterAll(async () => {
  await server.close();
});

async function get(path: string, accept = "application/json") {
  const res = await fetch(base + path, { headers: { accept } });
  return res.json() as Promise<any>;
}

describe("timestamps in the client's frame", () => {
  it("objects: stored at virtual time, served delta = floor(wall − virtual) later", async () => {
    const stored = sim.store.list("Node")[0]!;
    expect(stored.metadata.creationTimestamp).toBe("2025-06-01T12:00:00Z");
    const served = await get(`/api/v1/nodes/${stored.metadata.name}`);
    expect(served.metadata.creationTimestamp).toBe("2025-06-01T13:00:00Z");
    const list = await get("/api/v1/nodes");
    expect(list.items.map((n: any) => n.metadata.creationTimestamp)).toEqual(list.items.map(() => "2025-06-01T13:00:00Z"));
  });

  it("Tables: ages computed from virtual now, row metadata shifted", async () => {
    const t = await get("/api/v1/nodes", TABLE);
    expect(t.rows[0].cells[3]).toBe("0s");
    expect(t.rows[0].object.metadata.creationTimestamp).toBe("2025-06-01T13:00:00Z");
  });

  it("bodies sent in the client's frame are stored in virtual time; annotations and data are not timestamps", async () => {
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "e1", namespace: "default", annotations: { at: "2025-06-01T13:00:05Z" } },
      involvedObject: { kind: "Node", name: "n" },
      reason: "Test",
      message: "m",
      firstTimestamp: "2025-06-01T13:00:05Z",
      lastTimestamp: "2025-06-01T13:00:05Z",
      eventTime: "2025-06-01T13:00:05.250000Z",
      reportingComponent: "test",
      reportingInstance: "t",
      action: "Testing",
      type: "Normal",
    };
    const res = await fetch(base + "/api/v1/namespaces/default/events", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(event) });
    expect(res.status).toBe(201);
    const stored = sim.store.get("Event", "default", "e1") as any;
    expect(stored.firstTimestamp).toBe("2025-06-01T12:00:05Z");
    expect(stored.eventTime).toBe("2025-06-01T12:00:05.250000Z");
    expect(stored.metadata.annotations.at).toBe("2025-06-01T13:00:05Z");
    const served = await get("/api/v1/namespaces/default/events/e1");
    expect(served.firstTimestamp).toBe("2025-06-01T13:00:05Z");
    expect(served.eventTime).toBe("2025-06-01T13:00:05.250000Z");
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { at: "2025-06-01T13:00:05Z" } };
    await fetch(base + "/api/v1/namespaces/default/configmaps", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(cm) });
    expect((sim.store.get("ConfigMap", "default", "c") as any).data.at).toBe("2025-06-01T13:00:05Z");
  });
});
