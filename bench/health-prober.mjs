/**
 * A worker thread that sends `{ health { version databaseLatencyMs } }` to a server every
 * `everyMs` for `forMs`, after a few untimed ones (a new thread's first fetch compiles its
 * HTTP client: ~20 ms), then posts how long each timed one took (ms). On a thread of its own,
 * the times are the server's: the benchmark's main thread may meanwhile read multi-megabyte
 * answers or collect a large heap (after W6M, ~2 GB), and on it those pauses were counted as the
 * server's (a 36 ms stall of the benchmark's own event loop showed as a 50 ms health wait).
 */
// JavaScript: a worker thread does not get the benchmark's tsx loader (Node 20).
import { parentPort, workerData } from "node:worker_threads";

/** @type {{ url: string; token: string; everyMs: number; forMs: number }} */
const { url, token, everyMs, forMs } = workerData;
/** @type {number[]} */
const times = [];
/** @type {Promise<void>[]} */
const pending = [];
const health = () =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "{ health { version databaseLatencyMs } }" }),
  }).then((response) => response.json());
const ask = async () => {
  const t0 = performance.now();
  const body = await health();
  if (!body.data) throw new Error(`health query failed: ${JSON.stringify(body)}`);
  times.push(performance.now() - t0);
};
for (let i = 0; i < 5; i++) await health();
const timer = setInterval(() => pending.push(ask()), everyMs);
setTimeout(() => {
  clearInterval(timer);
  void Promise.all(pending).then(() => parentPort?.postMessage(times));
}, forMs);
