// `npm run test:servers`: the tests that need the local servers (see suites.cjs), with their environment sourced.
const { common, everything, serverFree } = require("./suites.cjs");

module.exports = { ...common, spec: everything, ignore: serverFree };
