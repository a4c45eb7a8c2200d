export { DataApiClient, DataApiError } from "./adapters/data-api-client.js";
export { ModelClient } from "./adapters/model-client.js";
export { parseJobArgs, usage } from "./cli-args.js";
export { loadModelJobsConfig, modelJobsEnvSchema, type ModelJobsConfig } from "./config.js";
export { derivedName } from "./domain/derived-name.js";
export { JobError } from "./domain/errors.js";
export { jobSpecSchema, type JobSpec } from "./domain/job-spec.js";
export { describeFailure, runJob, type JobDependencies, type JobResult } from "./domain/run-job.js";
