import { createLogger, listen, loadConfigOrExit } from "@one-data/platform";
import { createApp } from "./app.js";
import { readConfig } from "./config.js";
import { connectDependencies } from "./wiring.js";

const config = loadConfigOrExit(readConfig);
const log = createLogger("agent-api", config.logLevel);
try {
  const deps = connectDependencies(config, log);
  await listen(createApp(deps), { host: config.host, port: config.port, log, onClose: deps.close });
} catch (error) {
  log.fatal({ err: error }, "agent-api failed to start");
  process.exit(1);
}
