// The Salesforce calls Baton makes, through the official client (jsforce, @jsforce/jsforce-node)
// against the REST API of the instance the OAuth token answer names. Auth is one of the connected
// app's flows (config.ts: client credentials, refresh token or username-password); an expired
// session (401 INVALID_SESSION_ID) makes jsforce ask for a new token and repeat the call once.
// Errors become a SalesforceError carrying only Salesforce's errorCode: its messages can quote
// a record's values (an email).
import type { Connection } from "@jsforce/jsforce-node";
import type { SalesforceAuth } from "#src/config.ts";

export class SalesforceError extends Error {
  override name = "SalesforceError";
  constructor(
    /** Salesforce's errorCode (REQUEST_LIMIT_EXCEEDED, INVALID_SESSION_ID...), or the token endpoint's error. */
    readonly errorCode: string,
    what: string,
  ) {
    super(`Salesforce answered ${errorCode} to ${what}`);
  }

  /** The org's API request limit (a rolling 24 hours) is used up, or too many calls at once. */
  get rateLimited(): boolean {
    return this.errorCode === "REQUEST_LIMIT_EXCEEDED";
  }

  /** The session or the connected app's credentials are refused: a person has to fix them. */
  get unauthorized(): boolean {
    return UNAUTHORIZED.has(this.errorCode);
  }

  /** Worth trying again later: limits, Salesforce's side, the network, credentials to fix. */
  get retryable(): boolean {
    return (
      this.rateLimited ||
      this.unauthorized ||
      RETRYABLE.has(this.errorCode) ||
      /^ERROR_HTTP_(5\d\d|429)$/.test(this.errorCode)
    );
  }
}

