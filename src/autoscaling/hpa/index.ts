/** The HPA: pure decision functions, the reconcile, the controller and the kubectl printer. */
export * from "./replicas.js";
export * from "./normalize.js";
export * from "./conditions.js";
export * from "./reconcile.js";
export { HpaController, HPA_CONTROLLER_NAME, cpuMilliFromFloat, hpaPodOf, rawResourceMetrics, type HpaControllerOptions } from "./controller.js";
export { formatHpaTargets, hpaRow, humanDuration, type HpaRow } from "./printer.js";
