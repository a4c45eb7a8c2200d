export * from "./check.js";
export * from "./runner.js";
export { renderTable } from "./report/table.js";
export { renderJunit } from "./report/junit.js";
