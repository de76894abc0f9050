// Captures leads (API, CSV import): finds each by normalized email or creates it, merges its
// fields and activities, scores it, and qualifies it when it is ready. A batch is one
// transaction with the audit trail and the handoff requests for the outbox: all of it or none.
//
// The statements are set-based (one per step for the whole batch, rows passed as one JSON
// document) because intake throughput matters: Prisma costs ~1.5 ms of JavaScript per query,
// so a dozen queries per lead would cap a process near 100 leads/s.
import { createHash } from "node:crypto";
import type { Database, SqlSession } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/client.ts";
import { decideQualification } from "#src/domain/qualification.ts";
import { scoreLead } from "#src/domain/scoring.ts";
import { type ActivityInput, LEAD_FIELDS, type LeadRequest } from "#src/intake/schemas.ts";
import { uuidv7 } from "#src/lib/uuid.ts";
import type { NewMessage } from "#src/outbox/messages.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import type { Actor } from "#src/services/lead-journal.ts";

/** Mailbox providers: their domain says nothing about the lead's company. */
const FREE_MAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "yahoo.com",
  "hotmail.com",
  "outlook.com",
  "live.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.de",
  "gmx.net",
  "web.de",
  "yandex.ru",
  "mail.ru",
  "qq.com",
  "163.com",
]);

/** Statuses in which a lead is with sales: new activity is news for its owner. */
const WITH_SALES: LeadStatus[] = ["OFFERED", "CLAIMED", "WORKING"];

type Field = (typeof LEAD_FIELDS)[number];
export type Fields = Partial<Record<Exclude<Field, "companySize">, string>> & {
  companySize?: number;
};

export interface CaptureContext {
  scoring: Scoring;
  accountMatching: boolean;
  actor: Actor;
  now: Date;
}

export interface CaptureLeadOptions extends CaptureContext {
  db: Database;
  input: LeadRequest;
}

export interface CaptureLeadResult {
  leadId: string;
  number: number;
  created: boolean;
  status: LeadStatus;
  score: number;
  qualified: boolean;
  activitiesAdded: number;
  activitiesDuplicate: number;
}

export async function captureLead(options: CaptureLeadOptions): Promise<CaptureLeadResult> {
  const [result] = await captureLeads(options.db, [options.input], options);
  return result!;
}

/** Captures several leads in one transaction: all of them, or none. Results in input order. */
export async function captureLeads(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  // Two first captures of one email (here or on another replica) race to create it; the
  // loser's transaction is rolled back and retried, finding the lead this time.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((sql) => captureBatch(sql, inputs, context));
    } catch (error) {
      if (!(error instanceof CreateRace) || attempt >= 3) throw error;
    }
  }
}

class CreateRace extends Error {}

export interface LeadRow {
  id: string;
  number: number;
  email: string;
  status: LeadStatus;
  resurfaceAt: Date | null;
  attributes: Record<string, unknown>;
  fields: Fields;
}

interface Work {
  input: LeadRequest;
  index: number;
  lead: LeadRow;
  created: boolean;
  activities: ReturnType<typeof activityRow>[];
}

async function captureBatch(
  sql: SqlSession,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  // One email twice in a batch: its captures run one after the other, in order.
  const results: CaptureLeadResult[] = new Array(inputs.length);
  let rest = inputs.map((input, index) => ({ input, index }));
  while (rest.length > 0) {
    const seen = new Set<string>();
    const round = rest.filter(({ input }) => !seen.has(input.email) && seen.add(input.email));
    rest = rest.filter((item) => !round.includes(item));
    for (const { index, ...result } of await captureRound(sql, round, context)) {
      results[index] = result;
    }
  }
  return results;
}

