import type { VectorSearchHit } from "@one-data/data-api-contract";
import { expect } from "chai";
import { vocabularyOf } from "../src/domain/catalog.js";
import type { ChatTurn } from "../src/domain/conversation.js";
import {
  decideRoute,
  detectIntent,
  followUpQuestion,
  hasDataCue,
  questionTokens,
  relevantHits,
  salientTerms,
  widenVocabulary,
  type Route,
} from "../src/domain/router.js";
import { glossaryChunks, salesTable } from "./fixtures.js";

const vocabulary = widenVocabulary(vocabularyOf({ tables: [salesTable] }));
const hits: VectorSearchHit[] = glossaryChunks.map((c, i) => ({ ...c, score: 0.9 - i / 10 }));

function routeOf(question: string, retrieved: VectorSearchHit[] = hits): Route {
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
    // About the data's future: the planner declines it with no figure; plain chat would let the model invent one.
    ["What will the amount of sales be next year?", "sql"],
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
    // One of the question's terms is enough for a chunk to be a candidate definition.
    const oneOfTwo = relevantHits("How many key customers are there in zone 5?", vocabulary, hits);
    expect(oneOfTwo.map((h) => h.chunk_id)).to.deep.equal(["doc-7#0"]);
  });

  it("drops a plural 's' only from longer all-letter words that do not end in 'ss'", () => {
    const cases: [string, string[]][] = [
      ["customers", ["customer"]],
      ["sales", ["sale"]],
      // three letters is too short to be a plural worth folding
      ["ids", ["ids"]],
      // "ss" is not a plural ending
      ["address", ["address"]],
      // a word with digits in it is a name, not an English plural
      ["v2items", ["v2items"]],
    ];
    for (const [question, tokens] of cases) expect(questionTokens(question), question).to.deep.equal(tokens);
  });

  it("widens the schema vocabulary with the translations of known business words only", () => {
    expect(widenVocabulary(["customers", "amount"])).to.deep.equal(new Set(["customer", "客户", "顾客", "amount", "金额"]));
    expect(widenVocabulary(["ds_001_v1"])).to.deep.equal(new Set(["ds_001_v1"]));
  });

  it("takes as salient terms the words that are neither schema names, function words nor plain numbers", () => {
    // "customers" is the schema's customer, "of"/"in"/"and" are function words, 1002 is a number;
    // "v2" and "3d" carry digits but are words, so a document may define them.
    expect(salientTerms("key customers of 1002 in v2 and 3d", vocabulary)).to.deep.equal(["key", "v2", "3d"]);
  });

  it("splits Chinese into words, so question words and punctuation never reach the salient terms", () => {
    // "大客户" is the document's term; 有, 多少个 and the question mark are the question's grammar.
    expect(salientTerms("有多少个大客户？", vocabulary)).to.deep.equal(["大"]);
    expect(salientTerms("销售总额是多少？", vocabulary)).to.deep.equal([]);
    expect(questionTokens("客户1002的总额是多少")).to.deep.equal(["客户", "1002", "总额", "多少"]);
  });

  it("sees a request for figures whatever the question names, in any letter case", () => {
    const cases: [string, boolean][] = [
      ["How many planets are in the solar system?", true],
      ["HOW MANY PLANETS?", true],
      ["有多少颗行星？", true],
      ["Hello, who are you?", false],
    ];
    for (const [question, expected] of cases) expect(hasDataCue(question), question).to.equal(expected);
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
        expect(followUp, question).to.equal(
          `What is the total amount for customer 1001?\nFollow-up, which changes the question above: ${question}`,
        );
        expect(detectIntent(followUp!, vocabulary).data, question).to.equal(true);
      }
    });

    it("leaves questions alone that stand on their own, follow small talk, or have no history", () => {
      expect(followUpQuestion("How many distinct customers are there?", afterData, vocabulary)).to.equal(undefined);
      expect(
        followUpQuestion("Tell me a joke about databases and their many tables please, a long one if you can", afterData, vocabulary),
      ).to.equal(undefined);
      expect(followUpQuestion("And for customer 1002?", afterChat, vocabulary)).to.equal(undefined);
      expect(followUpQuestion("And for customer 1002?", [], vocabulary)).to.equal(undefined);
      expect(followUpQuestion("Thanks!", afterData, vocabulary)).to.equal(undefined);
    });

    it("leaves a follow-up cue alone when the question is a data question of its own", () => {
      expect(followUpQuestion("And how many distinct customers are there?", afterData, vocabulary)).to.equal(undefined);
    });

    it("reads at most twelve words as a follow-up", () => {
      const twelve = "And what about customer 1002 and customer 1003 and customer 1004 too?";
      expect(followUpQuestion(twelve, afterData, vocabulary)).to.equal(
        `${afterData[0]!.content}\nFollow-up, which changes the question above: ${twelve}`,
      );
      const thirteen = "And what about customer 1002 and customer 1003 and customer 1004 and 1005?";
      expect(followUpQuestion(thirteen, afterData, vocabulary)).to.equal(undefined);
    });

    it("refines the latest question the user asked, both trimmed", () => {
      const history: ChatTurn[] = [
        { role: "user", content: "Hello, who are you?" },
        { role: "assistant", content: "An assistant." },
        { role: "user", content: "  What is the total amount for customer 1001?\n" },
        { role: "assistant", content: "sum_amount = 699.98" },
      ];
      expect(followUpQuestion(" And for customer 1002? ", history, vocabulary)).to.equal(
        "What is the total amount for customer 1001?\nFollow-up, which changes the question above: And for customer 1002?",
      );
    });
  });
});
