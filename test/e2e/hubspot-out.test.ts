// Owners and statuses out to HubSpot, through the running app: a claim in Slack makes the rep
// the contact's owner at the (fake) HubSpot, a disqualification sets its lead status; a rep
// HubSpot does not know is reported to the admins once; a refused token keeps Slack working,
// alerts the admins once and loses nothing; 429s are waited out.
import { beforeAll, describe, expect, it } from "vitest";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { disposeLead } from "#src/services/dispose-lead.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import {
  HUBSPOT_CLIENT_SECRET,
  HUBSPOT_TOKEN,
  sendSignedToBaton,
  useFakeHubSpot,
} from "#test/fakes/fake-hubspot.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildButtonAction, createSlackRequester } from "#test/fakes/slack-requests.ts";
import { INTAKE_TOKEN, SIGNING_SECRET, startTestApp, useTestApp } from "#test/setup/app.ts";

import { useTestDatabase } from "#test/setup/database.ts";

const ADMIN = "U0REVOPS01";
const fakeSlack = useFakeSlack();
const hubspot = useFakeHubSpot();
const database = useTestDatabase();
let playbook: PlaybookStore;
beforeAll(async () => {
  const file = await PlaybookStore.open("manifests/playbook.yml");
  const synced = structuredClone(file.current);
  synced.crm.hubspot.sync = true;
  playbook = PlaybookStore.of(synced);
  // Priya is a HubSpot user (fake Slack gives her this email); Mike is not.
  hubspot.current.owners.push({ id: "7001", email: "u0reppriya@reps.example" });
});
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  playbook,
  env: {
    HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
    HUBSPOT_CLIENT_SECRET,
    HUBSPOT_API_URL: hubspot.current.url,
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

/** A contact at HubSpot whose workflow sends it to Baton; its lead's card is in the channel. */
async function leadFromHubSpot(name: string) {
  // A company of its own: account matching would offer a second lead of one company to its owner.
  const email = `${name}@${name}-corp.example`;
  const contactId = hubspot.current.addContact({ email, firstname: name });
  const sent = await sendSignedToBaton(`${app.current.url}/api/v1/crm/hubspot/workflow`, {
    objectId: Number(contactId),
    properties: {
      email,
      firstname: name,
      country: "US",
      numemployees: "250",
      hs_analytics_source: "PAID_SEARCH",
      recent_conversion_event_name: "Contact sales",
      recent_conversion_date: String(Date.now()),
    },
  });
  expect(sent.status).toBe(201);
  const leadId = (sent.body as { lead: { id: string } }).lead.id;
  await until(() =>
    fakeSlack.current.visible("C0NAMIDMKT").some((m) => JSON.stringify(m.blocks).includes(leadId)),
  );
  return { contactId, leadId };
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

describe("a claim in Slack", () => {
  it("makes the rep the HubSpot contact's owner, through the batch endpoint, matched by email", async () => {
    const { contactId, leadId } = await leadFromHubSpot("claimed");
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => hubspot.current.contact(contactId)?.properties.hubspot_owner_id === "7001");
    const updates = hubspot.current.requests.filter(
      (r) => r.path === "/crm/v3/objects/contacts/batch/update",
    );
    expect(updates.at(-1)?.body).toEqual({
      inputs: [{ id: contactId, properties: { hubspot_owner_id: "7001" } }],
    });
  });

  it("sets hs_lead_status from the playbook when the lead is disqualified", async () => {
    const { contactId, leadId } = await leadFromHubSpot("disqualified");
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => hubspot.current.contact(contactId)?.properties.hubspot_owner_id === "7001");
    await disposeLead({
      db: database.current,
      playbook: app.current.deps.playbook.current,
      webhooks: app.current.deps.config.webhooks,
      disposition: "disqualify",
      leadId,
      userId: "U0REPPRIYA",
      reasonKey: "no-budget",
      now: new Date(),
    });
    app.current.outbox.wake();
    await until(
      () => hubspot.current.contact(contactId)?.properties.hs_lead_status === "UNQUALIFIED",
    );
  });

  it("reports a rep with no HubSpot owner to the admins once, not once per lead", async () => {
    const first = await leadFromHubSpot("noowner1");
    const second = await leadFromHubSpot("noowner2");
    await claimInSlack(first.leadId, "U0REPMIKE1");
    await claimInSlack(second.leadId, "U0REPMIKE1");
    await until(async () => {
      const done = await database.current.prisma.outboxMessage.count({
        where: {
          kind: "hubspot.update",
          status: "DONE",
          payload: { path: ["owner"], equals: "U0REPMIKE1" },
        },
      });
      return done >= 2;
    });
    const alert = await until(() => dmsTo(ADMIN, "U0REPMIKE1").at(0));
    expect(String(alert.args.text)).toContain("no HubSpot user has their Slack email");
    // Both leads were looked at; one alert.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dmsTo(ADMIN, "U0REPMIKE1")).toHaveLength(1);
    expect(hubspot.current.contact(first.contactId)?.properties.hubspot_owner_id).toBeUndefined();
  });
});

