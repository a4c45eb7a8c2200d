import { expect } from "chai";
import { createLogger } from "@one-data/platform";
import { DataApiClient } from "../src/adapters/data-api-client.js";
import { ModelClient } from "../src/adapters/model-client.js";
import { JobError } from "../src/domain/errors.js";
import { jobSpecSchema } from "../src/domain/job-spec.js";
import { runJob, type JobDependencies } from "../src/domain/run-job.js";
import { bootstrapSalesData } from "../../data-api/src/bootstrap.js";
import { startHarness, uploadForm, type Harness } from "../../data-api/test/support/harness.js";
import { OpenAiDouble } from "../../../test/doubles/openai-double.js";
import { requireEnv } from "../../../test/support/testkit.js";

/** The batch job end to end against the real Data API (MariaDB + MinIO) and a scripted model. */
describe("model-jobs: a dataset through the model into a derived dataset", function () {
  this.timeout(60_000);
  let h: Harness;
  let model: OpenAiDouble;
  let sourceId: string;
  const log = createLogger("model-jobs-test", "silent");

  before(async () => {
    h = await startHarness();
    model = await OpenAiDouble.start({ modelName: "double-chat" });
    sourceId = (await bootstrapSalesData(h.deps)).dataset.dataset_id;
  });
  after(async () => {
    await model?.close();
    await h?.stop();
  });
  afterEach(() => model.reset());

  function deps(endpoint = model.url, modelName?: string): JobDependencies {
    return {
      dataApi: new DataApiClient(h.server.url, 10_000),
      model: new ModelClient({ endpoint, timeoutMs: 30_000, maxRetries: 2 }),
      modelName,
      downloadTimeoutMs: 10_000,
      log,
    };
  }

  it("registers the outputs with lineage and row count, and a re-run does not register them again", async () => {
    model.onChat(
      () => true,
      (request) => ({ content: Number(request.lastUserText) >= 500 ? "large" : "small" }),
    );
    model.fail({ path: "/v1/chat/completions", status: 503, times: 1 });
    const spec = jobSpecSchema.parse({
      datasetId: sourceId,
      prompt: "Is this order amount large or small?",
      column: "amount",
      concurrency: 2,
      progressEvery: 2,
    });

    const first = await runJob(spec, deps());
    expect(first.status).to.equal("created");
    expect(first.rows).to.equal(5);
    expect(first.output.derived_from).to.deep.equal({ dataset_id: sourceId, version: 1 });
    expect(first.output.row_count).to.equal(5);
    expect(first.output.format).to.equal("csv");
    expect(model.chatRequests()).to.have.length(6);

    const registered = await new DataApiClient(h.server.url, 10_000).getDataset(first.output.dataset_id);
    expect(registered.derived_from).to.deep.equal({ dataset_id: sourceId, version: 1 });
    const url = await new DataApiClient(h.server.url, 10_000).downloadUrl(first.output.dataset_id);
    const csv = await (await fetch(url)).text();
    expect(csv.trim().split("\n")).to.deep.equal([
      "id,customer_id,amount,created_at,model_output",
      "1,1001,299.99,2024-01-01T10:00:00Z,small",
      "2,1002,599.99,2024-01-01T11:00:00Z,large",
      "3,1003,199.99,2024-01-02T09:00:00Z,small",
      "4,1001,399.99,2024-01-02T14:00:00Z,small",
      "5,1004,799.99,2024-01-03T16:00:00Z,large",
    ]);

    model.reset();
    const again = await runJob(spec, deps());
    expect(again.status).to.equal("already_done");
    expect(again.output.dataset_id).to.equal(first.output.dataset_id);
    expect(model.chatRequests()).to.have.length(0);
  });

  it("registers nothing when a row keeps failing", async () => {
    model.fail({ path: "/v1/chat/completions", status: 500, times: 100 });
    const spec = jobSpecSchema.parse({ datasetId: sourceId, prompt: "doomed", concurrency: 1 });
    const failure = await runJob(spec, deps()).catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(JobError);
    expect((failure as JobError).reason).to.equal("dependency");
    const all = (await (await fetch(`${h.server.url}/api/v1/datasets`)).json()) as { data: { description?: string }[] };
    expect(all.data.filter((d) => (d.description ?? "").includes("doomed"))).to.deep.equal([]);
  });

  it("says clearly when the dataset is unknown or not tabular", async () => {
    const unknown = await runJob(jobSpecSchema.parse({ datasetId: "ds-999", prompt: "p" }), deps()).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(JobError);
    expect((unknown as JobError).reason).to.equal("not_found");
    expect((unknown as JobError).message).to.match(/ds-999 is not registered/);

    const text = await uploadForm(
      h.url,
      { name: "notes", format: "text" },
      { name: "notes.txt", content: "just prose\n", type: "text/plain" },
    );
    const textId = (text.body.data as { dataset_id: string }).dataset_id;
    const notTabular = await runJob(jobSpecSchema.parse({ datasetId: textId, prompt: "p" }), deps()).catch((e: unknown) => e);
    expect((notTabular as JobError).reason).to.equal("not_tabular");
    expect((notTabular as JobError).message).to.match(/format "text", which is not tabular/);

    const badColumn = await runJob(jobSpecSchema.parse({ datasetId: sourceId, prompt: "p", column: "nope" }), deps()).catch(
      (e: unknown) => e,
    );
    expect((badColumn as JobError).message).to.match(/column "nope" is not in dataset .*customer_id/);
  });

  it("runs rows through the real small model", async function () {
    const endpoint = requireEnv("MODEL_ENDPOINT");
    const spec = jobSpecSchema.parse({ datasetId: sourceId, prompt: "Describe this order in a few words.", limit: 2, maxTokens: 12 });
    const result = await runJob(spec, deps(endpoint, process.env.MODEL_NAME));
    expect(result.status).to.equal("created");
    expect(result.output.row_count).to.equal(2);
    expect(result.output.derived_from).to.deep.equal({ dataset_id: sourceId, version: 1 });
    const csv = await (await fetch(await new DataApiClient(h.server.url, 10_000).downloadUrl(result.output.dataset_id))).text();
    const lines = csv.trim().split("\n");
    expect(lines[0]).to.equal("id,customer_id,amount,created_at,model_output");
    expect(lines.length).to.be.at.least(3);
  });
});
