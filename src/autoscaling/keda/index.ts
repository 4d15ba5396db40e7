/** KEDA v2.16 (keda.sh/v1alpha1) on the simulated cluster. */
export * from "./api.js";
export * from "./names.js";
export * from "./scalers.js";
export * from "./expr.js";
export * from "./executor.js";
export * from "./hpa.js";
export { KedaOperator, KEDA_OPERATOR, type KedaOptions } from "./controller.js";
export * from "./scaledjob-scale.js";
export { ScaledJobController, SCALEDJOB_NAME_LABEL, SCALEDJOB_GENERATION_ANNOTATION, jobFor } from "./scaledjob.js";
