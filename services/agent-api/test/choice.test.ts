import { expect } from "chai";
import { createModelClient } from "../src/adapters/model-client.js";
import { choiceMessages, choiceSchema, pickedOption } from "../src/domain/plan/choice.js";
import { realModelDeadlineMs, requireEnv } from "../../../test/support/testkit.js";

describe("agent-api: one open decision as a constrained pick", function () {
  this.timeout(2 * realModelDeadlineMs + 30_000);
  const choice = { decision: "the numeric column the question measures", options: ["quantity", "amount", "unit_price"] };

  it("reads a pick only when it is one of the options", () => {
    expect(pickedOption('{"choice": "amount"}', choice)).to.equal("amount");
    expect(pickedOption('Sure: {"choice":"quantity"}', choice)).to.equal("quantity");
    expect(pickedOption('{"choice": "price"}', choice)).to.equal(undefined);
    expect(pickedOption("amount", choice)).to.equal(undefined);
    expect(choiceSchema(choice).schema).to.deep.include({ required: ["choice"], additionalProperties: false });
  });

  it("gets one of the options from the real small model, whose server enforces the enum of the JSON schema", async () => {
    const model = createModelClient({
      endpoint: requireEnv("MODEL_ENDPOINT"),
      name: process.env.MODEL_NAME,
      apiKey: undefined,
      timeoutMs: realModelDeadlineMs,
    });
    for (const question of ["What is the total amount of the orders?", "订单的总数量是多少？"]) {
      const reply = await model.complete({
        messages: choiceMessages(question, choice),
        jsonSchema: choiceSchema(choice),
        temperature: 0,
        maxTokens: 64,
      });
      expect(pickedOption(reply, choice), reply).to.be.oneOf(choice.options);
    }
  });
});
