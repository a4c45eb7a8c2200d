import { createLogger } from "@one-data/platform";
import { DataApiClient } from "./adapters/data-api-client.js";
import { ModelClient } from "./adapters/model-client.js";
import { parseJobArgs } from "./cli-args.js";
import { loadModelJobsConfig } from "./config.js";
import { describeFailure, runJob } from "./domain/run-job.js";

const log = createLogger("model-jobs");
try {
  const spec = parseJobArgs(process.argv.slice(2));
  const config = loadModelJobsConfig();
  const result = await runJob(spec, {
    dataApi: new DataApiClient(config.DATA_API_URL, config.DATA_API_TIMEOUT_MS),
    model: new ModelClient({
      endpoint: config.MODEL_ENDPOINT,
      apiKey: config.MODEL_API_KEY,
      timeoutMs: config.MODEL_TIMEOUT_MS,
      maxRetries: config.MODEL_MAX_RETRIES,
    }),
    modelName: config.MODEL_NAME,
    downloadTimeoutMs: config.DATA_API_TIMEOUT_MS,
    log,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  const { message, exitCode } = describeFailure(error);
  log.error({ exit_code: exitCode }, message);
  process.exitCode = exitCode;
}
