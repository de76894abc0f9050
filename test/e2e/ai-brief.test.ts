// The AI brief end to end against a fake OpenAI server: the card goes out at once with the
// deterministic brief and is updated with the model's brief when it answers in time; a slow,
// failing or nonsensical model leaves the deterministic brief; nothing personal reaches the
// model and nothing the model says pings anyone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBrief, leadFacts } from "#src/ai/brief.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { type FakeOpenAI, startFakeOpenAI } from "#test/fakes/fake-openai.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

let openai: FakeOpenAI;
beforeAll(async () => {
  openai = await startFakeOpenAI();
});
afterAll(() => openai.close());

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const logLines: string[] = [];
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  logLines,
  env: {
    OPENAI_API_KEY: "sk-test-brief-0123456789",
    OPENAI_BASE_URL: openai.url,
    OPENAI_TIMEOUT_MS: "2000",
  },
}));

const GOOD = JSON.stringify({
  lines: [
    "Call-center director at Acme, 300 seats: the size that buys most.",
    "Asked for a demo today after two pricing-page visits.",
    "Met Bob at the CCW booth <!channel> about routing.",
  ],
  opener:
    "Hi Dana, Bob mentioned routing at CCW <https://evil.example|click>; shall we look at it?",
});

let n = 0;
async function handedOff() {
  n += 1;
  const { deps } = app.current;
  const now = new Date();
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email: `dana${n}@acme.example`,
      phone: "+1 415 555 0134",
      firstName: "Dana",
      company: "Acme",
      country: "US",
      companySize: 300,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
    scoring: deps.playbook.current.scoring,
    accountMatching: false,
    actor: { type: "API" },
    now,
  });
  await handOffLead({
    db: database.current,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    now,
  });
  app.current.outbox.wake();
  const { number } = await database.current.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
  });
  return { leadId, number };
}

const cardText = (number: number) =>
  fakeSlack.current
    .visible("C0NAMIDMKT")
    .filter((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(`L-${number}`))
    .map((m) => JSON.stringify(m.blocks))[0];

async function briefSettled(leadId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await database.current.prisma.outboxMessage.findFirst({
      where: { kind: "lead.brief", orderingKey: `brief:${leadId}`, status: "DONE" },
    });
    if (row || Date.now() > deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("AI brief", () => {
  it("is added to the card when the model answers, escaped, without personal data sent", async () => {
    openai.respondWith(GOOD);
    const { leadId, number } = await handedOff();
    const text = await fakeSlack.current.waitFor(() => {
      const found = cardText(number);
      return found?.includes("AI brief") ? found : undefined;
    });
    expect(text).toContain("Asked for a demo today after two pricing-page visits.");
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<https://evil.example|click>");
    const sent = JSON.stringify(openai.requests.at(-1)?.body);
    expect(sent).toContain("Dana");
    expect(sent).not.toContain(`dana${n}@acme.example`);
    expect(sent).not.toContain("555");
    const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    expect(lead.aiBrief).toMatchObject({ opener: expect.stringContaining("Bob mentioned") });
  });

  it.each([
    ["is slower than OPENAI_TIMEOUT_MS", () => openai.delay(6000), "timeout"],
    ["answers 500", () => openai.fail(500), "error"],
    [
      "answers something that is not the brief",
      () => openai.respondWith("Sure! Here you go."),
      "bad_output",
    ],
  ])("keeps the deterministic brief when the model %s", async (_name, fault, reason) => {
    openai.delay(0);
    openai.respondWith(GOOD);
    fault();
    const { leadId, number } = await handedOff();
    const done = await briefSettled(leadId);
    expect(done?.result).toMatchObject({ skipped: reason });
    openai.delay(0);
    const text = await fakeSlack.current.waitFor(() => cardText(number));
    expect(text).toContain(":memo: *Brief*");
    expect(text).not.toContain("AI brief");
    const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    expect(lead.aiBrief).toBeNull();
  });

  it("tells the model the rep has a booking link, never the link itself", () => {
    const view = {
      id: "x",
      number: 1,
      email: "dana@acme.example",
      firstName: "Dana",
      status: "CLAIMED" as const,
      score: 60,
      teamMode: "claim" as const,
      activities: [],
    };
    const url = "https://calendly.com/priya_sharma/30min";
    expect(leadFacts({ ...view, bookingUrl: url }, new Date())).toMatchObject({
      hasBookingLink: true,
    });
    expect(JSON.stringify(leadFacts({ ...view, bookingUrl: url }, new Date()))).not.toContain(
      "calendly",
    );
    expect(leadFacts(view, new Date())).not.toHaveProperty("hasBookingLink", true);
  });

  it("is not asked for without OPENAI_API_KEY", async () => {
    const before = openai.requests.length;
    const outcome = await generateBrief(
      { model: "gpt-4o-mini", timeoutMs: 500, baseUrl: openai.url },
      {
        id: "x",
        number: 1,
        email: "a@b.example",
        status: "OFFERED",
        score: 0,
        teamMode: "claim",
        activities: [],
      },
      new Date(),
    );
    expect(outcome).toEqual({ ok: false, reason: "no_key" });
    expect(openai.requests.length).toBe(before);
  });

  it("never logs the OpenAI key", () => {
    expect(logLines.join("\n")).not.toContain("sk-test-brief-0123456789");
  });
});
