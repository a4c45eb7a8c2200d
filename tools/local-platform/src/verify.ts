import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Options } from "./options.js";
import { PlatformError, repoRoot, status } from "./platform.js";

/**
 * `npm run verify -- --local`: the acceptance suite (the same code, table and
 * JUnit report `dagger call verify` runs in the cluster) against the platform
 * `npm run platform -- up` started. With the bundled 135M model, wrong answers
 * are recorded rather than failed (it is too small to answer them), unless --strict;
 * plumbing faults fail either way.
 */
export async function verifyLocal(options: Options, print: (line: string) => void): Promise<number> {
  if (!options.local)
    throw new PlatformError("`npm run verify -- --local` checks the local platform; against a cluster, run `dagger call verify`");
  const { record, rows } = await status(options);
  if (!record) throw new PlatformError(`no platform in ${options.stateDir}: run \`npm run platform -- up\` first`);
  const down = rows.filter((r) => !r.running || !r.healthy).map((r) => r.name);
  if (down.length > 0) throw new PlatformError(`not healthy: ${down.join(", ")} (npm run platform -- status)`);
  const tolerate = record.model.kind === "local" && !options.strict;
  const reportDir = join(options.stateDir, "acceptance");
  mkdirSync(reportDir, { recursive: true });
  const junit = join(reportDir, "junit.xml");
  if (tolerate)
    print(
      "the bundled small model answers many questions wrongly: wrong answers are recorded, plumbing faults fail (--strict to fail on both)",
    );
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", join(repoRoot, "test/acceptance/src/main.ts")], {
    cwd: repoRoot,
    stdio: "inherit",
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_API_URL: `http://127.0.0.1:${record.ports["data-api"]}`,
      AGENT_API_URL: `http://127.0.0.1:${record.ports["agent-api"]}`,
      MODEL_ENDPOINT: record.model.endpoint,
      EXPECTED_MODEL_ID: record.model.name ?? "",
      ACCEPTANCE_TOLERATE_WRONG_ANSWERS: String(tolerate),
      ACCEPTANCE_JUNIT_PATH: junit,
      ACCEPTANCE_LABEL: "local-platform",
    },
  });
  const code = await new Promise<number>((resolve) => child.once("exit", (c) => resolve(c ?? 1)));
  print(`JUnit: ${junit}`);
  return code;
}
