import { expect } from "chai";
import type { AcceptanceConfig } from "../src/config.js";
import { CheckFailure } from "../src/index.js";
import type { SuiteContext } from "../src/context.js";
import { askAgent } from "../src/platform-client.js";
import { startAgentApiDouble, type AgentApiDouble } from "../../doubles/agent-api-double.js";

/** The suite holds the agent's chat answers to the Agent API's contract, as it does the Data API's. */
describe("acceptance: askAgent parses the agent's answer with its contract", () => {
  let agent: AgentApiDouble | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  const ask = async (reshape?: (answer: Record<string, unknown>) => unknown) => {
    agent = await startAgentApiDouble(reshape);
    const ctx: SuiteContext = {
      config: {} as AcceptanceConfig,
      dataApi: "http://127.0.0.1:1",
      agentApi: agent.url,
      modelEndpoint: "http://127.0.0.1:1",
      requestTimeoutMs: 10_000,
    };
    return askAgent(ctx, "how many orders?");
  };
  const refusal = async (reshape: (answer: Record<string, unknown>) => unknown): Promise<CheckFailure> => {
    const error = await ask(reshape).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "askAgent accepted an answer that breaks the contract").to.be.instanceOf(CheckFailure);
    return error as CheckFailure;
  };

  it("returns an answer of the contract's shape", async () => {
    const answer = await ask();
    expect(answer.reply).to.equal("echo: how many orders?");
    expect(answer.route).to.equal("chat");
  });

  it("fails the check, naming the field, when a source is of another type", async () => {
    const error = await refusal((answer) => ({
      ...answer,
      route: "sql",
      sources: {
        sql: {
          sql: "SELECT COUNT(*) AS n FROM t",
          dataset_id: "ds-001",
          dataset_name: "sales",
          version: "1",
          table: "t",
          row_count: "1",
          truncated: false,
          columns: [{ name: "n", type: "integer" }],
          rows: [{ n: 5 }],
          attempts: 1,
        },
      },
    }));
    expect(error.message).to.match(/\/api\/v1\/chat: answer breaks the Agent API contract at sources\.sql\.row_count: /);
  });

  it("fails the check when the answer leaves out its route", async () => {
    const error = await refusal(({ route: _, ...rest }) => rest);
    expect(error.message).to.contain("answer breaks the Agent API contract at route");
  });

  it("fails the check when the route is not one the agent takes", async () => {
    const error = await refusal((answer) => ({ ...answer, route: "guess" }));
    expect(error.message).to.contain("answer breaks the Agent API contract at route");
  });
});
