import { knowledgeFormats } from "./knowledge.js";
import { tabularFormats } from "./tabular.js";

/** Formats stored and served as objects only: registered so that the Model layer can fetch them, never parsed here. */
export const objectFormats = ["parquet", "json", "avro", "orc", "xlsx", "pdf"] as const;

/** Every format a registration may name; anything else is refused rather than stored under a name nobody reads. */
export const datasetFormats = [...tabularFormats, ...knowledgeFormats, ...objectFormats] as const;
