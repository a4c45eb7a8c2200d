import { createLogger, listen, loadConfigOrExit } from "@one-data/platform";
import { createApp } from "./app.js";
import { loadDataApiConfig } from "./config.js";
import { connectDependencies, prepareWithRetry } from "./wiring.js";

const config = loadConfigOrExit(loadDataApiConfig);
const log = createLogger("data-api", config.LOG_LEVEL);
const deps = connectDependencies(config, log);
try {
  await prepareWithRetry(deps, log, 120_000);
} catch (error) {
  log.fatal({ err: error }, "could not prepare MySQL and MinIO");
  await deps.close();
  process.exit(1);
}
await listen(createApp(deps), { host: config.HOST, port: config.PORT, log, onClose: () => deps.close() });
