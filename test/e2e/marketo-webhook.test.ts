// A Marketo "Call Webhook" flow step posting to Baton's intake API with the payload template of
// docs/integrations/marketo.md, as Marketo sends it after token substitution: string tokens
// quoted by Marketo itself (JSON token encoding), integer tokens placed inside the template's
// own quotes (so a number arrives as a string), empty tokens as "", the custom headers the
// guide sets, and Marketo's own compact body. The lead is captured, scored and carded; a bad
// email comes back as the 400 Marketo shows in the lead's activity log.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { INTAKE_TOKEN, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));

/** The payload template, exactly as the guide gives it. */
const TEMPLATE = /```json marketo-template\n([\s\S]*?)```/.exec(
  readFileSync("docs/integrations/marketo.md", "utf8"),
)![1]!;

/**
 * Marketo's substitution with Request Token Encoding: JSON: a string token becomes a JSON
 * string (quotes added, special characters escaped); an integer token is inserted as its
 * digits; an empty token of either kind as nothing between quotes Marketo adds ("").
 */
function substitute(lead: Record<string, string | number | undefined>): string {
  return TEMPLATE.replace(/\{\{([^}]+)\}\}/g, (_, token: string) => {
    const value = lead[token];
    if (typeof value === "number") return String(value);
    if (INTEGER_TOKENS.has(token)) return value ?? "";
    return JSON.stringify(value ?? "");
  });
}
const INTEGER_TOKENS = new Set(["company.Number of Employees", "lead.Id"]);

async function callWebhook(body: string) {
  const response = await fetch(`${app.current.url}/api/v1/leads`, {
    method: "POST",
    // The custom headers the guide sets (Webhooks Actions → Set Custom Header).
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${INTAKE_TOKEN}`,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("a Marketo webhook", () => {
  it("captures, scores and cards the lead, with Marketo's empty and numeric tokens", async () => {
    const body = substitute({
      "lead.Email Address": "dana.whitfield@northwind-traders.example",
      "lead.First Name": "Dana",
      "lead.Last Name": undefined,
      "lead.Job Title": "VP Customer Experience",
      "company.Company Name": 'Northwind "Traders" & Co',
      "company.Number of Employees": 400,
      "company.Industry": "Retail",
      "lead.Country": "US",
      "lead.City": "",
      "lead.Phone Number": undefined,
      "company.Website": "",
      "lead.Lead Source": "Website",
      "program.Name": "Q4 Demo Requests",
      "lead.Id": 88123,
      "trigger.Name": "Request a Demo",
    });
    // What reaches Baton: numbers as strings, empty tokens as "".
    expect(body).toContain('"companySize": "400"');
    expect(body).toContain('"lastName": ""');
    expect(body).toContain('"website": ""');
    const answer = await callWebhook(body);
    expect(answer.status).toBe(201);
    const { lead } = answer.body as { lead: { id: string; qualified: boolean; score: number } };
    expect(lead.qualified).toBe(true);

    const stored = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: lead.id },
      include: { activities: true },
    });
    expect(stored).toMatchObject({
      email: "dana.whitfield@northwind-traders.example",
      firstName: "Dana",
      lastName: null,
      company: 'Northwind "Traders" & Co',
      companySize: 400,
      website: null,
      city: null,
      source: "Website",
      campaign: "Q4 Demo Requests",
      externalIds: { marketo: "88123" },
    });
    expect(stored.score).toBeGreaterThan(0);
    expect(stored.activities).toEqual([
      expect.objectContaining({ type: "demo_request", title: "Request a Demo" }),
    ]);
    const card = await fakeSlack.current.waitFor(
      () =>
        fakeSlack.current
          .visible("C0NAMIDMKT")
          .find((m) => JSON.stringify(m.blocks).includes(lead.id)),
      20_000,
    );
    expect(JSON.stringify(card.blocks)).toContain("Northwind");
  });

  it("answers a bad email 400 naming the field, which Marketo shows in the activity log", async () => {
    const before = await database.current.prisma.lead.count();
    const answer = await callWebhook(
      substitute({ "lead.Email Address": "not an email", "lead.Id": 88124 }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: "bad_request",
      issues: [expect.objectContaining({ path: "email" })],
    });
    expect(await database.current.prisma.lead.count()).toBe(before);
  });

  it("answers 415 when the Content-Type custom header was left out", async () => {
    const response = await fetch(`${app.current.url}/api/v1/leads`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: `Bearer ${INTAKE_TOKEN}`,
      },
      body: substitute({ "lead.Email Address": "form@encoded.example", "lead.Id": 88125 }),
    });
    expect(response.status).toBe(415);
  });
});
