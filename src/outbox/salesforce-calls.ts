// Calling Salesforce from the outbox and the conversion poll, in the terms every CRM connector
// shares (crm-calls.ts): the org's API request limit used up (REQUEST_LIMIT_EXCEEDED) holds
// every Salesforce message for a while; a session jsforce could not renew (INVALID_SESSION_ID),
// Salesforce's side or the network retry with backoff (credentials told to the admins once a
// day); anything else can never succeed and is kept as DEAD with the reason.
import type { Deps } from "#src/context.ts";
import type { OwnerDirectory } from "#src/crm/owner-directory.ts";
import { type SalesforceApi, SalesforceError } from "#src/crm/salesforce/salesforce-api.ts";
import { type CrmCalls, countedCall } from "#src/outbox/crm-calls.ts";
import { salesforceUnauthorizedAlert } from "#src/slack/blocks/crm-alerts.ts";

export interface SalesforceConnection {
  api: SalesforceApi;
  users: OwnerDirectory;
}

/**
 * REQUEST_LIMIT_EXCEEDED: the org's daily API allowance (a rolling 24 hours) is spent, or too
 * many long calls run at once. Salesforce gives no Retry-After; a quarter of an hour lets the
 * window roll on without a stream of refused calls eating what frees up.
 */
const REQUEST_LIMIT_WAIT_MS = 15 * 60_000;

const SALESFORCE_CALLS: CrmCalls = {
  crm: "salesforce",
  classify(error) {
    if (!(error instanceof SalesforceError)) return undefined;
    if (error.rateLimited) return { outcome: "rate_limited", waitMs: REQUEST_LIMIT_WAIT_MS };
    if (error.unauthorized) {
      return {
        outcome: "unauthorized",
        unauthorized: {
          log: "Salesforce refused Baton's credentials: check SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and SALESFORCE_LOGIN_URL (and the flow's user or token); Salesforce work is kept and retried",
          alert: salesforceUnauthorizedAlert(error.errorCode),
        },
      };
    }
    return { outcome: error.retryable ? "unavailable" : "refused" };
  },
};

/** Runs one Salesforce call, counts it, and turns its failure into the outbox's terms. */
export function counted<T>(deps: Deps, operation: string, call: () => Promise<T>): Promise<T> {
  return countedCall(deps, SALESFORCE_CALLS, operation, call);
}
