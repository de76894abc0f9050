// Converted and Release over signed requests: who may, what the modal refuses, what the card,
// the team channel, marketing and the CRM webhook show afterwards.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { ACTIONS, VIEWS } from "#src/slack/ids.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import {
  buildButtonAction,
  buildViewSubmission,
  createSlackRequester,
} from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const WEBHOOK_SECRET = "whsec-outcomes-test-0123456789";
const received: { event: string; data: Record<string, unknown>; signed: boolean }[] = [];
let receiver: Server;
let receiverUrl = "";
beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const [t, v1] = String(req.headers["x-baton-signature"] ?? "")
      .split(",")
      .map((part) => part.split("=")[1]);
    const expected = createHmac("sha256", WEBHOOK_SECRET).update(`${t}.${body}`).digest("hex");
    const parsed = JSON.parse(body) as { event: string; data: Record<string, unknown> };
    received.push({ ...parsed, signed: v1 === expected });
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  env: { WEBHOOK_URLS: receiverUrl, WEBHOOK_SECRET },
}));
const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

/** A qualified lead handed to its team; claimed by `owner` unless it is undefined. */
async function lead(email: string, where: { country: string; region?: string; size: number }) {
  const { deps } = app.current;
  const now = new Date();
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email,
      firstName: "Pat",
      lastName: "<!channel>",
      country: where.country,
      region: where.region,
      companySize: where.size,
      source: "Trade show",
      campaign: "CCW",
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
  return leadId;
}

async function claimed(email: string, owner: string, where = { country: "US", size: 150 }) {
  const leadId = await lead(email, where);
  const { deps } = app.current;
  await claimLead({
    db: database.current,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    userId: owner,
    now: new Date(),
  });
  return leadId;
}

const click = async (actionId: string, leadId: string, userId: string) => {
  const responseUrl = fakeSlack.current.responseUrl();
  const ack = await slack().interaction(
    buildButtonAction({ actionId, value: leadId, userId, responseUrl }),
  );
  expect(ack.status).toBe(200);
  return responseUrl;
};

const ephemeralAt = (url: string) =>
  fakeSlack.current.waitFor(() =>
    fakeSlack.current.responses.find((r) => url.endsWith(`/${r.id}`)),
  );

const submitConverted = (leadId: string, userId: string, amount?: string, crm?: string) =>
  slack().interaction(
    buildViewSubmission({
      callbackId: VIEWS.converted,
      userId,
      privateMetadata: JSON.stringify({ leadId, channelId: "C0NAMIDMKT" }),
      values: {
        amount: { amount_input: { type: "plain_text_input", value: amount ?? null } },
        opportunity: { opportunity_input: { type: "plain_text_input", value: crm ?? null } },
        note: { note_input: { type: "plain_text_input", value: null } },
      },
    }),
  );

const submitRelease = (leadId: string, userId: string, reason?: string) =>
  slack().interaction(
    buildViewSubmission({
      callbackId: VIEWS.release,
      userId,
      privateMetadata: JSON.stringify({ leadId, channelId: "C0NAMIDMKT" }),
      values: { reason: { reason_input: { type: "plain_text_input", value: reason ?? null } } },
    }),
  );

async function waitForLead(leadId: string, done: (lead: { status: string }) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
      include: { owner: true, offeredTo: true },
    });
    if (done(row) || Date.now() > deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The lead's card(s) in a channel, found by the card's "L-<number>". */
function cardOf(leadNumber: number, channel: string) {
  return fakeSlack.current
    .visible(channel)
    .filter(
      (m) => !m.thread_ts && new RegExp(`\\bL-${leadNumber}\\b`).test(JSON.stringify(m.blocks)),
    );
}

describe("Converted", () => {
  it("opens the modal for the owner and refuses a rep who does not own the lead", async () => {
    const leadId = await claimed("conv1@buyer.example", "U0REPSAM01");
    await click(ACTIONS.converted, leadId, "U0REPSAM01");
    const opened = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .callsTo("views.open")
        .find((c) => (c.args.view as { callback_id: string }).callback_id === VIEWS.converted),
    );
    expect(JSON.stringify(opened.args.view)).toContain("&lt;!channel&gt;");
    expect(JSON.stringify(opened.args.view)).not.toContain("<!channel>");

    const url = await click(ACTIONS.converted, leadId, "U0REPMIKE1");
    expect((await ephemeralAt(url)).body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("Only <@U0REPSAM01>, who owns L-"),
    });
  });

  it("keeps the modal open when the amount is not an amount", async () => {
    const leadId = await claimed("conv2@buyer.example", "U0REPSAM01");
    const response = await submitConverted(leadId, "U0REPSAM01", "lots");
    expect(response.json).toEqual({
      response_action: "errors",
      errors: { amount: "Type an amount such as 12500 or 12,500.00." },
    });
    expect((await waitForLead(leadId, () => true)).status).toBe("CLAIMED");
  });

  it("records the opportunity; the card, marketing and the CRM webhook show it", async () => {
    const leadId = await claimed("conv3@buyer.example", "U0REPSAM01");
    expect((await submitConverted(leadId, "U0REPSAM01", "$12,500", "006Qx01")).status).toBe(200);
    const row = await waitForLead(leadId, (l) => l.status === "CONVERTED");
    expect(row).toMatchObject({ status: "CONVERTED", opportunityId: "006Qx01" });
    expect(row.opportunityAmount?.toString()).toBe("12500");
    app.current.outbox.wake();

    const card = await fakeSlack.current.waitFor(() =>
      cardOf(row.number, "C0NAMIDMKT").find((m) =>
        JSON.stringify(m.blocks).includes("*Converted* by"),
      ),
    );
    const cardText = JSON.stringify(card.blocks);
    expect(cardText).toContain(
      "*Converted* by <@U0REPSAM01> · opportunity 006Qx01 · amount 12,500.00",
    );
    expect(cardText).not.toContain(ACTIONS.logTouch);

    const feed = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("C0MKTFEEDBK")
        .find((m) => JSON.stringify(m.blocks).includes("converted to an opportunity")),
    );
    expect(JSON.stringify(feed.blocks)).toContain("source *Trade show*");

    const hook = await fakeSlack.current.waitFor(() =>
      received.find((h) => h.event === "lead.converted" && h.data.leadId === leadId),
    );
    expect(hook).toMatchObject({
      signed: true,
      data: { by: "U0REPSAM01", amount: "12500", opportunityId: "006Qx01" },
    });
  });

  it("lets a manager of the team record it, and refuses a lead nobody owns", async () => {
    const leadId = await claimed("conv4@buyer.example", "U0REPSAM01");
    await submitConverted(leadId, "U0MGRDANA1");
    expect((await waitForLead(leadId, (l) => l.status === "CONVERTED")).status).toBe("CONVERTED");

    const open = await lead("conv5@buyer.example", { country: "US", size: 150 });
    const url = await click(ACTIONS.converted, open, "U0REPSAM01");
    expect((await ephemeralAt(url)).body).toMatchObject({
      text: expect.stringMatching(/^Nobody owns L-\d+ yet: claim it first\.$/),
    });
  });
});

