import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import type { CloudInstanceType } from "../provider.js";
import { AmiCatalog } from "./amis.js";
import { SimulatedAws } from "./ec2.js";
import { cpuManufacturer } from "./instancetypes.js";

const MiB = 1024 * 1024;

function labelsOf(it: CloudInstanceType): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of it.requirements) if (r.operator === "In" && r.values?.length === 1) out[r.key] = r.values[0]!;
  return out;
}

function aws(region = "ap-northeast-2", zones?: string[]) {
  return new SimulatedAws({ region, ...(zones ? { zones } : {}), clock: new VirtualClock(), rng: new Rng(1) });
}

describe("instance types", () => {
  it("offers the catalog types priced in the region (Seoul: 240 of 273, no c6a/m6a/r6a)", () => {
    const seoul = aws().instanceTypes();
    expect(seoul.length).toBe(240);
    expect(seoul.some((t) => /^(c6a|m6a|r6a)\./.test(t.name))).toBe(false);
    expect(aws("us-east-1").instanceTypes().length).toBe(273);
  });

  it("c5a.2xlarge: labels, capacity and allocatable as Karpenter computes them", () => {
    const it = aws().instanceTypes().find((t) => t.name === "c5a.2xlarge")!;
    expect(labelsOf(it)).toMatchObject({
      "node.kubernetes.io/instance-type": "c5a.2xlarge",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/os": "linux",
      "topology.kubernetes.io/region": "ap-northeast-2",
      "karpenter.k8s.aws/instance-category": "c",
      "karpenter.k8s.aws/instance-family": "c5a",
      "karpenter.k8s.aws/instance-generation": "5",
      "karpenter.k8s.aws/instance-size": "2xlarge",
      "karpenter.k8s.aws/instance-cpu": "8",
      "karpenter.k8s.aws/instance-memory": "16384",
      "karpenter.k8s.aws/instance-hypervisor": "nitro",
      "karpenter.k8s.aws/instance-cpu-manufacturer": "amd",
    });
    // 8000 − (60 + 10 + 2×5 + 4×2.5 = 90) = 7910m; 16384 − ceil(16384×0.075)=1229 − (11×58+255=893) − 100 = 14162Mi
    expect(it.allocatable.cpu).toBe(7910);
    expect(it.allocatable.memory).toBe(14162 * MiB);
    expect(it.allocatable.pods).toBe(58);
    expect(it.allocatable.ephemeralStorage).toBe(17 * 1024 * MiB);
    expect(it.capacity.cpu).toBe(8000);
    expect(it.capacity.memory).toBe((16384 - 1229) * MiB);
    expect(it.overhead.kubeReserved.cpu).toBe(90);
    expect(it.overhead.kubeReserved.memory).toBe(893 * MiB);
    expect(it.overhead.evictionThreshold.memory).toBe(100 * MiB);
    // allocatable = capacity − overhead
    const o = it.overhead;
    expect(it.capacity.memory - o.kubeReserved.memory - o.systemReserved.memory - o.evictionThreshold.memory).toBe(it.allocatable.memory);
    // zones × {spot, on-demand}
    expect(it.offerings.length).toBe(8);
    expect(it.offerings.filter((x) => x.capacityType === "on-demand").every((x) => x.price === 0.344)).toBe(true);
    const zoneReq = it.requirements.find((r) => r.key === "topology.kubernetes.io/zone")!;
    expect(zoneReq.values).toEqual(["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"]);
    expect(it.requirements.find((r) => r.key === "karpenter.sh/capacity-type")!.values).toEqual(["on-demand", "spot"]);
    // not a GPU type: a pod requiring a GPU label must not match
    expect(it.requirements.find((r) => r.key === "karpenter.k8s.aws/instance-gpu-count")!.operator).toBe("DoesNotExist");
  });

  it("arm64 types lose 64 MiB before the VM overhead (c6g.large 3055Mi)", () => {
    const it = aws().instanceTypes().find((t) => t.name === "c6g.large")!;
    expect(labelsOf(it)["karpenter.k8s.aws/instance-cpu-manufacturer"]).toBe("aws");
    expect(it.allocatable.memory).toBe(3055 * MiB);
    expect(it.allocatable.cpu).toBe(1930);
  });

  it("derives the CPU manufacturer from the family", () => {
    expect(cpuManufacturer("c5a")).toBe("amd");
    expect(cpuManufacturer("t3a")).toBe("amd");
    expect(cpuManufacturer("c6gd")).toBe("aws");
    expect(cpuManufacturer("t4g")).toBe("aws");
    expect(cpuManufacturer("c5n")).toBe("intel");
    expect(cpuManufacturer("m5d")).toBe("intel");
  });

  it("applies the node class: kubelet maxPods keeps ENI-limited kube-reserved (c6a.4xlarge 27381Mi), subnets' zones, AMI arch", () => {
    const a = aws("us-east-1");
    const nc = {
      metadata: { name: "default" },
      spec: { amiSelectorTerms: [{ alias: "al2023@latest" }], kubelet: { maxPods: 110 } },
      status: { subnets: [{ id: "subnet-1", zone: "us-east-1b", zoneID: "use1-az2" }] },
    };
    const it = a.instanceTypes(nc).find((t) => t.name === "c6a.4xlarge")!;
    expect(it.allocatable.pods).toBe(110);
    // 32768 − 2458 = 30310; − (11×234 + 255 = 2829) − 100 = 27381
    expect(it.allocatable.memory).toBe(27381 * MiB);
    expect(it.offerings.map((o) => o.zone)).toEqual(["us-east-1b", "us-east-1b"]);
    // an x86_64-only AMI removes arm64 types
    const amd = a.instanceTypes({ spec: { amiSelectorTerms: [{ id: new AmiCatalog().release("al2023", "latest").find((x) => x.arch === "amd64")!.id }] } });
    expect(amd.some((t) => t.name === "c6g.large")).toBe(false);
    expect(amd.some((t) => t.name === "c5.large")).toBe(true);
  });

  it("kubeReserved / systemReserved / evictionHard and root volume size change allocatable", () => {
    const it = aws()
      .instanceTypes({
        spec: {
          kubelet: { systemReserved: { cpu: "100m", memory: "200Mi" }, evictionHard: { "memory.available": "500Mi" }, kubeReserved: { cpu: "200m" } },
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "100Gi" } }],
        },
      })
      .find((t) => t.name === "c5a.2xlarge")!;
    expect(it.allocatable.cpu).toBe(8000 - 200 - 100);
    expect(it.allocatable.memory).toBe((15155 - 893 - 200 - 500) * MiB);
    // 100Gi − 1Gi − 10Gi
    expect(it.allocatable.ephemeralStorage).toBe(89 * 1024 * MiB);
  });

  it("is cached until the price step or the ICE cache changes", () => {
    const clock = new VirtualClock();
    const a = new SimulatedAws({ region: "ap-northeast-2", clock, rng: new Rng(1) });
    const l1 = a.instanceTypes();
    expect(a.instanceTypes()).toBe(l1);
    a.markUnavailable("c5a.2xlarge", "ap-northeast-2a", "on-demand");
    const l2 = a.instanceTypes();
    expect(l2).not.toBe(l1);
    const it = l2.find((t) => t.name === "c5a.2xlarge")!;
    expect(it.offerings.find((o) => o.zone === "ap-northeast-2a" && o.capacityType === "on-demand")!.available).toBe(false);
    clock.runUntil(3 * 60_000);
    const l3 = a.instanceTypes();
    expect(l3.find((t) => t.name === "c5a.2xlarge")!.offerings.every((o) => o.available)).toBe(true);
  });
});
