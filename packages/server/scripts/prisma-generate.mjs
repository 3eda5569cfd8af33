// Runs `prisma generate` without Prisma's native schema engine. Prisma 7's CLI insists on a
// schema-engine binary for every command and downloads one when it has none; generating the
// client never runs it, so any existing executable satisfies the check, and nothing is
// downloaded (these machines reach only the npm registry). A user's own engine path wins.
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { fileURLToPath } from "node:url";

const stub = fileURLToPath(new URL("./no-schema-engine.sh", import.meta.url));
chmodSync(stub, 0o755);
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};
const result = spawnSync("npx", ["--no-install", "prisma", "generate", "--config", "prisma.config.ts"], {
  stdio: "inherit",
  env,
  cwd: fileURLToPath(new URL("..", import.meta.url)),
});
process.exit(result.status ?? 1);
