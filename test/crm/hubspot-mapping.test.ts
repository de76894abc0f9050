// The HubSpot contact → lead mapping, its playbook settings, and the v3 signature, checked
// against the official client's own computation.
import { Signature } from "@hubspot/api-client";
import { describe, expect, it } from "vitest";
import { contactToLead, propertiesToRead } from "#src/crm/hubspot/contact-mapping.ts";
import { contactFromWorkflow } from "#src/crm/hubspot/payloads.ts";
import { checkHubSpotSignature, signHubSpotRequest } from "#src/crm/hubspot/signature.ts";
import { crmChangeOf } from "#src/outbox/subscribers.ts";
import { crmSchema } from "#src/playbook/crm-schema.ts";

const defaults = crmSchema.parse(undefined).hubspot;

describe("contactToLead", () => {
  it("maps HubSpot's standard properties, bands and conversions", () => {
    const mapped = contactToLead(
      {
        id: "42",
        properties: {
          email: "ANA@Example.com",
          firstname: "Ana",
          numemployees: "25-50",
          country: "Deutschland",
          hs_analytics_source: "PAID_SOCIAL",
          hs_analytics_source_data_1: "Q4 launch",
          recent_conversion_event_name: "Ebook: CX trends",
          recent_conversion_date: "2026-11-02T09:00:00Z",
          first_conversion_event_name: "Talk to Sales form",
          first_conversion_date: "1761900000000",
        },
      },
      defaults,
    );
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.request).toMatchObject({
      email: "ana@example.com",
      firstName: "Ana",
      companySize: 25,
      country: "DE",
      source: "Paid social",
      campaign: "Q4 launch",
      externalIds: { hubspot: "42" },
    });
    expect(mapped.request.activities?.map((a) => a.type)).toEqual(["form_submit", "demo_request"]);
  });

  it("follows the playbook's mapping, and keeps an unreadable optional value as an attribute", () => {
    const settings = crmSchema.parse({
      hubspot: { fields: { title: "custom_role", email: "work_email" }, attributes: ["persona"] },
    }).hubspot;
    expect(propertiesToRead(settings)).toEqual(
      expect.arrayContaining(["custom_role", "work_email", "persona", "lifecyclestage"]),
    );
    const mapped = contactToLead(
      {
        id: "7",
        properties: {
          work_email: "bo@example.org",
          custom_role: "Head of Support",
          jobtitle: "ignored",
          numemployees: "about fifty",
          persona: "Decision maker",
        },
      },
      settings,
    );
    expect(mapped).toMatchObject({
      ok: true,
      request: {
        email: "bo@example.org",
        title: "Head of Support",
        attributes: { numemployees: "about fifty", persona: "Decision maker" },
      },
    });
  });

  it("refuses a contact without a valid email, naming the HubSpot property", () => {
    expect(contactToLead({ id: "1", properties: { email: "nope" } }, defaults)).toMatchObject({
      ok: false,
      issues: [{ path: "properties.email" }],
    });
  });
});

describe("the playbook's crm.hubspot block", () => {
  it("names a wrong lead field or property", () => {
    const bad = crmSchema.safeParse({
      hubspot: { fields: { titel: "jobtitle", title: "Job Title" } },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hubspot\.fields.*titel/),
        expect.stringMatching(
          /^hubspot\.fields\.title: must be a HubSpot property's internal name/,
        ),
      ]),
    );
  });
});

describe("contactFromWorkflow", () => {
  it("reads the flat shape of a customized body", () => {
    expect(
      contactFromWorkflow({ hs_object_id: "99", email: "flat@example.com", numemployees: 80 }),
    ).toEqual({
      ok: true,
      value: { id: "99", properties: { email: "flat@example.com", numemployees: "80" } },
    });
  });
});

describe("HubSpot's v3 signature", () => {
  const secret = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  const request = {
    method: "POST",
    uri: "https://baton.example.com/api/v1/crm/hubspot/webhooks?portal=1",
    body: '[{"eventId":1}]',
    timestamp: "1764860000000",
  };

  it("is the official client's computation", () => {
    const official = Signature.getSignature("POST", "v3", {
      clientSecret: secret,
      requestBody: request.body,
      url: request.uri,
      timestamp: Number(request.timestamp),
    } as never);
    expect(signHubSpotRequest(secret, request)).toBe(official);
  });

  it("checks the signature, the timestamp's age, and decodes the URI as HubSpot does", () => {
    const now = new Date(Number(request.timestamp) + 60_000);
    const signature = signHubSpotRequest(secret, request);
    expect(checkHubSpotSignature(secret, { ...request, signature }, now)).toEqual({ valid: true });
    const encoded = { ...request, uri: request.uri.replace("?", "%3F"), signature };
    expect(checkHubSpotSignature(secret, encoded, now)).toEqual({ valid: true });
    expect(
      checkHubSpotSignature(
        secret,
        { ...request, signature },
        new Date(now.getTime() + 5 * 60_000),
      ),
    ).toEqual({ valid: false, reason: "stale" });
    expect(checkHubSpotSignature(secret, { ...request, body: "[]", signature }, now)).toEqual({
      valid: false,
      reason: "mismatch",
    });
    expect(checkHubSpotSignature(secret, { ...request, signature: "short" }, now)).toEqual({
      valid: false,
      reason: "mismatch",
    });
  });
});

describe("what a lead fact changes in HubSpot", () => {
  const base = { leadId: "L", number: 1, teamKey: "t", at: "2026-11-20T15:00:00.000Z" };
  it("owners on claim, offer to one rep and reassignment; statuses on decisions; nothing it heard from HubSpot", () => {
    expect(crmChangeOf({ ...base, type: "claimed", by: "U1" })).toEqual({
      owner: "U1",
      status: "claimed",
    });
    expect(
      crmChangeOf({
        ...base,
        type: "offered",
        team: "t",
        rep: "U2",
        channel: null,
        routing: "rr",
        cycle: 1,
        reopened: false,
      }),
    ).toEqual({ owner: "U2" });
    expect(crmChangeOf({ ...base, type: "reassigned", by: "M", from: "U1", to: "U3" })).toEqual({
      owner: "U3",
    });
    expect(
      crmChangeOf({
        ...base,
        type: "released",
        actor: { system: "sla" },
        owner: "U1",
        reason: "x",
      }),
    ).toEqual({ status: "released" });
    const converted = {
      ...base,
      type: "converted" as const,
      amount: null,
      opportunityId: null,
      note: null,
    };
    expect(crmChangeOf({ ...converted, actor: { person: "U1", as: "owner" } })).toEqual({
      status: "converted",
    });
    expect(crmChangeOf({ ...converted, actor: { system: "crm" } })).toBeUndefined();
    expect(
      crmChangeOf({ ...base, type: "touched", by: "U1", kind: "call", touch: 1 }),
    ).toBeUndefined();
  });

  it("writes a released status only when the playbook maps one", () => {
    expect(defaults.leadStatus).not.toHaveProperty("released");
    expect(
      crmSchema.parse({ hubspot: { leadStatus: { released: "OPEN" } } }).hubspot.leadStatus,
    ).toEqual({
      released: "OPEN",
      disqualified: "UNQUALIFIED",
      nurtured: "BAD_TIMING",
      converted: "OPEN_DEAL",
    });
  });
});
