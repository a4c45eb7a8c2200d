#!/usr/bin/env node
import { loadConfigOrExit } from "@one-data/platform";
import { loadAcceptanceConfig } from "./config.js";
import { runSuite } from "./suite.js";

/** The suite as a command (the image `dagger call verify` runs in the cluster). Exit 1 on any failure. */
const config = loadConfigOrExit(loadAcceptanceConfig);
const outcome = await runSuite(config);
console.log(`\n${outcome.table}`);
process.exitCode = outcome.passed ? 0 : 1;
