/**
 * The Agent API's fuzz run: starts an agent-api process of its own (the real
 * entry point) against a throwaway Redis it owns and the scripted model and
 * Data API doubles (they answer only from what the agent sends, fast enough
 * for hundreds of cases), runs test/fuzz/run.sh against its served OpenAPI
 * document, then stops all of it: whatever the fuzzer wrote (conversations)
 * dies with that Redis.
 *
 *   node --import tsx --conditions=source test/fuzz/agent-api.ts
 */
import { spawn } from "node:child_process";
import { glossaryChunks, salesMetadata } from "../../services/agent-api/test/fixtures.js";
import { startDataApiDouble } from "../doubles/data-api-double.js";
import { OpenAiDouble } from "../doubles/openai-double.js";
import { probeUrl, requireEnv, waitUntil } from "../support/testkit.js";
import { OwnedRedis } from "../support/owned-processes.js";

let portBase: number;
try {
  portBase = Number(requireEnv("LOCAL_PORT_BASE"));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const port = portBase + 91;
const base = `http://127.0.0.1:${port}`;
const model = await OpenAiDouble.start({ modelName: "fuzz-chat" });
const data = await startDataApiDouble({
  tables: [salesMetadata],
  chunks: glossaryChunks,
  datasets: [{ dataset_id: "ds-001", name: "sales_data_v1.0" }],
  onQuery: () => ({ columns: [{ name: "sum_amount", type: "decimal" }], rows: [{ sum_amount: "2299.95" }] }),
});
const redis = await OwnedRedis.start();
// The throwaway Redis has no password; the local one's must not be sent to it.
const { REDIS_PASSWORD: _localPassword, ...inherited } = process.env;

const api = spawn(
  "timeout",
  [
    "--signal=TERM",
    "--kill-after=10s",
    "600",
    process.execPath,
    "--conditions=source",
    "--import",
    "tsx",
    "services/agent-api/src/main.ts",
  ],
  {
    env: {
      ...inherited,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      MODEL_ENDPOINT: model.url,
      MODEL_NAME: "fuzz-chat",
      DATA_API_URL: data.url,
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
    },
    stdio: ["ignore", "inherit", "inherit"],
  },
);

let status = 1;
try {
  await waitUntil("agent-api", () => probeUrl(`${base}/api/v1/ready`), { timeoutMs: 60_000, pid: api.pid! });
  status = await new Promise<number>((resolve) => {
    const run = spawn("bash", ["test/fuzz/run.sh", "agent-api", base, `${base}/api/v1/openapi.json`], {
      env: process.env,
      stdio: "inherit",
    });
    run.on("exit", (code) => resolve(code ?? 1));
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.log("fuzz agent-api: 0 passed, 1 failed (the run could not start)");
} finally {
  api.kill("SIGTERM");
  if (api.exitCode === null) await new Promise((resolve) => api.once("exit", resolve));
  await redis.kill();
  await model.close();
  await data.close();
}
process.exit(status);
