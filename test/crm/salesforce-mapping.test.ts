// Salesforce's pieces that need no server: the Outbound Message parser (what Salesforce sends,
// and what is refused), the Lead mapping with the playbook's settings, what each lead fact
// writes back, and the SALESFORCE_* configuration's errors.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "#src/config.ts";
import { salesforceLeadToRequest } from "#src/crm/salesforce/lead-mapping.ts";
import { parseOutboundMessage } from "#src/crm/salesforce/outbound-message.ts";
import { soqlString } from "#src/crm/salesforce/salesforce-api.ts";
import { crmChangeOf, salesforceReasonOf } from "#src/outbox/subscribers.ts";
import { crmSchema } from "#src/playbook/crm-schema.ts";
import { outboundMessage, SALESFORCE_ORG_ID } from "#test/fakes/fake-salesforce.ts";

const settings = crmSchema.parse(undefined).salesforce;
const LEAD = "00Q5g00000AbCdEFGH";
const at = "notifications.Notification[0].sObject";

describe("parseOutboundMessage", () => {
  it("reads the org, each notification's id, and the Lead's fields (xsi:nil as no value)", () => {
    const parsed = parseOutboundMessage(
      outboundMessage([
        {
          id: "04l5g00000AbCdEAAA",
          fields: { Id: LEAD, Email: "a@contoso.example", Company: "A & B <Ltd>", Phone: null },
        },
      ]),
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        organizationId: SALESFORCE_ORG_ID,
        actionId: "04k5g000000GbtnAAC",
        notifications: [
          {
            id: "04l5g00000AbCdEAAA",
            type: "Lead",
            fields: { Id: LEAD, Email: "a@contoso.example", Company: "A & B <Ltd>", Phone: null },
          },
        ],
      },
    });
  });

  it("refuses a DOCTYPE (no entity expansion), more than 100 notifications, and a missing org", () => {
    const doctype = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${outboundMessage([{ id: "04l5g00000AbCdEAAA", fields: { Id: LEAD } }]).replace(/^<\?xml[^>]*>/, "")}`;
    expect(parseOutboundMessage(doctype)).toMatchObject({
      ok: false,
      issues: [{ path: "Envelope", message: expect.stringContaining("DOCTYPE") }],
    });
    const many = Array.from({ length: 101 }, (_, i) => ({
      id: `04l5g00000${String(i).padStart(5, "0")}AAA`,
      fields: { Id: LEAD },
    }));
    expect(parseOutboundMessage(outboundMessage(many))).toMatchObject({
      ok: false,
      issues: [
        { path: "notifications.Notification", message: "must have at most 100 notifications" },
      ],
    });
    const noOrg = outboundMessage([{ id: "04l5g00000AbCdEAAA", fields: { Id: LEAD } }]).replace(
      /<OrganizationId>.*<\/OrganizationId>/,
      "",
    );
    expect(parseOutboundMessage(noOrg)).toMatchObject({
      ok: false,
      issues: [{ path: "notifications.OrganizationId" }],
    });
    expect(parseOutboundMessage("<Envelope><Body/></Envelope>")).toMatchObject({
      ok: false,
      issues: [{ path: "Envelope.Body.notifications" }],
    });
  });
});

describe("salesforceLeadToRequest", () => {
  it("maps the standard Lead fields, converting what it can", () => {
    const mapped = salesforceLeadToRequest(
      {
        Id: LEAD,
        Email: "Wei.Chen@Fabrikam.example",
        LastName: "Chen",
        NumberOfEmployees: "1200",
        Country: "Germany",
        Website: "fabrikam.example",
        LeadSource: "Web",
        Rating: "Hot",
      },
      settings,
      at,
    );
    expect(mapped).toMatchObject({
      ok: true,
      request: {
        email: "wei.chen@fabrikam.example",
        lastName: "Chen",
        companySize: 1200,
        country: "DE",
        website: "https://fabrikam.example",
        source: "Web",
        externalIds: { salesforce: LEAD },
        attributes: { salesforceRating: "Hot" },
        activities: [],
      },
    });
  });

  it("follows the playbook's mapping and keeps its extra fields as attributes", () => {
    const custom = crmSchema.parse({
      salesforce: {
        fields: { email: "Work_Email__c", campaign: "Campaign__c" },
        attributes: ["Persona__c"],
      },
    }).salesforce;
    const mapped = salesforceLeadToRequest(
      {
        Id: LEAD,
        Email: "x@y.example",
        Work_Email__c: "work@y.example",
        Campaign__c: "Q4 ABM",
        Persona__c: "Buyer",
      },
      custom,
      at,
    );
    expect(mapped).toMatchObject({
      ok: true,
      request: { email: "work@y.example", campaign: "Q4 ABM", attributes: { Persona__c: "Buyer" } },
    });
  });

  it("keeps a value Baton cannot read as an attribute, and refuses only what makes a lead", () => {
    const odd = salesforceLeadToRequest(
      { Id: LEAD, Email: "ok@contoso.example", NumberOfEmployees: "lots" },
      settings,
      at,
    );
    expect(odd).toMatchObject({ ok: true, request: { attributes: { NumberOfEmployees: "lots" } } });
    expect(salesforceLeadToRequest({ Id: LEAD, Email: "nope" }, settings, at)).toMatchObject({
      ok: false,
      issues: [{ path: `${at}.Email` }],
    });
    expect(salesforceLeadToRequest({ Email: "a@b.example" }, settings, at)).toMatchObject({
      ok: false,
      issues: [{ path: `${at}.Id` }],
    });
  });
});

describe("what a lead fact writes to Salesforce", () => {
  const base = { leadId: "L1", number: 1, teamKey: "t", at: "2026-11-20T10:00:00.000Z" };
  it("an owner on claims, a status and a reason on decisions", () => {
    expect(crmChangeOf({ ...base, type: "claimed", by: "U1" })).toEqual({
      owner: "U1",
      status: "claimed",
    });
    const disqualified = {
      ...base,
      type: "disqualified" as const,
      actor: { person: "U1", as: "owner" as const },
      reasonKey: "no-budget",
      reason: "No budget",
      note: "frozen until Q3",
    };
    expect(crmChangeOf(disqualified)).toEqual({ status: "disqualified" });
    expect(salesforceReasonOf(disqualified)).toBe(
      "Disqualified in Baton: No budget. frozen until Q3",
    );
    expect(salesforceReasonOf({ ...disqualified, note: "x".repeat(400) })).toHaveLength(255);
  });
});

describe("SALESFORCE_* configuration", () => {
  const slack = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_APP_TOKEN: "xapp-1-A1-xyz" };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...slack, ...env });
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it("picks the flow the credentials fit", () => {
    const my = "https://acme.my.salesforce.com";
    expect(
      loadConfig({
        ...slack,
        SALESFORCE_CLIENT_ID: "id",
        SALESFORCE_CLIENT_SECRET: "s",
        SALESFORCE_LOGIN_URL: my,
      }).salesforce.auth,
    ).toEqual({ flow: "client_credentials", clientId: "id", clientSecret: "s" });
    expect(
      loadConfig({ ...slack, SALESFORCE_CLIENT_ID: "id", SALESFORCE_REFRESH_TOKEN: "r" }).salesforce
        .auth,
    ).toMatchObject({ flow: "refresh_token", refreshToken: "r" });
    expect(loadConfig(slack).salesforce).toMatchObject({
      auth: undefined,
      loginUrl: "https://login.salesforce.com",
      apiVersion: "62.0",
    });
  });

  it("names the variable that is missing or wrong, and never shows a password", () => {
    expect(
      problems({ SALESFORCE_CLIENT_ID: "id", SALESFORCE_USERNAME: "baton@acme.example" }),
    ).toEqual([
      expect.stringMatching(/^SALESFORCE_CLIENT_SECRET is required for the password flow/),
      expect.stringMatching(/^SALESFORCE_PASSWORD is required when SALESFORCE_AUTH_FLOW=password/),
    ]);
    expect(problems({ SALESFORCE_CLIENT_ID: "id", SALESFORCE_CLIENT_SECRET: "s" })).toEqual([
      expect.stringMatching(
        /^SALESFORCE_LOGIN_URL must be your org's My Domain URL for the client_credentials flow/,
      ),
    ]);
    expect(problems({ SALESFORCE_PASSWORD: "hunter2token" })).toEqual([]);
    expect(problems({ SALESFORCE_USERNAME: "u", SALESFORCE_PASSWORD: "hunter2token" })[0]).toMatch(
      /^SALESFORCE_CLIENT_ID is required with SALESFORCE_USERNAME/,
    );
    expect(problems({ SALESFORCE_ORGANIZATION_ID: "acme" })[0]).toMatch(
      /^SALESFORCE_ORGANIZATION_ID must be your Salesforce org's id \(00D/,
    );
  });
});

describe("soqlString", () => {
  it("escapes quotes and backslashes so an email cannot change the query", () => {
    expect(soqlString("o'brien\\@x.example")).toBe("o\\'brien\\\\@x.example");
  });
});

describe("crm.<crm>.ownerMatchingWait", () => {
  it("is 2 s by default, takes a duration from 1s to 30s, and names the fix otherwise", () => {
    const parsed = crmSchema.parse({ salesforce: { ownerMatchingWait: "5s" } });
    expect(parsed.salesforce.ownerMatchingWait).toBe(5_000);
    expect(parsed.hubspot.ownerMatchingWait).toBe(2_000);
    for (const wait of ["500ms", "2m", 3, ""]) {
      const result = crmSchema.safeParse({ hubspot: { ownerMatchingWait: wait } });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(
        'must be a duration from "1s" to "30s", e.g. "2s"',
      );
    }
  });
});
