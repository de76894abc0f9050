// The rows a capture writes: leads, their activities, the audit trail, outbox messages and
// idempotency keys, each statement written once for both capture paths (new leads created by
// one statement; known leads merged under row locks in a transaction).
//
// The statements are set-based, a batch's rows passed as one JSON document, because intake
// throughput matters: Prisma costs ~1.5 ms of JavaScript per query, so a dozen queries per lead
// would cap a process near 100 leads/s. Timestamps are read as epoch milliseconds: pg and
// PGlite disagree on how to read `timestamp` without a time zone.
import { createHash } from "node:crypto";
import type { SqlSession } from "#src/db/database.ts";
import type { ActorType, LeadStatus } from "#src/db/generated/enums.ts";
import { jsonbArray, jsonbParam } from "#src/db/jsonb-param.ts";
import { type Fields, LEAD_FIELDS } from "#src/domain/capture.ts";
import { uuidv7 } from "#src/lib/uuid.ts";

/** A new lead's row, with the score and status its capture decided. Times are ISO strings. */
export type NewLeadRow = Omit<Fields, "companyDomain"> & {
  id: string;
  email: string;
  emailDomain: string;
  companyDomain: string | null;
  externalIds: Record<string, string>;
  attributes: Record<string, unknown>;
  score: number;
  fitScore: number;
  behaviorScore: number;
  scoreBreakdown: unknown;
  status: LeadStatus;
  qualifiedAt: string | null;
  trigger: unknown;
  nurturedAt: string | null;
};

/** An activity as a request sends it (intake/schemas.ts). */
export interface ActivityValues {
  type: string;
  occurredAt: Date;
  url?: string;
  title?: string;
  eventName?: string;
  message?: string;
  colleague?: string;
  colleagueNote?: string;
  source?: string;
  campaign?: string;
  externalId?: string;
  data?: Record<string, unknown>;
}

export type ActivityRow = ReturnType<typeof activityRow>;

export interface EventRow {
  leadId: string;
  type: string;
  actorType: ActorType;
  actorId: string | null;
  fromStatus: LeadStatus | null;
  toStatus: LeadStatus | null;
  reason: string | null;
  data: unknown;
  /** Its place in the order rows were made (services/new-lead-plan.ts): inserted in that order. */
  n: number;
}

/** An outbox message about a lead (outbox/messages.ts types its kind and payload). */
export interface OutboxRow {
  leadId: string;
  kind: string;
  payload: unknown;
  orderingKey: string | null;
  dedupeKey: string | null;
  /** As EventRow's. */
  n: number;
}

/**
 * Everything a new lead writes, as UTF-8 JSON (services/new-lead-plan.ts plans it): `lead` a
 * NewLeadRow; `activities`, `events` and `outbox` the comma-separated elements of arrays of
 * ActivityRow, EventRow and OutboxRow (empty for none), events and outbox rows inserted in the
 * order of their `n`.
 */
export interface NewLeadJson {
  lead: Uint8Array;
  activities: Uint8Array;
  events: Uint8Array;
  outbox: Uint8Array;
}

/**
 * An activity without the sender's id gets one derived from its content, so sending the same
 * activity twice (a retried request, a re-imported file) stores it once.
 */
export function activityRow(leadId: string, activity: ActivityValues) {
  const { data, externalId, occurredAt, ...rest } = activity;
  const derived =
    externalId ??
    `sha256:${createHash("sha256")
      .update(
        JSON.stringify([
          rest.type,
          occurredAt.toISOString(),
          rest.url,
          rest.title,
          rest.eventName,
          rest.message,
          rest.colleague,
        ]),
      )
      .digest("hex")
      .slice(0, 40)}`;
  return {
    ...rest,
    id: uuidv7(),
    leadId,
    occurredAt: occurredAt.toISOString(),
    externalId: derived,
    data: data ?? {},
  };
}

/** Restricts a statement's rows to those of the leads the `lead` step inserted. */
const ofNewLeads = (alias: string) => ` JOIN lead ON lead."id" = ${alias}."leadId"`;

function activitiesInsert(rows: string, now: string, only = "") {
  return `INSERT INTO "Activity" ("id", "leadId", "type", "occurredAt", "url", "title", "eventName",
    "message", "colleague", "colleagueNote", "source", "campaign", "data", "externalId", "createdAt")
  SELECT a."id", a."leadId", "type", "occurredAt", "url", "title", "eventName", "message",
    "colleague", "colleagueNote", "source", "campaign", "data", "externalId", ${now}::timestamp(3)
    FROM jsonb_to_recordset(${rows}::jsonb) AS a("id" uuid, "leadId" uuid, "type" text,
      "occurredAt" timestamp(3), "url" text, "title" text, "eventName" text, "message" text,
      "colleague" text, "colleagueNote" text, "source" text, "campaign" text, "data" jsonb,
      "externalId" text)${only}`;
}

