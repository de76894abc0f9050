// The HubSpot search API calls: finding an owner before routing (the contact by email, the
// company by domain) and the conversion poll (contacts whose lifecycle stage moved, deals
// created), paged. Each waits in the search limiter as well as the general one.
import type { Client } from "@hubspot/api-client";

/** How the calls reach HubSpot: the client, and the limiters (`search` for the search API). */
export interface Calls {
  client: () => Promise<Client>;
  call: <T>(what: string, request: () => Promise<T>) => Promise<T>;
  search: <T>(what: string, request: () => Promise<T>) => Promise<T>;
}

/** A page of search results (HubSpot allows up to 200). */
const SEARCH_PAGE = 100;

export function searchCalls({ client, search }: Calls) {
  return {
    async findContactByEmail(email: string) {
      const found = await search("searching contacts", async () =>
        (await client()).crm.contacts.searchApi.doSearch({
          filterGroups: [
            { filters: [{ propertyName: "email", operator: "EQ" as never, value: email }] },
          ],
          properties: ["hubspot_owner_id", "associatedcompanyid"],
          limit: 1,
        }),
      );
      const contact = found.results[0];
      if (!contact) return undefined;
      return {
        id: contact.id,
        ownerId: contact.properties.hubspot_owner_id || undefined,
        companyId: contact.properties.associatedcompanyid || undefined,
      };
    },
    async findCompanyByDomain(domain: string) {
      const found = await search("searching companies", async () =>
        (await client()).crm.companies.searchApi.doSearch({
          filterGroups: [
            { filters: [{ propertyName: "domain", operator: "EQ" as never, value: domain }] },
          ],
          properties: ["hubspot_owner_id", "domain"],
          sorts: ["createdate"],
          limit: 1,
        }),
      );
      const company = found.results[0];
      return (
        company && { id: company.id, ownerId: company.properties.hubspot_owner_id || undefined }
      );
    },
    async searchContactsReaching(stages: string[], since: Date, after?: string) {
      const found = await search("searching contacts", async () =>
        (await client()).crm.contacts.searchApi.doSearch({
          filterGroups: [
            {
              filters: [
                {
                  propertyName: "lastmodifieddate",
                  operator: "GTE" as never,
                  value: String(since.getTime()),
                },
                { propertyName: "lifecyclestage", operator: "IN" as never, values: stages },
              ],
            },
          ],
          properties: ["email", "lifecyclestage", "lastmodifieddate"],
          sorts: ["lastmodifieddate"],
          limit: SEARCH_PAGE,
          ...(after && { after }),
        }),
      );
      return {
        results: found.results.map((c) => ({
          id: c.id,
          properties: { ...c.properties },
          modifiedAt: new Date(c.properties.lastmodifieddate ?? c.updatedAt),
        })),
        after: found.paging?.next?.after,
      };
    },
    async searchDealsCreated(since: Date, after?: string) {
      const found = await search("searching deals", async () =>
        (await client()).crm.deals.searchApi.doSearch({
          filterGroups: [
            {
              filters: [
                {
                  propertyName: "createdate",
                  operator: "GTE" as never,
                  value: String(since.getTime()),
                },
              ],
            },
          ],
          properties: ["createdate"],
          sorts: ["createdate"],
          limit: SEARCH_PAGE,
          ...(after && { after }),
        }),
      );
      return {
        results: found.results.map((d) => ({
          id: d.id,
          createdAt: new Date(d.properties.createdate ?? d.createdAt),
        })),
        after: found.paging?.next?.after,
      };
    },
  };
}
