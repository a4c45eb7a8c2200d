import { CheckFailure, expectThat, show } from "./check.js";
import type { SuiteContext } from "./context.js";
import { callApi, requestJson } from "./http.js";

/** What the suite reads from the Data API and the agent, typed as far as the checks rely on. */
export interface Dataset {
  dataset_id: string;
  name: string;
  version: number;
  format: string;
  row_count: number | null;
  table: string | null;
  derived_from: { dataset_id: string; version: number } | null;
}

export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export interface AgentAnswer {
  reply: string;
  route: string;
  model?: string;
  sources?: {
    sql?: {
      sql: string;
      dataset_id: string;
      dataset_name: string;
      version: number | string;
      table: string;
      row_count: number;
      columns: { name: string; type: string }[];
      rows: Record<string, unknown>[];
    };
    documents?: {
      n: number;
      document_id: string;
      document_name: string;
      chunk_id: string;
      position: number;
      text: string;
      score: number;
    }[];
    tables?: { dataset_id: string; version: number | string; table: string; columns: SchemaColumn[] }[];
  };
}

export async function datasetByName(ctx: SuiteContext, name: string): Promise<Dataset> {
  const list = await callApi<Dataset[]>("GET", `${ctx.dataApi}/api/v1/datasets?name=${encodeURIComponent(name)}`, {
    timeoutMs: ctx.requestTimeoutMs,
  });
  const found = list.find((d) => d.name === name);
  if (!found) throw new CheckFailure(`dataset ${name} is not registered (the bootstrap registers it)`);
  return found;
}

export async function datasetFile(ctx: SuiteContext, dataset: Dataset): Promise<string> {
  const { url } = await callApi<{ url: string }>(
    "GET",
    `${ctx.dataApi}/api/v1/datasets/${dataset.dataset_id}/download?version=${dataset.version}`,
    { timeoutMs: ctx.requestTimeoutMs },
  );
  const res = await fetch(url, { signal: AbortSignal.timeout(ctx.requestTimeoutMs) });
  expectThat(res.ok, `presigned download of ${dataset.dataset_id} answered ${res.status}`);
  return res.text();
}

export async function uploadDataset(
  ctx: SuiteContext,
  input: { name: string; format: string; description: string; fileName: string; content: string },
): Promise<Dataset> {
  const form = new FormData();
  form.set("name", input.name);
  form.set("format", input.format);
  form.set("description", input.description);
  form.set("file", new Blob([input.content], { type: "text/csv" }), input.fileName);
  const res = await fetch(`${ctx.dataApi}/api/v1/datasets/upload`, {
    method: "POST",
    body: form,
    signal: AbortSignal.timeout(ctx.requestTimeoutMs),
  });
  const body = (await res.json().catch(() => null)) as { code?: number; message?: string; data?: Dataset } | null;
  if (!res.ok || body?.code !== 0 || !body.data) {
    throw new CheckFailure(`upload of ${input.name} answered ${res.status}: ${show(body)}`);
  }
  return body.data;
}

export async function askAgent(ctx: SuiteContext, message: string): Promise<AgentAnswer> {
  const answer = await callApi<AgentAnswer>("POST", `${ctx.agentApi}/api/v1/chat`, {
    body: { message },
    timeoutMs: ctx.requestTimeoutMs,
  });
  expectThat(typeof answer.reply === "string" && answer.reply.trim() !== "", `agent gave no reply to ${show(message)}`);
  return answer;
}

export async function listModels(ctx: SuiteContext): Promise<string[]> {
  const { body } = await requestJson<{ data?: { id: string }[] }>("GET", `${ctx.modelEndpoint}/v1/models`, {
    timeoutMs: ctx.requestTimeoutMs,
  });
  expectThat(Array.isArray(body.data), `${ctx.modelEndpoint}/v1/models has no data list: ${show(body)}`);
  return body.data.map((m) => m.id);
}
