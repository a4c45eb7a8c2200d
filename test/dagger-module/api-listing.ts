/**
 * Runs the pinned SDK's own introspector over the module exactly as the
 * engine's introspector container does, and writes what it found the way the
 * Dagger CLI presents it (`dagger functions`, `dagger call <fn> --help`):
 * kebab-case functions and flags, enum members upper-cased, core types by
 * name. `npm run dagger:api` rewrites the committed listing from it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { assembleIntrospectorLayout, daggerConfig, repoRoot, sdkPackageDir, sdkVersion } from "./engine-layout.js";

export const listingPath = join(repoRoot, ".dagger/api.txt");

interface TypeDef {
  readonly kind: string;
  readonly name?: string;
  readonly typeDef?: TypeDef;
}

export interface ScannedArgument {
  readonly name: string;
  readonly description?: string;
  readonly type?: TypeDef;
  readonly isOptional: boolean;
  readonly isNullable: boolean;
  readonly isVariadic: boolean;
  readonly defaultValue?: unknown;
  readonly defaultPath?: string;
  readonly ignore?: readonly string[];
}

export interface ScannedFunction {
  readonly name: string;
  readonly description?: string;
  readonly arguments: Record<string, ScannedArgument>;
  readonly returnType?: TypeDef;
  readonly cache?: string;
  readonly isCheck?: boolean;
}

export interface ScannedObject {
  readonly name: string;
  readonly description?: string;
  readonly _constructor?: { readonly arguments: Record<string, ScannedArgument> };
  readonly methods: Record<string, ScannedFunction>;
}

export interface ScannedEnum {
  readonly name: string;
  readonly description?: string;
  readonly values: Record<string, { readonly name: string; readonly value: unknown; readonly description?: string }>;
}

export interface ScannedModule {
  readonly name: string;
  readonly description?: string;
  readonly objects: Record<string, ScannedObject>;
  readonly enums: Record<string, ScannedEnum>;
  readonly interfaces: Record<string, unknown>;
}

/** The SDK's `scan(files, moduleName, load)` as the introspection entrypoint calls it (load = false). */
export async function scanModule(): Promise<ScannedModule> {
  const layout = assembleIntrospectorLayout();
  const { scan } = (await import(pathToFileURL(join(sdkPackageDir, "dist/src/module/introspector/index.js")).href)) as {
    scan: (files: string[], moduleName: string, load: boolean) => Promise<ScannedModule>;
  };
  const cwd = process.cwd();
  process.chdir(layout.root);
  try {
    return await scan(layout.files, daggerConfig().name, false);
  } finally {
    process.chdir(cwd);
  }
}

export const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
const enumMemberName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

function typeName(type: TypeDef | undefined, module: ScannedModule): string {
  if (!type) return "<unresolved>";
  switch (type.kind) {
    case "STRING_KIND":
      return "string";
    case "BOOLEAN_KIND":
      return "boolean";
    case "INTEGER_KIND":
      return "int";
    case "FLOAT_KIND":
      return "float";
    case "VOID_KIND":
      return "void";
    case "LIST_KIND":
      return `[${typeName(type.typeDef, module)}]`;
    case "ENUM_KIND": {
      const members = module.enums[type.name ?? ""];
      return members
        ? `enum ${type.name} ${Object.values(members.values)
            .map((m) => enumMemberName(m.name))
            .sort()
            .join(",")}`
        : `enum ${type.name} (core)`;
    }
    case "OBJECT_KIND":
      return module.objects[type.name ?? ""] ? `object ${type.name}` : `${type.name} (core object)`;
    default:
      return `${type.kind} ${type.name ?? ""}`.trim();
  }
}

function defaultText(arg: ScannedArgument, module: ScannedModule): string | undefined {
  if (arg.defaultPath !== undefined)
    return `default path ${JSON.stringify(arg.defaultPath)}${arg.ignore ? `, ignore ${JSON.stringify(arg.ignore)}` : ""}`;
  if (arg.defaultValue === undefined) return undefined;
  if (arg.type?.kind === "ENUM_KIND") {
    const member = Object.values(module.enums[arg.type.name ?? ""]?.values ?? {}).find((m) => m.value === arg.defaultValue);
    return `default ${member ? enumMemberName(member.name) : `<not a member: ${JSON.stringify(arg.defaultValue)}>`}`;
  }
  return `default ${JSON.stringify(arg.defaultValue)}`;
}

const indentDoc = (text: string | undefined, prefix: string) =>
  text
    ? text
        .split("\n")
        .map((line) => `${prefix}${line}`.trimEnd())
        .join("\n")
    : `${prefix}(no description)`;

function argumentLines(args: Record<string, ScannedArgument>, module: ScannedModule): string[] {
  return Object.values(args).flatMap((arg) => {
    const fallback = defaultText(arg, module);
    const facts = [typeName(arg.type, module), fallback, arg.isOptional ? "optional" : fallback ? undefined : "required"];
    if (arg.isNullable) facts.push("nullable");
    if (arg.isVariadic) facts.push("variadic");
    return [`    --${kebab(arg.name)}  ${facts.filter(Boolean).join("; ")}`, indentDoc(arg.description, "        ")];
  });
}

/** The listing: module, enums, constructor flags, then every function with its flags. */
export function renderListing(module: ScannedModule): string {
  const out = [
    `# API of the Dagger module, as the SDK's introspector (@dagger.io/dagger ${sdkVersion()}) sees .dagger/src.`,
    "# Generated by `npm run dagger:api`; the introspection test fails when it drifts from the code.",
    "",
    `module ${daggerConfig().name}`,
    indentDoc(module.description, "  "),
  ];
  for (const e of Object.values(module.enums)) {
    out.push("", `enum ${e.name}`, indentDoc(e.description, "  "));
    for (const m of Object.values(e.values))
      out.push(`    ${enumMemberName(m.name)} = ${JSON.stringify(m.value)}`, indentDoc(m.description, "        "));
  }
  for (const o of Object.values(module.objects)) {
    out.push("", `object ${o.name}`, indentDoc(o.description, "  "));
    out.push("  constructor flags (dagger call --<flag> <function>)");
    out.push(...argumentLines(o._constructor?.arguments ?? {}, module));
    for (const fn of Object.values(o.methods)) {
      out.push(
        "",
        `  function ${kebab(fn.name)} -> ${typeName(fn.returnType, module)}; cache ${fn.cache ?? "default"}${fn.isCheck ? "; check (dagger check)" : ""}`,
      );
      out.push(indentDoc(fn.description, "      "));
      out.push(...argumentLines(fn.arguments, module));
    }
  }
  if (Object.keys(module.interfaces).length > 0) out.push("", `interfaces ${Object.keys(module.interfaces).join(", ")}`);
  return `${out.join("\n")}\n`;
}

if (process.argv[2] === "--write") {
  writeFileSync(listingPath, renderListing(await scanModule()));
  console.log(`wrote ${listingPath}`);
}