async function captureRound(
  sql: SqlSession,
  items: { input: LeadRequest; index: number }[],
  context: CaptureContext,
): Promise<(CaptureLeadResult & { index: number })[]> {
  const { now, scoring } = context;
  const emails = items.map(({ input }) => input.email);

  const existing = await sql.query<{
    id: string;
    number: number;
    email: string;
    status: LeadStatus;
    resurfaceAt: number | null;
    attributes: Record<string, unknown>;
  }>(
    `SELECT "id", "number", "email", "status", "attributes",
            (extract(epoch FROM "resurfaceAt") * 1000)::float8 AS "resurfaceAt"
       FROM "Lead" WHERE "email" = ANY($1::text[]) ORDER BY "email" FOR UPDATE`,
    [emails],
  );
  const byEmail = new Map(
    existing.map((row) => [
      row.email,
      { ...row, resurfaceAt: row.resurfaceAt === null ? null : new Date(row.resurfaceAt) },
    ]),
  );

  // New leads.
  const fresh = items.filter(({ input }) => !byEmail.has(input.email));
  const owners = context.accountMatching
    ? await accountOwners(sql, fresh.map(({ input }) => companyDomainOf(input)).filter(isString))
    : new Map<string, string>();
  const newRows = fresh.map(({ input }) => {
    const row = newLeadRow(input, uuidv7(now.getTime()));
    return {
      ...row,
      accountOwnerId: row.companyDomain ? (owners.get(row.companyDomain) ?? null) : null,
      createdAt: now.toISOString(),
    };
  });
  const created = newRows.length
    ? await sql.query<{ id: string; number: number; email: string }>(
        `INSERT INTO "Lead" ("id", "email", "emailDomain", "firstName", "lastName", "title", "company",
           "companyDomain", "companySize", "industry", "country", "region", "city", "phone", "linkedinUrl",
           "website", "source", "campaign", "externalIds", "attributes", "accountOwnerId", "createdAt", "updatedAt")
         SELECT "id", "email", "emailDomain", "firstName", "lastName", "title", "company",
           "companyDomain", "companySize", "industry", "country", "region", "city", "phone", "linkedinUrl",
           "website", "source", "campaign", "externalIds", "attributes", "accountOwnerId", "createdAt", "createdAt"
           FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "email" text, "emailDomain" text, "firstName" text,
             "lastName" text, "title" text, "company" text, "companyDomain" text, "companySize" int,
             "industry" text, "country" text, "region" text, "city" text, "phone" text, "linkedinUrl" text,
             "website" text, "source" text, "campaign" text, "externalIds" jsonb, "attributes" jsonb,
             "accountOwnerId" uuid, "createdAt" timestamp(3))
         ON CONFLICT ("email") DO NOTHING
         RETURNING "id", "number", "email"`,
        [JSON.stringify(newRows)],
      )
    : [];
  if (created.length < newRows.length) throw new CreateRace("a lead was created concurrently");

  // Known leads: fields sent now replace the stored ones; ids and attributes merge.
  const updates = items
    .filter(({ input }) => byEmail.has(input.email))
    .map(({ input }) => ({
      id: byEmail.get(input.email)!.id,
      fields: leadFields(input),
      externalIds: input.externalIds ?? {},
      attributes: input.attributes ?? {},
    }));
  // The stored fields after the update: fit scoring looks at the whole lead, not just this request.
  const storedFields = new Map<string, Fields>();
  if (updates.length) {
    const rows = await sql.query<Fields & { id: string }>(
      `UPDATE "Lead" AS l SET
         ${LEAD_FIELDS.map((f) => `"${f}" = CASE WHEN x."fields" ? '${f}' THEN ${f === "companySize" ? `(x."fields"->>'${f}')::int` : `x."fields"->>'${f}'`} ELSE l."${f}" END`).join(",\n         ")},
         "externalIds" = l."externalIds" || x."externalIds",
         "attributes" = l."attributes" || x."attributes",
         "updatedAt" = $2::timestamp(3)
       FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "fields" jsonb, "externalIds" jsonb, "attributes" jsonb)
       WHERE l."id" = x."id"
       RETURNING l."id", ${LEAD_FIELDS.map((f) => `l."${f}"`).join(", ")}`,
      [JSON.stringify(updates), now.toISOString()],
    );
    for (const { id, ...fields } of rows) {
      storedFields.set(
        id,
        Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) as Fields,
      );
    }
  }

  const createdByEmail = new Map(created.map((row) => [row.email, row]));
  const work: Work[] = items.map(({ input, index }) => {
    const known = byEmail.get(input.email);
    const lead: LeadRow = known
      ? { ...known, fields: leadFields(input) }
      : {
          ...createdByEmail.get(input.email)!,
          status: "CAPTURED",
          resurfaceAt: null,
          attributes: input.attributes ?? {},
          fields: leadFields(input),
        };
    return {
      input,
      index,
      lead,
      created: !known,
      activities: (input.activities ?? []).map((a) => activityRow(lead.id, a)),
    };
  });

  // Activities: an activity already stored (same sender id or same content) is skipped.
  const allActivities = work.flatMap((w) => w.activities);
  const inserted = allActivities.length
    ? await sql.query<{ id: string; leadId: string; type: string; occurredAt: number }>(
        `INSERT INTO "Activity" ("id", "leadId", "type", "occurredAt", "url", "title", "eventName", "message",
           "colleague", "colleagueNote", "source", "campaign", "data", "externalId", "createdAt")
         SELECT "id", "leadId", "type", "occurredAt", "url", "title", "eventName", "message",
           "colleague", "colleagueNote", "source", "campaign", "data", "externalId", $2::timestamp(3)
           FROM jsonb_to_recordset($1::jsonb) AS x("id" uuid, "leadId" uuid, "type" text, "occurredAt" timestamp(3),
             "url" text, "title" text, "eventName" text, "message" text, "colleague" text, "colleagueNote" text,
             "source" text, "campaign" text, "data" jsonb, "externalId" text)
         ON CONFLICT ("leadId", "externalId") DO NOTHING
         RETURNING "id", "leadId", "type", (extract(epoch FROM "occurredAt") * 1000)::float8 AS "occurredAt"`,
        [JSON.stringify(allActivities), now.toISOString()],
      )
    : [];
  const addedByLead = groupBy(inserted, (row) => row.leadId);

  // Scoring needs every activity in the window: stored ones for known leads.
  const windowStart = new Date(now.getTime() - scoring.behavior.window);
  const knownIds = work.filter((w) => !w.created).map((w) => w.lead.id);
  const stored = knownIds.length
    ? await sql.query<{ leadId: string; type: string; occurredAt: number }>(
        `SELECT "leadId", "type", (extract(epoch FROM "occurredAt") * 1000)::float8 AS "occurredAt" FROM "Activity"
          WHERE "leadId" = ANY($1::uuid[]) AND "occurredAt" >= $2::timestamp(3)`,
        [knownIds, windowStart.toISOString()],
      )
    : [];
  const storedByLead = groupBy(stored, (row) => row.leadId);

  const decided = work.map((w) => {
    const added = addedByLead.get(w.lead.id) ?? [];
    return decideCapture({
      lead: w.lead,
      created: w.created,
      input: w.input,
      index: w.index,
      facts: storedFields.get(w.lead.id) ?? w.lead.fields,
      added,
      scored: w.created ? added : (storedByLead.get(w.lead.id) ?? []),
      sent: w.activities.length,
      context,
    });
  });
  const leadUpdates = decided.map((d) => d.update);
  const events = numbered(decided.flatMap((d) => d.events));
  const outbox = numbered(decided.flatMap((d) => d.outbox));
  const results = decided.map((d) => ({ ...d.result, index: d.index }));

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
    [JSON.stringify(leadUpdates), now.toISOString()],
  );
  await sql.query(
    `INSERT INTO "LeadEvent" ("leadId", "type", "actorType", "actorId", "fromStatus", "toStatus", "reason", "data", "createdAt")
     SELECT "leadId", "type", "actorType"::"ActorType", "actorId", "fromStatus"::"LeadStatus", "toStatus"::"LeadStatus",
       "reason", "data", $2::timestamp(3)
       FROM jsonb_to_recordset($1::jsonb) AS x("leadId" uuid, "type" text, "actorType" text,
         "actorId" text, "fromStatus" text, "toStatus" text, "reason" text, "data" jsonb, "n" int)
      ORDER BY "n"`,
    [JSON.stringify(events), now.toISOString()],
  );
  if (outbox.length) {
    await sql.query(
      `INSERT INTO "OutboxMessage" ("kind", "payload", "orderingKey", "dedupeKey", "availableAt", "createdAt")
       SELECT "kind", "payload", "orderingKey", "dedupeKey", $2::timestamp(3), $2::timestamp(3)
         FROM jsonb_to_recordset($1::jsonb) AS x("kind" text, "payload" jsonb, "orderingKey" text,
           "dedupeKey" text, "n" int)
        ORDER BY "n"
       ON CONFLICT ("dedupeKey") DO NOTHING`,
      [JSON.stringify(outbox), now.toISOString()],
    );
  }
  return results;
}

