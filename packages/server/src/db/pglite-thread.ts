import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { Mutex, type PGlite, protocol } from "@electric-sql/pglite";
import { PGliteWorker } from "@electric-sql/pglite/worker";

/**
 * The thread's script: CommonJS given as text (`eval`). It needs nothing of Strata's, so it runs
 * the same from sources (vitest, tsx), from the built packages and from the CLI's bundle, with no
 * loader hooks to register in the thread. It opens PGlite and answers each batch of wire-protocol
 * messages with PGlite's raw answer, one batch after the other, in the order they came.
 */
const THREAD_SCRIPT = `
const { parentPort, workerData } = require("node:worker_threads");
// Emscripten's file system throws objects without a message ({ name: "ErrnoError", errno: 54 }).
const describe = (error) => ({
  message: (error && error.message) || (error && error.name ? error.name + (error.errno === undefined ? "" : " (errno " + error.errno + ")") : String(error)),
  stack: error && error.stack,
});
let pg;
const open = (async () => {
  const { PGlite } = require(workerData.pglite);
  const { pg_trgm } = require(workerData.pgTrgm);
  const options = { extensions: { pg_trgm } };
  if (workerData.startParams) options.startParams = workerData.startParams;
  pg = await PGlite.create(workerData.dataDir, options);
})();
open.then(() => parentPort.postMessage({ id: 0 }), (error) => parentPort.postMessage({ id: 0, error: describe(error) }));
let queue = open.catch(() => {});
parentPort.on("message", ({ id, op, bytes, sync }) => {
  queue = queue.then(async () => {
    try {
      if (op === "exec") {
        // A copy: the answer is a view of PGlite's own output buffer, which the next call reuses.
        const answer = pg.execProtocolRawSync(bytes).slice();
        if (sync && !pg.isInTransaction()) await pg.syncToFs();
        parentPort.postMessage({ id, bytes: answer }, [answer.buffer]);
      } else if (op === "close") {
        await pg.close();
        parentPort.postMessage({ id });
      }
    } catch (error) {
      parentPort.postMessage({ id, error: describe(error) });
    }
  });
});
`;

/** What PGlite's client side (`BasePGlite`) gives a subclass. */
type BasePGliteShape = Pick<
  PGlite,
  "query" | "sql" | "exec" | "transaction" | "describeQuery" | "runExclusive" | "parsers" | "serializers"
> & {
  _initArrayTypes(): Promise<void>;
};
// PGlite's client logic (query, exec, transaction, parameter serializers, row parsers) lives in
// `BasePGlite`, which the package does not export by name; its `PGliteWorker` extends it.
const BasePGlite = Object.getPrototypeOf(PGliteWorker) as abstract new () => BasePGliteShape;

type BackendMessage = Parameters<Parameters<InstanceType<typeof protocol.Parser>["parse"]>[1]>[0];

// Frontend messages, by their first byte.
const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const DESCRIBE = 0x44; // 'D', then its length (4 bytes), then 'S'tatement or 'P'ortal
const PORTAL = 0x50;
const EXECUTE = 0x45; // 'E'
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'

export interface PGliteThreadOptions {
  /** The data directory; absent keeps the data in memory. */
  dataDir?: string | undefined;
  startParams?: string[] | undefined;
}

interface ProtocolOptions {
  throwOnError?: boolean;
  onNotice?: (notice: never) => void;
}

/**
 * PGlite on a thread of its own. In-process PGlite executes each statement on the caller's thread:
 * a 10,000-asset registration's statements (~0.6-0.9 s) held the event loop in pieces of up to
 * ~0.5 s, during which no other request was served, and the server's own work for the
 * registration waited for the database's instead of running beside it.
 *
 * This is PGlite's own client (`query`, `exec`, `transaction`, its type parsers and serializers,
 * its errors) over another transport: each protocol step's bytes go to the thread, which runs
 * them in PGlite and sends back PGlite's raw answer, parsed here as PGlite parses it. A query's
 * five messages and Sync cross in two trips (Parse and Describe; then Bind, Describe, Execute and
 * Sync), since PGlite asks for the parameters' types before it serializes them; ~0.3 ms more per
 * small query than in process.
 */
export class PGliteThread extends BasePGlite {
  readonly debug = 0;
  readonly waitReady: Promise<void>;
  readonly #worker: Worker;
  readonly #opened: Promise<unknown>;
  readonly #calls = new Map<number, { resolve(bytes: Uint8Array | undefined): void; reject(error: Error): void }>();
  readonly #queryMutex = new Mutex();
  readonly #transactionMutex = new Mutex();
  #next = 1;
  #stopped: Error | null = null;
  #ready = false;
  /** Messages held back to travel with the next one that needs an answer. */
  #deferred: Uint8Array[] = [];
  /** The answer to a Sync sent ahead with an Execute or a simple query, for the Sync's own call. */
  #syncAnswer: BackendMessage[] | null = null;

