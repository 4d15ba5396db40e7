/** Cluster Proportional Autoscaler: pure ladder/linear decisions, configuration parsing, the controller. */
export { ladderLookup, ladderParamsFrom, ladderReplicas, parseLadderParams, CpaParamsError, LADDER_MODE } from "./ladder.js";
export type { LadderDecision, LadderEntry, LadderParams } from "./ladder.js";
export { linearParamsFrom, linearReplicas, parseLinearParams, LINEAR_MODE } from "./linear.js";
export type { LinearDecision, LinearParams } from "./linear.js";
export { countsFor } from "./status.js";
export type { ClusterStatus } from "./status.js";
export {
  cpaContainer,
  defaultParamsData,
  flagsOfDeployment,
  isCpaDeployment,
  parseConfigMapData,
  parseCpaArgs,
  renderHelmChart,
  HELM_CHART,
} from "./params.js";
export type { CpaConfig, CpaFlags, CpaTarget, HelmValues, ParsedFlags } from "./params.js";
export { CpaController, CpaProcess, CPA_COMPONENT } from "./controller.js";
export type { CpaPoll } from "./controller.js";

import type { KubeObject } from "../../api/meta.js";
import { isCpaDeployment } from "./params.js";

/** Whether a scenario's objects include a cluster-proportional-autoscaler Deployment. */
export function hasCpaDeployment(objects: Iterable<KubeObject>): boolean {
  for (const o of objects) if (isCpaDeployment(o)) return true;
  return false;
}
