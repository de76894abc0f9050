// What the rest of Baton sees of its database, whichever one it is (src/db/database.ts opens
// PostgreSQL, src/db/pglite.ts the embedded one).
import type { PrismaClient } from "#src/db/generated/client.ts";

export type Prisma = PrismaClient;

/** A raw connection for work Prisma does not do: migrations and session advisory locks. */
export interface SqlSession {
  /**
   * `name` makes it a prepared statement on PostgreSQL: parsed and planned once per
   * connection, then only bound and run (hot paths; one name, one text). A Buffer parameter
   * goes as a binary parameter (db/jsonb-param.ts), named or not: on PGlite an unnamed
   * statement with one is parsed and described each time, not run by PGlite's own query(),
   * which would serialize it as a JavaScript value.
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