  private constructor(options: PGliteThreadOptions) {
    super();
    const require = createRequire(import.meta.url);
    this.#worker = new Worker(THREAD_SCRIPT, {
      eval: true,
      // V8 flags among the parent's (`--max-semi-space-size`, which the strata bin passes) make
      // a worker refuse to start; the thread needs none of them.
      execArgv: [],
      workerData: {
        pglite: require.resolve("@electric-sql/pglite"),
        pgTrgm: require.resolve("@electric-sql/pglite/contrib/pg_trgm"),
        dataDir: options.dataDir,
        startParams: options.startParams,
      },
    });
    this.#worker.on("message", (message: { id: number; bytes?: Uint8Array; error?: { message: string; stack?: string } }) => {
      const call = this.#calls.get(message.id);
      if (!call) return;
      this.#calls.delete(message.id);
      // The thread keeps the process alive only while a call waits for it (as in-process PGlite, which holds nothing).
      if (this.#calls.size === 0) this.#worker.unref();
      if (message.error) {
        const error = new Error(message.error.message);
        if (message.error.stack) error.stack = message.error.stack;
        call.reject(error);
      } else call.resolve(message.bytes);
    });
    this.#worker.on("error", (error) => this.#stop(new Error(`the embedded database's thread failed: ${error.message}`, { cause: error })));
    this.#worker.on("exit", (code) => this.#stop(new Error(`the embedded database's thread stopped (exit code ${code})`)));
    this.#opened = new Promise<Uint8Array | undefined>((resolve, reject) => this.#calls.set(0, { resolve, reject })).catch(
      (error: Error) => {
        throw new Error(`could not open the embedded database (${options.dataDir ?? "in memory"}): ${error.message}`, { cause: error });
      },
    );
    this.waitReady = this.#opened.then(async () => {
      this.#ready = true;
      await this._initArrayTypes();
    });
  }

  /** Starts the thread and opens the database in it; resolves once it answers queries. */
  static async create(options: PGliteThreadOptions = {}): Promise<PGliteThread> {
    const db = new PGliteThread(options);
    try {
      await db.waitReady;
    } catch (error) {
      await db.#worker.terminate();
      throw error;
    }
    return db;
  }

  get ready(): boolean {
    return this.#ready && this.#stopped === null;
  }

  get closed(): boolean {
    return this.#stopped !== null;
  }

  #stop(error: Error): void {
    this.#stopped ??= error;
    for (const call of this.#calls.values()) call.reject(this.#stopped);
    this.#calls.clear();
  }

  #call(op: "exec" | "close", bytes?: Uint8Array, sync = false): Promise<Uint8Array | undefined> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, op, bytes, sync });
    });
  }

  async #exec(bytes: Uint8Array, sync: boolean): Promise<Uint8Array> {
    return (await this.#call("exec", bytes, sync))!;
  }

  /** Closes the database after what was sent before, then ends the thread. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    const closing = this.#call("close");
    this.#stopped = new Error("the embedded database is closed");
    try {
      await closing;
    } finally {
      await this.#worker.terminate();
    }
  }

  /** Parses PGlite's raw answer as PGlite does: notices to `onNotice`, the first error thrown unless told otherwise. */
  #parse(bytes: Uint8Array, options: ProtocolOptions): BackendMessage[] {
    const results: BackendMessage[] = [];
    let error: BackendMessage | null = null;
    new protocol.Parser().parse(bytes, (message) => {
      if (error) return;
      if (message.name === "error" && options.throwOnError !== false) error = message;
      else if (message.name === "notice") options.onNotice?.(message as never);
      results.push(message);
    });
    if (error) throw error;
    return results;
  }

  async execProtocolStream(message: Uint8Array, options: ProtocolOptions = {}): Promise<BackendMessage[]> {
    const kind = message[0];
    if (kind === SYNC && this.#syncAnswer) {
      const answer = this.#syncAnswer;
      this.#syncAnswer = null;
      return answer;
    }
    this.#syncAnswer = null;
    // Answered by a ParseComplete, a BindComplete, a portal's description: nothing PGlite's
    // client reads before the Execute's answer, with which they come.
    if (kind === PARSE || kind === BIND || (kind === DESCRIBE && message[5] === PORTAL)) {
      this.#deferred.push(message);
      return [];
    }
    // An Execute or a simple query is always followed by PGlite's Sync (in a `finally`): it
    // travels now, and its answer, the last ReadyForQuery, waits for its own call.
    const withSync = kind === EXECUTE || kind === QUERY;
    const parts = [...this.#deferred, message];
    this.#deferred = [];
    if (withSync) parts.push(protocol.serialize.sync());
    const bytes = await this.#exec(concat(parts), withSync || kind === SYNC);
    if (!withSync) return this.#parse(bytes, options);
    const answer = this.#parse(bytes, { ...options, throwOnError: false });
    this.#syncAnswer = answer.length > 0 ? [answer.pop()!] : [];
    const error = options.throwOnError !== false && answer.find((m) => m.name === "error");
    if (error) throw error;
    return answer;
  }

  async execProtocol(message: Uint8Array, options: ProtocolOptions = {}) {
    const data = await this.#exec(message, true);
    return { messages: this.#parse(data, options), data };
  }

  execProtocolRaw(message: Uint8Array): Promise<Uint8Array> {
    return this.#exec(message, true);
  }

  async execProtocolRawStream(message: Uint8Array, options: { onRawData: (data: Uint8Array) => void }): Promise<void> {
    options.onRawData(await this.#exec(message, true));
  }

  /** The thread writes PGlite's files after each batch ending outside a transaction, as PGlite does after such a query. */
  async syncToFs(): Promise<void> {}
  // Blobs (COPY to and from files) stay unsupported: Strata does not use them.
  async _handleBlob(): Promise<void> {}
  async _getWrittenBlob(): Promise<undefined> {
    return undefined;
  }
  async _cleanupBlob(): Promise<void> {}
  async _checkReady(): Promise<void> {
    if (this.#stopped) throw this.#stopped;
    await this.#opened;
  }
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T> {
    return this.#queryMutex.runExclusive(fn);
  }
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.#transactionMutex.runExclusive(fn);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
