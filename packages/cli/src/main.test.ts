import { describe, expect, it } from "vitest";
import { runCli } from "./testing/run-cli.js";

describe("strata", () => {
  it("lists every command with --help, and exits 2 without one", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["dev", "server", "location serve", "assets search", "lineage", "runs launch", "token create"])
      expect(help.stdout).toContain(command);
    expect((await runCli([])).code).toBe(2);
  });

  it("prints each command's help", async () => {
    for (const command of ["dev", "server", "location", "assets", "lineage", "runs", "token"]) {
      const { code, stdout } = await runCli([command, "--help"]);
      expect(code, command).toBe(0);
      expect(stdout, command).toMatch(/^Usage: strata /);
    }
  });

  it("fails with one line and exit code 2 for an unknown command or flag", async () => {
    expect(await runCli(["deploy"])).toMatchObject({
      code: 2,
      stdout: "",
      stderr: "strata: unknown command 'deploy'. Run `strata --help` for the list.\n",
    });
    const flag = await runCli(["assets", "search", "--colour"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^strata: assets search: unknown option '--colour'\.[^\n]*\n$/);
  });

  it("prints its version", async () => {
    expect((await runCli(["--version"])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
