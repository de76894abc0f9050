// The outbox contract: every kind of message the outbox carries, with the zod schema of its
// payload. `enqueue` is typed by kind; the worker parses each payload before its handler sees
// it (a row that does not parse can never be delivered and is kept as DEAD with the reason).
// Use cases enqueue facts and ids, never text for a surface: cards, DMs, feed lines and review
// pages are rendered when they are delivered.
import type { KnownBlock } from "@slack/types";
import { z } from "zod";
import type { Prisma } from "#src/db/generated/client.ts";
import { leadFactSchema, peopleFactSchema } from "#src/domain/lead-facts.ts";
import type { OutboxRow } from "#src/outbox/outbox-store.ts";
import { type OutboxHandler, Undeliverable } from "#src/outbox/outbox-worker.ts";

const id = z.string().min(1);
const blocks = z.array(
  z.custom<KnownBlock>((value) => typeof value === "object" && value !== null),
);

/** Where a lead message goes: a person's DM, or the lead's thread (its card or summary). */
const noticeTo = z.union([
  z.object({ user: id }),
  z.object({ thread: z.object({ broadcast: z.boolean() }) }),
]);

const count = z.number();
const seconds = z.number().nullable();
const breakdownRow = z.object({
  key: z.string().nullable(),
  received: count,
  accepted: count,
  converted: count,
  disqualified: count,
  medianClaimSeconds: seconds,
});

/** A digest's numbers (services/build-digest.ts), rendered into a message when delivered. */
export const digestReportSchema = z.object({
  title: z.string(),
  teamKey: z.string().optional(),
  from: z.coerce.date(),
  to: z.coerce.date(),
  timezone: z.string(),
  summary: z.object({
    received: count,
    accepted: count,
    worked: count,
    converted: count,
    disqualified: count,
    nurtured: count,
    medianClaimSeconds: seconds,
    p90ClaimSeconds: seconds,
    slaBreaches: count,
    ghostAlerts: count,
    reassigned: count,
    touches: count,
    leadsTouched: count,
  }),
  dispositions: z.array(
    z.object({ kind: z.enum(["disqualified", "nurtured"]), reason: z.string(), count }),
  ),
  conversionFrom: z.coerce.date(),
  bySource: z.array(breakdownRow),
  byCampaign: z.array(breakdownRow),
});

