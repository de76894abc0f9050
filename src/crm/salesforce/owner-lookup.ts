// Salesforce's answer to "whose is this lead?" before routing: the owner of the Account of the
// Contact with the lead's email (in Salesforce every Contact has an owner, often whoever created
// it; the Account's owner is the one who owns the relationship), else the Contact's owner, else
// an unconverted Lead's owner (when a User owns it, not a queue), else the owner of the Account
// whose Website is on the lead's email domain; as the owner's email, which Baton matches to a
// Slack user. Through jsforce, like every other Salesforce call.
import type { CrmOwner, CrmOwnerLookup } from "#src/crm/crm-provider.ts";
import type { SalesforceApi } from "#src/crm/salesforce/salesforce-api.ts";

export function salesforceOwnerLookup(api: SalesforceApi): CrmOwnerLookup {
  return {
    crm: "Salesforce",
    async ownerOf({ email, companyDomain }): Promise<CrmOwner | undefined> {
      const owners = await api.ownersOfEmail(email);
      if (owners.account) return { email: owners.account, of: "company" };
      if (owners.contact) return { email: owners.contact, of: "contact" };
      if (owners.lead) return { email: owners.lead, of: "lead" };
      const domain = companyDomain ?? email.split("@")[1];
      const ofAccount = domain ? await api.accountOwnerOfDomain(domain) : undefined;
      return ofAccount ? { email: ofAccount, of: "company" } : undefined;
    },
  };
}
