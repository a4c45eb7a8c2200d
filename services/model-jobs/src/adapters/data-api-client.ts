import { datasetSchema, downloadResult, schemaResult, type Dataset, type SchemaResult } from "@one-data/data-api-contract";
import { AppError, dependencyUnavailable, isAppError, withDeadline } from "@one-data/platform";
import { z } from "zod";

const envelope = z.object({ code: z.number(), message: z.string().optional(), data: z.unknown() });

/** A non-success answer from the Data API, keeping its HTTP status and numeric code. */
export class DataApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = "DataApiError";
  }
}

export interface Upload {
  name: string;
  format: "csv";
  description: string;
  derivedFrom: { datasetId: string; version: number };
  content: string;
}

/**
 * The Data API as the Model layer sees it: metadata, schema, presigned
 * download URLs, and registering outputs. No object-store credentials here.
 */
export class DataApiClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.base = baseUrl.replace(/\/+$/, "");
  }

  async getDataset(id: string, version?: number): Promise<Dataset> {
    const query = version === undefined ? "" : `?version=${version}`;
    return datasetSchema.parse(await this.call("GET", `/api/v1/datasets/${encodeURIComponent(id)}${query}`));
  }

  async getSchema(id: string, version?: number): Promise<SchemaResult> {
    const query = version === undefined ? "" : `?version=${version}`;
    return schemaResult.parse(await this.call("GET", `/api/v1/datasets/${encodeURIComponent(id)}/schema${query}`));
  }

  async downloadUrl(id: string, version?: number): Promise<string> {
    const query = version === undefined ? "" : `?version=${version}`;
    const data = downloadResult.parse(await this.call("GET", `/api/v1/datasets/${encodeURIComponent(id)}/download${query}`));
    return data.url;
  }

  /** Every registered version of the dataset with this name (empty when there is none). */
  async versionsOf(name: string): Promise<Dataset[]> {
    const list = await this.call("GET", `/api/v1/datasets?name=${encodeURIComponent(name)}`);
    return z
      .array(datasetSchema)
      .parse(list)
      .filter((dataset) => dataset.name === name);
  }

  async upload(upload: Upload): Promise<Dataset> {
    const form = new FormData();
    form.set("name", upload.name);
    form.set("format", upload.format);
    form.set("description", upload.description);
    form.set("derived_from_dataset_id", upload.derivedFrom.datasetId);
    form.set("derived_from_version", String(upload.derivedFrom.version));
    form.set("file", new Blob([upload.content], { type: "text/csv" }), `${upload.name}.csv`);
    return datasetSchema.parse(await this.call("POST", "/api/v1/datasets/upload", form));
  }

  private async call(method: string, path: string, body?: FormData): Promise<unknown> {
    try {
      return await withDeadline("data-api", this.timeoutMs, async (signal) => {
        const response = await fetch(`${this.base}${path}`, { method, body: body ?? null, signal });
        const text = await response.text();
        let parsed: z.infer<typeof envelope> | undefined;
        try {
          parsed = envelope.parse(JSON.parse(text));
        } catch {
          parsed = undefined;
        }
        if (!response.ok || parsed === undefined || parsed.code !== 0) {
          const message = parsed?.message ?? `HTTP ${response.status}`;
          throw new DataApiError(`${method} ${path}: ${message}`, response.status, parsed?.code);
        }
        return parsed.data;
      });
    } catch (error) {
      if (error instanceof DataApiError || isAppError(error)) throw error;
      throw dependencyUnavailable("data-api", error) satisfies AppError;
    }
  }
}
