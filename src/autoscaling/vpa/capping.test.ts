/**
 * LimitRange capping of VPA 1.3 (capping.go, limit_and_request_scaling.go,
 * limit_range_calculator.go). Expected figures are worked by hand from the upstream formulas:
 * boundary request = request × boundaryLimit / limit (floor, millicores or bytes); pod scaling
 * = value × targetTotal / sum (floor).
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { ownerRef, type KubeObject } from "../../api/meta.js";
import { Store } from "../../api/store.js";
import { registerBuiltinStrategies } from "../../api/strategies.js";
import type { RecommendedContainer, VpaObject } from "./api.js";
import { registerVpa } from "./index.js";
import { admitPod } from "./admission.js";
import { applyContainerLimitRange, capRecommendationForPod, capToPodLimitRange, type PodContainer } from "./capping.js";
import { mergeLimitRangeItems } from "./limitrange.js";

const vpa = (policies: NonNullable<VpaObject["spec"]["resourcePolicy"]>["containerPolicies"] = []): VpaObject => ({
  apiVersion: "autoscaling.k8s.io/v1",
  kind: "VerticalPodAutoscaler",
  metadata: { name: "v", namespace: "default" },
  spec: { targetRef: { kind: "Deployment", name: "d" }, resourcePolicy: { containerPolicies: policies } },
});

const lr = (name: string, ...limits: unknown[]): KubeObject => ({ apiVersion: "v1", kind: "LimitRange", metadata: { name, namespace: "default" }, spec: { limits } });

describe("LimitRange calculator", () => {
  it("merges the lowest max, the highest min and the last default, per type", () => {
    const item = mergeLimitRangeItems(
      [
        lr("a", { type: "Container", max: { cpu: "2", memory: "1Gi" }, min: { cpu: "50m" }, default: { cpu: "500m" } }),
        lr("b", { type: "Container", max: { cpu: "1500m" }, min: { cpu: "10m", memory: "64Mi" }, default: { cpu: "1" } }, { type: "Pod", max: { cpu: "4" } }),
      ],
      "Container",
    );
    expect(item).toEqual({ max: { cpu: "1500m", memory: "1Gi" }, min: { cpu: "50m", memory: "64Mi" }, default: { cpu: "1" } });
    expect(mergeLimitRangeItems([lr("b", { type: "Pod", max: { cpu: "4" } })], "Container")).toBeUndefined();
  });
});

describe("container LimitRange", () => {
  const c = (requests: Record<string, string>, limits?: Record<string, string>): PodContainer => ({ name: "c", resources: { requests, ...(limits ? { limits } : {}) } });

  it("caps the request so the proportional limit stays ≤ max (100m/200m, max 1 → request ≤ 500m)", () => {
    const list = { cpu: "587m" };
    expect(applyContainerLimitRange(list, c({ cpu: "100m" }, { cpu: "200m" }), { max: { cpu: "1" } })).toEqual(["cpu capped to fit Max in container LimitRange"]);
    expect(list).toEqual({ cpu: "500m" });
  });

  it("uses the default limit when the container has none (100m, default 400m, max 800m → 200m)", () => {
    const list = { cpu: "587m" };
    applyContainerLimitRange(list, c({ cpu: "100m" }), { max: { cpu: "800m" }, default: { cpu: "400m" } });
    expect(list).toEqual({ cpu: "200m" });
  });

  it("keeps the request ≥ min even where the limit would allow less (50Mi/100Mi, min 300Mi → 300Mi, not 150Mi)", () => {
    const list = { memory: "262144k" };
    expect(applyContainerLimitRange(list, c({ memory: "50Mi" }, { memory: "100Mi" }), { min: { memory: "300Mi" } })).toEqual(["memory capped to fit Min in container LimitRange"]);
    expect(list).toEqual({ memory: "300Mi" });
  });

  it("runs before the policy, whose notes follow", () => {
    const r = capRecommendationForPod(
      vpa([{ containerName: "*", maxAllowed: { cpu: "400m" }, minAllowed: { memory: "300Mi" } }]),
      [{ containerName: "c", target: { cpu: "587m", memory: "262144k" } }],
      [c({ cpu: "100m", memory: "50Mi" }, { cpu: "200m" })],
      { container: { max: { cpu: "1" } } },
    );
    expect(r.containers[0]!.target).toEqual({ cpu: "400m", memory: "300Mi" });
    expect(r.notes.get("c")).toEqual(["cpu capped to fit Max in container LimitRange", "cpu capped to maxAllowed", "memory capped to minAllowed"]);
  });
});

describe("pod LimitRange", () => {
  it("scales the targets down so the summed limits fit max (limits 1174m + 300m → 1, targets ×1000/1474)", () => {
    const recs: RecommendedContainer[] = [
      { containerName: "a", target: { cpu: "587m" } },
      { containerName: "b", target: { cpu: "300m" } },
    ];
    const containers: PodContainer[] = [
      { name: "a", resources: { requests: { cpu: "100m" }, limits: { cpu: "200m" } } },
      { name: "b", resources: { requests: { cpu: "100m" }, limits: { cpu: "100m" } } },
    ];
    const out = capToPodLimitRange(recs, containers, { max: { cpu: "1" } });
    // 587 × 1000 / 1474 = 398.2 → 398m; 300 × 1000 / 1474 = 203.5 → 203m.
    expect(out.map((r) => r.target.cpu)).toEqual(["398m", "203m"]);
    expect(recs[0]!.target.cpu).toBe("587m"); // the status recommendation is not modified
  });

  it("scales up to min, counting a container without a recommendation at its requests (flooring leaves 1 byte short)", () => {
    const containers: PodContainer[] = [
      { name: "a", resources: { requests: { memory: "50Mi" }, limits: { memory: "100Mi" } } },
      { name: "b", resources: { requests: { memory: "100Mi" }, limits: { memory: "100Mi" } } },
    ];
    // Sum of recommendations 250Mi + 100Mi = 350Mi < min 1Gi (and limits exist): each × 1Gi / 350Mi.
    const out = capToPodLimitRange([{ containerName: "a", target: { memory: "262144k" } }], containers, { min: { memory: "1Gi" } });
    // 262144000 × 1073741824 / 367001600 = 766958445.7 → 766958445 (DecimalSI);
    // 104857600 × 1073741824 / 367001600 = 306783378.3 → 306783378 (BinarySI, not a Ki multiple).
    expect(out).toEqual([
      { containerName: "a", target: { memory: "766958445" } },
      { containerName: "b", target: { memory: "306783378" } },
    ]);
  });
});

describe("admission with LimitRanges", () => {
  function setup(containerLimits: Record<string, string> | undefined, ...ranges: KubeObject[]) {
    const clock = new VirtualClock();
    const store = new Store(clock, new Rng(1));
    registerBuiltinStrategies(store);
    registerVpa(store);
    for (const r of ranges) store.create(r);
    const dep = store.create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { replicas: 1, selector: { matchLabels: { app: "d" } }, template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "x" }] } } } });
    const rs = store.create({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "d-1", namespace: "default", ownerReferences: [ownerRef(dep)] }, spec: { replicas: 1, selector: { matchLabels: { app: "d" } }, template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "x" }] } } } });
    const v = store.create(vpa([{ containerName: "*", maxAllowed: { memory: "1Gi" } }]));
    store.mutate<VpaObject>("VerticalPodAutoscaler", "default", "v", (x) => {
      x.status = { recommendation: { containerRecommendations: [{ containerName: "c", target: { cpu: "587m", memory: "262144k" }, lowerBound: { cpu: "500m", memory: "262144k" }, upperBound: { cpu: "2", memory: "1Gi" } }] } };
    }, { subresource: "status" });
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "d-1-x", namespace: "default", labels: { app: "d" }, ownerReferences: [ownerRef(rs)] },
      spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m", memory: "50Mi" }, ...(containerLimits ? { limits: containerLimits } : {}) } }] },
    };
    return { store, pod, v };
  }

  it("caps to the container max and scales the default limit; capping notes come first", () => {
    // No limits on the container: default cpu 400m / max 800m → request ≤ 100m × 800/400 = 200m; limit 400m × 200/100 = 800m.
    const { store, pod } = setup(undefined, lr("lr", { type: "Container", max: { cpu: "800m" }, default: { cpu: "400m" } }));
    admitPod(store, pod);
    expect(pod.spec.containers[0].resources).toEqual({ requests: { cpu: "200m", memory: "262144k" }, limits: { cpu: "800m" } });
    expect(pod.metadata.annotations?.vpaUpdates).toBe("Pod resources updated by v: container 0: cpu capped to fit Max in container LimitRange, cpu request, memory request, cpu limit");
  });

  it("keeps the limit/request ratio of the pod's own limits (memory 50Mi/100Mi → 262144000 × 2, in the limit's format)", () => {
    const { store, pod } = setup({ cpu: "200m", memory: "100Mi" });
    admitPod(store, pod);
    expect(pod.spec.containers[0].resources.limits).toEqual({ cpu: "1174m", memory: "500Mi" });
  });
});
