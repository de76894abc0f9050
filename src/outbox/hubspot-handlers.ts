// Outbox handlers that talk to HubSpot. A failure HubSpot may recover from is retried: after
// its Retry-After on a 429 (holding every HubSpot message, so the limit is not hit again at
// once), with backoff on a 5xx, a network error or a token HubSpot refuses; anything else
// can never succeed and is kept as DEAD with the reason. /metrics counts every call.
import type { Deps } from "#src/context.ts";
import { captureHubSpotContact } from "#src/crm/hubspot/capture-contact.ts";
import { propertiesToRead } from "#src/crm/hubspot/contact-mapping.ts";
import { convertDeal, convertIfStageReached } from "#src/crm/hubspot/conversions.ts";
import type { HubSpotApi } from "#src/crm/hubspot/hubspot-api.ts";
import {
  deliverUpdate,
  groupedUpdates,
  type RecordUpdates,
  reportToAdminsOnce,
} from "#src/outbox/crm-calls.ts";
import { counted, type HubSpotConnection } from "#src/outbox/hubspot-calls.ts";
import { logEngagement } from "#src/outbox/hubspot-engagements.ts";
import type { Handlers, Payload } from "#src/outbox/messages.ts";
import { type GroupDelivery, RetryLater } from "#src/outbox/outbox-worker.ts";
import { hubspotNoOwnerAlert } from "#src/slack/blocks/crm-alerts.ts";

export function hubspotHandlers(deps: Deps, connection: HubSpotConnection | undefined): Handlers {
  return {
    "hubspot.update": async (payload) => {
      if (!connection) return { skipped: "HUBSPOT_ACCESS_TOKEN is not set" };
      return updateContact(deps, connection, payload);
    },
    "hubspot.engagement": async (payload, row) => {
      if (!connection) return { skipped: "HUBSPOT_ACCESS_TOKEN is not set" };
      return logEngagement(deps, connection, payload, row);
    },
    "hubspot.fetch": async ({ object, objectId }) => {
      const hubspot = required(connection?.api);
      const read = <T>(operation: string, call: () => Promise<T>) => counted(deps, operation, call);
      if (object === "deal") {
        const deal = await read("read_deal", () => hubspot.getDeal(objectId));
        if (!deal) return { skipped: "the deal is no longer in HubSpot" };
        return { deal: deal.id, contacts: await convertDeal(deps, hubspot, deal, read) };
      }
      const settings = deps.playbook.current.crm.hubspot;
      const contact = await read("read_contact", () =>
        hubspot.getContact(objectId, propertiesToRead(settings)),
      );
      if (!contact) return { skipped: "the contact is no longer in HubSpot" };
      const captured = await captureHubSpotContact(deps, contact);
      if (!captured.captured) return captured;
      return {
        ...captured,
        conversion: await convertIfStageReached(deps, captured.leadId, contact),
      };
    },
  };
}

/** Sets the lead's contact's owner and lead status in HubSpot, as the payload says. */
async function updateContact(
  deps: Deps,
  connection: HubSpotConnection,
  payload: Payload<"hubspot.update">,
) {
  const plan = await deliverUpdate(contactUpdates(deps, connection), payload);
  if (!plan || "skipped" in plan) return plan;
  return { contactId: plan.id, properties: Object.keys(plan.properties) };
}

/** Many leads' updates in one batch call of up to 100 contacts (see groupedUpdates). */
export function hubspotBatch(deps: Deps, connection: HubSpotConnection | undefined): GroupDelivery {
  return groupedUpdates(contactUpdates(deps, connection));
}

function contactUpdates(
  deps: Deps,
  connection: HubSpotConnection | undefined,
): RecordUpdates<"hubspot.update", ContactUpdate> {
  return {
    kind: "hubspot.update",
    batchSize: HUBSPOT_BATCH_SIZE,
    connected: connection !== undefined,
    plan: (payloads) => planUpdates(deps, connection!, payloads),
    write: (writes) => writeUpdates(deps, connection!, writes),
  };
}

/** HubSpot's batch endpoints take up to 100 records. */
const HUBSPOT_BATCH_SIZE = 100;

interface ContactUpdate {
  id: string;
  properties: Record<string, string>;
}

/** What each payload writes to which contact (in payload order), or why it writes nothing. */
async function planUpdates(
  deps: Deps,
  { owners }: HubSpotConnection,
  payloads: Payload<"hubspot.update">[],
): Promise<(ContactUpdate | { skipped: string })[]> {
  const leads = await deps.db.prisma.lead.findMany({
    where: { id: { in: payloads.map((p) => p.leadId) } },
    select: { id: true, externalIds: true },
  });
  const contactOf = new Map(
    leads.map((l) => [l.id, (l.externalIds as Record<string, unknown>).hubspot]),
  );
  const statuses = deps.playbook.current.crm.hubspot.leadStatus;
  const plans: (ContactUpdate | { skipped: string })[] = [];
  for (const payload of payloads) {
    const contactId = contactOf.get(payload.leadId);
    if (typeof contactId !== "string") {
      plans.push({ skipped: "the lead is not a HubSpot contact" });
      continue;
    }
    const properties: Record<string, string> = {};
    if (payload.owner) {
      const owner = await counted(deps, "find_owner", () => owners.ownerOf(payload.owner!));
      if ("ownerId" in owner) properties.hubspot_owner_id = owner.ownerId;
      else
        await reportToAdminsOnce(
          deps,
          `hubspot:no-owner:${payload.owner}`,
          hubspotNoOwnerAlert(payload.owner, owner.missing),
        );
    }
    const status = payload.status && statuses[payload.status];
    if (status) properties.hs_lead_status = status;
    plans.push(
      Object.keys(properties).length > 0
        ? { id: contactId, properties }
        : { skipped: "nothing to write" },
    );
  }
  return plans;
}

/** One batch call; two updates of one contact in it are merged, the later one winning. */
async function writeUpdates(deps: Deps, { api }: HubSpotConnection, updates: ContactUpdate[]) {
  if (updates.length === 0) return;
  const merged = new Map<string, Record<string, string>>();
  for (const u of updates) merged.set(u.id, { ...merged.get(u.id), ...u.properties });
  const inputs = [...merged].map(([id, properties]) => ({ id, properties }));
  await counted(deps, "update_contacts", () => api.updateContacts(inputs));
}

function required(api: HubSpotApi | undefined): HubSpotApi {
  if (!api) throw new RetryLater("HUBSPOT_ACCESS_TOKEN is not set: Baton cannot call HubSpot");
  return api;
}
