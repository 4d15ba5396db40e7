import { describe, it, expect } from "vitest";
import { ContainerRuntime, type RuntimeContainer } from "./runtime.js";
import { Rng } from "../core/rng.js";

/** Reference: the plain full recomputation (min(demand, limit); over capacity, shares by request). */
function expectedUsed(cs: RuntimeContainer[], cap: number): Map<RuntimeContainer, number> {
  const capped = (c: RuntimeContainer) => (c.cpuLimitMilli !== undefined ? Math.min(c.cpuDemandMilli, c.cpuLimitMilli) : c.cpuDemandMilli);
  let total = 0;
  for (const c of cs) total += capped(c);
  let shares = 0;
  for (const c of cs) shares += Math.max(c.cpuRequestMilli, 2);
  const out = new Map<RuntimeContainer, number>();
  for (const c of cs) out.set(c, total > cap ? Math.min(capped(c), (cap * Math.max(c.cpuRequestMilli, 2)) / shares) : capped(c));
  return out;
}

describe("ContainerRuntime CPU contention", () => {
  it("shares a contended node by request and gives each its capped demand otherwise", () => {
    const rt = new ContainerRuntime();
    rt.setNodeCpu("n", 1000);
    const a = rt.start({ podKey: "ns/a", podUid: "a", name: "c", nodeName: "n", startedAt: 0, cpuRequestMilli: 100, cpuLimitMilli: undefined }, 0);
    const b = rt.start({ podKey: "ns/b", podUid: "b", name: "c", nodeName: "n", startedAt: 0, cpuRequestMilli: 300, cpuLimitMilli: 500 }, 0);
    rt.setCpuDemand("ns/a", "c", 400, 0);
    rt.setCpuDemand("ns/b", "c", 800, 0);
    expect([a.cpuUsedMilli, b.cpuUsedMilli]).toEqual([400, 500]); // 900 ≤ 1000, b capped at its limit
    rt.setCpuDemand("ns/a", "c", 900, 1000);
    // 900 + 500 > 1000: a gets min(900, 1000×100/400) = 250, b min(500, 750) = 500
    expect([a.cpuUsedMilli, b.cpuUsedMilli]).toEqual([250, 500]);
    rt.stop("ns/b", "c", 2000);
    expect(a.cpuUsedMilli).toBe(900);
    // 1 s at 400m + 1 s at 250m + 0 → 0.65 core·s = 6.5e8 ns
    expect(rt.cpuCumulativeNanos(a, 2000)).toBe(650_000_000);
  });

  it("matches a full recomputation after every change of a long random sequence", () => {
    const rng = new Rng(7).fork("runtime-test");
    const rt = new ContainerRuntime();
    const cap = 4000;
    rt.setNodeCpu("n", cap);
    const live: RuntimeContainer[] = [];
    let seq = 0;
    for (let step = 0; step < 3000; step++) {
      const r = rng.next();
      if (r < 0.1 || live.length === 0) {
        const name = `p${seq++}`;
        const lim = rng.next() < 0.5 ? undefined : 100 + Math.floor(rng.next() * 2000);
        live.push(rt.start({ podKey: `ns/${name}`, podUid: name, name: "c", nodeName: "n", startedAt: step, cpuRequestMilli: Math.floor(rng.next() * 500), cpuLimitMilli: lim, cpuDemandMilli: rng.next() * 500 }, step));
      } else if (r < 0.17) {
        const i = Math.floor(rng.next() * live.length);
        const [c] = live.splice(i, 1);
        rt.stop(c!.podKey, c!.name, step);
      } else {
        const c = live[Math.floor(rng.next() * live.length)]!;
        rt.setCpuDemand(c.podKey, c.name, rng.next() * 1500, step);
      }
      const want = expectedUsed(live, cap);
      for (const c of live) expect(c.cpuUsedMilli).toBe(want.get(c));
    }
  });
});
