/**
 * Decoder for the Kubernetes protobuf wire format (`application/vnd.kubernetes.protobuf`), the body
 * format of typed-clientset commands: `kubectl autoscale`, `kubectl create deployment|namespace|
 * configmap|secret|service|job|cronjob|pdb|priorityclass|quota|serviceaccount`.
 *
 * Envelope (k8s.io/apimachinery runtime/serializer/protobuf): the 4 magic bytes `k8s\0`, then a
 * runtime.Unknown message {1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}
 * whose `raw` is the object's own message. Message layouts are tables of field numbers from
 * k8s.io/api v0.32 `generated.proto` (gogo-protobuf, proto2 syntax).
 *
 * gogo emits every non-pointer scalar even when it is the zero value; the JSON form omits those
 * (`omitempty`), so zero scalars are dropped unless the Go field is a pointer (flag `p`), and an empty
 * `Time` (Go zero time) is dropped. Unknown field numbers are skipped, as proto2 decoders do.
 */
import type { KubeObject } from "../api/meta.js";

export class ProtobufDecodeError extends Error {
  /** True when the body is well-formed but names a kind we cannot decode (answer 415). */
  readonly unsupported: boolean;
  constructor(message: string, unsupported = false) {
    super(message);
    this.name = "ProtobufDecodeError";
    this.unsupported = unsupported;
  }
}

export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

type Scalar = "string" | "bytes" | "int32" | "int64" | "bool" | "double";
type Special = "Time" | "MicroTime" | "Quantity" | "IntOrString";
type MapType = `map<${Scalar}|${string}>`;
/**
 * [json name, type, flags] — flags: `r` repeated, `p` pointer field, `k` non-pointer field whose
 * JSON tag has no omitempty (both keep zero values; other zero scalars are dropped).
 */
type Field = [string, Scalar | Special | MapType | string, string?];
type Message = Record<number, Field>;

// ------------------------------------------------------------------------------------------------
// Message tables (field numbers from k8s.io/api and k8s.io/apimachinery v0.32 generated.proto)

