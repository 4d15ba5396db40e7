/**
 * The kube-system objects a fresh EKS 1.32 cluster carries (default add-ons + namespaces +
 * priority classes), as `kubectl get -A` shows them on a new managed-node-group cluster.
 *
 * Sources (resource figures):
 * - aws-node: amazon-vpc-cni-k8s config/master/aws-k8s-cni.yaml and the EKS add-on manifest
 *   (v1.19.x-eksbuild): containers aws-node and aws-eks-nodeagent each request cpu 25m, init
 *   container aws-vpc-cni-init cpu 25m; hostNetwork, tolerates everything, system-node-critical.
 * - kube-proxy: EKS add-on manifest (v1.32.x-eksbuild): requests cpu 100m, hostNetwork,
 *   tolerates everything, system-node-critical.
 * - coredns: EKS add-on manifest (v1.11.x-eksbuild): 2 replicas, requests cpu 100m / memory 70Mi,
 *   limit memory 170Mi, tolerations CriticalAddonsOnly + control-plane NoSchedule, preferred pod
 *   anti-affinity on kubernetes.io/hostname, system-cluster-critical, maxUnavailable 1.
 * - metrics-server: EKS community add-on / kubernetes-sigs/metrics-server Helm chart defaults:
 *   1 replica, requests cpu 100m / memory 200Mi, args incl. --metric-resolution=15s.
 * - PriorityClasses: kube-apiserver's built-in system-cluster-critical (2000000000) and
 *   system-node-critical (2000001000).
 */
import type { KubeObject } from "../api/meta.js";

export interface EksAddonOptions {
  clusterName: string;
  region: string;
  /** Kubernetes minor version, "1.32" by default. */
  version?: string;
}

const NS = "kube-system";
const ECR = (region: string) => `602401143452.dkr.ecr.${region}.amazonaws.com`;

/** Node affinity EKS add-on DaemonSets carry: Linux on amd64/arm64, not Fargate/Auto/hybrid nodes. */
const EKS_NODE_AFFINITY = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        {
          matchExpressions: [
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] },
            { key: "eks.amazonaws.com/compute-type", operator: "NotIn", values: ["fargate", "hybrid", "auto"] },
          ],
        },
      ],
    },
  },
};

