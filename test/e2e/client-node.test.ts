/**
 * @kubernetes/client-node (1.4) against `scalelab serve`: list, watch, create, patch, delete through
 * the typed clients, as an operator or a script would.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kubectl } from "./helpers.js";

describe("@kubernetes/client-node against scalelab serve", () => {
  const env = new Kubectl();
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    await env.start({ speed: 30 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(env.serve.kubeconfigPath);
  });
  afterAll(() => env.stop());

  const deployment = (replicas: number): k8s.V1Deployment => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "nginx", image: "nginx", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
      },
    },
  });

  it("lists nodes of the simulated cluster", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode();
    expect(nodes.items.length).toBe(3);
    for (const n of nodes.items) expect(n.metadata?.labels?.["node.kubernetes.io/instance-type"]).toBe("m5.large");
  });

  it("creates a Deployment and watches its pods appear", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const created = await apps.createNamespacedDeployment({ namespace: "default", body: deployment(2) });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.generation).toBe(1);

    const seen = new Set<string>();
    const running = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only saw ${seen.size} running pods`)), 20_000);
      void new k8s.Watch(kc)
        .watch(
          "/api/v1/namespaces/default/pods",
          { labelSelector: "app=web" },
          (type, pod: k8s.V1Pod) => {
            if (type !== "DELETED" && pod.status?.phase === "Running") seen.add(pod.metadata!.name!);
            if (seen.size === 2) {
              clearTimeout(timer);
              resolve(seen.size);
            }
          },
          (err) => err && reject(err),
        )
        .then((req) => setTimeout(() => req.abort(), 20_000));
    });
    expect(running).toBe(2);
    const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: "default", labelSelector: "app=web" });
    expect(pods.items.map((p) => p.metadata!.name).every((n) => /^web-[a-z0-9]+-[a-z0-9]{5}$/.test(n!))).toBe(true);
  });

  it("patches the Deployment (merge patch) and reads the new generation", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const patched = await apps.patchNamespacedDeployment(
      { name: "web", namespace: "default", body: { spec: { replicas: 4 } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    expect(patched.spec?.replicas).toBe(4);
    expect(patched.metadata?.generation).toBe(2);
    const scale = await apps.readNamespacedDeploymentScale({ name: "web", namespace: "default" });
    expect(scale.spec?.replicas).toBe(4);
  });

  it("rejects a stale update with 409 Conflict", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const cur = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    await apps.replaceNamespacedDeployment({ name: "web", namespace: "default", body: { ...cur, spec: { ...cur.spec!, replicas: 3 } } });
    const err = await apps
      .replaceNamespacedDeployment({ name: "web", namespace: "default", body: { ...cur, spec: { ...cur.spec!, replicas: 5 } } })
      .then(() => undefined, (e: unknown) => e as { code?: number; body?: string });
    expect(err?.code).toBe(409);
    expect(String(err?.body)).toContain(`Operation cannot be fulfilled on deployments.apps \\"web\\": the object has been modified`);
  });

  it("deletes the Deployment; a read then answers 404", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await apps.deleteNamespacedDeployment({ name: "web", namespace: "default" });
    const err = await apps.readNamespacedDeployment({ name: "web", namespace: "default" }).then(
      () => undefined,
      (e: unknown) => e as { code?: number },
    );
    expect(err?.code).toBe(404);
  });
});
