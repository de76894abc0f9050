// The HubSpot calls Baton makes, through the official client (@hubspot/api-client) pointed at
// HUBSPOT_API_URL. The client's own retries are off: the outbox retries, with backoff, after
// HubSpot's Retry-After, without holding a lead's later messages out of order.
// Errors become a HubSpotError carrying only the status and HubSpot's category: the client's
// exception text includes the response body, which can hold a contact's email.
import type { Client } from "@hubspot/api-client";
import type { HubSpotContact } from "#src/crm/hubspot/contact-mapping.ts";

export class HubSpotError extends Error {
  override name = "HubSpotError";
  constructor(
    readonly status: number,
    readonly category: string | undefined,
    /** From Retry-After on a 429, in milliseconds. */
    readonly retryAfterMs: number | undefined,
    what: string,
  ) {
    super(`HubSpot answered ${status || "nothing"}${category ? ` (${category})` : ""} to ${what}`);
  }

  /** Worth trying again later: rate limited, HubSpot's side, the network, or a token to fix. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500 || this.unauthorized;
  }

  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface HubSpotDeal {
  id: string;
  amount: number | undefined;
  name: string | undefined;
  contactIds: string[];
}

export interface HubSpotOwner {
  id: string;
  email: string;
}

export interface HubSpotApi {
  getContact(id: string, properties: string[]): Promise<HubSpotContact | undefined>;
  getDeal(id: string): Promise<HubSpotDeal | undefined>;
  findOwnerByEmail(email: string): Promise<HubSpotOwner | undefined>;
  /** Updates contacts in one batch call; returns the ids of contacts no longer in HubSpot. */
  updateContacts(updates: { id: string; properties: Record<string, string> }[]): Promise<string[]>;
}

export interface HubSpotConnection {
  accessToken: string;
  apiUrl: string;
}

/**
 * The official client for `options`, loaded on the first call: the client is large, and most
 * installations never call HubSpot. Its own retries are off (see above).
 */
export function lazyHubSpotClient(options: HubSpotConnection): () => Promise<Client> {
  let loading: Promise<Client> | undefined;
  return () =>
    (loading ??= import("@hubspot/api-client").then(
      ({ Client }) =>
        new Client({
          accessToken: options.accessToken,
          basePath: options.apiUrl,
          numberOfApiCallRetries: 0,
        }),
    ));
}

export function createHubSpotApi(options: HubSpotConnection): HubSpotApi {
  const client = lazyHubSpotClient(options);
  return {
    async getContact(id, properties) {
      const contact = await callHubSpot("reading a contact", async () =>
        (await client()).crm.contacts.basicApi.getById(id, properties),
      ).catch(notFoundAs(undefined));
      return contact && { id: contact.id, properties: { ...contact.properties } };
    },
    async getDeal(id) {
      const deal = await callHubSpot("reading a deal", async () =>
        (await client()).crm.deals.basicApi.getById(id, ["amount", "dealname"], undefined, [
          "contacts",
        ]),
      ).catch(notFoundAs(undefined));
      if (!deal) return undefined;
      const amount = Number(deal.properties.amount);
      return {
        id: deal.id,
        amount: deal.properties.amount && Number.isFinite(amount) ? amount : undefined,
        name: deal.properties.dealname ?? undefined,
        contactIds: (deal.associations?.contacts?.results ?? []).map((r) => r.id),
      };
    },
    async findOwnerByEmail(email) {
      const page = await callHubSpot("looking up an owner", async () =>
        (await client()).crm.owners.ownersApi.getPage(email, undefined, 1, false),
      );
      const owner = page.results.find((o) => o.email?.toLowerCase() === email.toLowerCase());
      return owner ? { id: owner.id, email: owner.email ?? email } : undefined;
    },
    async updateContacts(updates) {
      if (updates.length === 0) return [];
      try {
        await callHubSpot("updating contacts", async () =>
          (await client()).crm.contacts.batchApi.update({
            inputs: updates.map((u) => ({ id: u.id, properties: u.properties })),
          }),
        );
        return [];
      } catch (error) {
        if (!(error instanceof HubSpotError && error.status === 404)) throw error;
      }
      // A contact deleted in HubSpot fails the whole batch: the others one by one, the gone
      // ones skipped.
      const gone: string[] = [];
      for (const u of updates) {
        const updated = await callHubSpot("updating a contact", async () =>
          (await client()).crm.contacts.basicApi.update(u.id, { properties: u.properties }),
        ).catch(notFoundAs(undefined));
        if (!updated) gone.push(u.id);
      }
      return gone;
    },
  };
}

/**
 * The client (node-fetch underneath) has no timeout: a HubSpot that never answers would hold an
 * outbox delivery forever. After this long the call counts as failed and is retried (writes are
 * idempotent, so a late success does no harm).
 */
const CALL_TIMEOUT_MS = 30_000;

/** Runs one client request: a HubSpotError (status and category only) on failure or time-out. */
export async function callHubSpot<T>(
  what: string,
  request: () => Promise<T>,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HubSpotError(0, "TIMEOUT", undefined, what)), timeoutMs);
  });
  try {
    return await Promise.race([request(), timedOut]);
  } catch (error) {
    throw error instanceof HubSpotError ? error : asHubSpotError(error, what);
  } finally {
    clearTimeout(timer);
  }
}

function notFoundAs<T>(value: T) {
  return (error: unknown): T => {
    if (error instanceof HubSpotError && error.status === 404) return value;
    throw error;
  };
}

function asHubSpotError(error: unknown, what: string): HubSpotError {
  const e = error as { code?: unknown; body?: unknown; headers?: Record<string, string> };
  const status = typeof e.code === "number" ? e.code : 0;
  const body =
    typeof e.body === "object" && e.body !== null ? (e.body as Record<string, unknown>) : {};
  const category = typeof body.category === "string" ? body.category : undefined;
  const retryAfter = Number(e.headers?.["retry-after"]);
  return new HubSpotError(
    status,
    category,
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
    what,
  );
}
