/** Vertical Pod Autoscaler 1.3: recommender, updater, admission controller. */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { Store } from "../../api/store.js";
import { registerVpaKind } from "./api.js";
import { registerVpaAdmission } from "./admission.js";
import { VpaRecommender, type RecommenderOptions } from "./recommender.js";
import { VpaUpdater, type UpdaterOptions } from "./updater.js";
import type { VpaComponent } from "./flags.js";

export * from "./api.js";
export { VpaRecommender } from "./recommender.js";
export { VpaUpdater, EVICTED_BY_VPA_MESSAGE } from "./updater.js";
export { admitPod } from "./admission.js";
export { vpaConfigFromManifests, vpaComponentOf, type VpaComponentsConfig } from "./flags.js";
export { CHECKPOINT_KIND, type CheckpointObject, type CheckpointStatus } from "./checkpoint.js";

/** Register the VerticalPodAutoscaler kind and the Pod admission hook (call once per store). */
export function registerVpa(store: Store): void {
  registerVpaKind(store);
  registerVpaAdmission(store);
}

/** Logs, per VPA component, the flags of its Deployment that are not simulated. */
class VpaFlagWarnings implements Controller {
  readonly name = "vpa-flags";
  constructor(private readonly ignored: Partial<Record<VpaComponent, string[]>>) {}
  start(ctx: ControllerContext): void {
    for (const [component, flags] of Object.entries(this.ignored)) {
      for (const f of flags ?? []) ctx.logs.logger(`vpa-${component}`).warn(`flag --${f} is not simulated; ignored`);
    }
  }
  stop(): void {}
}

/**
 * The recommender then the updater (same 1-minute ticks: the updater sees the fresh recommendation),
 * configured from the components' Deployment args when the scenario has them (flags.ts).
 */
export function vpaControllers(opts: { recommender?: RecommenderOptions; updater?: UpdaterOptions; ignored?: Partial<Record<VpaComponent, string[]>> } = {}): Controller[] {
  return [new VpaFlagWarnings(opts.ignored ?? {}), new VpaRecommender(opts.recommender), new VpaUpdater(opts.updater)];
}
