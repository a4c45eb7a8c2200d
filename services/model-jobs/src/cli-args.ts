import { parseArgs } from "node:util";
import { JobError } from "./domain/errors.js";
import { jobSpecSchema, type JobSpec } from "./domain/job-spec.js";

export const usage = `usage: model-jobs --dataset <id> --prompt <instruction> [options]
  --dataset <id>          source dataset id in the Data API (e.g. ds-001)
  --version <n>           source version (default: latest)
  --prompt <text>         instruction sent as the system message for every row
  --column <name>         send only this column's value (default: the whole row as JSON)
  --output-column <name>  column holding the model's answer (default: model_output)
  --output-name <name>    registered name of the derived dataset (default: derived from the inputs)
  --concurrency <n>       requests in flight (default: 4)
  --progress-every <n>    log a progress line every n rows (default: 50)
  --max-tokens <n>        per answer (default: 128)
  --temperature <t>       default 0
  --limit <n>             only the first n rows`;

export function parseJobArgs(argv: string[]): JobSpec {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        dataset: { type: "string" },
        version: { type: "string" },
        prompt: { type: "string" },
        column: { type: "string" },
        "output-column": { type: "string" },
        "output-name": { type: "string" },
        concurrency: { type: "string" },
        "progress-every": { type: "string" },
        "max-tokens": { type: "string" },
        temperature: { type: "string" },
        limit: { type: "string" },
      },
    }));
  } catch (error) {
    throw new JobError(`${(error as Error).message}\n${usage}`, "usage");
  }
  const result = jobSpecSchema.safeParse({
    datasetId: values.dataset,
    version: values.version,
    prompt: values.prompt,
    column: values.column,
    outputColumn: values["output-column"],
    outputName: values["output-name"],
    concurrency: values.concurrency,
    progressEvery: values["progress-every"],
    maxTokens: values["max-tokens"],
    temperature: values.temperature,
    limit: values.limit,
  });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new JobError(`${problems}\n${usage}`, "usage");
  }
  return result.data;
}
