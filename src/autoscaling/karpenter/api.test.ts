import { describe, it, expect } from "vitest";
import { isApiError } from "../../api/errors.js";
import type { KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { resolveResource } from "../../api/kinds.js";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { ec2NodeClassHash, nodePoolHash, registerKarpenterKinds, resolveEC2NodeClassStatus, type EC2NodeClass, type NodePool } from "./api.js";

function store() {
  const s = new Store(new VirtualClock(), new Rng(1));
  registerKarpenterKinds(s);
  return s;
}

const nodePool = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name: "default" },
  spec: {
    template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements: [] } },
    ...spec,
  },
});

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isApiError(e)) return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("NodePool defaults and validation", () => {
  it("defaults disruption, budgets and expireAfter as the v1 CRD", () => {
    const np = store().create(nodePool({})) as NodePool;
    expect(np.spec.disruption).toEqual({ consolidateAfter: "0s", consolidationPolicy: "WhenEmptyOrUnderutilized", budgets: [{ nodes: "10%" }] });
    expect(np.spec.template.spec.expireAfter).toBe("720h");
  });

  it("consolidateAfter is required when disruption is given (v1.0–v1.2)", () => {
    expect(errorOf(() => store().create(nodePool({ disruption: { consolidationPolicy: "WhenEmpty" } })))).toBe(
      'NodePool.karpenter.sh "default" is invalid: spec.disruption.consolidateAfter: Required value',
    );
  });

  it("words requirement, weight and budget errors like kube-apiserver's CRD validation", () => {
    const s = store();
    const bad = nodePool({
      weight: 101,
      disruption: { consolidateAfter: "1m", budgets: [{ nodes: "10%", schedule: "@daily" }] },
    });
    bad.spec.template.spec.requirements = [
      { key: "karpenter.sh/capacity-type", operator: "In", values: [] },
      { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["1", "2"] },
      { key: "kubernetes.io/hostname", operator: "Exists" },
    ];
    expect(errorOf(() => s.create(bad))).toBe(
      'NodePool.karpenter.sh "default" is invalid: [' +
        'spec.template.spec.requirements[2].key: Invalid value: "string": label domain "kubernetes.io" is restricted, ' +
        'spec.template.spec.requirements[2].key: Invalid value: "string": label "kubernetes.io/hostname" is restricted, ' +
        `spec.template.spec.requirements: Invalid value: "array": requirements with operator 'In' must have a value defined, ` +
        `spec.template.spec.requirements: Invalid value: "array": requirements operator 'Gt' or 'Lt' must have a single positive integer value, ` +
        "spec.disruption.budgets: Invalid value: \"array\": 'schedule' must be set with 'duration', " +
        "spec.weight: Invalid value: 101: spec.weight in body should be less than or equal to 100]",
    );
  });

  it("restricts template labels in the karpenter.sh domain", () => {
    const np = nodePool({});
    np.spec.template.metadata = { labels: { "karpenter.sh/custom": "x" } };
    expect(errorOf(() => store().create(np))).toBe(
      'NodePool.karpenter.sh "default" is invalid: spec.template.metadata.labels: Invalid value: "object": label domain "karpenter.sh" is restricted',
    );
  });

  it("static hash ignores requirements and disruption settings, follows labels", () => {
    const a = store().create(nodePool({})) as NodePool;
    const b = structuredClone(a);
    b.spec.template.spec.requirements = [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }];
    b.spec.disruption.consolidateAfter = "5m";
    expect(nodePoolHash(b)).toBe(nodePoolHash(a));
    b.spec.template.metadata = { labels: { team: "a" } };
    expect(nodePoolHash(b)).not.toBe(nodePoolHash(a));
    expect(nodePoolHash(a)).toMatch(/^\d+$/);
  });
});

describe("NodeClaim", () => {
  it("spec is immutable; status writes are allowed", () => {
    const s = store();
    const nc = s.create<KubeObject>({
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { name: "default-abcde" },
      spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements: [{ key: "karpenter.sh/nodepool", operator: "In", values: ["default"] }] },
    });
    expect(nc.spec.expireAfter).toBe("720h");
    const withStatus = s.setStatus(nc, { providerID: "aws:///ap-northeast-2a/i-0123" });
    expect(withStatus.status.providerID).toBe("aws:///ap-northeast-2a/i-0123");
    expect(errorOf(() => s.update({ ...withStatus, spec: { ...nc.spec, expireAfter: "1h" } }))).toBe(
      'NodeClaim.karpenter.sh "default-abcde" is invalid: spec: Invalid value: "object": spec is immutable',
    );
  });
});

describe("EC2NodeClass", () => {
  const nc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", metadata: { name: "default" }, spec });
  const base = { amiSelectorTerms: [{ alias: "al2023@latest" }], subnetSelectorTerms: [{ tags: { k: "v" } }], securityGroupSelectorTerms: [{ tags: { k: "v" } }] };

  it("needs exactly one of role and instanceProfile", () => {
    expect(errorOf(() => store().create(nc(base)))).toBe(
      `EC2NodeClass.karpenter.k8s.aws "default" is invalid: spec: Invalid value: "object": must specify exactly one of ['role', 'instanceProfile']`,
    );
  });

  it("rejects an alias combined with other terms and a bad family", () => {
    const msg = errorOf(() => store().create(nc({ ...base, role: "r", amiSelectorTerms: [{ alias: "ubuntu@latest" }, { id: "ami-123" }] })));
    expect(msg).toContain(`spec.amiSelectorTerms[0].alias: Invalid value: "string": family is not supported, must be one of the following: 'al2', 'al2023', 'bottlerocket', 'windows2019', 'windows2022'`);
    expect(msg).toContain(`spec.amiSelectorTerms: Invalid value: "array": 'alias' is mutually exclusive, cannot be set with a combination of other amiSelectorTerms`);
  });

  it("defaults metadataOptions, resolves subnets per zone and one AMI per architecture", () => {
    const obj = store().create(nc({ ...base, role: "KarpenterNodeRole" })) as EC2NodeClass;
    expect(obj.spec.metadataOptions).toEqual({ httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" });
    const st = resolveEC2NodeClassStatus(obj, { region: "ap-northeast-2", zones: ["ap-northeast-2a", "ap-northeast-2c"] }, "2025-01-01T00:00:00Z");
    expect(st.subnets?.map((s) => [s.zone, s.zoneID])).toEqual([["ap-northeast-2a", "apne2-az1"], ["ap-northeast-2c", "apne2-az3"]]);
    expect(st.amis?.map((a) => a.requirements[0]!.values![0]).sort()).toEqual(["amd64", "arm64"]);
    expect(st.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    // Pinning a different release changes the AMI ids (AMI drift) but not the static hash.
    const pinned = structuredClone(obj);
    pinned.spec.amiSelectorTerms = [{ alias: "al2023@v20240625" }];
    expect(resolveEC2NodeClassStatus(pinned, { region: "ap-northeast-2", zones: ["ap-northeast-2a"] }, "").amis![0]!.id).not.toBe(st.amis![0]!.id);
    expect(ec2NodeClassHash(pinned)).toBe(ec2NodeClassHash(obj));
    pinned.spec.userData = "#!/bin/bash";
    expect(ec2NodeClassHash(pinned)).not.toBe(ec2NodeClassHash(obj));
  });

  it("is served as ec2nodeclasses / ec2nc", () => {
    expect(resolveResource("ec2nc")?.kind).toBe("EC2NodeClass");
    expect(resolveResource("nodeclaims.karpenter.sh")?.kind).toBe("NodeClaim");
  });
});
