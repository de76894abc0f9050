// The audit trail: every change to a lead is an event with its actor and reason, written in
// the transaction of the change (see lead-transition.ts). Outbox messages: outbox/messages.ts.
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
