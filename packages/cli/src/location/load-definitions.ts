import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** This package's code: frames in it are the loader's, not the user's. */
const CLI_CODE = ["../../src/", "../../dist/", "../../out/"].map((dir) => fileURLToPath(new URL(dir, import.meta.url)));

/** What a definitions file's default export must offer: `Definitions#manifest()`. */
export interface DefinitionsLike {
  manifest(): { manifest: unknown; hash: string };
  /** The manifest's hash without a copy of the manifest; absent before @strata/definitions had it. */
  readonly hash?: string;
}

/** The manifest's hash: `hash` where the definitions have it, since a copy of a large manifest takes seconds. */
export function definitionsHash(defs: DefinitionsLike): string {
  return typeof defs.hash === "string" ? defs.hash : defs.manifest().hash;
}

/** The definitions file could not be imported, or its default export is not a `Definitions`. */
export class DefinitionsLoadError extends Error {
  override readonly name = "DefinitionsLoadError";
  constructor(
    message: string,
    /** The user's error, formatted for people: its name, message and the stack frames in their code. */
    readonly details: string,
  ) {
    super(message);
  }
}

/**
 * Imports a definitions file (TypeScript works: the process runs under tsx), checks that its
 * default export is a `Definitions` and that its manifest builds. The export is checked by
 * shape rather than `instanceof`, since the user's project may resolve its own copy of
 * @strata/definitions.
 *
 * @example
 * ```ts
 * const defs = await loadDefinitions("/repo/defs.ts");
 * const { manifest, hash } = defs.manifest();
 * ```
 */
export async function loadDefinitions(defsPath: string): Promise<DefinitionsLike> {
  const shown = relative(process.cwd(), defsPath) || defsPath;
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(defsPath).href)) as { default?: unknown };
  } catch (error) {
    throw new DefinitionsLoadError(`${shown} failed to load`, formatUserError(error, libraryCode(defsPath)));
  }
  const defs = module.default;
  if (!isDefinitions(defs)) {
    const found = defs === undefined ? "it has no default export" : `its default export is ${describe(defs)}`;
    throw new DefinitionsLoadError(
      `${shown} does not export Definitions`,
      `${shown} must \`export default new Definitions({ assets: [...] })\`, but ${found}.`,
    );
  }
  try {
    // A Definitions built its manifest in its constructor (a broken graph failed the import);
    // older ones without `hash` build it here.
    definitionsHash(defs);
    return defs;
  } catch (error) {
    throw new DefinitionsLoadError(`${shown}: building the manifest failed`, formatUserError(error, libraryCode(defsPath)));
  }
}

function isDefinitions(value: unknown): value is DefinitionsLike {
  return typeof value === "object" && value !== null && typeof (value as DefinitionsLike).manifest === "function";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"}) without a manifest() method`;
  return `a ${typeof value}`;
}

/**
 * Where code that is not the user's lives, seen from their definitions file: this CLI, and the
 * @strata/definitions their project resolves (its frames point into its sources when source
 * maps are on, as they are under tsx).
 */
function libraryCode(defsPath: string): string[] {
  try {
    const entry = realpathSync(createRequire(defsPath).resolve("@strata/definitions"));
    return [...CLI_CODE, `${dirname(dirname(entry))}/`];
  } catch {
    return CLI_CODE;
  }
}

/**
 * The error's name and message, and the stack frames in the user's own files: Node's
 * internals, node_modules, built libraries (`/dist/`) and `libraries` say nothing about what
 * to fix.
 */
export function formatUserError(error: unknown, libraries: readonly string[] = CLI_CODE): string {
  if (!(error instanceof Error)) return String(error);
  const cwd = process.cwd();
  const own = (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line) && !/node:|node_modules|\/dist\//.test(line) && !libraries.some((root) => line.includes(root)))
    .slice(0, 8)
    .map((line) => line.replace(`${pathToFileURL(cwd).href}/`, "").replace(`${cwd}/`, ""));
  return [`${error.name}: ${error.message}`, ...own].join("\n");
}
