// The set-based half of the SLA sweep: many due leads locked, read, marked and rescheduled in a
// handful of statements, whatever the batch size. The per-lead rules stay in sla-steps and
// schedule; this file only moves rows.
import type { SlaStep } from "#src/domain/sla.ts";
import type { Tx } from "#src/services/lead-journal.ts";
import type { DueLead } from "#src/services/sla-steps.ts";

/**
 * Locks those of `ids` that are still due (rows another replica holds are skipped), then reads
 * them as the notices need them. Two statements, as in lockLead: a locking read that joins
 * other tables can see the joined rows of a version it did not lock.
 */
export async function lockDueLeads(tx: Tx, ids: string[], now: Date): Promise<DueLead[]> {
  const at = now.toISOString();
  const locked = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT "id" FROM "Lead"
      WHERE "id" = ANY($1::uuid[]) AND "slaDueAt" <= $2::timestamp(3)
      ORDER BY "slaDueAt" FOR UPDATE SKIP LOCKED`,
    ids,
    at,
  );
  if (locked.length === 0) return [];
  return tx.$queryRawUnsafe<DueLead[]>(
    `SELECT l."id", l."number", l."status", l."offeredToId", l."offeredAt", l."claimedAt",
            l."lastTouchAt", l."touchCount", l."slaCycle", t."key" AS "teamKey",
            o."slackUserId" AS "ownerSlackId", f."slackUserId" AS "offeredToSlackId",
            COALESCE(o."slackUserId", f."slackUserId") AS "holderSlackId",
            CASE WHEN o."id" IS NOT NULL THEN o."slackTimezone" ELSE f."slackTimezone" END
              AS "holderTimezone",
            COALESCE(o."paused" OR (o."awayUntil" IS NOT NULL AND o."awayUntil" > $2::timestamp(3))
                       OR (o."statusAway" AND (o."statusUntil" IS NULL
                                               OR o."statusUntil" > $2::timestamp(3))),
                     false) AS "ownerAway"
       FROM "Lead" l
       LEFT JOIN "Team" t ON t."id" = l."teamId"
       LEFT JOIN "Rep" o ON o."id" = l."ownerId"
       LEFT JOIN "Rep" f ON f."id" = l."offeredToId"
      WHERE l."id" = ANY($1::uuid[])
      ORDER BY l."slaDueAt"`,
    locked.map((row) => row.id),
    at,
  );
}

/** The stages each lead has done in its current cycle. */
export async function doneStages(
  tx: Tx,
  leads: readonly DueLead[],
): Promise<Map<string, Set<string>>> {
  const rows = await tx.$queryRawUnsafe<{ leadId: string; cycle: number; stage: string }[]>(
    `SELECT "leadId", "cycle", "stage" FROM "SlaNotice" WHERE "leadId" = ANY($1::uuid[])`,
    leads.map((lead) => lead.id),
  );
  const cycle = new Map(leads.map((lead) => [lead.id, lead.slaCycle]));
  const done = new Map(leads.map((lead) => [lead.id, new Set<string>()]));
  for (const row of rows) {
    if (cycle.get(row.leadId) === row.cycle) done.get(row.leadId)?.add(row.stage);
  }
  return done;
}

/**
 * Records the steps as fired (SlaNotice is unique per lead, cycle and stage) and returns the
 * ones this call recorded, as "leadId stage": a step recorded before is not fired again.
 */
export async function markFired(
  tx: Tx,
  steps: readonly { leadId: string; cycle: number; stage: string }[],
  now: Date,
): Promise<Set<string>> {
  if (steps.length === 0) return new Set();
  const rows = await tx.$queryRawUnsafe<{ leadId: string; stage: string }[]>(
    `INSERT INTO "SlaNotice" ("leadId", "cycle", "stage", "createdAt")
     SELECT s."leadId", s."cycle", s."stage", $4::timestamp(3)
       FROM unnest($1::uuid[], $2::int[], $3::text[]) AS s("leadId", "cycle", "stage")
     ON CONFLICT DO NOTHING
     RETURNING "leadId", "stage"`,
    steps.map((s) => s.leadId),
    steps.map((s) => s.cycle),
    steps.map((s) => s.stage),
    now.toISOString(),
  );
  return new Set(rows.map((row) => `${row.leadId} ${row.stage}`));
}

/** Stores each lead's next step (or none) on the lead, in one statement. */
export async function storeNextSteps(
  tx: Tx,
  next: readonly { leadId: string; step: SlaStep | undefined }[],
): Promise<void> {
  if (next.length === 0) return;
  await tx.$executeRawUnsafe(
    `UPDATE "Lead" l SET "slaStage" = n."stage", "slaDueAt" = n."dueAt"
       FROM unnest($1::uuid[], $2::text[], $3::timestamp(3)[]) AS n("id", "stage", "dueAt")
      WHERE l."id" = n."id"`,
    next.map((n) => n.leadId),
    next.map((n) => n.step?.stage ?? null),
    next.map((n) => n.step?.dueAt.toISOString() ?? null),
  );
}
