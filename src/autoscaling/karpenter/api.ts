/**
 * Karpenter v1 APIs (v1.0–v1.2 line): NodePool and NodeClaim (karpenter.sh/v1) and the AWS
 * provider's EC2NodeClass (karpenter.k8s.aws/v1), all cluster-scoped CRDs.
 *
 * - kind registration (plural, categories, shortNames as the upstream CRDs),
 * - CRD defaulting (OpenAPI `default:` markers) and validation worded as kube-apiserver words
 *   structural-schema and CEL (x-kubernetes-validations) failures:
 *     `spec.disruption.consolidateAfter: Required value`,
 *     `spec.weight: Invalid value: 101: spec.weight in body should be less than or equal to 100`,
 *     `spec.template.spec.requirements: Invalid value: "array": requirements with operator 'In' must have a value defined`,
 * - the well-known label/annotation/taint/finalizer/condition names,
 * - the static drift hashes (`karpenter.sh/nodepool-hash`, `karpenter.k8s.aws/ec2nodeclass-hash`),
 * - the EC2NodeClass resolved status (subnets per zone, security groups, AMIs per architecture),
 * - additionalPrinterColumns for `kubectl get nodepools,nodeclaims,ec2nodeclasses`.
 */
import { WELL_KNOWN_LABELS } from "../../scheduling/requirements.js";
import type { FieldError } from "../../api/errors.js";
import { registerKindInfo, kindInfo, type KindInfo } from "../../api/kinds.js";
import type { KubeObject, ObjectMeta } from "../../api/meta.js";
import type { AdmissionContext, Store } from "../../api/store.js";
import { parseDuration } from "../../core/duration.js";
import { isValidQuantity } from "../../core/quantity.js";
import { hashString } from "../../core/rng.js";

// ------------------------------------------------------------------------------------- names

export const KARPENTER_GROUP = "karpenter.sh";
export const KARPENTER_AWS_GROUP = "karpenter.k8s.aws";
export const KARPENTER_API_VERSION = "karpenter.sh/v1";
export const KARPENTER_AWS_API_VERSION = "karpenter.k8s.aws/v1";

// Labels
export const NODEPOOL_LABEL = "karpenter.sh/nodepool";
export const CAPACITY_TYPE_LABEL = "karpenter.sh/capacity-type";
export const NODE_REGISTERED_LABEL = "karpenter.sh/registered";
export const NODE_INITIALIZED_LABEL = "karpenter.sh/initialized";
export const EC2NODECLASS_LABEL = "karpenter.k8s.aws/ec2nodeclass";
export const INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type";
export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const REGION_LABEL = "topology.kubernetes.io/region";
export const ZONE_ID_LABEL = "topology.k8s.aws/zone-id";
export const ARCH_LABEL = "kubernetes.io/arch";
export const OS_LABEL = "kubernetes.io/os";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
export const WINDOWS_BUILD_LABEL = "node.kubernetes.io/windows-build";
export const EXCLUDE_FROM_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";
export const INSTANCE_CATEGORY_LABEL = "karpenter.k8s.aws/instance-category";
export const INSTANCE_FAMILY_LABEL = "karpenter.k8s.aws/instance-family";
export const INSTANCE_GENERATION_LABEL = "karpenter.k8s.aws/instance-generation";
export const INSTANCE_SIZE_LABEL = "karpenter.k8s.aws/instance-size";
export const INSTANCE_CPU_LABEL = "karpenter.k8s.aws/instance-cpu";
export const INSTANCE_MEMORY_LABEL = "karpenter.k8s.aws/instance-memory";
export const INSTANCE_HYPERVISOR_LABEL = "karpenter.k8s.aws/instance-hypervisor";

// Annotations
export const DO_NOT_DISRUPT_ANNOTATION = "karpenter.sh/do-not-disrupt";
export const NODEPOOL_HASH_ANNOTATION = "karpenter.sh/nodepool-hash";
export const NODEPOOL_HASH_VERSION_ANNOTATION = "karpenter.sh/nodepool-hash-version";
export const NODEPOOL_HASH_VERSION = "v3";
export const EC2NODECLASS_HASH_ANNOTATION = "karpenter.k8s.aws/ec2nodeclass-hash";
export const EC2NODECLASS_HASH_VERSION_ANNOTATION = "karpenter.k8s.aws/ec2nodeclass-hash-version";
export const EC2NODECLASS_HASH_VERSION = "v3";
export const NODECLAIM_MIN_VALUES_RELAXED_ANNOTATION = "karpenter.sh/nodeclaim-min-values-relaxed";
export const NODE_TERMINATION_TIMESTAMP_ANNOTATION = "karpenter.sh/nodeclaim-termination-timestamp";

// Taints
export const DISRUPTED_TAINT_KEY = "karpenter.sh/disrupted";
export const UNREGISTERED_TAINT_KEY = "karpenter.sh/unregistered";
export const DISRUPTED_NO_SCHEDULE_TAINT = { key: DISRUPTED_TAINT_KEY, effect: "NoSchedule" as const };
export const UNREGISTERED_NO_EXECUTE_TAINT = { key: UNREGISTERED_TAINT_KEY, effect: "NoExecute" as const };

// Finalizer
export const TERMINATION_FINALIZER = "karpenter.sh/termination";

// Conditions (NodeClaim)
export const COND_LAUNCHED = "Launched";
export const COND_REGISTERED = "Registered";
export const COND_INITIALIZED = "Initialized";
export const COND_READY = "Ready";
export const COND_CONSOLIDATABLE = "Consolidatable";
export const COND_DRIFTED = "Drifted";
export const COND_DRAINED = "Drained";
export const COND_VOLUMES_DETACHED = "VolumesDetached";
export const COND_INSTANCE_TERMINATING = "InstanceTerminating";
export const COND_DISRUPTION_REASON = "DisruptionReason";
// Conditions (NodePool)
export const COND_VALIDATION_SUCCEEDED = "ValidationSucceeded";
export const COND_NODECLASS_READY = "NodeClassReady";
export const COND_NODE_REGISTRATION_HEALTHY = "NodeRegistrationHealthy";
// Conditions (EC2NodeClass)
export const COND_SUBNETS_READY = "SubnetsReady";
export const COND_SECURITY_GROUPS_READY = "SecurityGroupsReady";
export const COND_AMIS_READY = "AMIsReady";
export const COND_INSTANCE_PROFILE_READY = "InstanceProfileReady";

/** Label keys a pod/NodePool may leave undefined on the other side (core + AWS provider). */
export const WELL_KNOWN_LABEL_KEYS: ReadonlySet<string> = new Set(
  // One list, shared with the scheduling algebra; the capacity-reservation labels (newer than v1.2's
  // validation rules) stay out of what a NodePool may require here.
  [...WELL_KNOWN_LABELS].filter((k) => !k.startsWith("karpenter.k8s.aws/capacity-reservation")),
);

