/**
 * The scripted model double of the gating local acceptance
 * (test/acceptance/local/scripted-model.ts) as a pod, standing in for vLLM
 * under its Service's name and port (test/node/deploy.test.ts): MODEL_NAME is
 * the model that Service serves, PORT its port. Bundled into an image by
 * test/node/build-images.ts; never shipped.
 */
import { startScriptedModel } from "../acceptance/local/scripted-model.js";

const modelName = process.env.MODEL_NAME;
const port = Number(process.env.PORT);
if (!modelName || !Number.isInteger(port) || port <= 0) {
  console.error("model stand-in: MODEL_NAME and PORT are required");
  process.exit(2);
}
const model = await startScriptedModel({ modelName, listen: { host: "0.0.0.0", port } });
console.log(`scripted model double serving ${modelName} on ${model.url}`);
process.on("SIGTERM", () => process.exit(0));
