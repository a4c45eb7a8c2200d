import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { MilvusClient } from "@zilliz/milvus2-sdk-node";
import type { RowDataPacket } from "mysql2/promise";
import { parseStoragePath } from "../../src/domain/storage-path.js";
import type { DataApiConfig } from "../../src/config.js";
import { apiObjectPrefixes, formatDatasetId } from "../../src/domain/identifiers.js";
import { knowledgeFormats } from "@one-data/data-api-contract";
import { ownerConnection, s3Client } from "./harness.js";

/**
 * Looks across the four stores one Data API writes — the registry, the
 * datasets schema, the bucket and the Milvus collections of its prefix — for
 * anything half-written, and names each finding:
 * - a version still `ingesting` (nothing may be mid-registration when it runs);
 * - an active tabular version without its table, or whose table's row count differs;
 * - a table in the datasets schema no active version owns;
 * - an active version whose object is missing from the bucket;
 * - an object under the API's own prefixes (uploads/, knowledge/) no version points at;
 * - a knowledge document (latest active version) without chunks, or chunks of a document or
 *   version that is not the latest active one.
 * Run it only when no request is in flight. Returns [] when everything is whole.
 */
export async function findHalfWritten(config: DataApiConfig): Promise<string[]> {
  const problems: string[] = [];
  const connection = await ownerConnection(config);
  let versions: RowDataPacket[];
  try {
    [versions] = await connection.query<RowDataPacket[]>(
      `SELECT dataset_seq, version, status, storage_path, format, row_count, table_name FROM \`${config.MYSQL_DATABASE}\`.dataset_versions`,
    );
    const [tables] = await connection.query<RowDataPacket[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?",
      [config.MYSQL_DATASETS_DATABASE],
    );
    const existing = new Set(tables.map((t) => String(t.name)));
    const owned = new Set<string>();
    for (const v of versions) {
      const label = `${formatDatasetId(Number(v.dataset_seq))} v${v.version}`;
      if (v.status === "ingesting") problems.push(`${label} is still ingesting`);
      if (v.status !== "active" || v.table_name === null) continue;
      const table = String(v.table_name);
      owned.add(table);
      if (!existing.has(table)) {
        problems.push(`${label} has no table ${table}`);
        continue;
      }
      const [[count]] = await connection.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM \`${config.MYSQL_DATASETS_DATABASE}\`.\`${table}\``,
      );
      if (Number(count?.n) !== Number(v.row_count))
        problems.push(`${label}: table ${table} has ${count?.n} rows, the registry says ${v.row_count}`);
    }
    for (const table of existing) if (!owned.has(table)) problems.push(`table ${table} belongs to no active version`);
  } finally {
    await connection.end();
  }

  const client = s3Client(config);
  const keys = new Set<string>();
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: config.S3_BUCKET, ContinuationToken: token }));
      for (const object of page.Contents ?? []) keys.add(object.Key!);
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
  const referenced = new Set<string>();
  for (const v of versions) {
    const location = parseStoragePath(String(v.storage_path));
    if (!location || location.bucket !== config.S3_BUCKET) continue;
    referenced.add(location.key);
    if (v.status === "active" && !keys.has(location.key))
      problems.push(`${formatDatasetId(Number(v.dataset_seq))} v${v.version}: object ${location.key} is missing`);
  }
  const prefixes = Object.values(apiObjectPrefixes);
  for (const key of keys) {
    if (prefixes.some((prefix) => key.startsWith(prefix)) && !referenced.has(key))
      problems.push(`object ${key} is referenced by no version`);
  }

  const latestKnowledge = new Map<string, number>();
  for (const v of versions) {
    if (v.status !== "active" || !(knowledgeFormats as readonly string[]).includes(String(v.format))) continue;
    const id = formatDatasetId(Number(v.dataset_seq));
    latestKnowledge.set(id, Math.max(latestKnowledge.get(id) ?? 0, Number(v.version)));
  }
  const milvus = new MilvusClient({ address: config.MILVUS_ADDRESS, timeout: 10_000 });
  try {
    const chunked = new Map<string, number>();
    for (const { name } of (await milvus.showCollections()).data) {
      if (!name.startsWith(`${config.KNOWLEDGE_COLLECTION_PREFIX}_`)) continue;
      await milvus.loadCollectionSync({ collection_name: name });
      const rows = await milvus.query({
        collection_name: name,
        filter: 'document_id != ""',
        output_fields: ["id", "document_id", "metadata"],
        limit: 16_384,
      });
      if (rows.status.error_code !== "Success") throw new Error(`milvus query on ${name}: ${rows.status.reason}`);
      for (const row of rows.data) {
        const id = String(row.document_id);
        const version = Number((row.metadata as { version?: number } | null)?.version);
        if (latestKnowledge.get(id) !== version)
          problems.push(`chunk ${String(row.id)} in ${name} belongs to ${id} v${version}, not an active latest document`);
        else chunked.set(id, (chunked.get(id) ?? 0) + 1);
      }
    }
    for (const [id, version] of latestKnowledge) if (!chunked.has(id)) problems.push(`knowledge document ${id} v${version} has no chunks`);
  } finally {
    await milvus.closeConnection();
  }
  return problems;
}