/** Taints the kubelet / node lifecycle put on nodes transiently; initialization waits for them to go. */
export const KNOWN_EPHEMERAL_TAINTS: ReadonlyArray<{ key: string; effect: string }> = [
  { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
  { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
  { key: "node.cloudprovider.kubernetes.io/uninitialized", effect: "NoSchedule" },
  { key: UNREGISTERED_TAINT_KEY, effect: "NoExecute" },
];

export const CAPACITY_TYPES = ["spot", "on-demand", "reserved"] as const;
export const DEFAULT_EXPIRE_AFTER = "720h";
export const DEFAULT_BUDGET_NODES = "10%";

// ------------------------------------------------------------------------------------- types

export interface KarpenterTaint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface NodeSelectorRequirementWithMinValues {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
  minValues?: number;
}

export interface NodeClassReference {
  group: string;
  kind: string;
  name: string;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface Budget {
  nodes: string;
  reasons?: Array<"Underutilized" | "Empty" | "Drifted">;
  schedule?: string;
  duration?: string;
}

export interface NodeClaimTemplateSpec {
  taints?: KarpenterTaint[];
  startupTaints?: KarpenterTaint[];
  requirements: NodeSelectorRequirementWithMinValues[];
  nodeClassRef: NodeClassReference;
  expireAfter?: string;
  terminationGracePeriod?: string;
}

export interface NodePool extends KubeObject {
  spec: {
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: NodeClaimTemplateSpec };
    disruption: {
      consolidateAfter: string;
      consolidationPolicy?: "WhenEmpty" | "WhenEmptyOrUnderutilized";
      budgets?: Budget[];
    };
    limits?: Record<string, string | number>;
    weight?: number;
  };
  status?: {
    resources?: Record<string, string>;
    conditions?: Condition[];
  };
}

export interface NodeClaim extends KubeObject {
  spec: NodeClaimTemplateSpec & {
    resources?: { requests?: Record<string, string> };
  };
  status?: {
    nodeName?: string;
    providerID?: string;
    imageID?: string;
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Condition[];
    lastPodEventTime?: string;
  };
}

export interface EC2NodeClass extends KubeObject {
  spec: {
    subnetSelectorTerms: Array<{ tags?: Record<string, string>; id?: string }>;
    securityGroupSelectorTerms: Array<{ tags?: Record<string, string>; id?: string; name?: string }>;
    capacityReservationSelectorTerms?: unknown[];
    amiSelectorTerms: Array<{ alias?: string; tags?: Record<string, string>; id?: string; name?: string; owner?: string; ssmParameter?: string }>;
    amiFamily?: string;
    role?: string;
    instanceProfile?: string;
    userData?: string;
    tags?: Record<string, string>;
    kubelet?: {
      maxPods?: number;
      podsPerCore?: number;
      kubeReserved?: Record<string, string>;
      systemReserved?: Record<string, string>;
      evictionHard?: Record<string, string>;
      evictionSoft?: Record<string, string>;
      [k: string]: unknown;
    };
    blockDeviceMappings?: Array<{ deviceName?: string; rootVolume?: boolean; ebs?: { volumeSize?: string; volumeType?: string; [k: string]: unknown } }>;
    instanceStorePolicy?: string;
    metadataOptions?: { httpEndpoint?: string; httpProtocolIPv6?: string; httpPutResponseHopLimit?: number; httpTokens?: string };
    detailedMonitoring?: boolean;
    associatePublicIPAddress?: boolean;
    context?: string;
    ipPrefixCount?: number;
  };
  status?: EC2NodeClassStatus;
}

export interface EC2NodeClassStatus {
  subnets?: Array<{ id: string; zone: string; zoneID?: string }>;
  securityGroups?: Array<{ id: string; name?: string }>;
  amis?: Array<{ id: string; name: string; requirements: NodeSelectorRequirementWithMinValues[]; deprecated?: boolean }>;
  instanceProfile?: string;
  conditions?: Condition[];
}

// ------------------------------------------------------------------------------------- kinds

export const NODEPOOL_KIND: KindInfo = {
  kind: "NodePool",
  group: KARPENTER_GROUP,
  version: "v1",
  plural: "nodepools",
  singular: "nodepool",
  namespaced: false,
  shortNames: [],
  generation: true,
};
export const NODECLAIM_KIND: KindInfo = {
  kind: "NodeClaim",
  group: KARPENTER_GROUP,
  version: "v1",
  plural: "nodeclaims",
  singular: "nodeclaim",
  namespaced: false,
  shortNames: [],
  generation: true,
};
export const EC2NODECLASS_KIND: KindInfo = {
  kind: "EC2NodeClass",
  group: KARPENTER_AWS_GROUP,
  version: "v1",
  plural: "ec2nodeclasses",
  singular: "ec2nodeclass",
  namespaced: false,
  shortNames: ["ec2nc", "ec2ncs"],
  generation: true,
};
/** CRD `names.categories` (`kubectl get karpenter`). */
export const KARPENTER_CATEGORY = "karpenter";

/** Register the three CRD kinds with the kind registry (idempotent). */
export function registerKarpenterKindInfo(): void {
  for (const k of [NODEPOOL_KIND, NODECLAIM_KIND, EC2NODECLASS_KIND]) if (!kindInfo(k.kind)) registerKindInfo(k);
}
registerKarpenterKindInfo();

/** A CRD additionalPrinterColumn (same shape as src/server/tables.ts PrinterColumn). */
export interface KarpenterPrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** additionalPrinterColumns of the v1 CRDs (`kubectl get nodepools,nodeclaims,ec2nodeclasses [-o wide]`). */
export const PRINTER_COLUMNS: Readonly<Record<"NodePool" | "NodeClaim" | "EC2NodeClass", readonly KarpenterPrinterColumn[]>> = {
  NodePool: [
    { name: "NodeClass", type: "string", jsonPath: ".spec.template.spec.nodeClassRef.name" },
    { name: "Nodes", type: "string", jsonPath: ".status.resources.nodes" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    { name: "Weight", type: "integer", jsonPath: ".spec.weight", priority: 1 },
    { name: "CPU", type: "string", jsonPath: ".status.resources.cpu", priority: 1 },
    { name: "Memory", type: "string", jsonPath: ".status.resources.memory", priority: 1 },
  ],
  NodeClaim: [
    { name: "Type", type: "string", jsonPath: ".metadata.labels.node\\.kubernetes\\.io/instance-type" },
    { name: "Capacity", type: "string", jsonPath: ".metadata.labels.karpenter\\.sh/capacity-type" },
    { name: "Zone", type: "string", jsonPath: ".metadata.labels.topology\\.kubernetes\\.io/zone" },
    { name: "Node", type: "string", jsonPath: ".status.nodeName" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    { name: "ID", type: "string", jsonPath: ".status.providerID", priority: 1 },
    { name: "NodePool", type: "string", jsonPath: ".metadata.labels.karpenter\\.sh/nodepool", priority: 1 },
    { name: "NodeClass", type: "string", jsonPath: ".spec.nodeClassRef.name", priority: 1 },
    { name: "Drifted", type: "string", jsonPath: '.status.conditions[?(@.type=="Drifted")].status', priority: 1 },
  ],
  EC2NodeClass: [
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    { name: "Role", type: "string", jsonPath: ".spec.role", priority: 1 },
  ],
};

// ------------------------------------------------------------------------------------- conditions

export function getCondition(obj: { status?: { conditions?: Condition[] } } | undefined, type: string): Condition | undefined {
  const cs = obj?.status?.conditions;
  if (!cs) return undefined;
  for (const c of cs) if (c.type === type) return c;
  return undefined;
}

export function isConditionTrue(obj: { status?: { conditions?: Condition[] } } | undefined, type: string): boolean {
  return getCondition(obj, type)?.status === "True";
}

/**
 * Set a condition in a conditions array (returned new array), keeping lastTransitionTime when the
 * status does not change, as the operatorpkg status.ConditionSet does.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
  time: string,
  observedGeneration?: number,
): Condition[] {
  const out: Condition[] = [];
  let found = false;
  for (const c of conditions ?? []) {
    if (c.type !== type) {
      out.push(c);
      continue;
    }
    found = true;
    out.push({
      type,
      status,
      reason,
      message,
      lastTransitionTime: c.status === status ? c.lastTransitionTime : time,
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    });
  }
  if (!found) out.push({ type, status, reason, message, lastTransitionTime: time, ...(observedGeneration !== undefined ? { observedGeneration } : {}) });
  return out;
}

export function clearCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

// ------------------------------------------------------------------------------------- durations

/** `720h` → ms; `Never` or undefined → undefined (nil NillableDuration). */
export function parseNillableDuration(v: string | undefined | null): number | undefined {
  if (v === undefined || v === null || v === "Never") return undefined;
  return parseDuration(v);
}

// ------------------------------------------------------------------------------------- hashes

/** Canonical JSON with sorted keys, zero values dropped, and the listed arrays sorted (hashstructure SlicesAsSets). */
function canonical(v: unknown): string {
  if (v === undefined || v === null || v === "" || v === false || v === 0) return "";
  if (Array.isArray(v)) {
    const items = v.map(canonical).filter((s) => s !== "");
    items.sort();
    return items.length ? `[${items.join(",")}]` : "";
  }
  if (typeof v === "object") {
    const keys = Object.keys(v as object).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== "") parts.push(`${JSON.stringify(k)}:${c}`);
    }
    return parts.length ? `{${parts.join(",")}}` : "";
  }
  return JSON.stringify(v);
}

/** FNV-1a 64 of a string as a decimal uint64 (hashstructure's output shape). */
export function fnv64a(s: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    // UTF-8 bytes for non-ASCII.
    const bytes: number[] = [];
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      } else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    for (const b of bytes) h = ((h ^ BigInt(b)) * prime) & mask;
  }
  return h.toString(10);
}

