/**
 * CronJob through the store's kube-apiserver strategy: SetDefaults_CronJob and
 * ValidateCronJobCreate/Update (pkg/apis/batch/validation, 1.32) with kube-apiserver's texts.
 */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../core/clock.js";
import { Rng } from "../../core/rng.js";
import { ApiError } from "../errors.js";
import type { KubeObject } from "../meta.js";
import { Store } from "../store.js";
import { registerBuiltinStrategies } from "../strategies.js";

function newStore(): Store {
  const store = new Store(new VirtualClock(), new Rng(1));
  registerBuiltinStrategies(store);
  return store;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e.message;
    throw e;
  }
  return "accepted";
}

/** The docs' hello CronJob. */
function hello(spec: Record<string, unknown> = {}, name = "hello"): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: "default" },
    spec: {
      schedule: "* * * * *",
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [{ name: "hello", image: "busybox:1.28", imagePullPolicy: "IfNotPresent", command: ["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"] }],
              restartPolicy: "OnFailure",
            },
          },
        },
      },
      ...spec,
    },
  };
}

describe("CronJob defaults (SetDefaults_CronJob)", () => {
  it("Allow, not suspended, 3 successful and 1 failed Job kept; the job template's JobSpec untouched", () => {
    const cj = newStore().create(hello());
    expect(cj.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.completions).toBeUndefined();
    // The pod template is defaulted like any other.
    expect(cj.spec.jobTemplate.spec.template.spec).toMatchObject({ dnsPolicy: "ClusterFirst", terminationGracePeriodSeconds: 30, schedulerName: "default-scheduler" });
  });

  it("explicit values, including 0 history, stay", () => {
    const cj = newStore().create(hello({ concurrencyPolicy: "Forbid", successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0, suspend: true }));
    expect(cj.spec).toMatchObject({ concurrencyPolicy: "Forbid", suspend: true, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 });
  });
});

describe("CronJob validation (ValidateCronJobCreate/Update)", () => {
  it("schedule: robfig's parse errors; TZ prefixes are refused on create", () => {
    const s = newStore();
    expect(message(() => s.create(hello({ schedule: "61 * * * *" })))).toBe(
      'CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    );
    expect(message(() => s.create(hello({ schedule: "0 0 L * *" })))).toBe(
      'CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "0 0 L * *": failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax',
    );
    expect(message(() => s.create(hello({ schedule: "CRON_TZ=UTC * * * * *" })))).toBe(
      'CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "CRON_TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    );
    expect(message(() => s.create(hello({ schedule: "" })))).toBe('CronJob.batch "hello" is invalid: spec.schedule: Required value');
    expect(message(() => s.create(hello({ schedule: "@hourly" })))).toBe("accepted");
    expect(message(() => s.create(hello({ schedule: "@every 90m" }, "every")))).toBe("accepted");
  });

  it("timeZone: IANA names only", () => {
    const s = newStore();
    expect(message(() => s.create(hello({ timeZone: "Europe/Pariss" })))).toBe(
      'CronJob.batch "hello" is invalid: spec.timeZone: Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss',
    );
    expect(message(() => s.create(hello({ timeZone: "" })))).toBe('CronJob.batch "hello" is invalid: spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string');
    expect(message(() => s.create(hello({ timeZone: "Local" })))).toBe(
      'CronJob.batch "hello" is invalid: spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    );
    expect(message(() => s.create(hello({ timeZone: "America/Argentina/Buenos_Aires_X" })))).toBe(
      'CronJob.batch "hello" is invalid: spec.timeZone: Invalid value: "America/Argentina/Buenos_Aires_X": unknown time zone America/Argentina/Buenos_Aires_X',
    );
    expect(message(() => s.create(hello({ timeZone: "Asia/Seoul" })))).toBe("accepted");
  });

  it("policy, deadlines, history limits, the job template and the name length", () => {
    const s = newStore();
    expect(message(() => s.create(hello({ concurrencyPolicy: "Sometimes" })))).toBe(
      'CronJob.batch "hello" is invalid: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    );
    expect(message(() => s.create(hello({ startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1 })))).toBe(
      'CronJob.batch "hello" is invalid: [spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0, ' +
        "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0]",
    );
    const always = hello();
    always.spec.jobTemplate.spec.template.spec.restartPolicy = "Always";
    expect(message(() => s.create(always))).toBe(
      'CronJob.batch "hello" is invalid: spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    );
    const sel = hello();
    sel.spec.jobTemplate.spec.selector = { matchLabels: { a: "b" } };
    expect(message(() => s.create(sel))).toBe(
      'CronJob.batch "hello" is invalid: spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    );
    const long = "a".repeat(53);
    expect(message(() => s.create(hello({}, long)))).toBe(`CronJob.batch "${long}" is invalid: metadata.name: Invalid value: "${long}": must be no more than 52 characters`);
    expect(message(() => s.create(hello({}, "a".repeat(52))))).toBe("accepted");
  });

  it("update: adding TZ= to a schedule that had none is refused as on create", () => {
    const s = newStore();
    const cj = s.create(hello());
    const changed = s.update({ ...cj, spec: { ...cj.spec, schedule: "0 * * * *" } });
    expect(changed.spec.schedule).toBe("0 * * * *");
    expect(message(() => s.update({ ...changed, spec: { ...changed.spec, schedule: "TZ=UTC 0 * * * *" } }))).toBe(
      'CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    );
  });
});
