/**
 * The real kubectl against `scalelab serve` for two fidelity points:
 * - at --speed 60 the ages kubectl computes itself (describe, events) agree with the simulated
 *   ages `kubectl get` shows, and none is `<invalid>` (timestamps are served in kubectl's frame);
 * - client-side `kubectl apply` sends $setElementOrder and $retainKeys, and the result is what
 *   kube-apiserver's strategic merge patch makes of them;
 * - every `kubectl create <generator>` for a served kind sends a protobuf body that decodes to the
 *   object kubectl built (compared with --dry-run=client).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kubectl, rows, until } from "./helpers.js";

/** duration.HumanDuration text (`45s`, `2m3s`, `5m`, `1h2m`) → seconds. */
function ageSeconds(s: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
  if (!m || s === "") throw new Error(`not an age: ${s}`);
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

const deployment = (name: string, spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${spec}`;

describe("client-side ages at --speed 60", () => {
  const k = new Kubectl();
  beforeAll(async () => {
    await k.start({ speed: 60 });
  });
  afterAll(async () => {
    await k.stop();
  });

  it("describe's event ages are the simulated ages (never <invalid>), as get's AGE column is", async () => {
    const f = join(k.dir, "aged.yaml");
    writeFileSync(f, deployment("aged", "      containers: [{name: web, image: nginx, resources: {requests: {cpu: 50m}}}]\n"));
    expect((await k.run("apply", "-f", f)).stdout).toBe("deployment.apps/aged created\n");
    const sim = k.serve.sim;
    const event = await until(async () => {
      const e = sim.store.list("Event").find((x: any) => x.reason === "ScalingReplicaSet" && x.involvedObject?.name === "aged") as any;
      // Let a couple of simulated minutes pass so that an unshifted timestamp would be far in kubectl's future.
      return e && sim.clock.now() - sim.clock.parseIso(e.lastTimestamp) > 120_000 ? e : undefined;
    });
    const ts = sim.clock.parseIso(event.lastTimestamp);
    const before = sim.clock.now() - ts;
    const d = await k.run("describe", "deployment", "aged");
    const after = sim.clock.now() - ts;
    expect(d.stdout).not.toContain("<invalid>");
    const line = d.stdout.split("\n").find((l) => /\bScalingReplicaSet\b/.test(l))!;
    const age = ageSeconds(line.trim().split(/\s+/)[2]!);
    expect(age).toBeGreaterThanOrEqual(Math.floor(before / 1000) - 1);
    expect(age).toBeLessThanOrEqual(Math.ceil(after / 1000) + 2);

    const pod = (await k.run("get", "pods", "-l", "app=aged", "-o", "name")).stdout.trim();
    for (const args of [["describe", pod], ["describe", "nodes"], ["get", "events", "-o", "wide"]]) {
      const r = await k.run(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain("<invalid>");
    }
  });
});

describe("kubectl apply: $setElementOrder and $retainKeys", () => {
  const k = new Kubectl();
  beforeAll(async () => {
    await k.start({ speed: 20 });
  });
  afterAll(async () => {
    await k.stop();
  });
  const apply = async (name: string, yaml: string) => {
    const f = join(k.dir, `${name}.yaml`);
    writeFileSync(f, yaml);
    return k.run("apply", "-f", f);
  };
  const live = async (name: string) => JSON.parse((await k.run("get", "deployment", name, "-o", "json")).stdout);

  it("reordered containers and a removed env var come out as in the manifest; server-side additions stay where upstream puts them", async () => {
    const v1 = `      containers:
      - name: a
        image: nginx
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
      - name: b
        image: busybox
`;
    expect((await apply("multi", deployment("multi", v1))).stdout).toBe("deployment.apps/multi created\n");
    const v2 = `      containers:
      - name: b
        image: busybox
      - name: a
        image: nginx
        env: [{name: A, value: "1"}]
`;
    expect((await apply("multi", deployment("multi", v2))).stdout).toBe("deployment.apps/multi configured\n");
    let d = await live("multi");
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["b", "a"]);
    expect(d.spec.template.spec.containers[1].env).toEqual([{ name: "A", value: "1" }]);

    // An env var added out of band is not the manifest's to delete; a new first var goes where
    // $setElementOrder says, the live-only one after the items it followed.
    expect((await k.run("set", "env", "deployment/multi", "-c", "a", "EXTRA=x")).stdout).toBe("deployment.apps/multi env updated\n");
    const v3 = `      containers:
      - name: b
        image: busybox
      - name: a
        image: nginx
        env: [{name: C, value: "3"}, {name: A, value: "1"}]
`;
    expect((await apply("multi", deployment("multi", v3))).stdout).toBe("deployment.apps/multi configured\n");
    d = await live("multi");
    expect(d.spec.template.spec.containers[1].env.map((e: any) => e.name)).toEqual(["C", "A", "EXTRA"]);
    expect(d.metadata.generation).toBe(4);
  });

  it("switching to Recreate clears the defaulted rollingUpdate through $retainKeys", async () => {
    const containers = "      containers: [{name: web, image: nginx}]\n";
    expect((await apply("strat", deployment("strat", containers))).stdout).toBe("deployment.apps/strat created\n");
    expect((await live("strat")).spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
    const recreate = deployment("strat", containers).replace("spec:\n  replicas: 1", "spec:\n  replicas: 1\n  strategy: {type: Recreate}");
    const r = await apply("strat", recreate);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("deployment.apps/strat configured\n");
    expect((await live("strat")).spec.strategy).toEqual({ type: "Recreate" });
    const t = rows((await k.run("get", "deployment", "strat")).stdout);
    expect(t[1]![0]).toBe("strat");
  });
});

describe("kubectl create generators: protobuf bodies", () => {
  const k = new Kubectl();
  beforeAll(async () => {
    await k.start({ speed: 20 });
  });
  afterAll(async () => {
    await k.stop();
  });

  /** Every field kubectl set on the object (client dry run) comes back from the server dry run. */
  function missing(client: unknown, server: unknown, path = ""): string[] {
    if (Array.isArray(client)) {
      if (!Array.isArray(server) || server.length !== client.length) return [`${path}[]`];
      return client.flatMap((c, i) => missing(c, server[i], `${path}[${i}]`));
    }
    if (client !== null && typeof client === "object") {
      return Object.entries(client).flatMap(([key, v]) => {
        if (key === "creationTimestamp" || v === null || (typeof v === "object" && Object.keys(v).length === 0)) return [];
        const s = (server as Record<string, unknown> | undefined)?.[key];
        return s === undefined ? [`${path}.${key}`] : missing(v, s, `${path}.${key}`);
      });
    }
    return client === server ? [] : [`${path}: ${JSON.stringify(client)} != ${JSON.stringify(server)}`];
  }

  const generators: string[][] = [
    ["deployment", "g-deploy", "--image=nginx:1.27", "--replicas=3", "--port=8080", "--", "/bin/sh", "-c", "sleep 1"],
    ["job", "g-job", "--image=busybox", "--", "echo", "hi"],
    ["cronjob", "g-cj", "--image=busybox", "--schedule=*/5 * * * *", "--restart=OnFailure", "--", "echo", "hi"],
    ["service", "nodeport", "g-np", "--tcp=80:8080", "--node-port=30080"],
    ["service", "loadbalancer", "g-lb", "--tcp=443:8443"],
    ["service", "externalname", "g-en", "--external-name=example.com"],
    ["secret", "generic", "g-secret", "--from-literal=k=v"],
    ["secret", "docker-registry", "g-pull", "--docker-server=r.io", "--docker-username=u", "--docker-password=p"],
    ["configmap", "g-cm", "--from-literal=a=1", "--from-literal=b=2"],
    ["namespace", "g-ns"],
    ["serviceaccount", "g-sa"],
    ["poddisruptionbudget", "g-pdb", "--selector=app=web", "--max-unavailable=25%"],
    ["priorityclass", "g-pc", "--value=1000", "--description=d", "--preemption-policy=Never"],
    ["quota", "g-quota", "--hard=cpu=1,memory=1Gi,pods=2", "--scopes=BestEffort"],
  ];
  for (const g of generators) {
    it(`kubectl create ${g.slice(0, 2).join(" ")}`, async () => {
      const client = await k.run("create", "--dry-run=client", "-o", "json", ...g);
      const server = await k.run("create", "--dry-run=server", "-o", "json", ...g);
      expect(server.stderr).toBe("");
      expect(missing(JSON.parse(client.stdout), JSON.parse(server.stdout))).toEqual([]);
    });
  }
});
