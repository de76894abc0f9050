// The owner (or a manager) marks a lead converted: an opportunity exists, with an optional
// amount and CRM id. The card shows it, marketing hears which source and campaign paid off,
// and the CRM gets a webhook.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { enqueue, recordLeadEvent } from "#src/services/lead-journal.ts";
import { lockOwnedLead } from "#src/services/owned-lead.ts";

export interface ConvertLeadOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  leadId: string;
  userId: string;
  /** Opportunity amount, in the CRM's currency, two decimals at most. */
  amount?: string;
  /** The opportunity's id in the CRM. */
  opportunityId?: string;
  note?: string;
  now: Date;
}

export async function convertLead(options: ConvertLeadOptions): Promise<{ number: number }> {
  const { db, playbook, leadId, userId, now } = options;
  return db.prisma.$transaction(async (tx) => {
    const lead = await lockOwnedLead(tx, playbook, leadId, userId, "mark converted");
    await tx.lead.update({
      where: { id: leadId },
      data: {
        status: "CONVERTED",
        convertedAt: now,
        opportunityId: options.opportunityId ?? null,
        opportunityAmount: options.amount ?? null,
        dispositionNote: options.note ?? null,
        slaStage: null,
        slaDueAt: null,
        version: { increment: 1 },
      },
    });
    await recordLeadEvent(tx, {
      leadId,
      type: "converted",
      actor: { type: lead.asManager ? "MANAGER" : "REP", id: userId },
      fromStatus: lead.status,
      toStatus: "CONVERTED",
      reason: describeOpportunity(options),
      data: {
        amount: options.amount ?? null,
        opportunityId: options.opportunityId ?? null,
        note: options.note ?? null,
      },
      at: now,
    });
    await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
    await enqueue(tx, {
      now,
      kind: "lead.feed",
      payload: { leadId, event: "converted" },
      orderingKey: `feed:${leadId}`,
      target: playbook.marketing.channel,
    });
    await enqueueWebhooks(
      tx,
      options.webhooks,
      "lead.converted",
      leadId,
      {
        by: userId,
        amount: options.amount ?? null,
        opportunityId: options.opportunityId ?? null,
        note: options.note ?? null,
      },
      now,
    );
    return { number: lead.number };
  });
}

/** "opportunity 006Qx01 · amount 12,500.00", or undefined when neither was given. */
export function describeOpportunity(o: { amount?: string; opportunityId?: string }) {
  const parts = [
    o.opportunityId ? `opportunity ${o.opportunityId}` : undefined,
    o.amount
      ? `amount ${Number(o.amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
      : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : undefined;
}
