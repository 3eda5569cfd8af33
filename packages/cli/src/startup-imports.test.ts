import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = dirname(fileURLToPath(import.meta.url));

/** The modules `file` imports statically (`import … from`, `export … from`); `import()` loads later, when called. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)";/gms)]
    .filter((m) => !/^import\s+type\s/.test(m[0]) && !/^export\s+type\s/.test(m[0]))
    .map((m) => m[1]!);
}

/** Every module the CLI's entry loads before running a command: its static import graph, packages by name. */
function startupGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith(".")) visit(join(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
    }
  };
  visit(entry);
  return { files, packages };
}

describe("the CLI's startup", () => {
  it("loads the server's code only for the commands that run it: `strata --help` and client commands start without it", () => {
    const { files, packages } = startupGraph(join(SRC, "bin.ts"));
    expect(files.size).toBeGreaterThan(20); // the commands' own modules are all there
    expect([...packages]).toContain("@strata/sdk");
    expect([...packages]).not.toContain("@strata/server");
  });

  it("sees an eager import of the server where one is written", () => {
    // The check itself: server-launch.ts imports the server statically (commands load it with import()).
    expect(startupGraph(join(SRC, "server-launch.ts")).packages).toContain("@strata/server");
  });
});
