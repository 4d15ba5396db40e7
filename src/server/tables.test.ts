import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/meta.js";
import { evalJsonPath } from "./printers/jsonpath.js";
import { ageOf, formatEndpoints, tableFor, tableForCustom, type Table } from "./tables.js";

const T0 = Date.UTC(2025, 0, 1, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const NOW = T0 + 3 * 3600_000 + 4 * 60_000; // 3h4m after T0

function meta(name: string, extra: Record<string, unknown> = {}) {
  return { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "7", creationTimestamp: iso(T0), labels: { app: "web" }, ...extra };
}

function pod(name: string, spec: any, status: any, m: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: meta(name, m), spec, status };
}

const cells = (t: Table) => t.rows.map((r) => r.cells);
const names = (t: Table) => t.columnDefinitions!.map((c) => `${c.name}${c.priority ? "*" : ""}`);

describe("ages (duration.HumanDuration)", () => {
  it("formats like kubectl", () => {
    const at = (s: number) => ageOf(iso(T0), T0 + s * 1000);
    expect(at(5)).toBe("5s");
    expect(at(119)).toBe("119s");
    expect(at(150)).toBe("2m30s");
    expect(at(600)).toBe("10m");
    expect(at(3 * 3600 + 4 * 60)).toBe("3h4m");
    expect(at(48 * 3600)).toBe("2d");
    expect(ageOf(undefined, NOW)).toBe("<unknown>");
  });
});

