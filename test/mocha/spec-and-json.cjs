// Mocha's own spec reporter on the terminal and its own JSON reporter into the file named by the reporter option
// `json`, from one run: scripts/test.sh reads the totals from that file, not from the text.
const Mocha = require("mocha");

class SpecAndJson extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const output = options.reporterOption && options.reporterOption.json;
    if (!output) throw new Error("spec-and-json needs the file for its JSON: --reporter-option json=<file>");
    new Mocha.reporters.JSON(runner, { ...options, reporterOption: { output } });
  }
}

module.exports = SpecAndJson;
