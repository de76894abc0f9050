// Conversions HubSpot records, turned into Baton's: a deal created for a contact, or a contact
// whose lifecycle stage reached one of the playbook's conversion stages (crm.hubspot
// .conversionStages, default opportunity and customer).
import type { Deps } from "#src/context.ts";
import { convertInCrm, leadByEmail, leadOfRecord } from "#src/crm/crm-conversions.ts";
import type { HubSpotContact } from "#src/crm/hubspot/contact-mapping.ts";
import type { HubSpotApi, HubSpotDeal } from "#src/crm/hubspot/hubspot-api.ts";
import type { CrmConversion } from "#src/services/convert-from-crm.ts";

/** Converts the lead when the contact's lifecycle stage says it converted. */
export async function convertIfStageReached(
  deps: Deps,
  leadId: string,
  contact: HubSpotContact,
): Promise<CrmConversion | undefined> {
  const stage = contact.properties.lifecyclestage?.trim().toLowerCase();
  if (!stage || !deps.playbook.current.crm.hubspot.conversionStages.includes(stage)) {
    return undefined;
  }
  return convert(deps, leadId, {});
}

/**
 * Converts the leads of a deal's contacts, with the deal's amount. A contact Baton knows by
 * another id (a lead that came from the API) is found by its email.
 */
export async function convertDeal(
  deps: Deps,
  api: HubSpotApi,
  deal: HubSpotDeal,
  read: <T>(operation: string, call: () => Promise<T>) => Promise<T>,
): Promise<{ contact: string; outcome: CrmConversion | { converted: false; why: string } }[]> {
  const results = [];
  for (const contactId of deal.contactIds) {
    let leadId = await leadOfRecord(deps, "hubspot", contactId);
    if (!leadId) {
      const contact = await read("read_contact", () => api.getContact(contactId, ["email"]));
      leadId = contact && (await leadByEmail(deps, contact.properties.email));
    }
    const outcome = leadId
      ? await convert(deps, leadId, {
          amount: deal.amount === undefined ? undefined : deal.amount.toFixed(2),
          opportunityId: deal.id,
        })
      : { converted: false as const, why: "not a Baton lead" };
    results.push({ contact: contactId, outcome });
  }
  return results;
}

function convert(
  deps: Deps,
  leadId: string,
  deal: { amount?: string; opportunityId?: string },
): Promise<CrmConversion> {
  return convertInCrm(deps, leadId, "HubSpot", deal);
}
