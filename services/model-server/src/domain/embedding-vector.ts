/**
 * OpenAI's embeddings are unit vectors, so inner product and cosine agree;
 * clients (and the Milvus index) may rely on that.
 */
export function normalize(vector: readonly number[]): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  return norm === 0 ? [...vector] : vector.map((value) => value / norm);
}

/** `encoding_format: "base64"` (the openai SDK's default): little-endian float32. */
export function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}
