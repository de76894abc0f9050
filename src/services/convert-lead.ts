// The owner (or a manager) marks a lead converted: an opportunity exists, with an optional
// amount and CRM id. The card shows it, marketing hears which source and campaign paid off,
// and the CRM gets a webhook.
import { describeOpportunity } from "#src/domain/opportunity.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";

export interface ConvertLeadOptions extends LifecycleOptions {
  leadId: string;
  userId: string;
  /** Opportunity amount, in the CRM's currency, two decimals at most. */
  amount?: string;
  /** The opportunity's id in the CRM. */
  opportunityId?: string;
  note?: string;
}

export async function convertLead(options: ConvertLeadOptions): Promise<{ number: number }> {
  const { db, userId, now } = options;
  const amount = options.amount ?? null;
  const opportunityId = options.opportunityId ?? null;
  const note = options.note ?? null;
  return db.prisma.$transaction(async (tx) => {
    const { lead, actorType, as } = await lockFor(tx, options, "convert", { userId });
    await applyChange(tx, options, lead, {
      to: "CONVERTED",
      set: {
        convertedAt: now,
        opportunityId,
        opportunityAmount: amount,
        // A reason left from an earlier nurture is not why it converted.
        dispositionReason: null,
        dispositionNote: note,
      },
      event: {
        type: "converted",
        actorType,
        actorId: userId,
        reason: describeOpportunity(options),
        data: { amount, opportunityId, note },
      },
      facts: [
        {
          ...factBase(lead, now),
          type: "converted",
          actor: { person: userId, as },
          amount,
          opportunityId,
          note,
        },
      ],
    });
    return { number: lead.number };
  });
}
