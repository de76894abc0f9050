// A fake HubSpot on 127.0.0.1 that the real @hubspot/api-client reaches through
// HUBSPOT_API_URL. It speaks the documented CRM v3 shapes Baton uses (contacts GET, PATCH and
// batch update; deals GET with associations; contact and deal pages; owners, one or by email;
// contact properties; a private app's token information; notes and calls created with
// associations; companies GET; the search API on contacts, companies, deals, notes and calls
// with EQ/GTE/IN filters, associations.contact, sorts and paging), HubSpot's error bodies
// ({status: "error", message, correlationId, category}), 401 for a token it does not know,
// 403 MISSING_SCOPES for a call the token's scopes do not cover,
// and 429 with Retry-After: on demand, and past its rolling limit (private apps: 100 requests
// per 10 seconds) when one is set. It can also sign requests the way HubSpot signs its calls
// to Baton (v3 signature), so tests send what HubSpot would.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import { signHubSpotRequest } from "#src/crm/hubspot/signature.ts";

export const HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555";
export const HUBSPOT_CLIENT_SECRET = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

export interface HubSpotRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  status: number;
  at: number;
}

interface StoredObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  associations: Record<string, string[]>;
}

export interface FakeOwner {
  id: string;
  email: string;
  firstName?: string;
  lastName?: string;
}

export interface FakeHubSpot {
  url: string;
  requests: HubSpotRequest[];
  /** The token it accepts; anything else is 401. */
  token: string;
  /** The private app's scopes: a call that needs another is 403 MISSING_SCOPES. */
  scopes: string[];
  /** Contact properties the portal has (name → options' values), besides the standard ones. */
  properties: Map<string, string[]>;
  addContact(properties: Record<string, string>): string;
  contact(id: string): StoredObject | undefined;
  addDeal(properties: Record<string, string>, contactIds: string[]): string;
  addCompany(properties: Record<string, string>): string;
  /** Notes and calls created (by Baton), by id. */
  engagements: Map<string, StoredObject & { type: "notes" | "calls" }>;
  /** Sets a record's properties as a HubSpot user would (lastmodifieddate moves). */
  edit(id: string, properties: Record<string, string>): void;
  owners: FakeOwner[];
  /** The next `count` requests get 429 with this Retry-After (seconds). */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  /** Past `max` requests in `windowMs`, 429 (HubSpot's rolling limit). */
  limit?: { max: number; windowMs: number };
  /**
   * The next request to this path is carried out, but its answer is lost (the connection drops):
   * what a timeout or a network failure after HubSpot acted looks like to the caller.
   */
  dropNextResponse(path: string): void;
  /** Search pages hold at most this many results (HubSpot: the request's limit, up to 200). */
  searchPageCap?: number;
  /** Every request is answered this much later (a slow HubSpot). */
  delayMs?: number;
  /** Every request answers this status (HubSpot down: 502) until set to undefined. */
  failAll?: number;
  /** Requests answered 429 so far. */
  rateLimited(): number;
  close(): Promise<void>;
}

