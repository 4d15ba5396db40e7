/**
 * scalelab's library entry point: the simulation, the scenario loader and the pure decision
 * functions of each autoscaler (see docs/hpa-api.md).
 */
export * as hpa from "./autoscaling/hpa/index.js";
export { Simulation, SimulationInputError } from "./sim/simulation.js";
export { loadScenarioFile, loadScenarioText, ScenarioError } from "./scenario/loader.js";
export { parseQuantity } from "./core/quantity.js";
export { parseDuration } from "./core/duration.js";
