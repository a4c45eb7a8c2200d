// Preloaded by scripts/mutation.sh. Stryker's mocha runner (10.0.0) loads
// mocha/lib/cli/run-helpers and collect-files without an extension, which
// mocha 12 ships as .cjs; letting require() try ".cjs" is the one difference.
require.extensions[".cjs"] ??= require.extensions[".js"];
