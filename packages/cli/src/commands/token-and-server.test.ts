import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli, type RunningCli } from "../testing/run-cli.js";
import { workDirectory } from "../testing/test-server.js";

let work: ReturnType<typeof workDirectory>;
let env: Record<string, string>;
beforeAll(() => {
  work = workDirectory();
  env = { STRATA_HOME: work.home };
});
afterAll(() => work.remove());

describe("bootstrapping a server that requires tokens", () => {
  let admin: string;
  let server: RunningCli;
  let url: string;

  it("creates the first admin token straight in the database, before any server runs", async () => {
    const { code, stdout } = await runCli(["token", "create", "--name", "admin", "--scopes", "admin", "--json"], { env, cwd: work.dir });
    expect(code).toBe(0);
    const created = JSON.parse(stdout) as { secret: string; name: string; scopes: string[]; revokedAt: string | null };
    expect(created).toMatchObject({ name: "admin", scopes: ["admin"], revokedAt: null });
    expect(created.secret).toMatch(/^strata_[A-Za-z0-9_-]{43}$/);
    admin = created.secret;

    const human = await runCli(["token", "create", "--name", "ops", "--scopes", "read, launch"], { env, cwd: work.dir });
    expect(human.stdout).toMatch(
      /^Created token "ops" with scopes launch, read in the database .*\.\nIts secret, shown only this once:\n\n {2}strata_\S+\n\n$/,
    );
  });

  it("lists tokens as a table, or JSON", async () => {
    const { stdout } = await runCli(["token", "list"], { env, cwd: work.dir });
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+PREFIX\s+SCOPES\s+STATE\s+CREATED\s+LAST USED\s+EXPIRES$/);
    expect(lines[1]).toMatch(/^admin\s+strata_\S{6}…\s+admin\s+active\s+(?:just now|\d+ min ago)\s+never\s+never$/); // created a test earlier: seconds, or minutes on a loaded machine
    expect(lines[2]).toMatch(/^ops\s+strata_\S{6}…\s+launch,read\s+active/);
    const json = JSON.parse((await runCli(["token", "list", "--json"], { env, cwd: work.dir })).stdout) as Array<{ name: string }>;
    expect(json.map((t) => t.name)).toEqual(["admin", "ops"]);
  });

  it("refuses bad input: an unknown scope (exit 1), missing flags (exit 2)", async () => {
    const scope = await runCli(["token", "create", "--name", "x", "--scopes", "superuser"], { env, cwd: work.dir });
    expect(scope).toMatchObject({
      code: 1,
      stderr: 'strata: scopes: "superuser" is not a scope: use read, launch, admin or location:<name>\n',
    });
    const missing = await runCli(["token", "create", "--name", "x"], { env, cwd: work.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^strata: token create needs --scopes\./);
    expect((await runCli(["token", "rotate"], { env })).code).toBe(2);
  });

  it("starts the production server on that database, requiring tokens", async () => {
    server = startCli(["server", "--port", "0", "--host", "127.0.0.1"], { env, cwd: work.dir });
    const line = await server.waitFor(/\{[^\n]*"strata server listening"[^\n]*\}/);
    url = (JSON.parse(line[0]) as { graphql: string }).graphql;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const anonymous = await runCli(["assets", "search", "--server", url]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^strata: the server requires a token/);
  });

  it("manages tokens through the server's API with --server and an admin --token", async () => {
    const created = await runCli(["token", "create", "--name", "ci", "--scopes", "read", "--json", "--server", url, "--token", admin]);
    expect(created.code).toBe(0);
    const ci = (JSON.parse(created.stdout) as { secret: string }).secret;
    expect(await runCli(["assets", "search", "--server", url, "--token", ci])).toMatchObject({ code: 0, stdout: "No assets match.\n" });

    const listed = await runCli(["token", "list", "--server", url], { env: { STRATA_TOKEN: admin } });
    expect(listed.stdout).toMatch(/^ci\s+/m);

    const revoked = await runCli(["token", "revoke", "ci", "--server", url, "--token", admin]);
    expect(revoked).toMatchObject({ code: 0, stdout: 'Revoked token "ci": requests with it now fail.\n' });
    const refused = await runCli(["assets", "search", "--server", url, "--token", ci]);
    expect(refused).toMatchObject({ code: 1, stderr: 'strata: API token "ci" was revoked (check --token or STRATA_TOKEN)\n' });
    const notAdmin = await runCli(["token", "list", "--server", url, "--token", ci]);
    expect(notAdmin.code).toBe(1);
  });

  it("keeps `token` off the database while the server holds it", async () => {
    const { code, stderr } = await runCli(["token", "list"], { env, cwd: work.dir });
    expect(code).toBe(1);
    expect(stderr).toContain("is in use by `strata server`");
  });

  it("says so when the port is taken", async () => {
    const port = new URL(url).port;
    const other = workDirectory();
    try {
      const { code, stderr } = await runCli(["server", "--port", port, "--host", "127.0.0.1"], {
        env: { STRATA_HOME: other.home },
        cwd: other.dir,
      });
      expect(code).toBe(1);
      // Before it, the server's own JSON log lines (the migrations it applied to the new database).
      expect(stderr.trimEnd().split("\n").at(-1)).toBe(`strata: port ${port} is already in use: pick another with --port or PORT`);
    } finally {
      other.remove();
    }
  });

  it("stops on SIGINT and logs it", async () => {
    expect(await server.stop()).toBe(0);
    expect(server.stderr).toContain('"strata server stopping"');
    expect((await runCli(["token", "list", "--json"], { env, cwd: work.dir })).code).toBe(0);
  });
});
