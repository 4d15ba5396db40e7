/**
 * The REST strategies and default admission plugins of kube-apiserver 1.32 on EKS, registered on the
 * store: per-kind defaulting (SetDefaults_*), autoscaling/v1 → v2 conversion of HPAs, validation
 * (create and update), and for Pods the admission chain run on create — ServiceAccount,
 * LimitRanger, Priority, DefaultTolerationSeconds — plus the Pod graceful-deletion rule.
 */
import { parseQuantity } from "../core/quantity.js";
import {
  allocateClusterIP,
  allocateNodePort,
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultHPA,
  defaultJob,
  generateJobSelector,
  JOB_CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_JOB_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  defaultLimitRange,
  defaultNamespace,
  defaultNode,
  defaultPod,
  defaultPriorityClass,
  defaultReplicaSet,
  defaultSecret,
  defaultService,
  defaultStatefulSet,
  inServiceCIDR,
  SERVICE_CIDR,
} from "./defaults.js";
import { fieldErrorText, forbidden as forbiddenError, invalid as invalidError, type FieldError } from "./errors.js";
import { dropHpaRoundTripAnnotations, hpaV1ToV2 } from "./hpa-conversion.js";
import type { KubeObject } from "./meta.js";
import type { AdmissionContext, KindStrategy, Store } from "./store.js";
import { validateCronJob, validateDaemonSet, validateDeployment, validateJob, validateReplicaSet, validateStatefulSet } from "./validation/apps.js";
import { validateHorizontalPodAutoscaler } from "./validation/autoscaling.js";
import {
  goLabelSelector,
  goStringMap,
  invalid as invalidField,
  nameIsDNSSubdomain,
  required as requiredField,
  validateObjectMeta,
} from "./validation/meta.js";
import { fromLabelSelector } from "../core/labels.js";
import {
  validateConfigMap,
  validateEvent,
  validateLimitRange,
  validateNamespace,
  validateNode,
  validateSecret,
  validateServiceAccount,
} from "./validation/misc.js";
import { validatePod, validatePodUpdate } from "./validation/pod.js";
import { SYSTEM_PRIORITY_CLASSES, validatePodDisruptionBudget, validatePriorityClass } from "./validation/policy.js";
import { validateService } from "./validation/service.js";

/** ErrorList.ToAggregate drops repeated messages. */
export function dedupe(errs: FieldError[]): FieldError[] {
  if (errs.length < 2) return errs;
  const seen = new Set<string>();
  return errs.filter((e) => {
    const t = fieldErrorText(e);
    if (seen.has(t)) return false;
    seen.add(t);
    return true;
  });
}

function existing(obj: KubeObject, ctx: AdmissionContext): KubeObject | undefined {
  return ctx.store.get(obj.kind, obj.metadata.namespace, obj.metadata.name!);
}

/** Nothing a validator looks at changed (status writes): skip re-validation. */
function unchangedForValidation(obj: KubeObject, old: KubeObject): boolean {
  const a = obj.metadata;
  const b = old.metadata;
  for (const k in obj) {
    if (k === "metadata" || k === "status" || k === "apiVersion" || k === "kind") continue;
    if (obj[k] !== old[k]) return false;
  }
  for (const k in old) if (!(k in obj)) return false;
  return (
    a.labels === b.labels &&
    a.annotations === b.annotations &&
    a.ownerReferences === b.ownerReferences &&
    a.finalizers === b.finalizers &&
    a.generateName === b.generateName
  );
}

function strategy(
  defaults: ((obj: KubeObject, creating: boolean, ctx: AdmissionContext) => void) | undefined,
  validate: (obj: KubeObject, old: KubeObject | undefined, ctx: AdmissionContext) => FieldError[],
): KindStrategy {
  return {
    defaults: defaults
      ? (obj, ctx) => {
          const old = existing(obj, ctx);
          if (old && old.spec === obj.spec && obj.spec !== undefined) return;
          defaults(obj, old === undefined, ctx);
        }
      : undefined,
    validate: (obj, old, ctx) => {
      if (old && unchangedForValidation(obj, old)) return [];
      return dedupe(validate(obj, old, ctx));
    },
  };
}