/**
 * NodePool static hash (`karpenter.sh/nodepool-hash`): spec.template without requirements (those are
 * checked semantically) — labels, annotations, taints, startupTaints, nodeClassRef, expireAfter,
 * terminationGracePeriod. Disruption, limits and weight are behavioural and never drift.
 */
export function nodePoolHash(np: NodePool): string {
  const t = np.spec?.template ?? ({} as NodePool["spec"]["template"]);
  const s = t.spec ?? ({} as NodeClaimTemplateSpec);
  return fnv64a(
    canonical({
      metadata: { labels: t.metadata?.labels, annotations: t.metadata?.annotations },
      taints: s.taints,
      startupTaints: s.startupTaints,
      nodeClassRef: s.nodeClassRef,
      expireAfter: s.expireAfter,
      terminationGracePeriod: s.terminationGracePeriod,
    }),
  );
}

/** The AMI family an EC2NodeClass resolves to: the alias' family, else spec.amiFamily. */
export function amiFamilyOf(nc: EC2NodeClass): string {
  const alias = nc.spec?.amiSelectorTerms?.find((t) => t.alias)?.alias;
  if (alias) {
    const fam = alias.split("@")[0]!.toLowerCase();
    const m: Record<string, string> = {
      al2: "AL2",
      al2023: "AL2023",
      bottlerocket: "Bottlerocket",
      windows2019: "Windows2019",
      windows2022: "Windows2022",
      windows2025: "Windows2025",
    };
    return m[fam] ?? "Custom";
  }
  return nc.spec?.amiFamily ?? "Custom";
}

/**
 * EC2NodeClass static hash (`karpenter.k8s.aws/ec2nodeclass-hash`): the spec without the subnet /
 * security-group / capacity-reservation / AMI selector terms and ipPrefixCount, plus the resolved AMI family.
 */
export function ec2NodeClassHash(nc: EC2NodeClass): string {
  const {
    subnetSelectorTerms: _s,
    securityGroupSelectorTerms: _g,
    capacityReservationSelectorTerms: _c,
    amiSelectorTerms: _a,
    amiFamily: _f,
    ipPrefixCount: _i,
    ...rest
  } = nc.spec ?? ({} as EC2NodeClass["spec"]);
  return fnv64a(canonical({ ...rest, amiFamily: amiFamilyOf(nc) }));
}

// ------------------------------------------------------------------------------------- EC2NodeClass status

export interface ResolveOptions {
  region: string;
  zones: readonly string[];
  /** Kubernetes minor version for EKS AMI names (default "1.32"). */
  kubernetesVersion?: string;
  /** AMI release of `@latest` (default v20250505); bump it to make `al2023@latest` drift. */
  latestAmiRelease?: string;
}

function hexOf(seed: string, n: number): string {
  let out = "";
  let i = 0;
  while (out.length < n) out += (hashString(`${seed}#${i++}`) >>> 0).toString(16).padStart(8, "0");
  return out.slice(0, n);
}

const AMI_NAME: Record<string, (arch: string, k8s: string, rel: string) => string> = {
  AL2023: (arch, k8s, rel) => `amazon-eks-node-al2023-${arch === "arm64" ? "arm64" : "x86_64"}-standard-${k8s}-${rel}`,
  AL2: (arch, k8s, rel) => `amazon-eks-${arch === "arm64" ? "arm64-" : ""}node-${k8s}-${rel}`,
  Bottlerocket: (arch, k8s, rel) => `bottlerocket-aws-k8s-${k8s}-${arch === "arm64" ? "aarch64" : "x86_64"}-${rel}`,
  Windows2019: (_a, k8s, rel) => `Windows_Server-2019-English-Core-EKS_Optimized-${k8s}-${rel}`,
  Windows2022: (_a, k8s, rel) => `Windows_Server-2022-English-Core-EKS_Optimized-${k8s}-${rel}`,
};

