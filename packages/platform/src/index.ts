export * from "./config.js";
export * from "./deadline.js";
export * from "./envelope.js";
export * from "./errors.js";
export * from "./koa.js";
export * from "./logger.js";
export * from "./server.js";
export * from "./openapi.js";
