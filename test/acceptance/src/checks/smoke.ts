import { WrongAnswer, expectEqual, expectThat, show, type Check } from "../check.js";
import type { SuiteContext } from "../context.js";
import { requestJson } from "../http.js";
import { askAgent, listModels } from "../platform-client.js";

/** The seed's own smoke checks, on the right ports and paths, with real assertions. */

/**
 * The Data API's readiness read as the kubelet reads a readiness probe with a
 * failure threshold: one "not ready" answer (a dependency slow to answer on a
 * busy node) is not an outage; three in a row are, and the last one's reason
 * is the check's failure.
 */
const readinessAnswers = 3;
const readinessPauseMs = 2_000;

async function dataApiReady(ctx: SuiteContext): Promise<void> {
  for (let answer = 1; ; answer++) {
    try {
      const ready = await requestJson<{ code: number }>("GET", `${ctx.dataApi}/api/v1/ready`, { timeoutMs: ctx.requestTimeoutMs });
      expectEqual("data-api /api/v1/ready code", 0, ready.body.code);
      return;
    } catch (error) {
      if (answer >= readinessAnswers) throw error;
      await new Promise((resolve) => setTimeout(resolve, readinessPauseMs));
    }
  }
}

export const everyHealthEndpoint: Check<SuiteContext> = {
  id: "smoke.health",
  title: "every health endpoint reports healthy",
  integration: "smoke",
  timeoutMs: 30_000,
  async run(ctx) {
    const timeoutMs = ctx.requestTimeoutMs;
    const data = await requestJson<{ code: number; message: string }>("GET", `${ctx.dataApi}/api/v1/health`, { timeoutMs });
    expectEqual("data-api /api/v1/health", { code: 0, message: "healthy" }, { code: data.body.code, message: data.body.message });
    await dataApiReady(ctx);
    const agent = await requestJson<{ code: number; message: string }>("GET", `${ctx.agentApi}/api/v1/health`, { timeoutMs });
    expectEqual("agent-api /api/v1/health", { code: 0, message: "healthy" }, { code: agent.body.code, message: agent.body.message });
    const models = await listModels(ctx);
    return `data-api healthy and ready, agent-api healthy, model serves ${models.length} model(s)`;
  },
};

export const modelListHasDeployedModel: Check<SuiteContext> = {
  id: "smoke.models",
  title: "the model list contains the deployed model id",
  integration: "smoke",
  timeoutMs: 30_000,
  async run(ctx) {
    const models = await listModels(ctx);
    expectThat(
      models.includes(ctx.config.EXPECTED_MODEL_ID),
      `${ctx.modelEndpoint}/v1/models lists ${show(models)}, not ${ctx.config.EXPECTED_MODEL_ID}`,
    );
    return `${ctx.modelEndpoint}/v1/models lists ${models.join(", ")}`;
  },
};

export const arithmetic: Check<SuiteContext> = {
  id: "smoke.arithmetic",
  title: '"2+2等于几？" gets a reply containing 4',
  integration: "smoke",
  timeoutMs: 180_000,
  async run(ctx) {
    const answer = await askAgent(ctx, "2+2等于几？");
    if (!/(^|[^0-9])4([^0-9]|$)|四/.test(answer.reply)) throw new WrongAnswer("reply to 2+2等于几？", "a reply containing 4", answer.reply);
    return `reply: ${show(answer.reply)}`;
  },
};
