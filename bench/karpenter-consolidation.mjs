// karpenter-consolidation-1000 (specs/benchmarks.md): 1,000 Karpenter nodes with 2 pods each, then
// half the pods deleted; one full multi-node + single-node consolidation pass (dry run: the command
// each method would start). Prints wall time, candidates evaluated, simulations and commands produced.
// Requires `npm run build` (imports from dist/).
import { Harness, synthType } from "../dist/autoscaling/karpenter/disruption/testkit.js";

export function consolidation1000(n = 1000) {
  const types = [synthType("small", 2, 0.1), synthType("medium", 4, 0.2), synthType("large", 8, 0.4), synthType("xlarge", 16, 0.8)];
  const t0 = performance.now();
  const h = new Harness({ types, budgets: [{ nodes: "100%" }], startController: false });
  const pods = [];
  for (let i = 0; i < n; i++) {
    const name = `n${String(i).padStart(4, "0")}`;
    h.node(name, "medium", []);
    pods.push(h.pod(name, 1500), h.pod(name, 1500));
  }
  // delete half the pods (every other one)
  for (let i = 0; i < pods.length; i += 2) h.store.delete("Pod", "default", pods[i].metadata.name, { gracePeriodSeconds: 0 });
  h.ctrl.start({ store: h.store, clock: h.clock, rng: h.rng, events: h.events, logs: h.logs, services: h.services });
  const setup = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const multi = h.ctrl.dryRun("multi-node");
  const single = h.ctrl.dryRun("single-node");
  const wall = (performance.now() - t1) / 1000;
  const commands = [multi.command, single.command].filter(Boolean);
  return {
    bench: `karpenter-consolidation-${n}`,
    wallSeconds: +wall.toFixed(3),
    setupSeconds: +setup.toFixed(3),
    candidatesEvaluated: h.ctrl.stats.candidatesEvaluated,
    simulations: h.ctrl.stats.simulations,
    commands: commands.length,
    multiNode: multi.message && multi.message.length > 160 ? multi.message.slice(0, 160) + "…" : multi.message,
    singleNode: single.message,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(consolidation1000(Number(process.argv[2] ?? 1000))) + "\n");
}
