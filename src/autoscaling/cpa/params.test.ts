import { describe, expect, it } from "vitest";
import { CpaParamsError } from "./ladder.js";
import { defaultParamsData, flagsOfDeployment, isCpaDeployment, parseConfigMapData, parseCpaArgs, renderHelmChart } from "./params.js";

describe("parseCpaArgs", () => {
  it("reads the flags, lower-cases the target and applies defaults", () => {
    const { flags, errors } = parseCpaArgs(["--configmap=dns-autoscaler", "--target", "Deployment/CoreDNS", "--namespace=kube-system", "--logtostderr=true", "--v=2"]);
    expect(errors).toEqual([]);
    expect(flags).toMatchObject({
      configMap: "dns-autoscaler",
      target: "deployment/coredns",
      targets: [{ kind: "Deployment", name: "coredns", text: "deployment/coredns" }],
      namespace: "kube-system",
      pollPeriodSeconds: 10,
      maxSyncFailures: 0,
      verbosity: 2,
      nodeLabels: "",
    });
  });
  it("splits comma-separated targets and falls back to MY_POD_NAMESPACE", () => {
    const { flags, errors } = parseCpaArgs(["--configmap=c", "--target=deployment/a,replicaset/b,replicationcontroller/c"], { MY_POD_NAMESPACE: "ops" });
    expect(errors).toEqual([]);
    expect(flags.namespace).toBe("ops");
    expect(flags.targets.map((t) => t.kind)).toEqual(["Deployment", "ReplicaSet", "ReplicationController"]);
  });
  it("parses --nodelabels as a selector and --poll-period-seconds", () => {
    const { flags } = parseCpaArgs(["--configmap=c", "--target=deployment/a", "--namespace=x", "--nodelabels=pool=a,tier=web", "--poll-period-seconds=30"]);
    expect(flags.pollPeriodSeconds).toBe(30);
    expect(flags.nodeSelector!.matches({ pool: "a", tier: "web" })).toBe(true);
    expect(flags.nodeSelector!.matches({ pool: "a" })).toBe(false);
  });
  it("reports ValidateFlags problems", () => {
    expect(parseCpaArgs([]).errors).toEqual([
      "--target parameter cannot be empty",
      "--configmap parameter cannot be empty",
      "--namespace parameter not set and failed to fallback",
    ]);
    expect(parseCpaArgs(["--target=deployment", "--configmap=c", "--namespace=n", "--poll-period-seconds=0"]).errors).toEqual([
      "--target must include resource and name",
      "--poll-period-seconds cannot be less than 1",
    ]);
    expect(parseCpaArgs(["--target=deployment/a", "--configmap=c", "--namespace=n", "--bogus=1"]).errors).toEqual(["unknown flag: --bogus"]);
  });
  it("turns --default-params into ConfigMap data like Go's json.Marshal (keys sorted)", () => {
    expect(defaultParamsData('{"linear":{"nodesPerReplica":16,"coresPerReplica":256,"min":2,"preventSinglePointFailure":true,"includeUnschedulableNodes":true}}')).toEqual({
      linear: '{"coresPerReplica":256,"includeUnschedulableNodes":true,"min":2,"nodesPerReplica":16,"preventSinglePointFailure":true}',
    });
    expect(() => defaultParamsData("[1]")).toThrow("json: cannot unmarshal array into Go value of type map[string]interface {}");
  });
});