describe("when HubSpot is unavailable", () => {
  it("a refused token keeps Slack working, alerts the admins once, counts failures, and delivers once fixed", async () => {
    const { contactId, leadId } = await leadFromHubSpot("expired");
    const other = await leadFromHubSpot("expired2");
    hubspot.current.token = "pat-na1-rotated";
    await claimInSlack(leadId, "U0REPPRIYA");
    await claimInSlack(other.leadId, "U0REPPRIYA");
    // Slack shows the claims at once.
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
    await until(() => dmsTo(ADMIN, "refused Baton's access token").length > 0);
    const metrics = await (await fetch(`${app.current.url}/metrics`)).text();
    expect(metrics).toMatch(/baton_crm_requests_total\{[^}]*outcome="unauthorized"[^}]*\} [1-9]/);

    hubspot.current.token = HUBSPOT_TOKEN;
    await until(
      () => hubspot.current.contact(contactId)?.properties.hubspot_owner_id === "7001",
      60_000,
    );
    await until(
      () => hubspot.current.contact(other.contactId)?.properties.hubspot_owner_id === "7001",
      60_000,
    );
    expect(dmsTo(ADMIN, "refused Baton's access token")).toHaveLength(1);
  }, 90_000);

  it("a storm of 429s is waited out (Retry-After), no update is lost, and the backlog goes out in batches", async () => {
    const leads = [];
    for (const name of ["rl1", "rl2", "rl3"]) leads.push(await leadFromHubSpot(name));
    hubspot.current.rateLimitNext(8, 1);
    const before = hubspot.current.rateLimited();
    for (const lead of leads) await claimInSlack(lead.leadId, "U0REPPRIYA");
    for (const lead of leads) {
      await until(
        () => hubspot.current.contact(lead.contactId)?.properties.hubspot_owner_id === "7001",
        60_000,
      );
    }
    expect(hubspot.current.rateLimited() - before).toBe(8);
    // Held back together, the updates went out together: one batch call for several contacts.
    const batches = hubspot.current.requests.filter(
      (r) => r.path === "/crm/v3/objects/contacts/batch/update" && r.status === 200,
    );
    const sizes = batches.map((r) => (r.body as { inputs: unknown[] }).inputs.length);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    // Priya's HubSpot user was looked up once, however many of her claims went out.
    const lookups = hubspot.current.requests.filter(
      (r) =>
        r.path.startsWith("/crm/v3/owners") &&
        r.status === 200 &&
        r.query.get("email") === "u0reppriya@reps.example",
    );
    expect(lookups).toHaveLength(1);
  }, 90_000);
});

