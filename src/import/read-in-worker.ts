// Reads a lead list in a worker thread (src/import/read-worker.ts): the import takes the file's
// records, read and validated, in file order, while its own thread writes to the database.
// Errors come back as they would from reading in this thread: a FatalError says what to fix in
// the file (missing, no email column, a quote never closed), after the records read before it.
import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { threadId, Worker } from "node:worker_threads";
import { FatalError } from "#src/errors.ts";
import type { ReadOptions } from "#src/import/open-import.ts";
import type {
  FromReader,
  OpenedFile,
  PlanningSetup,
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

/** Reads the file; with `planning`, the reader also plans each row's new lead. */
export async function readInWorker(
  options: ReadOptions,
  limits: ReaderLimits,
  planning?: PlanningSetup,
): Promise<WorkerReader> {
  const setup: ReaderSetup = {
    read: { ...options, now: (options.now ?? (() => new Date()))() },
    ...limits,
    planning,
  };
  const worker = new Worker(await readerEntry(), {
    workerData: setup,
    // Not the parent's `--import tsx`: the reader is JavaScript and needs no loader.
    execArgv: [],
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
 * The reader thread's script: dist/import-reader.js in the compiled build (scripts/build.mjs).
 * From the TypeScript sources (tests, `npm run import`, the benchmarks) the same entry is
 * bundled here, once per process, with the build's options: a worker thread starts without its
 * parent's module loader, and loading tsx's in the thread instead cost ~30 MB more (its own
 * loader thread) than the compiled reader.
 */
async function readerEntry(): Promise<URL> {
  if (!import.meta.url.endsWith(".ts")) {
    return pathToFileURL(join(PACKAGE_ROOT, "dist", "import-reader.js"));
  }
  sourceEntry ??= bundleFromSource();
  return sourceEntry;
}

let sourceEntry: Promise<URL> | undefined;

async function bundleFromSource(): Promise<URL> {
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [fileURLToPath(new URL("./read-worker.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20.19",
    packages: "external",
    logLevel: "warning",
  });
  const code = result.outputFiles[0]!.contents;
  // Beside node_modules' packages, so that the bundle's imports of them resolve. Named by its
  // content and renamed into place: test processes running side by side share it safely.
  const dir = join(PACKAGE_ROOT, "node_modules", ".cache", "baton");
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const file = join(dir, `import-reader-${hash}.mjs`);
  await mkdir(dir, { recursive: true });
  const partial = `${file}.${process.pid}.${threadId}`;
  await writeFile(partial, code);
  await rename(partial, file);
  return pathToFileURL(file);
}
