// A fake Salesforce on 127.0.0.1 that the real jsforce reaches through SALESFORCE_LOGIN_URL.
// It speaks the documented shapes Baton uses: the OAuth token endpoint (client credentials,
// refresh token, username-password; errors as {error, error_description}); the REST API's
// query (SOQL for User by Email, Opportunity by Id, converted Leads, opportunity contact roles,
// a Contact's or Lead's owner by Email, Accounts by Website, Tasks by WhoId and Subject; with
// relationship fields as nested records), sObject create and
// PATCH, and sObject Collections (PATCH composite/sobjects, a save result per record, with
// {statusCode, message, fields} errors); REST errors as arrays
// [{"message": ..., "errorCode": ...}]: 401 INVALID_SESSION_ID for a session it does not know
// (or expired on demand), 403 REQUEST_LIMIT_EXCEEDED on demand. It also writes Outbound
// Messages the way Salesforce sends them (the outbound messaging WSDL's notifications).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import { escapeXml } from "#src/crm/salesforce/outbound-message.ts";

export const SALESFORCE_ORG_ID = "00D5g000004SfAkEAK";
export const SALESFORCE_CLIENT_ID = "3MVG9fakeConsumerKeyForBatonTests.0000000000000000000";
export const SALESFORCE_CLIENT_SECRET =
  "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9";

export interface SalesforceRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  status: number;
}

export interface FakeRecord {
  Id: string;
  [field: string]: unknown;
}

export interface FakeSalesforce {
  url: string;
  requests: SalesforceRequest[];
  users: { Id: string; Email: string; IsActive: boolean }[];
  lead(id: string): FakeRecord | undefined;
  addLead(fields: Record<string, unknown>): string;
  deleteLead(id: string): void;
  addOpportunity(fields: Record<string, unknown>): string;
  tasks(): FakeRecord[];
  /** A Contact (OwnerId, AccountId, Email); returns its id. */
  addContact(fields: Record<string, unknown>): string;
  /** An Account (OwnerId, Website); returns its id. */
  addAccount(fields: Record<string, unknown>): string;
  /** A new Opportunity with this amount and the Contact in a role on it; returns its id. */
  addOpportunityFor(contactId: string, amount: number): string;
  /** The next Task is created but its answer is lost (the connection drops). */
  dropNextTaskAnswer(): void;
  /** Converts a Lead into a new Opportunity with this amount; returns the opportunity's id. */
  convertLead(id: string, amount: number): string;
  /** Every session issued so far stops working (401 INVALID_SESSION_ID until a new token). */
  expireSessions(): void;
  /** The token endpoint refuses the client's credentials from now on (or accepts again). */
  refuseCredentials(refuse: boolean): void;
  /** The next `count` API calls get 403 REQUEST_LIMIT_EXCEEDED. */
  limitNext(count: number): void;
  tokensIssued(): number;
  close(): Promise<void>;
}

const API = /^\/services\/data\/v(\d+\.\d)\//;

