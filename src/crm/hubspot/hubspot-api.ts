// The HubSpot calls Baton makes, through the official client (@hubspot/api-client) pointed at
// HUBSPOT_API_URL. The client's own retries are off: the outbox retries, with backoff, after
// HubSpot's Retry-After, without holding a lead's later messages out of order.
// Errors become a HubSpotError carrying only the status and HubSpot's category: the client's
// exception text includes the response body, which can hold a contact's email.
// Every call waits its turn in the process's rate limiter (HUBSPOT_RATE_LIMIT, less a reserve),
// and a 429 holds the limiter for HubSpot's Retry-After, so calls from every handler of this
// process stay inside HubSpot's rolling ten-second limit; search calls, which HubSpot limits
// on their own, also wait in a per-second limiter of their own.
import type { Client } from "@hubspot/api-client";
import type { HubSpotContact } from "#src/crm/hubspot/contact-mapping.ts";
import { type Calls, searchCalls } from "#src/crm/hubspot/hubspot-search.ts";
import { RateLimiter } from "#src/crm/rate-limiter.ts";

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

/** A touch logged as a HubSpot engagement: a note, or a call. */
export interface EngagementInput {
  kind: "note" | "call";
  contactId: string;
  /** The rep's HubSpot owner: shown as the engagement's creator. */
  ownerId?: string;
  /** When the touch was logged: the engagement's place on the contact's timeline. */
  timestamp: Date;
  body: string;
  /** A call's title ("Call logged in Slack"). */
  title?: string;
}

export interface Page<T> {
  results: T[];
  /** The cursor of the next page, when there is one. */
  after?: string;
}

export interface HubSpotApi {
  /** Loads the client library (on the first call otherwise). */
  warm(): Promise<void>;
  getContact(id: string, properties: string[]): Promise<HubSpotContact | undefined>;
  getDeal(id: string): Promise<HubSpotDeal | undefined>;
  findOwnerByEmail(email: string): Promise<HubSpotOwner | undefined>;
  /** Updates contacts in one batch call; returns the ids of contacts no longer in HubSpot. */
  updateContacts(updates: { id: string; properties: Record<string, string> }[]): Promise<string[]>;
  /** Creates a note or call on the contact's timeline; returns its id. */
  createEngagement(input: EngagementInput): Promise<string>;
  /** The engagement of this kind on the contact at exactly this time, if one was created. */
  findEngagement(
    input: Pick<EngagementInput, "kind" | "contactId" | "timestamp">,
  ): Promise<string | undefined>;
  getOwner(id: string): Promise<HubSpotOwner | undefined>;
  /** The owner of the contact with this email, and its company's id. */
  findContactByEmail(
    email: string,
  ): Promise<{ id: string; ownerId?: string; companyId?: string } | undefined>;
  /** The owner of the company with this domain (the oldest company, when there are several). */
  findCompanyByDomain(domain: string): Promise<{ id: string; ownerId?: string } | undefined>;
  getCompanyOwner(id: string): Promise<string | undefined>;
  /** Contacts modified since `since` whose lifecycle stage is one of `stages`, oldest first. */
  searchContactsReaching(
    stages: string[],
    since: Date,
    after?: string,
  ): Promise<Page<HubSpotContact & { modifiedAt: Date }>>;
  /** Deals created since `since`, oldest first. */
  searchDealsCreated(since: Date, after?: string): Promise<Page<{ id: string; createdAt: Date }>>;
}

export interface HubSpotApiOptions {
  accessToken: string;
  apiUrl: string;
  /** Requests per 10 seconds this process may make (HUBSPOT_RATE_LIMIT). */
  rateLimit?: number;
  now?: () => number;
}

/** Of HUBSPOT_RATE_LIMIT, the share Baton uses: requests in flight land at HubSpot a little later. */
const RATE_LIMIT_SHARE = 0.9;
/** HubSpot's search endpoints take five requests a second per token; Baton sends four. */
const SEARCH_PER_SECOND = 4;
/** Association types HubSpot defines (v4 associations): note → contact, call → contact. */
const CONTACT_ASSOCIATION = { note: 202, call: 194 } as const;

