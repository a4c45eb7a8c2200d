/**
 * Stands in for the runtime's `src/__dagger.entrypoint.ts` in the assembled
 * runtime layout: lists the module's files the way that entrypoint does,
 * then does what the SDK's entrypoint does for a call — `scan` (which imports
 * every file), `load`, `invoke` — with the SDK's own functions, for
 * `OneDataStudio.plan` called as `dagger call plan --env=kind` would call it.
 * The engine is replaced by a GraphQL client that fails every request and
 * records it: `plan` must not need one.
 */
import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";

const sdk = process.env["DAGGER_SDK_DIST"]!;
const moduleName = process.env["DAGGER_MODULE_NAME"]!;
const fnName = process.env["DAGGER_FUNCTION"]!;
const fnArgs = JSON.parse(process.env["DAGGER_FUNCTION_ARGS"] ?? "{}") as Record<string, unknown>;
const parentArgs = JSON.parse(process.env["DAGGER_PARENT_ARGS"] ?? "{}") as Record<string, unknown>;

type Scanned = { objects: Record<string, unknown> };

function listTsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listTsFiles(path);
    return [".ts", ".mts"].includes(extname(path)) ? [path] : [];
  });
}

/** Field names from the outermost selection inwards, for a query that selects one chain (`{ a { b { id } } }`). */
function selectionPath(query: string): string[] {
  let text = query.replace(/"(?:\\.|[^"\\])*"/g, '""').replace(/\.\.\.\s*on\s+\w+/g, "");
  while (/\([^()]*\)/.test(text)) text = text.replace(/\([^()]*\)/g, "");
  return [...text.matchAll(/[A-Za-z_]\w*/g)].map((m) => m[0]);
}

// No top-level await: `scan` imports this file too, as the real entrypoint's does.
async function main(): Promise<void> {
  const { globalConnection } = (await import(join(sdk, "common/graphql/connection.js"))) as {
    globalConnection: { setGQLClient(client: unknown): void };
  };
  const { GraphQLClient } = (await import(join(sdk, "index.js"))) as { GraphQLClient: new (url: string, opts: object) => unknown };
  const { scan } = (await import(join(sdk, "module/introspector/index.js"))) as { scan(files: string[], name: string): Promise<Scanned> };
  const { load } = (await import(join(sdk, "module/entrypoint/load.js"))) as { load(files: string[]): Promise<unknown[]> };
  const { invoke } = (await import(join(sdk, "module/entrypoint/invoke.js"))) as {
    invoke(executor: unknown, module: Scanned, ctx: object): Promise<unknown>;
  };
  const { Executor } = (await import(join(sdk, "module/executor.js"))) as {
    Executor: new (modules: unknown[], module: Scanned) => unknown;
  };

  const engineRequests: string[] = [];
  let ids = 0;
  globalConnection.setGQLClient(
    new GraphQLClient("http://127.0.0.1:9/query", {
      fetch: async (_url: unknown, init?: { body?: unknown }) => {
        const body = String(init?.body ?? "");
        engineRequests.push(body);
        // The SDK asks for the ID of an object it passes as an argument; such a request is answered
        // with a made-up ID in the shape the query asked for. Anything else finds no engine.
        const path = selectionPath((JSON.parse(body) as { query: string }).query);
        if (path.at(-1) !== "id") throw new Error("no Dagger engine in this test: the function sent a request");
        const data = path.reduceRight<unknown>((inner, field) => ({ [field]: inner }), `id-from-the-double-${++ids}`);
        return new Response(JSON.stringify({ data }), {
          headers: { "content-type": "application/json" },
        });
      },
    }),
  );

  const files = [...listTsFiles(import.meta.dirname), join(import.meta.dirname, "../sdk/client.gen.ts")];
  const scanned = await scan(files, moduleName);
  const executor = new Executor(await load(files), scanned);
  let result: unknown;
  let error: string | undefined;
  try {
    result = await invoke(executor, scanned, { parentName: "OneDataStudio", fnName, parentArgs, fnArgs });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  console.log(`----- runtime-entry result -----\n${JSON.stringify({ result, error, engineRequests, files: files.length })}`);
}

void main();
