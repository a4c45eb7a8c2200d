import { expect } from "chai";
import { readFileSync } from "node:fs";
import { dataApiEnvSchema } from "../src/config.js";
import { buildOpenApiDocument } from "../src/openapi.js";

/**
 * The README's route and configuration tables are read by people, the schema
 * and the OpenAPI document by the code: these tests fail when the two drift.
 */
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The rows of the first table under `## heading`, as cells without their backticks. */
function tableUnder(heading: string): string[][] {
  const section = readme.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (section === undefined) throw new Error(`README has no section "## ${heading}"`);
  const rows = section.split("\n").filter((line) => line.startsWith("|"));
  return rows.slice(2).map((row) =>
    row
      .slice(1, -1)
      .split(" | ")
      .map((cell) => cell.trim().replace(/^`|`$/g, "")),
  );
}

/** What the schema does when a variable is unset: its default, "—" when optional, "required" otherwise. */
function documentedDefault(name: keyof typeof dataApiEnvSchema.shape): string {
  const unset = dataApiEnvSchema.shape[name].safeParse(undefined);
  if (!unset.success) return "required";
  return unset.data === undefined ? "—" : String(unset.data);
}

describe("data-api README", () => {
  it("lists every environment variable of the config schema, in its order, with the schema's default", () => {
    const documented = tableUnder("Configuration").map(([name, fallback]) => [name, fallback]);
    const names = Object.keys(dataApiEnvSchema.shape) as (keyof typeof dataApiEnvSchema.shape)[];
    expect(documented).to.deep.equal(names.map((name) => [name, documentedDefault(name)]));
  });

  it("lists every route of the served OpenAPI document, and no other", () => {
    const document = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(document.paths)
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, "").replace(/\{(\w+)\}/g, ":$1")}`),
      )
      .sort();
    const documented = tableUnder("Routes").map(([route]) => route!);
    expect([...documented].sort()).to.deep.equal(served);
  });
});
