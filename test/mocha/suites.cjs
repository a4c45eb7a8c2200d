/**
 * Which test files need the local servers (scripts/local/servers.sh) and which do not: the one list the mocha
 * configurations read. A server-free file touches no server, binary or environment variable of the local
 * servers, so it runs on a bare checkout after `npm ci` (CI's static job, `npm run test:unit`).
 */
const everything = [
  "packages/*/test/**/*.test.ts",
  ".dagger/topology/test/**/*.test.ts",
  "services/*/test/**/*.test.ts",
  "test/acceptance/test/**/*.test.ts",
  "tools/*/test/**/*.test.ts",
  "test/dagger-module/**/*.test.ts",
  "test/docs/**/*.test.ts",
];

const serverFree = [
  "packages/*/test/**/*.test.ts",
  ".dagger/topology/test/**/*.test.ts",
  "test/acceptance/test/**/*.test.ts",
  "test/dagger-module/**/*.test.ts",
  "test/docs/**/*.test.ts",
  "tools/local-platform/test/cli.test.ts",
  "services/model-server/test/turns.test.ts",
  "services/agent-api/test/answer.test.ts",
  "services/agent-api/test/config.test.ts",
  "services/agent-api/test/eval-questions.test.ts",
  "services/agent-api/test/plan.test.ts",
  "services/agent-api/test/prompts.test.ts",
  "services/agent-api/test/reply-guard.test.ts",
  "services/agent-api/test/router.test.ts",
  "services/agent-api/test/sql-compiler.test.ts",
  "services/agent-api/test/structured-query.test.ts",
  "services/agent-api/test/table-choice.test.ts",
  "services/data-api/test/config.test.ts",
  "services/data-api/test/inference-schema.test.ts",
  "services/data-api/test/inference-values.test.ts",
  "services/data-api/test/inference.test.ts",
  "services/data-api/test/knowledge-chunker.test.ts",
  "services/data-api/test/readme.test.ts",
  "services/data-api/test/sql-guard.test.ts",
  "services/model-jobs/test/job-pieces.test.ts",
];

const common = {
  "node-option": ["import=tsx", "conditions=source"],
  timeout: 30000,
  exit: true,
};

module.exports = { everything, serverFree, common };
