import { describe, expect, it } from "vitest";
import { imageRepository, usageModel } from "./images.js";

const Mi = 1024 * 1024;

describe("image usage models", () => {
  it("normalizes image references", () => {
    expect(imageRepository("nginx")).toBe("nginx");
    expect(imageRepository("docker.io/library/nginx:1.27@sha256:abc")).toBe("nginx");
    expect(imageRepository("registry.k8s.io/hpa-example:latest")).toBe("registry.k8s.io/hpa-example");
    expect(imageRepository("localhost:5000/app")).toBe("localhost:5000/app");
  });

  it("php-apache from both registries serves requests at 0.1 CPU-s, idles at 1m / 10Mi", () => {
    for (const image of ["registry.k8s.io/hpa-example", "k8s.gcr.io/hpa-example:latest"]) {
      const m = usageModel({ image });
      expect(m.model).toBe("hpa-example");
      expect(m.cpuSecondsPerRequest).toBe(0.1);
      expect(m.cpuMilli).toBe(1);
      expect(m.memoryBytes).toBe(10 * Mi);
      expect(m.serves).toBe(true);
    }
  });

  it("polinux/stress: memory = N × vm-bytes + base, CPU from --cpu", () => {
    const mem = usageModel({ image: "polinux/stress", command: ["stress"], args: ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"] });
    expect(mem.memoryBytes).toBe(150 * Mi + 5 * Mi);
    expect(mem.cpuMilli).toBeLessThan(100);
    const two = usageModel({ image: "polinux/stress", args: ["--vm", "2", "--vm-bytes", "250M", "--vm-hang", "1"] });
    expect(two.memoryBytes).toBe(500 * Mi + 5 * Mi);
    const cpu = usageModel({ image: "polinux/stress", args: ["--cpu", "2"] });
    expect(cpu.cpuMilli).toBe(2000);
    // No hang: a vm worker loops malloc/dirty/free on one core.
    expect(usageModel({ image: "polinux/stress", args: ["--vm", "1"] }).cpuMilli).toBe(1000);
    expect(usageModel({ image: "polinux/stress", args: ["--vm", "1"] }).memoryBytes).toBe(256 * Mi + 5 * Mi);
  });

  it("vish/stress: -cpus burns cores, -mem-total grows in chunks", () => {
    const m = usageModel({ image: "vish/stress", args: ["-cpus", "2"] });
    expect(m.cpuMilli).toBe(2000);
    expect(m.memoryGrowth).toBeUndefined();
    const g = usageModel({ image: "vish/stress", args: ["-mem-total", "950Mi", "-mem-alloc-size", "100Mi", "-mem-alloc-sleep", "1s"] });
    expect(g.memoryGrowth).toEqual({ stepBytes: 100 * Mi, intervalMs: 1000, maxBytes: g.memoryBytes + 950 * Mi });
  });

  it("VPA hamster: 0.5 s busy / 0.5 s asleep → 500m", () => {
    const m = usageModel({
      image: "registry.k8s.io/ubuntu-slim:0.1",
      command: ["/bin/sh"],
      args: ["-c", "while true; do timeout 0.5s yes >/dev/null; sleep 0.5s; done"],
    });
    expect(m.cpuMilli).toBe(500);
    expect(m.serves).toBe(false);
  });

  it("nginx, pause, busybox and unknown images", () => {
    expect(usageModel({ image: "nginx:1.27" })).toMatchObject({ cpuMilli: 1, memoryBytes: 3 * Mi, serves: true });
    expect(usageModel({ image: "registry.k8s.io/pause:3.10" })).toMatchObject({ cpuMilli: 0, serves: false });
    expect(usageModel({ image: "busybox", args: ["sleep", "3600"] })).toMatchObject({ cpuMilli: 0, serves: false });
    expect(usageModel({ image: "busybox:1.28", command: ["/bin/sh", "-c", "while sleep 0.01; do wget -q -O- http://php-apache; done"] }).cpuMilli).toBe(10);
    const u = usageModel({ image: "example.com/my/app:v3" });
    expect(u.model).toBe("unknown");
    expect(u.cpuMilli).toBe(1);
    expect(u.serves).toBe(true);
  });

  it("overrides: first match wins, unspecified fields keep the built-in model", () => {
    const overrides = [
      { match: { image: "nginx", namespace: "prod" }, cpuMilli: 50 },
      { match: { workload: "web-" }, cpuSecondsPerRequest: 0.02, memoryBytes: 64 * Mi },
      { match: { image: "nginx" }, cpuMilli: 7 },
    ];
    expect(usageModel({ image: "nginx:1.27", namespace: "prod", podName: "web-abc" }, overrides)).toMatchObject({ cpuMilli: 50, cpuSecondsPerRequest: 0.0002 });
    expect(usageModel({ image: "nginx:1.27", namespace: "dev", podName: "web-abc" }, overrides)).toMatchObject({ cpuMilli: 1, cpuSecondsPerRequest: 0.02, memoryBytes: 64 * Mi });
    expect(usageModel({ image: "docker.io/library/nginx", namespace: "dev", podName: "api-1" }, overrides).cpuMilli).toBe(7);
    // A tagged pattern matches only that tag.
    expect(usageModel({ image: "nginx:1.26" }, [{ match: { image: "nginx:1.27" }, cpuMilli: 9 }]).cpuMilli).toBe(1);
    expect(usageModel({ image: "nginx:1.27" }, [{ match: { image: "nginx:1.27" }, cpuMilli: 9 }]).cpuMilli).toBe(9);
    // An override that gives request cost makes a non-serving image serve.
    expect(usageModel({ image: "busybox" }, [{ match: { image: "busybox" }, cpuSecondsPerRequest: 0.01 }]).serves).toBe(true);
  });
});
