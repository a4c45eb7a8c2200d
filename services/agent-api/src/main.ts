import { ConfigError, createLogger, listen } from "@one-data/platform";
import { createApp } from "./app.js";
import { readConfig } from "./config.js";
import { connectDependencies } from "./wiring.js";

const log = createLogger("agent-api");
try {
  const config = readConfig();
  log.level = config.logLevel;
  const deps = connectDependencies(config, log);
  await listen(createApp(deps), { host: config.host, port: config.port, log, onClose: deps.close });
} catch (error) {
  if (error instanceof ConfigError) log.fatal(error.message);
  else log.fatal({ err: error }, "agent-api failed to start");
  process.exit(1);
}
