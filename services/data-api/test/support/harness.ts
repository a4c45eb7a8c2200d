import { expect } from "chai";
import { createLogger, listen, type RunningServer } from "@one-data/platform";
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { MilvusClient } from "@zilliz/milvus2-sdk-node";
import mysql from "mysql2/promise";
import { randomBytes } from "node:crypto";
import { requireEnv, waitUntil } from "../../../../test/support/testkit.js";
import { createApp } from "../../src/app.js";
import { loadDataApiConfig, type DataApiConfig } from "../../src/config.js";
import { connectDependencies, type ConnectedDependencies } from "../../src/wiring.js";

/**
 * An isolated Data API against the real dev servers: its own registry and
 * datasets schemas, read-only user and bucket, all removed by `stop`.
 */
export interface Harness {
  config: DataApiConfig;
  deps: ConnectedDependencies;
  server: RunningServer;
  url: string;
  stop(): Promise<void>;
}

/** The environment of an isolated Data API (its own schemas, read-only user, bucket and collections), for a process or a config. */
export function isolatedEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const id = randomBytes(4).toString("hex");
  return {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: "8080",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    MYSQL_DATABASE: `one_data_test_${id}`,
    MYSQL_DATASETS_DATABASE: `one_data_test_${id}_ds`,
    MYSQL_READONLY_USER: `odr_${id}`,
    MYSQL_READONLY_PASSWORD: randomBytes(12).toString("hex"),
    S3_BUCKET: `test-${id}`,
    // Milvus collections of this run start with this prefix; `stop` drops them.
    KNOWLEDGE_COLLECTION_PREFIX: `kt_${id}`,
    ...overrides,
  };
}

export function isolatedConfig(overrides: Record<string, string> = {}): DataApiConfig {
  return loadDataApiConfig(isolatedEnv(overrides));
}

export async function startHarness(overrides: Record<string, string> = {}): Promise<Harness> {
  requireEnv("MYSQL_HOST");
  requireEnv("S3_ENDPOINT");
  const config = isolatedConfig(overrides);
  const log = createLogger("data-api-test", config.LOG_LEVEL);
  const deps = connectDependencies(config, log);
  await deps.prepare();
  const server = await listen(createApp(deps), { host: "127.0.0.1", port: 0, log, handleSignals: false });
  return {
    config,
    deps,
    server,
    url: `${server.url}/api/v1`,
    async stop() {
      await server.close();
      await deps.close();
      await dropEverything(config);
    },
  };
}

export async function ownerConnection(config: DataApiConfig): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: config.MYSQL_HOST,
    port: config.MYSQL_PORT,
    user: config.MYSQL_USER,
    password: config.MYSQL_PASSWORD,
  });
}

export function s3Client(config: DataApiConfig): S3Client {
  return new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY, secretAccessKey: config.S3_SECRET_KEY },
  });
}

/** Puts an object straight into the bucket (as a user's own tools would), returning its storage path. */
export async function putObject(config: DataApiConfig, key: string, body: string | Buffer): Promise<string> {
  const client = s3Client(config);
  try {
    await client.send(new PutObjectCommand({ Bucket: config.S3_BUCKET, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
  return `s3://${config.S3_BUCKET}/${key}`;
}

export async function listKeys(config: DataApiConfig, prefix = ""): Promise<string[]> {
  const client = s3Client(config);
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: config.S3_BUCKET, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key!);
  } finally {
    client.destroy();
  }
}

export async function dropEverything(config: DataApiConfig): Promise<void> {
  const connection = await ownerConnection(config);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${config.MYSQL_DATABASE}\``);
    await connection.query(`DROP DATABASE IF EXISTS \`${config.MYSQL_DATASETS_DATABASE}\``);
    await connection.query(`DROP USER IF EXISTS \`${config.MYSQL_READONLY_USER}\`@'%'`);
  } finally {
    await connection.end();
  }
  await dropCollections(config);
  const client = s3Client(config);
  try {
    const keys = await listKeys(config);
    if (keys.length > 0) {
      await client.send(new DeleteObjectsCommand({ Bucket: config.S3_BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: config.S3_BUCKET }));
  } catch {
    // The bucket may never have been created (a test that fails before prepare).
  } finally {
    client.destroy();
  }
}

/** Drops this run's Milvus collections (named <prefix>_...), so Milvus Lite does not fill up with test leftovers. */
async function dropCollections(config: DataApiConfig): Promise<void> {
  const milvus = new MilvusClient({ address: config.MILVUS_ADDRESS, timeout: 5000 });
  try {
    const listed = await milvus.showCollections();
    for (const { name } of listed.data) {
      if (name.startsWith(`${config.KNOWLEDGE_COLLECTION_PREFIX}_`)) await milvus.dropCollection({ collection_name: name });
    }
  } catch {
    // Milvus may be unreachable on purpose (fault tests); nothing of ours was created then.
  } finally {
    await milvus.closeConnection();
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: { code: number; message: string; data?: T; details?: unknown };
  headers: Headers;
}

export async function call<T = unknown>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<ApiResponse<T>> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    redirect: "manual",
    headers: json === undefined ? rest.headers : { "content-type": "application/json", ...(rest.headers ?? {}) },
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  const text = await response.text();
  let body: ApiResponse<T>["body"];
  try {
    body = JSON.parse(text) as ApiResponse<T>["body"];
  } catch {
    body = { code: -1, message: text };
  }
  return { status: response.status, body, headers: response.headers };
}

export async function uploadForm(
  url: string,
  fields: Record<string, string>,
  file: { name: string; content: string | Buffer; type?: string } | undefined,
): Promise<ApiResponse> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append("file", new Blob([file.content], { type: file.type ?? "text/csv" }), file.name);
  return call(`${url}/datasets/upload`, { method: "POST", body: form });
}

/**
 * The first answer other than 503/504 to a request retried while a dependency is slow to come up or back (a
 * restarted MariaDB still recovering, Milvus Lite loading a collection on a busy machine): that may take any time;
 * every failure on the way is a clean 503/504 with its code.
 */
export async function onceBack<T extends ApiResponse<unknown>>(attempt: () => Promise<T>): Promise<T> {
  let last: T | undefined;
  await waitUntil(
    "an answer other than 503/504",
    async () => {
      last = await attempt();
      if ([503, 504].includes(last.status)) {
        expect([50301, 50401], JSON.stringify(last.body)).to.include(last.body.code);
        return false;
      }
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  return last!;
}