// ------------------------------------------------------------------------------ Pod admission

const NOT_READY_TOLERATION = { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 };
const UNREACHABLE_TOLERATION = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 };

/** DefaultTolerationSeconds admission plugin (300 s for not-ready / unreachable NoExecute). */
export function admitDefaultTolerationSeconds(pod: KubeObject): void {
  const tols: any[] = pod.spec.tolerations ?? [];
  let notReady = false;
  let unreachable = false;
  for (const t of tols) {
    const key = t.key ?? "";
    const effect = t.effect ?? "";
    if ((key === NOT_READY_TOLERATION.key || key === "") && (effect === "NoExecute" || effect === "")) notReady = true;
    if ((key === UNREACHABLE_TOLERATION.key || key === "") && (effect === "NoExecute" || effect === "")) unreachable = true;
  }
  if (notReady && unreachable) return;
  const out = [...tols];
  if (!notReady) out.push({ ...NOT_READY_TOLERATION });
  if (!unreachable) out.push({ ...UNREACHABLE_TOLERATION });
  pod.spec.tolerations = out;
}

function podForbidden(pod: KubeObject, msg: string): Error {
  return forbiddenError(`pods "${pod.metadata.name ?? ""}" is forbidden: ${msg}`);
}

/** Priority admission plugin: priorityClassName → spec.priority and spec.preemptionPolicy. */
export function admitPriority(pod: KubeObject, store: Store): void {
  const spec = pod.spec;
  let name = "";
  let value = 0;
  let policy = "PreemptLowerPriority";
  const lookup = (n: string): { value: number; preemptionPolicy?: string } | undefined => {
    const pc = store.get("PriorityClass", undefined, n) as any;
    if (pc) return { value: pc.value ?? 0, preemptionPolicy: pc.preemptionPolicy };
    const sys = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === n);
    return sys ? { value: sys.value, preemptionPolicy: "PreemptLowerPriority" } : undefined;
  };
  if (!spec.priorityClassName) {
    // The globalDefault class (the one with the lowest value if several), else 0.
    let best: any;
    for (const pc of store.list("PriorityClass") as any[]) {
      if (pc.globalDefault && (!best || (pc.value ?? 0) < (best.value ?? 0))) best = pc;
    }
    if (best) {
      name = best.metadata.name;
      value = best.value ?? 0;
      policy = best.preemptionPolicy ?? "PreemptLowerPriority";
    }
    if (name) spec.priorityClassName = name;
  } else {
    const pc = lookup(spec.priorityClassName);
    if (!pc) throw podForbidden(pod, `no PriorityClass with name ${spec.priorityClassName} was found`);
    value = pc.value;
    policy = pc.preemptionPolicy ?? "PreemptLowerPriority";
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
    throw podForbidden(
      pod,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
    );
  }
  spec.priority = value;
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
    throw podForbidden(
      pod,
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
    );
  }
  spec.preemptionPolicy = policy;
}

const cmpQ = (a: unknown, b: unknown): number => {
  try {
    return parseQuantity(a as string).cmp(parseQuantity(b as string));
  } catch {
    return 0;
  }
};

