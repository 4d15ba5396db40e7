/**
 * Pod and PodTemplateSpec validation as pkg/apis/core/validation (kube-apiserver 1.32): containers,
 * ports, env, resources (requests ≤ limits), restart/DNS policy, tolerations, volumes, and the Pod
 * update rule (only images, activeDeadlineSeconds, added tolerations, terminationGracePeriodSeconds).
 */
import type { KubeObject } from "../meta.js";
import {
  duplicate,
  forbidden,
  goStringMap,
  inclusiveRangeError,
  invalid,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
  notSupported,
  quantityField,
  required,
  validateAnnotations,
  validateLabelName,
  validateLabels,
  validateNonnegativeField,
  validateNonnegativeQuantity,
  validateObjectMeta,
  type Errs,
} from "./meta.js";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);
const MAX_INT32 = 2147483647;

function isIntegerResource(name: string): boolean {
  // Extended resources (domain/name, not kubernetes.io/) and hugepages accounting are integers.
  return name.includes("/") && !name.startsWith("kubernetes.io/") && !name.includes(".kubernetes.io/") && !name.startsWith("requests.");
}

/** validateResourceRequirements for a container's `resources`. */
export function validateResourceRequirements(res: any, path: string, errs: Errs): void {
  if (!res) return;
  const limPath = `${path}.limits`;
  const reqPath = `${path}.requests`;
  const limits = new Map<string, ReturnType<typeof quantityField>>();
  for (const [name, raw] of Object.entries<unknown>(res.limits ?? {})) {
    const fp = `${limPath}[${name}]`;
    validateContainerResourceName(name, fp, errs);
    const qty = quantityField(raw, fp, errs);
    limits.set(name, qty);
    if (!qty) continue;
    validateNonnegativeQuantity(qty, fp, errs);
    if (isIntegerResource(name) && qty.milliValue() % 1000 !== 0) errs.push(invalid(fp, qty.toString(), "must be an integer"));
  }
  for (const [name, raw] of Object.entries<unknown>(res.requests ?? {})) {
    const fp = `${reqPath}[${name}]`;
    validateContainerResourceName(name, fp, errs);
    const qty = quantityField(raw, fp, errs);
    if (!qty) continue;
    validateNonnegativeQuantity(qty, fp, errs);
    if (isIntegerResource(name) && qty.milliValue() % 1000 !== 0) errs.push(invalid(fp, qty.toString(), "must be an integer"));
    const overcommit = !name.startsWith("hugepages-") && !isIntegerResource(name);
    if (limits.has(name)) {
      const lim = limits.get(name);
      if (!lim) continue;
      if (qty.cmp(lim) !== 0 && !overcommit) {
        errs.push(invalid(reqPath, qty.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      } else if (qty.cmp(lim) > 0) {
        errs.push(invalid(reqPath, qty.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
      }
    } else if (!overcommit) {
      errs.push(required(limPath, "Limit must be set for non overcommitable resources"));
    }
  }
}

function validateContainerResourceName(name: string, field: string, errs: Errs): void {
  for (const m of isQualifiedNameLike(name)) errs.push(invalid(field, name, m));
  if (!name.includes("/")) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith("hugepages-")) {
      errs.push(invalid(field, name, "must be a standard resource for containers"));
    }
  } else if (name.startsWith("kubernetes.io/") || name.includes(".kubernetes.io/")) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
}

function isQualifiedNameLike(name: string): string[] {
  // validateResourceName: a qualified name (prefixed names are DNS subdomain + name).
  const parts = name.split("/");
  if (parts.length > 2) return ["a qualified name must consist of alphanumeric characters"];
  return [];
}

function validatePorts(ports: any[] | undefined, path: string, errs: Errs): void {
  const names = new Set<string>();
  (ports ?? []).forEach((p, i) => {
    const ip = `${path}[${i}]`;
    if (p.name) {
      const msgs = isValidPortName(p.name);
      if (msgs.length) for (const m of msgs) errs.push(invalid(`${ip}.name`, p.name, m));
      else if (names.has(p.name)) errs.push(duplicate(`${ip}.name`, p.name));
      else names.add(p.name);
    }
    if (!p.containerPort) errs.push(required(`${ip}.containerPort`));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(invalid(`${ip}.containerPort`, p.containerPort, m));
    if (p.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(invalid(`${ip}.hostPort`, p.hostPort, m));
    if (!p.protocol) errs.push(required(`${ip}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${ip}.protocol`, p.protocol, PROTOCOLS));
  });
}

function validateEnv(env: any[] | undefined, path: string, errs: Errs): void {
  (env ?? []).forEach((e, i) => {
    const ip = `${path}[${i}]`;
    if (!e.name) errs.push(required(`${ip}.name`));
    else for (const m of isEnvVarName(e.name)) errs.push(invalid(`${ip}.name`, e.name, m));
    if (e.valueFrom) {
      const srcs = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter((k) => e.valueFrom[k]);
      if (srcs.length === 0) errs.push(invalid(`${ip}.valueFrom`, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
      else if (srcs.length > 1) errs.push(invalid(`${ip}.valueFrom`, "", "may not have more than one field specified at a time"));
      if (e.value) errs.push(invalid(`${ip}.valueFrom`, "", "may not be specified when `value` is not empty"));
    }
  });
}

function validateProbe(probe: any, path: string, errs: Errs): void {
  if (!probe) return;
  const handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter((k) => probe[k]);
  if (handlers.length === 0) errs.push(required(path, "must specify a handler type"));
  else if (handlers.length > 1) errs.push(forbidden(`${path}.${handlers[1]}`, "may not specify more than 1 handler type"));
  for (const f of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"]) {
    validateNonnegativeField(probe[f], `${path}.${f}`, errs);
  }
  if (probe.httpGet) {
    const port = probe.httpGet.port;
    validatePortNumOrName(port, `${path}.httpGet.port`, errs);
    if (probe.httpGet.scheme && !["HTTP", "HTTPS"].includes(probe.httpGet.scheme)) {
      errs.push(notSupported(`${path}.httpGet.scheme`, probe.httpGet.scheme, ["HTTP", "HTTPS"]));
    }
  }
  if (probe.tcpSocket) validatePortNumOrName(probe.tcpSocket.port, `${path}.tcpSocket.port`, errs);
}

/** ValidatePortNumOrName (intstr port). */
export function validatePortNumOrName(port: unknown, field: string, errs: Errs): void {
  if (typeof port === "number") {
    for (const m of isValidPortNum(port)) errs.push(invalid(field, port, m));
  } else if (typeof port === "string") {
    if (port === "") errs.push(required(field));
    else for (const m of isValidPortName(port)) errs.push(invalid(field, port, m));
  } else if (port === undefined) {
    errs.push(required(field));
  }
}

function validateContainer(c: any, path: string, errs: Errs, init: boolean): void {
  if (!c.name) errs.push(required(`${path}.name`));
  else for (const m of isDNS1123Label(c.name)) errs.push(invalid(`${path}.name`, c.name, m));
  if (!c.image) errs.push(required(`${path}.image`));
  switch (c.terminationMessagePolicy) {
    case "File":
    case "FallbackToLogsOnError":
      break;
    case undefined:
    case "":
      errs.push(required(`${path}.terminationMessagePolicy`, "must be 'File' or 'FallbackToLogsOnError'"));
      break;
    default:
      errs.push(notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, ["File", "FallbackToLogsOnError"]));
  }
  validatePorts(c.ports, `${path}.ports`, errs);
  validateEnv(c.env, `${path}.env`, errs);
  if (!c.imagePullPolicy) errs.push(required(`${path}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  validateResourceRequirements(c.resources, `${path}.resources`, errs);
  const sidecar = init && c.restartPolicy === "Always";
  if (!init || sidecar) {
    validateProbe(c.livenessProbe, `${path}.livenessProbe`, errs);
    validateProbe(c.readinessProbe, `${path}.readinessProbe`, errs);
    validateProbe(c.startupProbe, `${path}.startupProbe`, errs);
    if (c.livenessProbe && c.livenessProbe.successThreshold !== undefined && c.livenessProbe.successThreshold !== 1) {
      errs.push(invalid(`${path}.livenessProbe.successThreshold`, c.livenessProbe.successThreshold, "must be 1"));
    }
  } else {
    if (c.livenessProbe) errs.push(forbidden(`${path}.livenessProbe`, "may not be set for init containers without restartPolicy=Always"));
    if (c.readinessProbe) errs.push(forbidden(`${path}.readinessProbe`, "may not be set for init containers without restartPolicy=Always"));
    if (c.startupProbe) errs.push(forbidden(`${path}.startupProbe`, "may not be set for init containers without restartPolicy=Always"));
  }
  if (!init && c.restartPolicy !== undefined) errs.push(forbidden(`${path}.restartPolicy`, "may not be set for non-init containers"));
  if (init && c.restartPolicy !== undefined && c.restartPolicy !== "Always") {
    errs.push(notSupported(`${path}.restartPolicy`, c.restartPolicy, ["Always"]));
  }
}

/** ValidateTolerations. */
export function validateTolerations(tols: any[] | undefined, path: string, errs: Errs): void {
  (tols ?? []).forEach((t, i) => {
    const ip = `${path}[${i}]`;
    const key: string = t.key ?? "";
    const op: string = t.operator ?? "";
    const value: string = t.value ?? "";
    const effect: string = t.effect ?? "";
    if (key.length > 0) validateLabelName(key, `${ip}.key`, errs);
    if (key.length === 0 && op !== "Exists") {
      errs.push(invalid(`${ip}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== "NoExecute") {
      errs.push(invalid(`${ip}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case "Equal":
      case "": {
        const msgs = isValidLabelValue(value);
        if (msgs.length) errs.push(invalid(`${ip}.operator`, value, msgs.join(";")));
        break;
      }
      case "Exists":
        if (value.length > 0) {
          const secs = t.tolerationSeconds === undefined || t.tolerationSeconds === null ? "(*int64)(nil)" : `(*int64)(${t.tolerationSeconds})`;
          errs.push(
            invalid(
              `${ip}.operator`,
              t,
              "value must be empty when `operator` is 'Exists'",
              `core.Toleration{Key:${JSON.stringify(key)}, Operator:${JSON.stringify(op)}, Value:${JSON.stringify(value)}, Effect:${JSON.stringify(effect)}, TolerationSeconds:${secs}}`,
            ),
          );
        }
        break;
      default:
        errs.push(notSupported(`${ip}.operator`, op, ["Equal", "Exists"]));
    }
    if (effect.length > 0 && !TAINT_EFFECTS.includes(effect)) errs.push(notSupported(`${ip}.effect`, effect, TAINT_EFFECTS));
  });
}

function validateTopologySpread(tsc: any[] | undefined, path: string, errs: Errs): void {
  (tsc ?? []).forEach((c, i) => {
    const ip = `${path}[${i}]`;
    if (!(c.maxSkew > 0)) errs.push(invalid(`${ip}.maxSkew`, c.maxSkew ?? 0, "must be greater than zero"));
    if (!c.topologyKey) errs.push(required(`${ip}.topologyKey`, "can not be empty"));
    else validateLabelName(c.topologyKey, `${ip}.topologyKey`, errs);
    if (!["DoNotSchedule", "ScheduleAnyway"].includes(c.whenUnsatisfiable)) {
      errs.push(notSupported(`${ip}.whenUnsatisfiable`, c.whenUnsatisfiable ?? "", ["DoNotSchedule", "ScheduleAnyway"]));
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (c.minDomains <= 0) errs.push(invalid(`${ip}.minDomains`, c.minDomains, "must be greater than 0"));
      else if (c.whenUnsatisfiable !== "DoNotSchedule") {
        errs.push(invalid(`${ip}.minDomains`, c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${c.whenUnsatisfiable}`));
      }
    }
  });
}

/** ValidatePodSpec (the parts the simulation models). `path` is `spec` or `spec.template.spec`. */
export function validatePodSpec(spec: any, path: string, errs: Errs): void {
  if (!spec) {
    errs.push(required(path));
    return;
  }
  // Volumes.
  const volNames = new Set<string>();
  (spec.volumes ?? []).forEach((v: any, i: number) => {
    const ip = `${path}.volumes[${i}]`;
    if (!v.name) errs.push(required(`${ip}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(invalid(`${ip}.name`, v.name, m));
      if (volNames.has(v.name)) errs.push(duplicate(`${ip}.name`, v.name));
      volNames.add(v.name);
    }
  });
  const containers: any[] = spec.containers ?? [];
  const names = new Set<string>();
  if (containers.length === 0) errs.push(required(`${path}.containers`));
  containers.forEach((c, i) => {
    const ip = `${path}.containers[${i}]`;
    validateContainer(c, ip, errs, false);
    if (c.name) {
      if (names.has(c.name)) errs.push(duplicate(`${ip}.name`, c.name));
      else names.add(c.name);
    }
  });
  (spec.initContainers ?? []).forEach((c: any, i: number) => {
    const ip = `${path}.initContainers[${i}]`;
    validateContainer(c, ip, errs, true);
    if (c.name) {
      if (names.has(c.name)) errs.push(duplicate(`${ip}.name`, c.name));
      else names.add(c.name);
    }
  });
  if (!spec.restartPolicy) errs.push(required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(spec.restartPolicy)) errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (!spec.dnsPolicy) errs.push(required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  validateLabels(spec.nodeSelector, `${path}.nodeSelector`, errs);
  validateTopologySpread(spec.topologySpreadConstraints, `${path}.topologySpreadConstraints`, errs);
  if (spec.serviceAccountName) {
    for (const m of isDNS1123Subdomain(spec.serviceAccountName)) errs.push(invalid(`${path}.serviceAccountName`, spec.serviceAccountName, m));
  }
  if (spec.nodeName) for (const m of isDNS1123Subdomain(spec.nodeName)) errs.push(invalid(`${path}.nodeName`, spec.nodeName, m));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = spec.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) errs.push(invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRangeError(1, MAX_INT32)));
  }
  if (spec.hostname) for (const m of isDNS1123Label(spec.hostname)) errs.push(invalid(`${path}.hostname`, spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(spec.subdomain)) errs.push(invalid(`${path}.subdomain`, spec.subdomain, m));
  validateTolerations(spec.tolerations, `${path}.tolerations`, errs);
  if (spec.priorityClassName) {
    for (const m of isDNS1123Subdomain(spec.priorityClassName)) errs.push(invalid(`${path}.priorityClassName`, spec.priorityClassName, m));
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && !["Never", "PreemptLowerPriority"].includes(spec.preemptionPolicy)) {
    errs.push(notSupported(`${path}.preemptionPolicy`, spec.preemptionPolicy, ["Never", "PreemptLowerPriority"]));
  }
  if (spec.schedulerName) {
    for (const m of isDNS1123Subdomain(spec.schedulerName)) errs.push(invalid(`${path}.schedulerName`, spec.schedulerName, m));
  }
  validateNonnegativeField(spec.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`, errs);
}

/** ValidatePodTemplateSpec: template labels/annotations + spec. `path` is e.g. `spec.template`. */
export function validatePodTemplateSpec(tpl: any, path: string, errs: Errs): void {
  if (!tpl) {
    errs.push(required(path));
    return;
  }
  validateLabels(tpl.metadata?.labels, `${path}.metadata.labels`, errs);
  validateAnnotations(tpl.metadata?.annotations, `${path}.metadata.annotations`, errs);
  validatePodSpec(tpl.spec, `${path}.spec`, errs);
}

export const updatablePodSpecFields = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

/** ValidatePod (create). */
export function validatePod(pod: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain, errs);
  validatePodSpec(pod.spec, "spec", errs);
  return errs;
}

/** Go-ish name of a PodSpec field for the update diff (`NodeSelector`, `Containers`, …). */
const goField = (k: string): string => k.charAt(0).toUpperCase() + k.slice(1);

/**
 * ValidatePodUpdate: the spec may change only in container images, activeDeadlineSeconds (set or
 * decreased), tolerations (additions) and terminationGracePeriodSeconds. Binding (setting
 * spec.nodeName once) and removing schedulingGates are the simulated `binding` subresource and
 * scheduling-gate updates, so they are accepted here.
 */
export function validatePodUpdate(pod: KubeObject, old: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain, errs);
  if (pod.spec === old.spec) return errs;
  validatePodSpec(pod.spec, "spec", errs);
  const a = pod.spec ?? {};
  const b = old.spec ?? {};
  // Munge the allowed changes onto a copy of the new spec, then compare with the old one.
  const munged: any = { ...a };
  munged.containers = (a.containers ?? []).map((c: any, i: number) => ({ ...c, image: b.containers?.[i]?.image }));
  if (a.initContainers) munged.initContainers = a.initContainers.map((c: any, i: number) => ({ ...c, image: b.initContainers?.[i]?.image }));
  if (b.activeDeadlineSeconds === undefined) {
    if (a.activeDeadlineSeconds !== undefined) delete munged.activeDeadlineSeconds;
  } else if (a.activeDeadlineSeconds !== undefined && a.activeDeadlineSeconds <= b.activeDeadlineSeconds) {
    munged.activeDeadlineSeconds = b.activeDeadlineSeconds;
  }
  // Tolerations: additions only (existing ones may only get a shorter tolerationSeconds).
  const oldTols: any[] = b.tolerations ?? [];
  const newTols: any[] = a.tolerations ?? [];
  const tolsOk = oldTols.every((ot) =>
    newTols.some(
      (nt) =>
        (nt.key ?? "") === (ot.key ?? "") &&
        (nt.operator ?? "") === (ot.operator ?? "") &&
        (nt.value ?? "") === (ot.value ?? "") &&
        (nt.effect ?? "") === (ot.effect ?? "") &&
        (ot.tolerationSeconds === undefined || (nt.tolerationSeconds !== undefined && nt.tolerationSeconds <= ot.tolerationSeconds)),
    ),
  );
  if (tolsOk) {
    if (b.tolerations === undefined) delete munged.tolerations;
    else munged.tolerations = b.tolerations;
  }
  if (b.terminationGracePeriodSeconds !== undefined && b.terminationGracePeriodSeconds < 0 && a.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = b.terminationGracePeriodSeconds;
  }
  if (!b.nodeName && a.nodeName) {
    if (b.nodeName === undefined) delete munged.nodeName;
    else munged.nodeName = b.nodeName;
  }
  const oldGates: any[] = b.schedulingGates ?? [];
  const newGates: any[] = a.schedulingGates ?? [];
  if (newGates.every((g) => oldGates.some((og) => og.name === g.name))) {
    if (b.schedulingGates === undefined) delete munged.schedulingGates;
    else munged.schedulingGates = b.schedulingGates;
  }
  const keys = new Set([...Object.keys(b), ...Object.keys(munged)]);
  const diff: string[] = [];
  for (const k of [...keys].sort()) {
    const ov = JSON.stringify(b[k]);
    const nv = JSON.stringify(munged[k]);
    if (ov === nv) continue;
    if (ov !== undefined) diff.push(`- \t${goField(k)}: ${ov},`);
    if (nv !== undefined) diff.push(`+ \t${goField(k)}: ${nv},`);
  }
  if (diff.length > 0) {
    errs.push(
      forbidden(
        "spec",
        `pod updates may not change fields other than ${updatablePodSpecFields.join(",")}\n  core.PodSpec{\n${diff.join("\n")}\n  }\n`,
      ),
    );
  }
  return errs;
}

/** Convenience for template label/selector messages. */
export function templateLabelsValue(tpl: any): string {
  return goStringMap(tpl?.metadata?.labels);
}
