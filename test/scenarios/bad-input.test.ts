/**
 * Bad input never crashes the simulator: each mistake yields one message naming the file, the
 * document, the line and the field, worded like kubectl / kube-apiserver.
 */
import { describe, expect, it } from "vitest";
import { describeInputError } from "../../src/cli/run.js";
import { loadScenarioFile, loadScenarioText, ScenarioError } from "../../src/scenario/loader.js";
import { Simulation, SimulationInputError } from "../../src/sim/simulation.js";
import { runScenario } from "./helpers.js";

const header = `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: bad}
spec:
  duration: 5m
`;

function loadError(file: string): ScenarioError {
  try {
    loadScenarioFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error(`${file} loaded without error`);
}

function startError(text: string): string {
  const sim = new Simulation(loadScenarioText(text, "bad.yaml"));
  try {
    sim.start();
  } catch (e) {
    expect(e).toBeInstanceOf(SimulationInputError);
    return describeInputError(e as SimulationInputError);
  }
  throw new Error("started without error");
}

describe("bad input", () => {
  it("malformed YAML names file, document and line", () => {
    expect(loadError("test/fixtures/bad/malformed-yaml.yaml").message).toBe(
      "test/fixtures/bad/malformed-yaml.yaml: document 2, line 9: error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context",
    );
  });

  it("an unknown kind is refused as kubectl refuses it", () => {
    expect(loadError("test/fixtures/bad/unknown-kind.yaml").message).toMatch(
      /^test\/fixtures\/bad\/unknown-kind\.yaml: document 3, line \d+: kind: .*no matches for kind "Foo" in version "example.com\/v1"/,
    );
  });

  it("an invalid quantity names the field with kube-apiserver's message", () => {
    expect(loadError("test/fixtures/bad/bad-quantity.yaml").message).toContain(
      `spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "abc": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  });

  // kubectl 1.32 applies with --validate=strict, which kube-apiserver answers with these decode errors
  // (`Error from server (BadRequest): error when creating "x.yaml": <message>`); lines counted in the fixtures.
  describe("strict decoding, as kube-apiserver answers kubectl apply", () => {
    const cases: Array<[file: string, document: number, line: number, field: string, message: string]> = [
      [
        "hpa-unknown-field.yaml",
        2,
        17,
        "spec.metricz",
        `HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.metricz"`,
      ],
      [
        "hpa-wrong-type.yaml",
        2,
        23,
        "spec.metrics[0].resource.target.averageUtilization",
        `HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field MetricTarget.spec.metrics.resource.target.averageUtilization of type int32`,
      ],
      [
        "deployment-unknown-field.yaml",
        2,
        22,
        "spec.template.spec.containers[0].resource",
        `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].resource"`,
      ],
      [
        "deployment-wrong-type.yaml",
        2,
        24,
        "spec.template.spec.containers[0].env[0].value",
        `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string`,
      ],
      // An inline timeline manifest: the field is named inside the manifest, the line is the scenario's.
      [
        "timeline-apply-unknown-field.yaml",
        1,
        15,
        "spec.minReplica",
        `HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.minReplica"`,
      ],
    ];
    for (const [file, document, line, field, message] of cases) {
      it(file, () => {
        const path = `test/fixtures/bad/${file}`;
        const e = loadError(path);
        expect({ file: e.file, document: e.document, line: e.line, field: e.field }).toEqual({ file: path, document, line, field });
        expect(e.message).toBe(`${path}: document ${document}, line ${line}: ${message}`);
      });
    }

    it("a file named by `run: kubectl apply -f` is checked at load time, in its own positions", () => {
      const e = loadError("test/fixtures/bad/apply-file-wrong-type.yaml");
      expect(e.message).toBe(
        `test/fixtures/bad/manifests/hpa-wrong-type.yaml: document 2, line 22: HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HPAScalingPolicy.spec.behavior.scaleDown.policies.value of type int32`,
      );
    });

    it("a quantity the decoder cannot parse names the field, since the message does not", () => {
      const text = `${header}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  metrics:
  - type: Pods
    pods:
      metric: {name: packets-per-second}
      target: {type: AverageValue, averageValue: 1k5}
`;
      let msg = "";
      try {
        loadScenarioText(text, "bad.yaml");
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        msg = (e as Error).message;
      }
      expect(msg).toBe(
        `bad.yaml: document 2, line 17: spec.metrics[0].pods.target.averageValue: HorizontalPodAutoscaler in version "v2" cannot be handled as a HorizontalPodAutoscaler: unable to parse quantity's suffix`,
      );
    });
  });

  it("API validation errors point at the line of the bad field", () => {
    const msg = startError(`${header}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: -1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`);
    expect(msg).toBe(`bad.yaml: document 2, line 12: Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`);
  });

  it("an HPA whose target does not exist reports AbleToScale False / FailedGetScale, as upstream", () => {
    const run = runScenario({
      text: `${header}---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ghost}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ghost}
  maxReplicas: 3
`,
    });
    const hpa = run.sim.store.get("HorizontalPodAutoscaler", "default", "ghost")!;
    const able = hpa.status.conditions.find((c: { type: string }) => c.type === "AbleToScale");
    expect(able).toMatchObject({ status: "False", reason: "FailedGetScale" });
    expect(able.message).toBe(`the HPA controller was unable to get the target's current scale: deployments.apps "ghost" not found`);
    const ev = run.events.find((e) => e.reason === "FailedGetScale");
    expect(ev).toMatchObject({ eventType: "Warning", message: `deployments.apps "ghost" not found`, object: "HorizontalPodAutoscaler/default/ghost" });
  });

  it("a refused timeline action is reported and the run goes on", () => {
    const run = runScenario({
      text: `${header}  timeline:
    - at: 1m
      run: kubectl scale deployment/nothere --replicas=3
`,
    });
    const err = run.records.find((r) => r.type === "error");
    expect(err?.message).toBe(`Error from server (NotFound): deployments.apps "nothere" not found`);
    expect(run.summary.simulatedSeconds).toBe(300);
  });
});
