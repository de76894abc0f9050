// Reads a lead list in a worker thread (src/import/read-worker.ts): the import takes the file's
// records, read and validated, in file order, while its own thread writes to the database.
// Errors come back as they would from reading in this thread: a FatalError says what to fix in
// the file (missing, no email column, a quote never closed), after the records read before it.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { FatalError } from "#src/errors.ts";
import type { ReadOptions } from "#src/import/open-import.ts";
import type {
  FromReader,
  OpenedFile,
  Positioned,
  ReaderSetup,
  ToReader,
} from "#src/import/read-protocol.ts";
import { PACKAGE_ROOT } from "#src/lib/package-root.ts";

export interface ReaderLimits {
  /** A chunk holds at most this many records... */
  chunkRecords: number;
  /** ...and this many bytes of fields (one longer record goes alone). */
  chunkBytes: number;
  /** Chunks read ahead of the import, at most. */
  chunksAhead: number;
}

export interface WorkerReader {
  file: OpenedFile;
  /** The file's records in order; throws where reading stopped. Ends the thread when done. */
  items: AsyncGenerator<Positioned, void, undefined>;
  /** Stops the reader thread (idempotent). */
  close(): Promise<void>;
}

/**
 * The reader's heap: its chunks, the parser's buffer (a record up to 4 MB) and its modules fit
 * in a fraction of this; the young generation is kept small so that the garbage of parsing is
 * collected often and the thread's memory stays flat.
 */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 };

export async function readInWorker(
  options: ReadOptions,
  limits: ReaderLimits,
): Promise<WorkerReader> {
  const setup: ReaderSetup = {
    read: { ...options, now: (options.now ?? (() => new Date()))() },
    ...limits,
  };
  const entry = readerEntry();
  const worker = new Worker(entry.url, {
    workerData: setup,
    execArgv: entry.execArgv,
    resourceLimits: RESOURCE_LIMITS,
  });
  const inbox = messages(worker);
  const close = () => worker.terminate().then(() => undefined);
  const first = await inbox.next();
  if (first.type !== "opened") {
    await close();
    throw first.type === "failed" ? readerError(first) : new Error("the CSV reader sent no header");
  }
  async function* items(): AsyncGenerator<Positioned, void, undefined> {
    try {
      for (;;) {
        const message = await inbox.next();
        if (message.type === "end") return;
        if (message.type === "failed") throw readerError(message);
        if (message.type === "chunk") {
          worker.postMessage({ type: "more" } satisfies ToReader);
          yield* message.items;
        }
      }
    } finally {
      await close();
    }
  }
  return { file: first.file, items: items(), close };
}

/** The worker's messages in order; its crash or exit as a last "failed" message. */
function messages(worker: Worker) {
  const queue: FromReader[] = [];
  let waiting: ((message: FromReader) => void) | undefined;
  let over = false;
  const push = (message: FromReader) => {
    if (over) return;
    if (message.type === "end" || message.type === "failed") over = true;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(message);
    } else queue.push(message);
  };
  worker.on("message", push);
  worker.on("error", (error) =>
    push({ type: "failed", fatal: false, message: error.message, stack: error.stack }),
  );
  worker.on("exit", (code) =>
    push({ type: "failed", fatal: false, message: `the CSV reader thread exited (code ${code})` }),
  );
  return {
    next: (): Promise<FromReader> =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : new Promise((resolve) => {
            waiting = resolve;
          }),
  };
}

function readerError(message: Extract<FromReader, { type: "failed" }>): Error {
  if (message.fatal) return new FatalError(message.message);
  const error = new Error(`reading the file failed: ${message.message}`);
  if (message.stack) error.stack = message.stack;
  return error;
}

/**
 * The reader thread's script: from the TypeScript sources, a bootstrap that loads tsx first;
 * from the compiled build (scripts/build.mjs), dist/import-reader.js.
 */
function readerEntry(): { url: URL; execArgv?: string[] } {
  if (import.meta.url.endsWith(".ts")) {
    return { url: new URL("./read-worker-source.mjs", import.meta.url), execArgv: [] };
  }
  return { url: pathToFileURL(join(PACKAGE_ROOT, "dist", "import-reader.js")) };
}
