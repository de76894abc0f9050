// Conversions Salesforce records, turned into Baton's: a Lead converted in Salesforce (an
// Outbound Message on Lead update with IsConverted true, or a poll of converted Leads), with
// the amount of the opportunity it was converted into.
import type { Deps } from "#src/context.ts";
import { convertInCrm, leadOfRecord } from "#src/crm/crm-conversions.ts";
import type { SalesforceApi } from "#src/crm/salesforce/salesforce-api.ts";
import type { CrmConversion } from "#src/services/convert-from-crm.ts";

/** Converts a Baton lead Salesforce converted, with the opportunity's amount when known. */
export function convertSalesforceLead(
  deps: Deps,
  leadId: string,
  opportunity: { id?: string; amount?: number },
): Promise<CrmConversion> {
  return convertInCrm(deps, leadId, "Salesforce", {
    amount: opportunity.amount === undefined ? undefined : opportunity.amount.toFixed(2),
    opportunityId: opportunity.id,
  });
}

/**
 * A scheduled poll's work: the Leads converted in Salesforce since `since` convert their Baton
 * leads (found by Lead id, else by email). Ready for the CRM-neutral poll to call, once per
 * interval across replicas; converting twice is a no-op (the lead is already converted).
 */
export async function pollConversions(
  deps: Deps,
  api: SalesforceApi,
  since: Date,
): Promise<{ converted: number; seen: number }> {
  const leads = await api.convertedLeadsSince(since);
  let converted = 0;
  for (const lead of leads) {
    const leadId = await leadOfRecord(deps, "salesforce", lead.id, lead.email);
    if (!leadId) continue;
    const outcome = await convertSalesforceLead(deps, leadId, {
      id: lead.opportunityId,
      amount: lead.amount,
    });
    if (outcome.converted) converted += 1;
  }
  return { converted, seen: leads.length };
}