function eventsInsert(rows: string, now: string, only = "") {
  return `INSERT INTO "LeadEvent" ("leadId", "type", "actorType", "actorId", "fromStatus", "toStatus",
    "reason", "data", "createdAt")
  SELECT e."leadId", "type", "actorType"::"ActorType", "actorId", "fromStatus"::"LeadStatus",
    "toStatus"::"LeadStatus", "reason", "data", ${now}::timestamp(3)
    FROM jsonb_to_recordset(${rows}::jsonb) AS e("leadId" uuid, "type" text, "actorType" text,
      "actorId" text, "fromStatus" text, "toStatus" text, "reason" text, "data" jsonb, "n" bigint)${only}
   ORDER BY e."n"`;
}

function outboxInsert(rows: string, now: string, only = "") {
  return `INSERT INTO "OutboxMessage" ("kind", "payload", "orderingKey", "dedupeKey", "availableAt",
    "createdAt")
  SELECT "kind", "payload", "orderingKey", "dedupeKey", ${now}::timestamp(3), ${now}::timestamp(3)
    FROM jsonb_to_recordset(${rows}::jsonb) AS o("leadId" uuid, "kind" text, "payload" jsonb,
      "orderingKey" text, "dedupeKey" text, "n" bigint)${only}
   ORDER BY o."n"
  ON CONFLICT ("dedupeKey") DO NOTHING`;
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

// Each lead's other rows are inserted only if its own row is: a lead that turns out to exist
// (sent before, or created meanwhile by another batch or replica) writes nothing here.
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
  ${activitiesInsert("$2", "$5", ofNewLeads("a"))}
), event AS (
  ${eventsInsert("$3", "$5", ofNewLeads("e"))}
), outbox AS (
  ${outboxInsert("$4", "$5", ofNewLeads("o"))}
)
SELECT "id", "number" FROM lead`;

/**
 * Inserts new leads with everything their capture writes, in one statement: atomic without a
 * transaction (no BEGIN/COMMIT round trips), and prepared once per connection. Returns the
 * number of each lead inserted; a lead whose email exists is left out.
 */
export async function createLeads(
  sql: SqlSession,
  leads: NewLeadJson[],
  options: { now: Date; accountMatching: boolean },
): Promise<Map<string, number>> {
  // The leads' JSON joined into one document per table, its bytes as they were planned.
  const document = (part: keyof NewLeadJson) => jsonbArray(leads.map((lead) => lead[part]));
  const created = await sql.query<{ id: string; number: number }>(
    CREATE_LEADS,
    [
      document("lead"),
      document("activities"),
      document("events"),
      document("outbox"),
      options.now.toISOString(),
      options.accountMatching,
    ],
    "baton_create_leads",
  );
  return new Map(created.map((row) => [row.id, row.number]));
}

/** A stored lead as a merge needs it, locked until the transaction ends. */
export interface LockedLead {
  id: string;
  number: number;
  email: string;
  status: LeadStatus;
  resurfaceAt: Date | null;
  attributes: Record<string, unknown>;
}

export async function lockLeadsByEmail(sql: SqlSession, emails: string[]): Promise<LockedLead[]> {
  const rows = await sql.query<Omit<LockedLead, "resurfaceAt"> & { resurfaceAt: number | null }>(
    `SELECT "id", "number", "email", "status", "attributes",
            (extract(epoch FROM "resurfaceAt") * 1000)::float8 AS "resurfaceAt"
       FROM "Lead" WHERE "email" = ANY($1::text[]) ORDER BY "email" FOR UPDATE`,
    [emails],
    "baton_lock_leads",
  );
  return rows.map((row) => ({
    ...row,
    resurfaceAt: row.resurfaceAt === null ? null : new Date(row.resurfaceAt),
  }));
}

export interface FieldsUpdate {
  id: string;
  fields: Fields;
  externalIds: Record<string, string>;
  attributes: Record<string, unknown>;
}

const MERGE_FIELDS = `UPDATE "Lead" AS l SET
  ${LEAD_FIELDS.map((f) => `"${f}" = CASE WHEN x."fields" ? '${f}' THEN ${f === "companySize" ? `(x."fields"->>'${f}')::int` : `x."fields"->>'${f}'`} ELSE l."${f}" END`).join(",\n  ")},
  "externalIds" = l."externalIds" || x."externalIds",
  "attributes" = l."attributes" || x."attributes",
  "updatedAt" = $2::timestamp(3)
FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "fields" jsonb, "externalIds" jsonb, "attributes" jsonb)
WHERE l."id" = x."id"
RETURNING l."id", ${LEAD_FIELDS.map((f) => `l."${f}"`).join(", ")}`;

/**
 * Fields sent replace the stored ones; ids and attributes merge. Returns each lead's fields
 * after the update: fit scoring looks at the whole lead, not just this request.
 */
export async function mergeLeadFields(
  sql: SqlSession,
  updates: FieldsUpdate[],
  now: Date,
): Promise<Map<string, Fields>> {
  if (updates.length === 0) return new Map();
  const rows = await sql.query<Fields & { id: string }>(
    MERGE_FIELDS,
    [jsonbParam(updates), now.toISOString()],
    "baton_merge_fields",
  );
  return new Map(
    rows.map(({ id, ...fields }) => [
      id,
      Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) as Fields,
    ]),
  );
}

export interface StoredActivity {
  id: string;
  leadId: string;
  type: string;
  occurredAt: Date;
}

/** Inserts activities, skipping those already stored (same sender id or same content). */
export async function addActivities(
  sql: SqlSession,
  rows: ActivityRow[],
  now: Date,
): Promise<StoredActivity[]> {
  if (rows.length === 0) return [];
  const added = await sql.query<Omit<StoredActivity, "occurredAt"> & { occurredAt: number }>(
    `${activitiesInsert("$1", "$2")}
     ON CONFLICT ("leadId", "externalId") DO NOTHING
     RETURNING "id", "leadId", "type", (extract(epoch FROM "occurredAt") * 1000)::float8 AS "occurredAt"`,
    [jsonbParam(rows), now.toISOString()],
    "baton_add_activities",
  );
  return added.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
}

/** The leads' activities since `since`, for their behaviour score. */
export async function activitiesSince(
  sql: SqlSession,
  leadIds: string[],
  since: Date,
): Promise<Omit<StoredActivity, "id">[]> {
  if (leadIds.length === 0) return [];
  const rows = await sql.query<{ leadId: string; type: string; occurredAt: number }>(
    `SELECT "leadId", "type", (extract(epoch FROM "occurredAt") * 1000)::float8 AS "occurredAt"
       FROM "Activity" WHERE "leadId" = ANY($1::uuid[]) AND "occurredAt" >= $2::timestamp(3)`,
    [leadIds, since.toISOString()],
    "baton_activities_since",
  );
  return rows.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
}

export interface ScoreUpdate {
  id: string;
  score: number;
  fitScore: number;
  behaviorScore: number;
  scoreBreakdown: unknown;
  status: LeadStatus;
  qualified: boolean;
  trigger: unknown;
  nurtured: boolean;
}

/** A merged lead's new score and status, with the audit events and outbox rows they cause. */
export async function writeMergeOutcomes(
  sql: SqlSession,
  rows: { scores: ScoreUpdate[]; events: EventRow[]; outbox: OutboxRow[] },
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  await sql.query(
    `UPDATE "Lead" AS l SET
       "score" = x."score", "fitScore" = x."fitScore", "behaviorScore" = x."behaviorScore",
       "scoreBreakdown" = x."scoreBreakdown", "scoredAt" = $2::timestamp(3),
       "status" = x."status"::"LeadStatus", "version" = l."version" + 1, "updatedAt" = $2::timestamp(3),
       "qualifiedAt" = CASE WHEN x."qualified" THEN $2::timestamp(3) ELSE l."qualifiedAt" END,
       "trigger" = CASE WHEN x."qualified" THEN x."trigger" ELSE l."trigger" END,
       "resurfaceAt" = CASE WHEN x."qualified" THEN NULL ELSE l."resurfaceAt" END,
       "nurturedAt" = CASE WHEN x."qualified" THEN NULL WHEN x."nurtured" THEN $2::timestamp(3) ELSE l."nurturedAt" END
     FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "score" int, "fitScore" int, "behaviorScore" int,
       "scoreBreakdown" jsonb, "status" text, "qualified" boolean, "trigger" jsonb, "nurtured" boolean)
     WHERE l."id" = x."id"`,
    [jsonbParam(rows.scores), at],
    "baton_merge_scores",
  );
  if (rows.events.length > 0) {
    await sql.query(eventsInsert("$1", "$2"), [jsonbParam(rows.events), at], "baton_merge_events");
  }
  if (rows.outbox.length > 0) {
    await sql.query(outboxInsert("$1", "$2"), [jsonbParam(rows.outbox), at], "baton_merge_outbox");
  }
}

/** The answer given to the first request with an idempotency key, replayed to its retries. */
export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

export async function findAnswer(sql: SqlSession, key: string): Promise<StoredAnswer | undefined> {
  const [row] = await sql.query<StoredAnswer>(
    `SELECT "requestHash", "statusCode", "response" FROM "IdempotencyKey" WHERE "key" = $1`,
    [key],
  );
  return row;
}

export async function saveAnswer(sql: SqlSession, key: string, answer: StoredAnswer) {
  await sql.query(
    `INSERT INTO "IdempotencyKey" ("key", "requestHash", "statusCode", "response")
     VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT ("key") DO UPDATE SET "requestHash" = EXCLUDED."requestHash",
       "statusCode" = EXCLUDED."statusCode", "response" = EXCLUDED."response"`,
    [key, answer.requestHash, answer.statusCode, JSON.stringify(answer.response)],
  );
}

/** The owner a new lead from this company would get at capture (dry runs read it). */
export async function accountOwnerIdOf(
  session: { $queryRawUnsafe<T>(query: string, ...values: unknown[]): Promise<T> },
  companyDomain: string,
): Promise<string | null> {
  const rows = await session.$queryRawUnsafe<{ ownerId: string | null }[]>(
    `SELECT ${ACCOUNT_OWNER} AS "ownerId" FROM (SELECT $1::text AS "companyDomain") x`,
    companyDomain,
  );
  return rows[0]?.ownerId ?? null;
}