describe("pods", () => {
  const running = pod(
    "web-0",
    { containers: [{ name: "c", image: "nginx" }], nodeName: "ip-10-0-1-5.ec2.internal" },
    {
      phase: "Running",
      podIPs: [{ ip: "10.0.1.20" }],
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [
        {
          name: "c",
          ready: true,
          restartCount: 3,
          state: { running: { startedAt: iso(T0) } },
          lastState: { terminated: { exitCode: 137, reason: "OOMKilled", finishedAt: iso(NOW - 120_000) } },
        },
      ],
    },
  );

  it("has the 1.32 columns with wide ones at priority 1", () => {
    const t = tableFor("Pod", [running], { nowMs: NOW });
    expect(t.kind).toBe("Table");
    expect(t.apiVersion).toBe("meta.k8s.io/v1");
    expect(names(t)).toEqual(["Name", "Ready", "Status", "Restarts", "Age", "IP*", "Node*", "Nominated Node*", "Readiness Gates*"]);
    expect(t.columnDefinitions![0]!.format).toBe("name");
  });

  it("prints a running pod with restarts `3 (2m ago)`", () => {
    const t = tableFor("Pod", [running], { nowMs: NOW });
    expect(cells(t)[0]).toEqual(["web-0", "1/1", "Running", "3 (2m ago)", "3h4m", "10.0.1.20", "ip-10-0-1-5.ec2.internal", "<none>", "<none>"]);
    expect(t.rows[0]!.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: running.metadata });
  });

  it("honours includeObject and narrow output", () => {
    expect(tableFor("Pod", [running], { nowMs: NOW, includeObject: "Object" }).rows[0]!.object).toBe(running);
    expect(tableFor("Pod", [running], { nowMs: NOW, includeObject: "None" }).rows[0]!.object).toBeUndefined();
    const narrow = tableFor("Pod", [running], { nowMs: NOW, wide: false });
    expect(narrow.columnDefinitions!.length).toBe(5);
    expect(narrow.rows[0]!.cells.length).toBe(5);
  });

  it("derives STATUS from container states", () => {
    const status = (st: any, m: Record<string, unknown> = {}, spec: any = { containers: [{ name: "c" }] }) =>
      tableFor("Pod", [pod("p", spec, st, m)], { nowMs: NOW }).rows[0]!.cells[2];
    expect(status({ phase: "Pending" })).toBe("Pending");
    expect(status({ phase: "Pending", containerStatuses: [{ name: "c", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] })).toBe(
      "ContainerCreating",
    );
    expect(status({ phase: "Running", containerStatuses: [{ name: "c", restartCount: 4, state: { waiting: { reason: "CrashLoopBackOff" } } }] })).toBe("CrashLoopBackOff");
    expect(status({ phase: "Running", containerStatuses: [{ name: "c", restartCount: 0, state: { terminated: { reason: "OOMKilled", exitCode: 137 } } }] })).toBe("OOMKilled");
    expect(status({ phase: "Failed", containerStatuses: [{ name: "c", state: { terminated: { exitCode: 2 } } }] })).toBe("ExitCode:2");
    expect(status({ phase: "Failed", containerStatuses: [{ name: "c", state: { terminated: { exitCode: 0, signal: 9 } } }] })).toBe("Signal:9");
    expect(status({ phase: "Succeeded", containerStatuses: [{ name: "c", state: { terminated: { reason: "Completed", exitCode: 0 } } }] })).toBe("Completed");
    expect(status({ phase: "Running", containerStatuses: [{ name: "c", ready: true, state: { running: {} } }] }, { deletionTimestamp: iso(NOW) })).toBe("Terminating");
    expect(status({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] })).toBe("SchedulingGated");
    expect(status({ phase: "Pending", reason: "Evicted" })).toBe("Evicted");
    // Completed sidecar-ish container next to a running one: Running if the pod is Ready, NotReady otherwise.
    const two = { containers: [{ name: "a" }, { name: "b" }] };
    const st = (ready: string) => ({
      phase: "Running",
      conditions: [{ type: "Ready", status: ready }],
      containerStatuses: [
        { name: "a", state: { terminated: { reason: "Completed", exitCode: 0 } } },
        { name: "b", ready: true, state: { running: {} } },
      ],
    });
    expect(status(st("True"), {}, two)).toBe("Running");
    expect(status(st("False"), {}, two)).toBe("NotReady");
    // Init containers
    const withInit = { initContainers: [{ name: "i1" }, { name: "i2" }], containers: [{ name: "c" }] };
    expect(status({ phase: "Pending", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 0 } } }, { name: "i2", state: { running: {} } }] }, {}, withInit)).toBe(
      "Init:1/2",
    );
    expect(status({ phase: "Pending", initContainerStatuses: [{ name: "i1", state: { waiting: { reason: "CrashLoopBackOff" } } }] }, {}, withInit)).toBe("Init:CrashLoopBackOff");
    expect(status({ phase: "Pending", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 3 } } }] }, {}, withInit)).toBe("Init:ExitCode:3");
  });

  it("counts restartable init (sidecar) containers in READY", () => {
    const spec = { initContainers: [{ name: "side", restartPolicy: "Always" }], containers: [{ name: "c" }] };
    const st = {
      phase: "Running",
      conditions: [{ type: "Initialized", status: "True" }],
      initContainerStatuses: [{ name: "side", started: true, ready: true, restartCount: 1, state: { running: {} } }],
      containerStatuses: [{ name: "c", ready: true, restartCount: 0, state: { running: {} } }],
    };
    const row = tableFor("Pod", [pod("p", spec, st)], { nowMs: NOW }).rows[0]!.cells;
    expect(row.slice(1, 4)).toEqual(["2/2", "Running", "1"]);
  });

  it("marks finished pods with a Completed row condition and readiness gates n/m", () => {
    const done = pod("j", { containers: [{ name: "c" }], readinessGates: [{ conditionType: "x" }, { conditionType: "y" }] }, {
      phase: "Succeeded",
      conditions: [{ type: "x", status: "True" }],
    });
    const r = tableFor("Pod", [done], { nowMs: NOW }).rows[0]!;
    expect(r.conditions).toEqual([{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]);
    expect(r.cells[8]).toBe("1/2");
  });
});

