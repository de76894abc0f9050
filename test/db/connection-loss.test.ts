// PostgreSQL going away (#7, bench:db-restart): a connection the server ends while Baton
// holds it does not crash the process, and every shape such a failure takes is recognised as
// "database unavailable" (intake answers 503 + Retry-After for those, not 500).
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import { Prisma } from "#src/db/generated/client.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { testDatabaseUrl } from "#test/setup/test-database.ts";

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
