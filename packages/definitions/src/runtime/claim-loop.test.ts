import { describe, expect, it } from "vitest";
import { ManualClock, settle } from "../testing/manual-clock.js";
import { ClaimLoop } from "./claim-loop.js";

class Unreachable extends Error {}

/** A queue of runs on the "server" and a worker whose runs end when the test says so. */
function setup(queued: string[], failures = 0, concurrency = 2) {
  const clock = new ManualClock();
  const claims: number[] = [];
  const executing = new Map<string, () => void>();
  const errors: number[] = [];
  let failNext = failures;
  const start = clock.now();
  const loop = new ClaimLoop<string>({
    claim: async () => {
      claims.push(clock.now() - start);
      if (failNext > 0) {
        failNext--;
        throw new Unreachable("down");
      }
      return queued.shift() ?? null;
    },
    execute: (run) => new Promise<void>((resolve) => executing.set(run, resolve)),
    concurrency,
    pollIntervalMs: 5_000,
    isRetryable: (error) => error instanceof Unreachable,
    onError: (_, delayMs) => errors.push(delayMs),
    clock,
    random: () => 1,
  });
  const stop = new AbortController();
  const running = loop.run(stop.signal);
  const finish = (run: string) => {
    executing.get(run)!();
    executing.delete(run);
  };
  return { clock, loop, claims, executing, errors, stop, running, finish, queued };
}

describe("ClaimLoop", () => {
  it("claims at start-up up to its concurrency, and again as soon as a run ends", async () => {
    const { loop, claims, executing, finish, stop, running } = setup(["r1", "r2", "r3"]);
    await settle();
    expect([...executing.keys()]).toEqual(["r1", "r2"]);
    expect(claims).toEqual([0, 0]);

    finish("r1");
    await settle();
    expect([...executing.keys()]).toEqual(["r2", "r3"]);
    expect(loop.claimed).toBe(3);

    stop.abort();
    await running;
  });

  it("claims within the same tick when a run is announced, and polls every few seconds otherwise", async () => {
    const { clock, loop, claims, executing, queued, stop, running } = setup([]);
    await settle();
    expect(claims).toEqual([0]);

    queued.push("r1");
    loop.wake();
    await settle();
    expect([...executing.keys()]).toEqual(["r1"]);

    queued.push("r2");
    await clock.advance(5_000);
    expect([...executing.keys()]).toEqual(["r1", "r2"]);
    expect(claims).toEqual([0, 0, 0, 5_000]);

    // Both slots are taken: no polling until one frees.
    await clock.advance(60_000);
    expect(claims).toHaveLength(4);
    stop.abort();
    await running;
  });

  it("backs off while the server is unreachable", async () => {
    const { clock, claims, errors, executing, stop, running } = setup(["r1"], 3);
    await clock.advance(10_000);

    expect(errors).toEqual([200, 400, 800]);
    expect(claims.slice(0, 4)).toEqual([0, 200, 600, 1_400]);
    expect([...executing.keys()]).toEqual(["r1"]);
    stop.abort();
    await running;
  });

  it("stops claiming when told to, and idle() waits for the runs it holds", async () => {
    const { loop, claims, finish, stop, running } = setup(["r1"]);
    await settle();
    stop.abort();
    await running;
    loop.wake();
    await settle();
    const claimsWhenStopped = claims.length;
    let idle = false;
    void loop.idle().then(() => (idle = true));
    await settle();
    expect(idle).toBe(false);

    finish("r1");
    await settle();

    expect(idle).toBe(true);
    expect(claims.length).toBe(claimsWhenStopped);
  });
});
