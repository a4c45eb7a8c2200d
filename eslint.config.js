// ESLint over every TypeScript file of the workspaces: the recommended rules
// of ESLint and typescript-eslint, plus the type-aware rules that catch a
// promise nobody awaits (cheap enough to run on the whole repository).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/", "**/dist/", ".dagger/sdk/", "**/.local/", "services/agent-api/public/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // `_name` marks a parameter an interface makes us take; a rest sibling drops a property on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // A handler that reads the variable its server is assigned to once listening.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // chai's property assertions (`.to.exist`) are expressions; tests read untyped JSON bodies.
    files: ["**/test/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off", "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Mocha's configuration files are CommonJS by mocha's rule; test-totals.mjs is a plain Node script.
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  { files: ["**/*.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
);