export const MESSAGES = {
  /** Route a qualified lead to its team (or its account's owner). */
  "lead.handoff": z.object({ leadId: id }),
  /** The lead's card, posted to a team channel (or gathered into a burst summary). */
  "lead.card.post": z.object({ leadId: id, channel: id }),
  /** The lead's card, offered to one rep by DM. */
  "lead.card.dm": z.object({ leadId: id, user: id }),
  /** Redraw the lead's card (and the review pages and Home tabs that show it). */
  "lead.card.update": z.object({ leadId: id }),
  /** New activity, told in the card's thread. */
  "lead.activity": z.object({
    leadId: id,
    activities: z.number().int(),
    /** The activities this reply announces (rows queued before ids were sent: absent). */
    activityIds: z.array(id).optional(),
  }),
  /** Ask the model for the card's brief. */
  "lead.brief": z.object({ leadId: id }),
  /** A line in the marketing feed about what happened to a lead. */
  "lead.feed": z.object({ fact: leadFactSchema }),
  /** Tell someone (by DM) or the lead's thread what happened or what is due. */
  "lead.notice": z.object({ fact: leadFactSchema, to: noticeTo }),
  /** Tell a manager which of their leads moved when a rep left. */
  "people.notice": z.object({ fact: peopleFactSchema, user: id }),
  /** A signed POST of a lifecycle event to a receiver (WEBHOOK_URLS). */
  webhook: z.object({
    url: z.string(),
    event: z.string(),
    data: z.record(z.string(), z.unknown()),
    occurredAt: z.string(),
  }),
  /** Read a HubSpot record a Webhooks API event named (ids only) and act on it. */
  "hubspot.fetch": z.object({
    object: z.enum(["contact", "deal"]),
    objectId: id,
    /** The event's subscription type, e.g. contact.creation. */
    event: z.string(),
  }),
  /** Write a lead's new owner or status to its HubSpot contact (crm.hubspot.sync). */
  "hubspot.update": z.object({
    leadId: id,
    /** The Slack user who owns the lead now: their HubSpot owner becomes the contact's. */
    owner: id.optional(),
    /** Which of the playbook's crm.hubspot.leadStatus values to set. */
    status: z.enum(["claimed", "released", "disqualified", "nurtured", "converted"]).optional(),
  }),
  /** Write a lead's new owner, status and reason to its Salesforce Lead (crm.salesforce.sync). */
  "salesforce.update": z.object({
    leadId: id,
    /** The Slack user who owns the lead now: their Salesforce User becomes the Lead's owner. */
    owner: id.optional(),
    /** Which of the playbook's crm.salesforce.leadStatus values to set. */
    status: z.enum(["claimed", "released", "disqualified", "nurtured", "converted"]).optional(),
    /** Why, for crm.salesforce.reasonField: "Disqualified in Baton: No budget. <note>". */
    reason: z.string().optional(),
  }),
  /** A touch a rep logged, as a completed Task on the lead's Salesforce Lead. */
  "salesforce.task": z.object({
    leadId: id,
    by: id,
    kind: z.string(),
    /** The touch's number on the lead: finds its note and keeps the Task once. */
    touch: z.number().int(),
  }),
  /** A Lead converted in Salesforce: read its opportunity's amount, convert the Baton lead. */
  "salesforce.convert": z.object({
    leadId: id,
    opportunityId: id.optional(),
  }),
  /** Log a rep's touch on the lead's HubSpot contact: a note, or a call (crm.hubspot.sync). */
  "hubspot.engagement": z.object({
    leadId: id,
    /** The touch's number on the lead: with the lead, what the engagement stands for. */
    touch: z.number().int().positive(),
    /** The rep who logged it (Slack user): their HubSpot owner is the engagement's. */
    by: id,
    kind: z.string(),
    /** When it was logged: the engagement's hs_timestamp. */
    at: z.string(),
  }),
  "home.publish": z.object({ user: id }),
  "review.update": z.object({ pageId: id }),
  "digest.post": z.object({ channel: id, report: digestReportSchema }),
  "digest.chart": z.object({
    channel: id,
    title: z.string(),
    filename: z.string(),
    bars: z.array(z.object({ label: z.string(), received: z.number(), converted: z.number() })),
  }),
  /** Already-rendered Slack messages, for renderers at the edge and tests. */
  "slack.post": z.object({
    channel: id,
    text: z.string(),
    blocks: blocks.optional(),
    /** Reply in the thread of this lead message (its card, or the burst summary listing it). */
    threadOf: z.object({ leadId: id, kind: z.string() }).optional(),
    /** A thread reply also shown in the channel ("Also send to #channel"). */
    broadcast: z.boolean().optional(),
    /** Remember the message so later updates find it. */
    record: z.object({ leadId: id.optional(), kind: z.string() }).optional(),
  }),
  "slack.dm": z.object({
    user: id,
    text: z.string(),
    blocks: blocks.optional(),
    record: z.object({ leadId: id.optional(), kind: z.string() }).optional(),
  }),
  "slack.update": z.object({
    leadId: id,
    kind: z.string(),
    text: z.string(),
    blocks: blocks.optional(),
  }),
} as const;

export type MessageKind = keyof typeof MESSAGES;
/** What a handler receives. */
export type Payload<K extends MessageKind> = z.output<(typeof MESSAGES)[K]>;
/** What `enqueue` takes. */
export type PayloadInput<K extends MessageKind> = z.input<(typeof MESSAGES)[K]>;

export function isMessageKind(kind: string): kind is MessageKind {
  return Object.hasOwn(MESSAGES, kind);
}

/** Parses a stored payload of `kind`; the zod error says what is wrong with it. */
export function parsePayload<K extends MessageKind>(kind: K, payload: unknown) {
  return MESSAGES[kind].safeParse(payload) as z.ZodSafeParseResult<Payload<K>>;
}

export interface EnqueueOptions {
  /** Messages with the same key are delivered in order (one lead's messages). */
  orderingKey?: string;
  /** Pacing key: a Slack channel, "dm:<user>", or a webhook URL. */
  target?: string;
  /** Enqueueing twice with one key writes one row. */
  dedupeKey?: string;
  /** The caller's clock: the row's creation time, and when it is due unless availableAt is later. */
  now: Date;
  availableAt?: Date;
}

