import { describe, expect, it } from "vitest";
import { fieldErrorText } from "../errors.js";
import { defaultPod } from "../defaults.js";
import type { KubeObject } from "../meta.js";
import { validatePod, validatePodUpdate } from "./pod.js";

function pod(spec: Record<string, unknown>): KubeObject {
  const p: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } };
  defaultPod(p, true);
  return p;
}
const texts = (p: KubeObject) => validatePod(p).map(fieldErrorText);

describe("Pod validation", () => {
  it("a defaulted pod is valid", () => expect(texts(pod({}))).toEqual([]));
  it("containers: required, duplicate names, ports, env", () => {
    expect(texts(pod({ containers: [] }))).toEqual(["spec.containers: Required value"]);
    const p = pod({
      containers: [
        { name: "c", image: "x", ports: [{ containerPort: 70000, protocol: "HTTP" }], env: [{ name: "1X" }] },
        { name: "c", image: "x" },
      ],
    });
    expect(texts(p)).toEqual([
      "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      `spec.containers[0].env[0].name: Invalid value: "1X": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
      'spec.containers[1].name: Duplicate value: "c"',
    ]);
  });
  it("restart and DNS policy, pull policy", () => {
    const p = pod({ restartPolicy: "Sometimes", dnsPolicy: "Nope", containers: [{ name: "c", image: "x", imagePullPolicy: "Maybe" }] });
    expect(texts(p)).toEqual([
      'spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Nope": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
    ]);
  });
  it("tolerations", () => {
    const p = pod({ tolerations: [{ operator: "Equal", value: "x" }, { key: "k", operator: "Exists", value: "v" }, { key: "k", effect: "NoSchedule", tolerationSeconds: 5 }] });
    expect(texts(p).filter((t) => t.startsWith("spec.tolerations"))).toEqual([
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      'spec.tolerations[1].operator: Invalid value: core.Toleration{Key:"k", Operator:"Exists", Value:"v", Effect:"", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is \'Exists\'',
      "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ]);
  });
  it("update: tolerations may only be added; activeDeadlineSeconds may be set", () => {
    const old = pod({ tolerations: [{ key: "a", operator: "Exists" }] });
    const added = structuredClone(old);
    added.spec.tolerations.push({ key: "b", operator: "Exists" });
    added.spec.activeDeadlineSeconds = 60;
    expect(validatePodUpdate(added, old)).toEqual([]);
    const removed = structuredClone(old);
    removed.spec.tolerations = [];
    const errs = validatePodUpdate(removed, old);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.field).toBe("spec");
    expect(errs[0]!.detail).toContain("- \tTolerations:");
  });
});
