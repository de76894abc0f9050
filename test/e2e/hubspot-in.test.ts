// HubSpot in, through the running app: a workflow's "Send a webhook" action and the Webhooks
// API's batches become leads (and cards in Slack) through the intake's capture; a forged or
// stale signature, or a contact without an email, is refused and writes nothing; HubSpot's 429s
// are waited out and nothing is lost.
import { describe, expect, it } from "vitest";
import {
  HUBSPOT_CLIENT_SECRET,
  HUBSPOT_TOKEN,
  sendSignedToBaton,
  useFakeHubSpot,
} from "#test/fakes/fake-hubspot.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { INTAKE_TOKEN, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const hubspot = useFakeHubSpot();
const database = useTestDatabase();
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  env: {
    HUBSPOT_ACCESS_TOKEN: HUBSPOT_TOKEN,
    HUBSPOT_CLIENT_SECRET,
    HUBSPOT_API_URL: hubspot.current.url,
  },
}));

const workflowUrl = () => `${app.current.url}/api/v1/crm/hubspot/workflow`;
const webhooksUrl = () => `${app.current.url}/api/v1/crm/hubspot/webhooks`;

function leadByEmail(email: string) {
  return database.current.prisma.lead.findUnique({
    where: { email },
    include: { activities: true, team: true },
  });
}

