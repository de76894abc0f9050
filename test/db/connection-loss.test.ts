// PostgreSQL going away (#7, bench:db-restart): a connection the server ends while Baton
// holds it does not crash the process, and every shape such a failure takes is recognised as
// "database unavailable" (intake answers 503 + Retry-After for those, not 500).
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import { Prisma } from "#src/db/generated/client.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { captureEach } from "#src/services/capture-lead.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { type TestDatabase, testDatabaseUrl } from "#test/setup/test-database.ts";

const database = useTestDatabase();

describe("isDatabaseUnavailable", () => {
  const pgError = (code: string, message = "x") =>
    Object.assign(new Error(message), { code, severity: "FATAL" });
  const prismaError = (code: string, cause: object) =>
    new Prisma.PrismaClientKnownRequestError("Invalid invocation", {
      code,
      clientVersion: "7",
      meta: { driverAdapterError: { name: "DriverAdapterError", cause } },
    });

  it.each([
    [
      "the server shutting down",
      pgError("57P01", "terminating connection due to administrator command"),
    ],
    ["the server starting or stopping", pgError("57P03", "the database system is shutting down")],
    ["a connection exception", pgError("08006", "connection failure")],
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    ],
    [
      "a client whose connection broke",
      new Error("Client has encountered a connection error and is not queryable"),
    ],
    ["a query cut off", new Error("Connection terminated unexpectedly")],
    ["the pool's connect timeout", new Error("timeout exceeded when trying to connect")],
    [
      "Prisma: server unreachable",
      prismaError("P2010", { kind: "DatabaseNotReachable", host: "h", port: 1 }),
    ],
    ["Prisma: connection closed", prismaError("P2010", { kind: "ConnectionClosed" })],
    [
      "Prisma: shutting down",
      prismaError("P2039", { kind: "postgres", code: "57P03", message: "m" }),
    ],
    [
      "Prisma: P1017",
      new Prisma.PrismaClientKnownRequestError("Server has closed the connection.", {
        code: "P1017",
        clientVersion: "7",
      }),
    ],
    ["wrapped as a cause", new Error("capture failed", { cause: pgError("57P01") })],
  ])("recognises %s", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ["a unique violation", pgError("23505", "duplicate key")],
    ["Prisma: unique constraint", prismaError("P2002", { kind: "UniqueConstraintViolation" })],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
    ["not an error", "ECONNREFUSED"],
  ])("does not take %s for an outage", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe.runIf(testDatabaseUrl())("a connection the server ends while Baton holds it", () => {
  it("fails that transaction as 'unavailable' without crashing, and the pool goes on", async () => {
    const db = database.current;
    const failure = await db
      .transaction(async (sql) => {
        const [me] = await sql.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        // Another session ends this one while it is idle between two queries: pg emits
        // 'error' on the checked-out client, which used to have no listener.
        await db.withSession((other) => other.query("SELECT pg_terminate_backend($1)", [me!.pid]));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql.query("SELECT 1");
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeDefined();
    expect(isDatabaseUnavailable(failure)).toBe(true);
    const again = await db.withSession((sql) => sql.query<{ one: number }>("SELECT 1 AS one"));
    expect(again).toEqual([{ one: 1 }]);
  });
});

describe.runIf(testDatabaseUrl())("a Prisma transaction whose connection the server ends", () => {
  it("fails as 'unavailable' without crashing the process, and Prisma goes on", async () => {
    const prisma = database.current.prisma;
    const crashes: unknown[] = [];
    const onUncaught = (error: unknown) => crashes.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const failure = await prisma
        .$transaction(async (tx) => {
          const [me] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
          // The server ends the transaction's connection between two of its queries (a
          // restart, a failover): pg emits 'error' on a client the pool has lent to Prisma,
          // and the process must live through it.
          await database.current.withSession((other) =>
            other.query("SELECT pg_terminate_backend($1)", [me!.pid]),
          );
          await new Promise((resolve) => setTimeout(resolve, 300));
          await tx.$queryRaw`SELECT 1`;
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(crashes).toEqual([]);
      expect(isDatabaseUnavailable(failure)).toBe(true);
      const again = await prisma.$queryRaw<{ one: number }[]>`SELECT 1 AS one`;
      expect(again).toEqual([{ one: 1 }]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});

describe.runIf(testDatabaseUrl())("an intake batch whose connection the server ends", () => {
  it("fails every request of the batch as 'unavailable' (503), without retrying them one by one", async () => {
    const db = database.current;
    const context = {
      scoring: {
        threshold: 40,
        handRaises: [],
        fit: [],
        behavior: { weights: {}, halfLife: 86_400_000, window: 86_400_000 },
      },
      accountMatching: true,
      actor: { type: "API" as const, id: "test" },
      now: new Date("2026-11-20T15:00:00Z"),
    };
    const emails = ["held@loss.io", "other-1@loss.io", "other-2@loss.io"];
    let pending: ReturnType<typeof captureEach> | undefined;
    const held = db.transaction(async (sql) => {
      // An uncommitted lead with the first email: the batch's insert waits on it...
      await sql.query(
        `INSERT INTO "Lead" ("id", "email", "emailDomain", "updatedAt")
         VALUES (gen_random_uuid(), $1, 'loss.io', now())`,
        [emails[0]],
      );
      pending = captureEach(
        db,
        emails.map((email) => leadRequestSchema.parse({ email })),
        context,
      );
      // ...and is ended by the server while it waits.
      for (let tries = 0; tries < 50; tries++) {
        const [ended] = await db.withSession((other) =>
          other.query<{ count: number }>(
            `SELECT count(pg_terminate_backend(pid))::int AS count FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          ),
        );
        if (ended!.count > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error("rolled back on purpose");
    });
    await expect(held).rejects.toThrow("rolled back on purpose");
    const outcomes = await pending!;
    expect(outcomes.map((o) => o.ok)).toEqual([false, false, false]);
    for (const outcome of outcomes) {
      if (outcome.ok) throw new Error("expected a failure");
      expect(isDatabaseUnavailable(outcome.error)).toBe(true);
    }
    expect(await db.prisma.lead.count({ where: { email: { in: emails } } })).toBe(0);
  });
});

describe.runIf(testDatabaseUrl())("the query after one whose connection the server ended", () => {
  // The server's FATAL reply (57P01) fails the query before the socket closes: the client
  // looks alive when it goes back to the pool, and used to be lent again, dead, to the next
  // query (after a failover or a killed backend; the intake batch test, one run in three).
  it.each([
    ["a raw query", (db: TestDatabase) => db.withSession((sql) => sql.query("SELECT 1 AS one"))],
    [
      "a raw transaction",
      (db: TestDatabase) => db.transaction((sql) => sql.query("SELECT 1 AS one")),
    ],
    ["a Prisma query", (db: TestDatabase) => db.prisma.$queryRaw`SELECT 1 AS one`],
    [
      "a Prisma transaction",
      (db: TestDatabase) => db.prisma.$transaction((tx) => tx.$queryRaw`SELECT 1 AS one`),
    ],
  ])("%s runs on a live connection", async (_name, next) => {
    const db = database.current;
    const failure = await db.withSession(async (sql) => {
      const [me] = await sql.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const sleeping = sql.query("SELECT pg_sleep(30)").then(
        () => undefined,
        (error: unknown) => error,
      );
      await db.withSession((other) => other.query("SELECT pg_terminate_backend($1)", [me!.pid]));
      return sleeping;
    });
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(await next(db)).toEqual([{ one: 1 }]);
  });
});
