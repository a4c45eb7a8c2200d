import { createLogger, listen, loadConfigOrExit } from "@one-data/platform";
import { LocalModel } from "./adapters/local-model.js";
import { createApp } from "./app.js";
import { loadModelServerConfig } from "./config.js";

const config = loadConfigOrExit(loadModelServerConfig);
const log = createLogger("model-server", config.LOG_LEVEL);
const model = await LocalModel.load(config);
log.info({ model: config.MODEL_NAME, embedding_dimension: model.embeddingDimension }, "model loaded");
await listen(createApp(config, model, log), {
  host: config.HOST,
  port: config.PORT,
  log,
  onShutdown: () => model.stopGenerating(),
  onClose: () => model.close(),
});
