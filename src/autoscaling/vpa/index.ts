/** Vertical Pod Autoscaler 1.3: recommender, updater, admission controller. */
import type { Controller } from "../../api/controller.js";
import type { Store } from "../../api/store.js";
import { registerVpaKind } from "./api.js";
import { registerVpaAdmission } from "./admission.js";
import { VpaRecommender, type RecommenderOptions } from "./recommender.js";
import { VpaUpdater, type UpdaterOptions } from "./updater.js";

export * from "./api.js";
export { VpaRecommender } from "./recommender.js";
export { VpaUpdater, EVICTED_BY_VPA_MESSAGE } from "./updater.js";
export { admitPod } from "./admission.js";
export { CHECKPOINT_KIND, type CheckpointObject, type CheckpointStatus } from "./checkpoint.js";

/** Register the VerticalPodAutoscaler kind and the Pod admission hook (call once per store). */
export function registerVpa(store: Store): void {
  registerVpaKind(store);
  registerVpaAdmission(store);
}

/** The recommender then the updater (same 1-minute ticks: the updater sees the fresh recommendation). */
export function vpaControllers(opts: { recommender?: RecommenderOptions; updater?: UpdaterOptions } = {}): Controller[] {
  return [new VpaRecommender(opts.recommender), new VpaUpdater(opts.updater)];
}
