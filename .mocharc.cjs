// `npm test`: every test, server-free and server-backed (see test/mocha/suites.cjs), in one run.
const { common, everything } = require("./test/mocha/suites.cjs");

module.exports = { ...common, spec: everything };