/**
 * The status the EC2NodeClass controller resolves from the selector terms in the simulated VPC: one
 * subnet per zone (ids derived from region/zone), the selected security groups, and the AMIs of the
 * alias (one per architecture; pinned `@vYYYYMMDD` or `@latest`) or of explicit ids. Pure.
 */
export function resolveEC2NodeClassStatus(nc: EC2NodeClass, opts: ResolveOptions, time: string): EC2NodeClassStatus {
  const spec = nc.spec;
  const k8s = opts.kubernetesVersion ?? "1.32";
  const latest = opts.latestAmiRelease ?? "v20250505";
  const zoneIdPrefix: Record<string, string> = { "us-east-1": "use1", "us-east-2": "use2", "us-west-2": "usw2", "ap-northeast-2": "apne2" };
  const subnets: NonNullable<EC2NodeClassStatus["subnets"]> = [];
  for (const zone of opts.zones) {
    const id = `subnet-0${hexOf(`subnet/${opts.region}/${zone}`, 16)}`;
    const selected = spec.subnetSelectorTerms.some((t) => (t.id ? t.id === id : true));
    if (!selected) continue;
    const zi = zone.charCodeAt(zone.length - 1) - 96;
    subnets.push({ id, zone, zoneID: `${zoneIdPrefix[opts.region] ?? opts.region.replace(/-/g, "")}-az${zi}` });
  }
  const securityGroups: NonNullable<EC2NodeClassStatus["securityGroups"]> = spec.securityGroupSelectorTerms.map((t, i) =>
    t.id ? { id: t.id } : { id: `sg-0${hexOf(`sg/${opts.region}/${JSON.stringify(t)}/${i}`, 16)}`, name: t.name ?? `eks-cluster-sg-${i}` },
  );
  const family = amiFamilyOf(nc);
  const amis: NonNullable<EC2NodeClassStatus["amis"]> = [];
  for (const term of spec.amiSelectorTerms) {
    if (term.alias) {
      const [, version = "latest"] = term.alias.split("@");
      const rel = version === "latest" ? latest : version;
      const archs = family.startsWith("Windows") ? ["amd64"] : ["amd64", "arm64"];
      for (const arch of archs) {
        const name = (AMI_NAME[family] ?? AMI_NAME.AL2023!)(arch, k8s, rel);
        amis.push({
          id: `ami-0${hexOf(`ami/${opts.region}/${name}`, 16)}`,
          name,
          requirements: [{ key: ARCH_LABEL, operator: "In", values: [arch] }],
        });
      }
    } else if (term.id) {
      amis.push({ id: term.id, name: term.id, requirements: [{ key: ARCH_LABEL, operator: "In", values: ["amd64"] }] });
    } else {
      const name = term.name ?? `custom-${hexOf(JSON.stringify(term), 8)}`;
      amis.push({
        id: `ami-0${hexOf(`ami/${opts.region}/${name}`, 16)}`,
        name,
        requirements: [{ key: ARCH_LABEL, operator: "In", values: ["amd64"] }],
      });
    }
  }
  amis.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const instanceProfile = spec.instanceProfile ?? (spec.role ? `${nc.metadata.name}_${hexOf(`ip/${spec.role}`, 19)}` : undefined);
  let conds: Condition[] = [];
  const gen = nc.metadata.generation;
  const set = (type: string, ok: boolean, reason: string, msg: string) => {
    conds = setCondition(conds, type, ok ? "True" : "False", ok ? type : reason, ok ? "" : msg, time, gen);
  };
  set(COND_SUBNETS_READY, subnets.length > 0, "SubnetsNotFound", "SubnetSelector did not match any Subnets");
  set(COND_SECURITY_GROUPS_READY, securityGroups.length > 0, "SecurityGroupsNotFound", "SecurityGroupSelector did not match any SecurityGroups");
  set(COND_AMIS_READY, amis.length > 0, "AMINotFound", "AMISelector did not match any AMIs");
  set(COND_INSTANCE_PROFILE_READY, instanceProfile !== undefined, "InstanceProfileNotFound", "Failed to resolve instance profile");
  set(COND_VALIDATION_SUCCEEDED, true, "", "");
  const ready = subnets.length > 0 && securityGroups.length > 0 && amis.length > 0 && instanceProfile !== undefined;
  const notReady = conds.filter((c) => c.status !== "True").map((c) => c.type);
  conds = setCondition(conds, COND_READY, ready ? "True" : "False", ready ? "Ready" : "UnhealthyDependents", ready ? "" : `${notReady.join(", ")}=False`, time, gen);
  return { subnets, securityGroups, amis, instanceProfile, conditions: conds };
}

// ------------------------------------------------------------------------------------- defaults

function defaultTemplateSpec(s: any): void {
  if (!s || typeof s !== "object") return;
  if (s.expireAfter === undefined) s.expireAfter = DEFAULT_EXPIRE_AFTER;
}

export function defaultNodePool(np: KubeObject): void {
  const spec = (np.spec ??= {});
  if (spec.disruption === undefined) spec.disruption = { consolidateAfter: "0s" };
  const d = spec.disruption;
  if (d && typeof d === "object") {
    if (d.consolidationPolicy === undefined) d.consolidationPolicy = "WhenEmptyOrUnderutilized";
    if (d.budgets === undefined) d.budgets = [{ nodes: DEFAULT_BUDGET_NODES }];
    else if (Array.isArray(d.budgets)) for (const b of d.budgets) if (b && typeof b === "object" && b.nodes === undefined) b.nodes = DEFAULT_BUDGET_NODES;
  }
  defaultTemplateSpec(spec.template?.spec);
}

export function defaultNodeClaim(nc: KubeObject): void {
  defaultTemplateSpec((nc.spec ??= {}));
}

