/**
 * The timeline's `kubectl patch` (strategic by default) merges lists by the kind's OpenAPI patch
 * metadata, as kube-apiserver's PATCH does: containers by name, while a list the schema marks atomic
 * is replaced even where another type's field of the same name merges.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "./helpers.js";

const scenario = `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: timeline-patch}
spec:
  duration: 3m
  nodeGroups:
    - {name: default, instanceType: m5.large, desired: 1, min: 1, max: 1}
  timeline:
    - at: 1m
      run: kubectl patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}'
    - at: 1m
      patch:
        target: serviceaccount/builder
        patch: {imagePullSecrets: [{name: new-registry}], secrets: [{name: token-b}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}
        - {name: sidecar, image: "busybox:1.36", resources: {requests: {cpu: 10m}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder}
imagePullSecrets: [{name: old-registry}, {name: mirror}]
secrets: [{name: token-a}]
`;

describe("timeline strategic merge patch", () => {
  const { sim } = runScenario({ text: scenario, name: "timeline-patch.yaml" });

  it("merges a Deployment's containers by name: the named one changes in place, the other stays", () => {
    const containers = sim.store.read("Deployment", "default", "web").spec.template.spec.containers;
    expect(containers.map((c: any) => [c.name, c.image])).toEqual([
      ["app", "nginx:1.27"],
      ["sidecar", "busybox:1.37"],
    ]);
    expect(containers[1].resources.requests.cpu).toBe("10m");
  });

  it("follows the schema, not the field name: ServiceAccount.imagePullSecrets is atomic, .secrets merges by name", () => {
    // k8s.io/api core/v1 ServiceAccount: Secrets `patchStrategy:"merge" patchMergeKey:"name"`,
    // ImagePullSecrets `+listType=atomic` (PodSpec.imagePullSecrets, by contrast, merges by name).
    const sa = sim.store.read("ServiceAccount", "default", "builder");
    expect(sa.imagePullSecrets).toEqual([{ name: "new-registry" }]);
    // A merged list puts patch items not in the live list first (strategicpatch mergeSortedSlice: an
    // item missing from the server order is taken from the patch side).
    expect(sa.secrets).toEqual([{ name: "token-b" }, { name: "token-a" }]);
  });
});
