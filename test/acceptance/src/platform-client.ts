import { chatAnswer, type ChatAnswer } from "@one-data/agent-api-contract";
import { datasetSchema, downloadResult, schemaResult, type Dataset, type SchemaColumn } from "@one-data/data-api-contract";
import { z } from "zod";
import { CheckFailure, expectThat, show } from "./check.js";
import type { SuiteContext } from "./context.js";
import { callAgentApi, callDataApi, matchesContract, requestJson } from "./http.js";

export async function datasetByName(ctx: SuiteContext, name: string): Promise<Dataset> {
  const list = await callDataApi(z.array(datasetSchema), "GET", `${ctx.dataApi}/api/v1/datasets?name=${encodeURIComponent(name)}`, {
    timeoutMs: ctx.requestTimeoutMs,
  });
  const found = list.find((d) => d.name === name);
  if (!found) throw new CheckFailure(`dataset ${name} is not registered (the bootstrap registers it)`);
  return found;
}

export async function datasetFile(ctx: SuiteContext, dataset: Dataset): Promise<string> {
  const { url } = await callDataApi(
    downloadResult,
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
  const body = (await res.json().catch(() => null)) as { code?: number; message?: string; data?: unknown } | null;
  if (!res.ok || body?.code !== 0 || !body.data) {
    throw new CheckFailure(`upload of ${input.name} answered ${res.status}: ${show(body)}`);
  }
  return matchesContract("Data API", datasetSchema, `upload of ${input.name}`, body.data);
}

/** One version of a dataset, as the Data API registered it. */
export async function datasetVersion(ctx: SuiteContext, id: string, version: number): Promise<Dataset> {
  return callDataApi(datasetSchema, "GET", `${ctx.dataApi}/api/v1/datasets/${id}?version=${version}`, { timeoutMs: ctx.requestTimeoutMs });
}

/** A tabular dataset version's columns, as the Data API inferred them. */
export async function datasetColumns(ctx: SuiteContext, dataset: Dataset): Promise<SchemaColumn[]> {
  const schema = await callDataApi(
    schemaResult,
    "GET",
    `${ctx.dataApi}/api/v1/datasets/${dataset.dataset_id}/schema?version=${dataset.version}`,
    {
      timeoutMs: ctx.requestTimeoutMs,
    },
  );
  return schema.columns;
}

export async function askAgent(ctx: SuiteContext, message: string): Promise<ChatAnswer> {
  const answer = await callAgentApi(chatAnswer, "POST", `${ctx.agentApi}/api/v1/chat`, {
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