/** LimitRanger admission plugin: container defaults from LimitRanges, then min/max checks. */
export function admitLimitRanger(pod: KubeObject, store: Store): void {
  const ranges = store.list("LimitRange", { namespace: pod.metadata.namespace }) as KubeObject[];
  if (ranges.length === 0) return;
  const notes: string[] = [];
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== "Container") continue;
      const apply = (list: any[], what: string) => {
        for (const c of list) {
          c.resources ??= {};
          const setReq: string[] = [];
          const setLim: string[] = [];
          for (const [k, v] of Object.entries(item.default ?? {})) {
            c.resources.limits ??= {};
            if (!(k in c.resources.limits)) {
              c.resources.limits[k] = v;
              setLim.push(k);
            }
          }
          for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
            c.resources.requests ??= {};
            if (!(k in c.resources.requests)) {
              c.resources.requests[k] = v;
              setReq.push(k);
            }
          }
          if (setReq.length) notes.push(`${setReq.sort().join(", ")} request for ${what} ${c.name}`);
          if (setLim.length) notes.push(`${setLim.sort().join(", ")} limit for ${what} ${c.name}`);
        }
      };
      apply(pod.spec.containers ?? [], "container");
      apply(pod.spec.initContainers ?? [], "init container");
    }
  }
  if (notes.length) {
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), "kubernetes.io/limit-ranger": `LimitRanger plugin set: ${notes.join("; ")}` };
  }
  // Validation of min/max per container.
  const errs: string[] = [];
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== "Container") continue;
      for (const c of pod.spec.containers ?? []) {
        for (const [r, min] of Object.entries(item.min ?? {})) {
          const req = c.resources?.requests?.[r];
          if (req === undefined) errs.push(`minimum ${r} usage per Container is ${min}.  No request is specified`);
          else if (cmpQ(req, min) < 0) errs.push(`minimum ${r} usage per Container is ${min}, but request is ${req}`);
        }
        for (const [r, max] of Object.entries(item.max ?? {})) {
          const lim = c.resources?.limits?.[r];
          if (lim === undefined) errs.push(`maximum ${r} usage per Container is ${max}.  No limit is specified`);
          else if (cmpQ(lim, max) > 0) errs.push(`maximum ${r} usage per Container is ${max}, but limit is ${lim}`);
        }
      }
    }
  }
  if (errs.length) throw podForbidden(pod, errs.join(", "));
}

// ------------------------------------------------------------------------------ Service allocation

