// The CRM recorded the outcome (a HubSpot deal for the contact, or its lifecycle stage moved to
// opportunity or customer): the lead is converted, with the deal's amount, through the same
// seam as a rep's Converted button. The card says where it converted, marketing's feed and
// /leads stats count it, and the CRM is not written back to (it knows).
import { describeOpportunity } from "#src/domain/opportunity.ts";
import { AppError } from "#src/errors.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";

export interface ConvertFromCrmOptions extends LifecycleOptions {
  leadId: string;
  /** The CRM's name as people read it: "HubSpot". */
  crm: string;
  /** Deal amount, two decimals at most. */
  amount?: string;
  /** The deal's (opportunity's) id in the CRM. */
  opportunityId?: string;
}

export type CrmConversion = { converted: true; number: number } | { converted: false; why: string };

export async function convertFromCrm(options: ConvertFromCrmOptions): Promise<CrmConversion> {
  const { db, now, crm } = options;
  const amount = options.amount ?? null;
  const opportunityId = options.opportunityId ?? null;
  try {
    return await db.prisma.$transaction(async (tx) => {
      const { lead, actorType } = await lockFor(tx, options, "convertInCrm", { system: "SYSTEM" });
      await applyChange(tx, options, lead, {
        to: "CONVERTED",
        set: {
          convertedAt: now,
          opportunityId,
          opportunityAmount: amount,
          dispositionReason: `converted in ${crm}`,
        },
        event: {
          type: "converted",
          actorType,
          actorId: crm.toLowerCase(),
          reason: describeOpportunity({ amount, opportunityId }) ?? `converted in ${crm}`,
          data: { amount, opportunityId, crm: crm.toLowerCase() },
        },
        facts: [
          {
            ...factBase(lead, now),
            type: "converted",
            actor: { system: "crm" },
            amount,
            opportunityId,
            note: `converted in ${crm}`,
          },
        ],
      });
      return { converted: true as const, number: lead.number };
    });
  } catch (error) {
    // Already converted, or disqualified in Baton: the CRM's news changes nothing here.
    if (error instanceof AppError && error.code === "conflict") {
      return { converted: false, why: error.userMessage };
    }
    throw error;
  }
}