export async function startFakeHubSpot(): Promise<FakeHubSpot> {
  const contacts = new Map<string, StoredObject>();
  const deals = new Map<string, StoredObject>();
  const companies = new Map<string, StoredObject>();
  const engagements = new Map<string, StoredObject & { type: "notes" | "calls" }>();
  let nextId = 1000;
  let forced: { count: number; retryAfter: number } = { count: 0, retryAfter: 1 };
  let refused = 0;
  const drops = new Set<string>();
  const fake: FakeHubSpot = {
    url: "",
    requests: [],
    token: HUBSPOT_TOKEN,
    scopes: [...ALL_SCOPES],
    properties: new Map(STANDARD_PROPERTIES),
    owners: [],
    addContact(properties) {
      const id = String(++nextId);
      contacts.set(id, stored(id, properties));
      return id;
    },
    contact: (id) => contacts.get(id),
    addDeal(properties, contactIds) {
      const id = String(++nextId);
      deals.set(id, { ...stored(id, properties), associations: { contacts: contactIds } });
      return id;
    },
    addCompany(properties) {
      const id = String(++nextId);
      companies.set(id, stored(id, properties));
      return id;
    },
    engagements,
    edit(id, properties) {
      const object = contacts.get(id) ?? deals.get(id) ?? companies.get(id);
      if (!object) throw new Error(`no record ${id}`);
      update(object, properties);
    },
    rateLimitNext(count, retryAfterSeconds = 1) {
      forced = { count, retryAfter: retryAfterSeconds };
    },
    dropNextResponse: (path) => drops.add(path),
    rateLimited: () => refused,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const record = (status: number) =>
      fake.requests.push({
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        body,
        status,
        at: Date.now(),
      });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { "content-type": "application/json;charset=utf-8", ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${fake.token}`) {
      return send(401, error("Authentication credentials not found.", "INVALID_AUTHENTICATION"));
    }
    if (overLimit()) {
      refused += 1;
      return send(
        429,
        {
          ...error("You have reached your ten_secondly_rolling limit.", "RATE_LIMITS"),
          errorType: "RATE_LIMIT",
          policyName: "TEN_SECONDLY_ROLLING",
        },
        { "retry-after": String(forced.count > 0 ? forced.retryAfter : 1) },
      );
    }
    const needed = scopeFor(req.method ?? "", url.pathname);
    if (needed && !fake.scopes.includes(needed)) return send(403, missingScope(needed));
    if (fake.delayMs) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    if (fake.failAll) {
      return send(fake.failAll, error("Bad gateway", "INTERNAL_ERROR"));
    }
    const [status, payload] = route(req.method ?? "", url, body);
    if (drops.delete(url.pathname)) {
      record(status);
      req.socket.destroy();
      return;
    }
    send(status, payload);
  });

  function overLimit(): boolean {
    if (forced.count > 0) {
      forced.count -= 1;
      return true;
    }
    if (!fake.limit) return false;
    const since = Date.now() - fake.limit.windowMs;
    const recent = fake.requests.filter((r) => r.at > since && r.status !== 429).length;
    return recent >= fake.limit.max;
  }

  const searchable: Record<string, () => Iterable<StoredObject>> = {
    contacts: () => contacts.values(),
    companies: () => companies.values(),
    deals: () => deals.values(),
    notes: () => [...engagements.values()].filter((e) => e.type === "notes"),
    calls: () => [...engagements.values()].filter((e) => e.type === "calls"),
  };

  function route(method: string, url: URL, body: unknown): [number, unknown] {
    const path = url.pathname.replace(/\/$/, "");
    const searchMatch = /^\/crm\/v3\/objects\/(\w+)\/search$/.exec(path);
    if (searchMatch && method === "POST" && searchable[searchMatch[1]!]) {
      return search([...searchable[searchMatch[1]!]!()], body as SearchBody, fake.searchPageCap);
    }
    const created = /^\/crm\/v3\/objects\/(notes|calls)$/.exec(path);
    if (created && method === "POST") {
      return createEngagement(created[1] as "notes" | "calls", body as CreateBody);
    }
    let match = /^\/crm\/v3\/objects\/contacts\/(\d+)$/.exec(path);
    if (match && method === "GET") {
      const contact = contacts.get(match[1]!);
      return contact ? [200, shape(contact, list(url, "properties"))] : notFound(match[1]!);
    }
    if (match && method === "PATCH") {
      const contact = contacts.get(match[1]!);
      if (!contact) return notFound(match[1]!);
      update(contact, (body as { properties: Record<string, string> }).properties);
      return [200, shape(contact, [])];
    }
    if (path === "/crm/v3/objects/contacts/batch/update" && method === "POST") {
      const inputs = (body as { inputs: { id: string; properties: Record<string, string> }[] })
        .inputs;
      const missing = inputs.filter((i) => !contacts.has(i.id));
      if (missing.length > 0) return notFound(missing[0]!.id);
      const startedAt = new Date().toISOString();
      const results = inputs.map((i) => {
        const contact = contacts.get(i.id)!;
        update(contact, i.properties);
        return shape(contact, Object.keys(i.properties));
      });
      return [
        200,
        { status: "COMPLETE", results, startedAt, completedAt: new Date().toISOString() },
      ];
    }
    match = /^\/crm\/v3\/objects\/deals\/(\d+)$/.exec(path);
    if (match && method === "GET") {
      const deal = deals.get(match[1]!);
      if (!deal) return notFound(match[1]!);
      const withContacts = list(url, "associations").includes("contacts");
      return [
        200,
        {
          ...shape(deal, list(url, "properties")),
          ...(withContacts && {
            associations: {
              contacts: {
                results: deal.associations.contacts!.map((id) => ({
                  id,
                  type: "deal_to_contact",
                })),
              },
            },
          }),
        },
      ];
    }
    if (path === "/crm/v3/objects/contacts" && method === "GET") {
      return [200, page([...contacts.values()], url)];
    }
    if (path === "/crm/v3/objects/deals" && method === "GET") {
      return [200, page([...deals.values()], url)];
    }
    if (path === "/crm/v3/properties/contacts" && method === "GET") {
      return [
        200,
        { results: [...fake.properties].map(([name, values]) => propertyShape(name, values)) },
      ];
    }
    if (path === "/oauth/v2/private-apps/get/access-token-info" && method === "POST") {
      const { tokenKey } = (body ?? {}) as { tokenKey?: string };
      if (tokenKey !== fake.token)
        return [401, error("Token not found.", "INVALID_AUTHENTICATION")];
      return [200, { userId: 1001, hubId: 4242, appId: 77, scopes: fake.scopes }];
    }
    match = /^\/crm\/v3\/objects\/companies\/(\d+)$/.exec(path);
    if (match && method === "GET") {
      const company = companies.get(match[1]!);
      return company ? [200, shape(company, list(url, "properties"))] : notFound(match[1]!);
    }
    match = /^\/crm\/v3\/owners\/(\d+)$/.exec(path);
    if (match && method === "GET") {
      const owner = fake.owners.find((o) => o.id === match![1]);
      return owner ? [200, ownerShape(owner)] : notFound(match[1]!);
    }
    if (path === "/crm/v3/owners" && method === "GET") {
      const email = url.searchParams.get("email")?.toLowerCase();
      const owners = fake.owners.filter((o) => !email || o.email.toLowerCase() === email);
      return [200, { results: owners.map(ownerShape) }];
    }
    return [404, error(`Unknown path ${method} ${path}`, "OBJECT_NOT_FOUND")];
  }

  /** POST /crm/v3/objects/{notes,calls}: hs_timestamp required, associations checked. */
  function createEngagement(type: "notes" | "calls", body: CreateBody): [number, unknown] {
    const properties = body?.properties ?? {};
    if (!properties.hs_timestamp) {
      return [
        400,
        {
          ...error("Property values were not valid", "VALIDATION_ERROR"),
          errors: [{ message: "hs_timestamp is required", code: "REQUIRED_FIELD" }],
        },
      ];
    }
    const expected = type === "notes" ? 202 : 194;
    const associations: Record<string, string[]> = { contacts: [] };
    for (const a of body.associations ?? []) {
      const typeId = a.types?.[0]?.associationTypeId;
      if (typeId !== expected || !contacts.has(a.to?.id)) {
        return [
          400,
          error(`Invalid association ${typeId} to ${a.to?.id} for ${type}`, "VALIDATION_ERROR"),
        ];
      }
      associations.contacts!.push(a.to.id);
    }
    const id = String(++nextId);
    const object = { ...stored(id, properties), associations, type };
    engagements.set(id, object);
    return [201, shape(object, Object.keys(properties))];
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

const ALL_SCOPES = [
  "crm.objects.contacts.read",
  "crm.objects.contacts.write",
  "crm.objects.owners.read",
  "crm.objects.deals.read",
  "crm.objects.companies.read",
];

/** A few of a portal's standard contact properties: every one Baton maps by default. */
const STANDARD_PROPERTIES: [string, string[]][] = [
  ...[
    "email",
    "firstname",
    "lastname",
    "jobtitle",
    "company",
    "numemployees",
    "industry",
    "country",
    "state",
    "city",
    "phone",
    "website",
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    "lifecyclestage",
    "hubspot_owner_id",
  ].map((name): [string, string[]] => [name, []]),
  [
    "hs_lead_status",
    [
      "NEW",
      "OPEN",
      "IN_PROGRESS",
      "OPEN_DEAL",
      "UNQUALIFIED",
      "ATTEMPTED_TO_CONTACT",
      "CONNECTED",
      "BAD_TIMING",
    ],
  ],
];

/** The scope a request needs (HubSpot's scope per endpoint), undefined when none. */
function scopeFor(method: string, path: string): string | undefined {
  if (path.startsWith("/oauth/")) return undefined;
  if (path.startsWith("/crm/v3/owners")) return "crm.objects.owners.read";
  if (path.startsWith("/crm/v3/objects/deals")) return "crm.objects.deals.read";
  // Reading companies, by id or by search (a POST that only reads).
  if (path.startsWith("/crm/v3/objects/companies")) return "crm.objects.companies.read";
  if (
    path.startsWith("/crm/v3/objects/contacts") ||
    path.startsWith("/crm/v3/properties/contacts")
  ) {
    return method === "GET" ? "crm.objects.contacts.read" : "crm.objects.contacts.write";
  }
  return undefined;
}

function missingScope(scope: string) {
  return {
    ...error(
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      "MISSING_SCOPES",
    ),
    errors: [
      {
        message: "One or more of the following scopes are required.",
        context: { requiredGranularScopes: [scope] },
      },
    ],
    links: { scopes: "https://developers.hubspot.com/scopes" },
  };
}

function page(objects: StoredObject[], url: URL) {
  const limit = Number(url.searchParams.get("limit") ?? 10);
  return { results: objects.slice(0, limit).map((o) => shape(o, list(url, "properties"))) };
}

function propertyShape(name: string, values: string[]) {
  const now = new Date().toISOString();
  return {
    name,
    label: name,
    type: values.length > 0 ? "enumeration" : "string",
    fieldType: values.length > 0 ? "select" : "text",
    groupName: "contactinformation",
    description: "",
    options: values.map((value, displayOrder) => ({
      label: value,
      value,
      displayOrder,
      hidden: false,
    })),
    createdAt: now,
    updatedAt: now,
    hidden: false,
    formField: true,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    modificationMetadata: { archivable: true, readOnlyDefinition: true, readOnlyValue: false },
  };
}

interface CreateBody {
  properties?: Record<string, string>;
  associations?: { to: { id: string }; types: { associationTypeId: number }[] }[];
}

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}

interface SearchBody {
  filterGroups?: { filters: SearchFilter[] }[];
  sorts?: (string | { propertyName: string; direction?: string })[];
  properties?: string[];
  limit?: number;
  after?: string;
}

/** HubSpot's search: filter groups ORed, filters ANDed; dates compare as epoch milliseconds. */
function search(objects: StoredObject[], body: SearchBody, cap?: number): [number, unknown] {
  if ((body.limit ?? 10) > 200) {
    return [400, error("limit must be less than or equal to 200", "VALIDATION_ERROR")];
  }
  const groups = body.filterGroups ?? [];
  const matches = objects.filter(
    (o) => groups.length === 0 || groups.some((g) => g.filters.every((f) => test(o, f))),
  );
  const limit = Math.min(body.limit ?? 10, cap ?? 200);
  const [sort] = body.sorts ?? [];
  if (sort) {
    const name = typeof sort === "string" ? sort : sort.propertyName;
    const descending = typeof sort !== "string" && sort.direction === "DESCENDING";
    matches.sort((a, b) => {
      const order = comparable(a.properties[name]) < comparable(b.properties[name]) ? -1 : 1;
      return descending ? -order : order;
    });
  }
  const offset = Number(body.after ?? 0);
  const page = matches.slice(offset, offset + limit);
  const next = offset + limit < matches.length ? String(offset + limit) : undefined;
  return [
    200,
    {
      total: matches.length,
      results: page.map((o) => shape(o, body.properties ?? [])),
      ...(next && { paging: { next: { after: next } } }),
    },
  ];
}

function test(object: StoredObject, filter: SearchFilter): boolean {
  if (filter.propertyName === "associations.contact") {
    return (object.associations.contacts ?? []).includes(String(filter.value));
  }
  const actual = object.properties[filter.propertyName];
  if (actual === null || actual === undefined) return false;
  switch (filter.operator) {
    case "EQ":
      return (
        comparable(actual) === comparable(filter.value) ||
        actual.toLowerCase() === String(filter.value).toLowerCase()
      );
    case "GTE":
      return comparable(actual) >= comparable(filter.value);
    case "IN":
      return (filter.values ?? []).includes(actual);
    default:
      return false;
  }
}

/** Dates (ISO or epoch milliseconds) as numbers; anything else as itself. */
function comparable(value: string | null | undefined): string | number {
  if (value === null || value === undefined) return "";
  if (/^\d{12,}$/.test(value)) return Number(value);
  const time = /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? value : time;
}

function stored(id: string, properties: Record<string, string>): StoredObject {
  const now = new Date().toISOString();
  return {
    id,
    properties: { ...properties, hs_object_id: id, createdate: now, lastmodifieddate: now },
    createdAt: now,
    updatedAt: now,
    associations: {},
  };
}

function update(object: StoredObject, properties: Record<string, string>): void {
  Object.assign(object.properties, properties);
  object.updatedAt = new Date().toISOString();
  object.properties.lastmodifieddate = object.updatedAt;
}

/** HubSpot returns the requested properties (null when unset) and a few defaults. */
function shape(object: StoredObject, requested: string[]) {
  const names = new Set(["hs_object_id", "createdate", "lastmodifieddate", ...requested]);
  return {
    id: object.id,
    properties: Object.fromEntries([...names].map((n) => [n, object.properties[n] ?? null])),
    createdAt: object.createdAt,
    updatedAt: object.updatedAt,
    archived: false,
  };
}

function ownerShape(owner: FakeOwner) {
  const now = new Date().toISOString();
  return {
    id: owner.id,
    email: owner.email,
    type: "PERSON",
    firstName: owner.firstName ?? "",
    lastName: owner.lastName ?? "",
    userId: Number(owner.id),
    userIdIncludingInactive: Number(owner.id),
    createdAt: now,
    updatedAt: now,
    archived: false,
  };
}

/** The client sends arrays as `a,b` or as repeated parameters. */
function list(url: URL, name: string): string[] {
  return url.searchParams
    .getAll(name)
    .flatMap((v) => v.split(","))
    .filter(Boolean);
}

function error(message: string, category: string) {
  return { status: "error", message, correlationId: randomUUID(), category };
}

function notFound(id: string): [number, unknown] {
  return [
    404,
    {
      ...error("Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND"),
      context: { id: [id] },
    },
  ];
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

/** POSTs `body` to Baton as HubSpot would: signed with the app's client secret (v3). */
export async function sendSignedToBaton(
  url: string,
  body: unknown,
  options: { secret?: string; timestamp?: number; tamper?: (raw: string) => string } = {},
): Promise<{ status: number; body: unknown }> {
  const raw = JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Date.now());
  const signature = signHubSpotRequest(options.secret ?? HUBSPOT_CLIENT_SECRET, {
    method: "POST",
    uri: url,
    body: raw,
    timestamp,
  });
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hubspot-signature-v3": signature,
      "x-hubspot-request-timestamp": timestamp,
    },
    body: options.tamper ? options.tamper(raw) : raw,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** `const hubspot = useFakeHubSpot()`: started before the file's tests, stopped after. */
export function useFakeHubSpot(): { readonly current: FakeHubSpot } {
  const holder: { current?: FakeHubSpot } = {};
  beforeAll(async () => {
    holder.current = await startFakeHubSpot();
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return {
    get current() {
      if (!holder.current) throw new Error("the fake HubSpot starts in beforeAll");
      return holder.current;
    },
  };
}
