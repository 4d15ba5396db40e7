import { describe, expect, it } from "vitest";
import { LogSink } from "../api/logs.js";
import { VirtualClock } from "../core/clock.js";
import { tableFor } from "./tables.js";
import { componentForPod, componentPodObjects, followPodLog, formatJsonLine, goQuote, podLogText, registerComponentPod, rfc3339Nano } from "./logs.js";

// 2025-11-22T18:50:00Z
const EPOCH = Date.UTC(2025, 10, 22, 18, 50, 0);

function setup() {
  const clock = new VirtualClock(EPOCH);
  const logs = new LogSink(clock);
  return { clock, logs };
}

describe("component pods", () => {
  it("are Running kube-system pods named like kubeadm static pods", () => {
    const pods = componentPodObjects({ nowIso: "2025-11-22T18:50:00Z" });
    const names = pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(names).toContain("kube-system/kube-scheduler-scalelab-control-plane");
    expect(names).toContain("kube-system/kube-controller-manager-scalelab-control-plane");
    const kcm = pods.find((p) => p.metadata.name!.startsWith("kube-controller-manager"))!;
    expect(kcm.metadata.labels).toEqual({ component: "kube-controller-manager", tier: "control-plane" });
    expect(kcm.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // what `kubectl get pods -n kube-system` shows for them
    const row = tableFor("Pod", [kcm], { nowMs: EPOCH + 90_000 }).rows[0]!.cells;
    expect(row.slice(0, 5)).toEqual(["kube-controller-manager-scalelab-control-plane", "1/1", "Running", "0", "90s"]);
    expect(componentPodObjects({ nowIso: "x", nodeName: "ip-10-0-0-1" })[0]!.metadata.name).toBe("kube-scheduler-ip-10-0-0-1");
    // deterministic
    expect(componentPodObjects({ nowIso: "x" })[0]!.metadata.uid).toBe(pods[0]!.metadata.uid);
  });
  it("maps pods to components", () => {
    expect(componentForPod("kube-scheduler-scalelab-control-plane")?.components).toContain("default-scheduler");
    expect(componentForPod("kube-controller-manager-x", "kube-system")?.components).toContain("horizontal-pod-autoscaler");
    expect(componentForPod("kube-controller-manager-x", "default")).toBeUndefined();
    expect(componentForPod("php-apache-5f8c9d-abcde")).toBeUndefined();
  });
});

describe("klog lines", () => {
  it("renders the header, quoted message and key=value pairs", () => {
    const { clock, logs } = setup();
    clock.runUntil(30_123);
    logs.logger("default-scheduler").info("Unable to schedule pod; no fit; waiting", { pod: "default/web-7", err: '0/3 nodes are available: 3 Insufficient cpu. "x"', attempts: 2 });
    clock.runUntil(45_000);
    logs
      .logger("horizontal-pod-autoscaler")
      .info('"Successfully rescaled" HPA="default/php-apache" currentReplicas=1 desiredReplicas=4 reason="cpu resource utilization (percentage of request) above target"');
    logs.logger("horizontal-pod-autoscaler").error('"Unhandled Error" err="boom"');
    logs.logger("horizontal-pod-autoscaler").debug("noise");
    const opts = { nowMs: EPOCH + 60_000, epochMs: EPOCH };
    expect(podLogText(logs, "kube-scheduler-scalelab-control-plane", "kube-scheduler", opts)).toBe(
      'I1122 18:50:30.123000       1 schedule_one.go:1055] "Unable to schedule pod; no fit; waiting" pod="default/web-7" err="0/3 nodes are available: 3 Insufficient cpu. \\"x\\"" attempts=2\n',
    );
    const kcm = podLogText(logs, "kube-controller-manager-scalelab-control-plane", undefined, opts).split("\n");
    expect(kcm.length).toBe(3); // two lines + the trailing newline; the debug record is hidden
    expect(kcm[0]).toBe(
      'I1122 18:50:45.000000       1 horizontal.go:878] "Successfully rescaled" HPA="default/php-apache" currentReplicas=1 desiredReplicas=4 reason="cpu resource utilization (percentage of request) above target"',
    );
    expect(kcm[1]).toMatch(/^E1122 18:50:45\.000000 {7}1 horizontal\.go:\d+\] "Unhandled Error" err="boom" logger="UnhandledError"$/);
    // debug records need verbose
    expect(podLogText(logs, "kube-controller-manager-scalelab-control-plane", undefined, { ...opts, verbose: true })).toContain('"noise"');
  });

  it("merges components in time order and applies since/tail/timestamps/limitBytes", () => {
    const { clock, logs } = setup();
    for (let i = 0; i < 5; i++) {
      clock.runUntil(i * 10_000);
      logs.logger(i % 2 ? "horizontal-pod-autoscaler" : "kube-controller-manager").info(`m${i}`);
    }
    const base = { nowMs: EPOCH + 40_000, epochMs: EPOCH };
    const msgs = (t: string) => t.trimEnd().split("\n").map((l) => l.slice(l.indexOf("] ") + 2));
    const pod = "kube-controller-manager-scalelab-control-plane";
    expect(msgs(podLogText(logs, pod, undefined, base))).toEqual(['"m0"', '"m1"', '"m2"', '"m3"', '"m4"']);
    expect(msgs(podLogText(logs, pod, undefined, { ...base, tailLines: 2 }))).toEqual(['"m3"', '"m4"']);
    expect(msgs(podLogText(logs, pod, undefined, { ...base, sinceSeconds: 15 }))).toEqual(['"m3"', '"m4"']);
    expect(podLogText(logs, pod, undefined, { ...base, tailLines: 0 })).toBe("");
    const ts = podLogText(logs, pod, undefined, { ...base, tailLines: 1, timestamps: true });
    expect(ts.startsWith("2025-11-22T18:50:40Z I1122 18:50:40.000000")).toBe(true);
    expect(podLogText(logs, pod, undefined, { ...base, limitBytes: 10 })).toBe("I1122 18:5");
    // wrong container or app pods: empty
    expect(podLogText(logs, pod, "nope", base)).toBe("");
    expect(podLogText(logs, "php-apache-1", undefined, base)).toBe("");
  });

  it("follows new lines until unsubscribed", () => {
    const { clock, logs } = setup();
    const got: string[] = [];
    const stop = followPodLog(logs, "kube-scheduler-scalelab-control-plane", "kube-scheduler", (l) => got.push(l), { epochMs: EPOCH });
    clock.runUntil(1_500);
    logs.logger("default-scheduler").info("a");
    logs.logger("horizontal-pod-autoscaler").info("not mine");
    stop();
    logs.logger("default-scheduler").info("b");
    expect(got.length).toBe(1);
    expect(got[0]).toMatch(/^I1122 18:50:01\.500000 {7}1 schedule_one\.go:\d+\] "a"\n$/);
  });
});

