// Conversions Salesforce records, turned into Baton's: a Lead converted in Salesforce (an
// Outbound Message on Lead update with IsConverted true, or the scheduled poll), or an
// opportunity created for the person (the poll), with the opportunity's amount.
import type { Deps } from "#src/context.ts";
import {
  convertInCrm,
  leadByEmail,
  leadOfRecord,
  nextPollStart,
} from "#src/crm/crm-conversions.ts";
import type { ConversionPoll, CrmConversionPoller } from "#src/crm/crm-provider.ts";
import { QUERY_LIMIT, type SalesforceApi } from "#src/crm/salesforce/salesforce-api.ts";
import { counted } from "#src/outbox/salesforce-calls.ts";
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
 * The scheduled poll (SALESFORCE_POLL_CRON, once per interval across replicas): the Leads
 * converted in Salesforce since the last poll, and the opportunities a Contact was given a role
 * on since then (an opportunity created for the person), convert their Baton leads (by Lead id,
 * else by email) with the opportunity's amount. Converting twice is a no-op (the lead is
 * already converted), so an overlap between polls is harmless.
 */
export function salesforceConversionPoller(deps: Deps, api: SalesforceApi): CrmConversionPoller {
  const read = <T>(operation: string, call: () => Promise<T>) => counted(deps, operation, call);
  return {
    crm: "Salesforce",
    async pollConversions(since, now): Promise<ConversionPoll> {
      const leads = await read("poll_converted_leads", () => api.convertedLeadsSince(since));
      let found = 0;
      for (const lead of leads) {
        const leadId = await leadOfRecord(deps, "salesforce", lead.id, lead.email);
        const outcome =
          leadId &&
          (await convertSalesforceLead(deps, leadId, {
            id: lead.opportunityId,
            amount: lead.amount,
          }));
        if (outcome && outcome.converted) found += 1;
      }
      const roles = await read("poll_opportunities", () => api.contactOpportunitiesSince(since));
      for (const role of roles) {
        const leadId = await leadByEmail(deps, role.email);
        const outcome =
          leadId &&
          (await convertSalesforceLead(deps, leadId, {
            id: role.opportunityId,
            amount: role.amount,
          }));
        if (outcome && outcome.converted) found += 1;
      }
      // A query that stopped at its limit resumes from the newest change it saw.
      const full = [
        leads.length >= QUERY_LIMIT && leads.at(-1)!.modifiedAt,
        roles.length >= QUERY_LIMIT && roles.at(-1)!.createdAt,
      ].filter((at): at is Date => at instanceof Date);
      const watermark =
        full.length > 0
          ? new Date(Math.min(...full.map((at) => at.getTime())))
          : nextPollStart(since, now);
      return { found, watermark };
    },
  };
}
