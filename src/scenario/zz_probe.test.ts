import { it } from "vitest";
import { loadScenarioFile } from "./loader.js";
it("probe", () => {
for (const f of ["examples/hpa-php-apache.yaml","examples/hpa-php-apache-v1.yaml","examples/qos-oom.yaml"]) {
  const s = loadScenarioFile(f);
  console.log(JSON.stringify(s.spec, null, 0).slice(0, 1800));
  console.log(s.objects.map(o => o.source + " " + o.object.kind + "/" + o.object.metadata.namespace + "/" + o.object.metadata.name));
  console.log(JSON.stringify(s.spec.timeline.map(e => [e.atMs, e.action])));
}
});
