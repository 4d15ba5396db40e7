/**
 * What the add-on controllers look like through kubectl: the printer columns of their CRDs
 * (`kubectl get nodepools,nodeclaims,ec2nodeclasses`, `scaledobjects`, `vpa`) and the pods that stand
 * for their controllers, whose logs are the controllers' decision logs
 * (`kubectl logs -n kube-system -l app.kubernetes.io/name=karpenter -c controller | jq`).
 */
import { PRINTER_COLUMNS } from "../autoscaling/karpenter/api.js";
import { KARPENTER_LOG_COMPONENT } from "../autoscaling/karpenter/common.js";
import type { Simulation } from "../sim/simulation.js";
import { registerComponentPod } from "./logs.js";
import { customPrinterColumns } from "./parts.js";

/**
 * additionalPrinterColumns of KEDA 2.16's ScaledObject CRD. 2.16 moved Triggers/Authentications
 * behind the conditions and reads them from status.triggersTypes / status.authenticationsTypes
 * (kedacore/keda#6232; a 2.16.1 `kubectl get so` in kedacore/keda#6556 shows this order).
 */
const SCALED_OBJECT_COLUMNS = [
  { name: "ScaleTargetKind", type: "string", jsonPath: ".status.scaleTargetKind" },
  { name: "ScaleTargetName", type: "string", jsonPath: ".spec.scaleTargetRef.name" },
  { name: "Min", type: "integer", jsonPath: ".spec.minReplicaCount" },
  { name: "Max", type: "integer", jsonPath: ".spec.maxReplicaCount" },
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Active", type: "string", jsonPath: '.status.conditions[?(@.type=="Active")].status' },
  { name: "Fallback", type: "string", jsonPath: '.status.conditions[?(@.type=="Fallback")].status' },
  { name: "Paused", type: "string", jsonPath: '.status.conditions[?(@.type=="Paused")].status' },
  { name: "Triggers", type: "string", jsonPath: ".status.triggersTypes" },
  { name: "Authentications", type: "string", jsonPath: ".status.authenticationsTypes" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
] as const;

/**
 * additionalPrinterColumns of KEDA 2.16's ScaledJob CRD: Min/Max, the conditions, then the
 * status.triggersTypes / status.authenticationsTypes columns kedacore/keda#6232 introduced for both
 * CRDs (ScaledJob has no Fallback column).
 */
const SCALED_JOB_COLUMNS = [
  { name: "Min", type: "integer", jsonPath: ".spec.minReplicaCount" },
  { name: "Max", type: "integer", jsonPath: ".spec.maxReplicaCount" },
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Active", type: "string", jsonPath: '.status.conditions[?(@.type=="Active")].status' },
  { name: "Paused", type: "string", jsonPath: '.status.conditions[?(@.type=="Paused")].status' },
  { name: "Triggers", type: "string", jsonPath: ".status.triggersTypes" },
  { name: "Authentications", type: "string", jsonPath: ".status.authenticationsTypes" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
] as const;

/** additionalPrinterColumns of the VPA 1.3 CRD. */
const VPA_COLUMNS = [
  { name: "Mode", type: "string", jsonPath: ".spec.updatePolicy.updateMode" },
  { name: "CPU", type: "string", jsonPath: ".status.recommendation.containerRecommendations[0].target.cpu" },
  { name: "Mem", type: "string", jsonPath: ".status.recommendation.containerRecommendations[0].target.memory" },
  { name: "Provided", type: "string", jsonPath: '.status.conditions[?(@.type=="RecommendationProvided")].status' },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
] as const;

export function registerControllerViews(sim: Simulation): void {
  for (const kind of ["NodePool", "NodeClaim", "EC2NodeClass"] as const) customPrinterColumns.set(kind, PRINTER_COLUMNS[kind]);
  customPrinterColumns.set("ScaledObject", SCALED_OBJECT_COLUMNS);
  customPrinterColumns.set("ScaledJob", SCALED_JOB_COLUMNS);
  customPrinterColumns.set("VerticalPodAutoscaler", VPA_COLUMNS);
  // The checkpoint CRD has no additionalPrinterColumns: apiextensions' default NAME, AGE.
  customPrinterColumns.set("VerticalPodAutoscalerCheckpoint", []);
  // The Helm chart's Deployment in kube-system (as the EKS workshop installs it), container "controller".
  registerComponentPod({
    prefix: "karpenter-6c7d4f8b9d-x2kq7",
    fullName: true,
    namespace: "kube-system",
    container: "controller",
    image: "public.ecr.aws/karpenter/controller:1.2.1",
    components: [KARPENTER_LOG_COMPONENT],
    format: "json",
    labels: { "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": "karpenter" },
    when: () => sim.karpenterEnabled,
  });
}