const M: Record<string, Message> = {
  // meta/v1
  ObjectMeta: {
    1: ["name", "string"],
    2: ["generateName", "string"],
    3: ["namespace", "string"],
    4: ["selfLink", "string"],
    5: ["uid", "string"],
    6: ["resourceVersion", "string"],
    7: ["generation", "int64"],
    8: ["creationTimestamp", "Time"],
    9: ["deletionTimestamp", "Time"],
    10: ["deletionGracePeriodSeconds", "int64", "p"],
    11: ["labels", "map<string|string>"],
    12: ["annotations", "map<string|string>"],
    13: ["ownerReferences", "OwnerReference", "r"],
    14: ["finalizers", "string", "r"],
    17: ["managedFields", "ManagedFieldsEntry", "r"],
  },
  OwnerReference: {
    1: ["kind", "string"],
    3: ["name", "string"],
    4: ["uid", "string"],
    5: ["apiVersion", "string"],
    6: ["controller", "bool", "p"],
    7: ["blockOwnerDeletion", "bool", "p"],
  },
  ManagedFieldsEntry: {
    1: ["manager", "string"],
    2: ["operation", "string"],
    3: ["apiVersion", "string"],
    4: ["time", "Time"],
    6: ["fieldsType", "string"],
    7: ["fieldsV1", "FieldsV1"],
    8: ["subresource", "string"],
  },
  FieldsV1: { 1: ["Raw", "bytes"] },
  LabelSelector: {
    1: ["matchLabels", "map<string|string>"],
    2: ["matchExpressions", "LabelSelectorRequirement", "r"],
  },
  LabelSelectorRequirement: { 1: ["key", "string"], 2: ["operator", "string"], 3: ["values", "string", "r"] },

  // autoscaling/v1
  "autoscaling/v1.HorizontalPodAutoscaler": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "autoscaling/v1.HorizontalPodAutoscalerSpec"], 3: ["status", "autoscaling/v1.HorizontalPodAutoscalerStatus"] },
  "autoscaling/v1.HorizontalPodAutoscalerSpec": {
    1: ["scaleTargetRef", "autoscaling/v1.CrossVersionObjectReference"],
    2: ["minReplicas", "int32", "p"],
    3: ["maxReplicas", "int32", "k"],
    4: ["targetCPUUtilizationPercentage", "int32", "p"],
  },
  "autoscaling/v1.CrossVersionObjectReference": { 1: ["kind", "string"], 2: ["name", "string"], 3: ["apiVersion", "string"] },
  "autoscaling/v1.HorizontalPodAutoscalerStatus": {
    1: ["observedGeneration", "int64", "p"],
    2: ["lastScaleTime", "Time"],
    3: ["currentReplicas", "int32", "k"],
    4: ["desiredReplicas", "int32", "k"],
    5: ["currentCPUUtilizationPercentage", "int32", "p"],
  },
  "autoscaling/v1.Scale": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "autoscaling/v1.ScaleSpec"], 3: ["status", "autoscaling/v1.ScaleStatus"] },
  "autoscaling/v1.ScaleSpec": { 1: ["replicas", "int32"] },
  "autoscaling/v1.ScaleStatus": { 1: ["replicas", "int32", "k"], 2: ["selector", "string"] },

  // apps/v1
  "apps/v1.Deployment": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "apps/v1.DeploymentSpec"], 3: ["status", "apps/v1.DeploymentStatus"] },
  "apps/v1.DeploymentSpec": {
    1: ["replicas", "int32", "p"],
    2: ["selector", "LabelSelector"],
    3: ["template", "PodTemplateSpec"],
    4: ["strategy", "apps/v1.DeploymentStrategy"],
    5: ["minReadySeconds", "int32"],
    6: ["revisionHistoryLimit", "int32", "p"],
    7: ["paused", "bool"],
    9: ["progressDeadlineSeconds", "int32", "p"],
  },
  "apps/v1.DeploymentStrategy": { 1: ["type", "string"], 2: ["rollingUpdate", "apps/v1.RollingUpdateDeployment"] },
  "apps/v1.RollingUpdateDeployment": { 1: ["maxUnavailable", "IntOrString"], 2: ["maxSurge", "IntOrString"] },
  // Status fields are reset by the server on create; decoded for completeness (non-pointer ints).
  "apps/v1.DeploymentStatus": {
    1: ["observedGeneration", "int64"],
    2: ["replicas", "int32"],
    3: ["updatedReplicas", "int32"],
    4: ["availableReplicas", "int32"],
    5: ["unavailableReplicas", "int32"],
    7: ["readyReplicas", "int32"],
    8: ["collisionCount", "int32", "p"],
  },

  // batch/v1
  "batch/v1.Job": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "batch/v1.JobSpec"], 3: ["status", "batch/v1.JobStatus"] },
  "batch/v1.JobSpec": {
    1: ["parallelism", "int32", "p"],
    2: ["completions", "int32", "p"],
    3: ["activeDeadlineSeconds", "int64", "p"],
    4: ["selector", "LabelSelector"],
    5: ["manualSelector", "bool", "p"],
    6: ["template", "PodTemplateSpec"],
    7: ["backoffLimit", "int32", "p"],
    8: ["ttlSecondsAfterFinished", "int32", "p"],
    9: ["completionMode", "string", "p"],
    10: ["suspend", "bool", "p"],
    12: ["backoffLimitPerIndex", "int32", "p"],
    13: ["maxFailedIndexes", "int32", "p"],
    14: ["podReplacementPolicy", "string", "p"],
    16: ["managedBy", "string", "p"],
  },
  "batch/v1.JobStatus": {
    2: ["startTime", "Time"],
    3: ["completionTime", "Time"],
    4: ["active", "int32"],
    5: ["succeeded", "int32"],
    6: ["failed", "int32"],
    9: ["ready", "int32", "p"],
    11: ["terminating", "int32", "p"],
  },
  "batch/v1.CronJob": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "batch/v1.CronJobSpec"], 3: ["status", "batch/v1.CronJobStatus"] },
  "batch/v1.CronJobSpec": {
    1: ["schedule", "string"],
    2: ["startingDeadlineSeconds", "int64", "p"],
    3: ["concurrencyPolicy", "string"],
    4: ["suspend", "bool", "p"],
    5: ["jobTemplate", "batch/v1.JobTemplateSpec"],
    6: ["successfulJobsHistoryLimit", "int32", "p"],
    7: ["failedJobsHistoryLimit", "int32", "p"],
    8: ["timeZone", "string", "p"],
  },
  "batch/v1.JobTemplateSpec": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "batch/v1.JobSpec"] },
  "batch/v1.CronJobStatus": { 4: ["lastScheduleTime", "Time"], 5: ["lastSuccessfulTime", "Time"] },

  // policy/v1
  "policy/v1.PodDisruptionBudget": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "policy/v1.PodDisruptionBudgetSpec"], 3: ["status", "policy/v1.PodDisruptionBudgetStatus"] },
  "policy/v1.PodDisruptionBudgetSpec": {
    1: ["minAvailable", "IntOrString"],
    2: ["selector", "LabelSelector"],
    3: ["maxUnavailable", "IntOrString"],
    4: ["unhealthyPodEvictionPolicy", "string", "p"],
  },
  "policy/v1.PodDisruptionBudgetStatus": {
    1: ["observedGeneration", "int64"],
    3: ["disruptionsAllowed", "int32", "k"],
    4: ["currentHealthy", "int32", "k"],
    5: ["desiredHealthy", "int32", "k"],
    6: ["expectedPods", "int32", "k"],
  },

  // scheduling.k8s.io/v1
  "scheduling.k8s.io/v1.PriorityClass": {
    1: ["metadata", "ObjectMeta"],
    2: ["value", "int32", "k"],
    3: ["globalDefault", "bool"],
    4: ["description", "string"],
    5: ["preemptionPolicy", "string", "p"],
  },

  // core/v1
  "v1.Namespace": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "v1.NamespaceSpec"], 3: ["status", "v1.NamespaceStatus"] },
  "v1.NamespaceSpec": { 1: ["finalizers", "string", "r"] },
  "v1.NamespaceStatus": { 1: ["phase", "string"] },
  "v1.ConfigMap": { 1: ["metadata", "ObjectMeta"], 2: ["data", "map<string|string>"], 3: ["binaryData", "map<string|bytes>"], 4: ["immutable", "bool", "p"] },
  "v1.Secret": {
    1: ["metadata", "ObjectMeta"],
    2: ["data", "map<string|bytes>"],
    3: ["type", "string"],
    4: ["stringData", "map<string|string>"],
    5: ["immutable", "bool", "p"],
  },
  "v1.ServiceAccount": {
    1: ["metadata", "ObjectMeta"],
    2: ["secrets", "v1.ObjectReference", "r"],
    3: ["imagePullSecrets", "v1.LocalObjectReference", "r"],
    4: ["automountServiceAccountToken", "bool", "p"],
  },
  "v1.ObjectReference": {
    1: ["kind", "string"],
    2: ["namespace", "string"],
    3: ["name", "string"],
    4: ["uid", "string"],
    5: ["apiVersion", "string"],
    6: ["resourceVersion", "string"],
    7: ["fieldPath", "string"],
  },
  "v1.LocalObjectReference": { 1: ["name", "string"] },
  "v1.ResourceQuota": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "v1.ResourceQuotaSpec"], 3: ["status", "v1.ResourceQuotaStatus"] },
  "v1.ResourceQuotaSpec": { 1: ["hard", "map<string|Quantity>"], 2: ["scopes", "string", "r"] },
  "v1.ResourceQuotaStatus": { 1: ["hard", "map<string|Quantity>"], 2: ["used", "map<string|Quantity>"] },
  "v1.Service": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "v1.ServiceSpec"], 3: ["status", "v1.ServiceStatus"] },
  "v1.ServiceSpec": {
    1: ["ports", "v1.ServicePort", "r"],
    2: ["selector", "map<string|string>"],
    3: ["clusterIP", "string"],
    4: ["type", "string"],
    5: ["externalIPs", "string", "r"],
    7: ["sessionAffinity", "string"],
    8: ["loadBalancerIP", "string"],
    9: ["loadBalancerSourceRanges", "string", "r"],
    10: ["externalName", "string"],
    11: ["externalTrafficPolicy", "string"],
    12: ["healthCheckNodePort", "int32"],
    13: ["publishNotReadyAddresses", "bool"],
    17: ["ipFamilyPolicy", "string", "p"],
    18: ["clusterIPs", "string", "r"],
    19: ["ipFamilies", "string", "r"],
    20: ["allocateLoadBalancerNodePorts", "bool", "p"],
    21: ["loadBalancerClass", "string", "p"],
    22: ["internalTrafficPolicy", "string", "p"],
    23: ["trafficDistribution", "string", "p"],
  },
  "v1.ServicePort": {
    1: ["name", "string"],
    2: ["protocol", "string"],
    3: ["port", "int32", "k"],
    4: ["targetPort", "IntOrString"],
    5: ["nodePort", "int32"],
    6: ["appProtocol", "string", "p"],
  },
  "v1.ServiceStatus": { 1: ["loadBalancer", "v1.LoadBalancerStatus"] },
  "v1.LoadBalancerStatus": { 1: ["ingress", "v1.LoadBalancerIngress", "r"] },
  "v1.LoadBalancerIngress": { 1: ["ip", "string"], 2: ["hostname", "string"], 4: ["ipMode", "string", "p"] },
  "v1.Pod": { 1: ["metadata", "ObjectMeta"], 2: ["spec", "PodSpec"] },
  PodTemplateSpec: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "PodSpec"] },
  PodSpec: {
    1: ["volumes", "v1.Volume", "r"],
    2: ["containers", "Container", "r"],
    3: ["restartPolicy", "string"],
    4: ["terminationGracePeriodSeconds", "int64", "p"],
    5: ["activeDeadlineSeconds", "int64", "p"],
    6: ["dnsPolicy", "string"],
    7: ["nodeSelector", "map<string|string>"],
    8: ["serviceAccountName", "string"],
    9: ["serviceAccount", "string"],
    10: ["nodeName", "string"],
    11: ["hostNetwork", "bool"],
    12: ["hostPID", "bool"],
    13: ["hostIPC", "bool"],
    15: ["imagePullSecrets", "v1.LocalObjectReference", "r"],
    16: ["hostname", "string"],
    17: ["subdomain", "string"],
    19: ["schedulerName", "string"],
    20: ["initContainers", "Container", "r"],
    21: ["automountServiceAccountToken", "bool", "p"],
    22: ["tolerations", "v1.Toleration", "r"],
    24: ["priorityClassName", "string"],
    25: ["priority", "int32", "p"],
    27: ["shareProcessNamespace", "bool", "p"],
    29: ["runtimeClassName", "string", "p"],
    30: ["enableServiceLinks", "bool", "p"],
    31: ["preemptionPolicy", "string", "p"],
    32: ["overhead", "map<string|Quantity>"],
    35: ["setHostnameAsFQDN", "bool", "p"],
    37: ["hostUsers", "bool", "p"],
    40: ["resources", "ResourceRequirements"],
  },
  Container: {
    1: ["name", "string"],
    2: ["image", "string"],
    3: ["command", "string", "r"],
    4: ["args", "string", "r"],
    5: ["workingDir", "string"],
    6: ["ports", "v1.ContainerPort", "r"],
    7: ["env", "v1.EnvVar", "r"],
    8: ["resources", "ResourceRequirements"],
    9: ["volumeMounts", "v1.VolumeMount", "r"],
    13: ["terminationMessagePath", "string"],
    14: ["imagePullPolicy", "string"],
    16: ["stdin", "bool"],
    17: ["stdinOnce", "bool"],
    18: ["tty", "bool"],
    20: ["terminationMessagePolicy", "string"],
    24: ["restartPolicy", "string", "p"],
  },
  "v1.ContainerPort": { 1: ["name", "string"], 2: ["hostPort", "int32"], 3: ["containerPort", "int32", "k"], 4: ["protocol", "string"], 5: ["hostIP", "string"] },
  "v1.EnvVar": { 1: ["name", "string"], 2: ["value", "string"] },
  ResourceRequirements: { 1: ["limits", "map<string|Quantity>"], 2: ["requests", "map<string|Quantity>"] },
  "v1.VolumeMount": { 1: ["name", "string"], 2: ["readOnly", "bool"], 3: ["mountPath", "string"], 4: ["subPath", "string"] },
  "v1.Volume": { 1: ["name", "string"] },
  "v1.Toleration": { 1: ["key", "string"], 2: ["operator", "string"], 3: ["value", "string"], 4: ["effect", "string"], 5: ["tolerationSeconds", "int64", "p"] },
};

