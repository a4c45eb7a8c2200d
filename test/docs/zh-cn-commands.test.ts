import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { afterDeployText, componentNames } from "@one-data/topology";

/**
 * README.zh-CN.md is for the seed's users; its commands are the English
 * README's: "The two commands" from README.md, the after-deploy commands
 * from README.md's "After deploy" section when it lists them, else from
 * docs/after-deploy.md, which that section links to.
 */
const repoRoot = resolve(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");

/** The text of the `## <title>` section, up to the next `## `; undefined when there is none. */
function section(markdown: string, title: string): string | undefined {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === `## ${title}`);
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) => i > start && line.startsWith("## "));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** Command lines of the section's ```sh blocks, comments dropped, spaces collapsed. */
function commands(text: string): string[] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
    block[1]!
      .split("\n")
      .map((line) =>
        line
          .replace(/\s+#.*$/, "")
          .replace(/\s+/g, " ")
          .trim(),
      )
      .filter(Boolean),
  );
}

function englishSection(title: string): string {
  const found = section(read("README.md"), title);
  if (found === undefined) throw new Error(`no "## ${title}" section in README.md`);
  return found;
}

function englishAfterDeploy(): string {
  const inReadme = section(read("README.md"), "After deploy");
  return inReadme !== undefined && commands(inReadme).length > 0 ? inReadme : read("docs/after-deploy.md");
}

describe("README.zh-CN.md: the English README's commands", () => {
  const zh = read("README.zh-CN.md");

  it('gives the two commands exactly as README.md\'s "The two commands"', () => {
    expect(commands(section(zh, "两条命令") ?? "")).to.deep.equal(commands(englishSection("The two commands")));
  });

  it('gives the after-deploy commands exactly as the English "After deploy" section', () => {
    const english = commands(englishAfterDeploy());
    expect(english.length, "the English section has commands").to.be.greaterThan(3);
    expect(commands(section(zh, "部署之后") ?? "")).to.deep.equal(english);
  });

  it("lists every command deploy prints at its end (afterDeployText) in the English after-deploy commands", () => {
    const english = commands(englishAfterDeploy());
    const printed = afterDeployText("kind")
      .split("\n")
      .filter((line) => line.trim().startsWith("dagger call"))
      .map((line) => line.trim().split(/\s{2,}/)[0]!);
    expect(printed.length).to.be.greaterThan(4);
    const missing = printed.filter((command) => !english.includes(command) && command !== "dagger call verify");
    expect(missing).to.deep.equal([]);
  });

  it("names the components `logs` takes as the topology does, in both languages", () => {
    expect(section(zh, "部署之后")?.replace(/\s+/g, "")).to.include(componentNames.join("、"));
    expect(englishAfterDeploy().replace(/\s+/g, " ")).to.include(componentNames.join(", "));
  });
});
