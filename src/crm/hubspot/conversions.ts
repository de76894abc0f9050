// Conversions HubSpot records, turned into Baton's: a deal created for a contact, or a contact
// whose lifecycle stage reached one of the playbook's conversion stages (crm.hubspot
// .conversionStages, default opportunity and customer).
import type { Deps } from "#src/context.ts";
import type { HubSpotContact } from "#src/crm/hubspot/contact-mapping.ts";
import type { HubSpotApi, HubSpotDeal } from "#src/crm/hubspot/hubspot-api.ts";
import { leadIdByCrmId } from "#src/crm/lead-by-crm-id.ts";
import { emailSchema } from "#src/intake/schemas.ts";
import { type CrmConversion, convertFromCrm } from "#src/services/convert-from-crm.ts";

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
    let leadId = await leadIdByCrmId(deps.db, "hubspot", contactId);
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

export async function convert(
  deps: Deps,
  leadId: string,
  deal: { amount?: string; opportunityId?: string },
): Promise<CrmConversion> {
  const result = await convertFromCrm({
    db: deps.db,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    now: deps.clock.now(),
    leadId,
    crm: "HubSpot",
    ...deal,
  });
  if (result.converted) deps.wakeOutbox?.();
  return result;
}

/** The lead of a HubSpot contact: by its contact id, else (a lead from the API) by its email. */
export async function leadOfContact(
  deps: Deps,
  contact: { id: string; properties: Record<string, string | null | undefined> },
): Promise<string | undefined> {
  return (
    (await leadIdByCrmId(deps.db, "hubspot", contact.id)) ??
    (await leadByEmail(deps, contact.properties.email))
  );
}

async function leadByEmail(deps: Deps, email: string | null | undefined) {
  const parsed = emailSchema.safeParse(email ?? "");
  if (!parsed.success) return undefined;
  const lead = await deps.db.prisma.lead.findUnique({
    where: { email: parsed.data },
    select: { id: true },
  });
  return lead?.id;
}
