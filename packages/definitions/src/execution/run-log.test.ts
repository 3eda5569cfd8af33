import { describe, expect, it } from "vitest";
import { asset } from "../authoring/asset.js";
import { Definitions } from "../authoring/definitions.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { executeRun } from "./run-executor.js";

describe("a sink that cannot keep up", () => {
  it("holds back the next steps once a bounded queue of events is waiting, then lets the run finish with every event", async () => {
    const started: string[] = [];
    const chatty = (name: string, ins = {}) =>
      asset(name, { ins }, (_, ctx) => {
        started.push(name);
        for (let i = 0; i < 600; i++) ctx.log.info(`${name} ${i}`);
        return name;
      });
    const a = chatty("a");
    const b = chatty("b", { a });
    const c = chatty("c", { b });
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const seqs: number[] = [];

    const running = executeRun(new Definitions({ assets: [a, b, c], ioManagers: { io_manager: new InMemoryIOManager() } }), {
      sink: async (event) => {
        await opened;
        seqs.push(event.seq);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const beforeOpening = [...started];
    open();
    const outcome = await running;

    expect(beforeOpening).toEqual(["a", "b"]);
    expect(outcome.status).toBe("SUCCESS");
    expect(started).toEqual(["a", "b", "c"]);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(seqs.length).toBeGreaterThan(1800);
  });
});
