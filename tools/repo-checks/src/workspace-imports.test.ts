import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { readWorkspaces, undeclaredWorkspaceImports, workspaceCycle } from "./workspace-imports.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

describe("this repository", () => {
  it("declares every workspace package it imports, in the importing package's package.json", () => {
    expect(undeclaredWorkspaceImports(repoRoot)).toEqual([]);
  });

  it("has no dependency cycle between workspace packages, devDependencies included", () => {
    expect(workspaceCycle(readWorkspaces(repoRoot))).toBeNull();
  });
});

describe("the checks", () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function repo(files: Record<string, string>): string {
    root = mkdtempSync(join(tmpdir(), "repo-checks-"));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }
  const pkg = (name: string, deps: Record<string, string> = {}, devDeps: Record<string, string> = {}) =>
    JSON.stringify({ name, dependencies: deps, devDependencies: devDeps });

  it("finds a deliberately undeclared import, in any import form, and accepts a declared one", () => {
    repo({
      "package.json": JSON.stringify({ workspaces: ["packages/*"] }),
      "packages/a/package.json": pkg("@x/a", { "@x/b": "1" }),
      "packages/a/src/index.ts":
        'import { b } from "@x/b";\nimport type { C } from "@x/c/deep";\nexport const lazy = () => import("@x/c");\nimport "zod";\n',
      "packages/a/dist/index.js": 'import "@x/c";\n',
      "packages/b/package.json": pkg("@x/b"),
      "packages/b/test/b.test.ts": 'const c = require("@x/c");\n',
      "packages/c/package.json": pkg("@x/c"),
    });
    expect(undeclaredWorkspaceImports(root)).toEqual([
      { packageName: "@x/a", file: "packages/a/src/index.ts", line: 2, imported: "@x/c" },
      { packageName: "@x/a", file: "packages/a/src/index.ts", line: 3, imported: "@x/c" },
      { packageName: "@x/b", file: "packages/b/test/b.test.ts", line: 1, imported: "@x/c" },
    ]);
  });

  it("finds a cycle that goes through a devDependency", () => {
    repo({
      "package.json": JSON.stringify({ workspaces: ["packages/a", "packages/b"] }),
      "packages/a/package.json": pkg("@x/a", { "@x/b": "1" }),
      "packages/b/package.json": pkg("@x/b", {}, { "@x/a": "1" }),
    });
    expect(workspaceCycle(readWorkspaces(root))).toEqual(["@x/a", "@x/b", "@x/a"]);
  });
});
