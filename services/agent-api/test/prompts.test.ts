import type { VectorSearchHit } from "@one-data/data-api-contract";
import { expect } from "chai";
import { fence, fenceRule } from "../src/domain/fence.js";
import { chatMessages, documentMessages, queryMessages } from "../src/domain/prompts.js";
import { glossaryChunks, injectionChunk, salesTable } from "./fixtures.js";

const hit = (c: typeof injectionChunk): VectorSearchHit => ({ ...c, score: 0.5 });

describe("agent-api: prompt builders", () => {
  it("fences content and neutralises fence markers inside it", () => {
    const fenced = fence("documents", injectionChunk.text);
    expect(fenced.startsWith("<<<DATA documents>>>\n")).to.equal(true);
    expect(fenced.endsWith("\n<<<END DATA>>>")).to.equal(true);
    expect(fenced.match(/<<<END DATA>>>/g)).to.have.length(1);
  });

  it("puts the schema, sample rows and definitions inside fences and the rule in the system prompt", () => {
    const messages = queryMessages({
      question: "How many key customers are there?",
      tables: [salesTable],
      definitions: [hit(glossaryChunks[0]!), hit(injectionChunk)],
      failures: [],
    });
    expect(messages[0]!.role).to.equal("system");
    expect(messages[0]!.content).to.include(fenceRule);
    const user = messages[1]!.content;
    const schemaBlock = user.slice(user.indexOf("<<<DATA table schemas>>>"), user.indexOf("<<<END DATA>>>") + 14);
    expect(schemaBlock).to.include("- customer_id (integer)");
    expect(schemaBlock).to.include('"amount":599.99');
    expect(schemaBlock).to.include("ds-001, version 1");
    const docBlock = user.slice(user.indexOf("<<<DATA documents>>>"));
    expect(docBlock).to.include("[1] glossary.md: Key customer");
    expect(docBlock).to.include("DROP TABLE");
    // The injected closing marker was neutralised: the question follows the only real end of the block.
    expect(docBlock.indexOf("<<<END DATA>>>")).to.be.greaterThan(docBlock.indexOf("DROP TABLE"));
    expect(user.trimEnd().endsWith("Question: How many key customers are there?")).to.equal(true);
  });

  it("feeds back each failed attempt with its reason", () => {
    const messages = queryMessages({
      question: "total?",
      tables: [salesTable],
      definitions: [],
      failures: [{ reply: '{"table":"x"}', problem: "table: invalid input" }],
    });
    expect(messages.slice(2)).to.deep.equal([
      { role: "assistant", content: '{"table":"x"}' },
      { role: "user", content: "That query could not be used: table: invalid input\nReply with a corrected JSON object only." },
    ]);
  });

  it("numbers document sources for citation and keeps history before the question", () => {
    const messages = documentMessages({
      question: "What is a key customer?",
      hits: glossaryChunks.map((c) => ({ ...c, score: 1 })),
      history: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ],
      language: "en",
    });
    expect(messages.map((m) => m.role)).to.deep.equal(["system", "user", "assistant", "user"]);
    expect(messages[3]!.content).to.include("[1] glossary.md: Key customer").and.include("[2] glossary.md: Refund");
    expect(messages[0]!.content).to.include("[1]").and.include(fenceRule);
  });

  it("answers chat in the question's language without naming it, which derails the small model", () => {
    expect(chatMessages([], "你好")[0]!.content).to.include("in the language of the question").and.not.include("Chinese");
    expect(chatMessages([], "hi").at(-1)).to.deep.equal({ role: "user", content: "hi" });
  });
});