export interface LeadScoreUpdate {
  id: string;
  score: number;
  fitScore: number;
  behaviorScore: number;
  scoreBreakdown: unknown;
  status: LeadStatus;
  qualified: boolean;
  trigger: Record<string, unknown> | null;
  nurtured: boolean;
}

export interface EventRow {
  leadId: string;
  type: string;
  actorType: Actor["type"];
  actorId: string | null;
  fromStatus: LeadStatus | null;
  toStatus: LeadStatus | null;
  reason: string | null;
  data: unknown;
}

export interface DecidedCapture {
  index: number;
  update: LeadScoreUpdate;
  events: EventRow[];
  outbox: NewMessage[];
  result: CaptureLeadResult;
}

/**
 * Scores one captured lead and decides what changes: its score and status, the audit-trail
 * events, and the outbox rows (handoff when it qualifies, a thread reply when a lead with sales
 * did something new). Pure: every write is the caller's.
 */
export function decideCapture(options: {
  lead: LeadRow;
  created: boolean;
  input: LeadRequest;
  index: number;
  /** The lead's fields after this capture: fit scoring looks at the whole lead. */
  facts: Fields;
  /** Activities stored by this capture. */
  added: { id: string; type: string; occurredAt: number }[];
  /** Activities the behaviour score counts. */
  scored: { type: string; occurredAt: number }[];
  /** Activities sent in the request, duplicates included. */
  sent: number;
  context: CaptureContext;
}): DecidedCapture {
  const { lead, input, added, context } = options;
  const { scoring, actor, now } = context;
  const score = scoreLead(
    {
      ...options.facts,
      email: input.email,
      emailDomain: input.email.split("@")[1],
      attributes: { ...lead.attributes, ...(input.attributes ?? {}) },
    },
    options.scored.map((a) => ({ type: a.type, occurredAt: new Date(a.occurredAt) })),
    scoring,
    now,
  );
  // Only activities stored now can raise a hand: a retried request re-sends old ones.
  const newHandRaise =
    added.length > 0 ? latestHandRaise(input.activities ?? [], scoring.handRaises) : undefined;
  const decision = decideQualification({
    status: lead.status,
    score: score.total,
    threshold: scoring.threshold,
    newHandRaise,
    resurfaceAt: lead.resurfaceAt,
    now,
  });
  const qualified = decision.status === "QUALIFIED" && lead.status !== "QUALIFIED";
  const trigger = qualified
    ? decision.trigger === "hand_raise"
      ? { kind: "hand_raise", activityType: decision.handRaise, score: score.total }
      : {
          kind: "score",
          score: score.total,
          threshold: scoring.threshold,
          top: score.breakdown.slice(0, 3).map((line) => line.label),
        }
    : null;

  const events: EventRow[] = [];
  const event = (type: string, extra: Partial<EventRow>) =>
    events.push({
      leadId: lead.id,
      type,
      actorType: actor.type,
      actorId: actor.id ?? null,
      fromStatus: null,
      toStatus: null,
      reason: null,
      data: {},
      ...extra,
    });
  event(options.created ? "captured" : "merged", {
    toStatus: options.created ? "CAPTURED" : null,
    data: {
      activitiesAdded: added.length,
      activitiesDuplicate: options.sent - added.length,
      source: input.source ?? null,
      campaign: input.campaign ?? null,
    },
  });
  if (decision.status !== lead.status) {
    event(qualified ? "qualified" : "nurtured", {
      fromStatus: lead.status,
      toStatus: decision.status,
      reason: qualified
        ? decision.trigger === "hand_raise"
          ? `hand-raise: ${decision.handRaise}`
          : `score ${score.total} reached the threshold ${scoring.threshold}`
        : `score ${score.total} is below the threshold ${scoring.threshold}`,
      data: trigger ?? {},
    });
  }
  const outbox: NewMessage[] = [];
  if (qualified) {
    outbox.push({
      kind: "lead.handoff",
      payload: { leadId: lead.id },
      orderingKey: lead.id,
      dedupeKey: `handoff:${lead.id}:${now.toISOString()}`,
    });
  } else if (added.length > 0 && WITH_SALES.includes(decision.status)) {
    outbox.push({
      kind: "lead.activity",
      // The ids, not just a count: the reply is built when delivered, and by then newer
      // activities may be stored (they get their own reply).
      payload: { leadId: lead.id, activities: added.length, activityIds: added.map((a) => a.id) },
      orderingKey: lead.id,
      dedupeKey: null,
    });
  }
  return {
    index: options.index,
    update: {
      id: lead.id,
      score: score.total,
      fitScore: score.fit,
      behaviorScore: score.behavior,
      scoreBreakdown: score.breakdown,
      status: decision.status,
      qualified,
      trigger,
      nurtured: decision.status === "NURTURE" && lead.status === "CAPTURED",
    },
    events,
    outbox,
    result: {
      leadId: lead.id,
      number: lead.number,
      created: options.created,
      status: decision.status,
      score: score.total,
      qualified,
      activitiesAdded: added.length,
      activitiesDuplicate: options.sent - added.length,
    },
  };
}