/** Top-level kinds we decode: `apiVersion/Kind` → message. */
const KINDS: Record<string, string> = {
  "autoscaling/v1/HorizontalPodAutoscaler": "autoscaling/v1.HorizontalPodAutoscaler",
  "autoscaling/v1/Scale": "autoscaling/v1.Scale",
  "apps/v1/Deployment": "apps/v1.Deployment",
  "batch/v1/Job": "batch/v1.Job",
  "batch/v1/CronJob": "batch/v1.CronJob",
  "policy/v1/PodDisruptionBudget": "policy/v1.PodDisruptionBudget",
  "scheduling.k8s.io/v1/PriorityClass": "scheduling.k8s.io/v1.PriorityClass",
  "v1/Namespace": "v1.Namespace",
  "v1/ConfigMap": "v1.ConfigMap",
  "v1/Secret": "v1.Secret",
  "v1/ServiceAccount": "v1.ServiceAccount",
  "v1/ResourceQuota": "v1.ResourceQuota",
  "v1/Service": "v1.Service",
  "v1/Pod": "v1.Pod",
};

/** Kinds `decodeProtobuf` understands, as `apiVersion/Kind`. */
export function protobufKinds(): string[] {
  return Object.keys(KINDS);
}

// ------------------------------------------------------------------------------------------------
// Wire format

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  /** Unsigned varint as BigInt (up to 10 bytes). */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError("unexpected EOF");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ProtobufDecodeError("proto: integer overflow");
  }
  /** Small non-negative varint (tags, lengths). */
  uint(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtobufDecodeError("proto: integer overflow");
    return Number(v);
  }
  bytes(): [number, number] {
    const len = this.uint();
    const start = this.pos;
    if (start + len > this.end) throw new ProtobufDecodeError("unexpected EOF");
    this.pos += len;
    return [start, start + len];
  }
  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new ProtobufDecodeError(`proto: illegal wireType ${wire}`);
    }
  }
  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufDecodeError("unexpected EOF");
    this.pos += n;
  }
}

