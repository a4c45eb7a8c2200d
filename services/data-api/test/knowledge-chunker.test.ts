import { expect } from "chai";
import { chunkText } from "../src/domain/knowledge-chunker.js";

describe("knowledge chunking", () => {
  it("keeps chunks within the size, splits at headings and overlaps within a section", () => {
    const sentence = "大客户是订单总金额不少于五百的客户。";
    const text = `# A\n${sentence.repeat(10)}\n## B\nshort section.`;
    const chunks = chunkText(text, { size: 60, overlap: 20 });
    expect(chunks.every((chunk) => chunk.text.length <= 60)).to.equal(true);
    expect(chunks.map((chunk) => chunk.position)).to.deep.equal(chunks.map((_, i) => i));
    expect(chunks.at(-1)?.text).to.equal("## B\nshort section.");
    const [first, second] = chunks;
    expect(first?.text.endsWith(sentence)).to.equal(true);
    expect(second?.text.startsWith(sentence)).to.equal(true);
    expect(chunkText("   \n", { size: 60, overlap: 20 })).to.deep.equal([]);
  });

  it("keeps every sentence whole where a '.' sits inside a number or a name (1500.50, 2.5 万元, sales_data_v1.0)", () => {
    const sentence = "A key account spends at least 1500.50 yuan per month.";
    expect(chunkText(sentence, { size: 400, overlap: 80 }).map((chunk) => chunk.text)).to.deep.equal([sentence]);
    const text = [
      "# Terms",
      "奖金上限是 2.5 万元。The dataset sales_data_v1.0 has one row per order. Version 3.14.2 added refunds!",
      "Is 0.5 enough? Yes: see e.g. the glossary.",
    ].join("\n");
    const withoutSpace = (value: string) => value.replace(/\s+/g, "");
    for (const size of [50, 80, 400]) {
      const chunks = chunkText(text, { size, overlap: 0 });
      expect(
        chunks.every((chunk) => chunk.text.length <= size),
        `size ${size}`,
      ).to.equal(true);
      expect(withoutSpace(chunks.map((chunk) => chunk.text).join("")), `size ${size}`).to.equal(withoutSpace(text));
    }
    const overlapped = chunkText(text, { size: 80, overlap: 40 });
    expect(overlapped.some((chunk) => chunk.text.includes("sales_data_v1.0 has one row per order."))).to.equal(true);
    expect(overlapped.some((chunk) => chunk.text.includes("奖金上限是 2.5 万元。"))).to.equal(true);
  });

  it("keeps the bootstrap glossary's opening sentences in its first chunk", async () => {
    const { readFile } = await import("node:fs/promises");
    const glossary = await readFile(new URL("../bootstrap/glossary.md", import.meta.url), "utf8");
    const [first] = chunkText(glossary, { size: 400, overlap: 80 });
    expect(first?.text).to.contain("本术语表定义销售数据（数据集 sales_data_v1.0，");
    expect(first?.text).to.contain("This glossary defines the business terms used with the sales data (dataset sales_data_v1.0;");
  });
});

describe("knowledge chunking: sizes, overlaps, sections and line endings", () => {
  const texts = (text: string, size: number, overlap: number) => chunkText(text, { size, overlap }).map((chunk) => chunk.text);

  it("cuts a sentence longer than the chunk size at the size and keeps one that fits whole", () => {
    expect(texts("abcdefghij", 4, 0)).to.deep.equal(["abcd", "efgh", "ij"]);
    expect(texts("abcdefghij", 10, 0)).to.deep.equal(["abcdefghij"]);
  });

  // "Aa. Bb. Cc. Dd." is the sentences "Aa. ", "Bb. ", "Cc. " (4 characters each, with their space) and "Dd." (3).
  const cases: { size: number; overlap: number; chunks: string[]; why: string }[] = [
    { size: 15, overlap: 0, chunks: ["Aa. Bb. Cc. Dd."], why: "the whole text fits exactly" },
    { size: 14, overlap: 0, chunks: ["Aa. Bb. Cc.", "Dd."], why: "one character short: the last sentence moves on" },
    { size: 8, overlap: 0, chunks: ["Aa. Bb.", "Cc. Dd."], why: "no overlap asked for" },
    { size: 8, overlap: 3, chunks: ["Aa. Bb.", "Cc. Dd."], why: "an overlap shorter than a sentence carries nothing" },
    { size: 12, overlap: 4, chunks: ["Aa. Bb. Cc.", "Cc. Dd."], why: "an overlap of exactly one sentence carries it" },
    { size: 12, overlap: 8, chunks: ["Aa. Bb. Cc.", "Bb. Cc. Dd."], why: "two sentences carried, the later ones" },
    {
      size: 8,
      overlap: 8,
      chunks: ["Aa. Bb.", "Bb. Cc.", "Cc. Dd."],
      why: "carried sentences and the next one fill the size exactly, never more",
    },
  ];
  for (const { size, overlap, chunks, why } of cases) {
    it(`packs whole sentences up to size ${size} with overlap ${overlap}: ${why}`, () => {
      expect(texts("Aa. Bb. Cc. Dd.", size, overlap)).to.deep.equal(chunks);
    });
  }

  it("numbers chunks without gaps and drops the ones that are only white space", () => {
    // The first sentence is "Aa." with ten spaces; cut at 4 characters, two of its pieces are blank.
    expect(chunkText(`Aa.${" ".repeat(10)}Bb.`, { size: 4, overlap: 0 })).to.deep.equal([
      { position: 0, text: "Aa." },
      { position: 1, text: "Bb." },
    ]);
  });

  it("starts a section at a Markdown heading (one to six '#' and a space) and measures it without its blank lines", () => {
    expect(texts("intro\n# A\ndef", 400, 0)).to.deep.equal(["intro", "# A\ndef"]);
    expect(texts("# A\nx\n###### F\ny", 400, 0)).to.deep.equal(["# A\nx", "###### F\ny"]);
    expect(texts("# A\nx\n#hashtag\n####### seven", 400, 0)).to.deep.equal(["# A\nx\n#hashtag\n####### seven"]);
    // "# A\nfoo" is 7 characters; the blank line before the next heading does not count towards the size.
    expect(texts("# A\nfoo\n\n# B\nbar", 7, 0)).to.deep.equal(["# A\nfoo", "# B\nbar"]);
  });

  it("reads CR LF and a lone CR as a line break", () => {
    for (const [text, chunks] of [
      ["one\r\ntwo", ["one\ntwo"]],
      ["one\rtwo", ["one\ntwo"]],
      ["intro\r# A\r\ndef", ["intro", "# A\ndef"]],
    ] as const) {
      expect(texts(text, 400, 0), JSON.stringify(text)).to.deep.equal(chunks);
    }
  });
});
