// Owners, statuses and touches out to Salesforce, through the running app and the real jsforce:
// a claim in Slack makes the rep's Salesforce User the Lead's owner (sObject Collections, with
// Sforce-Auto-Assign: FALSE); a disqualification sets Status and the reason field; a logged
// touch becomes a Task with the rep's note; a rep Salesforce does not know is reported to the
// admins once; an expired session is renewed; refused credentials keep Slack working, alert
// the admins once and lose nothing; the org's API limit holds the work for later.
import { beforeAll, describe, expect, it } from "vitest";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { disposeLead } from "#src/services/dispose-lead.ts";
import { logTouch } from "#src/services/log-touch.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import {
  outboundMessage,
  SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET,
  SALESFORCE_ORG_ID,
  sendOutboundMessage,
  useFakeSalesforce,
} from "#test/fakes/fake-salesforce.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildButtonAction, createSlackRequester } from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const ADMIN = "U0REVOPS01";
const PRIYA_USER = "0055g00000PriyaAAA";
const fakeSlack = useFakeSlack();
const salesforce = useFakeSalesforce();
const database = useTestDatabase();
let playbook: PlaybookStore;
beforeAll(async () => {
  const file = await PlaybookStore.open("manifests/playbook.yml");
  const synced = structuredClone(file.current);
  synced.crm.salesforce.sync = true;
  synced.crm.salesforce.reasonField = "Baton_Reason__c";
  playbook = PlaybookStore.of(synced);
  // Priya is a Salesforce user (fake Slack gives her this email); Mike is not.
  salesforce.current.users.push({
    Id: PRIYA_USER,
    Email: "U0REPPRIYA@reps.example",
    IsActive: true,
  });
});
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  playbook,
  env: {
    SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG_ID,
    SALESFORCE_LOGIN_URL: salesforce.current.url,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET,
  },
}));

async function until<T>(read: () => T | undefined | Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    app.current.outbox.wake();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let notification = 0;

/** A Lead at Salesforce whose outbound message brings it to Baton; its card is in the channel. */
async function leadFromSalesforce(name: string) {
  const email = `${name}@${name}-corp.example`;
  const salesforceId = salesforce.current.addLead({ Email: email, OwnerId: "00G5g000000QueueAAA" });
  const sent = await sendOutboundMessage(
    `${app.current.url}/api/v1/crm/salesforce/outbound`,
    outboundMessage([
      {
        id: `04l5g0000${String(++notification).padStart(6, "0")}AAA`,
        fields: {
          Id: salesforceId,
          Email: email,
          FirstName: name,
          Company: `${name} Corp`,
          Country: "US",
          NumberOfEmployees: 250,
          LeadSource: "Contact sales",
          CreatedDate: new Date().toISOString(),
        },
      },
    ]),
  );
  expect(sent.status).toBe(200);
  const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { email } });
  await until(() =>
    fakeSlack.current.visible("C0NAMIDMKT").some((m) => JSON.stringify(m.blocks).includes(lead.id)),
  );
  return { salesforceId, leadId: lead.id };
}

async function claimInSlack(leadId: string, userId: string) {
  const requester = createSlackRequester({
    url: `${app.current.url}/slack/events`,
    signingSecret: SIGNING_SECRET,
  });
  const ack = await requester.interaction(
    buildButtonAction({ actionId: ACTIONS.claim, value: leadId, userId }),
  );
  expect(ack.status).toBe(200);
}

const dmsTo = (user: string, containing: string) =>
  fakeSlack.current
    .callsTo("chat.postMessage")
    .filter((c) => c.args.channel === `D${user.replace(/^U/, "")}` || c.args.channel === user)
    .filter((c) => String(c.args.text).includes(containing));

const lifecycle = () => ({
  db: database.current,
  playbook: app.current.deps.playbook.current,
  webhooks: app.current.deps.config.webhooks,
  now: new Date(),
});

