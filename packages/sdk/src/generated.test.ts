import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const codegenBin = join(dirname(createRequire(import.meta.url).resolve("@graphql-codegen/cli/package.json")), "cjs", "bin.js");

it("src/generated is what codegen.yml produces from the committed schema (regenerate with `npm run generate:sdk`)", async () => {
  const result = await promisify(execFile)(process.execPath, [codegenBin, "--config", "codegen.yml", "--check"], { cwd: root }).then(
    () => ({ stale: "" }),
    (error: { stdout: string; stderr: string }) => ({ stale: `${error.stdout}\n${error.stderr}` }),
  );
  expect(result.stale).toBe("");
});
