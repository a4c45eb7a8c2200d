import { expect } from "chai";
import { acceptanceJob, acceptanceOutcome } from "../src/index.js";

/** The marker line exactly as the acceptance Job's script prints it. */
const printedMarker = /echo '([^']+)'/.exec(
  acceptanceJob({ imageTag: "t", accelerator: { gpu: false, arch: "amd64" } }).spec!.template.spec!.containers[0]!.args![1]!,
)![1]!;

describe("acceptanceOutcome: verify's verdict from the Job's log and succeeded count", () => {
  const log = `summary line\n7 passed, 0 failed\n${printedMarker}\n<testsuites><testsuite name="x"/></testsuites>\n`;

  it("splits the summary from the JUnit at the marker the Job prints, and passes on a succeeded count", () => {
    expect(acceptanceOutcome(log, "1\n")).to.deep.equal({
      passed: true,
      summary: "summary line\n7 passed, 0 failed",
      junit: '<testsuites><testsuite name="x"/></testsuites>',
    });
  });

  it("fails on a zero or missing count, and keeps the whole log as the summary when no marker was printed", () => {
    expect(acceptanceOutcome(log, "0").passed).to.equal(false);
    expect(acceptanceOutcome(log, "").passed).to.equal(false);
    expect(acceptanceOutcome("pod never started\n", "0")).to.deep.equal({ passed: false, summary: "pod never started", junit: "" });
  });
});
