export * from "./check.js";
export * from "./runner.js";
export { acceptanceChecks } from "./checks/index.js";
export { acceptanceEnv, loadAcceptanceConfig, type AcceptanceConfig } from "./config.js";
export { renderJunit } from "./report/junit.js";
export { renderTable } from "./report/table.js";
export { runSuite, type SuiteOutcome } from "./suite.js";
export { keyCustomers, keyCustomerMinTotal, parseCsv } from "./truth.js";
