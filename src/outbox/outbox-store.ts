// The outbox table as a work queue shared by every replica: PostgreSQL hands each message to
// one worker (FOR UPDATE SKIP LOCKED), one lead's messages go out in order, and a message
// whose worker died is taken up again when its lease runs out.
import type { Database } from "#src/db/database.ts";

export interface OutboxRow {
  id: bigint;
  kind: string;
  orderingKey: string | null;
  target: string | null;
  payload: unknown;
  attempts: number;
}

/**
 * Leases up to `limit` due messages of the given kinds. A message waits while an earlier
 * message with the same ordering key is still pending, so a lead's messages keep their order.
 */
export async function leaseDue(
  db: Database,
  options: { kinds: string[]; worker: string; now: Date; leaseMs: number; limit: number },
): Promise<OutboxRow[]> {
  const { kinds, worker, now, leaseMs, limit } = options;
  return db.prisma.$queryRawUnsafe<OutboxRow[]>(
    `WITH next AS (
       SELECT o."id" FROM "OutboxMessage" o
        WHERE o."status" = 'PENDING' AND o."kind" = ANY($1::text[])
          AND o."availableAt" <= $2::timestamp(3)
          AND (o."lockedUntil" IS NULL OR o."lockedUntil" <= $2::timestamp(3))
          AND (o."orderingKey" IS NULL OR NOT EXISTS (
            SELECT 1 FROM "OutboxMessage" p
             WHERE p."orderingKey" = o."orderingKey" AND p."status" = 'PENDING' AND p."id" < o."id"))
        ORDER BY o."availableAt", o."id"
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
     UPDATE "OutboxMessage" m
        SET "lockedUntil" = $2::timestamp(3) + make_interval(secs => $4::double precision),
            "lockedBy" = $5, "attempts" = m."attempts" + 1
       FROM next WHERE m."id" = next."id"
     RETURNING m."id", m."kind", m."orderingKey", m."target", m."payload", m."attempts"`,
    kinds,
    now.toISOString(),
    limit,
    leaseMs / 1000,
    worker,
  );
}

/**
 * Leases every due message of `kind` for one target that has at least `threshold` of them
 * (up to `limit`; the target with the oldest such message, not one of `skipTargets`), for delivery as one group: a burst of lead cards for one channel becomes a
 * summary. Same rules as `leaseDue`: a message still waits behind an earlier pending message
 * with its ordering key, and rows another worker holds are skipped.
 */
export async function leaseBurst(
  db: Database,
  options: {
    kind: string;
    threshold: number;
    worker: string;
    now: Date;
    leaseMs: number;
    limit: number;
    /** Targets not to lease now (a coalesced delivery to them is still out). */
    skipTargets?: string[];
  },
): Promise<OutboxRow[]> {
  const { kind, threshold, worker, now, leaseMs, limit, skipTargets = [] } = options;
  const due = `o."status" = 'PENDING' AND o."kind" = $1 AND o."target" IS NOT NULL
          AND NOT (o."target" = ANY($7::text[]))
          AND o."availableAt" <= $2::timestamp(3)
          AND (o."lockedUntil" IS NULL OR o."lockedUntil" <= $2::timestamp(3))
          AND (o."orderingKey" IS NULL OR NOT EXISTS (
            SELECT 1 FROM "OutboxMessage" p
             WHERE p."orderingKey" = o."orderingKey" AND p."status" = 'PENDING' AND p."id" < o."id"))`;
  return db.prisma.$queryRawUnsafe<OutboxRow[]>(
    `WITH busy AS (
       SELECT o."target" FROM "OutboxMessage" o WHERE ${due}
        GROUP BY o."target" HAVING count(*) >= $3
        ORDER BY min(o."id") LIMIT 1),
     next AS (
       SELECT o."id" FROM "OutboxMessage" o
        WHERE o."target" = (SELECT "target" FROM busy) AND ${due}
        ORDER BY o."id"
        LIMIT $4
        FOR UPDATE SKIP LOCKED)
     UPDATE "OutboxMessage" m
        SET "lockedUntil" = $2::timestamp(3) + make_interval(secs => $5::double precision),
            "lockedBy" = $6, "attempts" = m."attempts" + 1
       FROM next WHERE m."id" = next."id"
     RETURNING m."id", m."kind", m."orderingKey", m."target", m."payload", m."attempts"`,
    kind,
    now.toISOString(),
    threshold,
    limit,
    leaseMs / 1000,
    worker,
    skipTargets,
  );
}

