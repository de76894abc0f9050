// Opens Baton's database: embedded PGlite in DATA_DIR by default, or a PostgreSQL server from
// DATABASE_URL. Both speak the same SQL and carry the same Prisma client.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite, parse, protocol, type Transaction } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { Config } from "#src/config.ts";
import { PrismaClient } from "#src/db/generated/client.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import type { Logger } from "#src/logger.ts";

export type Prisma = PrismaClient;

/** A raw connection for work Prisma does not do: migrations and session advisory locks. */
export interface SqlSession {
  /**
   * `name` makes it a prepared statement on PostgreSQL: parsed and planned once per
   * connection, then only bound and run (hot paths; one name, one text).
   */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    name?: string,
  ): Promise<Row[]>;
  /** Sends a whole script as one simple-protocol query: atomic, like Prisma's own migrate. */
  exec(script: string): Promise<void>;
}

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  /** Describes where the data lives, without credentials. */
  location: string;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * A transaction on a raw connection, for hot paths where Prisma's per-query cost matters
   * (intake). Rolled back when `fn` throws. Timestamps should be selected as epoch
   * milliseconds: drivers disagree on how to read `timestamp` without a time zone.
   */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the database the configuration names; throws FatalError with the fix when it cannot. */
// Prisma's defaults fail a transaction that waits 2 s for a connection or runs 5 s. Under a
// burst (fifty reps clicking, a trade-show import, a busy two-core machine) that turned a
// claim into "Sorry, Baton could not do that" although nothing was wrong; a click is acked
// before its transaction starts, so waiting longer costs the user nothing they see.
const transactionOptions = { maxWait: 10_000, timeout: 20_000 };

export async function openDatabase(config: Config["database"], logger: Logger): Promise<Database> {
  return config.kind === "postgres"
    ? openPostgres(config.url, config.poolSize, logger)
    : openPglite(config.dataDir, logger);
}

/**
 * Prisma loads the relations of one `include` side by side, and inside an interactive
 * transaction they all go to the transaction's one pg client, which queues them but warns
 * ("Calling client.query() when the client is already executing a query"; pg 9 will refuse).
 * A transaction's queries run one after another here instead, as the client would run them.
 */
function oneQueryAtATime(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args) => {
      const tx = await startTransaction(...args);
      let last: Promise<unknown> = Promise.resolve();
      const inTurn = <T>(run: () => Promise<T>): Promise<T> => {
        const next = last.then(run, run);
        last = next.catch(() => undefined);
        return next;
      };
      const queryRaw = tx.queryRaw.bind(tx);
      const executeRaw = tx.executeRaw.bind(tx);
      tx.queryRaw = (query) => inTurn(() => queryRaw(query));
      tx.executeRaw = (query) => inTurn(() => executeRaw(query));
      return tx;
    };
    return adapter;
  };
  return factory;
}

export async function openPostgres(
  url: string,
  poolSize: number,
  logger: Logger,
): Promise<Database> {
  const location = describePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // As long as Prisma waits to start a transaction: a click acked to Slack can wait its turn.
    connectionTimeoutMillis: transactionOptions.maxWait,
    idleTimeoutMillis: 30_000,
  });
  // A client whose server went away (restart, failover, admin shutdown: 57P01) emits 'error';
  // unhandled, it would kill the process. Idle clients report it through the pool; a client
  // checked out, by Prisma's transactions too, has no pool listener, so every client gets its
  // own, for its whole life (bench:db-restart, run beside another proof on a loaded machine,
  // died once of an uncaught 57P01). The next query on a broken client fails, and the pool
  // drops it on release.
  const lost = (error: Error) => {
    // Only the message and code: pg's error carries the client, with its connection settings.
    const { message, code } = error as Error & { code?: string };
    logger.warn(
      { err: { message, code } },
      "PostgreSQL connection lost; it will reconnect on next use",
    );
  };
  pool.on("connect", (client) => client.on("error", lost));
  pool.on("error", () => {}); // the client's own listener has logged it
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new FatalError(
      `Cannot connect to PostgreSQL at ${location}: ${errorMessage(error)}. Check DATABASE_URL (its user, password, host, port and database), that the server is running and the database exists, or unset DATABASE_URL to use the embedded database.`,
      { cause: error },
    );
  }
  const prisma = new PrismaClient({
    adapter: oneQueryAtATime(new PrismaPg(pool)),
    transactionOptions,
  });
  // A client checked out of the pool has no pool listener for 'error': if the server ends the
  // connection between two of our queries (shutdown, failover, restart), the client would
  // emit an unhandled 'error' and kill the process (#7, bench:db-restart). Listen while it is
  // out; the next query on it fails, and a broken client is not put back in the pool.
  const checkout = async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error; // logged by the client's own listener
    };
    client.on("error", onError);
    return {
      client,
      release() {
        client.removeListener("error", onError);
        client.release(broken);
      },
    };
  };
  return {
    kind: "postgres",
    prisma,
    location,
    async withSession(fn) {
      const { client, release } = await checkout();
      try {
        return await fn({
          query: async (sql, params, name) =>
            (await client.query({ text: sql, values: params, name })).rows,
          exec: async (script) => {
            await client.query(script);
          },
        });
      } finally {
        release();
      }
    },
    async transaction(fn) {
      const { client, release } = await checkout();
      try {
        await client.query("BEGIN");
        const result = await fn({
          query: async (sql, params, name) =>
            (await client.query({ text: sql, values: params, name })).rows,
          exec: async (script) => {
            await client.query(script);
          },
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        release();
      }
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

export async function openPglite(dataDir: string, logger: Logger): Promise<Database> {
  const pgdata = join(dataDir, "pgdata");
  const releaseLock = lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    mkdirSync(pgdata, { recursive: true });
    pglite = await PGlite.create(pgdata);
  } catch (error) {
    releaseLock();
    throw new FatalError(
      `Cannot open the embedded database in ${pgdata}: ${errorMessage(error)}. Check that DATA_DIR points at a writable folder Baton created, or set DATABASE_URL to use PostgreSQL.`,
      { cause: error },
    );
  }
  logger.debug({ dataDir: pgdata }, "embedded database opened");
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
    query: async (sql, params, name) =>
      (name
        ? await named(name, sql, params ?? [], inTransaction)
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
 * and the query lock, so nothing else interleaves.
 */
function namedStatements(pglite: PGlite) {
  const { serialize } = protocol;
  const types = new Map<string, number[]>();
  const send = async (message: Uint8Array) =>
    (await pglite.execProtocol(message, { syncToFs: false })).messages;
  const run = async (name: string, sql: string, params: unknown[]) => {
    const messages = [];
    try {
      let paramTypes = types.get(name);
      if (!paramTypes) {
        await send(serialize.parse({ name, text: sql }));
        paramTypes = parse.parseDescribeStatementResults(
          await send(serialize.describe({ type: "S", name })),
        );
        types.set(name, paramTypes);
      }
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const serializer = pglite.serializers[paramTypes[i]!];
        return serializer ? serializer(value) : String(value);
      });
      messages.push(...(await send(serialize.bind({ statement: name, values }))));
      messages.push(...(await send(serialize.describe({ type: "P" }))));
      messages.push(...(await send(serialize.execute({}))));
    } finally {
      messages.push(...(await send(serialize.sync())));
    }
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

/** "host:port/database", never the password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return "the configured server";
  }
}
