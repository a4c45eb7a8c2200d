/**
 * llama.cpp's JSON-schema grammar, as node-llama-cpp exposes it, knows `oneOf`
 * but not `anyOf`, and treats keywords it does not know as "any value": an
 * OpenAI-style schema with `anyOf` would come back unenforced (the model may
 * answer `null`). For generation the two mean the same (the output matches one
 * of the branches), so `anyOf` is rewritten to `oneOf`. Keywords that shape the
 * output but cannot be expressed as a grammar are refused instead of ignored.
 */
const unsupported = ["allOf", "not", "if", "then", "else", "patternProperties", "dependentSchemas", "dependentRequired"];

class UnenforceableSchemaError extends Error {}

export function toGrammarSchema(schema: unknown, path = "schema"): unknown {
  if (Array.isArray(schema)) return schema.map((item, i) => toGrammarSchema(item, `${path}[${i}]`));
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (unsupported.includes(key)) throw new UnenforceableSchemaError(`${path}.${key} cannot be enforced by a grammar`);
    // Values of `const`, `enum` and `default` are data, not schemas: keep them as they are.
    const isData = key === "const" || key === "enum" || key === "default" || key === "examples";
    out[key === "anyOf" ? "oneOf" : key] = isData ? value : toGrammarSchema(value, `${path}.${key}`);
  }
  return out;
}
