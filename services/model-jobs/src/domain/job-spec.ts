import { z } from "zod";

/** What one run of the batch job does; read from the command line. */
export const jobSpecSchema = z.object({
  datasetId: z.string().min(1, "--dataset is required"),
  version: z.coerce.number().int().min(1).optional(),
  prompt: z.string().trim().min(1, "--prompt is required"),
  /** Send only this column's value; without it, each whole row is sent as JSON. */
  column: z.string().min(1).optional(),
  outputColumn: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a plain column name")
    .default("model_output"),
  /** Registered name of the derived dataset; derived from the inputs when absent (see derivedName). */
  outputName: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, "letters, digits, _ . - only")
    .optional(),
  concurrency: z.coerce.number().int().min(1).max(64).default(4),
  progressEvery: z.coerce.number().int().min(1).default(50),
  maxTokens: z.coerce.number().int().min(1).max(4096).default(128),
  temperature: z.coerce.number().min(0).max(2).default(0),
  /** Process only the first N rows (a trial run). */
  limit: z.coerce.number().int().min(1).optional(),
});

export type JobSpec = z.infer<typeof jobSpecSchema>;