describe("Release", () => {
  it("requires a reason inside the modal", async () => {
    const leadId = await claimed("rel1@pool.example", "U0REPSAM01");
    expect((await submitRelease(leadId, "U0REPSAM01", "  ")).json).toEqual({
      response_action: "errors",
      errors: { reason: "Say why: the next rep and your manager read it." },
    });
  });

  it("in a claim team: the same card opens for claims again and the channel is told why", async () => {
    const leadId = await claimed("rel2@pool.example", "U0REPSAM01");
    const { number } = await waitForLead(leadId, () => true);
    app.current.outbox.wake();
    await fakeSlack.current.waitFor(() => cardOf(number, "C0NAMIDMKT")[0]);
    await submitRelease(leadId, "U0REPSAM01", "Conflict: my brother-in-law <!here>");
    const row = await waitForLead(leadId, (l) => l.status === "OFFERED");
    expect(row).toMatchObject({ status: "OFFERED", ownerId: null });
    app.current.outbox.wake();

    const reply = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("C0NAMIDMKT")
        .find((m) => m.thread_ts && m.text?.includes("was released by <@U0REPSAM01>")),
    );
    expect(reply.text ?? "").toContain("Conflict: my brother-in-law &lt;!here&gt;");
    expect(
      String(
        fakeSlack.current.callsTo("chat.postMessage").find((c) => c.args.text === reply.text)?.args
          .reply_broadcast,
      ),
    ).toBe("true");
    const cards = await fakeSlack.current.waitFor(() => {
      const found = cardOf(row.number, "C0NAMIDMKT");
      return found.length === 1 && JSON.stringify(found[0]?.blocks).includes(ACTIONS.claim)
        ? found
        : undefined;
    });
    expect(JSON.stringify(cards[0]?.blocks)).toContain("Waiting for a claim");

    // Anyone on the team can now claim it, including the rep who let it go.
    await slack().interaction(
      buildButtonAction({
        actionId: ACTIONS.claim,
        value: leadId,
        userId: "U0REPPRIYA",
        responseUrl: fakeSlack.current.responseUrl(),
      }),
    );
    const again = await waitForLead(leadId, (l) => l.status === "CLAIMED");
    expect(again).toMatchObject({ status: "CLAIMED" });
    const hook = await fakeSlack.current.waitFor(() =>
      received.find((h) => h.event === "lead.released" && h.data.leadId === leadId),
    );
    expect(hook).toMatchObject({ signed: true, data: { by: "U0REPSAM01", owner: "U0REPSAM01" } });
  });

  it("in an assign team: offered to the next rep, never back to the one who released it", async () => {
    const leadId = await lead("rel3@pool.example", { country: "DE", region: "EMEA", size: 900 });
    const offered = await waitForLead(leadId, (l) => l.status === "OFFERED");
    const first = (offered as unknown as { offeredTo: { slackUserId: string } }).offeredTo
      .slackUserId;
    await slack().interaction(
      buildButtonAction({
        actionId: ACTIONS.accept,
        value: leadId,
        userId: first,
        responseUrl: fakeSlack.current.responseUrl(),
      }),
    );
    await waitForLead(leadId, (l) => l.status === "CLAIMED");
    await submitRelease(leadId, first, "Out of office for three weeks");
    const next = await waitForLead(
      leadId,
      (l) => l.status === "OFFERED" && (l as { offeredToId?: string | null }).offeredToId !== null,
    );
    const nextRep = (next as unknown as { offeredTo: { slackUserId: string } }).offeredTo
      .slackUserId;
    expect(next.status).toBe("OFFERED");
    expect(nextRep).not.toBe(first);
    app.current.outbox.wake();
    const dm = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible(`D${nextRep.replace(/^U/, "")}`)
        .find((m) => JSON.stringify(m.blocks).includes(ACTIONS.accept)),
    );
    expect(dm).toBeDefined();
  });
});
