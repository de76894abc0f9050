// The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in DATA_DIR, in this
// process. Its own module so that a replica on PostgreSQL never loads PGlite (src/db/database.ts
// imports it only when DATABASE_URL is unset).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite, parse, protocol, type Transaction } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { Database, SqlSession } from "#src/db/database-types.ts";
import { PrismaClient } from "#src/db/generated/client.ts";
import { copyTemplateInto } from "#src/db/pglite-template.ts";
import { transactionOptions } from "#src/db/transaction-options.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import type { Logger } from "#src/logger.ts";

/**
 * PostgreSQL's shared buffers live in PGlite's WebAssembly memory, all of it resident from the
 * start: 128 MB by default, half of the embedded database's idle footprint. 64 MB holds the
 * hot part of a team's leads; reads beyond it come from the operating system's file cache.
 */
const START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=64MB"];

export async function openPglite(dataDir: string, logger: Logger): Promise<Database> {
  const pgdata = join(dataDir, "pgdata");
  const releaseLock = lockDataDir(dataDir);
  let pglite: PGlite;
  let fromTemplate = false;
  try {
    fromTemplate = copyTemplateInto(pgdata);
    mkdirSync(pgdata, { recursive: true });
    pglite = await PGlite.create(pgdata, { startParams: START_PARAMS });
  } catch (error) {
    releaseLock();
    throw new FatalError(
      `Cannot open the embedded database in ${pgdata}: ${errorMessage(error)}. Check that DATA_DIR points at a writable folder Baton created, or set DATABASE_URL to use PostgreSQL.`,
      { cause: error },
    );
  }
  logger.debug(
    { dataDir: pgdata, fromTemplate },
    fromTemplate ? "embedded database created from the template" : "embedded database opened",
  );
  return wrapPglite(pglite, pgdata, async () => {
    await pglite.close();
    releaseLock();
  });
}

/** Wraps an open PGlite instance (also used by tests with an in-memory one). */
export function wrapPglite(pglite: PGlite, location: string, close: () => Promise<void>): Database {
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite), transactionOptions });
  const named = namedStatements(pglite);
  const session = (runner: PGlite | Transaction, inTransaction: boolean): SqlSession => ({
    // PGlite's query() would serialize a Uint8Array parameter as a JavaScript value (a jsonb
    // one stored as {"type":"Buffer",...}): an unnamed statement with one takes the extended
    // protocol too, as the unnamed statement ("").
    query: async (sql, params, name) =>
      (name || params?.some((value) => value instanceof Uint8Array)
        ? await named(name ?? "", sql, params ?? [], inTransaction)
        : (await runner.query<Record<string, unknown>>(sql, params)).rows) as never,
    exec: async (script) => {
      await runner.exec(script);
    },
  });
  return {
    kind: "pglite",
    prisma,
    location,
    withSession: (fn) => fn(session(pglite, false)),
    transaction: (fn) => pglite.transaction((tx) => fn(session(tx, true))),
    async ping() {
      await pglite.query("SELECT 1");
    },
    async close() {
      await prisma.$disconnect();
      await close();
    },
  };
}

/**
 * Named statements on PGlite, as pg's `name` gives on PostgreSQL: parsed once, then only bound
 * and run, and planned once PostgreSQL settles on a generic plan. PGlite's own query() parses,
 * analyses and plans every statement every time, in WebAssembly; for the intake's one-statement
 * capture of a batch that was ~35 ms of ~40 for a batch of 16 leads. PGlite has no API for
 * named statements, so this speaks the extended protocol through its execProtocol, holding its
 * locks as its query() does: the transaction lock (unless the caller's transaction holds it)
 * and the query lock, so nothing else interleaves. Each step's messages go in one call ending
 * with Sync (bind, describe, execute, sync: one call instead of four, ~0.1-0.3 ms saved a
 * statement); PGlite runs them all, then throws the first error, after the Sync has ended it.
 * The unnamed statement ("") is parsed and described every time: each Parse replaces it, so
 * its parameter types are not cached.
 */
function namedStatements(pglite: PGlite) {
  const { serialize } = protocol;
  const types = new Map<string, number[]>();
  const send = async (...messages: Uint8Array[]) =>
    (await pglite.execProtocol(concat([...messages, serialize.sync()]), { syncToFs: false }))
      .messages;
  const run = async (name: string, sql: string, params: unknown[]) => {
    let paramTypes = name ? types.get(name) : undefined;
    if (!paramTypes) {
      paramTypes = parse.parseDescribeStatementResults(
        await send(serialize.parse({ name, text: sql }), serialize.describe({ type: "S", name })),
      );
      if (name) types.set(name, paramTypes);
    }
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      if (value instanceof Uint8Array) return value; // a binary parameter, as pg sends a Buffer
      const serializer = pglite.serializers[paramTypes[i]!];
      return serializer ? serializer(value) : String(value);
    });
    const messages = await send(
      serialize.bind({ statement: name, values }),
      serialize.describe({ type: "P" }),
      serialize.execute({}),
    );
    return parse.parseResults(messages, pglite.parsers)[0]?.rows ?? [];
  };
  return (name: string, sql: string, params: unknown[], inTransaction: boolean) =>
    inTransaction
      ? pglite.runExclusive(() => run(name, sql, params))
      : pglite._runExclusiveTransaction(async () => {
          const rows = await pglite.runExclusive(() => run(name, sql, params));
          await pglite.syncToFs(); // as query() does after a statement outside a transaction
          return rows;
        });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * PGlite is one process's database: two processes on one folder would corrupt it. A pid file
 * makes the second one stop with a clear message instead.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, "baton.pid");
  try {
    const pid = Number(readFileSync(lockFile, "utf8").trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new FatalError(
        `Another Baton process (pid ${pid}) is using the embedded database in ${dataDir}. Stop it first, give this one another DATA_DIR, or run several replicas on PostgreSQL with DATABASE_URL.`,
      );
    }
  } catch (error) {
    if (error instanceof FatalError) throw error;
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
