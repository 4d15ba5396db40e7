/**
 * The VPA components configured by their Deployments (VPA 1.3 flags), on the hamster example scaled
 * to 6 replicas: eviction tolerance floor(6 × 0.5) = 3 pods per updater loop.
 *
 * With --eviction-rate-limit=0.1 --eviction-rate-burst=1 the updater waits for a token before each
 * eviction (rate.Limiter.Wait): the bucket starts full, so the loop at 60 s evicts at once, then one
 * token every 1 / 0.1 = 10 s: 60, 70, 80 s. The loop blocks meanwhile (its context ends at the next
 * tick); the next loop, at 120 s, finds the bucket refilled to its burst of 1 and goes on the same way.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeInputError } from "../../src/cli/run.js";
import { SimulationInputError } from "../../src/sim/simulation.js";
import { loadScenarioText } from "../../src/scenario/loader.js";
import { Simulation } from "../../src/sim/simulation.js";
import { runScenario } from "./helpers.js";

const hamster = readFileSync(fileURLToPath(new URL("../../examples/vpa-hamster.yaml", import.meta.url)), "utf8").replace("duration: 30m", "duration: 5m").replace("replicas: 2", "replicas: 6");
const updater = (args: string[]): string => `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vpa-updater
  namespace: kube-system
spec:
  replicas: 1
  selector:
    matchLabels:
      app: vpa-updater
  template:
    metadata:
      labels:
        app: vpa-updater
    spec:
      containers:
        - name: updater
          image: registry.k8s.io/autoscaling/vpa-updater:1.3.0
          args: [${args.map((a) => JSON.stringify(a)).join(", ")}]
          resources:
            requests: {cpu: 50m, memory: 500Mi}
`;
const evictionTimes = (text: string): number[] => runScenario({ text }).events.filter((e) => e.reason === "EvictedByVPA").map((e) => e.t);

describe("vpa-updater Deployment flags", () => {
  it("without a rate limit evicts the tolerated 3 pods at once in each loop", () => {
    const t = evictionTimes(hamster);
    expect(t.slice(0, 3)).toEqual([60, 60, 60]);
  });

  it("--eviction-rate-limit=0.1 --eviction-rate-burst=1 spaces evictions 10 s apart", () => {
    const t = evictionTimes(hamster + updater(["--eviction-rate-limit=0.1", "--eviction-rate-burst=1", "--v=4"]));
    expect(t.slice(0, 3)).toEqual([60, 70, 80]);
    expect(t.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < t.length; i++) expect(t[i]! - t[i - 1]!).toBeGreaterThanOrEqual(10);
  });

  it("--min-replicas=7 leaves the 6-replica Deployment alone", () => {
    expect(evictionTimes(hamster + updater(["--min-replicas=7"]))).toEqual([]);
  });

  it("refuses a flag the real binary does not have, naming the document and argument", () => {
    const sim = new Simulation(loadScenarioText(hamster + updater(["--eviction-rate=0.1"]), "x.yaml"));
    let err: unknown;
    try {
      sim.start();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimulationInputError);
    expect(describeInputError(err as SimulationInputError)).toMatch(/^x\.yaml: document \d+, line \d+: spec\.template\.spec\.containers\[0\]\.args\[0\]: vpa-updater: unknown flag: --eviction-rate$/);
  });
});
