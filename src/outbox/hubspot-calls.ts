// Calling HubSpot from the outbox: each call counted in /metrics, and its failure turned into
// the outbox's terms (retry after HubSpot's Retry-After, with backoff, or never); problems an
// admin must fix are reported to the admins once, not once per lead.
import type { Deps } from "#src/context.ts";
import { type HubSpotApi, HubSpotError } from "#src/crm/hubspot/hubspot-api.ts";
import type { OwnerDirectory } from "#src/crm/hubspot/owner-directory.ts";
import { enqueueAll, message } from "#src/outbox/messages.ts";
import { RetryLater, Undeliverable } from "#src/outbox/outbox-worker.ts";
import { hubspotUnauthorizedAlert } from "#src/slack/blocks/crm-alerts.ts";

export interface HubSpotConnection {
  api: HubSpotApi;
  owners: OwnerDirectory;
}

/** When HubSpot sends a 429 without Retry-After: its rolling window is ten seconds. */
const RATE_LIMIT_WAIT_MS = 10_000;

/**
 * Tells each admin (playbook `admins`) once: the DM's dedupe key makes a second report of the
 * same problem write nothing, whichever replica or lead finds it.
 */
export async function reportOnce(
  deps: Deps,
  problem: string,
  alert: { text: string },
): Promise<void> {
  const now = deps.clock.now();
  const rows = deps.playbook.current.admins.map((admin) =>
    message(
      "slack.dm",
      { user: admin, text: alert.text },
      { now, target: `dm:${admin}`, dedupeKey: `hubspot:${problem}:${admin}` },
    ),
  );
  if (rows.length === 0) {
    deps.logger.warn({ problem }, "HubSpot sync problem, and the playbook names no admins to tell");
    return;
  }
  await enqueueAll(deps.db.prisma, rows);
  deps.wakeOutbox?.();
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
      // One alert a day while the token stays refused, not one per lead.
      const day = deps.clock.now().toISOString().slice(0, 10);
      await reportOnce(deps, `unauthorized:${day}`, hubspotUnauthorizedAlert(error.status));
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
