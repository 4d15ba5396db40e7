/**
 * Defaulting as kube-apiserver 1.32 does it on decode (SetDefaults_* of core/v1, apps/v1, batch/v1,
 * autoscaling/v2, scheduling/v1) plus the REST strategies' PrepareForCreate bits the user sees
 * (Pod status Pending + qosClass, Namespace phase, Service cluster IP allocation).
 * All functions mutate in place and are idempotent, so they may run on every write.
 */
import { parseQuantity } from "../core/quantity.js";
import type { KubeObject } from "./meta.js";

const isNil = (v: unknown): v is undefined | null => v === undefined || v === null;

/** Canonical text of a quantity (`0.5` → `500m`, `1` → `1`); leaves unparsable values for validation. */
function canonicalQuantity(v: unknown): unknown {
  if (typeof v !== "string" && typeof v !== "number") return v;
  try {
    return parseQuantity(v).toString();
  } catch {
    return v;
  }
}

function canonicalList(list: Record<string, unknown> | undefined): void {
  if (!list) return;
  for (const k of Object.keys(list)) list[k] = canonicalQuantity(list[k]);
}

/** The tag the kubelet would pull: `latest` when untagged, "" when pinned by digest only. */
export function imageTag(image: string | undefined): string {
  if (!image) return "";
  let ref = image;
  const at = ref.indexOf("@");
  const hasDigest = at >= 0;
  if (hasDigest) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > slash) return ref.slice(colon + 1);
  return hasDigest ? "" : "latest";
}

function defaultProbe(p: any): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) {
    if (!p.httpGet.path) p.httpGet.path = "/";
    if (!p.httpGet.scheme) p.httpGet.scheme = "HTTP";
  }
}

/** SetDefaults_Container (+ ContainerPort, Probe, HTTPGetAction, ObjectFieldSelector). */
export function defaultContainer(c: any): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image) === "latest" ? "Always" : "IfNotPresent";
  if (!c.terminationMessagePath) c.terminationMessagePath = "/dev/termination-log";
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = "File";
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = "TCP";
  c.resources ??= {};
  canonicalList(c.resources.limits);
  canonicalList(c.resources.requests);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const e of c.env ?? []) {
    const fr = e.valueFrom?.fieldRef;
    if (fr && !fr.apiVersion) fr.apiVersion = "v1";
    const rf = e.valueFrom?.resourceFieldRef;
    if (rf && rf.divisor !== undefined) rf.divisor = canonicalQuantity(rf.divisor);
  }
}

const VOLUME_SOURCES = [
  "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
  "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
  "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi",
  "ephemeral", "image",
];

function defaultVolume(v: any): void {
  if (!VOLUME_SOURCES.some((k) => v[k])) v.emptyDir = {};
  if (v.emptyDir?.sizeLimit !== undefined) v.emptyDir.sizeLimit = canonicalQuantity(v.emptyDir.sizeLimit);
  for (const k of ["secret", "configMap", "downwardAPI", "projected"]) if (v[k] && isNil(v[k].defaultMode)) v[k].defaultMode = 420;
  if (v.hostPath && isNil(v.hostPath.type)) v.hostPath.type = "";
}

/** SetDefaults_PodSpec (pods and pod templates). */
export function defaultPodSpec(spec: any): void {
  if (!spec) return;
  if (!spec.dnsPolicy) spec.dnsPolicy = "ClusterFirst";
  if (!spec.restartPolicy) spec.restartPolicy = "Always";
  spec.securityContext ??= {};
  if (isNil(spec.terminationGracePeriodSeconds)) spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = "default-scheduler";
  // serviceAccount is the deprecated alias the API keeps in sync with serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
  if (spec.overhead) canonicalList(spec.overhead);
}

/** SetDefaults of a PodTemplateSpec inside a workload (no Pod-only defaults). */
export function defaultPodTemplate(tpl: any): void {
  if (!tpl) return;
  tpl.spec ??= {};
  defaultPodSpec(tpl.spec);
}

