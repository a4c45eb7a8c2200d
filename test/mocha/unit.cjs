// `npm run test:unit`: the server-free tests alone (see suites.cjs).
const { common, serverFree } = require("./suites.cjs");

module.exports = { ...common, spec: serverFree };
