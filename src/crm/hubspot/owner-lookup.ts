// HubSpot's answer to "whose is this lead?" before routing: the owner of the contact with the
// lead's email, else the owner of its company (the contact's primary company, or the company
// with the lead's domain), as the owner's email. Reads through the same rate-limited client as
// every other HubSpot call.

import type { CrmOwner, CrmOwnerLookup } from "#src/crm/crm-provider.ts";
import type { HubSpotApi } from "#src/crm/hubspot/hubspot-api.ts";

export function hubspotOwnerLookup(api: HubSpotApi): CrmOwnerLookup {
  const ownerEmail = async (ownerId: string | undefined) =>
    ownerId ? (await api.getOwner(ownerId))?.email : undefined;
  return {
    crm: "HubSpot",
    warm: () => api.warm(),
    async ownerOf({ email, companyDomain }): Promise<CrmOwner | undefined> {
      const contact = await api.findContactByEmail(email);
      const ofContact = await ownerEmail(contact?.ownerId);
      if (ofContact) return { email: ofContact, of: "contact" };
      let companyOwner = contact?.companyId
        ? await api.getCompanyOwner(contact.companyId)
        : undefined;
      if (!companyOwner && companyDomain) {
        companyOwner = (await api.findCompanyByDomain(companyDomain))?.ownerId;
      }
      const ofCompany = await ownerEmail(companyOwner);
      return ofCompany ? { email: ofCompany, of: "company" } : undefined;
    },
  };
}
