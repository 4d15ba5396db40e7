/**
 * `meta.k8s.io/v1` Table output, as kube-apiserver 1.32 builds it from the printers in
 * pkg/printers/internalversion/printers.go (always generated with `Wide: true`: rows carry every
 * cell, kubectl hides priority-1 columns unless `-o wide`). Kinds without a printer get the
 * apiserver's default table convertor (`Name`, `Created At`); custom resources get their
 * additionalPrinterColumns (`tableForCustom`, default `Age`).
 */
import type { KubeObject } from "../api/meta.js";
import { formatHpaTargets, humanDuration } from "../autoscaling/hpa/printer.js";
import { fromLabelSelector } from "../core/labels.js";
import { evalJsonPath, formatJsonPathValue } from "./printers/jsonpath.js";

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: ColumnDefinition[] | null;
  rows: TableRow[];
}

export interface TableOptions {
  /** Wall-clock "now" in Unix ms (ages are computed against it). */
  nowMs: number;
  /** Row `object`: PartialObjectMetadata (default / "Metadata"), the full object ("Object") or none. */
  includeObject?: "None" | "Object" | "Metadata";
  /** kube-apiserver always generates wide rows; `false` gives the short cell set (as kubectl's printer would). */
  wide?: boolean;
  /** List resourceVersion to put in the Table's metadata. */
  resourceVersion?: string;
  /** Omit columnDefinitions (`null`), as the apiserver does on watch events after the first. */
  noHeaders?: boolean;
}

// ----------------------------------------------------------------------------- descriptions

const D_NAME =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const D_AGE =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const D_CONTAINERS = "Names of each container in the template.";
const D_IMAGES = "Images referenced by each container in the template.";
const D_CRONJOB_TIMEZONE =
  "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones This is beta field and must be enabled via the `CronJobTimeZone` feature gate.";

function col(name: string, type: string, description = "", priority = 0, format = ""): ColumnDefinition {
  return { name, type, format, description, priority };
}
const NAME = col("Name", "string", D_NAME, 0, "name");
const AGE = col("Age", "string", D_AGE);

// ----------------------------------------------------------------------------- helpers

/** translateTimestampSince: `<unknown>` for a missing time. */
export function ageOf(ts: string | undefined | null, nowMs: number): string {
  if (!ts) return "<unknown>";
  const t = Date.parse(ts);
  if (!Number.isFinite(t)) return "<unknown>";
  return humanDuration(nowMs - t);
}