describe("a claim in Slack", () => {
  it("makes the rep's Salesforce User the Lead's owner, with Sforce-Auto-Assign: FALSE", async () => {
    const { salesforceId, leadId } = await leadFromSalesforce("claimed");
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => salesforce.current.lead(salesforceId)?.OwnerId === PRIYA_USER);
    const update = salesforce.current.requests.findLast(
      (r) => r.method === "PATCH" && r.path.endsWith("/composite/sobjects"),
    );
    expect(update?.headers["sforce-auto-assign"]).toBe("FALSE");
    expect(update?.body).toEqual({
      allOrNone: false,
      records: [
        expect.objectContaining({
          id: salesforceId,
          attributes: { type: "Lead" },
          OwnerId: PRIYA_USER,
        }),
      ],
    });
    expect(salesforce.current.lead(salesforceId)?.Status).toBe("Working - Contacted");
  });
});

describe("decisions and touches", () => {
  it("a disqualification sets the Lead's Status and the playbook's reason field", async () => {
    const { salesforceId, leadId } = await leadFromSalesforce("disqualified");
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => salesforce.current.lead(salesforceId)?.OwnerId === PRIYA_USER);
    await disposeLead({
      ...lifecycle(),
      disposition: "disqualify",
      leadId,
      userId: "U0REPPRIYA",
      reasonKey: "no-budget",
      note: "Budget frozen until Q3",
    });
    app.current.outbox.wake();
    await until(() => salesforce.current.lead(salesforceId)?.Status === "Closed - Not Converted");
    expect(salesforce.current.lead(salesforceId)?.Baton_Reason__c).toMatch(
      /^Disqualified in Baton: .+\. Budget frozen until Q3$/,
    );
  });

  it("a logged touch becomes a completed Task on the Lead with the rep's note, owned by the rep", async () => {
    const { salesforceId, leadId } = await leadFromSalesforce("touched");
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => salesforce.current.lead(salesforceId)?.OwnerId === PRIYA_USER);
    await logTouch({
      ...lifecycle(),
      leadId,
      userId: "U0REPPRIYA",
      kind: "call",
      note: "Left a voicemail, <b>calling back</b> Tuesday",
    });
    app.current.outbox.wake();
    const task = await until(() =>
      salesforce.current.tasks().find((t) => t.WhoId === salesforceId),
    );
    expect(task).toMatchObject({
      Subject: "Call (logged in Baton, touch 1)",
      Description: "Left a voicemail, <b>calling back</b> Tuesday",
      Status: "Completed",
      TaskSubtype: "Call",
      OwnerId: PRIYA_USER,
    });
    // Delivered once, however often the outbox is woken.
    app.current.outbox.wake();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(salesforce.current.tasks().filter((t) => t.WhoId === salesforceId)).toHaveLength(1);
  });

  it("a Task whose answer was lost is found on the retry, not created twice", async () => {
    const { salesforceId, leadId } = await leadFromSalesforce("lostanswer");
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => salesforce.current.lead(salesforceId)?.OwnerId === PRIYA_USER);
    salesforce.current.dropNextTaskAnswer();
    await logTouch({
      ...lifecycle(),
      leadId,
      userId: "U0REPPRIYA",
      kind: "email",
      note: "Sent the deck",
    });
    app.current.outbox.wake();
    const delivered = await until(async () => {
      const row = await database.current.prisma.outboxMessage.findFirst({
        where: {
          kind: "salesforce.task",
          status: "DONE",
          payload: { path: ["leadId"], equals: leadId },
        },
      });
      return row ?? undefined;
    });
    expect(delivered.attempts).toBeGreaterThan(1);
    expect(delivered.result).toMatchObject({ adopted: true });
    const tasks = salesforce.current.tasks().filter((t) => t.WhoId === salesforceId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      Subject: "Email (logged in Baton, touch 1)",
      Description: "Sent the deck",
    });
    // A later delivery of the same touch (a replayed message) creates nothing either.
    const key = await database.current.prisma.crmRecord.findUniqueOrThrow({
      where: { key: `salesforce:touch:${leadId}:1` },
    });
    expect(key.objectId).toBe(tasks[0]!.Id);
  });

  it("reports a rep with no Salesforce User to the admins once, not once per lead", async () => {
    const first = await leadFromSalesforce("nouser1");
    const second = await leadFromSalesforce("nouser2");
    await claimInSlack(first.leadId, "U0REPMIKE1");
    await claimInSlack(second.leadId, "U0REPMIKE1");
    await until(async () => {
      const done = await database.current.prisma.outboxMessage.count({
        where: {
          kind: "salesforce.update",
          status: "DONE",
          payload: { path: ["owner"], equals: "U0REPMIKE1" },
        },
      });
      return done >= 2;
    });
    const alert = await until(() => dmsTo(ADMIN, "U0REPMIKE1").at(0));
    expect(String(alert.args.text)).toContain("no active Salesforce user has their Slack email");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dmsTo(ADMIN, "U0REPMIKE1")).toHaveLength(1);
    // The status still went: only the owner is left as it was.
    expect(salesforce.current.lead(first.salesforceId)?.OwnerId).toBe("00G5g000000QueueAAA");
    expect(salesforce.current.lead(first.salesforceId)?.Status).toBe("Working - Contacted");
  });
});

