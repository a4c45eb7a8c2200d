/**
 * The page at / in a real browser (Debian's chromium) over the agent with a
 * Data API double that holds more datasets than one page of the Data API's
 * list (100): the page must count them all, page through them and find one.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { startHarness, type Harness } from "../../../services/agent-api/test/harness.js";

const chromiumPath = "/usr/bin/chromium";
const registered = 242;
const datasets = Array.from({ length: registered }, (_, i) => ({
  dataset_id: `ds-${String(i + 1).padStart(3, "0")}`,
  name: `orders_${i + 1}`,
  version: 1,
  row_count: i,
  format: "csv",
  status: "active",
}));

describe("the page at / lists every dataset, past the Data API's page of 100 (chromium, Data API double)", function () {
  this.timeout(120_000);
  let h: Harness;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!existsSync(chromiumPath)) {
      console.log(`      ${chromiumPath} is not installed (scripts/local/install.sh all installs it): the page is not tested here`);
      this.skip();
    }
    h = await startHarness({ data: { tables: [], datasets } });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    page = await browser.newPage();
    await page.goto(`${h.url}/?lang=en`);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  const rows = () => page.locator("#datasets tbody tr");
  const ids = async () => (await rows().allInnerTexts()).map((text) => text.split(/\s/)[0]);

  it("shows the true total and the first page", async () => {
    await page.locator("#datasets-state", { hasText: `${registered} datasets` }).waitFor({ timeout: 30_000 });
    expect(await rows().count()).to.equal(100);
    expect((await ids())[0]).to.equal("ds-001");
    expect(await page.locator("#datasets-page").innerText()).to.equal(`1–100 of ${registered}`);
  });

  it("pages through to the last dataset and back", async () => {
    await page.click("#datasets-next");
    await page.click("#datasets-next");
    expect(await page.locator("#datasets-page").innerText()).to.equal(`201–${registered} of ${registered}`);
    expect(await ids()).to.deep.equal(datasets.slice(200).map((d) => d.dataset_id));
    expect(await page.locator("#datasets-next").isDisabled()).to.equal(true);
    await page.click("#datasets-prev");
    expect((await ids())[0]).to.equal("ds-101");
  });

  it("finds a dataset by name or id beyond the first page, and counts what matches", async () => {
    await page.fill("#datasets-filter", "orders_24");
    expect(await ids()).to.deep.equal(["ds-024", "ds-240", "ds-241", "ds-242"]);
    expect(await page.locator("#datasets-state").innerText()).to.equal(`4 of ${registered} datasets`);
    await page.fill("#datasets-filter", "DS-150");
    expect(await ids()).to.deep.equal(["ds-150"]);
    await page.fill("#datasets-filter", "");
    expect(await page.locator("#datasets-state").innerText()).to.equal(`${registered} datasets`);
    expect(await rows().count()).to.equal(100);
  });
});