describe("workloads", () => {
  const tmpl = { spec: { containers: [{ name: "php", image: "registry.k8s.io/hpa-example" }, { name: "side", image: "busybox" }] } };
  it("deployment: READY r/d, integers, wide containers/images/selector", () => {
    const d: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("php-apache"),
      spec: { replicas: 4, selector: { matchLabels: { run: "php-apache", app: "x" } }, template: tmpl },
      status: { readyReplicas: 3, updatedReplicas: 4, availableReplicas: 3 },
    };
    const t = tableFor("Deployment", [d], { nowMs: NOW });
    expect(names(t)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers*", "Images*", "Selector*"]);
    expect(cells(t)[0]).toEqual(["php-apache", "3/4", 4, 3, "3h4m", "php,side", "registry.k8s.io/hpa-example,busybox", "app=x,run=php-apache"]);
  });
  it("replicaset, statefulset, daemonset", () => {
    const rs: KubeObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: meta("rs"), spec: { replicas: 2, selector: { matchLabels: { a: "b" } }, template: tmpl }, status: { replicas: 2, readyReplicas: 1 } };
    expect(cells(tableFor("ReplicaSet", [rs], { nowMs: NOW }))[0]).toEqual(["rs", 2, 2, 1, "3h4m", "php,side", "registry.k8s.io/hpa-example,busybox", "a=b"]);
    const sts: KubeObject = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: meta("db"), spec: { replicas: 3, template: tmpl }, status: { readyReplicas: 2 } };
    expect(cells(tableFor("StatefulSet", [sts], { nowMs: NOW }))[0]).toEqual(["db", "2/3", "3h4m", "php,side", "registry.k8s.io/hpa-example,busybox"]);
    const ds: KubeObject = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: meta("aws-node"),
      spec: { selector: { matchLabels: { k: "v" } }, template: { spec: { nodeSelector: { "kubernetes.io/os": "linux" }, containers: [{ name: "n", image: "i" }] } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    };
    expect(cells(tableFor("DaemonSet", [ds], { nowMs: NOW }))[0]).toEqual(["aws-node", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "3h4m", "n", "i", "k=v"]);
  });
  it("job status, completions and duration", () => {
    const j: KubeObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta("pi"),
      spec: { completions: 3, selector: { matchLabels: { "batch.kubernetes.io/job-name": "pi" } }, template: tmpl },
      status: { succeeded: 3, startTime: iso(T0), completionTime: iso(T0 + 150_000), conditions: [{ type: "Complete", status: "True" }] },
    };
    expect(cells(tableFor("Job", [j], { nowMs: NOW }))[0]!.slice(0, 5)).toEqual(["pi", "Complete", "3/3", "2m30s", "3h4m"]);
    const running: KubeObject = { ...j, spec: { parallelism: 2 }, status: { succeeded: 0, startTime: iso(NOW - 30_000) } };
    expect(cells(tableFor("Job", [running], { nowMs: NOW }))[0]!.slice(1, 4)).toEqual(["Running", "0/1 of 2", "30s"]);
  });
  it("cronjob schedule, time zone, suspend, active and last schedule (printCronJob, 1.32)", () => {
    const cj: KubeObject = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: meta("hello"),
      spec: {
        schedule: "* * * * *",
        timeZone: "Asia/Seoul",
        suspend: false,
        jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "hello", image: "busybox:1.28" }] } } } },
      },
      status: { active: [{ kind: "Job", name: "hello-29000000" }, { kind: "Job", name: "hello-29000001" }], lastScheduleTime: iso(NOW - 45_000) },
    };
    const t = tableFor("CronJob", [cj], { nowMs: NOW });
    expect(names(t)).toEqual(["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers*", "Images*", "Selector*"]);
    expect(cells(t)[0]).toEqual(["hello", "* * * * *", "Asia/Seoul", "False", 2, "45s", "3h4m", "hello", "busybox:1.28", "<none>"]);
    // Unset pointers print as printBoolPtr / the printer's <none>; a template selector prints as FormatLabelSelector.
    const bare: KubeObject = { ...cj, spec: { schedule: "@hourly", jobTemplate: { spec: { selector: { matchLabels: { a: "b" } }, template: cj.spec.jobTemplate.spec.template } } }, status: {} };
    expect(cells(tableFor("CronJob", [bare], { nowMs: NOW }))[0]).toEqual(["hello", "@hourly", "<none>", "<unset>", 0, "<none>", "3h4m", "hello", "busybox:1.28", "a=b"]);
    expect(cells(tableFor("CronJob", [cj], { nowMs: NOW, wide: false }))[0]).toEqual(["hello", "* * * * *", "Asia/Seoul", "False", 2, "45s", "3h4m"]);
  });
});