function allocateServiceAddresses(svc: KubeObject, creating: boolean, ctx: AdmissionContext): void {
  const s = svc.spec;
  const old = creating ? undefined : existing(svc, ctx);
  if (old) {
    // PrepareForUpdate keeps allocated values the client omitted.
    if (!s.clusterIP && old.spec?.clusterIP && s.type !== "ExternalName") s.clusterIP = old.spec.clusterIP;
    if (!s.clusterIPs && old.spec?.clusterIPs && s.type !== "ExternalName") s.clusterIPs = [...old.spec.clusterIPs];
    if (!s.ipFamilies && old.spec?.ipFamilies) s.ipFamilies = [...old.spec.ipFamilies];
    if (!s.ipFamilyPolicy && old.spec?.ipFamilyPolicy) s.ipFamilyPolicy = old.spec.ipFamilyPolicy;
    for (const p of s.ports ?? []) {
      if (p.nodePort) continue;
      const op = (old.spec?.ports ?? []).find((x: any) => x.port === p.port && x.protocol === p.protocol && x.nodePort);
      if (op && (s.type === "NodePort" || s.type === "LoadBalancer")) p.nodePort = op.nodePort;
    }
    return;
  }
  if (s.type === "ExternalName") return;
  const services = ctx.store.list("Service") as KubeObject[];
  if (s.clusterIP !== "None") {
    const used = new Set<string>();
    for (const o of services) if (o.spec?.clusterIP) used.add(o.spec.clusterIP);
    if (s.clusterIP) {
      const ip = s.clusterIP;
      const errs: FieldError[] = [];
      if (!inServiceCIDR(ip)) {
        errs.push({
          type: "Invalid",
          field: "spec.clusterIPs",
          value: [ip],
          detail: `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`,
          rendered: `[]string{${JSON.stringify(ip)}}`,
        });
      } else if (used.has(ip)) {
        errs.push({
          type: "Invalid",
          field: "spec.clusterIPs",
          value: [ip],
          detail: `failed to allocate IP ${ip}: provided IP is already allocated`,
          rendered: `[]string{${JSON.stringify(ip)}}`,
        });
      }
      if (errs.length && /^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw invalidError("Service", svc.metadata.name!, errs);
    } else {
      const ip = allocateClusterIP(svc.metadata.namespace ?? "default", svc.metadata.name!, used);
      if (ip) s.clusterIP = ip;
    }
  }
  s.clusterIPs ??= [s.clusterIP];
  s.ipFamilies ??= ["IPv4"];
  s.ipFamilyPolicy ??= "SingleStack";
  if (s.type === "NodePort" || (s.type === "LoadBalancer" && s.allocateLoadBalancerNodePorts !== false)) {
    const usedPorts = new Set<number>();
    for (const o of services) for (const p of o.spec?.ports ?? []) if (p.nodePort) usedPorts.add(p.nodePort);
    for (const p of s.ports ?? []) {
      if (p.nodePort) continue;
      const np = allocateNodePort(`${svc.metadata.namespace}/${svc.metadata.name}/${p.port}/${p.protocol}`, usedPorts);
      if (np !== undefined) {
        p.nodePort = np;
        usedPorts.add(np);
      }
    }
  }
}

// ------------------------------------------------------------------------------ Job

/**
 * A re-applied Job manifest does not carry the selector and template labels the server generated;
 * kubectl's three-way merge leaves them in place, so the simplified apply of the timeline keeps them.
 */
function keepGeneratedSelector(job: KubeObject, old: KubeObject | undefined): void {
  const s = job.spec;
  const os = old?.spec;
  if (!s || !os || s.selector || os.manualSelector === true || !os.selector) return;
  s.selector = os.selector;
  const tl = os.template?.metadata?.labels ?? {};
  if (s.template) {
    s.template.metadata = { ...(s.template.metadata ?? {}) };
    const labels: Record<string, string> = { ...(s.template.metadata.labels ?? {}) };
    for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) {
      if (!(k in labels) && tl[k] !== undefined) labels[k] = tl[k];
    }
    s.template.metadata.labels = labels;
  }
}

/** ValidateGeneratedSelector (create): the template carries the four generated labels and the selector selects them. */
function validateGeneratedJobSelector(job: KubeObject): FieldError[] {
  const s = job.spec ?? {};
  if (s.manualSelector === true) return [];
  const labels: Record<string, string> | undefined = s.template?.metadata?.labels;
  if (!labels) return [];
  const uid = job.metadata.uid ?? "";
  const name = job.metadata.name ?? "";
  const errs: FieldError[] = [];
  const expected: Record<string, string> = {
    [LEGACY_JOB_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
  };
  for (const [k, v] of Object.entries(expected)) {
    const field = `spec.template.metadata.labels[${k}]`;
    if (!(k in labels)) errs.push(requiredField(field, `must be '${v}'`));
    else if (labels[k] !== v) errs.push(invalidField(field, labels, `must be '${v}'`, goStringMap(labels)));
  }
  try {
    if (s.selector && !fromLabelSelector(s.selector).matches(expected)) {
      errs.push(invalidField("spec.selector", s.selector, "`selector` not auto-generated", goLabelSelector(s.selector)));
    }
  } catch {
    // an unparsable selector is reported by validateJob
  }
  return errs;
}

// ------------------------------------------------------------------------------ registration

/** Seconds of graceful deletion for a Pod (podStrategy.CheckGracefulDelete). */
export function podGracePeriodSeconds(pod: KubeObject, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === "Failed" || phase === "Succeeded") return 0;
  const g = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  return g < 0 ? 1 : g;
}