describe("helpers", () => {
  it("goQuote escapes like strconv.Quote", () => {
    expect(goQuote('a"b\\c\nd\te\x01')).toBe('"a\\"b\\\\c\\nd\\te\\x01"');
    expect(goQuote("ünï")).toBe('"ünï"');
  });
  it("RFC3339Nano trims trailing zeros", () => {
    expect(rfc3339Nano(Date.UTC(2025, 0, 1, 0, 0, 0, 120))).toBe("2025-01-01T00:00:00.12Z");
    expect(rfc3339Nano(Date.UTC(2025, 0, 1, 0, 0, 0, 0))).toBe("2025-01-01T00:00:00Z");
  });
  it("JSON-logging components (Karpenter) write zap lines", () => {
    registerComponentPod({
      prefix: "karpenter-6d7f9c-x2x4z",
      fullName: true,
      namespace: "kube-system",
      container: "controller",
      image: "public.ecr.aws/karpenter/controller:1.3.3",
      components: ["karpenter"],
      format: "json",
      labels: { "app.kubernetes.io/name": "karpenter" },
    });
    const { clock, logs } = setup();
    clock.runUntil(2_000);
    logs.logger("karpenter").info("found provisionable pod(s)", { controller: "provisioner", Pods: "default/inflate-1" });
    const text = podLogText(logs, "karpenter-6d7f9c-x2x4z", "controller", { nowMs: EPOCH, epochMs: EPOCH });
    expect(JSON.parse(text)).toEqual({ level: "INFO", time: "2025-11-22T18:50:02.000Z", logger: "controller", message: "found provisionable pod(s)", controller: "provisioner", Pods: "default/inflate-1" });
    expect(formatJsonLine({ t: 0, component: "k", level: "error", message: "x" }, EPOCH)).toBe('{"level":"ERROR","time":"2025-11-22T18:50:00.000Z","logger":"controller","message":"x"}');
  });
});
