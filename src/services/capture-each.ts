// Captures concurrent intake requests, each one all-or-nothing on its own: one request the
// database refuses does not fail or half-write the others (the intake batcher's use case).
//
// The common case, a lead Baton has not seen, is one statement for the whole batch: the lead
// rows with their final score and status, their activities, the audit trail and the handoff
// rows, inserted together by data-modifying CTEs. A statement is atomic, so it needs no
// transaction (no BEGIN/COMMIT round trips), and each lead's other rows are inserted only if
// its own row is: a lead that turns out to exist (sent before, or created meanwhile by another
// batch or replica) writes nothing here and is merged by captureLeads' transaction instead.

import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import type { Database } from "#src/db/database.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import { uuidv7 } from "#src/lib/uuid.ts";
import {
  activityRow,
  type CaptureContext,
  type CaptureLeadResult,
  captureLeads,
  decideCapture,
  leadFields,
  newLeadRow,
  numbered,
} from "#src/services/capture-lead.ts";

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Captures each lead on its own. Results in input order; one email's captures run in order. */
export async function captureEach(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<Settled<CaptureLeadResult>[]> {
  const settled: Settled<CaptureLeadResult>[] = new Array(inputs.length);
  // The first capture of each email in the batch may be a new lead; later ones merge into it.
  const firstOf = new Map<string, number>();
  for (const [index, input] of inputs.entries()) {
    if (!firstOf.has(input.email)) firstOf.set(input.email, index);
  }
  const firsts = [...firstOf.values()];
  const created = await eachOrAlone(firsts, (indexes) =>
    createLeads(
      db,
      indexes.map((i) => inputs[i]!),
      context,
    ),
  );
  const rest: number[] = [];
  for (const [index, outcome] of inputs.map((_, i) => [i, created.get(i)] as const)) {
    if (outcome?.ok === false) settled[index] = outcome;
    else if (outcome?.ok && outcome.value) settled[index] = { ok: true, value: outcome.value };
    else rest.push(index);
  }
  // Known leads (and repeated emails): merged under row locks, in one transaction.
  const merged = await eachOrAlone(rest, (indexes) =>
    captureLeads(
      db,
      indexes.map((i) => inputs[i]!),
      context,
    ),
  );
  for (const index of rest) settled[index] = merged.get(index) as Settled<CaptureLeadResult>;
  return settled;
}

/**
 * Runs `write` for all indexes at once; when it fails, for each index alone, so that one bad
 * request costs only itself. An outage fails them all at once: retrying one by one would only
 * wait for the same timeout again and again.
 */
async function eachOrAlone<T>(
  indexes: number[],
  write: (indexes: number[]) => Promise<T[]>,
): Promise<Map<number, Settled<T>>> {
  const outcomes = new Map<number, Settled<T>>();
  if (indexes.length === 0) return outcomes;
  try {
    const values = await write(indexes);
    for (const [k, index] of indexes.entries())
      outcomes.set(index, { ok: true, value: values[k]! });
    return outcomes;
  } catch (error) {
    if (indexes.length === 1 || isDatabaseUnavailable(error)) {
      for (const index of indexes) outcomes.set(index, { ok: false, error });
      return outcomes;
    }
  }
  for (const index of indexes) {
    try {
      const [value] = await write([index]);
      outcomes.set(index, { ok: true, value: value! });
    } catch (error) {
      outcomes.set(index, { ok: false, error });
    }
  }
  return outcomes;
}

/**
 * Creates the leads whose email is not stored yet, each with everything its capture writes, in
 * one statement. Returns each input's result, or undefined for a lead that already exists.
 * `inputs` must not repeat an email.
 */
export async function createLeads(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<(CaptureLeadResult | undefined)[]> {
  const { now } = context;
  const at = now.toISOString();
  const decided = inputs.map((input, index) => {
    const id = uuidv7(now.getTime());
    // An activity sent twice in one request (same sender id or same content) is stored once.
    const unique = new Map<string, ReturnType<typeof activityRow>>();
    for (const activity of input.activities ?? []) {
      const row = activityRow(id, activity);
      if (!unique.has(row.externalId)) unique.set(row.externalId, row);
    }
    const activities = [...unique.values()];
    const fields = leadFields(input);
    const decision = decideCapture({
      lead: {
        id,
        number: 0,
        email: input.email,
        status: "CAPTURED",
        resurfaceAt: null,
        attributes: input.attributes ?? {},
        fields,
      },
      created: true,
      input,
      index,
      facts: fields,
      added: activities.map((a) => ({
        id: a.id,
        type: a.type,
        occurredAt: Date.parse(a.occurredAt),
      })),
      scored: activities.map((a) => ({ type: a.type, occurredAt: Date.parse(a.occurredAt) })),
      sent: input.activities?.length ?? 0,
      context,
    });
    const { update } = decision;
    const lead = {
      ...newLeadRow(input, id),
      score: update.score,
      fitScore: update.fitScore,
      behaviorScore: update.behaviorScore,
      scoreBreakdown: update.scoreBreakdown,
      status: update.status,
      qualifiedAt: update.qualified ? at : null,
      trigger: update.trigger,
      nurturedAt: update.nurtured ? at : null,
    };
    return { decision, lead, activities };
  });
  const rows = await db.withSession((sql) =>
    sql.query<{ id: string; number: number }>(
      CREATE_LEADS,
      [
        JSON.stringify(decided.map((d) => d.lead)),
        JSON.stringify(decided.flatMap((d) => d.activities)),
        JSON.stringify(numbered(decided.flatMap((d) => d.decision.events))),
        JSON.stringify(
          numbered(
            decided.flatMap((d) => d.decision.outbox.map((o) => ({ ...o, leadId: d.lead.id }))),
          ),
        ),
        at,
        context.accountMatching,
      ],
      "baton_create_leads",
    ),
  );
  const numbers = new Map(rows.map((row) => [row.id, row.number]));
  return decided.map(({ decision: { result } }) => {
    const number = numbers.get(result.leadId);
    return number === undefined ? undefined : { ...result, number };
  });
}

/** Owners a new lead's company already has: its account's owner, else the latest open lead's. */
const ACCOUNT_OWNER = `(
  SELECT o."ownerId" FROM (
    SELECT a."ownerId", 0 AS rank, NULL::timestamp AS at
      FROM "Account" a JOIN "Rep" r ON r."id" = a."ownerId"
     WHERE a."domain" = x."companyDomain" AND r."deactivatedAt" IS NULL
    UNION ALL
    SELECT l."ownerId", 1, l."claimedAt"
      FROM "Lead" l JOIN "Rep" r ON r."id" = l."ownerId"
     WHERE l."companyDomain" = x."companyDomain" AND r."deactivatedAt" IS NULL
       AND l."status" IN ('CLAIMED', 'WORKING', 'CONVERTED')
  ) o
  ORDER BY o.rank, o.at DESC NULLS LAST
  LIMIT 1)`;

const LEAD_COLUMNS = `"id", "email", "emailDomain", "firstName", "lastName", "title", "company",
  "companyDomain", "companySize", "industry", "country", "region", "city", "phone", "linkedinUrl",
  "website", "source", "campaign", "externalIds", "attributes"`;

const CREATE_LEADS = `
WITH x AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "email" text, "emailDomain" text,
    "firstName" text, "lastName" text, "title" text, "company" text, "companyDomain" text,
    "companySize" int, "industry" text, "country" text, "region" text, "city" text, "phone" text,
    "linkedinUrl" text, "website" text, "source" text, "campaign" text, "externalIds" jsonb,
    "attributes" jsonb, "score" int, "fitScore" int, "behaviorScore" int, "scoreBreakdown" jsonb,
    "status" text, "qualifiedAt" timestamp(3), "trigger" jsonb, "nurturedAt" timestamp(3))
), lead AS (
  INSERT INTO "Lead" (${LEAD_COLUMNS}, "accountOwnerId", "score", "fitScore", "behaviorScore",
    "scoreBreakdown", "scoredAt", "status", "version", "qualifiedAt", "trigger", "nurturedAt",
    "createdAt", "updatedAt")
  SELECT ${LEAD_COLUMNS},
    CASE WHEN $6::boolean AND x."companyDomain" IS NOT NULL THEN ${ACCOUNT_OWNER} END,
    "score", "fitScore", "behaviorScore", "scoreBreakdown", $5::timestamp(3),
    "status"::"LeadStatus", 1, "qualifiedAt", "trigger", "nurturedAt",
    $5::timestamp(3), $5::timestamp(3)
    FROM x
   WHERE NOT EXISTS (SELECT 1 FROM "Lead" l WHERE l."email" = x."email")
   -- Two batches inserting the same emails wait on each other in one order, never in a cycle.
   ORDER BY x."email"
  ON CONFLICT ("email") DO NOTHING
  RETURNING "id", "number"
), activity AS (
  INSERT INTO "Activity" ("id", "leadId", "type", "occurredAt", "url", "title", "eventName",
    "message", "colleague", "colleagueNote", "source", "campaign", "data", "externalId", "createdAt")
  SELECT a."id", a."leadId", "type", "occurredAt", "url", "title", "eventName", "message",
    "colleague", "colleagueNote", "source", "campaign", "data", "externalId", $5::timestamp(3)
    FROM jsonb_to_recordset($2::jsonb) AS a("id" uuid, "leadId" uuid, "type" text,
      "occurredAt" timestamp(3), "url" text, "title" text, "eventName" text, "message" text,
      "colleague" text, "colleagueNote" text, "source" text, "campaign" text, "data" jsonb,
      "externalId" text)
    JOIN lead ON lead."id" = a."leadId"
), event AS (
  INSERT INTO "LeadEvent" ("leadId", "type", "actorType", "actorId", "fromStatus", "toStatus",
    "reason", "data", "createdAt")
  SELECT "leadId", "type", "actorType"::"ActorType", "actorId", "fromStatus"::"LeadStatus",
    "toStatus"::"LeadStatus", "reason", "data", $5::timestamp(3)
    FROM jsonb_to_recordset($3::jsonb) AS e("leadId" uuid, "type" text, "actorType" text,
      "actorId" text, "fromStatus" text, "toStatus" text, "reason" text, "data" jsonb, "n" int)
    JOIN lead ON lead."id" = e."leadId"
   ORDER BY e."n"
), outbox AS (
  INSERT INTO "OutboxMessage" ("kind", "payload", "orderingKey", "dedupeKey", "availableAt",
    "createdAt")
  SELECT "kind", "payload", "orderingKey", "dedupeKey", $5::timestamp(3), $5::timestamp(3)
    FROM jsonb_to_recordset($4::jsonb) AS o("leadId" uuid, "kind" text, "payload" jsonb,
      "orderingKey" text, "dedupeKey" text, "n" int)
    JOIN lead ON lead."id" = o."leadId"
   ORDER BY o."n"
  ON CONFLICT ("dedupeKey") DO NOTHING
)
SELECT "id", "number" FROM lead`;
