// Outbox handlers that talk to HubSpot. A failure HubSpot may recover from is retried: after
// its Retry-After on a 429 (holding every HubSpot message, so the limit is not hit again at
// once), with backoff on a 5xx, a network error or a token HubSpot refuses; anything else
// can never succeed and is kept as DEAD with the reason. /metrics counts every call.
import type { Deps } from "#src/context.ts";
import { captureHubSpotContact } from "#src/crm/hubspot/capture-contact.ts";
import { propertiesToRead } from "#src/crm/hubspot/contact-mapping.ts";
import { type HubSpotApi, HubSpotError } from "#src/crm/hubspot/hubspot-api.ts";
import type { Handlers } from "#src/outbox/messages.ts";
import { RetryLater, Undeliverable } from "#src/outbox/outbox-worker.ts";

/** When HubSpot sends a 429 without Retry-After: its rolling window is ten seconds. */
const RATE_LIMIT_WAIT_MS = 10_000;

export function hubspotHandlers(deps: Deps, api: HubSpotApi | undefined): Handlers {
  return {
    "hubspot.fetch": async ({ object, objectId }) => {
      const hubspot = required(api);
      if (object !== "contact") throw new Undeliverable(`Baton does not read HubSpot ${object}s`);
      const settings = deps.playbook.current.crm.hubspot;
      const contact = await counted(deps, "read_contact", () =>
        hubspot.getContact(objectId, propertiesToRead(settings)),
      );
      if (!contact) return { skipped: "the contact is no longer in HubSpot" };
      return captureHubSpotContact(deps, contact);
    },
  };
}

function required(api: HubSpotApi | undefined): HubSpotApi {
  if (!api) throw new RetryLater("HUBSPOT_ACCESS_TOKEN is not set: Baton cannot call HubSpot");
  return api;
}

/** Runs one HubSpot call, counts it, and turns its failure into the outbox's terms. */
export async function counted<T>(
  deps: Deps,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const count = (outcome: string) =>
    deps.metrics.crmRequests.inc({ crm: "hubspot", operation, outcome });
  try {
    const result = await call();
    count("ok");
    return result;
  } catch (error) {
    if (!(error instanceof HubSpotError)) {
      count("error");
      throw error;
    }
    count(outcomeOf(error));
    if (error.status === 429) {
      throw new RetryLater(error.message, error.retryAfterMs ?? RATE_LIMIT_WAIT_MS, true);
    }
    if (error.unauthorized) {
      deps.logger.error(
        { status: error.status, category: error.category },
        "HubSpot refused Baton's access token: check HUBSPOT_ACCESS_TOKEN (private app → Auth) and the app's scopes; HubSpot work is kept and retried",
      );
    }
    if (error.retryable) throw new RetryLater(error.message);
    throw new Undeliverable(error.message);
  }
}

function outcomeOf(error: HubSpotError): string {
  if (error.status === 429) return "rate_limited";
  if (error.unauthorized) return "unauthorized";
  if (error.status >= 500 || error.status === 0) return "unavailable";
  return "refused";
}
