/**
 * `npm run eval:new-set`: the second evaluation set (eval/new-set.ts) and the
 * held-out set (eval/held-out.ts; EVAL_SET picks one of them)
 * against the Data API at DATA_API_URL, with the model at MODEL_ENDPOINT, or
 * with the scripted double (EVAL_MODEL=scripted-double), which answers only
 * from what the agent sent it. Registers the set's datasets and glossary first
 * when they are missing. Prints figures, not a verdict: it never fails on
 * wrong answers.
 */
import { envVar, loadConfig } from "@one-data/platform";
import { z } from "zod";
import { createDataApiClient } from "../src/adapters/data-api-client.js";
import { createModelClient } from "../src/adapters/model-client.js";
import { createAgent } from "../src/domain/agent.js";
import { ensureSetData, heldOutSet, runSet, secondSet, summarise } from "./new-set-run.js";

const env = loadConfig(
  "agent-api eval (new set)",
  z.object({
    MODEL_ENDPOINT: envVar.url().optional(),
    MODEL_NAME: envVar.string().optional(),
    MODEL_API_KEY: envVar.secret().optional(),
    MODEL_TIMEOUT_MS: envVar.int(60_000, 1),
    DATA_API_URL: envVar.url(),
    DATA_API_TIMEOUT_MS: envVar.int(10_000, 1),
    EVAL_MODEL: z.enum(["endpoint", "scripted-double"]).default("endpoint"),
    EVAL_SET: z.enum(["both", "new", "held-out"]).default("both"),
  }),
);
const dataApiUrl = env.DATA_API_URL.replace(/\/+$/, "");
const sets = { both: [secondSet, heldOutSet], new: [secondSet], "held-out": [heldOutSet] }[env.EVAL_SET];
for (const set of sets) await ensureSetData(set, dataApiUrl, 120_000);

let endpoint = env.MODEL_ENDPOINT?.replace(/\/+$/, "");
let close = async (): Promise<void> => {};
if (env.EVAL_MODEL === "scripted-double") {
  const { startScriptedModel } = await import("../../../test/acceptance/local/scripted-model.js");
  const double = await startScriptedModel();
  endpoint = double.url;
  close = () => double.close();
}
if (!endpoint) throw new Error("MODEL_ENDPOINT is not set (or run with EVAL_MODEL=scripted-double)");
const model = createModelClient({
  endpoint,
  name: env.EVAL_MODEL === "scripted-double" ? undefined : env.MODEL_NAME,
  apiKey: env.MODEL_API_KEY,
  timeoutMs: env.MODEL_TIMEOUT_MS,
});
const data = createDataApiClient({ url: dataApiUrl, timeoutMs: env.DATA_API_TIMEOUT_MS });
try {
  const label = env.EVAL_MODEL === "scripted-double" ? "scripted double" : await model.modelName();
  console.log(`new evaluation set, model ${label} at ${endpoint}, Data API ${dataApiUrl}`);
  const summaries: string[] = [];
  for (const set of sets) summaries.push(summarise(set, await runSet(set, createAgent({ model, data }), data), label));
  console.log(`\n${summaries.join("\n")}`);
} finally {
  await close();
}
