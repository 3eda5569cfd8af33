import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createClient, type StrataClient } from "@strata/sdk";
import { createLogger, createToken, parseEnv, startServer, type StrataServer } from "@strata/server";
import { openTestDatabase } from "@strata/server/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchBrowser } from "./browser.js";

/** The bundle `npm run build -w @strata/ui` writes; turbo builds it before the tests. */
export const UI_DIST = fileURLToPath(new URL("../../dist", import.meta.url));

export interface UiServer {
  readonly server: StrataServer;
  /** Where the UI is served: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** An SDK client as admin, to seed data and check what the UI did. */
  readonly client: StrataClient;
  /** An admin token's secret (auth "required" only). */
  readonly admin: string | undefined;
  close(): Promise<void>;
}

/**
 * A real server on a free loopback port serving the built UI, on a fresh test database (PGlite,
 * or PostgreSQL with TEST_DATABASE_URL), as `strata dev` (auth disabled) or `strata server`.
 */
export async function startUiServer(options: { auth?: "disabled" | "required" } = {}): Promise<UiServer> {
  if (!existsSync(`${UI_DIST}/index.html`)) throw new Error(`No UI bundle in ${UI_DIST}: run \`npm run build -w @strata/ui\` first`);
  const auth = options.auth ?? "disabled";
  const db = await openTestDatabase();
  const server = await startServer({
    env: parseEnv({}),
    db,
    port: 0,
    host: "127.0.0.1",
    auth,
    logger: createLogger("error"),
    uiDir: UI_DIST,
  });
  const admin = auth === "required" ? (await createToken(db.prisma, { name: "ui-test-admin", scopes: ["admin"] })).token : undefined;
  return {
    server,
    url: server.url,
    admin,
    client: createClient({ url: server.graphqlUrl, token: admin }),
    async close() {
      await server.close();
      await db.close();
    },
  };
}

/** A UI server and a headless browser, started together: what each browser test starts from. */
export interface UiTest {
  ui: UiServer;
  browser: Browser;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/**
 * Starts {@link startUiServer} (auth disabled) and {@link launchBrowser} side by side.
 *
 * @example
 * let close: (() => Promise<void>) | undefined;
 * beforeAll(async () => ({ ui, browser, close } = await startUiTest()));
 * afterAll(() => close?.());
 */
export async function startUiTest(): Promise<UiTest> {
  const [ui, browser] = await Promise.all([startUiServer(), launchBrowser()]);
  return {
    ui,
    browser,
    async close() {
      await browser.close();
      await ui.close();
    },
  };
}

/**
 * Starts {@link startUiTest} before a file's tests and `seed`s its server, and closes both after
 * them. `ui` and `browser` read the started ones whenever used, so a file names them up front.
 *
 * @example
 * const { ui, browser } = withUiTest((ui) => ui.client.registerCodeLocation({ name: "shop", ...manifestOf([{ key: "shop/orders" }]) }));
 */
export function withUiTest(seed: (ui: UiServer) => Promise<unknown> = async () => {}): Pick<UiTest, "ui" | "browser"> {
  let started: UiTest | undefined;
  beforeAll(async () => {
    started = await startUiTest();
    await seed(started.ui);
  });
  afterAll(() => started?.close());
  const part = <K extends "ui" | "browser">(key: K) =>
    startedPart(() => {
      if (!started) throw new Error("the UI test has not started");
      return started[key];
    });
  return { ui: part("ui"), browser: part("browser") };
}

/**
 * Starts a {@link startUiServer} with `options` before the tests of the current file or describe
 * block and `seed`s it, and closes it after them; what it returns reads the started server.
 */
export function withUiServer(
  options: Parameters<typeof startUiServer>[0],
  seed: (ui: UiServer) => Promise<unknown> = async () => {},
): UiServer {
  let started: UiServer | undefined;
  beforeAll(async () => {
    started = await startUiServer(options);
    await seed(started);
  });
  afterAll(() => started?.close());
  return startedPart(() => {
    if (!started) throw new Error("the UI server has not started");
    return started;
  });
}

/** An object that reads every property from `part()` when it is read, its methods bound to it: a hook's result, named before the hook runs. */
function startedPart<T extends object>(part: () => T): T {
  return new Proxy({} as T, {
    get: (_, property) => {
      const target = part();
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