export function createHubSpotApi(options: HubSpotApiOptions): HubSpotApi {
  const now = options.now ?? Date.now;
  const limiter = new RateLimiter(
    {
      max: Math.max(1, Math.floor((options.rateLimit ?? 100) * RATE_LIMIT_SHARE)),
      windowMs: 10_000,
    },
    now,
  );
  const searches = new RateLimiter({ max: SEARCH_PER_SECOND, windowMs: 1000 }, now);
  const call = <T>(what: string, request: () => Promise<T>) =>
    limiter
      .run(() => callHubSpot(what, request))
      .catch((error: unknown) => {
        if (error instanceof HubSpotError && error.status === 429) {
          limiter.hold(now() + (error.retryAfterMs ?? 10_000));
        }
        throw error;
      });
  const search = <T>(what: string, request: () => Promise<T>) =>
    searches.run(() => call(what, request));
  const client = lazyHubSpotClient(options);
  const calls: Calls = { client, call, search };
  return {
    warm: async () => {
      await client();
    },
    ...recordCalls(calls),
    ...engagementCalls(calls),
    ...searchCalls(calls),
  };
}

/**
 * The official client for `options`, loaded on the first call: the client is large, and most
 * installations never call HubSpot. Its own retries are off (see above).
 */
export function lazyHubSpotClient(
  options: Pick<HubSpotApiOptions, "accessToken" | "apiUrl">,
): () => Promise<Client> {
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

function recordCalls({ client, call }: Calls) {
  return {
    async getContact(id: string, properties: string[]) {
      const contact = await call("reading a contact", async () =>
        (await client()).crm.contacts.basicApi.getById(id, properties),
      ).catch(notFoundAs(undefined));
      return contact && { id: contact.id, properties: { ...contact.properties } };
    },
    async getDeal(id: string) {
      const deal = await call("reading a deal", async () =>
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
    async findOwnerByEmail(email: string) {
      const page = await call("looking up an owner", async () =>
        (await client()).crm.owners.ownersApi.getPage(email, undefined, 1, false),
      );
      const owner = page.results.find((o) => o.email?.toLowerCase() === email.toLowerCase());
      return owner ? { id: owner.id, email: owner.email ?? email } : undefined;
    },
    async updateContacts(updates: { id: string; properties: Record<string, string> }[]) {
      if (updates.length === 0) return [];
      try {
        await call("updating contacts", async () =>
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
  } satisfies Partial<HubSpotApi>;
}

function engagementCalls({ client, call, search }: Calls) {
  return {
    async createEngagement(input: EngagementInput) {
      const api = (await client()).crm.objects[input.kind === "note" ? "notes" : "calls"];
      const properties: Record<string, string> = {
        hs_timestamp: input.timestamp.toISOString(),
        ...(input.ownerId && { hubspot_owner_id: input.ownerId }),
        ...(input.kind === "note"
          ? { hs_note_body: input.body }
          : {
              hs_call_body: input.body,
              hs_call_title: input.title ?? "Call",
              hs_call_status: "COMPLETED",
              hs_call_direction: "OUTBOUND",
            }),
      };
      const created = await call(`creating a ${input.kind}`, async () =>
        api.basicApi.create({
          properties,
          associations: [
            {
              to: { id: input.contactId },
              types: [
                {
                  associationCategory: "HUBSPOT_DEFINED" as never,
                  associationTypeId: CONTACT_ASSOCIATION[input.kind],
                },
              ],
            },
          ],
        }),
      );
      return created.id;
    },
    async findEngagement(input: Pick<EngagementInput, "kind" | "contactId" | "timestamp">) {
      const api = (await client()).crm.objects[input.kind === "note" ? "notes" : "calls"];
      const found = await search(`searching ${input.kind}s`, async () =>
        api.searchApi.doSearch({
          filterGroups: [
            {
              filters: [
                {
                  propertyName: "associations.contact",
                  operator: "EQ" as never,
                  value: input.contactId,
                },
                {
                  propertyName: "hs_timestamp",
                  operator: "EQ" as never,
                  value: String(input.timestamp.getTime()),
                },
              ],
            },
          ],
          properties: ["hs_timestamp"],
          limit: 1,
        }),
      );
      return found.results[0]?.id;
    },
    async getCompanyOwner(id: string) {
      const company = await call("reading a company", async () =>
        (await client()).crm.companies.basicApi.getById(id, ["hubspot_owner_id"]),
      ).catch(notFoundAs(undefined));
      return company?.properties.hubspot_owner_id || undefined;
    },
    async getOwner(id: string) {
      const owner = await call("reading an owner", async () =>
        (await client()).crm.owners.ownersApi.getById(Number(id), "id", false),
      ).catch(notFoundAs(undefined));
      return owner?.email ? { id: owner.id, email: owner.email } : undefined;
    },
  } satisfies Partial<HubSpotApi>;
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