export function defaultEC2NodeClass(nc: KubeObject): void {
  const spec = (nc.spec ??= {});
  if (spec.metadataOptions === undefined) {
    spec.metadataOptions = { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" };
  }
}

// ------------------------------------------------------------------------------------- validation helpers

type Errs = FieldError[];

/** go-openapi: `<path> in body should match '<pattern>'`. */
function patternErr(errs: Errs, field: string, value: string, pattern: string): void {
  errs.push({ type: "Invalid", field, value, detail: `${field} in body should match '${pattern}'` });
}

function cel(errs: Errs, field: string, type: "string" | "object" | "array" | "integer", message: string): void {
  errs.push({ type: "Invalid", field, rendered: JSON.stringify(type), detail: message });
}

function required(errs: Errs, field: string): void {
  errs.push({ type: "Required", field });
}

function enumErr(errs: Errs, field: string, value: unknown, supported: string[]): void {
  errs.push({ type: "NotSupported", field, value, supported });
}

function typeErr(errs: Errs, field: string, value: unknown, want: string): void {
  const got = Array.isArray(value) ? "array" : value === null ? "null" : typeof value === "number" ? (Number.isInteger(value) ? "integer" : "number") : typeof value;
  errs.push({ type: "Invalid", field, value, detail: `${field} in body must be of type ${want}: "${got}"` });
}

function minMax(errs: Errs, field: string, v: number, min?: number, max?: number): void {
  if (min !== undefined && v < min) errs.push({ type: "Invalid", field, value: v, detail: `${field} in body should be greater than or equal to ${min}` });
  if (max !== undefined && v > max) errs.push({ type: "Invalid", field, value: v, detail: `${field} in body should be less than or equal to ${max}` });
}

const QUALIFIED_KEY = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(\\/))?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$";
const QUALIFIED_KEY_RE = new RegExp(QUALIFIED_KEY);
const LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
const LABEL_VALUE_RE = new RegExp(LABEL_VALUE);
const DURATION_PATTERN = "^(([0-9]+(s|m|h))+)|(Never)$";
// Go regexp unanchored alternation semantics: `^(…)` OR `(Never)$`.
const DURATION_RE = /^(([0-9]+(s|m|h))+)|(Never)$/;
const TGP_PATTERN = "^([0-9]+(s|m|h))+$";
const TGP_RE = new RegExp(TGP_PATTERN);
const BUDGET_NODES_PATTERN = "^((100|[0-9]{1,2})%|[0-9]+)$";
const BUDGET_NODES_RE = new RegExp(BUDGET_NODES_PATTERN);
const BUDGET_DURATION_PATTERN = "^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$";
const BUDGET_DURATION_RE = new RegExp(BUDGET_DURATION_PATTERN);
const SCHEDULE_PATTERN = "^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\\s(.+)\\s(.+)\\s(.+)\\s(.+))$";
const SCHEDULE_RE = /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/;
const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

const KUBERNETES_IO_ALLOWED = new Set([
  "beta.kubernetes.io/instance-type",
  "failure-domain.beta.kubernetes.io/region",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "failure-domain.beta.kubernetes.io/zone",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "node.kubernetes.io/instance-type",
  "kubernetes.io/arch",
  "kubernetes.io/os",
  "node.kubernetes.io/windows-build",
]);
/** The template-labels rule lists the same keys minus node.kubernetes.io/instance-type (which the node.kubernetes.io suffix allows anyway). */
const AWS_ALLOWED_REQUIREMENT_KEYS = new Set(
  [...WELL_KNOWN_LABEL_KEYS].filter((k) => k.startsWith("karpenter.k8s.aws/") && k !== "karpenter.k8s.aws/instance-capability-flex" && k !== "karpenter.k8s.aws/instance-tenancy"),
);

function domainOf(key: string): string {
  const i = key.indexOf("/");
  return i < 0 ? key : key.slice(0, i);
}

/** The CRD's restricted-label CEL rules, in CRD order; returns the messages that fail. */
export function restrictedLabelMessages(key: string, opts: { forNodePoolLabels?: boolean; forNodeClaim?: boolean } = {}): string[] {
  const out: string[] = [];
  const d = domainOf(key);
  if (!(KUBERNETES_IO_ALLOWED.has(key) || d.endsWith("node.kubernetes.io") || d.endsWith("node-restriction.kubernetes.io") || !d.endsWith("kubernetes.io"))) {
    out.push('label domain "kubernetes.io" is restricted');
  }
  if (!(d.endsWith("kops.k8s.io") || !d.endsWith("k8s.io"))) out.push('label domain "k8s.io" is restricted');
  if (!(key === CAPACITY_TYPE_LABEL || key === NODEPOOL_LABEL || !d.endsWith("karpenter.sh"))) out.push('label domain "karpenter.sh" is restricted');
  if (!opts.forNodeClaim && key === NODEPOOL_LABEL) out.push('label "karpenter.sh/nodepool" is restricted');
  if (key === HOSTNAME_LABEL) out.push('label "kubernetes.io/hostname" is restricted');
  const awsOk = AWS_ALLOWED_REQUIREMENT_KEYS.has(key) || key === EC2NODECLASS_LABEL;
  if (!(awsOk || !d.endsWith("karpenter.k8s.aws"))) out.push('label domain "karpenter.k8s.aws" is restricted');
  return out;
}

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

function validateRequirements(reqs: unknown, path: string, errs: Errs, forNodeClaim: boolean): void {
  if (reqs === undefined || reqs === null) {
    required(errs, path);
    return;
  }
  if (!Array.isArray(reqs)) {
    typeErr(errs, path, reqs, "array");
    return;
  }
  if (reqs.length > 100) errs.push({ type: "TooMany", field: path, detail: `must have at most 100 items` });
  let cIn = false;
  let cGt = false;
  let cMin = false;
  reqs.forEach((r: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!r || typeof r !== "object") {
      typeErr(errs, p, r, "object");
      return;
    }
    if (r.key === undefined) required(errs, `${p}.key`);
    else if (typeof r.key !== "string") typeErr(errs, `${p}.key`, r.key, "string");
    else {
      if (r.key.length > 316) errs.push({ type: "TooLong", field: `${p}.key`, detail: "may not be more than 316 bytes" });
      if (!QUALIFIED_KEY_RE.test(r.key)) patternErr(errs, `${p}.key`, r.key, QUALIFIED_KEY);
      for (const m of restrictedLabelMessages(r.key, { forNodeClaim })) cel(errs, `${p}.key`, "string", m);
    }
    if (r.operator === undefined) required(errs, `${p}.operator`);
    else if (!OPERATORS.includes(r.operator)) enumErr(errs, `${p}.operator`, r.operator, OPERATORS);
    if (r.values !== undefined && r.values !== null) {
      if (!Array.isArray(r.values)) typeErr(errs, `${p}.values`, r.values, "array");
      else
        r.values.forEach((v: unknown, j: number) => {
          if (typeof v !== "string") typeErr(errs, `${p}.values[${j}]`, v, "string");
          else {
            if (v.length > 63) errs.push({ type: "TooLong", field: `${p}.values[${j}]`, detail: "may not be more than 63 bytes" });
            if (!LABEL_VALUE_RE.test(v)) patternErr(errs, `${p}.values[${j}]`, v, LABEL_VALUE);
          }
        });
    }
    if (r.minValues !== undefined) {
      if (typeof r.minValues !== "number" || !Number.isInteger(r.minValues)) typeErr(errs, `${p}.minValues`, r.minValues, "integer");
      else minMax(errs, `${p}.minValues`, r.minValues, 1, 50);
    }
    const vals: unknown[] = Array.isArray(r.values) ? r.values : [];
    if (r.operator === "In" && vals.length === 0) cIn = true;
    if ((r.operator === "Gt" || r.operator === "Lt") && !(vals.length === 1 && /^[+-]?[0-9]+$/.test(String(vals[0])) && Number(vals[0]) >= 0)) cGt = true;
    if (r.operator === "In" && typeof r.minValues === "number" && vals.length < r.minValues) cMin = true;
  });
  if (cIn) cel(errs, path, "array", "requirements with operator 'In' must have a value defined");
  if (cGt) cel(errs, path, "array", "requirements operator 'Gt' or 'Lt' must have a single positive integer value");
  if (cMin) cel(errs, path, "array", "requirements with 'minValues' must have at least that many values specified in the 'values' field");
}