describe("conversions recorded in HubSpot", () => {
  const requester = () =>
    createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });
  const webhook = (subscriptionType: string, objectId: string, eventId: number) =>
    sendSignedToBaton(`${app.current.url}/api/v1/crm/hubspot/webhooks`, [
      { eventId, subscriptionType, objectId: Number(objectId), occurredAt: Date.now() },
    ]);
  const leadOf = (id: string) => database.current.prisma.lead.findUniqueOrThrow({ where: { id } });

  it("a deal created for the contact marks the lead converted with its amount: card, stats", async () => {
    const { contactId, leadId } = await leadFromHubSpot("dealwon");
    await claimInSlack(leadId, "U0REPPRIYA");
    await until(() => hubspot.current.contact(contactId)?.properties.hubspot_owner_id === "7001");
    const dealId = hubspot.current.addDeal({ dealname: "Dealwon CX", amount: "12500" }, [
      contactId,
    ]);
    expect((await webhook("deal.creation", dealId, 500)).status).toBe(200);

    const lead = await until(async () => {
      const found = await leadOf(leadId);
      return found.status === "CONVERTED" ? found : undefined;
    });
    expect(lead.opportunityAmount?.toString()).toBe("12500");
    expect(lead.opportunityId).toBe(dealId);
    // A converted card has no buttons (which carry the lead's id): found by its message.
    const { ts } = await database.current.prisma.slackMessage.findFirstOrThrow({
      where: { leadId, kind: "card" },
    });
    const card = await until(() =>
      fakeSlack.current
        .visible("C0NAMIDMKT")
        .filter((m) => m.ts === ts)
        .map((m) => JSON.stringify(m.blocks))
        .find((t) => t.includes("*Converted*")),
    );
    expect(card).toContain("converted in HubSpot");
    expect(card).toContain("amount 12,500.00");
    // HubSpot is not told what it told Baton.
    const events = await database.current.prisma.leadEvent.findMany({
      where: { leadId, type: "converted" },
    });
    expect(events).toMatchObject([{ actorType: "SYSTEM", actorId: "hubspot" }]);
    expect(
      await database.current.prisma.outboxMessage.count({
        where: { kind: "hubspot.update", payload: { path: ["status"], equals: "converted" } },
      }),
    ).toBe(0);

    const responseUrl = fakeSlack.current.responseUrl();
    await requester().slashCommand({
      text: "stats 30d by source",
      user_id: "U0MKTJANE1",
      response_url: responseUrl,
    });
    const answer = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
    );
    expect(JSON.stringify(answer.body)).toMatch(/Paid search +\d+ +\d+ +[1-9]/);
  });

  it("a deal for a contact Baton knows only by email (a lead from the API) converts that lead", async () => {
    const sent = await fetch(`${app.current.url}/api/v1/leads`, {
      method: "POST",
      headers: { authorization: `Bearer ${INTAKE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "api-lead@proseware.example", companySize: 80 }),
    });
    const { lead } = (await sent.json()) as { lead: { id: string } };
    const contactId = hubspot.current.addContact({ email: "API-Lead@proseware.example" });
    const dealId = hubspot.current.addDeal({ amount: "990.5" }, [contactId]);
    await webhook("deal.creation", dealId, 550);
    const converted = await until(async () => {
      const found = await leadOf(lead.id);
      return found.status === "CONVERTED" ? found : undefined;
    });
    expect(converted.opportunityAmount?.toString()).toBe("990.5");
  });

  it("a contact whose lifecycle stage becomes customer marks its lead converted, once", async () => {
    const { contactId, leadId } = await leadFromHubSpot("staged");
    const contact = hubspot.current.contact(contactId)!;
    contact.properties.lifecyclestage = "customer";
    await webhook("contact.propertyChange", contactId, 600);
    await until(async () => (await leadOf(leadId)).status === "CONVERTED");
    await webhook("contact.propertyChange", contactId, 601);
    await until(
      async () =>
        (await database.current.prisma.outboxMessage.count({
          where: { kind: "hubspot.fetch", dedupeKey: { endsWith: ":601" }, status: "DONE" },
        })) === 1,
    );
    expect(
      await database.current.prisma.leadEvent.count({ where: { leadId, type: "converted" } }),
    ).toBe(1);
  });
});

describe("starting with the HubSpot sync on", () => {
  it("refuses without HUBSPOT_ACCESS_TOKEN, naming it and the fix", async () => {
    await expect(
      startTestApp({ db: database.current, slackApiUrl: fakeSlack.current.url, playbook }),
    ).rejects.toThrow(/crm\.hubspot\.sync: true.*HUBSPOT_ACCESS_TOKEN is not set/);
  });
});
