import { describe, expect, it } from "vitest";
import { asset } from "./asset.js";
import { Definitions } from "./definitions.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { materialize } from "../execution/materialize.js";
import { defineResource, requiredResource } from "./resource.js";

interface Db {
  query(sql: string): string;
  closed: boolean;
}

function database(log: string[]) {
  let opened = 0;
  return defineResource<Db>({
    setup: (ctx) => {
      opened++;
      log.push(`open #${opened} for ${ctx.runId}`);
      return { query: (sql) => `rows of ${sql}`, closed: false };
    },
    teardown: (db) => {
      db.closed = true;
      log.push(`close #${opened}`);
    },
  });
}

describe("resources", () => {
  it("sets a resource up once per run, before its steps, and tears it down after", async () => {
    const log: string[] = [];
    let seen: Db | undefined;
    const a = asset("a", { resources: { db: requiredResource<Db>() } }, (_, ctx) => {
      seen = ctx.resources.db;
      log.push("a runs");
      return ctx.resources.db.query("a");
    });
    const b = asset("b", { ins: { a }, resources: { db: requiredResource<Db>() } }, ({ a }, ctx) => {
      log.push("b runs");
      return `${a} + ${ctx.resources.db.query("b")}`;
    });
    const defs = new Definitions({ assets: [a, b], resources: { db: database(log) }, ioManagers: { io_manager: new InMemoryIOManager() } });

    const first = await materialize(defs, { runId: "r1" });
    await materialize(defs, { runId: "r2" });

    expect(first.outputFor(b)).toBe("rows of a + rows of b");
    expect(seen?.closed).toBe(true);
    expect(log).toEqual(["open #1 for r1", "a runs", "b runs", "close #1", "open #2 for r2", "a runs", "b runs", "close #2"]);
  });

  it("sets up only what the selected steps need, and accepts plain values", async () => {
    const log: string[] = [];
    const uses = asset("uses", { resources: { db: requiredResource<Db>() } }, () => 1);
    const plain = asset(
      "plain",
      { resources: { config: requiredResource<{ region: string }>() } },
      (_, ctx) => ctx.resources.config.region,
    );

    const result = await materialize([uses, plain], { selection: [plain], resources: { db: database(log), config: { region: "eu" } } });

    expect(result.outputFor(plain)).toBe("eu");
    expect(log).toEqual([]);
  });

  it("lets tests swap a resource for a fake by key", async () => {
    const real = defineResource<Db>({
      setup: () => {
        throw new Error("no network in tests");
      },
    });
    const counted = asset("counted", { resources: { db: requiredResource<Db>() } }, (_, ctx) => ctx.resources.db.query("x"));
    const defs = new Definitions({ assets: [counted], resources: { db: real } });

    const result = await materialize(defs, { resources: { db: { query: () => "fake rows", closed: false } } });

    expect(result.outputFor(counted)).toBe("fake rows");
  });

  it("tears down even when a step fails, and logs a failing teardown without hiding the run's outcome", async () => {
    const log: string[] = [];
    const fails = asset("fails", { resources: { db: requiredResource<Db>() } }, (): number => {
      throw new Error("step broke");
    });
    const grumpy = defineResource({
      setup: () => "resource",
      teardown: () => {
        log.push("teardown attempted");
        throw new Error("teardown broke");
      },
    });

    const result = await materialize([fails], { resources: { db: grumpy } });

    expect(log).toEqual(["teardown attempted"]);
    expect(result.status).toBe("FAILURE");
    const teardownLog = result.events.find((e) => e.type === "LOG" && e.level === "error");
    expect(teardownLog?.message).toBe('resource teardown failed: Error in resource "db": teardown broke');
  });
});