export function registerBuiltinStrategies(store: Store): void {
  const reg = (kind: string, s: KindStrategy) => store.registerStrategy(kind, s);

  reg("Namespace", strategy((o, creating) => defaultNamespace(o, creating), (o) => validateNamespace(o)));
  reg("Node", strategy((o) => defaultNode(o), (o) => validateNode(o)));
  reg("ConfigMap", strategy(undefined, (o) => validateConfigMap(o)));
  reg("Secret", {
    ...strategy(undefined, (o, old) => validateSecret(o, old)),
    // Secrets have no spec: default on every write (stringData must never be stored).
    defaults: (o) => defaultSecret(o),
  });
  reg("ServiceAccount", strategy(undefined, (o) => validateServiceAccount(o)));
  reg("Event", strategy(undefined, (o) => validateEvent(o)));
  reg("LimitRange", strategy((o) => defaultLimitRange(o), (o) => validateLimitRange(o)));
  reg("Endpoints", strategy(undefined, (o) => {
    const errs: FieldError[] = [];
    validateObjectMeta(o.metadata, true, nameIsDNSSubdomain, errs);
    return errs;
  }));

  reg(
    "Pod",
    {
      ...strategy(
        (pod, creating, ctx) => {
          defaultPod(pod, creating);
          if (!creating) return;
          // Mutating admission chain on create, in kube-apiserver's plugin order.
          if (!pod.spec.serviceAccountName) {
            pod.spec.serviceAccountName = "default";
            pod.spec.serviceAccount = "default";
          }
          admitLimitRanger(pod, ctx.store);
          admitPriority(pod, ctx.store);
          admitDefaultTolerationSeconds(pod);
        },
        (pod, old) => (old ? validatePodUpdate(pod, old) : validatePod(pod)),
      ),
      gracePeriodSeconds: podGracePeriodSeconds,
    },
  );

  reg(
    "Service",
    strategy(
      (svc, creating, ctx) => {
        defaultService(svc);
        allocateServiceAddresses(svc, creating, ctx);
      },
      (svc, old) => validateService(svc, old),
    ),
  );

  reg("Deployment", strategy((o) => defaultDeployment(o), (o, old) => validateDeployment(o, old)));
  reg("ReplicaSet", strategy((o) => defaultReplicaSet(o), (o, old) => validateReplicaSet(o, old)));
  reg("StatefulSet", strategy((o) => defaultStatefulSet(o), (o, old) => validateStatefulSet(o, old)));
  reg("DaemonSet", strategy((o) => defaultDaemonSet(o), (o, old) => validateDaemonSet(o, old)));
  reg(
    "Job",
    strategy(
      (o, creating, ctx) => {
        const aliased = defaultJob(o);
        if (creating) generateJobSelector(o, aliased);
        else keepGeneratedSelector(o, existing(o, ctx));
      },
      (o, old) => (old ? validateJob(o, old) : [...validateJob(o), ...validateGeneratedJobSelector(o)]),
    ),
  );

  reg("CronJob", strategy((o) => defaultCronJob(o), (o, old) => validateCronJob(o, old)));

  reg(
    "HorizontalPodAutoscaler",
    strategy(
      (hpa) => {
        if (hpa.apiVersion === "autoscaling/v1") {
          const v2 = hpaV1ToV2(hpa);
          // Keep the metadata object identity (the store holds a reference to it).
          const meta = hpa.metadata;
          for (const k of Object.keys(meta)) if (!(k in v2.metadata)) delete meta[k];
          Object.assign(meta, v2.metadata);
          for (const k of Object.keys(hpa)) if (k !== "metadata") delete hpa[k];
          Object.assign(hpa, { ...v2, metadata: meta });
        } else {
          dropHpaRoundTripAnnotations(hpa);
        }
        defaultHPA(hpa);
      },
      (hpa) => validateHorizontalPodAutoscaler(hpa),
    ),
  );

  reg("PodDisruptionBudget", strategy(undefined, (o, old) => validatePodDisruptionBudget(o, old)));
  reg("PriorityClass", strategy((o) => defaultPriorityClass(o), (o, old) => validatePriorityClass(o, old)));
}