const utf8 = new TextDecoder("utf-8");

function str(r: Reader): string {
  const [s, e] = r.bytes();
  return utf8.decode(r.buf.subarray(s, e));
}

function b64(r: Reader): string {
  const [s, e] = r.bytes();
  return Buffer.from(r.buf.buffer, r.buf.byteOffset + s, e - s).toString("base64");
}

function expectWire(actual: number, expected: number, field: string): void {
  if (actual !== expected) throw new ProtobufDecodeError(`proto: wrong wireType = ${actual} for field ${field}`);
}

function readScalar(r: Reader, wire: number, type: string, name: string): unknown {
  switch (type) {
    case "string":
      expectWire(wire, 2, name);
      return str(r);
    case "bytes":
      expectWire(wire, 2, name);
      return b64(r);
    case "int32":
      expectWire(wire, 0, name);
      return Number(BigInt.asIntN(32, r.varint()));
    case "int64":
      expectWire(wire, 0, name);
      return Number(BigInt.asIntN(64, r.varint()));
    case "bool":
      expectWire(wire, 0, name);
      return r.varint() !== 0n;
    case "double": {
      expectWire(wire, 1, name);
      const dv = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 8);
      r.pos += 8;
      return dv.getFloat64(0, true);
    }
  }
  throw new ProtobufDecodeError(`unknown scalar type ${type}`);
}

