// Calling HubSpot from the outbox, in the terms every CRM connector shares (crm-calls.ts): a
// 429 holds every HubSpot message for its Retry-After; a 5xx, a network error or a token
// HubSpot refuses retries with backoff (the token told to the admins once a day); anything else
// can never succeed and is kept as DEAD with the reason. /metrics counts every call.
import type { Deps } from "#src/context.ts";
import { type HubSpotApi, HubSpotError } from "#src/crm/hubspot/hubspot-api.ts";
import type { OwnerDirectory } from "#src/crm/owner-directory.ts";
import { type CrmCalls, countedCall } from "#src/outbox/crm-calls.ts";
import { hubspotUnauthorizedAlert } from "#src/slack/blocks/crm-alerts.ts";

export interface HubSpotConnection {
  api: HubSpotApi;
  owners: OwnerDirectory;
}

/** When HubSpot sends a 429 without Retry-After: its rolling window is ten seconds. */
const RATE_LIMIT_WAIT_MS = 10_000;

const HUBSPOT_CALLS: CrmCalls = {
  crm: "hubspot",
  classify(error) {
    if (!(error instanceof HubSpotError)) return undefined;
    if (error.status === 429) {
      return { outcome: "rate_limited", waitMs: error.retryAfterMs ?? RATE_LIMIT_WAIT_MS };
    }
    if (error.unauthorized) {
      return {
        outcome: "unauthorized",
        unauthorized: {
          log: "HubSpot refused Baton's access token: check HUBSPOT_ACCESS_TOKEN (private app → Auth) and the app's scopes; HubSpot work is kept and retried",
          alert: hubspotUnauthorizedAlert(error.status),
        },
      };
    }
    return { outcome: error.retryable ? "unavailable" : "refused" };
  },
};

/** Runs one HubSpot call, counts it, and turns its failure into the outbox's terms. */
export function counted<T>(deps: Deps, operation: string, call: () => Promise<T>): Promise<T> {
  return countedCall(deps, HUBSPOT_CALLS, operation, call);
}
