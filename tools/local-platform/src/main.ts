#!/usr/bin/env node
/** `npm run platform -- <command>`: the local platform's CLI (usage in options.ts). */
import { checks, down, elsewhereHint, logs, PlatformError, sql, status, up } from "./platform.js";
import { StateDir } from "./state.js";
import { parseOptions, usage, UsageError, type Options } from "./options.js";
import { verifyLocal } from "./verify.js";

const print = (line: string) => console.log(line);

async function run(options: Options): Promise<number> {
  switch (options.command) {
    case "up":
      await up(options, print);
      return 0;
    case "down": {
      if ((await down(options, print)) === 0) {
        print(`nothing to stop in ${options.stateDir}: no process of the platform is recorded there`);
        print(elsewhereHint(new StateDir(options.stateDir), "down", process.env));
        return 1;
      }
      print("stopped (state kept; `up` starts it again, `up --fresh` starts empty)");
      return 0;
    }
    case "status": {
      const { record, rows } = await status(options);
      if (!record) {
        print(`no platform in ${options.stateDir}`);
        return 1;
      }
      print(`${"component".padEnd(11)}${"pid".padEnd(9)}${"endpoint".padEnd(34)}health`);
      for (const row of rows) {
        const health = !row.running
          ? "not running"
          : !row.healthy
            ? "unhealthy"
            : row.degraded.length > 0
              ? `degraded: ${row.degraded.join(", ")} unavailable`
              : "healthy";
        print(`${row.name.padEnd(11)}${String(row.pid ?? "-").padEnd(9)}${row.endpoint.padEnd(34)}${health}`);
      }
      return rows.every((r) => r.running && r.healthy && r.degraded.length === 0) ? 0 : 1;
    }
    case "logs":
      return logs(options, print);
    case "sql":
      return sql(options);
    case "checks":
      for (const line of checks(options)) print(line);
      return 0;
    case "verify":
      return verifyLocal(options, print);
  }
}

try {
  process.exitCode = await run(parseOptions(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${usage}`);
    process.exitCode = 2;
  } else if (error instanceof PlatformError) {
    console.error(`platform: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
