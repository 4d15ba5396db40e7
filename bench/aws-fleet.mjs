// Simulated AWS micro-benchmark: CreateFleet launches per second with 60-type NodeClaims (mixed
// spot/on-demand), instance-type re-pricing, and the cost summary over all instances.
// Usage: node bench/aws-fleet.mjs [launches]   (after `npm run build`). Prints one JSON line.
import os from "node:os";
import { VirtualClock } from "../dist/core/clock.js";
import { Rng } from "../dist/core/rng.js";
import { SimulatedAws } from "../dist/cloud/aws/index.js";

const n = Number(process.argv[2] ?? 10_000);
const clock = new VirtualClock();
const aws = new SimulatedAws({ region: "us-east-1", clock, rng: new Rng(1) });
const nodeClass = { metadata: { name: "default" }, spec: { amiSelectorTerms: [{ alias: "al2023@latest" }] }, status: { subnets: aws.subnets } };

const tTypes = performance.now();
const types = aws.instanceTypes(nodeClass);
const typesMs = performance.now() - tTypes;

const mixes = [
  [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }],
  [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }],
];
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  if (i % 200 === 0) clock.runUntil(clock.now() + 60_000);
  const requirements = mixes[i % 2];
  // a NodeClaim's 60 price-ordered options, sliding over the catalog
  const start = (i * 7) % (types.length - 60);
  const inst = aws.create({ instanceTypes: types.slice(start, start + 60), requirements, tags: {}, nodeClass });
  if (i % 2 === 1 && inst.capacityType !== "on-demand") throw new Error("on-demand NodeClaim launched " + inst.capacityType);
}
const launchMs = performance.now() - t0;

const t1 = performance.now();
for (let k = 0; k < 288; k++) {
  clock.runUntil(clock.now() + 300_000);
  aws.instanceTypes(nodeClass);
}
const repriceMs = performance.now() - t1;
const t2 = performance.now();
const summary = aws.costSummary();
const summaryMs = performance.now() - t2;
if (summary.runningInstances !== n) throw new Error(`expected ${n} running instances, got ${summary.runningInstances}`);

process.stdout.write(
  JSON.stringify({
    bench: "aws-fleet",
    launches: n,
    launchesPerSecond: Math.round(n / (launchMs / 1000)),
    instanceTypesFirstMs: Math.round(typesMs * 10) / 10,
    reprice24hMs: Math.round(repriceMs),
    costSummaryMs: Math.round(summaryMs * 10) / 10,
    perHour: Math.round(summary.perHour.total * 100) / 100,
    cores: os.cpus().length,
    node: process.version,
  }) + "\n",
);