/** An outbox row, ready to insert. */
export type OutboxInsert = Prisma.OutboxMessageCreateManyInput;

/** The row that carries one message: what `enqueue` writes, for writers that insert many. */
export function message<K extends MessageKind>(
  kind: K,
  payload: PayloadInput<K>,
  options: EnqueueOptions,
): OutboxInsert {
  // Times come from the app's clock, never the database's default: the worker compares them
  // with its own clock, and two clocks that disagree would hold messages back.
  const { now, availableAt, ...keys } = options;
  return {
    kind,
    // Dates become ISO strings, as they will when read back.
    payload: JSON.parse(JSON.stringify(payload)) as Prisma.InputJsonValue,
    ...keys,
    createdAt: now,
    availableAt: availableAt ?? now,
  };
}

/** Writes one message to the outbox in the caller's transaction. */
export async function enqueue<K extends MessageKind>(
  tx: Prisma.TransactionClient,
  kind: K,
  payload: PayloadInput<K>,
  options: EnqueueOptions,
): Promise<void> {
  await enqueueAll(tx, [message(kind, payload, options)]);
}

/**
 * Writes messages in one statement, in the order given (ids ascend with it, so one ordering
 * key's messages are delivered in that order). A message whose dedupe key is already there is
 * skipped; the others are written. Raw SQL over arrays: Prisma's createMany took 1-2 ms a row
 * to build, which was most of an SLA sweep's time (#19).
 */
export async function enqueueAll(
  tx: Prisma.TransactionClient,
  rows: OutboxInsert[],
): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (row: OutboxInsert) => T) => rows.map(pick);
  const time = (value: Date | string | undefined) =>
    value === undefined ? null : new Date(value).toISOString();
  await tx.$executeRawUnsafe(
    `INSERT INTO "OutboxMessage"
            ("kind", "payload", "orderingKey", "target", "dedupeKey", "createdAt", "availableAt")
     SELECT m."kind", m."payload"::jsonb, m."orderingKey", m."target", m."dedupeKey",
            m."createdAt", m."availableAt"
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                   $6::timestamp(3)[], $7::timestamp(3)[])
            WITH ORDINALITY AS m("kind", "payload", "orderingKey", "target", "dedupeKey",
                                 "createdAt", "availableAt", "n")
      ORDER BY m."n"
     ON CONFLICT ("dedupeKey") DO NOTHING`,
    column((row) => row.kind),
    column((row) => JSON.stringify(row.payload)),
    column((row) => row.orderingKey ?? null),
    column((row) => row.target ?? null),
    column((row) => row.dedupeKey ?? null),
    column((row) => time(row.createdAt)),
    column((row) => time(row.availableAt)),
  );
}

/** A handler per kind, given the payload as the contract types it. */
export type Handlers = {
  [K in MessageKind]?: (payload: Payload<K>, message: OutboxRow) => Promise<unknown>;
};

/**
 * The worker's handlers for `handlers`: each parses its payload against the contract first.
 * A payload that does not fit can never be delivered: it is kept as DEAD with the reason.
 */
export function handlersFor(handlers: Handlers): Record<string, OutboxHandler> {
  const raw: Record<string, OutboxHandler> = {};
  for (const kind of Object.keys(handlers) as MessageKind[]) {
    const handle = handlers[kind] as (payload: unknown, message: OutboxRow) => Promise<unknown>;
    raw[kind] = async (message) => {
      const parsed = parsePayload(kind, message.payload);
      if (!parsed.success) {
        throw new Undeliverable(
          `a ${kind} message that does not fit the outbox contract: ${z.prettifyError(parsed.error)}`,
        );
      }
      return handle(parsed.data, message);
    };
  }
  return raw;
}

/** A message a set-based writer (capture) inserts itself, by the contract's kinds and payloads. */
export type NewMessage = {
  [K in MessageKind]: {
    kind: K;
    payload: PayloadInput<K>;
    orderingKey: string | null;
    dedupeKey: string | null;
  };
}[MessageKind];