describe("nodes", () => {
  const node = (labels: Record<string, string>, ready: string | undefined, unschedulable = false): KubeObject => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "ip-10-0-1-5.ec2.internal", creationTimestamp: iso(NOW - 5000), labels },
    spec: { unschedulable },
    status: {
      conditions: ready ? [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: ready }] : [],
      addresses: [
        { type: "InternalIP", address: "10.0.1.5" },
        { type: "Hostname", address: "ip-10-0-1-5.ec2.internal" },
      ],
      nodeInfo: { kubeletVersion: "v1.32.3-eks-473151a", osImage: "Amazon Linux 2023.6.20250203", kernelVersion: "6.1.127-135.201.amzn2023.x86_64", containerRuntimeVersion: "containerd://1.7.25" },
    },
  });
  it("STATUS, ROLES, VERSION and wide columns", () => {
    const t = tableFor("Node", [node({}, "True")], { nowMs: NOW });
    expect(names(t)).toEqual(["Name", "Status", "Roles", "Age", "Version", "Internal-IP*", "External-IP*", "OS-Image*", "Kernel-Version*", "Container-Runtime*"]);
    expect(cells(t)[0]).toEqual([
      "ip-10-0-1-5.ec2.internal",
      "Ready",
      "<none>",
      "5s",
      "v1.32.3-eks-473151a",
      "10.0.1.5",
      "<none>",
      "Amazon Linux 2023.6.20250203",
      "6.1.127-135.201.amzn2023.x86_64",
      "containerd://1.7.25",
    ]);
    const s = (n: KubeObject) => tableFor("Node", [n], { nowMs: NOW }).rows[0]!.cells.slice(1, 3);
    expect(s(node({ "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "infra" }, "True", true))).toEqual([
      "Ready,SchedulingDisabled",
      "control-plane,infra,worker",
    ]);
    expect(s(node({}, "Unknown"))[0]).toBe("NotReady");
    expect(s(node({}, undefined))[0]).toBe("Unknown");
  });
});

describe("services and endpoints", () => {
  it("ClusterIP, NodePort, LoadBalancer", () => {
    const svc = (spec: any, status: any = {}): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: meta("s"), spec, status });
    const row = (s: KubeObject) => tableFor("Service", [s], { nowMs: NOW }).rows[0]!.cells;
    expect(row(svc({ type: "ClusterIP", clusterIP: "10.100.4.2", clusterIPs: ["10.100.4.2"], ports: [{ port: 80, protocol: "TCP" }], selector: { run: "php-apache" } }))).toEqual([
      "s",
      "ClusterIP",
      "10.100.4.2",
      "<none>",
      "80/TCP",
      "3h4m",
      "run=php-apache",
    ]);
    expect(row(svc({ type: "NodePort", clusterIPs: ["10.100.0.9"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 53, protocol: "UDP" }] })).slice(1, 5)).toEqual([
      "NodePort",
      "10.100.0.9",
      "<none>",
      "80:30080/TCP,53/UDP",
    ]);
    expect(row(svc({ type: "LoadBalancer", clusterIPs: ["10.100.0.9"], ports: [] }))[3]).toBe("<pending>");
    expect(row(svc({ type: "LoadBalancer", clusterIPs: ["10.100.0.9"], ports: [] }, { loadBalancer: { ingress: [{ hostname: "a1b2.elb.amazonaws.com" }] } }))[3]).toBe(
      "a1b2.elb.amazonaws.com",
    );
    expect(row(svc({ type: "ClusterIP", clusterIP: "None", clusterIPs: ["None"] }))[4]).toBe("<none>");
  });
  it("endpoints: at most three, then + N more...", () => {
    const ep = (subsets: any[]): KubeObject => ({ apiVersion: "v1", kind: "Endpoints", metadata: meta("e"), subsets } as KubeObject);
    expect(formatEndpoints(ep([]))).toBe("<none>");
    const addrs = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"].map((ip) => ({ ip }));
    expect(formatEndpoints(ep([{ addresses: addrs, ports: [{ port: 80 }] }]))).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...");
    expect(formatEndpoints(ep([{ addresses: addrs.slice(0, 2) }]))).toBe("10.0.0.1,10.0.0.2");
    expect(formatEndpoints(ep([{ notReadyAddresses: addrs, ports: [{ port: 80 }] }]))).toBe("");
  });
});

