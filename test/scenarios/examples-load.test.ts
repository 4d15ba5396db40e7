/**
 * Every example loads as it is: strict decoding (kubectl's `--validate=strict` answered by
 * kube-apiserver) finds nothing in the examples' manifests, the `kubectl apply -f` files they name
 * included, so no quantity, int-or-string or preserve-unknown-fields value is taken for a mistake.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadManifestFile, loadScenarioFile } from "../../src/scenario/loader.js";

const examples = readdirSync("examples").filter((f) => f.endsWith(".yaml")).sort();

describe("examples load under strict decoding", () => {
  it("finds the examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(18);
    expect(examples).toContain("keda-cron.yaml"); // a CRD kind (KEDA) among them
  });

  for (const f of examples) {
    it(f, () => {
      const s = loadScenarioFile(`examples/${f}`);
      const applied = s.spec.timeline.flatMap(({ action: a }) => (a.type === "apply" ? a.objects : []));
      expect(s.objects.length + applied.length).toBeGreaterThan(0);
    });
  }

  it("labs/php-apache.yaml (applied by labs/hpa.sh)", () => {
    expect(loadManifestFile("examples/labs/php-apache.yaml").map((o) => `${o.object.kind}/${o.object.metadata.name}`)).toEqual(["Deployment/php-apache", "Service/php-apache"]);
  });
});