/**
 * Whether a group should wait for messages that are still making its members: true while
 * messages of `waitFor` kinds are due, unless a member not yet leased has already waited
 * `maxWaitMs`. (Members leased by a burst being delivered do not count: otherwise, once the
 * first burst of a list was out, every later card of the list went out in a small burst of
 * its own, as soon as five were due: 68 summaries for 500 leads in bench:burst, #13.)
 */
export async function groupStillArriving(
  db: Database,
  options: { kind: string; waitFor: string[]; now: Date; maxWaitMs: number },
): Promise<boolean> {
  const { kind, waitFor, now, maxWaitMs } = options;
  const [row] = await db.prisma.$queryRawUnsafe<{ arriving: boolean }[]>(
    `SELECT EXISTS (
              SELECT 1 FROM "OutboxMessage"
               WHERE "status" = 'PENDING' AND "kind" = ANY($1::text[])
                 AND "availableAt" <= $2::timestamp(3))
        AND NOT EXISTS (
              SELECT 1 FROM "OutboxMessage"
               WHERE "status" = 'PENDING' AND "kind" = $3
                 AND ("lockedUntil" IS NULL OR "lockedUntil" <= $2::timestamp(3))
                 AND "availableAt" <= $2::timestamp(3) - make_interval(secs => $4::double precision))
        AS "arriving"`,
    waitFor,
    now.toISOString(),
    kind,
    maxWaitMs / 1000,
  );
  return row?.arriving === true;
}

/**
 * Extends the leases this worker still holds on messages it is delivering, so a delivery that
 * waits longer than one lease (a burst's parts paced at one a second, a channel held after a
 * 429) is not leased again by another worker and posted twice (#13). Rows settled meanwhile
 * (done, dead, or released for a retry: `lockedUntil` null) are left alone.
 */
export async function renewLeases(
  db: Database,
  options: { ids: bigint[]; worker: string; now: Date; leaseMs: number },
): Promise<number> {
  const { ids, worker, now, leaseMs } = options;
  if (ids.length === 0) return 0;
  return db.prisma.$executeRawUnsafe(
    `UPDATE "OutboxMessage"
        SET "lockedUntil" = $3::timestamp(3) + make_interval(secs => $4::double precision)
      WHERE "id" = ANY($1::bigint[]) AND "lockedBy" = $2 AND "status" = 'PENDING'
        AND "lockedUntil" IS NOT NULL`,
    ids.map(String),
    worker,
    now.toISOString(),
    leaseMs / 1000,
  );
}

/** Marks delivered messages done, all in one statement (a group's part is done as a whole). */
export async function markDone(
  db: Database,
  ids: bigint[],
  worker: string,
  now: Date,
  result: unknown,
) {
  await db.prisma.outboxMessage.updateMany({
    where: { id: { in: ids }, lockedBy: worker },
    data: {
      status: "DONE",
      deliveredAt: now,
      lockedUntil: null,
      result: (result ?? undefined) as never,
      lastError: null,
    },
  });
}

export async function markRetry(
  db: Database,
  id: bigint,
  worker: string,
  availableAt: Date,
  error: string,
) {
  await db.prisma.outboxMessage.updateMany({
    where: { id, lockedBy: worker },
    data: { availableAt, lockedUntil: null, lastError: error.slice(0, 2000) },
  });
}

export async function markDead(db: Database, id: bigint, worker: string, error: string) {
  await db.prisma.outboxMessage.updateMany({
    where: { id, lockedBy: worker },
    data: { status: "DEAD", lockedUntil: null, lastError: error.slice(0, 2000) },
  });
}

/** After a 429 for a channel, every pending message to it waits: on every replica. */
export async function holdTarget(db: Database, target: string, until: Date) {
  await db.prisma.$executeRawUnsafe(
    `UPDATE "OutboxMessage" SET "availableAt" = GREATEST("availableAt", $2::timestamp(3))
      WHERE "status" = 'PENDING' AND "target" = $1`,
    target,
    until.toISOString(),
  );
}