/** labels.FormatLabels: sorted `k=v` joined by `,`, `<none>` when empty. */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  if (!m) return "<none>";
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${m[k]}`).join(",");
}

/** metav1.LabelSelectorAsSelector(sel).String(): `<none>`-free canonical form; nil selector → "". */
export function selectorString(sel: any): string {
  if (!sel) return "";
  try {
    return fromLabelSelector(sel).toString();
  } catch {
    return "";
  }
}

function layoutContainerCells(containers: any[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name ?? "").join(","), cs.map((c) => c.image ?? "").join(",")];
}

function int(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0;
}

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

// ----------------------------------------------------------------------------- printers

interface Printer {
  columns: ColumnDefinition[];
  /** Cells for a wide row (all columns). */
  cells(o: KubeObject, nowMs: number): unknown[];
  conditions?(o: KubeObject): TableRow["conditions"];
}

function isRestartableInit(c: any): boolean {
  return c?.restartPolicy === "Always";
}

function podCells(pod: KubeObject, nowMs: number): unknown[] {
  const spec = pod.spec ?? {};
  const st = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart = 0; // Unix ms; 0 = zero time
  let lastRestartableInitRestart = 0;
  const podPhase: string = st.phase ?? "";
  let reason: string = st.reason ? st.reason : podPhase;

  for (const c of st.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  const initSpecs = new Map<string, any>();
  for (const c of spec.initContainers ?? []) {
    initSpecs.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  const finishedAt = (cs: any): number => {
    const f = cs?.lastState?.terminated?.finishedAt;
    const t = f ? Date.parse(f) : NaN;
    return Number.isFinite(t) ? t : 0;
  };

  let initializing = false;
  const initStatuses: any[] = st.initContainerStatuses ?? [];
  const nInit = (spec.initContainers ?? []).length;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += int(c.restartCount);
    const fa = finishedAt(c);
    if (fa > lastRestart) lastRestart = fa;
    const restartable = isRestartableInit(initSpecs.get(c.name));
    if (restartable) {
      restartableInitRestarts += int(c.restartCount);
      if (fa > lastRestartableInitRestart) lastRestartableInitRestart = fa;
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && int(term.exitCode) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) {
        reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${int(term.exitCode)}`;
      } else {
        reason = `Init:${term.reason}`;
      }
      initializing = true;
    } else if (wait && wait.reason && wait.reason !== "PodInitializing") {
      reason = `Init:${wait.reason}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${nInit}`;
      initializing = true;
    }
    break;
  }

  const initializedTrue = (st.conditions ?? []).some((c: any) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses: any[] = st.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += int(c.restartCount);
      const fa = finishedAt(c);
      if (fa > lastRestart) lastRestart = fa;
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait && wait.reason) reason = wait.reason;
      else if (term && term.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${int(term.exitCode)}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const ready = (st.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
      reason = ready ? "Running" : "NotReady";
    }
  }

  if (pod.metadata.deletionTimestamp && st.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && podPhase !== "Succeeded" && podPhase !== "Failed") reason = "Terminating";

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) restartsStr = `${restarts} (${humanDuration(nowMs - lastRestart)} ago)`;

  const podIP = (st.podIPs && st.podIPs.length > 0 ? st.podIPs[0].ip : "") || "<none>";
  const nodeName = spec.nodeName || "<none>";
  const nominated = st.nominatedNodeName || "<none>";
  let gates = "<none>";
  const rg: any[] = spec.readinessGates ?? [];
  if (rg.length > 0) {
    let trueConds = 0;
    for (const g of rg) {
      const c = (st.conditions ?? []).find((x: any) => x.type === g.conditionType);
      if (c && c.status === "True") trueConds++;
    }
    gates = `${trueConds}/${rg.length}`;
  }
  return [
    pod.metadata.name,
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsStr,
    ageOf(pod.metadata.creationTimestamp, nowMs),
    podIP,
    nodeName,
    nominated,
    gates,
  ];
}

function nodeCells(n: KubeObject, nowMs: number): unknown[] {
  const st = n.status ?? {};
  const status: string[] = [];
  const ready = (st.conditions ?? []).find((c: any) => c.type === "Ready");
  if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
  if (status.length === 0) status.push("Unknown");
  if (n.spec?.unschedulable) status.push("SchedulingDisabled");
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const r = k.slice("node-role.kubernetes.io/".length);
      if (r) roles.add(r);
    } else if (k === "kubernetes.io/role" && v !== "") roles.add(v);
  }
  const info = st.nodeInfo ?? {};
  const addr = (type: string) => (st.addresses ?? []).find((a: any) => a.type === type)?.address || "<none>";
  return [
    n.metadata.name,
    status.join(","),
    roles.size ? [...roles].sort().join(",") : "<none>",
    ageOf(n.metadata.creationTimestamp, nowMs),
    str(info.kubeletVersion),
    addr("InternalIP"),
    addr("ExternalIP"),
    info.osImage || "<unknown>",
    info.kernelVersion || "<unknown>",
    info.containerRuntimeVersion || "<unknown>",
  ];
}

function microAge(ts: string | undefined, nowMs: number): string {
  return ageOf(ts, nowMs);
}

function eventCells(e: KubeObject, nowMs: number): unknown[] {
  const ev = e as any;
  let first = ageOf(ev.firstTimestamp, nowMs);
  if (!ev.firstTimestamp) first = microAge(ev.eventTime, nowMs);
  let last = ageOf(ev.lastTimestamp, nowMs);
  if (!ev.lastTimestamp) last = first;
  let count = int(ev.count);
  if (ev.series) {
    last = microAge(ev.series.lastObservedTime, nowMs);
    count = int(ev.series.count);
  } else if (count === 0) count = 1;
  const io = ev.involvedObject ?? {};
  const kind = str(io.kind).toLowerCase();
  const target = io.name ? `${kind}/${io.name}` : kind;
  const component = ev.source?.component || ev.reportingComponent || "";
  const host = ev.source?.host || ev.reportingInstance || "";
  const source = host ? `${component}, ${host}` : component;
  return [last, str(ev.type), str(ev.reason), target, str(io.fieldPath), source, str(ev.message).trim(), first, count, e.metadata.name];
}

