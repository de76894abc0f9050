// Security at the edges (#7): forged and stale Slack signatures are refused before any listener
// runs, intake tokens are required, injection through lead fields pings and links nothing, and
// across intake, Slack actions and error paths no secret, email or phone number is logged.
import { describe, expect, it } from "vitest";
import { ACTIONS } from "#src/slack/ids.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { buildButtonAction, createSlackRequester, signature } from "#test/fakes/slack-requests.ts";
import { BOT_TOKEN, findLeak, INTAKE_TOKEN, SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const logLines: string[] = [];
const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  logLines,
}));

const EMAILS = ["ceo@injection.example", "ops@injection.example"];
const PHONES = ["+1 415 555 0134", "(415) 555-0199"];

const lead = {
  email: EMAILS[0],
  name: "<!channel> *bold* @here",
  title: "<http://evil.example|click>",
  company: "<@U0REPMIKE1> _it_ ~strike~ `code`",
  city: "<!subteam^S123>",
  phone: PHONES[0],
  country: "US",
  companySize: 300,
  source: "<!everyone>",
  campaign: "<https://evil.example>",
  activities: [
    { type: "demo_request", occurredAt: "2026-11-20T15:00:00Z", title: "<!here> <#C0SECRET01>" },
  ],
};

async function postLead(body: unknown, token = INTAKE_TOKEN): Promise<Response> {
  return fetch(`${app.current.url}/api/v1/leads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("Slack request signatures", () => {
  const url = () => `${app.current.url}/slack/events`;
  const body = () =>
    new URLSearchParams({
      payload: JSON.stringify(
        buildButtonAction({
          actionId: ACTIONS.claim,
          value: "00000000-0000-4000-8000-000000000000",
          userId: "U0REPMIKE1",
          responseUrl: fakeSlack.current.responseUrl(),
        }),
      ),
    }).toString();

  it("refuses a forged signature, a stale timestamp and a missing signature with 401", async () => {
    const requester = createSlackRequester({ url: url(), signingSecret: SIGNING_SECRET });
    const now = Math.floor(Date.now() / 1000);
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const b = body();
    const forged = await requester.raw(b, {
      ...form,
      "x-slack-request-timestamp": String(now),
      "x-slack-signature": signature("not-the-secret-0000000000000000", now, b),
    });
    const stale = await requester.raw(b, { ...form, ...requester.sign(b, now - 60 * 6) });
    const missing = await requester.raw(b, form);
    const tampered = await requester.raw(`${b}&x=1`, { ...form, ...requester.sign(b, now) });
    expect([forged.status, stale.status, missing.status, tampered.status]).toEqual([
      401, 401, 401, 401,
    ]);
    expect(fakeSlack.current.responses).toHaveLength(0);
  });
});

describe("intake tokens", () => {
  it("refuses a missing, wrong or differently-cased scheme token with 401 and writes nothing", async () => {
    const before = await database.current.prisma.lead.count();
    const none = await fetch(`${app.current.url}/api/v1/leads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(lead),
    });
    const wrong = await postLead(lead, `${INTAKE_TOKEN}x`);
    const basic = await fetch(`${app.current.url}/api/v1/leads`, {
      method: "POST",
      headers: { authorization: `Basic ${INTAKE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(lead),
    });
    expect([none.status, wrong.status, basic.status]).toEqual([401, 401, 401]);
    expect(await database.current.prisma.lead.count()).toBe(before);
  });
});

describe("injection through lead fields", () => {
  it("reaches the card escaped: nothing pings, nothing links", async () => {
    const response = await postLead(lead);
    expect(response.status).toBe(201);
    const { lead: created } = (await response.json()) as { lead: { id: string } };
    app.current.outbox.wake();
    const card = await fakeSlack.current.waitFor(
      () =>
        fakeSlack.current
          .visible("C0NAMIDMKT")
          .find((m) => JSON.stringify(m.blocks).includes(created.id)),
      20_000,
    );
    const text = JSON.stringify(card.blocks) + String(card.text ?? "");
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toMatch(
      /<!channel>|<!here>|<!everyone>|<!subteam|<http:\/\/evil|<https:\/\/evil|<@U0REPMIKE1>|<#C0SECRET01>/,
    );
  });
});

describe("log output", () => {
  it("holds no token, signing secret, email or phone number after intake, Slack requests and errors", async () => {
    // An error path with personal data in it: a bad request that echoes nothing back.
    await postLead({ ...lead, email: EMAILS[1], phone: PHONES[1], companySize: "many" });
    await postLead({ ...lead, email: EMAILS[1], phone: PHONES[1] }, "wrong-token");
    const requester = createSlackRequester({
      url: `${app.current.url}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });
    await requester.interaction(
      buildButtonAction({
        actionId: ACTIONS.claim,
        value: "not-a-lead-id",
        userId: "U0REPMIKE1",
        responseUrl: fakeSlack.current.responseUrl(),
      }),
    );
    const all = logLines.join("");
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [
      BOT_TOKEN,
      SIGNING_SECRET,
      INTAKE_TOKEN,
      "wrong-token",
      ...EMAILS,
      ...PHONES,
    ]) {
      expect(all, `log output contains ${secret.slice(0, 4)}...`).not.toContain(secret);
    }
    expect(all).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
  });

  it("is scanned for every test app in the suite, and the scan catches each kind of leak", () => {
    expect(findLeak(`{"msg":"posted","token":"${BOT_TOKEN}"}`)).toBeDefined();
    expect(findLeak('{"msg":"lead ana@acme.example captured"}')).toBeDefined();
    expect(findLeak('{"msg":"call +1 415 555 0134"}')).toBeDefined();
    expect(findLeak('{"msg":"card posted","ts":"1732291200.123456"}')).toBeUndefined();
  });
});
