// Opens Baton's database: embedded PGlite in DATA_DIR by default, or a PostgreSQL server from
// DATABASE_URL. Both speak the same SQL and carry the same Prisma client.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database-types.ts";
import { PrismaClient } from "#src/db/generated/client.ts";
import { transactionOptions } from "#src/db/transaction-options.ts";
import { errorMessage, FatalError } from "#src/errors.ts";
import type { Logger } from "#src/logger.ts";

// The shape every caller uses lives in its own module, which the PGlite module shares.
export type { Database, Prisma, SqlSession } from "#src/db/database-types.ts";

/**
 * Opens the database the configuration names; throws FatalError with the fix when it cannot.
 * PGlite (its WebAssembly PostgreSQL and adapter) is loaded only when it is the one used.
 */

export async function openDatabase(config: Config["database"], logger: Logger): Promise<Database> {
  if (config.kind === "postgres") return openPostgres(config.url, config.poolSize, logger);
  const { openPglite } = await import("#src/db/pglite.ts");
  return openPglite(config.dataDir, logger);
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
  watchConnections(pool, logger);
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

/**
 * A client whose server went away (restart, failover, admin shutdown: 57P01) emits 'error';
 * unhandled, it would kill the process. Idle clients report it through the pool; a client
 * checked out, by Prisma's transactions too, has no pool listener, so every client gets its
 * own, for its whole life (bench:db-restart, run beside another proof on a loaded machine,
 * died once of an uncaught 57P01). The next query on a broken client fails, and the pool
 * drops it on release.
 */
function watchConnections(pool: pg.Pool, logger: Logger): void {
  const lost = (error: Error) => {
    // Only the message and code: pg's error carries the client, with its connection settings.
    const { message, code } = error as Error & { code?: string };
    logger.warn(
      { err: { message, code } },
      "PostgreSQL connection lost; it will reconnect on next use",
    );
  };
  pool.on("connect", (client) => {
    // Logged once: an idle client's FATAL reply comes both as 'error' and as the reply.
    let logged = false;
    const lostOnce = (error: Error) => {
      if (!logged) lost(error);
      logged = true;
    };
    client.on("error", lostOnce);
    endOnFatal(client as pg.PoolClient & pg.Client, lostOnce);
  });
  pool.on("error", () => {}); // the client's own listener has logged it
}

/**
 * The server ends a session (a terminated backend, a failover, a shutdown: 57P01) by failing
 * the running query with a FATAL error, and only then closes the socket. Released between the
 * two, the client looked alive to the pool, which lent it, dead, to the next query (the
 * intake batch test failed one run in three under load). A FATAL reply now ends the client
 * at once, before anyone can release it: the pool drops an ending client, and a later query
 * on it fails at once as unavailable ("not queryable") instead of waiting for the socket.
 */
function endOnFatal(client: pg.Client, lost: (error: Error) => void): void {
  client.connection.on("errorMessage", (error: pg.DatabaseError) => {
    if (error.severity !== "FATAL" && error.severity !== "PANIC") return;
    lost(error);
    client.end().catch(() => {});
  });
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