export async function startFakeSalesforce(): Promise<FakeSalesforce> {
  const records = new Map<string, FakeRecord>();
  const sessions = new Set<string>();
  let refuse = false;
  let limited = 0;
  let issued = 0;
  let next = 0;
  let dropTask = false;
  const newId = (prefix: string) => `${prefix}5g00${String(++next).padStart(8, "0")}AAA`;
  const add = (prefix: string, type: string, fields: Record<string, unknown>) => {
    const id = newId(prefix);
    const CreatedDate = new Date(Date.now() + next).toISOString();
    records.set(id, { CreatedDate, ...fields, Id: id, attributes: { type } });
    return id;
  };
  const fake: FakeSalesforce = {
    url: "",
    requests: [],
    users: [],
    lead: (id) => records.get(id),
    addLead(fields) {
      const id = newId("00Q");
      records.set(id, { ...fields, Id: id, attributes: { type: "Lead" }, IsConverted: false });
      return id;
    },
    deleteLead: (id) => void records.delete(id),
    addOpportunity(fields) {
      const id = newId("006");
      records.set(id, { ...fields, Id: id, attributes: { type: "Opportunity" } });
      return id;
    },
    tasks: () => [...records.values()].filter((r) => typeOf(r) === "Task"),
    addContact: (fields) => add("003", "Contact", fields),
    addAccount: (fields) => add("001", "Account", fields),
    addOpportunityFor(contactId, amount) {
      const opportunity = fake.addOpportunity({ Amount: amount, Name: "New business" });
      add("00K", "OpportunityContactRole", { OpportunityId: opportunity, ContactId: contactId });
      return opportunity;
    },
    dropNextTaskAnswer: () => {
      dropTask = true;
    },
    convertLead(id, amount) {
      const opportunity = fake.addOpportunity({ Amount: amount, Name: "Converted" });
      const lead = records.get(id)!;
      Object.assign(lead, {
        IsConverted: true,
        ConvertedOpportunityId: opportunity,
        ConvertedDate: new Date().toISOString().slice(0, 10),
        LastModifiedDate: new Date().toISOString(),
      });
      return opportunity;
    },
    expireSessions: () => sessions.clear(),
    refuseCredentials: (value) => {
      refuse = value;
    },
    limitNext: (count) => {
      limited = count;
    },
    tokensIssued: () => issued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const token = (params: URLSearchParams): [number, unknown] => {
    const grant = params.get("grant_type");
    const clientOk =
      params.get("client_id") === SALESFORCE_CLIENT_ID &&
      (grant === "refresh_token" || params.get("client_secret") === SALESFORCE_CLIENT_SECRET);
    if (refuse || !clientOk) {
      return [400, { error: "invalid_client", error_description: "invalid client credentials" }];
    }
    if (grant === "password" && !params.get("password")) {
      return [400, { error: "invalid_grant", error_description: "authentication failure" }];
    }
    if (!["client_credentials", "password", "refresh_token"].includes(grant ?? "")) {
      return [
        400,
        { error: "unsupported_grant_type", error_description: "grant type not supported" },
      ];
    }
    const accessToken = `${SALESFORCE_ORG_ID}!${randomUUID().replace(/-/g, "")}`;
    sessions.add(accessToken);
    issued += 1;
    return [
      200,
      {
        access_token: accessToken,
        instance_url: fake.url,
        id: `${fake.url}/id/${SALESFORCE_ORG_ID}/0055g00000BatonAAA`,
        token_type: "Bearer",
        issued_at: String(Date.now()),
        signature: "ZmFrZQ==",
        scope: "api",
      },
    ];
  };

  const api = (req: IncomingMessage, path: string, url: URL, body: unknown): [number, unknown] => {
    const auth = req.headers.authorization?.replace(/^Bearer /, "");
    if (!auth || !sessions.has(auth)) {
      return [401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]];
    }
    if (limited > 0) {
      limited -= 1;
      return [
        403,
        [{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }],
      ];
    }
    if (req.method === "GET" && path === "query")
      return [200, query(url.searchParams.get("q") ?? "")];
    if (req.method === "PATCH" && path === "composite/sobjects") {
      const { records: updates } = body as { records: FakeRecord[] & { id: string }[] };
      return [200, updates.map((u) => save(String((u as { id?: string }).id), u))];
    }
    const sobject = /^sobjects\/(\w+)(?:\/(\w+))?$/.exec(path);
    if (sobject && req.method === "POST" && !sobject[2]) {
      const id = add(
        sobject[1] === "Task" ? "00T" : "001",
        sobject[1]!,
        body as Record<string, unknown>,
      );
      return [201, { id, success: true, errors: [] }];
    }
    if (sobject && req.method === "PATCH" && sobject[2]) {
      const result = save(sobject[2], body as FakeRecord);
      return result.success ? [204, undefined] : [404, result.errors.map(asRestError)];
    }
    return [404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]];
  };

  const save = (id: string, update: Partial<FakeRecord>) => {
    const record = records.get(id);
    if (!record) {
      return {
        success: false as const,
        errors: [{ statusCode: "ENTITY_IS_DELETED", message: "entity is deleted", fields: [] }],
      };
    }
    const { attributes: _a, id: _i, Id: _I, ...fields } = update as Record<string, unknown>;
    Object.assign(record, fields);
    return { id, success: true as const, errors: [] };
  };

  const query = (soql: string) => {
    const found = select(soql);
    return { totalSize: found.length, done: true, records: found };
  };

  /** The few SOQL statements Baton sends. */
  const select = (soql: string): unknown[] => {
    const user = /FROM User WHERE Email = '((?:[^'\\]|\\.)*)'/.exec(soql);
    if (user) {
      const email = user[1]!.replace(/\\(.)/g, "$1").toLowerCase();
      return fake.users
        .filter((u) => u.IsActive && u.Email.toLowerCase() === email)
        .slice(0, 1)
        .map((u) => ({ attributes: { type: "User" }, Id: u.Id }));
    }
    const opportunity = /FROM Opportunity WHERE Id = '(\w+)'/.exec(soql);
    if (opportunity) {
      const found = records.get(opportunity[1]!);
      return found ? [{ attributes: { type: "Opportunity" }, Amount: found.Amount ?? null }] : [];
    }
    const converted = /FROM Lead WHERE IsConverted = true AND LastModifiedDate >= (\S+)/.exec(soql);
    if (converted) {
      const since = Date.parse(converted[1]!);
      return [...records.values()]
        .filter((r) => typeOf(r) === "Lead" && r.IsConverted === true)
        .filter((r) => Date.parse(String(r.LastModifiedDate)) >= since)
        .map((r) => ({
          attributes: { type: "Lead" },
          Id: r.Id,
          Email: r.Email ?? null,
          ConvertedOpportunityId: r.ConvertedOpportunityId ?? null,
          ConvertedOpportunity: r.ConvertedOpportunityId
            ? {
                attributes: { type: "Opportunity" },
                Amount: records.get(String(r.ConvertedOpportunityId))?.Amount ?? null,
              }
            : null,
          ConvertedDate: r.ConvertedDate ?? null,
          LastModifiedDate: r.LastModifiedDate,
        }));
    }
    return relationshipQueries(soql);
  };

  const of = (type: string) => [...records.values()].filter((r) => typeOf(r) === type);
  const byCreated = (a: FakeRecord, b: FakeRecord) =>
    String(a.CreatedDate).localeCompare(String(b.CreatedDate));
  const literal = (soql: string, pattern: RegExp) =>
    pattern.exec(soql)?.[1]?.replace(/\\(.)/g, "$1");
  /** A record's owner as a relationship field: a User, or (Lead) a queue. */
  const owner = (ownerId: unknown, polymorphic = false) => {
    const user = fake.users.find((u) => u.Id === ownerId);
    if (!user && !String(ownerId).startsWith("00G")) return null;
    return {
      attributes: { type: polymorphic ? "Name" : "User" },
      Email: user?.Email ?? null,
      ...(polymorphic && { Type: user ? "User" : "Queue" }),
    };
  };

  /** SOQL with relationship fields: owners, accounts, contact roles, tasks. */
  const relationshipQueries = (soql: string): unknown[] => {
    const email = literal(soql, /WHERE Email = '((?:[^'\\]|\\.)*)'/)?.toLowerCase();
    if (soql.includes("FROM Contact WHERE Email") && email !== undefined) {
      return of("Contact")
        .filter((c) => String(c.Email).toLowerCase() === email)
        .sort(byCreated)
        .slice(0, 1)
        .map((c) => {
          const account = records.get(String(c.AccountId));
          return {
            attributes: { type: "Contact" },
            Owner: owner(c.OwnerId),
            Account: account
              ? { attributes: { type: "Account" }, Owner: owner(account.OwnerId) }
              : null,
          };
        });
    }
    if (soql.includes("FROM Lead WHERE Email") && email !== undefined) {
      return of("Lead")
        .filter((l) => String(l.Email).toLowerCase() === email && l.IsConverted !== true)
        .sort(byCreated)
        .slice(0, 1)
        .map((l) => ({ attributes: { type: "Lead" }, Owner: owner(l.OwnerId, true) }));
    }
    const like = literal(soql, /FROM Account WHERE Website LIKE '%((?:[^'\\]|\\.)*)%'/);
    if (like !== undefined) {
      return of("Account")
        .filter((a) =>
          String(a.Website ?? "")
            .toLowerCase()
            .includes(like.toLowerCase()),
        )
        .sort(byCreated)
        .slice(0, 20)
        .map((a) => ({
          attributes: { type: "Account" },
          Website: a.Website ?? null,
          Owner: owner(a.OwnerId),
        }));
    }
    const roles = /FROM OpportunityContactRole WHERE CreatedDate >= (\S+)/.exec(soql);
    if (roles) {
      const since = Date.parse(roles[1]!);
      return of("OpportunityContactRole")
        .filter((r) => Date.parse(String(r.CreatedDate)) >= since)
        .sort(byCreated)
        .map((r) => {
          const contact = records.get(String(r.ContactId));
          return {
            attributes: { type: "OpportunityContactRole" },
            OpportunityId: r.OpportunityId,
            Opportunity: {
              attributes: { type: "Opportunity" },
              Amount: records.get(String(r.OpportunityId))?.Amount ?? null,
            },
            Contact: contact
              ? { attributes: { type: "Contact" }, Email: contact.Email ?? null }
              : null,
            CreatedDate: r.CreatedDate,
          };
        });
    }
    const whoId = literal(soql, /FROM Task WHERE WhoId = '(\w+)'/);
    const subject = literal(soql, /AND Subject = '((?:[^'\\]|\\.)*)'/);
    if (whoId !== undefined && subject !== undefined) {
      return fake
        .tasks()
        .filter((t) => t.WhoId === whoId && t.Subject === subject)
        .sort(byCreated)
        .slice(0, 1)
        .map((t) => ({ attributes: { type: "Task" }, Id: t.Id }));
    }
    throw Object.assign(new Error("MALFORMED_QUERY"), { soql });
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const raw = await readRaw(req);
    let status: number;
    let answer: unknown;
    let body: unknown;
    try {
      if (req.method === "POST" && url.pathname === "/services/oauth2/token") {
        body = Object.fromEntries(new URLSearchParams(raw));
        [status, answer] = token(new URLSearchParams(raw));
      } else {
        const api_ = API.exec(url.pathname);
        body = raw ? JSON.parse(raw) : undefined;
        [status, answer] = api_
          ? api(req, url.pathname.slice(api_[0].length), url, body)
          : [404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]];
      }
    } catch {
      [status, answer] = [400, [{ errorCode: "MALFORMED_QUERY", message: "unexpected SOQL" }]];
    }
    if (
      dropTask &&
      req.method === "POST" &&
      url.pathname.endsWith("/sobjects/Task") &&
      status === 201
    ) {
      dropTask = false;
      req.socket.destroy();
      return;
    }
    fake.requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      status,
    });
    if (answer === undefined) {
      res.writeHead(status);
      res.end();
      return;
    }
    const text = JSON.stringify(answer);
    res.writeHead(status, { "content-type": "application/json;charset=UTF-8" });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function typeOf(record: FakeRecord): string | undefined {
  return (record.attributes as { type?: string } | undefined)?.type;
}

