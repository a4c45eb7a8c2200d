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
      expect(chunks.every((chunk) => chunk.text.length <= size), `size ${size}`).to.equal(true);
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
