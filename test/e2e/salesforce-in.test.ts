// Salesforce in, through the running app: an Outbound Message on the Lead object becomes leads
// (and cards in Slack) through the intake's capture, acknowledged only once stored; a retried
// or out-of-date notification changes nothing; another org's message is refused (401), a
// malformed one gets a SOAP fault naming the field (400), and neither writes anything; a Lead
// converted in Salesforce converts its lead with the opportunity's amount.
import { describe, expect, it } from "vitest";
import {
  outboundMessage,
  SALESFORCE_CLIENT_ID,
  SALESFORCE_CLIENT_SECRET,
  SALESFORCE_ORG_ID,
  sendOutboundMessage,
  useFakeSalesforce,
} from "#test/fakes/fake-salesforce.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const salesforce = useFakeSalesforce();
const database = useTestDatabase();
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  env: {
    SALESFORCE_ORGANIZATION_ID: SALESFORCE_ORG_ID,
    SALESFORCE_LOGIN_URL: salesforce.current.url,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_CLIENT_SECRET,
  },
}));

const ACK =
  '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body>';

const send = (xml: string) =>
  sendOutboundMessage(`${app.current.url}/api/v1/crm/salesforce/outbound`, xml);

function leadByEmail(email: string) {
  return database.current.prisma.lead.findUnique({
    where: { email },
    include: { activities: true },
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

let notification = 0;
const notificationId = () => `04l5g00000${String(++notification).padStart(5, "0")}AAA`;
let record = 0;
const leadId = () => `00Q5g00000${String(++record).padStart(5, "0")}XYZ`;

describe("a Salesforce Outbound Message on Lead", () => {
  it("becomes leads with their fields mapped, a card in the team's channel, and then the Ack", async () => {
    const maria = leadId();
    const created = "2026-11-20T15:00:00.000Z";
    const response = await send(
      outboundMessage([
        {
          id: notificationId(),
          fields: {
            Id: maria,
            FirstName: "Maria",
            LastName: "<!channel> Lopez",
            Email: "Maria.Lopez@Contoso-Retail.example",
            Title: "Director, Contact Center",
            Company: "Contoso Retail & Co",
            NumberOfEmployees: 250,
            Country: "United States",
            Phone: "+1 415 555 0100",
            LeadSource: "Contact Sales",
            Status: "Open - Not Contacted",
            Description: "Wants a demo for 40 agents",
            Website: null,
            CreatedDate: created,
            LastModifiedDate: created,
          },
        },
        {
          id: notificationId(),
          fields: {
            Id: leadId(),
            LastName: "Chen",
            Email: "wei.chen@fabrikam.example",
            Company: "Fabrikam",
          },
        },
      ]),
    );
    expect(response.status).toBe(200);
    expect(response.body).toContain(ACK);

    const lead = await leadByEmail("maria.lopez@contoso-retail.example");
    expect(lead).toMatchObject({
      firstName: "Maria",
      title: "Director, Contact Center",
      company: "Contoso Retail & Co",
      companySize: 250,
      country: "US",
      phone: "+1 415 555 0100",
      source: "Contact Sales",
      externalIds: { salesforce: maria },
      attributes: {
        salesforceStatus: "Open - Not Contacted",
        salesforceDescription: "Wants a demo for 40 agents",
      },
    });
    expect(lead?.activities).toEqual([
      expect.objectContaining({
        type: "demo_request",
        occurredAt: new Date(created),
        externalId: `salesforce:${maria}:source`,
      }),
    ]);
    expect(await leadByEmail("wei.chen@fabrikam.example")).toMatchObject({ company: "Fabrikam" });

    app.current.outbox.wake();
    const card = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("C0NAMIDMKT")
        .map((m) => JSON.stringify(m.blocks))
        .find((text) => text.includes(lead!.id)),
    );
    expect(card).toContain("Contoso Retail &amp; Co");
    expect(card).toContain("&lt;!channel&gt; Lopez");
    expect(card).not.toContain("<!channel>");
  });

  it("a notification Salesforce sends again changes nothing, even with newer data", async () => {
    const id = notificationId();
    const lead = leadId();
    const fields = {
      Id: lead,
      Email: "retry@northwind.example",
      Company: "Northwind",
      Title: "VP Sales",
      LeadSource: "Demo request",
      CreatedDate: "2026-11-21T10:00:00.000Z",
    };
    const first = await send(outboundMessage([{ id, fields }]));
    const again = await send(outboundMessage([{ id, fields: { ...fields, Title: "CEO" } }]));
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toContain(ACK);
    const stored = await leadByEmail("retry@northwind.example");
    expect(stored?.title).toBe("VP Sales");
    expect(stored?.activities).toHaveLength(1);
    // The lead's own hand-off (in the background) adds its events; count after it.
    await waitFor(async () => {
      const waiting = await database.current.prisma.outboxMessage.count({
        where: {
          kind: "lead.handoff",
          status: "PENDING",
          payload: { path: ["leadId"], equals: stored!.id },
        },
      });
      return waiting === 0;
    });
    const events = await database.current.prisma.leadEvent.count({
      where: { leadId: stored!.id },
    });
    // A third delivery, out of order with nothing between: still the same lead, same events.
    await send(outboundMessage([{ id, fields }]));
    expect(await database.current.prisma.leadEvent.count({ where: { leadId: stored!.id } })).toBe(
      events,
    );
  });

  it("an older version of a Lead arriving after a newer one changes nothing", async () => {
    const lead = leadId();
    const base = { Id: lead, Email: "order@tailspin.example", Company: "Tailspin" };
    const newer = { ...base, Title: "CTO", LastModifiedDate: "2026-11-22T12:00:00.000Z" };
    const older = { ...base, Title: "Engineer", LastModifiedDate: "2026-11-22T09:00:00.000Z" };
    expect((await send(outboundMessage([{ id: notificationId(), fields: newer }]))).status).toBe(
      200,
    );
    const late = await send(outboundMessage([{ id: notificationId(), fields: older }]));
    expect(late.status).toBe(200);
    expect(late.body).toContain(ACK);
    expect((await leadByEmail("order@tailspin.example"))?.title).toBe("CTO");
  });

  it("refuses another org's message with 401 and writes nothing", async () => {
    const response = await send(
      outboundMessage(
        [{ id: notificationId(), fields: { Id: leadId(), Email: "intruder@evil.example" } }],
        { organizationId: "00D000000000001EAA" },
      ),
    );
    expect(response.status).toBe(401);
    expect(response.body).toContain("<faultcode>soapenv:Client</faultcode>");
    expect(response.body).toContain("SALESFORCE_ORGANIZATION_ID");
    expect(await leadByEmail("intruder@evil.example")).toBeNull();
  });

  it("answers a SOAP fault naming the field when one Lead is bad, and writes none of them", async () => {
    const response = await send(
      outboundMessage([
        { id: notificationId(), fields: { Id: leadId(), Email: "good@adatum.example" } },
        { id: notificationId(), fields: { Id: leadId(), Email: "not an email" } },
        { id: notificationId(), fields: { Id: leadId(), LastName: "NoEmail" } },
      ]),
    );
    expect(response.status).toBe(400);
    expect(response.body).toContain("<faultcode>soapenv:Client</faultcode>");
    expect(response.body).toContain("notifications.Notification[1].sObject.Email");
    expect(response.body).toContain(
      "notifications.Notification[2].sObject.Email is required: the Lead&apos;s email address",
    );
    expect(await leadByEmail("good@adatum.example")).toBeNull();
  });

  it("answers a fault for a broken envelope, a message that is not SOAP, and an sObject that is not a Lead", async () => {
    const broken = await send("<soapenv:Envelope><soapenv:Body></soapenv:Envelope>");
    expect(broken.status).toBe(400);
    expect(broken.body).toContain("is not well-formed XML");

    const json = await fetch(`${app.current.url}/api/v1/crm/salesforce/outbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    expect(await json.text()).toContain("Content-Type: text/xml");

    const contact = await send(
      outboundMessage([
        {
          id: notificationId(),
          type: "Contact",
          fields: { Id: "0035g00000AbCdEAAA", Email: "c@contoso.example" },
        },
      ]),
    );
    expect(contact.status).toBe(400);
    expect(contact.body).toContain("must be a Lead");
    expect(await leadByEmail("c@contoso.example")).toBeNull();

    const noId = await send(
      outboundMessage([{ id: "bad", fields: { Id: leadId(), Email: "noid@contoso.example" } }]),
    );
    expect(noId.status).toBe(400);
    expect(noId.body).toContain("notifications.Notification[0].Id");
  });
});

describe("a Lead converted in Salesforce", () => {
  it("marks the lead converted with its opportunity's amount, and the card says where", async () => {
    const id = salesforce.current.addLead({ Email: "won@litware.example", Company: "Litware" });
    const fields = {
      Id: id,
      Email: "won@litware.example",
      Company: "Litware",
      Title: "Head of Support",
      NumberOfEmployees: 400,
      Country: "US",
      LeadSource: "Contact sales",
      CreatedDate: "2026-11-23T10:00:00.000Z",
    };
    expect((await send(outboundMessage([{ id: notificationId(), fields }]))).status).toBe(200);
    const lead = await leadByEmail("won@litware.example");
    app.current.outbox.wake();
    await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("C0NAMIDMKT")
        .find((m) => JSON.stringify(m.blocks).includes(lead!.id)),
    );

    const opportunity = salesforce.current.convertLead(id, 18250);
    const converted = await send(
      outboundMessage([
        {
          id: notificationId(),
          fields: {
            ...fields,
            IsConverted: true,
            ConvertedOpportunityId: opportunity,
            LastModifiedDate: new Date().toISOString(),
          },
        },
      ]),
    );
    expect(converted.status).toBe(200);
    const done = await waitFor(async () => {
      const found = await leadByEmail("won@litware.example");
      return found?.status === "CONVERTED" ? found : undefined;
    });
    expect(done.opportunityAmount?.toString()).toBe("18250");
    expect(done.opportunityId).toBe(opportunity);
    const { ts } = await database.current.prisma.slackMessage.findFirstOrThrow({
      where: { leadId: lead!.id, kind: "card" },
    });
    const card = await waitFor(async () =>
      fakeSlack.current
        .visible("C0NAMIDMKT")
        .filter((m) => m.ts === ts)
        .map((m) => JSON.stringify(m.blocks))
        .find((t) => t.includes("*Converted*")),
    );
    expect(card).toContain("converted in Salesforce");
    expect(card).toContain("amount 18,250.00");
  });
});
