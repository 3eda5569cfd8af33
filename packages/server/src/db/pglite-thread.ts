import { createRequire } from "node:module";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
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
const { port } = workerData;
const signal = new Int32Array(workerData.signal);
// Emscripten's file system throws objects without a message ({ name: "ErrnoError", errno: 54 }).
const describe = (error) => ({
  message: (error && error.message) || (error && error.name ? error.name + (error.errno === undefined ? "" : " (errno " + error.errno + ")") : String(error)),
  stack: error && error.stack,
});
// The answer goes on the port first; then the signal, which counts the answers, wakes the caller,
// who takes it from the port.
const answer = (message, transfer) => {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};
let pg;
const open = (async () => {
  const { PGlite } = require(workerData.pglite);
  const { pg_trgm } = require(workerData.pgTrgm);
  const options = { extensions: { pg_trgm } };
  if (workerData.startParams) options.startParams = workerData.startParams;
  pg = await PGlite.create(workerData.dataDir, options);
})();
let queue = open.then(() => answer({}), (error) => answer({ error: describe(error) }));
parentPort.on("message", ({ op, bytes, sync }) => {
  queue = queue.then(async () => {
    try {
      if (op === "exec") {
        // A copy: the answer is a view of PGlite's own output buffer, which the next call reuses.
        const bytesOut = pg.execProtocolRawSync(bytes).slice();
        if (sync && !pg.isInTransaction()) await pg.syncToFs();
        answer({ bytes: bytesOut }, [bytesOut.buffer]);
      } else if (op === "close") {
        await pg.close();
        answer({});
      }
    } catch (error) {
      answer({ error: describe(error) });
    }
  });
});
`;

/**
 * How long a call waits for its answer holding this thread, before it waits letting the event
 * loop turn. A small statement's answer comes within it (~0.1-0.3 ms) and is taken at once, as
 * in-process PGlite would answer, with no turn of a busy event loop (a serialization in slices,
 * say) to wait for; a longer one is waited for asynchronously.
 */
const HOLD_MS = 2;

// Node 20 has it; TypeScript's lib declares it from ES2024 on.
const waitAsync = (
  Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }
).waitAsync;

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

/** Statement descriptions kept (#describeStatement): more than the server's distinct hot statements. */
const DESCRIBED_KEPT = 1000;
/** Statements that may change a statement's parameter or column types. */
const SCHEMA_CHANGE = /^\s*(CREATE|ALTER|DROP|COMMENT|TRUNCATE|DO|IMPORT|SECURITY|REINDEX|DISCARD|RESET|SET)\b/i;
/** Scripts that leave types as they are: a transaction's bounds. */
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|END|SAVEPOINT|RELEASE)\b[^;]*;?\s*$/i;

/** The start of a Parse's or Query's statement text (after `offset`), enough to see what kind it is. */
function statementStart(message: Uint8Array, offset: number): string {
  const end = Math.min(message.byteLength, offset + 512);
  let text = "";
  for (let i = offset; i < end && message[i] !== 0; i++) text += String.fromCharCode(message[i]!);
  return text.replace(/^(\s|--[^\n]*\n)+/, "");
}

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
 * five messages and Sync cross in two trips the first time (Parse and Describe, since PGlite asks
 * for the parameters' types before it serializes them; then Bind, Describe, Execute and Sync),
 * and in one once its description is cached. A small query costs ~0.25 ms more than in process.
 */
export class PGliteThread extends BasePGlite {
  readonly debug = 0;
  readonly waitReady: Promise<void>;
  /** The thread (TypeScript-private, not #private: a test ends it as a crash would). */
  private readonly worker: Worker;
  readonly #opened: Promise<unknown>;
  /** How many answers the thread has put on #port (it counts each once the answer is there). */
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  /** How many of them this side has taken. */
  #answers = 0;
  readonly #port: MessagePort;
  readonly #queryMutex = new Mutex();
  readonly #transactionMutex = new Mutex();
  /** One exchange with the thread at a time: the answer on the port is the last request's. */
  #exchange: Promise<unknown>;
  #stopped: Error | null = null;
  readonly #stoppedSignal: Promise<void>;
  #onStop!: () => void;
  #ready = false;
  /** Messages held back to travel with the next one that needs an answer. */
  #deferred: Uint8Array[] = [];
  /** The answer to a Sync sent ahead with an Execute or a simple query, for the Sync's own call. */
  #syncAnswer: BackendMessage[] | null = null;
  /** The last Parse, until its statement's Describe. */
  #parsed: Uint8Array | null = null;
  /** Statements' descriptions, by their Parse message (see #describeStatement). */
  readonly #described = new Map<string, BackendMessage[]>();
  /** Whether the Describe travelling with the next Execute was answered from the cache. */
  #describedAhead = false;

  private constructor(options: PGliteThreadOptions) {
    super();
    const require = createRequire(import.meta.url);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.worker = new Worker(THREAD_SCRIPT, {
      eval: true,
      // V8 flags among the parent's (`--max-semi-space-size`, which the strata bin passes) make
      // a worker refuse to start; the thread needs none of them.
      execArgv: [],
      workerData: {
        pglite: require.resolve("@electric-sql/pglite"),
        pgTrgm: require.resolve("@electric-sql/pglite/contrib/pg_trgm"),
        dataDir: options.dataDir,
        startParams: options.startParams,
        signal: this.#signal.buffer,
        port: port2,
      },
      transferList: [port2],
    });
    // The thread keeps the process alive only while a call waits for it (as in-process PGlite, which holds nothing).
    this.worker.unref();
    this.#stoppedSignal = new Promise((resolve) => (this.#onStop = resolve));
    this.worker.on("error", (error) => this.#stop(new Error(`the embedded database's thread failed: ${error.message}`, { cause: error })));
    this.worker.on("exit", (code) => this.#stop(new Error(`the embedded database's thread stopped (exit code ${code})`)));
    this.#opened = this.#receive().catch((error: Error) => {
      throw new Error(`could not open the embedded database (${options.dataDir ?? "in memory"}): ${error.message}`, { cause: error });
    });
    this.#exchange = this.#opened.catch(() => {});
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
      await db.worker.terminate();
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
    this.#onStop();
  }

  /**
   * Waits for the thread's next answer: holding this thread for HOLD_MS, then letting the event
   * loop turn. The signal counts answers: a wake-up that finds the count unchanged (a late
   * notification of the previous answer, which the thread sends after counting it) waits again.
   */
  async #receive(): Promise<Uint8Array | undefined> {
    const seen = this.#answers;
    let held = false;
    while (Atomics.load(this.#signal, 0) === seen) {
      if (this.#stopped) throw this.#stopped;
      if (!held) {
        held = true;
        Atomics.wait(this.#signal, 0, seen, HOLD_MS);
        continue;
      }
      const waiting = waitAsync(this.#signal, 0, seen);
      if (!waiting.async) continue;
      this.worker.ref();
      try {
        await Promise.race([waiting.value, this.#stoppedSignal]);
      } finally {
        this.worker.unref();
      }
    }
    this.#answers = (seen + 1) | 0;
    const received = receiveMessageOnPort(this.#port)?.message as
      | { bytes?: Uint8Array; error?: { message: string; stack?: string } }
      | undefined;
    if (!received) throw new Error("the embedded database's thread counted an answer it did not send");
    if (received.error) {
      const error = new Error(received.error.message);
      if (received.error.stack) error.stack = received.error.stack;
      throw error;
    }
    return received.bytes;
  }

  #call(op: "exec" | "close", bytes?: Uint8Array, sync = false): Promise<Uint8Array | undefined> {
    const call = this.#exchange.then(() => {
      if (this.#stopped) throw this.#stopped;
      this.worker.postMessage({ op, bytes, sync });
      return this.#receive();
    });
    this.#exchange = call.catch(() => {});
    return call;
  }

  async #exec(bytes: Uint8Array, sync: boolean): Promise<Uint8Array> {
    return (await this.#call("exec", bytes, sync))!;
  }

  /** Closes the database after what was sent before, then ends the thread. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    const closing = this.#call("close");
    this.#exchange = closing.catch(() => {}).then(() => this.#stop(new Error("the embedded database is closed")));
    try {
      await closing;
    } finally {
      this.#stop(new Error("the embedded database is closed"));
      await this.worker.terminate();
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
    if (kind === PARSE) {
      if (SCHEMA_CHANGE.test(statementStart(message, 6))) this.#described.clear();
      this.#parsed = message;
    }
    // Answered by a ParseComplete, a BindComplete, a portal's description: nothing PGlite's
    // client reads before the Execute's answer, with which they come.
    if (kind === PARSE || kind === BIND || (kind === DESCRIBE && message[5] === PORTAL)) {
      this.#deferred.push(message);
      return [];
    }
    if (kind === DESCRIBE && this.#parsed) return this.#describeStatement(message, options);
    if (kind === QUERY && !TRANSACTION_CONTROL.test(statementStart(message, 5))) this.#described.clear();
    // An Execute or a simple query is always followed by PGlite's Sync (in a `finally`): it
    // travels now, and its answer, the last ReadyForQuery, waits for its own call.
    const withSync = kind === EXECUTE || kind === QUERY;
    const parts = [...this.#deferred, message];
    this.#deferred = [];
    if (withSync) parts.push(protocol.serialize.sync());
    const bytes = await this.#exec(concat(parts), withSync || kind === SYNC);
    if (!withSync) return this.#parse(bytes, options);
    let answer = this.#parse(bytes, { ...options, throwOnError: false });
    this.#syncAnswer = answer.length > 0 ? [answer.pop()!] : [];
    if (this.#describedAhead) {
      // The statement's description, already given from the cache, came again: left out.
      this.#describedAhead = false;
      const bound = answer.findIndex((m) => m.name === "bindComplete");
      if (bound > 0) answer = answer.slice(bound);
    }
    const error = options.throwOnError !== false && answer.find((m) => m.name === "error");
    if (error) throw error;
    return answer;
  }

  /**
   * A statement's description (its parameters' types, which PGlite reads before it serializes
   * them, and its columns): from the thread the first time, then from a cache keyed by the Parse
   * message (the text and any declared types), the Parse and Describe then travelling with the
   * Bind. A repeated statement so costs one trip to the thread, not two. A schema change (a
   * statement other than transaction control sent as a script, or DDL) empties the cache.
   */
  async #describeStatement(message: Uint8Array, options: ProtocolOptions): Promise<BackendMessage[]> {
    const key = Buffer.from(this.#parsed!.buffer, this.#parsed!.byteOffset, this.#parsed!.byteLength).toString("latin1");
    this.#parsed = null;
    const cached = this.#described.get(key);
    if (cached) {
      this.#deferred.push(message);
      this.#describedAhead = true;
      return cached;
    }
    const parts = [...this.#deferred, message];
    this.#deferred = [];
    const answer = this.#parse(await this.#exec(concat(parts), false), options);
    if (this.#described.size >= DESCRIBED_KEPT) this.#described.delete(this.#described.keys().next().value!);
    this.#described.set(key, answer);
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
