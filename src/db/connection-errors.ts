// Which errors mean "the database cannot be reached right now, try again shortly" rather than
// a bug or bad data. PostgreSQL going away shows up in many shapes (#7, bench:db-restart):
// pg socket errors (ECONNREFUSED, ECONNRESET), the server's own codes while it shuts down or
// starts (57P01, 57P03, class 08), pg messages without a code ("Connection terminated
// unexpectedly", "… is not queryable", pg-pool's connect timeout), and Prisma's wrappings of
// all of these (P1001, P1017, or P2010/P2039 whose driver adapter error says why).
import { Prisma } from "#src/db/generated/client.ts";

const CODES = new Set([
  // Node sockets
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections
  "57P01",
  "57P02",
  "57P03",
  "53300",
  // Prisma: can't reach, timed out, closed the connection, pool timeout
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
]);

/** Prisma's driver adapter error kinds that mean the same. */
const KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

/** pg errors that carry no code. */
const MESSAGES = [
  /^Connection terminated/,
  /is not queryable$/,
  /^timeout exceeded when trying to connect$/,
  /^Can't reach database server/,
  /^Server has closed the connection/,
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  const e = error as {
    code?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (typeof e.code === "string" && (CODES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) {
    return true;
  }
  if (typeof e.kind === "string" && KINDS.has(e.kind)) return true;
  if (
    typeof e.message === "string" &&
    MESSAGES.some((pattern) => pattern.test(e.message as string))
  ) {
    return true;
  }
  return (
    isDatabaseUnavailable(e.cause, depth + 1) ||
    isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1)
  );
}