const UNAUTHORIZED = new Set([
  "INVALID_SESSION_ID",
  "invalid_grant",
  "invalid_client",
  "invalid_client_id",
  "unauthorized_client",
  "inactive_user",
  "inactive_org",
  "ERROR_HTTP_401",
]);
const RETRYABLE = new Set(["NETWORK", "TIMEOUT", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"]);

/** Per-record errors that mean the Lead is no longer there to update. */
const GONE = new Set(["ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"]);

export interface LeadUpdate {
  id: string;
  fields: Record<string, string>;
}

export interface SalesforceTask {
  whoId: string;
  subject: string;
  description: string;
  activityDate: string;
  ownerId?: string;
  taskSubtype?: "Call" | "Email" | "Task";
}

export interface ConvertedLead {
  id: string;
  email: string | undefined;
  opportunityId: string | undefined;
  amount: number | undefined;
  convertedDate: string | undefined;
  /** LastModifiedDate: where the next poll starts when this one stopped at its limit. */
  modifiedAt: Date;
}

/** An Opportunity a Contact was given a role on (an opportunity created for that person). */
export interface ContactOpportunity {
  opportunityId: string;
  amount: number | undefined;
  email: string | undefined;
  createdAt: Date;
}

/** The owners Salesforce records for a person (by email), as the owners' emails. */
export interface PersonOwners {
  /** The Contact's owner. */
  contact?: string;
  /** The owner of the Contact's Account. */
  account?: string;
  /** An unconverted Lead's owner (a User; a queue has no one to offer the lead to). */
  lead?: string;
}

/** A query answers at most this many records a call (the REST API's batch). */
export const QUERY_LIMIT = 2000;

export interface SalesforceApi {
  findUserByEmail(email: string): Promise<{ id: string } | undefined>;
  /**
   * Updates Leads in one sObject Collections call (up to 200), with Sforce-Auto-Assign: FALSE
   * so the org's assignment rules do not undo an owner; returns the ids no longer in Salesforce.
   */
  updateLeads(updates: LeadUpdate[]): Promise<{ gone: string[] }>;
  createTask(task: SalesforceTask): Promise<string | undefined>;
  opportunityAmount(id: string): Promise<number | undefined>;
  /** Leads converted since the instant, oldest change first, with their opportunity's amount. */
  convertedLeadsSince(since: Date): Promise<ConvertedLead[]>;
  /** Contact roles on opportunities given since the instant, oldest first, with the amount. */
  contactOpportunitiesSince(since: Date): Promise<ContactOpportunity[]>;
  /** Who owns the person with this email in Salesforce: Contact, its Account, or a Lead. */
  ownersOfEmail(email: string): Promise<PersonOwners>;
  /** The owner (email) of the oldest Account whose Website is on this domain. */
  accountOwnerOfDomain(domain: string): Promise<string | undefined>;
  /** The Task with this subject on the Lead (WhoId), if one was created. */
  findTask(whoId: string, subject: string): Promise<string | undefined>;
}

/** sObject Collections take up to 200 records a call. */
export const SALESFORCE_BATCH_SIZE = 200;

/** A call Salesforce has not answered after this long counts as failed (and is retried). */
const CALL_TIMEOUT_MS = 30_000;

export interface SalesforceOptions {
  loginUrl: string;
  apiVersion: string;
  auth: SalesforceAuth;
}

export function createSalesforceApi(options: SalesforceOptions): SalesforceApi {
  // Loaded on the first call: most installations never call Salesforce (#19's idle footprint).
  let connecting: Promise<Connection> | undefined;
  const connection = () => (connecting ??= connect(options));
  const call = async <T>(what: string, request: (conn: Connection) => Promise<T>) => {
    const conn = await connection().catch((error: unknown) => {
      connecting = undefined;
      throw asSalesforceError(error, `signing in (${options.auth.flow})`);
    });
    return timed(what, () => request(conn));
  };
  return {
    async findUserByEmail(email) {
      const soql = `SELECT Id FROM User WHERE Email = '${soqlString(email)}' AND IsActive = true ORDER BY CreatedDate LIMIT 1`;
      const result = await call(
        "looking up a user",
        async (conn) => await conn.query<{ Id: string }>(soql),
      );
      const user = result.records[0];
      return user ? { id: user.Id } : undefined;
    },
    async updateLeads(updates) {
      if (updates.length === 0) return { gone: [] };
      const results = await call("updating leads", (conn) =>
        conn.sobject("Lead").update(
          updates.map((u) => ({ Id: u.id, ...u.fields })),
          { allOrNone: false, headers: { "Sforce-Auto-Assign": "FALSE" } },
        ),
      );
      const gone: string[] = [];
      results.forEach((result, index) => {
        if (result.success) return;
        const codes = result.errors.map(codeOf);
        if (codes.some((c) => GONE.has(c))) gone.push(updates[index]!.id);
        else throw new SalesforceError(codes.join(", ") || "UNKNOWN", "updating a lead");
      });
      return { gone };
    },
    async createTask(task) {
      const result = await call("creating a task", (conn) =>
        conn.sobject("Task").create({
          WhoId: task.whoId,
          Subject: task.subject,
          Description: task.description,
          ActivityDate: task.activityDate,
          Status: "Completed",
          ...(task.taskSubtype ? { TaskSubtype: task.taskSubtype } : {}),
          ...(task.ownerId ? { OwnerId: task.ownerId } : {}),
        }),
      );
      if (result.success) return result.id;
      const codes = result.errors.map(codeOf);
      if (codes.some((c) => GONE.has(c))) return undefined;
      throw new SalesforceError(codes.join(", ") || "UNKNOWN", "creating a task");
    },
    async opportunityAmount(id) {
      const soql = `SELECT Amount FROM Opportunity WHERE Id = '${soqlString(id)}'`;
      const result = await call(
        "reading an opportunity",
        async (conn) => await conn.query<{ Amount: number | null }>(soql),
      );
      return finite(result.records[0]?.Amount);
    },
    ...pollQueries(call),
    ...lookups(call),
  };
}

type Call = <T>(what: string, request: (conn: Connection) => Promise<T>) => Promise<T>;

/** The SOQL reads of the conversion poll. */
function pollQueries(call: Call) {
  return {
    async convertedLeadsSince(since: Date): Promise<ConvertedLead[]> {
      const soql = `SELECT Id, Email, ConvertedOpportunityId, ConvertedOpportunity.Amount, ConvertedDate, LastModifiedDate FROM Lead WHERE IsConverted = true AND LastModifiedDate >= ${soqlDateTime(since)} ORDER BY LastModifiedDate LIMIT ${QUERY_LIMIT}`;
      type Row = {
        Id: string;
        Email: string | null;
        ConvertedOpportunityId: string | null;
        ConvertedOpportunity: { Amount: number | null } | null;
        ConvertedDate: string | null;
        LastModifiedDate: string;
      };
      const result = await call(
        "reading converted leads",
        async (conn) => await conn.query<Row>(soql),
      );
      return result.records.map((r) => ({
        id: r.Id,
        email: r.Email ?? undefined,
        opportunityId: r.ConvertedOpportunityId ?? undefined,
        amount: r.ConvertedOpportunity?.Amount ?? undefined,
        convertedDate: r.ConvertedDate ?? undefined,
        modifiedAt: new Date(r.LastModifiedDate),
      }));
    },
    async contactOpportunitiesSince(since: Date): Promise<ContactOpportunity[]> {
      const soql = `SELECT OpportunityId, Opportunity.Amount, Contact.Email, CreatedDate FROM OpportunityContactRole WHERE CreatedDate >= ${soqlDateTime(since)} ORDER BY CreatedDate LIMIT ${QUERY_LIMIT}`;
      type Row = {
        OpportunityId: string;
        Opportunity: { Amount: number | null } | null;
        Contact: { Email: string | null } | null;
        CreatedDate: string;
      };
      const result = await call(
        "reading opportunity contact roles",
        async (conn) => await conn.query<Row>(soql),
      );
      return result.records.map((r) => ({
        opportunityId: r.OpportunityId,
        amount: finite(r.Opportunity?.Amount),
        email: r.Contact?.Email ?? undefined,
        createdAt: new Date(r.CreatedDate),
      }));
    },
  };
}

/** The SOQL reads of owner matching and idempotent Tasks. */
function lookups(call: Call) {
  return {
    async ownersOfEmail(email: string): Promise<PersonOwners> {
      const value = soqlString(email);
      type ContactRow = {
        Owner: { Email: string | null } | null;
        Account: { Owner: { Email: string | null } | null } | null;
      };
      type LeadRow = { Owner: { Email: string | null; Type: string | null } | null };
      const contacts = await call(
        "looking up a contact's owner",
        async (conn) =>
          await conn.query<ContactRow>(
            `SELECT Owner.Email, Account.Owner.Email FROM Contact WHERE Email = '${value}' ORDER BY CreatedDate LIMIT 1`,
          ),
      );
      const contact = contacts.records[0];
      if (contact?.Owner?.Email || contact?.Account?.Owner?.Email) {
        return {
          contact: contact.Owner?.Email ?? undefined,
          account: contact.Account?.Owner?.Email ?? undefined,
        };
      }
      const leads = await call(
        "looking up a lead's owner",
        async (conn) =>
          await conn.query<LeadRow>(
            `SELECT Owner.Email, Owner.Type FROM Lead WHERE Email = '${value}' AND IsConverted = false ORDER BY CreatedDate LIMIT 1`,
          ),
      );
      const owner = leads.records[0]?.Owner;
      return owner?.Type === "User" && owner.Email ? { lead: owner.Email } : {};
    },
    async accountOwnerOfDomain(domain: string): Promise<string | undefined> {
      const like = soqlString(domain).replace(/[%_]/g, "\\$&");
      type Row = { Website: string | null; Owner: { Email: string | null } | null };
      const result = await call(
        "looking up an account's owner",
        async (conn) =>
          await conn.query<Row>(
            `SELECT Website, Owner.Email FROM Account WHERE Website LIKE '%${like}%' ORDER BY CreatedDate LIMIT 20`,
          ),
      );
      // LIKE finds acme.com in notacme.com too: the Website's host must be the domain.
      const account = result.records.find((r) => websiteDomain(r.Website) === domain.toLowerCase());
      return account?.Owner?.Email ?? undefined;
    },
    async findTask(whoId: string, subject: string): Promise<string | undefined> {
      const soql = `SELECT Id FROM Task WHERE WhoId = '${soqlString(whoId)}' AND Subject = '${soqlString(subject)}' ORDER BY CreatedDate LIMIT 1`;
      const result = await call(
        "looking up a task",
        async (conn) => await conn.query<{ Id: string }>(soql),
      );
      return result.records[0]?.Id;
    },
  };
}

function finite(value: number | null | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** "https://www.Acme.com/about" → "acme.com". */
function websiteDomain(website: string | null): string | undefined {
  if (!website) return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(website) ? website : `https://${website}`);
    return url.hostname.toLowerCase().replace(/^www\./, "");
  } catch {
    return undefined;
  }
}

/** A SOQL dateTime literal: 2026-12-05T06:52:00Z. */
function soqlDateTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

async function connect(options: SalesforceOptions): Promise<Connection> {
  const { Connection } = await import("@jsforce/jsforce-node");
  const { auth } = options;
  let lastSignIn = 0;
  const signIn = async (conn: Connection) => {
    // Salesforce refusing a token it has just issued would make jsforce ask for tokens forever.
    if (Date.now() - lastSignIn < 10_000) {
      throw Object.assign(new Error("a fresh session was refused"), { name: "INVALID_SESSION_ID" });
    }
    lastSignIn = Date.now();
    const token = await requestToken(conn, auth);
    conn.instanceUrl = token.instance_url;
    conn.accessToken = token.access_token;
    return token;
  };
  const conn: Connection = new Connection({
    loginUrl: options.loginUrl,
    version: options.apiVersion,
    oauth2: {
      loginUrl: options.loginUrl,
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
    },
    refreshFn: (c, callback) => {
      signIn(c).then(
        (token) => callback(undefined, token.access_token, token as never),
        (error: Error) => callback(error),
      );
    },
  });
  await signIn(conn);
  lastSignIn = 0;
  return conn;
}

interface TokenAnswer {
  access_token: string;
  instance_url: string;
  /** The identity URL: https://login.salesforce.com/id/<org id>/<user id>. */
  id?: string;
}

/**
 * Signs in as Baton does and reads one User, for `baton doctor`: the org and the user the
 * session belongs to (from the token answer's identity URL). Throws a SalesforceError naming
 * the step that failed.
 */
export async function probeSalesforce(
  options: SalesforceOptions,
): Promise<{ organizationId: string; userId: string }> {
  const { Connection } = await import("@jsforce/jsforce-node");
  const { auth } = options;
  const conn = new Connection({
    loginUrl: options.loginUrl,
    version: options.apiVersion,
    oauth2: {
      loginUrl: options.loginUrl,
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
    },
  });
  const token = await timed(`signing in (${auth.flow})`, () => requestToken(conn, auth));
  conn.instanceUrl = token.instance_url;
  conn.accessToken = token.access_token;
  await timed(
    "reading users",
    async () =>
      await conn.query("SELECT Id FROM User WHERE Email = 'baton-doctor@example.invalid' LIMIT 1"),
  );
  const [, organizationId = "", userId = ""] = /\/id\/(\w+)\/(\w+)\/?$/.exec(token.id ?? "") ?? [];
  return { organizationId, userId };
}

function requestToken(conn: Connection, auth: SalesforceAuth): Promise<TokenAnswer> {
  switch (auth.flow) {
    case "client_credentials":
      return conn.oauth2.requestToken({ grant_type: "client_credentials" }) as Promise<TokenAnswer>;
    case "refresh_token":
      return conn.oauth2.refreshToken(auth.refreshToken) as Promise<TokenAnswer>;
    case "password":
      return conn.oauth2.authenticate(auth.username, auth.password) as Promise<TokenAnswer>;
  }
}

async function timed<T>(what: string, request: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SalesforceError("TIMEOUT", what)), CALL_TIMEOUT_MS);
  });
  try {
    return await Promise.race([request(), timedOut]);
  } catch (error) {
    throw asSalesforceError(error, what);
  } finally {
    clearTimeout(timer);
  }
}

function asSalesforceError(error: unknown, what: string): SalesforceError {
  if (error instanceof SalesforceError) return error;
  const e = error as { errorCode?: unknown; name?: unknown; message?: unknown; code?: unknown };
  if (typeof e.errorCode === "string" && e.errorCode !== "Error") {
    return new SalesforceError(e.errorCode, what);
  }
  // jsforce wraps a failed refresh: "Unable to refresh session due to: <the token error>".
  const message = typeof e.message === "string" ? e.message : "";
  if (message.startsWith("Unable to refresh session")) {
    return new SalesforceError("INVALID_SESSION_ID", what);
  }
  if (typeof e.name === "string" && /^[a-z_]+$|^ERROR_HTTP_\d+$|^[A-Z_]+$/.test(e.name)) {
    return new SalesforceError(e.name, what);
  }
  return new SalesforceError("NETWORK", what);
}

function codeOf(error: { errorCode?: string; statusCode?: string }): string {
  // The REST API's save results name it statusCode; jsforce's types, errorCode.
  return error.statusCode ?? error.errorCode ?? "UNKNOWN";
}

/** A value inside a SOQL string literal: backslash and quote escaped. */
export function soqlString(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
}
