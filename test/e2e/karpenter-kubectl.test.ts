/**
 * Karpenter through the real kubectl: the lab's `kubectl get nodepool,ec2nodeclass,nodeclaims` and
 * `kubectl logs -n kube-system -l app.kubernetes.io/name=karpenter -c controller | jq`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kubectl, until } from "./helpers.js";

describe("Karpenter via kubectl against scalelab serve", () => {
  const k = new Kubectl();
  beforeAll(async () => {
    await k.start({ files: ["examples/karpenter-inflate.yaml"], speed: 60 });
  });
  afterAll(() => k.stop());

  it("lists the NodePool, EC2NodeClass and the launched NodeClaim with the CRDs' printer columns", async () => {
    const out = await until(async () => {
      const r = await k.run("get", "nodeclaims");
      return /c5a\.2xlarge/.test(r.stdout) ? r.stdout : undefined;
    });
    const [header, row] = out.trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["NAME", "TYPE", "CAPACITY", "ZONE", "NODE", "READY", "AGE"]);
    expect(row).toMatch(/^default-[bcdfghjklmnpqrstvwxz2456789]{5}\s+c5a\.2xlarge\s+on-demand\s+ap-northeast-2[a-d]\s/);
    const pools = await k.run("get", "nodepool,ec2nodeclass");
    expect(pools.stdout).toMatch(/^NAME\s+NODECLASS\s+NODES\s+READY\s+AGE$/m);
    expect(pools.stdout).toMatch(/^nodepool\.karpenter\.sh\/default\s+default\s/m);
    expect(pools.stdout).toMatch(/^ec2nodeclass\.karpenter\.k8s\.aws\/default\s+True\s/m);
  });

  it("serves Karpenter's JSON logs as the controller container of a kube-system pod", async () => {
    const line = await until(async () => {
      const r = await k.run("logs", "-n", "kube-system", "-l", "app.kubernetes.io/name=karpenter", "-c", "controller", "--tail=-1");
      return r.stdout.split("\n").find((l) => l.includes('"launched nodeclaim"'));
    });
    const rec = JSON.parse(line);
    expect(rec).toMatchObject({ level: "INFO", logger: "controller", message: "launched nodeclaim", "instance-type": "c5a.2xlarge", "capacity-type": "on-demand" });
    expect(rec.allocatable).toMatchObject({ cpu: "7910m", memory: "14162Mi", pods: "58" });
  });
});