describe("events", () => {
  it("LAST SEEN TYPE REASON OBJECT MESSAGE (+ wide SUBOBJECT SOURCE … FIRST SEEN COUNT NAME)", () => {
    const e: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: meta("php-apache.1811a"),
      involvedObject: { kind: "HorizontalPodAutoscaler", name: "php-apache", namespace: "default" },
      reason: "SuccessfulRescale",
      message: "New size: 4; reason: cpu resource utilization (percentage of request) above target\n",
      type: "Normal",
      source: { component: "horizontal-pod-autoscaler" },
      firstTimestamp: iso(NOW - 300_000),
      lastTimestamp: iso(NOW - 45_000),
      count: 2,
    };
    const t = tableFor("Event", [e], { nowMs: NOW });
    expect(names(t)).toEqual(["Last Seen", "Type", "Reason", "Object", "Subobject*", "Source*", "Message", "First Seen*", "Count*", "Name*"]);
    expect(cells(t)[0]).toEqual([
      "45s",
      "Normal",
      "SuccessfulRescale",
      "horizontalpodautoscaler/php-apache",
      "",
      "horizontal-pod-autoscaler",
      "New size: 4; reason: cpu resource utilization (percentage of request) above target",
      "5m",
      2,
      "php-apache.1811a",
    ]);
    const ev2: KubeObject = { ...e, source: { component: "kubelet", host: "ip-1" }, count: undefined, lastTimestamp: undefined, firstTimestamp: undefined, eventTime: iso(NOW - 10_000) } as KubeObject;
    const c2 = tableFor("Event", [ev2], { nowMs: NOW }).rows[0]!.cells;
    expect([c2[0], c2[5], c2[7], c2[8]]).toEqual(["10s", "kubelet, ip-1", "10s", 1]);
    expect(tableFor("Event", [e], { nowMs: NOW, wide: false }).rows[0]!.cells).toEqual(["45s", "Normal", "SuccessfulRescale", "horizontalpodautoscaler/php-apache", e.message!.toString().trim()]);
  });
});

describe("hpa and misc kinds", () => {
  it("hpa row", () => {
    const h: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: meta("php-apache"),
      spec: { scaleTargetRef: { kind: "Deployment", name: "php-apache" }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] },
      status: { currentReplicas: 3, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 52, averageValue: "104m" } } }] },
    };
    const t = tableFor("HorizontalPodAutoscaler", [h], { nowMs: NOW });
    expect(names(t)).toEqual(["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]);
    expect(cells(t)[0]).toEqual(["php-apache", "Deployment/php-apache", "cpu: 52%/50%", "1", 10, 3, "3h4m"]);
  });
  it("namespace, configmap, secret, pdb, priorityclass", () => {
    const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system", creationTimestamp: iso(T0) }, status: { phase: "Active" } };
    expect(cells(tableFor("Namespace", [ns], { nowMs: NOW }))[0]).toEqual(["kube-system", "Active", "3h4m"]);
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: meta("cm"), data: { a: "1", b: "2" }, binaryData: { c: "AA==" } } as KubeObject;
    expect(cells(tableFor("ConfigMap", [cm], { nowMs: NOW }))[0]).toEqual(["cm", 3, "3h4m"]);
    const sec = { apiVersion: "v1", kind: "Secret", metadata: meta("s"), type: "Opaque", data: { a: "MQ==" } } as KubeObject;
    expect(cells(tableFor("Secret", [sec], { nowMs: NOW }))[0]).toEqual(["s", "Opaque", 1, "3h4m"]);
    const pdb: KubeObject = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("p"), spec: { minAvailable: "50%" }, status: { disruptionsAllowed: 1 } };
    expect(cells(tableFor("PodDisruptionBudget", [pdb], { nowMs: NOW }))[0]).toEqual(["p", "50%", "N/A", 1, "3h4m"]);
    const pc = { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "system-node-critical", creationTimestamp: iso(T0) }, value: 2000001000 } as KubeObject;
    const t = tableFor("PriorityClass", [pc], { nowMs: NOW });
    expect(names(t)).toEqual(["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]);
    expect(cells(t)[0]).toEqual(["system-node-critical", 2000001000, false, "3h4m", "PreemptLowerPriority"]);
  });
  it("kinds without a printer get Name + Created At (RFC3339)", () => {
    const lr = { apiVersion: "v1", kind: "LimitRange", metadata: meta("lr") } as KubeObject;
    const t = tableFor("LimitRange", [lr], { nowMs: NOW, resourceVersion: "42" });
    expect(t.metadata.resourceVersion).toBe("42");
    expect(t.columnDefinitions!.map((c) => [c.name, c.type])).toEqual([
      ["Name", "string"],
      ["Created At", "date"],
    ]);
    expect(cells(t)[0]).toEqual(["lr", "2025-01-01T00:00:00Z"]);
  });
  it("noHeaders gives null columnDefinitions (watch events after the first)", () => {
    expect(tableFor("Pod", [], { nowMs: NOW, noHeaders: true }).columnDefinitions).toBeNull();
  });
});

