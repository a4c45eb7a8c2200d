import { expect } from "chai";
import { vocabularyOf } from "../src/domain/catalog.js";
import type { ChatTurn } from "../src/domain/conversation.js";
import { decideRoute, detectIntent, followUpQuestion, relevantHits, widenVocabulary, type Route } from "../src/domain/router.js";
import type { SearchHit } from "../src/domain/sources.js";
import { glossaryChunks, salesTable } from "./fixtures.js";

const vocabulary = widenVocabulary(vocabularyOf({ tables: [salesTable] }));
const hits: SearchHit[] = glossaryChunks.map((c, i) => ({ ...c, score: 0.9 - i / 10 }));

function routeOf(question: string, retrieved: SearchHit[] = hits): Route {
  const intent = detectIntent(question, vocabulary);
  const definitions = intent.data ? relevantHits(question, vocabulary, retrieved) : retrieved;
  return decideRoute(intent, definitions.length);
}

describe("agent-api: router", () => {
  const cases: [string, Route][] = [
    ["2+2等于几？", "chat"],
    ["Hello, who are you?", "chat"],
    ["How many planets are in the solar system?", "chat"],
    ["What is the total amount of sales?", "sql"],
    ["How many distinct customers are there?", "sql"],
    ["Which customer has the highest total amount?", "sql"],
    ["销售总额是多少？", "sql"],
    ["What is a key customer?", "rag"],
    ["根据文档，退款期限是什么？", "rag"],
    ["How many key customers are there?", "both"],
    ["有多少个大客户？", "both"],
    ["List the key customers and their total amount", "both"],
  ];
  for (const [question, expected] of cases) {
    it(`routes ${JSON.stringify(question)} to ${expected}`, () => {
      expect(routeOf(question)).to.equal(expected);
    });
  }

  it("falls back to SQL alone when no document defines the question's terms", () => {
    expect(routeOf("How many key customers are there?", [])).to.equal("sql");
    const unrelated = hits.filter((h) => h.chunk_id === "doc-7#1");
    expect(routeOf("How many key customers are there?", unrelated)).to.equal("sql");
  });

  it("keeps only chunks that mention a term the schema does not know", () => {
    const relevant = relevantHits("How many key customers are there?", vocabulary, hits);
    expect(relevant.map((h) => h.chunk_id)).to.deep.equal(["doc-7#0"]);
  });

  describe("follow-ups", () => {
    const afterData: ChatTurn[] = [
      { role: "user", content: "What is the total amount for customer 1001?" },
      { role: "assistant", content: "sum_amount = 699.98" },
    ];
    const afterChat: ChatTurn[] = [
      { role: "user", content: "Hello, who are you?" },
      { role: "assistant", content: "An assistant." },
    ];

    it("reads an elliptical question after a data question as a refinement of it", () => {
      for (const question of ["And for customer 1002?", "what about 1004?", "那 1002 呢？"]) {
        const followUp = followUpQuestion(question, afterData, vocabulary);
        expect(followUp, question).to.equal(`What is the total amount for customer 1001?\nFollow-up, which changes the question above: ${question}`);
        expect(detectIntent(followUp!, vocabulary).data, question).to.equal(true);
      }
    });

    it("leaves questions alone that stand on their own, follow small talk, or have no history", () => {
      expect(followUpQuestion("How many distinct customers are there?", afterData, vocabulary)).to.equal(undefined);
      expect(followUpQuestion("Tell me a joke about databases and their many tables please, a long one if you can", afterData, vocabulary)).to.equal(undefined);
      expect(followUpQuestion("And for customer 1002?", afterChat, vocabulary)).to.equal(undefined);
      expect(followUpQuestion("And for customer 1002?", [], vocabulary)).to.equal(undefined);
      expect(followUpQuestion("Thanks!", afterData, vocabulary)).to.equal(undefined);
    });
  });
});