describe("CPA Deployments", () => {
  const dep = (container: Record<string, unknown>) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "dns-autoscaler", namespace: "kube-system" },
    spec: { template: { spec: { containers: [{ name: "sidecar", image: "busybox" }, container] } } },
  });
  it("finds the CPA container by image or by its flags", () => {
    expect(isCpaDeployment(dep({ name: "a", image: "registry.k8s.io/cpa/cluster-proportional-autoscaler:v1.10.3" }))).toBe(true);
    expect(isCpaDeployment(dep({ name: "a", image: "my/cpa", args: ["--target=deployment/x", "--configmap=y"] }))).toBe(true);
    expect(isCpaDeployment(dep({ name: "a", image: "nginx" }))).toBe(false);
  });
  it("reads command + args, MY_POD_NAMESPACE from the downward API", () => {
    const { flags, errors } = flagsOfDeployment(
      dep({
        name: "autoscaler",
        image: "registry.k8s.io/cpa/cluster-proportional-autoscaler:1.8.9",
        command: ["/cluster-proportional-autoscaler", "--configmap=dns-autoscaler", "--target=Deployment/coredns"],
        env: [{ name: "MY_POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
      }),
    );
    expect(errors).toEqual([]);
    expect(flags).toMatchObject({ namespace: "kube-system", configMap: "dns-autoscaler", target: "deployment/coredns" });
  });
});

describe("parseConfigMapData", () => {
  it("picks the mode from the only key", () => {
    expect(parseConfigMapData({ linear: '{"nodesPerReplica":2}' })).toMatchObject({ mode: "linear", params: { nodesPerReplica: 2, min: 1 } });
    expect(parseConfigMapData({ ladder: '{"nodesToReplicas":[[1,1]]}' }).mode).toBe("ladder");
  });
  it("words format errors like plugin.EnsureController", () => {
    expect(() => parseConfigMapData({})).toThrow("invalid configMap format, expected only one entry, got: map[]");
    expect(() => parseConfigMapData({ Linear: "{}" })).toThrow(new CpaParamsError("not a supported control mode: Linear"));
    expect(() => parseConfigMapData({ linear: "{}" })).toThrow(
      "Error syncing configMap with controller: error parsing linear params: should at least provide either CoresPerReplica or NodesPerReplica (Greater than 0)",
    );
  });
});

describe("renderHelmChart", () => {
  const values = { config: { ladder: { nodesToReplicas: [[1, 1], [2, 2]] } }, options: { target: "deployment/nginx-deployment" } };
  it("renders the ConfigMap (mustToJson) and the Deployment args", () => {
    const [sa, cm, d] = renderHelmChart({ ...values, options: { ...values.options, nodeLabels: { tier: "b", pool: "a" }, pollPeriodSeconds: 5, maxSyncFailures: -1 } }, { name: "cpa", namespace: "ops" });
    expect(sa!.kind).toBe("ServiceAccount");
    expect(cm!.metadata).toEqual({ name: "cpa-cluster-proportional-autoscaler", namespace: "ops" });
    expect(cm!.data).toEqual({ ladder: '{"nodesToReplicas":[[1,1],[2,2]]}' });
    expect(d!.spec.template.spec.containers[0].args).toEqual([
      "--configmap=cpa-cluster-proportional-autoscaler",
      "--logtostderr=true",
      "--namespace=ops",
      "--target=deployment/nginx-deployment",
      "--v=0",
      "--max-sync-failures=0",
      "--nodelabels=pool=a,tier=b",
      "--poll-period-seconds=5",
    ]);
    const { flags, errors } = flagsOfDeployment(d!);
    expect(errors).toEqual([]);
    expect(flags).toMatchObject({ namespace: "ops", pollPeriodSeconds: 5, configMap: "cpa-cluster-proportional-autoscaler" });
  });
  it("uses the release name as full name when it contains the chart name", () => {
    expect(renderHelmChart(values, { name: "my-cluster-proportional-autoscaler" })[1]!.metadata.name).toBe("my-cluster-proportional-autoscaler");
  });
  it("fails like the chart", () => {
    expect(() => renderHelmChart({ options: { target: "deployment/x" } }, { name: "r" })).toThrow("A config must be supplied for either ladder mode or linear mode");
    expect(() => renderHelmChart({ config: { ladder: {}, linear: {} }, options: { target: "deployment/x" } }, { name: "r" })).toThrow(
      "You must supply a config for either ladder mode or linear mode but not both",
    );
    expect(() => renderHelmChart({ config: { ladder: {} } }, { name: "r" })).toThrow("options.target must be specified");
  });
});
