import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The README stays short enough to be read to the end, and no link in the
 * documentation points at a file, or a heading, that is not there: text moves
 * between README.md and docs/ and its links must move with it.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const readmeMaxLines = 160;
const readmeMaxLineLength = 200;

/** The documents whose links are checked: the README, docs/, and the parts' own READMEs. */
const documents = [
  "README.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  ".dagger/README.md",
  "test/acceptance/README.md",
  ...readdirSync(join(repoRoot, "services")).map((s) => `services/${s}/README.md`),
].filter((path) => existsSync(join(repoRoot, path)));

/** Text outside fenced code blocks, where `[x](y)` is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, "");
}

/** Targets of inline links and images, `[text](target)` and `![alt](target)`. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(markdown: string): Set<string> {
  return new Set([...prose(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => headingAnchor(m[1]!)));
}

/** Why a relative link of `fromFile` does not resolve, or undefined when it does. */
function brokenLink(fromFile: string, target: string): string | undefined {
  const [path = "", anchor] = target.split("#", 2);
  const file = path === "" ? join(repoRoot, fromFile) : resolve(dirname(join(repoRoot, fromFile)), decodeURIComponent(path));
  const inRepo = relative(repoRoot, file);
  if (inRepo.startsWith("..")) return `${target} leaves the repository`;
  if (!existsSync(file)) return `${target}: no such file ${inRepo}`;
  if (anchor !== undefined && file.endsWith(".md") && !anchorsOf(readFileSync(file, "utf8")).has(anchor)) {
    return `${target}: ${inRepo} has no heading #${anchor}`;
  }
  return undefined;
}

const isRelative = (target: string) => !/^[a-z][a-z0-9+.-]*:/i.test(target);

describe("documentation", () => {
  it(`README.md has at most ${readmeMaxLines} lines, none longer than ${readmeMaxLineLength} characters`, () => {
    const lines = readFileSync(join(repoRoot, "README.md"), "utf8").replace(/\n$/, "").split("\n");
    expect(lines.length, "README.md lines").to.be.at.most(readmeMaxLines);
    const long = lines.flatMap((line, i) =>
      [...line].length > readmeMaxLineLength ? [`line ${i + 1}: ${[...line].length} characters`] : [],
    );
    expect(long).to.deep.equal([]);
  });

  it("every relative link of the README, docs/ and the parts' READMEs resolves to a file (and heading) in the repository", () => {
    expect(documents).to.include.members(["README.md", "docs/verification.md", "services/data-api/README.md"]);
    const broken = documents.flatMap((doc) =>
      linkTargets(readFileSync(join(repoRoot, doc), "utf8"))
        .filter(isRelative)
        .flatMap((target) => {
          const problem = brokenLink(doc, target);
          return problem === undefined ? [] : [`${doc}: ${problem}`];
        }),
    );
    expect(broken).to.deep.equal([]);
  });

  it("finds links and images, skips code blocks, and makes GitHub's heading anchors", () => {
    const sample = "See [a](docs/a.md#x) and ![p](p.png).\n```sh\necho [no](link.md)\n```\n[b](https://example.org)";
    expect(linkTargets(sample)).to.deep.equal(["docs/a.md#x", "p.png", "https://example.org"]);
    expect(headingAnchor("Known gaps, in full")).to.equal("known-gaps-in-full");
    expect(headingAnchor("The local platform (`npm run platform`)")).to.equal("the-local-platform-npm-run-platform");
  });
});
