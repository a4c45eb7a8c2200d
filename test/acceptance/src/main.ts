#!/usr/bin/env node
import { ConfigError } from "@one-data/platform";
import { loadAcceptanceConfig } from "./config.js";
import { runSuite } from "./suite.js";

/** The suite as a command (the image `dagger call verify` runs in the cluster). Exit 1 on any failure. */
try {
  const outcome = await runSuite(loadAcceptanceConfig());
  console.log(`\n${outcome.table}`);
  process.exitCode = outcome.passed ? 0 : 1;
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 2;
}
