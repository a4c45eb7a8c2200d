import type { Dataset } from "@one-data/data-api-contract";
import { expect } from "chai";
import { requireEnv } from "../../../test/support/testkit.js";
import { call, startHarness, uploadForm, type Harness } from "./support/harness.js";
import { TcpSwitch } from "./support/tcp-switch.js";

/**
 * The presigned download URL as MinIO sees it: signed for S3_PUBLIC_ENDPOINT
 * (here a forwarder on a second loopback address, standing in for the
 * address clients outside the cluster use), valid for
 * DOWNLOAD_URL_TTL_SECONDS by the URL's own X-Amz-Expires, and refused by
 * MinIO once that has passed.
 */
const csv = "city,total\nBeijing,12.5\nShanghai,7\n";
const ttlSeconds = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("data-api: presigned download URL for the public endpoint, with its own expiry", function () {
  this.timeout(60_000);
  let h: Harness;
  let publicEndpoint: TcpSwitch;
  let dataset: Dataset;

  before(async () => {
    const minio = new URL(requireEnv("S3_ENDPOINT"));
    publicEndpoint = new TcpSwitch(minio.hostname, Number(minio.port), "127.0.0.2");
    await publicEndpoint.up();
    h = await startHarness({
      S3_PUBLIC_ENDPOINT: `http://${publicEndpoint.listenHost}:${publicEndpoint.port}`,
      DOWNLOAD_URL_TTL_SECONDS: String(ttlSeconds),
    });
    const res = await uploadForm(h.url, { name: "city_totals", format: "csv" }, { name: "city.csv", content: csv });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    dataset = res.body.data as Dataset;
  });

  after(async () => {
    await h?.stop();
    await publicEndpoint?.down();
  });

  const presign = async () => {
    const res = await call<{ url: string; expires_in: number }>(`${h.url}/datasets/${dataset.dataset_id}/download`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return { url: new URL(res.body.data!.url), expiresIn: res.body.data!.expires_in };
  };

  it("names the public endpoint in the URL, and the download through it works", async () => {
    const { url } = await presign();
    expect(url.origin).to.equal(h.config.S3_PUBLIC_ENDPOINT);
    expect(url.pathname.startsWith(`/${h.config.S3_BUCKET}/uploads/`), url.pathname).to.equal(true);
    const object = await fetch(url);
    expect(object.status).to.equal(200);
    expect(await object.text()).to.equal(csv);
    // Signed for the public host: the same URL sent to the internal endpoint does not verify.
    const internal = new URL(url);
    internal.host = new URL(h.config.S3_ENDPOINT).host;
    expect((await fetch(internal)).status).to.equal(403);
  });

  it("expires after DOWNLOAD_URL_TTL_SECONDS by the URL's own X-Amz-Expires, and MinIO refuses it afterwards", async () => {
    const { url, expiresIn } = await presign();
    expect(expiresIn).to.equal(ttlSeconds);
    expect(url.searchParams.get("X-Amz-Expires")).to.equal(String(ttlSeconds));
    const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(url.searchParams.get("X-Amz-Date") ?? "");
    expect(signedAt, `X-Amz-Date of ${url}`).to.not.equal(null);
    const [, y, mo, d, hh, mm, ss] = signedAt!.map(Number);
    const signedMs = Date.UTC(y!, mo! - 1, d!, hh!, mm!, ss!);
    expect(Math.abs(signedMs - Date.now())).to.be.lessThan(60_000);
    await sleep(Math.max(0, signedMs + (ttlSeconds + 2) * 1000 - Date.now()));
    expect((await fetch(url)).status).to.equal(403);
  });
});