async function waitFor<T>(read: () => Promise<T | null | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > until) throw new Error("timed out waiting");
    app.current.outbox.wake();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a HubSpot workflow's Send a webhook action", () => {
  it("becomes a lead with its properties mapped, and a card in the team's channel", async () => {
    const demoAt = Date.parse("2026-11-20T15:00:00Z");
    const response = await sendSignedToBaton(workflowUrl(), {
      objectId: 5101,
      properties: {
        email: "Maria.Lopez@Contoso-Retail.example",
        firstname: "Maria",
        lastname: "<!channel> Lopez",
        jobtitle: "Director, Contact Center",
        company: "Contoso Retail",
        numemployees: "100-500",
        country: "United States",
        phone: "+1 415 555 0100",
        website: "contoso-retail.example",
        hs_analytics_source: "ORGANIC_SEARCH",
        recent_conversion_event_name: "Request a demo",
        recent_conversion_date: String(demoAt),
        num_conversion_events: "3",
        lifecyclestage: "marketingqualifiedlead",
      },
    });
    expect(response.status).toBe(201);
    const lead = await leadByEmail("maria.lopez@contoso-retail.example");
    expect(lead).toMatchObject({
      firstName: "Maria",
      title: "Director, Contact Center",
      company: "Contoso Retail",
      companySize: 100,
      country: "US",
      website: "https://contoso-retail.example",
      source: "Organic search",
      externalIds: { hubspot: "5101" },
      attributes: { hubspotFormSubmissions: 3, hubspotLifecycleStage: "marketingqualifiedlead" },
    });
    expect(lead?.activities).toEqual([
      expect.objectContaining({
        type: "demo_request",
        title: "Request a demo",
        occurredAt: new Date(demoAt),
        externalId: `hubspot:5101:conversion:${demoAt}`,
      }),
    ]);

    app.current.outbox.wake();
    const card = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("C0NAMIDMKT")
        .map((m) => JSON.stringify(m.blocks))
        .find((text) => text.includes(lead!.id)),
    );
    expect(card).toContain("Contoso Retail");
    expect(card).toContain("&lt;!channel&gt; Lopez");
    expect(card).not.toContain("<!channel>");
  });

  it("stores a retried request once: the same answer, no second activity", async () => {
    const body = {
      objectId: 5102,
      properties: {
        email: "retry@fabrikam.example",
        recent_conversion_event_name: "Newsletter",
        recent_conversion_date: "2026-11-21T10:00:00.000Z",
      },
    };
    const first = await sendSignedToBaton(workflowUrl(), body);
    const again = await sendSignedToBaton(workflowUrl(), body);
    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    const lead = await leadByEmail("retry@fabrikam.example");
    expect(lead?.activities).toHaveLength(1);
    expect(lead?.activities[0]?.type).toBe("form_submit");
  });

  it("takes the legacy contact shape with an intake token instead of a signature", async () => {
    const response = await fetch(workflowUrl(), {
      method: "POST",
      headers: { authorization: `Bearer ${INTAKE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        vid: 5103,
        "portal-id": 62515,
        properties: {
          email: { value: "legacy@northwind.example", versions: [] },
          jobtitle: { value: "Head of Customer Care" },
          numemployees: { value: "1000+" },
        },
      }),
    });
    expect(response.status).toBe(201);
    expect(await leadByEmail("legacy@northwind.example")).toMatchObject({
      title: "Head of Customer Care",
      companySize: 1000,
      externalIds: { hubspot: "5103" },
    });
  });

  it("converts the lead of a contact that reached a conversion stage (customer)", async () => {
    const response = await sendSignedToBaton(workflowUrl(), {
      objectId: 5107,
      properties: { email: "won@litware.example", lifecyclestage: "customer" },
    });
    expect(response.status).toBe(201);
    const lead = await leadByEmail("won@litware.example");
    expect(lead).toMatchObject({ status: "CONVERTED", dispositionReason: "converted in HubSpot" });
  });

  it("refuses a forged signature (401) and writes nothing", async () => {
    const before = await database.current.prisma.lead.count();
    const body = { objectId: 5104, properties: { email: "forged@evil.example" } };
    const wrongSecret = await sendSignedToBaton(workflowUrl(), body, {
      secret: "ffffffff-0000-0000-0000-000000000000",
    });
    const tampered = await sendSignedToBaton(workflowUrl(), body, {
      tamper: (raw) => raw.replace("forged@", "changed@"),
    });
    const stale = await sendSignedToBaton(workflowUrl(), body, {
      timestamp: Date.now() - 6 * 60_000,
    });
    const unsigned = await fetch(workflowUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect([wrongSecret.status, tampered.status, stale.status, unsigned.status]).toEqual([
      401, 401, 401, 401,
    ]);
    expect(stale.body).toMatchObject({ message: expect.stringContaining("5 minutes") });
    expect(await database.current.prisma.lead.count()).toBe(before);
  });

  it("answers 400 naming the HubSpot field when the contact has no usable email, and writes nothing", async () => {
    const before = await database.current.prisma.lead.count();
    const noEmail = await sendSignedToBaton(workflowUrl(), {
      objectId: 5105,
      properties: { firstname: "Nomail" },
    });
    const badEmail = await sendSignedToBaton(workflowUrl(), {
      objectId: 5106,
      properties: { email: "not an email" },
    });
    const noId = await sendSignedToBaton(workflowUrl(), {
      properties: { email: "noid@example.com" },
    });
    expect(noEmail.status).toBe(400);
    expect(noEmail.body).toMatchObject({
      issues: [expect.objectContaining({ path: "properties.email" })],
    });
    expect(badEmail.body).toMatchObject({
      issues: [expect.objectContaining({ path: "properties.email" })],
    });
    expect(noId.status).toBe(400);
    expect(noId.body).toMatchObject({ issues: [expect.objectContaining({ path: "objectId" })] });
    expect(await database.current.prisma.lead.count()).toBe(before);
  });
});

describe("HubSpot Webhooks API batches", () => {
  it("reads each contact the events name from HubSpot, once per contact, and captures it", async () => {
    const id = hubspot.current.addContact({
      email: "webhook@adatum.example",
      firstname: "Ada",
      jobtitle: "VP Customer Service",
      numemployees: "250",
      country: "CA",
    });
    const event = (eventId: number, subscriptionType: string, extra = {}) => ({
      eventId,
      subscriptionId: 77,
      portalId: 62515,
      appId: 4242,
      occurredAt: Date.now(),
      subscriptionType,
      attemptNumber: 0,
      objectId: Number(id),
      changeSource: "CRM",
      ...extra,
    });
    const batch = [
      event(1, "contact.creation"),
      event(2, "contact.propertyChange", { propertyName: "jobtitle", propertyValue: "VP" }),
      event(3, "company.creation"),
    ];
    const answer = await sendSignedToBaton(webhooksUrl(), batch);
    expect(answer).toEqual({ status: 200, body: { queued: 1, ignored: 1 } });
    // HubSpot sends a batch again when it did not see the 200 in time: stored once.
    await sendSignedToBaton(webhooksUrl(), batch);

    const lead = await waitFor(() => leadByEmail("webhook@adatum.example"));
    expect(lead).toMatchObject({
      firstName: "Ada",
      companySize: 250,
      externalIds: { hubspot: id },
    });
    const reads = hubspot.current.requests.filter(
      (r) => r.method === "GET" && r.path === `/crm/v3/objects/contacts/${id}`,
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]!.query.getAll("properties").join(",")).toContain("jobtitle");
  });

  it("waits out a storm of 429s (Retry-After) and loses no contact", async () => {
    const ids = ["storm1", "storm2", "storm3", "storm4"].map((name) =>
      hubspot.current.addContact({ email: `${name}@tailspin.example`, firstname: name }),
    );
    hubspot.current.rateLimitNext(6, 1);
    const refusedBefore = hubspot.current.rateLimited();
    const answer = await sendSignedToBaton(
      webhooksUrl(),
      ids.map((id, i) => ({
        eventId: 100 + i,
        subscriptionType: "contact.creation",
        objectId: Number(id),
        occurredAt: Date.now(),
      })),
    );
    expect(answer.status).toBe(200);
    for (const name of ["storm1", "storm2", "storm3", "storm4"]) {
      await waitFor(() => leadByEmail(`${name}@tailspin.example`), 60_000);
    }
    expect(hubspot.current.rateLimited() - refusedBefore).toBe(6);
    const metrics = await (await fetch(`${app.current.url}/metrics`)).text();
    expect(metrics).toMatch(
      /baton_crm_requests_total\{[^}]*operation="read_contact"[^}]*outcome="rate_limited"[^}]*\} [1-9]/,
    );
  }, 90_000);

  it("skips a contact without an email, and one deleted since, without retrying them", async () => {
    const noEmail = hubspot.current.addContact({ firstname: "Anonymous" });
    const before = await database.current.prisma.lead.count();
    await sendSignedToBaton(webhooksUrl(), [
      { eventId: 700, subscriptionType: "contact.creation", objectId: Number(noEmail) },
      { eventId: 701, subscriptionType: "contact.creation", objectId: 99999999 },
    ]);
    const rows = await waitFor(async () => {
      const found = await database.current.prisma.outboxMessage.findMany({
        where: {
          kind: "hubspot.fetch",
          dedupeKey: { in: [`hubspot:contact:${noEmail}:700`, "hubspot:contact:99999999:701"] },
        },
        orderBy: { id: "asc" },
      });
      return found.every((r) => r.status === "DONE") && found.length === 2 ? found : undefined;
    });
    expect(rows.map((r) => r.result)).toEqual([
      { captured: false, skipped: "not a lead: properties.email missing or invalid" },
      { skipped: "the contact is no longer in HubSpot" },
    ]);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
    expect(await database.current.prisma.lead.count()).toBe(before);
  });

  it("refuses an unsigned batch (401) and queues nothing", async () => {
    const response = await fetch(webhooksUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ eventId: 9, subscriptionType: "contact.creation", objectId: 1 }]),
    });
    expect(response.status).toBe(401);
    const queued = await database.current.prisma.outboxMessage.count({
      where: { kind: "hubspot.fetch", dedupeKey: { endsWith: ":9" } },
    });
    expect(queued).toBe(0);
  });
});

describe("who is asking comes before what they sent", () => {
  const notJson = { "content-type": "text/plain" };

  it("answers an unauthenticated non-JSON request 401, not 415, on both HubSpot routes", async () => {
    for (const url of [workflowUrl(), webhooksUrl()]) {
      const anonymous = await fetch(url, { method: "POST", headers: notJson, body: "email=a@b.c" });
      const badToken = await fetch(url, {
        method: "POST",
        headers: { ...notJson, authorization: "Bearer not-a-baton-token-at-all-000000" },
        body: "email=a@b.c",
      });
      const forged = await fetch(url, {
        method: "POST",
        headers: {
          ...notJson,
          "x-hubspot-signature-v3": "Zm9yZ2Vk",
          "x-hubspot-request-timestamp": String(Date.now()),
        },
        body: "email=a@b.c",
      });
      expect([anonymous.status, badToken.status, forged.status]).toEqual([401, 401, 401]);
      expect(JSON.stringify(await anonymous.json())).not.toMatch(/JSON|Content-Type/i);
    }
  });

  it("tells an authenticated caller that sent no JSON to send JSON (415)", async () => {
    const response = await fetch(workflowUrl(), {
      method: "POST",
      headers: { ...notJson, authorization: `Bearer ${INTAKE_TOKEN}` },
      body: "email=a@b.c",
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({
      message: expect.stringContaining("Content-Type: application/json"),
    });
  });
});
