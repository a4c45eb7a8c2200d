import { z } from "zod";

/**
 * What the Data API's dataset routes take, which the Agent API passes on for
 * the page: written once, enforced and documented by both.
 */

/** Dataset ids look like the seed's, `ds-001`, growing past three digits when needed. */
export const datasetIdPattern = /^ds-\d{3,12}$/;

export const datasetIdSchema = z.string().regex(datasetIdPattern).meta({ description: "dataset id, e.g. ds-001", example: "ds-001" });

/**
 * An integer query parameter, coerced from its text; a key given without a
 * value (`?limit=`) is refused rather than read as 0.
 */
export function queryInt(min: number, max?: number) {
  const number = z.coerce.number().int().min(min);
  return z.preprocess((value) => (value === "" ? Number.NaN : value), max === undefined ? number : number.max(max));
}

/** The dataset list's paging: 100 a page unless asked, at most 1,000. */
export const datasetListQuery = z.object({
  name: z.string().min(1).max(255).optional(),
  limit: queryInt(1, 1000).default(100),
  offset: queryInt(0).default(0),
});