function asRestError(error: { statusCode: string; message: string; fields: string[] }) {
  return { errorCode: error.statusCode, message: error.message, fields: error.fields };
}

async function readRaw(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export interface OutboundNotificationInput {
  /** The notification's id (04l...); the same on Salesforce's retries. */
  id: string;
  /** The Lead's fields as Salesforce sends them; null as xsi:nil. */
  fields: Record<string, string | number | boolean | null>;
  type?: string;
}

/** An Outbound Message as Salesforce sends it (the outbound messaging WSDL's notifications). */
export function outboundMessage(
  notifications: OutboundNotificationInput[],
  options: { organizationId?: string } = {},
): string {
  const org = options.organizationId ?? SALESFORCE_ORG_ID;
  const items = notifications.map((n) => {
    const fields = Object.entries(n.fields)
      .map(([name, value]) =>
        value === null
          ? `<sf:${name} xsi:nil="true"/>`
          : `<sf:${name}>${escapeXml(String(value))}</sf:${name}>`,
      )
      .join("\n     ");
    return `
   <Notification>
    <Id>${n.id}</Id>
    <sObject xsi:type="sf:${n.type ?? "Lead"}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     ${fields}
    </sObject>
   </Notification>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${org}</OrganizationId>
   <ActionId>04k5g000000GbtnAAC</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/${org.slice(0, 15)}</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/62.0/${org.slice(0, 15)}</PartnerUrl>${items.join("")}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;
}

/** POSTs an Outbound Message to Baton as Salesforce does (SOAPAction: notifications). */
export async function sendOutboundMessage(
  url: string,
  xml: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "text/xml; charset=utf-8", soapaction: '""' },
    body: xml,
  });
  return { status: response.status, body: await response.text() };
}

/** `const salesforce = useFakeSalesforce()`: started before the file's tests, stopped after. */
export function useFakeSalesforce(): { readonly current: FakeSalesforce } {
  const holder: { current?: FakeSalesforce } = {};
  beforeAll(async () => {
    holder.current = await startFakeSalesforce();
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return {
    get current() {
      if (!holder.current) throw new Error("the fake Salesforce starts in beforeAll");
      return holder.current;
    },
  };
}