/** QoS class as qos.GetPodQOS computes it (cpu and memory of init and regular containers). */
export function podQOSClass(spec: any): "Guaranteed" | "Burstable" | "BestEffort" {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const num = (v: unknown): number => {
    try {
      return parseQuantity(v as string | number).milliValue();
    } catch {
      return 0;
    }
  };
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    const found = new Set<string>();
    for (const r of ["cpu", "memory"]) {
      const rq = c.resources?.requests?.[r];
      if (rq !== undefined) {
        const v = num(rq);
        if (v !== 0) requests.set(r, (requests.get(r) ?? 0) + v);
      }
      const lm = c.resources?.limits?.[r];
      if (lm !== undefined) {
        const v = num(lm);
        if (v !== 0) {
          found.add(r);
          limits.set(r, (limits.get(r) ?? 0) + v);
        }
      }
    }
    if (!(found.has("cpu") && found.has("memory"))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) for (const [r, v] of requests) if (limits.get(r) !== v) guaranteed = false;
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

/** SetDefaults_Pod + SetDefaults_PodSpec, and the status PrepareForCreate sets on a new Pod. */
export function defaultPod(pod: KubeObject, creating: boolean): void {
  pod.spec ??= {};
  const spec = pod.spec;
  // Requests default to limits (Pods only, not templates).
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const lim = c.resources?.limits;
    if (lim) {
      c.resources.requests ??= {};
      for (const [k, v] of Object.entries(lim)) if (!(k in c.resources.requests)) c.resources.requests[k] = v;
    }
  }
  if (isNil(spec.enableServiceLinks)) spec.enableServiceLinks = true;
  defaultPodSpec(spec);
  if (creating) {
    pod.status ??= {};
    if (!pod.status.phase) pod.status.phase = "Pending";
    if (!pod.status.qosClass) pod.status.qosClass = podQOSClass(spec);
  }
}

// ------------------------------------------------------------------------------ workloads

