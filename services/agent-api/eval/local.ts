/**
 * `npm run eval:local`: the second evaluation set on this machine, as the test
 * command runs it (recorded, not gating). Starts a Data API from this
 * repository over the local servers already running (scripts/local/servers.sh;
 * its own schemas), registers the seed data and both sets' datasets, then runs
 * the second set and the held-out set with the scripted double and with the bundled small model
 * (MODEL_ENDPOINT), printing one summary line for each.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startService, tsNodeArgs, type LocalProcess } from "../../../test/acceptance/local/processes.js";
import { requireEnv, runToCompletion } from "../../../test/support/testkit.js";
import { startScriptedModel } from "../../../test/acceptance/local/scripted-model.js";
import { createDataApiClient } from "../src/adapters/data-api-client.js";
import { createModelClient } from "../src/adapters/model-client.js";
import { createAgent } from "../src/domain/agent.js";
import { ensureSetData, heldOutSet, runSet, secondSet, summarise } from "./new-set-run.js";

/**
 * Time for the questions of all four runs, so the figures are printed inside
 * the test command's bound on this step (`timeout 20m`, scripts/test.sh) with
 * room for starting the Data API and registering the data.
 */
const questionBudgetMs = Number(process.env.EVAL_BUDGET_SECONDS ?? 960) * 1000;

const repo = resolve(fileURLToPath(import.meta.url), "../../../..");
const logDir = join(repo, ".local", "eval");

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MYSQL_DATABASE: "one_data_eval",
    MYSQL_DATASETS_DATABASE: "one_data_eval_datasets",
    LOG_LEVEL: "warn",
  };
  requireEnv("MODEL_ENDPOINT");
  let dataApi: LocalProcess | undefined;
  try {
    dataApi = await startService({ name: "data-api", entry: join(repo, "services/data-api/src/main.ts"), env, logDir });
    await runToCompletion({
      command: [process.execPath, ...tsNodeArgs(join(repo, "services/data-api/src/bootstrap.ts"))],
      env,
      log: join(logDir, "data-bootstrap.log"),
      cwd: repo,
    });
    for (const set of [secondSet, heldOutSet]) await ensureSetData(set, dataApi.url, 300_000);
    const data = createDataApiClient({ url: dataApi.url, timeoutMs: 10_000 });
    // Each of the four runs gets an equal share of the time left, and a run that finishes early passes its rest on.
    const started = Date.now();
    let runsLeft = 4;
    const until = (): number => {
      const share = (started + questionBudgetMs - Date.now()) / runsLeft--;
      return Date.now() + share;
    };
    const report = (line: string): void => {
      console.log(`\n${line}`);
    };
    const double = await startScriptedModel();
    try {
      const model = createModelClient({ endpoint: double.url, name: undefined, apiKey: undefined, timeoutMs: 60_000 });
      for (const set of [secondSet, heldOutSet]) {
        console.log(`\n== ${set.name}, scripted double`);
        report(summarise(set, await runSet(set, createAgent({ model, data }), data, { until: until() }), "scripted double"));
      }
    } finally {
      await double.close();
    }
    const model = createModelClient({
      endpoint: requireEnv("MODEL_ENDPOINT"),
      name: process.env.MODEL_NAME,
      apiKey: undefined,
      timeoutMs: 60_000,
    });
    const label = `bundled model ${await model.modelName()}`;
    for (const set of [secondSet, heldOutSet]) {
      console.log(`\n== ${set.name}, ${label}`);
      report(summarise(set, await runSet(set, createAgent({ model, data }), data, { until: until() }), label));
    }
  } finally {
    await dataApi?.stop();
  }
}

await main();
