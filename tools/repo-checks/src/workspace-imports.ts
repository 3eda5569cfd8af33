import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** A workspace package as its package.json declares it. */
export interface WorkspacePackage {
  name: string;
  dir: string;
  dependencies: Set<string>;
  devDependencies: Set<string>;
}

/** A file importing a workspace package its own package.json does not declare. */
export interface UndeclaredImport {
  packageName: string;
  /** Relative to the repository root. */
  file: string;
  line: number;
  imported: string;
}

const SOURCE_FILE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(["node_modules", "dist", "generated", ".turbo", "coverage"]);
// `from "x"`, `import("x")`, `import "x"`, `require("x")`, and type-only forms of each.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;

/** The workspaces of the repository at `root` (globs of the form `dir/*` or plain paths). */
export function readWorkspaces(root: string): WorkspacePackage[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces?: string[] };
  const dirs = (manifest.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return readdirSync(parent)
      .map((entry) => join(parent, entry))
      .filter((dir) => statSync(dir).isDirectory());
  });
  return dirs.flatMap((dir) => {
    let pkg: { name?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    try {
      pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    } catch {
      return [];
    }
    if (!pkg.name) return [];
    return [
      {
        name: pkg.name,
        dir,
        dependencies: new Set(Object.keys(pkg.dependencies ?? {})),
        devDependencies: new Set(Object.keys(pkg.devDependencies ?? {})),
      },
    ];
  });
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith(".")) yield* sourceFiles(join(dir, entry.name));
    } else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      yield join(dir, entry.name);
    }
  }
}

/** "@strata/definitions/runtime" → "@strata/definitions"; "pg/lib" → "pg". */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Every import of a workspace package that the importing package does not declare in its
 * dependencies or devDependencies. npm links every workspace into the root node_modules, so
 * such an import works on a developer's machine and breaks for anyone installing the package
 * alone, and turbo does not know to build the imported package first.
 */
export function undeclaredWorkspaceImports(root: string, packages = readWorkspaces(root)): UndeclaredImport[] {
  const names = new Set(packages.map((p) => p.name));
  const found: UndeclaredImport[] = [];
  for (const pkg of packages) {
    for (const file of sourceFiles(pkg.dir)) {
      const lines = readFileSync(file, "utf8").split("\n");
      lines.forEach((text, index) => {
        for (const match of text.matchAll(SPECIFIER)) {
          const imported = packageOf(match[1]!);
          if (!names.has(imported) || imported === pkg.name) continue;
          if (pkg.dependencies.has(imported) || pkg.devDependencies.has(imported)) continue;
          found.push({ packageName: pkg.name, file: relative(root, file), line: index + 1, imported });
        }
      });
    }
  }
  return found;
}

/**
 * A cycle among workspace packages through dependencies and devDependencies (`[a, b, a]`), or
 * null. Counting devDependencies matters: turbo builds and tests in that order too.
 */
export function workspaceCycle(packages: readonly WorkspacePackage[]): string[] | null {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const edges = (name: string) => {
    const pkg = byName.get(name);
    return pkg ? [...pkg.dependencies, ...pkg.devDependencies].filter((d) => byName.has(d)).sort() : [];
  };
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "open") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "open");
    path.push(name);
    for (const next of edges(name)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, "done");
    return null;
  };
  for (const pkg of [...packages].sort((a, b) => a.name.localeCompare(b.name))) {
    const cycle = visit(pkg.name);
    if (cycle) return cycle;
  }
  return null;
}
