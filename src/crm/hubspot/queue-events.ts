// A Webhooks API batch, stored as outbox work: one read per record it names. Events on one
// record in a batch (a propertyChange per changed property) become one read, and a batch
// HubSpot sends again is stored once (the dedupe key is the record and the batch's first
// event id for it).
import type { WebhookEvent } from "#src/crm/hubspot/payloads.ts";
import type { Database } from "#src/db/database.ts";
import { enqueueAll, message } from "#src/outbox/messages.ts";

/** The subscriptions Baton acts on, and the record each one is about. */
const HANDLED: Record<string, "contact" | "deal"> = {
  "contact.creation": "contact",
  "contact.propertyChange": "contact",
  "contact.restore": "contact",
  "deal.creation": "deal",
};

export const HUBSPOT_TARGET = "hubspot";

export async function queueWebhookEvents(
  db: Database,
  events: WebhookEvent[],
  now: Date,
): Promise<{ queued: number; ignored: number }> {
  const reads = new Map<string, { object: "contact" | "deal"; id: string; event: WebhookEvent }>();
  let ignored = 0;
  for (const event of events) {
    const object = HANDLED[event.subscriptionType];
    if (!object) {
      ignored += 1;
      continue;
    }
    const key = `${object}:${event.objectId}`;
    const first = reads.get(key);
    if (!first || String(event.eventId) < String(first.event.eventId)) {
      reads.set(key, { object, id: String(event.objectId), event });
    }
  }
  const rows = [...reads.values()].map(({ object, id, event }) =>
    message(
      "hubspot.fetch",
      { object, objectId: id, event: event.subscriptionType },
      {
        now,
        // One record's reads in order; a deal's after its contacts' when both are due.
        orderingKey: `hubspot:${object}:${id}`,
        target: HUBSPOT_TARGET,
        dedupeKey: `hubspot:${object}:${id}:${event.eventId}`,
      },
    ),
  );
  await enqueueAll(db.prisma, rows);
  return { queued: rows.length, ignored };
}