function serviceExternalIP(svc: KubeObject, wide: boolean): string {
  const spec = svc.spec ?? {};
  const ext: string[] = spec.externalIPs ?? [];
  switch (spec.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return ext.length > 0 ? ext.join(",") : "<none>";
    case "LoadBalancer": {
      const ing: any[] = svc.status?.loadBalancer?.ingress ?? [];
      const ips: string[] = [];
      for (const i of ing) {
        if (i.ip) ips.push(i.ip);
        else if (i.hostname) ips.push(i.hostname);
      }
      let lb = ips.join(",");
      if (!wide && lb.length > 16) lb = lb.slice(0, 13) + "...";
      if (ext.length > 0) return [...(lb ? lb.split(",") : []), ...ext].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return str(spec.externalName);
  }
  return "<unknown>";
}

function portString(ports: any[] | undefined): string {
  return (ports ?? [])
    .map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`))
    .join(",");
}

function joinHostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** formatEndpoints(endpoints, nil): at most 3 `ip:port`, then ` + N more...`. */
export function formatEndpoints(ep: KubeObject): string {
  const subsets: any[] = (ep as any).subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs: any[] = ss.addresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, p.port));
      }
    }
  }
  const ret = list.join(",");
  return more ? `${ret} + ${count - max} more...` : ret;
}

function jobCells(j: KubeObject, nowMs: number): unknown[] {
  const spec = j.spec ?? {};
  const st = j.status ?? {};
  let completions: string;
  if (spec.completions !== undefined && spec.completions !== null) completions = `${int(st.succeeded)}/${spec.completions}`;
  else {
    const par = int(spec.parallelism);
    completions = par > 1 ? `${int(st.succeeded)}/1 of ${par}` : `${int(st.succeeded)}/1`;
  }
  let duration = "";
  if (st.startTime) {
    const start = Date.parse(st.startTime);
    duration = st.completionTime ? humanDuration(Date.parse(st.completionTime) - start) : humanDuration(nowMs - start);
  }
  const has = (t: string) => (st.conditions ?? []).some((c: any) => c.type === t && c.status === "True");
  let status = "Running";
  if (has("Complete")) status = "Complete";
  else if (has("Failed")) status = "Failed";
  else if (j.metadata.deletionTimestamp) status = "Terminating";
  else if (has("Suspended")) status = "Suspended";
  else if (has("FailureTarget")) status = "FailureTarget";
  else if (has("SuccessCriteriaMet")) status = "SuccessCriteriaMet";
  const [cs, is] = layoutContainerCells(spec.template?.spec?.containers);
  return [j.metadata.name, status, completions, duration, ageOf(j.metadata.creationTimestamp, nowMs), cs, is, selectorString(spec.selector)];
}

function intOrString(v: unknown): string {
  return v === undefined || v === null ? "N/A" : String(v);
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
      AGE,
      col("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
      col("Node", "string", "NodeName indicates in which node this pod is scheduled.", 1),
      col("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", 1),
      col("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
    ],
    cells: podCells,
    conditions(o) {
      const phase = o.status?.phase;
      if (phase === "Succeeded") return [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }];
      if (phase === "Failed") return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
      return undefined;
    },
  },
  Deployment: {
    columns: [
      NAME,
      col("Ready", "string", "Number of the pod with ready state"),
      col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
      col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
      AGE,
      col("Containers", "string", D_CONTAINERS, 1),
      col("Images", "string", D_IMAGES, 1),
      col("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
    ],
    cells(o, now) {
      const st = o.status ?? {};
      const [cs, is] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [
        o.metadata.name,
        `${int(st.readyReplicas)}/${int(o.spec?.replicas)}`,
        int(st.updatedReplicas),
        int(st.availableReplicas),
        ageOf(o.metadata.creationTimestamp, now),
        cs,
        is,
        selectorString(o.spec?.selector),
      ];
    },
  },
  ReplicaSet: {
    columns: [
      NAME,
      col("Desired", "integer", "Replicas is the number of desired replicas."),
      col("Current", "integer", "Replicas is the most recently observed number of replicas."),
      col("Ready", "integer", "The number of ready replicas for this replica set."),
      AGE,
      col("Containers", "string", D_CONTAINERS, 1),
      col("Images", "string", D_IMAGES, 1),
      col("Selector", "string", "Selector is a label query over pods that should match the replica count.", 1),
    ],
    cells(o, now) {
      const st = o.status ?? {};
      const [cs, is] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [o.metadata.name, int(o.spec?.replicas), int(st.replicas), int(st.readyReplicas), ageOf(o.metadata.creationTimestamp, now), cs, is, selectorString(o.spec?.selector)];
    },
  },
  StatefulSet: {
    columns: [NAME, col("Ready", "string", "Number of the pod with ready state"), AGE, col("Containers", "string", D_CONTAINERS, 1), col("Images", "string", D_IMAGES, 1)],
    cells(o, now) {
      const [cs, is] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [o.metadata.name, `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`, ageOf(o.metadata.creationTimestamp, now), cs, is];
    },
  },
  DaemonSet: {
    columns: [
      NAME,
      col("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
      col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
      col("Ready", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
      col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
      col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
      col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node."),
      AGE,
      col("Containers", "string", D_CONTAINERS, 1),
      col("Images", "string", D_IMAGES, 1),
      col("Selector", "string", "A label query over pods that are managed by the daemon set.", 1),
    ],
    cells(o, now) {
      const st = o.status ?? {};
      const [cs, is] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [
        o.metadata.name,
        int(st.desiredNumberScheduled),
        int(st.currentNumberScheduled),
        int(st.numberReady),
        int(st.updatedNumberScheduled),
        int(st.numberAvailable),
        formatLabels(o.spec?.template?.spec?.nodeSelector),
        ageOf(o.metadata.creationTimestamp, now),
        cs,
        is,
        selectorString(o.spec?.selector),
      ];
    },
  },
  Job: {
    columns: [
      NAME,
      col("Status", "string", "Status of the job."),
      col("Completions", "string", "The number of pods which reached phase Succeeded."),
      col("Duration", "string", "Time required to complete the job."),
      AGE,
      col("Containers", "string", D_CONTAINERS, 1),
      col("Images", "string", D_IMAGES, 1),
      col("Selector", "string", "A label query over pods that should match the pod count.", 1),
    ],
    cells: jobCells,
  },
  // printers.go (1.32) cronJobColumnDefinitions / printCronJob; descriptions from batch/v1beta1's SwaggerDoc as upstream takes them.
  CronJob: {
    columns: [
      NAME,
      col("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
      col("Timezone", "string", D_CRONJOB_TIMEZONE),
      col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
      col("Active", "integer", "A list of pointers to currently running jobs."),
      col("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
      AGE,
      col("Containers", "string", D_CONTAINERS, 1),
      col("Images", "string", D_IMAGES, 1),
      col("Selector", "string", "A label query over pods that should match the pod count.", 1),
    ],
    cells(o, now) {
      const spec = o.spec ?? {};
      const st = o.status ?? {};
      const jobSpec = spec.jobTemplate?.spec ?? {};
      const [cs, is] = layoutContainerCells(jobSpec.template?.spec?.containers);
      return [
        o.metadata.name,
        str(spec.schedule),
        typeof spec.timeZone === "string" ? spec.timeZone : "<none>",
        typeof spec.suspend === "boolean" ? (spec.suspend ? "True" : "False") : "<unset>", // printBoolPtr
        Array.isArray(st.active) ? st.active.length : 0,
        st.lastScheduleTime ? ageOf(st.lastScheduleTime, now) : "<none>",
        ageOf(o.metadata.creationTimestamp, now),
        cs,
        is,
        selectorString(jobSpec.selector) || "<none>", // metav1.FormatLabelSelector
      ];
    },
  },
  Node: {
    columns: [
      NAME,
      col("Status", "string", "The status of the node"),
      col("Roles", "string", "The roles of the node"),
      AGE,
      col("Version", "string", "Kubelet Version reported by the node."),
      col("Internal-IP", "string", "List of addresses reachable to the node.", 1),
      col("External-IP", "string", "List of addresses reachable to the node.", 1),
      col("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
      col("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
      col("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ],
    cells: nodeCells,
  },
  Service: {
    columns: [
      NAME,
      col("Type", "string", "type determines how the Service is exposed."),
      col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
      col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
      col("Port(s)", "string", "The list of ports that are exposed by this service."),
      AGE,
      col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1),
    ],
    cells(o, now) {
      const spec = o.spec ?? {};
      const ips: string[] = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
      return [
        o.metadata.name,
        str(spec.type ?? "ClusterIP"),
        ips.length > 0 ? ips[0] : "<none>",
        serviceExternalIP(o, true),
        portString(spec.ports) || "<none>",
        ageOf(o.metadata.creationTimestamp, now),
        formatLabels(spec.selector),
      ];
    },
  },
  Endpoints: {
    columns: [NAME, col("Endpoints", "string", "The set of all endpoints is the union of all subsets."), AGE],
    cells: (o, now) => [o.metadata.name, formatEndpoints(o), ageOf(o.metadata.creationTimestamp, now)],
  },
  Event: {
    columns: [
      col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
      col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
      col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      col("Object", "string", "The object that this event is about."),
      col("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", 1),
      col("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
      col("Message", "string", "A human-readable description of the status of this operation."),
      col("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
      col("Count", "string", "The number of times this event has occurred.", 1),
      col("Name", "string", D_NAME, 1, "name"),
    ],
    cells: eventCells,
  },
  Namespace: {
    columns: [NAME, col("Status", "string", "The status of the namespace"), AGE],
    cells: (o, now) => [o.metadata.name, str(o.status?.phase), ageOf(o.metadata.creationTimestamp, now)],
  },
  ConfigMap: {
    columns: [NAME, col("Data", "string", "Data contains the configuration data."), AGE],
    cells: (o, now) => [
      o.metadata.name,
      Object.keys((o as any).data ?? {}).length + Object.keys((o as any).binaryData ?? {}).length,
      ageOf(o.metadata.creationTimestamp, now),
    ],
  },
  Secret: {
    columns: [NAME, col("Type", "string", "Used to facilitate programmatic handling of secret data."), col("Data", "string", "Data contains the secret data."), AGE],
    cells: (o, now) => [
      o.metadata.name,
      str((o as any).type),
      Object.keys((o as any).data ?? {}).length + Object.keys((o as any).stringData ?? {}).length,
      ageOf(o.metadata.creationTimestamp, now),
    ],
  },
  ServiceAccount: {
    columns: [NAME, col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), AGE],
    cells: (o, now) => [o.metadata.name, ((o as any).secrets ?? []).length, ageOf(o.metadata.creationTimestamp, now)],
  },
  HorizontalPodAutoscaler: {
    columns: [
      NAME,
      col("Reference", "string", "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
      col("Targets", "string", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used)."),
      col("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
      col("MaxPods", "string", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
      col("Replicas", "string", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
      AGE,
    ],
    cells(o, now) {
      const ref = o.spec?.scaleTargetRef ?? {};
      const min = o.spec?.minReplicas;
      return [
        o.metadata.name,
        `${str(ref.kind)}/${str(ref.name)}`,
        formatHpaTargets(o),
        min === undefined || min === null ? "<unset>" : String(min),
        int(o.spec?.maxReplicas),
        int(o.status?.currentReplicas),
        ageOf(o.metadata.creationTimestamp, now),
      ];
    },
  },
  PodDisruptionBudget: {
    columns: [
      NAME,
      col("Min Available", "string", "The minimum number of pods that must be available."),
      col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
      col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      intOrString(o.spec?.minAvailable),
      intOrString(o.spec?.maxUnavailable),
      int(o.status?.disruptionsAllowed),
      ageOf(o.metadata.creationTimestamp, now),
    ],
  },
  PriorityClass: {
    columns: [
      NAME,
      col("Value", "integer", "value represents the integer value of this priority class."),
      col("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."),
      AGE,
      col("PreemptionPolicy", "string", "preemptionPolicy is the Policy for preempting pods with lower priority."),
    ],
    cells: (o, now) => [
      o.metadata.name,
      int((o as any).value),
      (o as any).globalDefault === true,
      ageOf(o.metadata.creationTimestamp, now),
      str((o as any).preemptionPolicy ?? "PreemptLowerPriority"),
    ],
  },
  Scale: {
    columns: [
      NAME,
      col("Desired", "integer", "desired number of instances for the scaled object."),
      col("Available", "integer", "actual number of observed instances of the scaled object."),
      AGE,
    ],
    cells: (o, now) => [o.metadata.name, int(o.spec?.replicas), int(o.status?.replicas), ageOf(o.metadata.creationTimestamp, now)],
  },
};

/** rest.NewDefaultTableConvertor: Name + Created At (RFC3339) for kinds without a printer. */
const DEFAULT_PRINTER: Printer = {
  columns: [NAME, col("Created At", "date", D_AGE)],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ? rfc3339(o.metadata.creationTimestamp) : "0001-01-01T00:00:00Z"],
};

function rfc3339(ts: string): string {
  const t = Date.parse(ts);
  return Number.isFinite(t) ? new Date(t).toISOString().replace(/\.\d+Z$/, "Z") : ts;
}

/** Whether `kind` has a dedicated kube-apiserver printer here. */
export function hasPrinter(kind: string): boolean {
  return kind in PRINTERS;
}

const partials = new WeakMap<KubeObject, object>();

/** The object's PartialObjectMetadata; one per stored object, so encoders can cache its JSON. */
export function partialObjectMetadata(o: KubeObject): object {
  let p = partials.get(o);
  if (!p) {
    p = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
    partials.set(o, p);
  }
  return p;
}

function rowObject(o: KubeObject, include: TableOptions["includeObject"]): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return o;
  return partialObjectMetadata(o);
}

function build(columns: ColumnDefinition[], rows: TableRow[], opts: TableOptions): Table {
  const cols = opts.wide === false ? columns.filter((c) => c.priority === 0) : columns;
  const meta: Table["metadata"] = {};
  if (opts.resourceVersion !== undefined) meta.resourceVersion = opts.resourceVersion;
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: meta, columnDefinitions: opts.noHeaders ? null : cols, rows };
}

/** A Table of `objects` (all of kind `kind`) as kube-apiserver 1.32 prints them. */
export function tableFor(kind: string, objects: readonly KubeObject[], opts: TableOptions): Table {
  const p = PRINTERS[kind] ?? DEFAULT_PRINTER;
  const wide = opts.wide !== false;
  const keep = wide ? undefined : p.columns.map((c) => c.priority === 0);
  const rows: TableRow[] = new Array(objects.length);
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    let cells = p.cells(o, opts.nowMs);
    if (keep) cells = kind === "Event" ? narrowEvent(cells) : cells.filter((_, j) => keep[j]);
    const row: TableRow = { cells };
    const obj = rowObject(o, opts.includeObject);
    if (obj !== undefined) row.object = obj;
    const conds = p.conditions?.(o);
    if (conds) row.conditions = conds;
    rows[i] = row;
  }
  return build(p.columns, rows, opts);
}

/** printEvent with Wide=false emits Last Seen, Type, Reason, Object, Message. */
function narrowEvent(cells: unknown[]): unknown[] {
  return [cells[0], cells[1], cells[2], cells[3], cells[6]];
}

// ----------------------------------------------------------------------------- CRDs

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** The column CRDs get when a version declares no additionalPrinterColumns. */
export const DEFAULT_CRD_COLUMNS: readonly PrinterColumn[] = [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: D_AGE }];

/** cellForJSONValue of the apiextensions table convertor. */
function cellForJsonValue(type: string, value: unknown, nowMs: number): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "string":
      return typeof value === "string" ? value : null;
    case "date":
      if (typeof value === "string") {
        const t = Date.parse(value);
        if (!Number.isFinite(t)) return "<invalid>";
        return humanDuration(nowMs - t);
      }
      return null;
  }
  return null;
}

/**
 * A Table for custom resources from their additionalPrinterColumns (apiextensions-apiserver's
 * tableconvertor): a leading Name column, then each column evaluated with its JSONPath; only the
 * first result is used; missing values give a null cell; `date` cells are ages.
 */
export function tableForCustom(objects: readonly KubeObject[], printerColumns: readonly PrinterColumn[], opts: TableOptions): Table {
  const cols = printerColumns.length > 0 ? printerColumns : DEFAULT_CRD_COLUMNS;
  const defs: ColumnDefinition[] = [NAME, ...cols.map((c) => col(c.name, c.type, c.description ?? "", c.priority ?? 0, c.format ?? ""))];
  const wide = opts.wide !== false;
  const rows: TableRow[] = [];
  for (const o of objects) {
    const cells: unknown[] = [o.metadata.name];
    for (const c of cols) {
      if (!wide && (c.priority ?? 0) > 0) continue;
      let results: unknown[];
      try {
        results = evalJsonPath(o, c.jsonPath);
      } catch {
        results = [];
      }
      if (results.length === 0) {
        cells.push(null);
        continue;
      }
      const v = results[0];
      if (c.type === "string") cells.push(v === undefined || v === null ? null : formatJsonPathValue(v));
      else cells.push(cellForJsonValue(c.type, v, opts.nowMs));
    }
    const row: TableRow = { cells };
    const obj = rowObject(o, opts.includeObject);
    if (obj !== undefined) row.object = obj;
    rows.push(row);
  }
  return build(defs, rows, opts);
}
