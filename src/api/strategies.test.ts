import { describe, expect, it } from "vitest";
import { VirtualClock } from "../core/clock.js";
import { Rng } from "../core/rng.js";
import { ApiError } from "./errors.js";
import type { KubeObject } from "./meta.js";
import { Store } from "./store.js";
import { podGracePeriodSeconds, registerBuiltinStrategies } from "./strategies.js";

function newStore(): Store {
  const store = new Store(new VirtualClock(), new Rng(1));
  registerBuiltinStrategies(store);
  return store;
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

const container = (extra: Record<string, unknown> = {}) => ({ name: "php-apache", image: "registry.k8s.io/hpa-example", ...extra });

function deployment(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "php-apache" },
    spec: {
      selector: { matchLabels: { run: "php-apache" } },
      template: {
        metadata: { labels: { run: "php-apache" } },
        spec: { containers: [container({ ports: [{ containerPort: 80 }], resources: { limits: { cpu: "500m" }, requests: { cpu: "200m" } } })] },
      },
      ...extra,
    },
  };
}

function pod(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [container()], ...spec } };
}

describe("Deployment", () => {
  it("defaults like apps/v1 SetDefaults_Deployment and SetDefaults_PodSpec", () => {
    const d = newStore().create(deployment());
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    const ps = d.spec.template.spec;
    expect(ps).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", terminationGracePeriodSeconds: 30, schedulerName: "default-scheduler", securityContext: {} });
    expect(ps.enableServiceLinks).toBeUndefined(); // Pod-only default
    const c = ps.containers[0];
    expect(c).toMatchObject({ imagePullPolicy: "Always", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" });
    expect(c.ports[0].protocol).toBe("TCP");
  });

  it("rejects a bad cpu quantity with the decode message", () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.requests.cpu = "abc";
    expect(errorOf(() => newStore().create(d)).message).toBe(
      `Deployment.apps "php-apache" is invalid: spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "abc": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  });

  it("rejects request above limit, negative replicas, selector mismatch", () => {
    const d = deployment({ replicas: -1 });
    d.spec.template.spec.containers[0].resources.requests.cpu = "1";
    d.spec.template.metadata.labels = { run: "other" };
    const e = errorOf(() => newStore().create(d));
    expect(e.message).toBe(
      'Deployment.apps "php-apache" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, ' +
        'spec.template.metadata.labels: Invalid value: map[string]string{"run":"other"}: `selector` does not match template `labels`, ' +
        'spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m]',
    );
    expect(e.status.details?.causes?.[0]).toEqual({ reason: "FieldValueInvalid", message: "Invalid value: -1: must be greater than or equal to 0", field: "spec.replicas" });
  });

  it("missing selector, image and restartPolicy Never", () => {
    const d = deployment();
    delete d.spec.selector;
    d.spec.template.spec.containers[0].image = "";
    d.spec.template.spec.restartPolicy = "Never";
    const msg = errorOf(() => newStore().create(d)).message;
    expect(msg).toContain("spec.selector: Required value");
    expect(msg).toContain("spec.template.spec.containers[0].image: Required value");
    expect(msg).toContain('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"');
  });

  it("rollingUpdate percent and zero checks", () => {
    const d = deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } });
    expect(errorOf(() => newStore().create(d)).message).toBe(
      'Deployment.apps "php-apache" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
    );
    const d2 = deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "150%" } } });
    expect(errorOf(() => newStore().create(d2)).message).toContain("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be greater than 100%");
  });

  it("selector is immutable on update, replicas is not", () => {
    const s = newStore();
    const d = s.create(deployment());
    s.update({ ...d, spec: { ...d.spec, replicas: 3 } });
    const changed = structuredClone(s.get("Deployment", "default", "php-apache")!);
    changed.spec.selector = { matchLabels: { run: "x" } };
    changed.spec.template.metadata.labels = { run: "x" };
    expect(errorOf(() => s.update(changed)).message).toBe(
      'Deployment.apps "php-apache" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"run":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
  });
});

describe("Pod", () => {
  it("defaults, admission and status on create", () => {
    const p = newStore().create(pod("web", { containers: [container({ image: "nginx:1.27", resources: { limits: { cpu: "500m", memory: "128Mi" } } })] }));
    expect(p.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(p.spec.containers[0].resources.requests).toEqual({ cpu: "500m", memory: "128Mi" });
    expect(p.spec).toMatchObject({ enableServiceLinks: true, serviceAccountName: "default", serviceAccount: "default", priority: 0, preemptionPolicy: "PreemptLowerPriority" });
    expect(p.spec.tolerations).toEqual([
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ]);
    expect(p.status).toEqual({ phase: "Pending", qosClass: "Guaranteed" });
  });

  it("QoS classes", () => {
    const s = newStore();
    expect(s.create(pod("a")).status.qosClass).toBe("BestEffort");
    expect(s.create(pod("b", { containers: [container({ resources: { requests: { cpu: "100m" } } })] })).status.qosClass).toBe("Burstable");
  });

  it("a toleration of everything suppresses the default ones", () => {
    const p = newStore().create(pod("t", { tolerations: [{ operator: "Exists" }] }));
    expect(p.spec.tolerations).toEqual([{ operator: "Exists" }]);
  });

  it("priority class admission", () => {
    const s = newStore();
    expect(errorOf(() => s.create(pod("p", { priorityClassName: "high" }))).message).toBe('pods "p" is forbidden: no PriorityClass with name high was found');
    s.create<KubeObject>({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000 } as KubeObject);
    expect(s.create(pod("p", { priorityClassName: "high" })).spec.priority).toBe(1000);
    expect(s.create(pod("q", { priorityClassName: "system-node-critical" })).spec.priority).toBe(2000001000);
  });

  it("limits: request above limit and negative memory", () => {
    const p = pod("r", { containers: [container({ resources: { limits: { cpu: "500m" }, requests: { cpu: "600m", memory: "-1" } } })] });
    expect(errorOf(() => newStore().create(p)).message).toBe(
      // Upstream walks a Go map (random order); the simulation keeps the manifest's key order.
      'Pod "r" is invalid: [spec.containers[0].resources.requests: Invalid value: "600m": must be less than or equal to cpu limit of 500m, ' +
        'spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0]',
    );
  });

  it("updates may change only the allowed fields; binding sets nodeName once", () => {
    const s = newStore();
    const p = s.create(pod("u"));
    const bound = s.mutate<KubeObject>("Pod", "default", "u", (d) => {
      d.spec.nodeName = "ip-10-0-1-1.ec2.internal";
    })!;
    expect(bound.spec.nodeName).toBe("ip-10-0-1-1.ec2.internal");
    s.mutate<KubeObject>("Pod", "default", "u", (d) => {
      d.spec.containers[0].image = "nginx:1.28";
    });
    const err = errorOf(() =>
      s.mutate<KubeObject>("Pod", "default", "u", (d) => {
        d.spec.restartPolicy = "Never";
      }),
    );
    expect(err.message.startsWith(
      'Pod "u" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    )).toBe(true);
    expect(err.message).toContain('RestartPolicy: "Always"');
    void p;
  });

  it("status writes skip re-validation and keep the spec", () => {
    const s = newStore();
    const p = s.create(pod("st"));
    const after = s.setStatus(p, { phase: "Running" });
    expect(after.spec).toBe(p.spec);
  });

  it("graceful deletion period", () => {
    const p = newStore().create(pod("g"));
    expect(podGracePeriodSeconds(p, undefined)).toBe(0);
    const scheduled = { ...p, spec: { ...p.spec, nodeName: "n1" } };
    expect(podGracePeriodSeconds(scheduled, undefined)).toBe(30);
    expect(podGracePeriodSeconds(scheduled, 5)).toBe(5);
    expect(podGracePeriodSeconds({ ...scheduled, status: { phase: "Succeeded" } }, undefined)).toBe(0);
  });

  it("LimitRanger fills container defaults and annotates", () => {
    const s = newStore();
    s.create<KubeObject>({
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "lr" },
      spec: { limits: [{ type: "Container", default: { cpu: "500m" }, defaultRequest: { cpu: "100m" } }] },
    });
    const p = s.create(pod("l"));
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: "500m" }, requests: { cpu: "100m" } });
    expect(p.metadata.annotations?.["kubernetes.io/limit-ranger"]).toBe("LimitRanger plugin set: cpu request for container php-apache; cpu limit for container php-apache");
  });
});

describe("Service", () => {
  it("defaults ports and allocates cluster IPs in 10.100.0.0/16 deterministically", () => {
    const s = newStore();
    const k = s.create<KubeObject>({ apiVersion: "v1", kind: "Service", metadata: { name: "kubernetes" }, spec: { ports: [{ name: "https", port: 443, targetPort: 443 }] } });
    expect(k.spec.clusterIP).toBe("10.100.0.1");
    const svc = s.create<KubeObject>({ apiVersion: "v1", kind: "Service", metadata: { name: "php-apache" }, spec: { selector: { run: "php-apache" }, ports: [{ port: 80 }] } });
    expect(svc.spec).toMatchObject({ type: "ClusterIP", sessionAffinity: "None", ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", internalTrafficPolicy: "Cluster" });
    expect(svc.spec.ports[0]).toEqual({ port: 80, protocol: "TCP", targetPort: 80 });
    expect(svc.spec.clusterIP).toMatch(/^10\.100\.\d+\.\d+$/);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
    const again = newStore().create<KubeObject>({ apiVersion: "v1", kind: "Service", metadata: { name: "php-apache" }, spec: { ports: [{ port: 80 }] } });
    expect(again.spec.clusterIP).toBe(svc.spec.clusterIP);
  });

  it("clusterIP may not change; omitted clusterIP is kept", () => {
    const s = newStore();
    const svc = s.create<KubeObject>({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } });
    const kept = s.update<KubeObject>({ ...svc, spec: { ports: [{ port: 81 }] } });
    expect(kept.spec.clusterIP).toBe(svc.spec.clusterIP);
    const e = errorOf(() => s.update({ ...kept, spec: { ...kept.spec, clusterIP: "10.100.9.9", clusterIPs: ["10.100.9.9"] } }));
    expect(e.message).toBe('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.100.9.9"}: may not change once set');
  });

  it("names are DNS-1035 labels; bad type", () => {
    const e = errorOf(() => newStore().create<KubeObject>({ apiVersion: "v1", kind: "Service", metadata: { name: "1web" }, spec: { type: "Foo", ports: [{ port: 80 }] } }));
    expect(e.message).toContain('metadata.name: Invalid value: "1web": a DNS-1035 label must consist');
    expect(e.message).toContain('spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
  });
});

describe("workloads", () => {
  const tpl = { metadata: { labels: { app: "a" } }, spec: { containers: [container()] } };
  it("ReplicaSet, StatefulSet, DaemonSet, Job defaults", () => {
    const s = newStore();
    const rs = s.create<KubeObject>({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs" }, spec: { selector: { matchLabels: { app: "a" } }, template: structuredClone(tpl) } });
    expect(rs.spec.replicas).toBe(1);
    const sts = s.create<KubeObject>({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "sts" }, spec: { selector: { matchLabels: { app: "a" } }, template: structuredClone(tpl) } });
    expect(sts.spec).toMatchObject({ replicas: 1, podManagementPolicy: "OrderedReady", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } } });
    const ds = s.create<KubeObject>({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" }, spec: { selector: { matchLabels: { app: "a" } }, template: structuredClone(tpl) } });
    expect(ds.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const jt = structuredClone(tpl);
    (jt.spec as any).restartPolicy = "Never";
    const job = s.create<KubeObject>({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: jt } });
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false });
    // the template's labels, with the generated job-name/controller-uid ones (jobStrategy generateSelector)
    expect(job.metadata.labels).toEqual({ app: "a", "job-name": "j", "batch.kubernetes.io/job-name": "j", "controller-uid": job.metadata.uid, "batch.kubernetes.io/controller-uid": job.metadata.uid });
  });

  it("Job template must not restart Always; StatefulSet spec allow-list on update", () => {
    const s = newStore();
    const e = errorOf(() => s.create<KubeObject>({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: structuredClone(tpl) } }));
    expect(e.message).toBe('Job.batch "j" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
    const sts = s.create<KubeObject>({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "sts" }, spec: { serviceName: "x", selector: { matchLabels: { app: "a" } }, template: structuredClone(tpl) } });
    const e2 = errorOf(() => s.update({ ...sts, spec: { ...sts.spec, serviceName: "y" } }));
    expect(e2.message).toBe(
      "StatefulSet.apps \"sts\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
    s.update({ ...sts, spec: { ...sts.spec, replicas: 4 } });
  });

  it("DaemonSet empty selector", () => {
    const e = errorOf(() => newStore().create<KubeObject>({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" }, spec: { selector: {}, template: structuredClone(tpl) } }));
    expect(e.message).toBe(
      'DaemonSet.apps "ds" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
    );
  });
});

describe("other kinds", () => {
  it("Namespace, ConfigMap, Secret, ServiceAccount, Node, Event, PDB, PriorityClass", () => {
    const s = newStore();
    const ns = s.create<KubeObject>({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
    expect(ns.metadata.labels).toEqual({ "kubernetes.io/metadata.name": "team-a" });
    expect(ns.status).toEqual({ phase: "Active" });
    expect(errorOf(() => s.create<KubeObject>({ apiVersion: "v1", kind: "Namespace", metadata: { name: "Team.A" } })).message).toContain(
      'Namespace "Team.A" is invalid: metadata.name: Invalid value: "Team.A": a lowercase RFC 1123 label must consist',
    );
    expect(errorOf(() => s.create<KubeObject>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "a b": "x" } } as KubeObject)).message).toBe(
      `ConfigMap "c" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    );
    const sec = s.create<KubeObject>({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { pw: "hi" } } as KubeObject);
    expect(sec).toMatchObject({ type: "Opaque", data: { pw: "aGk=" } });
    expect(sec.stringData).toBeUndefined();
    expect(errorOf(() => s.create<KubeObject>({ apiVersion: "v1", kind: "Secret", metadata: { name: "t" }, type: "kubernetes.io/tls", data: {} } as KubeObject)).message).toBe(
      'Secret "t" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
    );
    s.create<KubeObject>({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
    expect(errorOf(() => s.create<KubeObject>({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, spec: { taints: [{ key: "k", effect: "Bad" }] } })).message).toBe(
      'Node "n1" is invalid: spec.taints[0].effect: Unsupported value: "Bad": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
    const ev = { apiVersion: "v1", kind: "Event", metadata: { name: "e1" }, involvedObject: { kind: "Pod", namespace: "other", name: "p" } } as KubeObject;
    expect(errorOf(() => s.create(ev)).message).toBe('Event "e1" is invalid: involvedObject.namespace: Invalid value: "other": does not match event.namespace');
    expect(errorOf(() => s.create<KubeObject>({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb" }, spec: { minAvailable: "120%", selector: { matchLabels: { a: "b" } } } })).message).toBe(
      'PodDisruptionBudget.policy "pdb" is invalid: spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    );
    s.create<KubeObject>({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "ok" }, spec: { maxUnavailable: 1, selector: { matchLabels: { a: "b" } } } });
    const pc = s.create<KubeObject>({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "low" }, value: 10 } as KubeObject);
    expect((pc as any).preemptionPolicy).toBe("PreemptLowerPriority");
    expect(errorOf(() => s.create<KubeObject>({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "huge" }, value: 2000000000 } as KubeObject)).message).toBe(
      'PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    );
  });
});
