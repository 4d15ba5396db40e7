import { describe, expect, it } from "vitest";
import { fieldErrorText } from "../errors.js";
import type { KubeObject } from "../meta.js";
import { validateLimitRange, validateNamespace, validateServiceAccount } from "./misc.js";
import { validatePodDisruptionBudget, validatePriorityClass } from "./policy.js";
import { validateService } from "./service.js";

const t = (errs: ReturnType<typeof validateService>) => errs.map(fieldErrorText);

describe("misc kinds", () => {
  it("Namespace and ServiceAccount names", () => {
    expect(t(validateNamespace({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ok" } }))).toEqual([]);
    expect(t(validateServiceAccount({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "x", namespace: "" } }))).toEqual(["metadata.namespace: Required value"]);
  });
  it("LimitRange item type and quantities", () => {
    const lr: KubeObject = { apiVersion: "v1", kind: "LimitRange", metadata: { name: "l", namespace: "d" }, spec: { limits: [{ type: "Node", max: { cpu: "-1" } }] } };
    expect(t(validateLimitRange(lr))).toEqual([
      'spec.limits[0].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"',
      'spec.limits[0].max[cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
  });
  it("Service ports", () => {
    const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "d" }, spec: { type: "ClusterIP", ports: [{ port: 80, protocol: "TCP", targetPort: 80 }, { name: "b", port: 0, protocol: "TCP", targetPort: "Http" }] } };
    expect(t(validateService(svc))).toEqual([
      "spec.ports[0].name: Required value",
      "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      'spec.ports[1].targetPort: Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ]);
  });
  it("PDB both set; PriorityClass reserved prefix and immutable value", () => {
    const pdb: KubeObject = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "p", namespace: "d" }, spec: { minAvailable: 1, maxUnavailable: 1 } };
    expect(t(validatePodDisruptionBudget(pdb))[0]).toMatch(/^spec: Invalid value: policy\.PodDisruptionBudgetSpec\{.*\}: minAvailable and maxUnavailable cannot be both set$/);
    const pc = { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "system-foo" }, value: 1 } as KubeObject;
    expect(t(validatePriorityClass(pc))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-foo is not a known system priority class",
    ]);
    const a = { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "x" }, value: 1 } as KubeObject;
    expect(t(validatePriorityClass({ ...a, value: 2 } as KubeObject, a))).toEqual(["value: Forbidden: may not be changed in an update."]);
  });
});