describe("custom resources", () => {
  const nodeclaim = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name: "default-x7k2p", creationTimestamp: iso(NOW - 90_000), labels: { "node.kubernetes.io/instance-type": "m5.large", "karpenter.sh/capacity-type": "spot" } },
    spec: { replicas: 3, triggers: [{ type: "cpu" }, { type: "memory" }] },
    status: { nodeName: "ip-10-0-1-9", conditions: [{ type: "Launched", status: "True" }, { type: "Ready", status: "False" }], ratio: 0.5 },
  } as KubeObject;
  it("evaluates printer-column JSONPaths", () => {
    const t = tableForCustom(
      [nodeclaim],
      [
        { name: "Type", type: "string", jsonPath: ".metadata.labels.node\\.kubernetes\\.io/instance-type" },
        { name: "Capacity", type: "string", jsonPath: ".metadata.labels.karpenter\\.sh/capacity-type" },
        { name: "Node", type: "string", jsonPath: ".status.nodeName" },
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
        { name: "Ratio", type: "number", jsonPath: ".status.ratio", priority: 1 },
        { name: "Triggers", type: "string", jsonPath: ".spec.triggers[*].type" },
        { name: "Missing", type: "string", jsonPath: ".status.providerID" },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
      { nowMs: NOW },
    );
    expect(names(t)).toEqual(["Name", "Type", "Capacity", "Node", "Ready", "Replicas", "Ratio*", "Triggers", "Missing", "Age"]);
    expect(cells(t)[0]).toEqual(["default-x7k2p", "m5.large", "spot", "ip-10-0-1-9", "False", 3, 0.5, "cpu", null, "90s"]);
  });
  it("defaults to an Age column", () => {
    const t = tableForCustom([nodeclaim], [], { nowMs: NOW });
    expect(names(t)).toEqual(["Name", "Age"]);
    expect(cells(t)[0]).toEqual(["default-x7k2p", "90s"]);
  });
  it("jsonpath: indices, slices, recursion, filters", () => {
    const o = { a: { b: [{ n: 1, k: "x" }, { n: 5, k: "y" }, { n: 9, k: "z" }] } };
    expect(evalJsonPath(o, "{.a.b[0].n}")).toEqual([1]);
    expect(evalJsonPath(o, ".a.b[-1].k")).toEqual(["z"]);
    expect(evalJsonPath(o, ".a.b[0:2].k")).toEqual(["x", "y"]);
    expect(evalJsonPath(o, ".a.b[?(@.n>4)].k")).toEqual(["y", "z"]);
    expect(evalJsonPath(o, "..k")).toEqual(["x", "y", "z"]);
    expect(evalJsonPath(o, ".a['b'][1].n")).toEqual([5]);
    expect(evalJsonPath(o, ".nope.x")).toEqual([]);
  });
});