describe("when Salesforce refuses", () => {
  it("an expired session (401 INVALID_SESSION_ID) is renewed and the update goes through", async () => {
    const { salesforceId, leadId } = await leadFromSalesforce("session");
    const tokens = salesforce.current.tokensIssued();
    salesforce.current.expireSessions();
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => salesforce.current.lead(salesforceId)?.OwnerId === PRIYA_USER);
    expect(salesforce.current.tokensIssued()).toBe(tokens + 1);
    // Salesforce answered the old session 401 INVALID_SESSION_ID; jsforce asked for a new one.
    expect(salesforce.current.requests.some((r) => r.status === 401)).toBe(true);
  });

  it("refused credentials keep Slack working, alert the admins once, count failures, and deliver once fixed", async () => {
    const { salesforceId, leadId } = await leadFromSalesforce("refused");
    const other = await leadFromSalesforce("refused2");
    salesforce.current.expireSessions();
    salesforce.current.refuseCredentials(true);
    await claimInSlack(leadId, "U0REPPRIYA");
    await claimInSlack(other.leadId, "U0REPPRIYA");
    for (const id of [leadId, other.leadId]) {
      await until(() =>
        fakeSlack.current
          .visible("C0NAMIDMKT")
          .some(
            (m) =>
              JSON.stringify(m.blocks).includes(id) &&
              JSON.stringify(m.blocks).includes("*Claimed* by"),
          ),
      );
    }
    await until(() => dmsTo(ADMIN, "Salesforce refused Baton's credentials").length > 0);
    const metrics = await (await fetch(`${app.current.url}/metrics`)).text();
    expect(metrics).toMatch(
      /baton_crm_requests_total\{[^}]*crm="salesforce"[^}]*outcome="unauthorized"[^}]*\} [1-9]/,
    );

    salesforce.current.refuseCredentials(false);
    await until(() => salesforce.current.lead(salesforceId)?.OwnerId === PRIYA_USER, 60_000);
    await until(() => salesforce.current.lead(other.salesforceId)?.OwnerId === PRIYA_USER, 60_000);
    expect(dmsTo(ADMIN, "Salesforce refused Baton's credentials")).toHaveLength(1);
  }, 90_000);

  it("REQUEST_LIMIT_EXCEEDED holds the update for later instead of losing it", async () => {
    const { leadId } = await leadFromSalesforce("limited");
    salesforce.current.limitNext(1);
    await claimInSlack(leadId, "U0REPPRIYA");
    const row = await until(() =>
      database.current.prisma.outboxMessage
        .findFirst({
          where: {
            kind: "salesforce.update",
            status: "PENDING",
            attempts: { gte: 1 },
            payload: { path: ["leadId"], equals: leadId },
          },
        })
        .then((r) => (r?.lastError ? r : undefined)),
    );
    expect(row.lastError).toContain("REQUEST_LIMIT_EXCEEDED");
    // Held a quarter of an hour: the org's allowance is a rolling 24 hours.
    expect(row.availableAt.getTime() - Date.now()).toBeGreaterThan(10 * 60_000);
    const metrics = await (await fetch(`${app.current.url}/metrics`)).text();
    expect(metrics).toMatch(
      /baton_crm_requests_total\{[^}]*crm="salesforce"[^}]*outcome="rate_limited"[^}]*\} [1-9]/,
    );
  });
});