function validateTaints(taints: unknown, path: string, errs: Errs): void {
  if (taints === undefined || taints === null) return;
  if (!Array.isArray(taints)) {
    typeErr(errs, path, taints, "array");
    return;
  }
  taints.forEach((t: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!t || typeof t !== "object") return typeErr(errs, p, t, "object");
    if (t.effect === undefined) required(errs, `${p}.effect`);
    else if (!EFFECTS.includes(t.effect)) enumErr(errs, `${p}.effect`, t.effect, EFFECTS);
    if (t.key === undefined) required(errs, `${p}.key`);
    else if (typeof t.key !== "string") typeErr(errs, `${p}.key`, t.key, "string");
    else if (t.key.length < 1) errs.push({ type: "Invalid", field: `${p}.key`, value: t.key, detail: `${p}.key in body should be at least 1 chars long` });
    else if (!QUALIFIED_KEY_RE.test(t.key)) patternErr(errs, `${p}.key`, t.key, QUALIFIED_KEY);
    if (t.value !== undefined && t.value !== "" && (typeof t.value !== "string" || !QUALIFIED_KEY_RE.test(t.value))) {
      patternErr(errs, `${p}.value`, String(t.value), QUALIFIED_KEY);
    }
  });
}

function validateDurationField(v: unknown, path: string, errs: Errs, pattern = DURATION_PATTERN, re = DURATION_RE): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "string") return typeErr(errs, path, v, "string");
  if (!re.test(v)) patternErr(errs, path, v, pattern);
}

function validateNodeClassRef(ref: any, path: string, errs: Errs, oldRef: any): void {
  if (ref === undefined || ref === null) return required(errs, path);
  if (typeof ref !== "object") return typeErr(errs, path, ref, "object");
  for (const f of ["group", "kind", "name"]) {
    if (ref[f] === undefined) required(errs, `${path}.${f}`);
    else if (typeof ref[f] !== "string") typeErr(errs, `${path}.${f}`, ref[f], "string");
  }
  if (typeof ref.group === "string") {
    if (!/^[^/]*$/.test(ref.group)) patternErr(errs, `${path}.group`, ref.group, "^[^/]*$");
    if (ref.group === "") cel(errs, `${path}.group`, "string", "group may not be empty");
  }
  if (ref.kind === "") cel(errs, `${path}.kind`, "string", "kind may not be empty");
  if (ref.name === "") cel(errs, `${path}.name`, "string", "name may not be empty");
  if (oldRef && typeof oldRef === "object") {
    if (oldRef.group !== ref.group) cel(errs, path, "object", "nodeClassRef.group is immutable");
    if (oldRef.kind !== ref.kind) cel(errs, path, "object", "nodeClassRef.kind is immutable");
  }
}

function validateTemplateSpec(s: any, path: string, errs: Errs, old: any, forNodeClaim: boolean): void {
  if (s === undefined || s === null) return required(errs, path);
  validateNodeClassRef(s.nodeClassRef, `${path}.nodeClassRef`, errs, old?.nodeClassRef);
  validateRequirements(s.requirements, `${path}.requirements`, errs, forNodeClaim);
  validateTaints(s.taints, `${path}.taints`, errs);
  validateTaints(s.startupTaints, `${path}.startupTaints`, errs);
  validateDurationField(s.expireAfter, `${path}.expireAfter`, errs);
  validateDurationField(s.terminationGracePeriod, `${path}.terminationGracePeriod`, errs, TGP_PATTERN, TGP_RE);
}

function validateMetadataName(meta: ObjectMeta, errs: Errs): void {
  const n = meta.name ?? "";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n) || n.length > 253) {
    errs.push({
      type: "Invalid",
      field: "metadata.name",
      value: n,
      detail:
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    });
  }
}