export function defaultDeployment(d: KubeObject): void {
  d.spec ??= {};
  const s = d.spec;
  if (isNil(s.replicas)) s.replicas = 1;
  s.strategy ??= {};
  if (!s.strategy.type) s.strategy.type = "RollingUpdate";
  if (s.strategy.type === "RollingUpdate") {
    s.strategy.rollingUpdate ??= {};
    if (isNil(s.strategy.rollingUpdate.maxUnavailable)) s.strategy.rollingUpdate.maxUnavailable = "25%";
    if (isNil(s.strategy.rollingUpdate.maxSurge)) s.strategy.rollingUpdate.maxSurge = "25%";
  }
  if (isNil(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  if (isNil(s.progressDeadlineSeconds)) s.progressDeadlineSeconds = 600;
  defaultPodTemplate(s.template);
}

export function defaultReplicaSet(rs: KubeObject): void {
  rs.spec ??= {};
  if (isNil(rs.spec.replicas)) rs.spec.replicas = 1;
  defaultPodTemplate(rs.spec.template);
}

export function defaultStatefulSet(sts: KubeObject): void {
  sts.spec ??= {};
  const s = sts.spec;
  if (!s.podManagementPolicy) s.podManagementPolicy = "OrderedReady";
  s.updateStrategy ??= {};
  if (!s.updateStrategy.type) s.updateStrategy.type = "RollingUpdate";
  if (s.updateStrategy.type === "RollingUpdate") {
    s.updateStrategy.rollingUpdate ??= {};
    if (isNil(s.updateStrategy.rollingUpdate.partition)) s.updateStrategy.rollingUpdate.partition = 0;
  }
  if (isNil(s.replicas)) s.replicas = 1;
  if (isNil(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  s.persistentVolumeClaimRetentionPolicy ??= {};
  if (!s.persistentVolumeClaimRetentionPolicy.whenDeleted) s.persistentVolumeClaimRetentionPolicy.whenDeleted = "Retain";
  if (!s.persistentVolumeClaimRetentionPolicy.whenScaled) s.persistentVolumeClaimRetentionPolicy.whenScaled = "Retain";
  defaultPodTemplate(s.template);
}

export function defaultDaemonSet(ds: KubeObject): void {
  ds.spec ??= {};
  const s = ds.spec;
  s.updateStrategy ??= {};
  if (!s.updateStrategy.type) s.updateStrategy.type = "RollingUpdate";
  if (s.updateStrategy.type === "RollingUpdate") {
    s.updateStrategy.rollingUpdate ??= {};
    if (isNil(s.updateStrategy.rollingUpdate.maxUnavailable)) s.updateStrategy.rollingUpdate.maxUnavailable = 1;
    if (isNil(s.updateStrategy.rollingUpdate.maxSurge)) s.updateStrategy.rollingUpdate.maxSurge = 0;
  }
  if (isNil(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  defaultPodTemplate(s.template);
}

/** SetDefaults_Job. Returns whether the Job's labels were defaulted from the template's (Go shares that map). */
export function defaultJob(job: KubeObject): boolean {
  job.spec ??= {};
  const s = job.spec;
  let aliased = false;
  if (isNil(s.completions) && isNil(s.parallelism)) {
    s.completions = 1;
    s.parallelism = 1;
  }
  if (isNil(s.parallelism)) s.parallelism = 1;
  if (isNil(s.backoffLimit)) s.backoffLimit = isNil(s.backoffLimitPerIndex) ? 6 : 2147483647;
  const tplLabels = s.template?.metadata?.labels;
  if (tplLabels && Object.keys(job.metadata.labels ?? {}).length === 0) {
    job.metadata.labels = { ...tplLabels };
    aliased = true;
  }
  if (!s.completionMode) s.completionMode = "NonIndexed";
  if (isNil(s.suspend)) s.suspend = false;
  if (!s.podReplacementPolicy) s.podReplacementPolicy = s.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
  defaultPodTemplate(s.template);
  return aliased;
}

export const JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const LEGACY_JOB_CONTROLLER_UID_LABEL = "controller-uid";
export const LEGACY_JOB_NAME_LABEL = "job-name";

/**
 * jobStrategy's generateSelector, on create unless spec.manualSelector: the template gets the
 * job-name and controller-uid labels (legacy and batch.kubernetes.io/ keys, user values kept) and
 * the selector matches batch.kubernetes.io/controller-uid. A Job without labels of its own shows the
 * template's, generated ones included (`kubectl describe job pi` lists controller-uid among the
 * Job's labels): SetDefaults_Job shares the template's label map, and defaulting runs again on every
 * read when the template had none at create time.
 */
export function generateJobSelector(job: KubeObject, labelsAliased: boolean): void {
  const s = job.spec;
  if (!s || s.manualSelector === true) return;
  const uid = job.metadata.uid ?? "";
  s.template ??= {};
  s.template.metadata ??= {};
  const labels: Record<string, string> = { ...(s.template.metadata.labels ?? {}) };
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = job.metadata.name ?? "";
  for (const k of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  s.template.metadata.labels = labels;
  s.selector = { ...(s.selector ?? {}) };
  s.selector.matchLabels = { ...(s.selector.matchLabels ?? {}) };
  if (!(JOB_CONTROLLER_UID_LABEL in s.selector.matchLabels)) s.selector.matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
  if (labelsAliased || Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...labels };
}

/**
 * SetDefaults_CronJob, plus the defaults of the pod template inside the job template. The job
 * template's own JobSpec (completions, backoffLimit, …) stays as written: SetDefaults_Job runs on
 * the Jobs the controller makes from it.
 */
export function defaultCronJob(cj: KubeObject): void {
  cj.spec ??= {};
  const s = cj.spec;
  if (!s.concurrencyPolicy) s.concurrencyPolicy = "Allow";
  if (isNil(s.suspend)) s.suspend = false;
  if (isNil(s.successfulJobsHistoryLimit)) s.successfulJobsHistoryLimit = 3;
  if (isNil(s.failedJobsHistoryLimit)) s.failedJobsHistoryLimit = 1;
  defaultPodTemplate(s.jobTemplate?.spec?.template);
}

// ------------------------------------------------------------------------------ autoscaling/v2

export const DEFAULT_CPU_UTILIZATION = 80;

export function defaultScaleUpRules(r: any): any {
  const out = r ?? {};
  if (isNil(out.stabilizationWindowSeconds)) out.stabilizationWindowSeconds = 0;
  if (isNil(out.selectPolicy)) out.selectPolicy = "Max";
  if (isNil(out.policies)) {
    out.policies = [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ];
  }
  return out;
}

export function defaultScaleDownRules(r: any): any {
  const out = r ?? {};
  // stabilizationWindowSeconds stays unset: the controller substitutes its --horizontal-pod-autoscaler-downscale-stabilization.
  if (isNil(out.selectPolicy)) out.selectPolicy = "Max";
  if (isNil(out.policies)) out.policies = [{ type: "Percent", value: 100, periodSeconds: 15 }];
  return out;
}

/** autoscaling/v2 SetDefaults_HorizontalPodAutoscaler (+ behavior only when non-nil). */
export function defaultHPA(hpa: KubeObject): void {
  hpa.spec ??= {};
  const s = hpa.spec;
  if (isNil(s.minReplicas)) s.minReplicas = 1;
  if (isNil(s.metrics) || s.metrics.length === 0) {
    s.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  for (const m of s.metrics) {
    for (const src of [m?.resource, m?.containerResource, m?.pods, m?.object, m?.external]) {
      const t = src?.target;
      if (!t) continue;
      if (t.value !== undefined) t.value = canonicalQuantity(t.value);
      if (t.averageValue !== undefined) t.averageValue = canonicalQuantity(t.averageValue);
    }
  }
  if (s.behavior) {
    s.behavior.scaleUp = defaultScaleUpRules(s.behavior.scaleUp);
    s.behavior.scaleDown = defaultScaleDownRules(s.behavior.scaleDown);
  }
}

// ------------------------------------------------------------------------------ core misc

export function defaultPriorityClass(pc: KubeObject): void {
  if (!(pc as any).preemptionPolicy) (pc as any).preemptionPolicy = "PreemptLowerPriority";
}

export function defaultNamespace(ns: KubeObject, creating: boolean): void {
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), "kubernetes.io/metadata.name": ns.metadata.name! };
  if (creating) {
    ns.spec ??= {};
    ns.spec.finalizers ??= ["kubernetes"];
    ns.status ??= {};
    ns.status.phase ??= "Active";
  }
}

/** SetDefaults_Secret plus the stringData → data merge of the v1 conversion. */
export function defaultSecret(s: KubeObject): void {
  const sec = s as any;
  if (!sec.type) sec.type = "Opaque";
  if (sec.stringData) {
    sec.data ??= {};
    for (const [k, v] of Object.entries<string>(sec.stringData)) sec.data[k] = Buffer.from(String(v), "utf8").toString("base64");
    delete sec.stringData;
  }
}

export function defaultNode(node: KubeObject): void {
  if (node.status?.capacity) {
    canonicalList(node.status.capacity);
    if (!node.status.allocatable) node.status.allocatable = { ...node.status.capacity };
    else canonicalList(node.status.allocatable);
  }
}

/** SetDefaults_LimitRangeItem for Container items. */
export function defaultLimitRange(lr: KubeObject): void {
  for (const item of lr.spec?.limits ?? []) {
    for (const f of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]) canonicalList(item[f]);
    if (item.type !== "Container") continue;
    item.default ??= {};
    item.defaultRequest ??= {};
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in item.default)) item.default[k] = v;
    for (const [k, v] of Object.entries(item.default)) if (!(k in item.defaultRequest)) item.defaultRequest[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in item.defaultRequest)) item.defaultRequest[k] = v;
  }
}

// ------------------------------------------------------------------------------ Service

/** EKS's default service CIDR. */
export const SERVICE_CIDR = "10.100.0.0/16";
const CIDR_BASE = (10 << 24) | (100 << 16);
const CIDR_SIZE = 1 << 16;
/** Lower band reserved for static addresses (min(max(16, size/16), 256)), as the allocator since 1.26. */
const STATIC_BAND = 256;

export function ipString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function ipNumber(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function inServiceCIDR(ip: string): boolean {
  const n = ipNumber(ip);
  return n !== undefined && n > CIDR_BASE && n < CIDR_BASE + CIDR_SIZE - 1;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A cluster IP for namespace/name, deterministic and independent of creation order: `kubernetes` in
 * `default` gets 10.100.0.1, `kube-dns` in `kube-system` 10.100.0.10 (as on EKS); others a hashed
 * address in the dynamic (upper) band, probing past used ones, then the static band.
 */
export function allocateClusterIP(namespace: string, name: string, used: ReadonlySet<string>): string | undefined {
  if (namespace === "default" && name === "kubernetes" && !used.has("10.100.0.1")) return "10.100.0.1";
  if (namespace === "kube-system" && name === "kube-dns" && !used.has("10.100.0.10")) return "10.100.0.10";
  const usable = CIDR_SIZE - 2; // network and broadcast addresses excluded
  const dynamic = usable - STATIC_BAND;
  const start = fnv1a(`${namespace}/${name}`) % dynamic;
  for (let i = 0; i < usable; i++) {
    const off = i < dynamic ? STATIC_BAND + ((start + i) % dynamic) : i - dynamic;
    const ip = ipString(CIDR_BASE + 1 + off);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

export function allocateNodePort(seed: string, used: ReadonlySet<number>): number | undefined {
  const size = NODE_PORT_MAX - NODE_PORT_MIN + 1;
  const start = fnv1a(seed) % size;
  for (let i = 0; i < size; i++) {
    const p = NODE_PORT_MIN + ((start + i) % size);
    if (!used.has(p)) return p;
  }
  return undefined;
}

/** SetDefaults_Service (no allocation; see strategies for cluster IPs and node ports). */
export function defaultService(svc: KubeObject): void {
  svc.spec ??= {};
  const s = svc.spec;
  if (!s.sessionAffinity) s.sessionAffinity = "None";
  if (s.sessionAffinity === "None") delete s.sessionAffinityConfig;
  if (s.sessionAffinity === "ClientIP") {
    s.sessionAffinityConfig ??= {};
    s.sessionAffinityConfig.clientIP ??= {};
    s.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (!s.type) s.type = "ClusterIP";
  for (const p of s.ports ?? []) {
    if (!p.protocol) p.protocol = "TCP";
    if (isNil(p.targetPort) || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  if ((s.type === "NodePort" || s.type === "LoadBalancer") && !s.externalTrafficPolicy) s.externalTrafficPolicy = "Cluster";
  if (isNil(s.internalTrafficPolicy) && s.type !== "ExternalName") s.internalTrafficPolicy = "Cluster";
  if (s.type === "LoadBalancer" && isNil(s.allocateLoadBalancerNodePorts)) s.allocateLoadBalancerNodePorts = true;
}
