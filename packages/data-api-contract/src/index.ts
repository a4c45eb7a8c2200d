export * from "./formats.js";
export * from "./parameters.js";
export * from "./schemas.js";