export function validateNodePool(obj: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateMetadataName(obj.metadata, errs);
  const spec = obj.spec;
  if (!spec || typeof spec !== "object") {
    required(errs, "spec");
    return errs;
  }
  const tpl = spec.template;
  if (tpl === undefined || tpl === null) required(errs, "spec.template");
  else {
    const labels = tpl.metadata?.labels;
    if (labels && typeof labels === "object") {
      const keys = Object.keys(labels);
      if (keys.length > 100) errs.push({ type: "TooMany", field: "spec.template.metadata.labels", detail: "must have at most 100 items" });
      for (const k of keys) {
        const v = labels[k];
        if (typeof v !== "string") typeErr(errs, `spec.template.metadata.labels.${k}`, v, "string");
        else {
          if (v.length > 63) errs.push({ type: "TooLong", field: `spec.template.metadata.labels.${k}`, detail: "may not be more than 63 bytes" });
          if (!LABEL_VALUE_RE.test(v)) patternErr(errs, `spec.template.metadata.labels.${k}`, v, LABEL_VALUE);
        }
      }
      const seen = new Set<string>();
      for (const k of keys) for (const m of restrictedLabelMessages(k, { forNodePoolLabels: true })) seen.add(m);
      for (const m of [
        'label domain "kubernetes.io" is restricted',
        'label domain "k8s.io" is restricted',
        'label domain "karpenter.sh" is restricted',
        'label "karpenter.sh/nodepool" is restricted',
        'label "kubernetes.io/hostname" is restricted',
        'label domain "karpenter.k8s.aws" is restricted',
      ]) {
        if (seen.has(m)) cel(errs, "spec.template.metadata.labels", "object", m);
      }
    }
    if (tpl.spec === undefined || tpl.spec === null) required(errs, "spec.template.spec");
    else validateTemplateSpec(tpl.spec, "spec.template.spec", errs, old?.spec?.template?.spec, false);
  }
  const d = spec.disruption;
  if (d !== undefined && d !== null) {
    if (d.consolidateAfter === undefined || d.consolidateAfter === null) required(errs, "spec.disruption.consolidateAfter");
    else validateDurationField(d.consolidateAfter, "spec.disruption.consolidateAfter", errs);
    if (d.consolidationPolicy !== undefined && !["WhenEmpty", "WhenEmptyOrUnderutilized"].includes(d.consolidationPolicy)) {
      enumErr(errs, "spec.disruption.consolidationPolicy", d.consolidationPolicy, ["WhenEmpty", "WhenEmptyOrUnderutilized"]);
    }
    if (d.budgets !== undefined && d.budgets !== null) {
      if (!Array.isArray(d.budgets)) typeErr(errs, "spec.disruption.budgets", d.budgets, "array");
      else {
        if (d.budgets.length > 50) errs.push({ type: "TooMany", field: "spec.disruption.budgets", detail: "must have at most 50 items" });
        let mismatch = false;
        d.budgets.forEach((b: any, i: number) => {
          const p = `spec.disruption.budgets[${i}]`;
          if (b.nodes === undefined) required(errs, `${p}.nodes`);
          else if (typeof b.nodes !== "string") typeErr(errs, `${p}.nodes`, b.nodes, "string");
          else if (!BUDGET_NODES_RE.test(b.nodes)) patternErr(errs, `${p}.nodes`, b.nodes, BUDGET_NODES_PATTERN);
          if (b.schedule !== undefined && (typeof b.schedule !== "string" || !SCHEDULE_RE.test(b.schedule))) patternErr(errs, `${p}.schedule`, String(b.schedule), SCHEDULE_PATTERN);
          if (b.duration !== undefined && (typeof b.duration !== "string" || !BUDGET_DURATION_RE.test(b.duration))) {
            patternErr(errs, `${p}.duration`, String(b.duration), BUDGET_DURATION_PATTERN);
          }
          if (Array.isArray(b.reasons)) {
            b.reasons.forEach((r: unknown, j: number) => {
              if (!["Underutilized", "Empty", "Drifted"].includes(r as string)) enumErr(errs, `${p}.reasons[${j}]`, r, ["Underutilized", "Empty", "Drifted"]);
            });
          }
          if ((b.schedule !== undefined) !== (b.duration !== undefined)) mismatch = true;
        });
        if (mismatch) cel(errs, "spec.disruption.budgets", "array", "'schedule' must be set with 'duration'");
      }
    }
  }
  if (spec.limits !== undefined && spec.limits !== null) {
    if (typeof spec.limits !== "object") typeErr(errs, "spec.limits", spec.limits, "object");
    else
      for (const [k, v] of Object.entries(spec.limits)) {
        if (typeof v === "number" ? !Number.isFinite(v) : typeof v !== "string" || !isValidQuantity(v)) {
          patternErr(errs, `spec.limits.${k}`, String(v), QUANTITY_PATTERN);
        }
      }
  }
  if (spec.weight !== undefined && spec.weight !== null) {
    if (typeof spec.weight !== "number" || !Number.isInteger(spec.weight)) typeErr(errs, "spec.weight", spec.weight, "integer");
    else minMax(errs, "spec.weight", spec.weight, 1, 100);
  }
  return errs;
}

export function validateNodeClaim(obj: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateMetadataName(obj.metadata, errs);
  const spec = obj.spec;
  if (!spec || typeof spec !== "object") {
    required(errs, "spec");
    return errs;
  }
  validateTemplateSpec(spec, "spec", errs, old?.spec, true);
  if (old && canonical(old.spec) !== canonical(spec)) cel(errs, "spec", "object", "spec is immutable");
  return errs;
}

const ALIAS_FAMILIES = ["al2", "al2023", "bottlerocket", "windows2019", "windows2022"];

