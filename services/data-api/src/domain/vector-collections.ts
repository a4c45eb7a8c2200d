// Milvus VarChar lengths are in bytes; CJK characters take three.
export const maxTextBytes = 8192;

/** One collection per embedding model and dimension, so vectors of different spaces never mix. */
export function collectionName(prefix: string, model: string, dimension: number): string {
  return `${prefix}_${model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "")
    .slice(0, 160)}_${dimension}`;
}
