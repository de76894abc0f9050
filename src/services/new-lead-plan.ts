// What a new lead's capture writes, planned before it reaches the database: its id, score and
// status, its activities, audit events and outbox message, as the JSON that createLeads sends.
// Planning depends only on the request, the scoring and the time, so it can run anywhere: the
// intake plans its leads in the batch it writes, the CSV import in its reader thread, beside
// the database's thread (docs/decisions/017).
import {
  type ActivityRow,
  activityRow,
  type EventRow,
  type NewLeadJson,
  type NewLeadRow,
  type OutboxRow,
} from "#src/db/capture-rows.ts";
import {
  type CaptureDecision,
  decideCapture,
  leadFields,
  NEW_LEAD,
  newLeadColumns,
  type SalesNews,
} from "#src/domain/capture.ts";
import type { LeadStatus } from "#src/domain/lifecycle.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import { uuidv7 } from "#src/lib/uuid.ts";
import type { NewMessage } from "#src/outbox/messages.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import type { Actor } from "#src/services/lead-journal.ts";

/** What a capture needs besides the request: the rules, who captures, and when. */
export interface CaptureContext {
  scoring: Scoring;
  accountMatching: boolean;
  actor: Actor;
  now: Date;
}

/** What a capture did to a lead. */
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

/**
 * A new lead's rows as UTF-8 JSON (db/capture-rows.ts NewLeadJson), encoded where it is
 * planned: the database's thread only copies the bytes. Plain data: it crosses threads.
 */
export interface NewLeadPlan extends NewLeadJson {
  /** The time it was planned for (ISO): the capture that writes it must run at this time. */
  at: string;
  /** The capture's result, but for the lead's number, which the database gives. */
  result: CaptureLeadResult;
}

export function planNewLead(
  input: LeadRequest,
  context: Pick<CaptureContext, "scoring" | "actor" | "now">,
): NewLeadPlan {
  const { now } = context;
  const id = uuidv7(now.getTime());
  // An activity sent twice in one request (same sender id or same content) is stored once.
  const unique = new Map<string, ActivityRow>();
  for (const activity of input.activities ?? []) {
    const row = activityRow(id, activity);
    if (!unique.has(row.externalId)) unique.set(row.externalId, row);
  }
  const activities = [...unique.values()];
  const decision = decideCapture(
    {
      lead: NEW_LEAD,
      created: true,
      request: input,
      fields: leadFields(input),
      scored: activities.map((a) => ({ type: a.type, occurredAt: new Date(a.occurredAt) })),
      added: activities.length,
    },
    context,
  );
  const at = now.toISOString();
  const lead: NewLeadRow = {
    ...newLeadColumns(input),
    id,
    score: decision.score.total,
    fitScore: decision.score.fit,
    behaviorScore: decision.score.behavior,
    scoreBreakdown: decision.score.breakdown,
    status: decision.status,
    qualifiedAt: decision.qualified ? at : null,
    trigger: decision.trigger,
    nurturedAt: decision.nurtured ? at : null,
  };
  return {
    at,
    lead: utf8.encode(JSON.stringify(lead)),
    activities: elements(activities),
    events: elements(eventRows(id, decision, context.actor)),
    outbox: elements(
      outboxRows(
        id,
        decision.news,
        activities.map((a) => a.id),
        now,
      ),
    ),
    result: resultOf({ id, number: 0 }, true, decision),
  };
}

// Not Buffer.from: a small Buffer is a view of a shared 8 KB pool, all of which a structured
// clone would copy to the other thread.
const utf8 = new TextEncoder();
const NONE = new Uint8Array(0);

/** An array's elements as JSON, without its brackets. */
function elements(rows: unknown[]): Uint8Array {
  return rows.length === 0 ? NONE : utf8.encode(JSON.stringify(rows).slice(1, -1));
}

/**
 * Audit events and outbox rows made in this thread, counted: each carries the count as `n`, so
 * that a set-based insert writes them in the order they were made (the ids of the audit trail
 * and of the messages to sales follow it), whether a batch's rows were planned here or in
 * another thread (the import's reader plans new leads, this thread merges known ones).
 */
let made = 0;

export function eventRows(leadId: string, decision: CaptureDecision, actor: Actor): EventRow[] {
  return decision.events.map((event) => ({
    n: made++,
    leadId,
    type: event.type,
    actorType: actor.type,
    actorId: actor.id ?? null,
    fromStatus: event.fromStatus,
    toStatus: event.toStatus,
    reason: event.reason,
    data: event.data,
  }));
}

export function outboxRows(
  leadId: string,
  news: SalesNews,
  addedIds: string[],
  now: Date,
): OutboxRow[] {
  const message = salesMessage(leadId, news, addedIds, now);
  return message ? [{ ...message, leadId, n: made++ }] : [];
}

function salesMessage(
  leadId: string,
  news: SalesNews,
  addedIds: string[],
  now: Date,
): NewMessage | undefined {
  switch (news) {
    case "handoff":
      return {
        kind: "lead.handoff",
        payload: { leadId },
        orderingKey: leadId,
        dedupeKey: `handoff:${leadId}:${now.toISOString()}`,
      };
    case "activity":
      return {
        kind: "lead.activity",
        // The ids, not just a count: the reply is built when delivered, and by then newer
        // activities may be stored (they get their own reply).
        payload: { leadId, activities: addedIds.length, activityIds: addedIds },
        orderingKey: leadId,
        dedupeKey: null,
      };
    default:
      return undefined;
  }
}

export function resultOf(
  lead: { id: string; number: number },
  created: boolean,
  decision: CaptureDecision,
): CaptureLeadResult {
  return {
    leadId: lead.id,
    number: lead.number,
    created,
    status: decision.status,
    score: decision.score.total,
    qualified: decision.qualified,
    activitiesAdded: decision.activitiesAdded,
    activitiesDuplicate: decision.activitiesDuplicate,
  };
}