/** RFC3339 without fractional seconds, as metav1.Time marshals. */
function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString(); // 2026-01-01T00:00:00.000Z
  if (!micro) return iso.slice(0, 19) + "Z";
  return `${iso.slice(0, 19)}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
}

function readSpecial(r: Reader, type: Special, name: string): unknown {
  const [s, e] = r.bytes();
  const sub = new Reader(r.buf, s, e);
  if (type === "Time" || type === "MicroTime") {
    let seconds = 0;
    let nanos = 0;
    while (!sub.done) {
      const tag = sub.uint();
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 1) seconds = readScalar(sub, w, "int64", `${name}.seconds`) as number;
      else if (f === 2) nanos = readScalar(sub, w, "int32", `${name}.nanos`) as number;
      else sub.skip(w);
    }
    // Go's zero time.Time (seconds since year 1) marshals as null: omit it.
    if (seconds === 0 && nanos === 0) return undefined;
    if (seconds === -62135596800) return undefined;
    return rfc3339(seconds, nanos, type === "MicroTime");
  }
  if (type === "Quantity") {
    let q = "";
    while (!sub.done) {
      const tag = sub.uint();
      if (tag >>> 3 === 1) q = readScalar(sub, tag & 7, "string", `${name}.string`) as string;
      else sub.skip(tag & 7);
    }
    return q;
  }
  // IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}
  let kind = 0;
  let intVal = 0;
  let strVal = "";
  while (!sub.done) {
    const tag = sub.uint();
    const f = tag >>> 3;
    const w = tag & 7;
    if (f === 1) kind = readScalar(sub, w, "int64", `${name}.type`) as number;
    else if (f === 2) intVal = readScalar(sub, w, "int32", `${name}.intVal`) as number;
    else if (f === 3) strVal = readScalar(sub, w, "string", `${name}.strVal`) as string;
    else sub.skip(w);
  }
  return kind === 1 ? strVal : intVal;
}

function readValue(r: Reader, wire: number, type: string, name: string): unknown {
  if (type === "Time" || type === "MicroTime" || type === "Quantity" || type === "IntOrString") {
    expectWire(wire, 2, name);
    return readSpecial(r, type, name);
  }
  const msg = M[type];
  if (msg) {
    expectWire(wire, 2, name);
    const [s, e] = r.bytes();
    return decodeMessage(r.buf, s, e, msg, name);
  }
  return readScalar(r, wire, type, name);
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}

function decodeMessage(buf: Uint8Array, start: number, end: number, msg: Message, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(buf, start, end);
  while (!r.done) {
    const tag = r.uint();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) throw new ProtobufDecodeError("proto: illegal tag 0");
    const f = msg[num];
    if (!f) {
      r.skip(wire);
      continue;
    }
    const [name, type, flags = ""] = f;
    const fieldPath = path ? `${path}.${name}` : name;
    if (type.startsWith("map<")) {
      const [kt, vt] = type.slice(4, -1).split("|") as [string, string];
      expectWire(wire, 2, fieldPath);
      const [s, e] = r.bytes();
      const entry = new Reader(buf, s, e);
      let key: unknown = "";
      let value: unknown = vt === "Quantity" ? "" : vt === "string" || vt === "bytes" ? "" : undefined;
      while (!entry.done) {
        const t = entry.uint();
        if (t >>> 3 === 1) key = readValue(entry, t & 7, kt, `${fieldPath}.key`);
        else if (t >>> 3 === 2) value = readValue(entry, t & 7, vt, `${fieldPath}[${String(key)}]`);
        else entry.skip(t & 7);
      }
      const m = (out[name] as Record<string, unknown> | undefined) ?? (out[name] = {});
      (m as Record<string, unknown>)[String(key)] = value;
      continue;
    }
    if (flags.includes("r")) {
      const arr = (out[name] as unknown[] | undefined) ?? (out[name] = []);
      if (wire === 2 && (type === "int32" || type === "int64" || type === "bool")) {
        // packed repeated scalars
        const [s, e] = r.bytes();
        const pr = new Reader(buf, s, e);
        while (!pr.done) (arr as unknown[]).push(readScalar(pr, 0, type, fieldPath));
      } else (arr as unknown[]).push(readValue(r, wire, type, `${fieldPath}[${(arr as unknown[]).length}]`));
      continue;
    }
    const v = readValue(r, wire, type, fieldPath);
    if (v === undefined || (!flags.includes("p") && !flags.includes("k") && isZero(v))) {
      delete out[name];
      continue;
    }
    out[name] = v;
  }
  return out;
}

/**
 * Decode a `application/vnd.kubernetes.protobuf` request body into the JSON form of the object.
 * Throws ProtobufDecodeError (with `unsupported` for kinds without a table, to be answered 415).
 */
export function decodeProtobuf(body: Uint8Array, contentType: string = PROTOBUF_CONTENT_TYPE): KubeObject {
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType !== PROTOBUF_CONTENT_TYPE) throw new ProtobufDecodeError(`unsupported content type ${JSON.stringify(contentType)}`, true);
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  }
  const r = new Reader(body, 4, body.length);
  let apiVersion = "";
  let kind = "";
  let raw: [number, number] | undefined;
  let contentEncoding = "";
  while (!r.done) {
    const tag = r.uint();
    const f = tag >>> 3;
    const w = tag & 7;
    if (f === 1) {
      expectWire(w, 2, "typeMeta");
      const [s, e] = r.bytes();
      const tm = new Reader(body, s, e);
      while (!tm.done) {
        const t = tm.uint();
        if (t >>> 3 === 1) apiVersion = readScalar(tm, t & 7, "string", "apiVersion") as string;
        else if (t >>> 3 === 2) kind = readScalar(tm, t & 7, "string", "kind") as string;
        else tm.skip(t & 7);
      }
    } else if (f === 2) {
      expectWire(w, 2, "raw");
      raw = r.bytes();
    } else if (f === 3) contentEncoding = readScalar(r, w, "string", "contentEncoding") as string;
    else r.skip(w);
  }
  if (contentEncoding) throw new ProtobufDecodeError(`unsupported content encoding ${JSON.stringify(contentEncoding)}`, true);
  if (!kind) throw new ProtobufDecodeError("Object 'Kind' is missing in protobuf envelope");
  const msgName = KINDS[`${apiVersion}/${kind}`];
  if (!msgName) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}" in protobuf`, true);
  const fields = raw ? decodeMessage(body, raw[0], raw[1], M[msgName]!, "") : {};
  const obj: KubeObject = { apiVersion, kind, metadata: {}, ...fields } as KubeObject;
  return obj;
}
