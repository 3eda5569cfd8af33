import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openDatabase } from "./database.js";
import { DatabaseInUseError } from "./data-dir-lock.js";

it("refuses to open an embedded database another live process holds, and takes over a stale lock", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "strata-lock-")), "db");
  // Another process holds it: a child that takes the lock the same way and stays alive.
  const child = spawn(process.execPath, [
    "-e",
    `require("fs").writeFileSync(${JSON.stringify(`${dir}.lock`)}, JSON.stringify({ pid: process.pid, command: "dev", url: "http://localhost:4000/graphql" })); setInterval(() => {}, 1000);`,
  ]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  try {
    const attempt = openDatabase({ dataDir: dir });
    await expect(attempt).rejects.toBeInstanceOf(DatabaseInUseError);
    await expect(attempt).rejects.toThrow(/in use by `strata dev` \(pid \d+\) at http:\/\/localhost:4000\/graphql/);
  } finally {
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
  }
  // Its process is gone: the lock is stale and taken over.
  const db = await openDatabase({ dataDir: dir });
  // This process may open it again (the CLI locks before opening), sharing its own lock.
  await db.close();
  const again = await openDatabase({ dataDir: dir });
  await again.close();
});