export function validateEC2NodeClass(obj: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateMetadataName(obj.metadata, errs);
  const spec = obj.spec;
  if (!spec || typeof spec !== "object") {
    required(errs, "spec");
    return errs;
  }
  // subnets
  const sn = spec.subnetSelectorTerms;
  if (sn === undefined || sn === null) required(errs, "spec.subnetSelectorTerms");
  else if (!Array.isArray(sn)) typeErr(errs, "spec.subnetSelectorTerms", sn, "array");
  else {
    if (sn.length > 30) errs.push({ type: "TooMany", field: "spec.subnetSelectorTerms", detail: "must have at most 30 items" });
    if (sn.length === 0) cel(errs, "spec.subnetSelectorTerms", "array", "subnetSelectorTerms cannot be empty");
    if (!sn.every((x: any) => x?.tags !== undefined || x?.id !== undefined)) cel(errs, "spec.subnetSelectorTerms", "array", "expected at least one, got none, ['tags', 'id']");
    if (sn.length > 0 && sn.every((x: any) => x?.id !== undefined && x?.tags !== undefined)) {
      cel(errs, "spec.subnetSelectorTerms", "array", "'id' is mutually exclusive, cannot be set with a combination of other fields in subnetSelectorTerms");
    }
  }
  // security groups
  const sg = spec.securityGroupSelectorTerms;
  if (sg === undefined || sg === null) required(errs, "spec.securityGroupSelectorTerms");
  else if (!Array.isArray(sg)) typeErr(errs, "spec.securityGroupSelectorTerms", sg, "array");
  else {
    if (sg.length > 30) errs.push({ type: "TooMany", field: "spec.securityGroupSelectorTerms", detail: "must have at most 30 items" });
    if (sg.length === 0) cel(errs, "spec.securityGroupSelectorTerms", "array", "securityGroupSelectorTerms cannot be empty");
    if (!sg.every((x: any) => x?.tags !== undefined || x?.id !== undefined || x?.name !== undefined)) {
      cel(errs, "spec.securityGroupSelectorTerms", "array", "expected at least one, got none, ['tags', 'id', 'name']");
    }
    if (sg.length > 0 && sg.every((x: any) => x?.id !== undefined && (x?.tags !== undefined || x?.name !== undefined))) {
      cel(errs, "spec.securityGroupSelectorTerms", "array", "'id' is mutually exclusive, cannot be set with a combination of other fields in securityGroupSelectorTerms");
    }
    if (sg.length > 0 && sg.every((x: any) => x?.name !== undefined && (x?.tags !== undefined || x?.id !== undefined))) {
      cel(errs, "spec.securityGroupSelectorTerms", "array", "'name' is mutually exclusive, cannot be set with a combination of other fields in securityGroupSelectorTerms");
    }
  }
  // AMIs
  const ami = spec.amiSelectorTerms;
  let hasAlias = false;
  if (ami === undefined || ami === null) required(errs, "spec.amiSelectorTerms");
  else if (!Array.isArray(ami)) typeErr(errs, "spec.amiSelectorTerms", ami, "array");
  else {
    if (ami.length < 1) errs.push({ type: "Invalid", field: "spec.amiSelectorTerms", value: ami.length, detail: "spec.amiSelectorTerms in body should have at least 1 items" });
    if (ami.length > 30) errs.push({ type: "TooMany", field: "spec.amiSelectorTerms", detail: "must have at most 30 items" });
    ami.forEach((t: any, i: number) => {
      if (typeof t?.alias === "string") {
        const p = `spec.amiSelectorTerms[${i}].alias`;
        if (t.alias.length > 30) errs.push({ type: "TooLong", field: p, detail: "may not be more than 30 bytes" });
        if (!/^[a-zA-Z0-9]+@.+$/.test(t.alias)) cel(errs, p, "string", "'alias' is improperly formatted, must match the format 'family@version'");
        const [fam, ver] = t.alias.split("@");
        if (!ALIAS_FAMILIES.includes(fam)) {
          cel(errs, p, "string", "family is not supported, must be one of the following: 'al2', 'al2023', 'bottlerocket', 'windows2019', 'windows2022'");
        }
        if ((fam === "windows2019" || fam === "windows2022") && ver !== "latest") cel(errs, p, "string", "windows families may only specify version 'latest'");
      }
      if (typeof t?.id === "string" && !/ami-[0-9a-z]+/.test(t.id)) patternErr(errs, `spec.amiSelectorTerms[${i}].id`, t.id, "ami-[0-9a-z]+");
    });
    hasAlias = ami.some((x: any) => x?.alias !== undefined);
    if (!ami.every((x: any) => x?.tags !== undefined || x?.id !== undefined || x?.name !== undefined || x?.alias !== undefined || x?.ssmParameter !== undefined)) {
      cel(errs, "spec.amiSelectorTerms", "array", "expected at least one, got none, ['tags', 'id', 'name', 'alias', 'ssmParameter']");
    }
    if (ami.some((x: any) => x?.id !== undefined && (x.alias !== undefined || x.tags !== undefined || x.name !== undefined || x.owner !== undefined))) {
      cel(errs, "spec.amiSelectorTerms", "array", "'id' is mutually exclusive, cannot be set with a combination of other fields in amiSelectorTerms");
    }
    if (ami.some((x: any) => x?.alias !== undefined && (x.id !== undefined || x.tags !== undefined || x.name !== undefined || x.owner !== undefined))) {
      cel(errs, "spec.amiSelectorTerms", "array", "'alias' is mutually exclusive, cannot be set with a combination of other fields in amiSelectorTerms");
    }
    if (hasAlias && ami.length !== 1) cel(errs, "spec.amiSelectorTerms", "array", "'alias' is mutually exclusive, cannot be set with a combination of other amiSelectorTerms");
  }
  const families = ["AL2", "AL2023", "Bottlerocket", "Custom", "Windows2019", "Windows2022"];
  if (spec.amiFamily !== undefined && !families.includes(spec.amiFamily)) enumErr(errs, "spec.amiFamily", spec.amiFamily, families);
  if (spec.role === "") cel(errs, "spec.role", "string", "role cannot be empty");
  if (spec.instanceProfile === "") cel(errs, "spec.instanceProfile", "string", "instanceProfile cannot be empty");
  if (spec.tags && typeof spec.tags === "object") {
    const keys = Object.keys(spec.tags);
    const tagRule = (msg: string, ok: (k: string) => boolean) => {
      if (!keys.every(ok)) cel(errs, "spec.tags", "object", msg);
    };
    tagRule("empty tag keys aren't supported", (k) => k !== "");
    tagRule("tag contains a restricted tag matching eks:eks-cluster-name", (k) => k !== "eks:eks-cluster-name");
    tagRule("tag contains a restricted tag matching kubernetes.io/cluster/", (k) => !k.startsWith("kubernetes.io/cluster"));
    tagRule("tag contains a restricted tag matching karpenter.sh/nodepool", (k) => k !== "karpenter.sh/nodepool");
    tagRule("tag contains a restricted tag matching karpenter.sh/nodeclaim", (k) => k !== "karpenter.sh/nodeclaim");
    tagRule("tag contains a restricted tag matching karpenter.k8s.aws/ec2nodeclass", (k) => k !== "karpenter.k8s.aws/ec2nodeclass");
  }
  // Object-level rules on spec.
  const hasRole = spec.role !== undefined;
  const hasIP = spec.instanceProfile !== undefined;
  if (hasRole === hasIP) cel(errs, "spec", "object", "must specify exactly one of ['role', 'instanceProfile']");
  if (Array.isArray(ami)) {
    const aliasFam = ami.find((x: any) => typeof x?.alias === "string")?.alias.split("@")[0];
    const famRule: Array<[string, string, string]> = [
      ["al2", "AL2", "if set, amiFamily must be 'AL2' or 'Custom' when using an AL2 alias"],
      ["al2023", "AL2023", "if set, amiFamily must be 'AL2023' or 'Custom' when using an AL2023 alias"],
      ["bottlerocket", "Bottlerocket", "if set, amiFamily must be 'Bottlerocket' or 'Custom' when using a Bottlerocket alias"],
      ["windows2019", "Windows2019", "if set, amiFamily must be 'Windows2019' or 'Custom' when using a Windows2019 alias"],
      ["windows2022", "Windows2022", "if set, amiFamily must be 'Windows2022' or 'Custom' when using a Windows2022 alias"],
    ];
    if (spec.amiFamily !== undefined && aliasFam) {
      for (const [f, F, msg] of famRule) if (aliasFam === f && spec.amiFamily !== "Custom" && spec.amiFamily !== F) cel(errs, "spec", "object", msg);
    }
    if (!hasAlias && spec.amiFamily === undefined) cel(errs, "spec", "object", "must specify amiFamily if amiSelectorTerms does not contain an alias");
  }
  if (old?.spec) {
    const o = old.spec;
    if (!((o.role !== undefined && hasRole) || (o.instanceProfile !== undefined && hasIP))) {
      cel(errs, "spec", "object", "changing from 'instanceProfile' to 'role' is not supported. You must delete and recreate this node class if you want to change this.");
    }
  }
  return errs;
}

// ------------------------------------------------------------------------------------- registration

/**
 * Register the kinds and their CRD strategies (defaults + validation) on a store. NodeClaims and
 * NodePools are deleted with finalizers only (no graceful period).
 */
export function registerKarpenterKinds(store: Store): void {
  registerKarpenterKindInfo();
  // A status-subresource write carries the stored spec object itself.
  const statusWrite = (obj: KubeObject, old: KubeObject | undefined) => old !== undefined && obj.spec === old.spec;
  store.registerStrategy("NodePool", {
    defaults: (o) => defaultNodePool(o),
    validate: (o, old) => validateNodePool(o, old),
  });
  store.registerStrategy("NodeClaim", {
    defaults: (o) => defaultNodeClaim(o),
    // Status writes keep the stored spec: skip the spec-immutability rule for them.
    validate: (o, old, _ctx: AdmissionContext) => (statusWrite(o, old) ? [] : validateNodeClaim(o, old)),
  });
  store.registerStrategy("EC2NodeClass", {
    defaults: (o) => defaultEC2NodeClass(o),
    validate: (o, old) => validateEC2NodeClass(o, old),
  });
}