function namespace(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

function priorityClass(name: string, value: number, description: string): KubeObject {
  return {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value,
    globalDefault: false,
    preemptionPolicy: "PreemptLowerPriority",
    description,
  };
}

export function eksAddonObjects(opts: EksAddonOptions): KubeObject[] {
  const ecr = ECR(opts.region);
  const version = opts.version ?? "1.32";
  const awsNode: KubeObject = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "aws-node", namespace: NS, labels: { "app.kubernetes.io/name": "aws-node", "k8s-app": "aws-node" } },
    spec: {
      selector: { matchLabels: { "k8s-app": "aws-node" } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "aws-node", "k8s-app": "aws-node" } },
        spec: {
          priorityClassName: "system-node-critical",
          hostNetwork: true,
          serviceAccountName: "aws-node",
          terminationGracePeriodSeconds: 10,
          affinity: EKS_NODE_AFFINITY,
          tolerations: [{ operator: "Exists" }],
          initContainers: [
            { name: "aws-vpc-cni-init", image: `${ecr}/amazon-k8s-cni-init:v1.19.2-eksbuild.1`, resources: { requests: { cpu: "25m" } } },
          ],
          containers: [
            {
              name: "aws-node",
              image: `${ecr}/amazon-k8s-cni:v1.19.2-eksbuild.1`,
              ports: [{ containerPort: 61678, name: "metrics" }],
              env: [
                { name: "AWS_VPC_K8S_CNI_LOGLEVEL", value: "DEBUG" },
                { name: "WARM_ENI_TARGET", value: "1" },
                { name: "CLUSTER_NAME", value: opts.clusterName },
              ],
              resources: { requests: { cpu: "25m" } },
            },
            {
              name: "aws-eks-nodeagent",
              image: `${ecr}/amazon/aws-network-policy-agent:v1.1.6-eksbuild.1`,
              args: ["--enable-ipv6=false", "--enable-network-policy=false", "--enable-cloudwatch-logs=false", "--metrics-bind-addr=:8162", "--health-probe-bind-addr=:8163"],
              resources: { requests: { cpu: "25m" } },
            },
          ],
        },
      },
    },
  };
  const kubeProxy: KubeObject = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "kube-proxy", namespace: NS, labels: { "eks.amazonaws.com/component": "kube-proxy", "k8s-app": "kube-proxy" } },
    spec: {
      selector: { matchLabels: { "k8s-app": "kube-proxy" } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
      template: {
        metadata: { labels: { "k8s-app": "kube-proxy" } },
        spec: {
          priorityClassName: "system-node-critical",
          hostNetwork: true,
          serviceAccountName: "kube-proxy",
          affinity: EKS_NODE_AFFINITY,
          tolerations: [{ operator: "Exists" }],
          containers: [
            {
              name: "kube-proxy",
              image: `${ecr}/eks/kube-proxy:v${version}.0-minimal-eksbuild.3`,
              command: ["kube-proxy", "--v=2", "--config=/var/lib/kube-proxy-config/config", "--hostname-override=$(NODE_NAME)"],
              resources: { requests: { cpu: "100m" } },
              securityContext: { privileged: true },
            },
          ],
        },
      },
    },
  };
  const coredns: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "coredns", namespace: NS, labels: { "eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" } },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { "eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
      template: {
        metadata: { labels: { "eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns" } },
        spec: {
          priorityClassName: "system-cluster-critical",
          serviceAccountName: "coredns",
          dnsPolicy: "Default",
          affinity: {
            nodeAffinity: EKS_NODE_AFFINITY.nodeAffinity,
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchExpressions: [{ key: "k8s-app", operator: "In", values: ["kube-dns"] }] },
                    topologyKey: "kubernetes.io/hostname",
                  },
                },
              ],
            },
          },
          tolerations: [
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
            { key: "CriticalAddonsOnly", operator: "Exists" },
          ],
          containers: [
            {
              name: "coredns",
              image: `${ecr}/eks/coredns:v1.11.4-eksbuild.2`,
              args: ["-conf", "/etc/coredns/Corefile"],
              ports: [
                { containerPort: 53, name: "dns", protocol: "UDP" },
                { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
                { containerPort: 9153, name: "metrics", protocol: "TCP" },
              ],
              resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
              readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: "/health", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5 },
            },
          ],
        },
      },
    },
  };
  const metricsServer: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "metrics-server", namespace: NS, labels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" } },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: { labels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" } },
        spec: {
          priorityClassName: "system-cluster-critical",
          serviceAccountName: "metrics-server",
          containers: [
            {
              name: "metrics-server",
              image: `${ecr}/eks/metrics-server:v0.7.2-eksbuild.2`,
              args: [
                "--secure-port=10251",
                "--cert-dir=/tmp",
                "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                "--kubelet-use-node-status-port",
                "--metric-resolution=15s",
              ],
              ports: [{ containerPort: 10251, name: "https", protocol: "TCP" }],
              resources: { requests: { cpu: "100m", memory: "200Mi" } },
              readinessProbe: { httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" }, initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: "/livez", port: "https", scheme: "HTTPS" }, periodSeconds: 10, failureThreshold: 3 },
            },
          ],
        },
      },
    },
  };
  const kubeDns: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kube-dns",
      namespace: NS,
      labels: { "eks.amazonaws.com/component": "kube-dns", "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" },
      annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: "10.100.0.10",
      selector: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
      ],
    },
  };
  const msSvc: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "metrics-server", namespace: NS, labels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" } },
    spec: {
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" },
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: "https" }],
    },
  };
  const kubernetesSvc: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: "10.100.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 443 }] },
  };
  return [
    namespace("default"),
    namespace("kube-system"),
    namespace("kube-public"),
    namespace("kube-node-lease"),
    priorityClass("system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
    priorityClass("system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."),
    kubernetesSvc,
    awsNode,
    kubeProxy,
    coredns,
    metricsServer,
    kubeDns,
    msSvc,
  ];
}
