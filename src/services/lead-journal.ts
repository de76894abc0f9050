// Writes that accompany every lead state change, inside the caller's transaction: the audit
// trail event and the outbox rows that the outbox worker delivers after commit.
import type { ActorType, LeadStatus, Prisma } from "#src/db/generated/client.ts";

export type Tx = Prisma.TransactionClient;

export interface Actor {
  type: ActorType;
  /** Slack user id, API client name, job name... */
  id?: string;
}

export interface LeadEventInput {
  leadId: string;
  type: string;
  actor: Actor;
  fromStatus?: LeadStatus;
  toStatus?: LeadStatus;
  reason?: string;
  data?: Prisma.InputJsonValue;
  at: Date;
}

export async function recordLeadEvent(tx: Tx, event: LeadEventInput): Promise<void> {
  await tx.leadEvent.create({
    data: {
      leadId: event.leadId,
      type: event.type,
      actorType: event.actor.type,
      actorId: event.actor.id,
      fromStatus: event.fromStatus,
      toStatus: event.toStatus,
      reason: event.reason,
      data: event.data ?? {},
      createdAt: event.at,
    },
  });
}

export interface OutboxInput {
  /** What the worker does: "lead.handoff", "lead.activity", "slack.post", "webhook"... */
  kind: string;
  payload: Prisma.InputJsonValue;
  /** Messages with the same key are delivered in order (one lead's messages). */
  orderingKey?: string;
  /** Pacing key: a Slack channel or a webhook URL. */
  target?: string;
  /** Enqueueing twice with one key writes one row. */
  dedupeKey?: string;
  /** The caller's clock: the row's creation time, and when it is due unless availableAt is later. */
  now: Date;
  availableAt?: Date;
}

export async function enqueue(tx: Tx, message: OutboxInput): Promise<void> {
  // Times come from the app's clock, never the database's default: the worker compares them
  // with its own clock, and two clocks that disagree would hold messages back.
  const { now, ...fields } = message;
  const data = { ...fields, createdAt: now, availableAt: fields.availableAt ?? now };
  if (message.dedupeKey) {
    await tx.outboxMessage.createMany({ data: [data], skipDuplicates: true });
  } else {
    await tx.outboxMessage.create({ data });
  }
}