/** Whether this capture queued a message for the outbox (a handoff or a thread reply). */
export function queuedOutbox(result: CaptureLeadResult): boolean {
  return result.qualified || (result.activitiesAdded > 0 && WITH_SALES.includes(result.status));
}

/** Rows with their position, so a set-based insert keeps their order (ids, audit trail). */
export function numbered<T extends object>(rows: T[]): (T & { n: number })[] {
  return rows.map((row, n) => ({ ...row, n }));
}

function latestHandRaise(activities: ActivityInput[], handRaises: string[]): string | undefined {
  return activities
    .filter((a) => handRaises.includes(a.type))
    .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())[0]?.type;
}

/** The owner of each company's account, or of another open lead from the same company. */
async function accountOwners(sql: SqlSession, domains: string[]): Promise<Map<string, string>> {
  if (domains.length === 0) return new Map();
  const rows = await sql.query<{ domain: string; ownerId: string }>(
    `SELECT DISTINCT ON (domain) domain, "ownerId" FROM (
       SELECT a."domain" AS domain, a."ownerId", 0 AS rank, NULL::timestamp AS at
         FROM "Account" a JOIN "Rep" r ON r."id" = a."ownerId"
        WHERE a."domain" = ANY($1::text[]) AND r."deactivatedAt" IS NULL
       UNION ALL
       SELECT l."companyDomain", l."ownerId", 1, l."claimedAt"
         FROM "Lead" l JOIN "Rep" r ON r."id" = l."ownerId"
        WHERE l."companyDomain" = ANY($1::text[]) AND r."deactivatedAt" IS NULL
          AND l."status" IN ('CLAIMED', 'WORKING', 'CONVERTED')
     ) owners
     ORDER BY domain, rank, at DESC NULLS LAST`,
    [[...new Set(domains)]],
  );
  return new Map(rows.map((row) => [row.domain, row.ownerId]));
}

