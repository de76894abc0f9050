// Conversions polled from HubSpot where its webhooks are not set up (HUBSPOT_POLL_CRON): the
// contacts modified since the last poll whose lifecycle stage is a conversion stage, converted
// at once, and the deals created since then, each queued as the same read a deal.creation
// webhook queues (the deal's contacts are converted with its amount). Paged through HubSpot's
// search API, oldest change first, so a run cut short resumes where it stopped.
import type { Deps } from "#src/context.ts";
import { leadOfRecord, nextPollStart } from "#src/crm/crm-conversions.ts";
import type { ConversionPoll, CrmConversionPoller } from "#src/crm/crm-provider.ts";
import { convertIfStageReached } from "#src/crm/hubspot/conversions.ts";
import type { HubSpotApi } from "#src/crm/hubspot/hubspot-api.ts";
import { HUBSPOT_TARGET } from "#src/crm/hubspot/queue-events.ts";
import { counted } from "#src/outbox/hubspot-calls.ts";
import { enqueueAll, message } from "#src/outbox/messages.ts";

/** HubSpot's search stops at 10,000 results a query: a run reads at most this many pages. */
const MAX_PAGES = 50;

export function hubspotConversionPoller(deps: Deps, api: HubSpotApi): CrmConversionPoller {
  return {
    crm: "HubSpot",
    async pollConversions(since, now): Promise<ConversionPoll> {
      const contacts = await pollContacts(deps, api, since, now);
      const deals = await pollDeals(deps, api, since, now);
      // The older of the two: whichever search stopped early starts there next time.
      const newest = Math.min(contacts.watermark.getTime(), deals.watermark.getTime());
      return {
        found: contacts.found + deals.found,
        watermark: new Date(Math.min(newest, now.getTime())),
      };
    },
  };
}

async function pollContacts(
  deps: Deps,
  api: HubSpotApi,
  since: Date,
  now: Date,
): Promise<ConversionPoll> {
  const stages = deps.playbook.current.crm.hubspot.conversionStages;
  let watermark = since;
  let found = 0;
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await counted(deps, "search_contacts", () =>
      api.searchContactsReaching(stages, since, after),
    );
    for (const contact of batch.results) {
      const leadId = await leadOfRecord(deps, "hubspot", contact.id, contact.properties.email);
      const outcome = leadId ? await convertIfStageReached(deps, leadId, contact) : undefined;
      if (outcome?.converted) found += 1;
      if (contact.modifiedAt > watermark) watermark = contact.modifiedAt;
    }
    after = batch.after;
    if (!after) return { found, watermark: nextPollStart(since, now) };
  }
  return { found, watermark };
}

async function pollDeals(deps: Deps, api: HubSpotApi, since: Date, now: Date) {
  let watermark = since;
  let found = 0;
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await counted(deps, "search_deals", () => api.searchDealsCreated(since, after));
    const rows = batch.results.map((deal) =>
      message(
        "hubspot.fetch",
        { object: "deal", objectId: deal.id, event: "deal.creation" },
        {
          now,
          orderingKey: `hubspot:deal:${deal.id}`,
          target: HUBSPOT_TARGET,
          // A deal seen by two polls (or a poll and its webhook) is read once.
          dedupeKey: `hubspot:deal:${deal.id}:created`,
        },
      ),
    );
    await enqueueAll(deps.db.prisma, rows);
    found += rows.length;
    for (const deal of batch.results) if (deal.createdAt > watermark) watermark = deal.createdAt;
    after = batch.after;
    if (!after) break;
  }
  if (found > 0) deps.wakeOutbox?.();
  return { found, watermark: after ? watermark : nextPollStart(since, now) };
}
