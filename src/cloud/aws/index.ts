export * from "./ec2.js";
export * from "./fleet.js";
export * from "./pricing.js";
export * from "./amis.js";
export * from "./network.js";
export * from "./instancetypes.js";
