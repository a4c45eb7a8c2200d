/**
 * The Data API's fuzz run: starts a Data API process of its own against the
 * local servers in a disposable registry schema, datasets schema, read-only
 * user, bucket and Milvus collection prefix (so nothing the fuzzer writes or
 * deletes can touch the bootstrap's data), seeds what the hooks point at,
 * runs test/fuzz/run.sh against its served OpenAPI document, then removes all
 * of it. Embeddings come from the scripted double: the fuzzer registers many
 * documents and the small model would spend the time budget on them.
 *
 *   node --import tsx --conditions=source test/fuzz/data-api.ts
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadDataApiConfig } from "../../services/data-api/src/config.js";
import { dropEverything, s3Client } from "../../services/data-api/test/support/harness.js";
import { OpenAiDouble } from "../doubles/openai-double.js";
import { probeUrl, requireEnv, waitUntil } from "../support/testkit.js";

try {
  for (const name of ["MYSQL_HOST", "S3_ENDPOINT", "MILVUS_ADDRESS", "LOCAL_PORT_BASE"]) requireEnv(name);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const id = randomBytes(4).toString("hex");
const port = Number(process.env.LOCAL_PORT_BASE) + 90;
const model = await OpenAiDouble.start({ modelName: "fuzz-embed", embeddingDimension: 8 });
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOST: "127.0.0.1",
  PORT: String(port),
  LOG_LEVEL: "warn",
  MYSQL_DATABASE: `fuzz_${id}`,
  MYSQL_DATASETS_DATABASE: `fuzz_${id}_ds`,
  MYSQL_READONLY_USER: `fzr_${id}`,
  MYSQL_READONLY_PASSWORD: randomBytes(12).toString("hex"),
  S3_BUCKET: `fuzz-${id}`,
  KNOWLEDGE_COLLECTION_PREFIX: `fz_${id}`,
  EMBEDDING_ENDPOINT: model.url,
  EMBEDDING_MODEL: "fuzz-embed",
  UPLOAD_MAX_BYTES: String(1024 * 1024),
  REGISTRY_CACHE_MS: "0",
};
const config = loadDataApiConfig(env);
const base = `http://127.0.0.1:${port}`;

const api = spawn(
  "timeout",
  ["--signal=TERM", "--kill-after=10s", "600", process.execPath, "--conditions=source", "--import", "tsx", "services/data-api/src/main.ts"],
  {
    env,
    stdio: ["ignore", "inherit", "inherit"],
  },
);

/** Objects and registrations the hooks point the fuzzer at, so register, preview, query and search reach real data. */
async function seed(): Promise<Record<string, string>> {
  const client = s3Client(config);
  const objects: Record<string, string> = {
    "seed/orders.csv": "id,customer_id,amount,created_at\n1,1001,120.50,2026-01-01T10:00:00Z\n2,1002,80,2026-01-02T11:00:00Z\n",
    "seed/orders.tsv": "id\tamount\n1\t3.5\n",
    "seed/events.jsonl": '{"id":1,"kind":"click"}\n{"id":2,"kind":"view"}\n',
    "seed/notes.md": "# Notes\nA key customer spends at least 500.",
    "seed/ragged.csv": "a,b\n1,2,3\n",
  };
  try {
    for (const [key, body] of Object.entries(objects))
      await client.send(new PutObjectCommand({ Bucket: config.S3_BUCKET, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
  const post = (path: string, json: unknown) =>
    fetch(`${base}/api/v1${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) }).then(
      async (r) => {
        if (!r.ok) throw new Error(`seeding ${path}: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { data: { dataset_id?: string; document_id?: string } }).data;
      },
    );
  const dataset = await post("/datasets", { name: "fuzz_orders", storage_path: `s3://${config.S3_BUCKET}/seed/orders.csv`, format: "csv" });
  const document = await post("/knowledge/documents", {
    name: "fuzz_glossary",
    content: "# Key customer\nA key customer spends at least 500 in total.",
  });
  return {
    FUZZ_STORAGE_PATHS: Object.keys(objects)
      .map((key) => `s3://${config.S3_BUCKET}/${key}`)
      .join(","),
    FUZZ_DATASET_IDS: [dataset.dataset_id, document.document_id].join(","),
    FUZZ_TABLE: "ds_001_v1",
  };
}

let status = 1;
try {
  await waitUntil("the Data API", () => probeUrl(`${base}/api/v1/ready`), { timeoutMs: 120_000, pid: api.pid! });
  const hookEnv = await seed();
  status = await new Promise<number>((resolve) => {
    const run = spawn("bash", ["test/fuzz/run.sh", "data-api", base, `${base}/api/v1/openapi.json`], {
      env: { ...process.env, ...hookEnv, FUZZ_HOOKS: "data_api_hooks" },
      stdio: "inherit",
    });
    run.on("exit", (code) => resolve(code ?? 1));
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.log("fuzz data-api: 0 passed, 1 failed (the run could not start)");
} finally {
  api.kill("SIGTERM");
  if (api.exitCode === null) await new Promise((resolve) => api.once("exit", resolve));
  await model.close();
  await dropEverything(config);
}
process.exit(status);