/** A new lead's stored columns from its request (score and status are decided apart). */
export function newLeadRow(input: LeadRequest, id: string) {
  const companyDomain = companyDomainOf(input);
  return {
    ...leadFields(input),
    id,
    email: input.email,
    emailDomain: input.email.split("@")[1] ?? "",
    companyDomain: companyDomain ?? null,
    externalIds: input.externalIds ?? {},
    attributes: input.attributes ?? {},
  };
}

export function companyDomainOf(input: LeadRequest): string | undefined {
  const emailDomain = input.email.split("@")[1] ?? "";
  return input.companyDomain ?? (FREE_MAIL.has(emailDomain) ? undefined : emailDomain);
}

/** The fields this request sets; absent ones leave the stored value alone. */
export function leadFields(input: LeadRequest): Fields {
  const [first, ...rest] = input.name?.split(/\s+/) ?? [];
  const fields: Fields = {
    firstName: input.firstName ?? (input.name ? first : undefined),
    lastName: input.lastName ?? (input.name && rest.length > 0 ? rest.join(" ") : undefined),
    title: input.title,
    company: input.company,
    companyDomain: input.companyDomain,
    companySize: input.companySize,
    industry: input.industry,
    country: input.country,
    region: input.region,
    city: input.city,
    phone: input.phone,
    linkedinUrl: input.linkedinUrl,
    website: input.website,
    source: input.source,
    campaign: input.campaign,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Fields;
}

/**
 * An activity without the sender's id gets one derived from its content, so sending the same
 * activity twice (a retried request, a re-imported file) stores it once.
 */
export function activityRow(leadId: string, activity: ActivityInput) {
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

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}
