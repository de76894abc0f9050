import { describe, expect, it } from "vitest";
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

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
const slackRequests = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

async function claimedLead(email: string, owner: string) {
  const { deps } = app.current;
  const now = new Date();
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email,
      country: "US",
      companySize: 150,
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
  await claimLead({
    db: database.current,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    userId: owner,
    now,
  });
  return leadId;
}

const submit = (
  leadId: string,
  userId: string,
  reason?: string,
  note?: string,
  callbackId: string = VIEWS.disqualify,
  extra: Record<string, Record<string, unknown>> = {},
) =>
  slackRequests().interaction(
    buildViewSubmission({
      callbackId,
      userId,
      privateMetadata: JSON.stringify({ leadId, channelId: "C0NAMIDMKT" }),
      values: {
        reason: {
          reason_select: {
            type: "static_select",
            selected_option: reason
              ? { value: reason, text: { type: "plain_text", text: reason } }
              : null,
          },
        },
        note: { note_input: { type: "plain_text_input", value: note ?? null } },
        ...extra,
      },
    }),
  );

describe("Disqualify", () => {
  it("opens a modal with the playbook's reasons", async () => {
    const leadId = await claimedLead("dq1@nofit.example", "U0REPSAM01");
    const ack = await slackRequests().interaction(
      buildButtonAction({
        actionId: ACTIONS.disqualify,
        value: leadId,
        userId: "U0REPSAM01",
        responseUrl: fakeSlack.current.responseUrl(),
      }),
    );
    expect(ack.status).toBe(200);
    const opened = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.callsTo("views.open").at(-1),
    );
    const view = opened.args.view as {
      callback_id: string;
      blocks: { element?: { options?: { value: string }[] } }[];
    };
    expect(view.callback_id).toBe(VIEWS.disqualify);
    expect(view.blocks[1]?.element?.options?.map((o) => o.value)).toContain("no-budget");
  });

  it("keeps the modal open with an error when no reason is picked", async () => {
    const leadId = await claimedLead("dq2@nofit.example", "U0REPSAM01");
    const response = await submit(leadId, "U0REPSAM01");
    expect(response.json).toEqual({
      response_action: "errors",
      errors: { reason: "Pick a reason: marketing uses it to fix targeting." },
    });
    expect(
      (await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } })).status,
    ).toBe("CLAIMED");
  });

  it("closes the lead with the reason, and marketing hears why", async () => {
    const leadId = await claimedLead("dq3@nofit.example", "U0REPSAM01");
    const response = await submit(
      leadId,
      "U0REPSAM01",
      "no-budget",
      "Budget frozen until Q3 <!channel>",
    );
    expect(response.status).toBe(200);
    // The modal closes at once; the disposition is recorded right after.
    const lead = await settled(leadId, "DISQUALIFIED");
    expect(lead).toMatchObject({
      status: "DISQUALIFIED",
      dispositionReason: "no-budget",
      dispositionNote: "Budget frozen until Q3 <!channel>",
    });
    app.current.outbox.wake();
    const line = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("C0MKTFEEDBK")
        .find((m) => JSON.stringify(m.blocks).includes("disqualified")),
    );
    const text = JSON.stringify(line.blocks);
    expect(text).toContain("disqualified by <@U0REPSAM01>: No budget");
    expect(text).toContain("source *Trade show*");
    expect(text).toContain("Budget frozen until Q3 &lt;!channel&gt;");
  });

  it("asks to confirm a 'no response' with fewer touches than the team's minimum", async () => {
    const leadId = await claimedLead("dq5@silent.example", "U0REPSAM01");
    const refused = await submit(leadId, "U0REPSAM01", "no-response");
    expect(refused.json).toEqual({
      response_action: "errors",
      errors: {
        confirm:
          "Only 0 touches so far; most deals need 5 to 12 (your team asks for 5). Try again, or tick the box to disqualify anyway.",
      },
    });
    const confirmed = await submit(
      leadId,
      "U0REPSAM01",
      "no-response",
      undefined,
      VIEWS.disqualify,
      {
        confirm: {
          confirm_few_touches: {
            type: "checkboxes",
            selected_options: [{ value: "yes", text: { type: "plain_text", text: "yes" } }],
          },
        },
      },
    );
    expect(confirmed.status).toBe(200);
    expect((await settled(leadId, "DISQUALIFIED")).status).toBe("DISQUALIFIED");
  });

  it("tells a rep who does not own the lead why they cannot disqualify it", async () => {
    const leadId = await claimedLead("dq4@nofit.example", "U0REPSAM01");
    await submit(leadId, "U0REPMIKE1", "no-need");
    const ephemeral = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.callsTo("chat.postEphemeral").find((c) => c.args.user === "U0REPMIKE1"),
    );
    expect(ephemeral.args.text).toBe(
      "Only <@U0REPSAM01>, who owns this lead, or a manager of the team can disqualify it.",
    );
    expect(
      (await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } })).status,
    ).toBe("CLAIMED");
  });
});

describe("Back to nurture", () => {
  const date = (days: number) =>
    new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  it("refuses a resurface date in the past inside the modal", async () => {
    const leadId = await claimedLead("n1@later.example", "U0REPTOM01");
    const response = await submit(leadId, "U0REPTOM01", "timing", undefined, VIEWS.nurture, {
      resurface: { resurface_date: { type: "datepicker", selected_date: date(-2) } },
    });
    expect(response.json).toEqual({
      response_action: "errors",
      errors: { resurface: "Pick a date in the future." },
    });
  });

  it("sends the lead to marketing's stay-in-touch until the date, and says so in the feed", async () => {
    const leadId = await claimedLead("n2@later.example", "U0REPTOM01");
    const day = date(90);
    await submit(leadId, "U0REPTOM01", "timing", "Budget opens in Q2", VIEWS.nurture, {
      resurface: { resurface_date: { type: "datepicker", selected_date: day } },
    });
    const lead = await settled(leadId, "NURTURE");
    expect(lead).toMatchObject({
      status: "NURTURE",
      dispositionReason: "timing",
      resurfaceAt: new Date(`${day}T09:00:00Z`),
    });
    app.current.outbox.wake();
    const line = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .visible("C0MKTFEEDBK")
        .find((m) => JSON.stringify(m.blocks).includes("sent back to nurture")),
    );
    expect(JSON.stringify(line.blocks)).toContain(
      "sent back to nurture by <@U0REPTOM01>: Buying next quarter or later",
    );
  });
});

async function settled(leadId: string, status: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    if (lead.status === status || Date.now() > deadline) return lead;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("Log touch", () => {
  const touch = (leadId: string, userId: string, kind?: string, note?: string) =>
    slackRequests().interaction(
      buildViewSubmission({
        callbackId: VIEWS.logTouch,
        userId,
        privateMetadata: JSON.stringify({ leadId, channelId: "C0NAMIDMKT" }),
        values: {
          kind: {
            kind_select: {
              type: "static_select",
              selected_option: kind
                ? { value: kind, text: { type: "plain_text", text: kind } }
                : null,
            },
          },
          note: { note_input: { type: "plain_text_input", value: note ?? null } },
        },
      }),
    );

  it("opens the modal, refuses a missing kind inside it, and counts each touch", async () => {
    const leadId = await claimedLead("t1@busy.example", "U0REPSAM01");
    await slackRequests().interaction(
      buildButtonAction({
        actionId: ACTIONS.logTouch,
        value: leadId,
        userId: "U0REPSAM01",
        responseUrl: fakeSlack.current.responseUrl(),
      }),
    );
    const opened = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .callsTo("views.open")
        .find((c) => (c.args.view as { callback_id: string }).callback_id === VIEWS.logTouch),
    );
    expect(JSON.stringify(opened.args.view)).toContain("First touch");

    expect((await touch(leadId, "U0REPSAM01")).json).toEqual({
      response_action: "errors",
      errors: { kind: "Pick how you reached them." },
    });
    await touch(leadId, "U0REPSAM01", "call", "Left a voicemail");
    const working = await settled(leadId, "WORKING");
    expect(working).toMatchObject({ touchCount: 1 });
    expect(working.firstTouchAt).not.toBeNull();
    await touch(leadId, "U0REPSAM01", "email");
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
      if (lead.touchCount === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const events = await database.current.prisma.leadEvent.findMany({
      where: { leadId, type: "touch_logged" },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => e.reason)).toEqual(["Call", "Email"]);
  });

  it("tells someone else why they cannot log a touch on the lead", async () => {
    const leadId = await claimedLead("t2@busy.example", "U0REPSAM01");
    await touch(leadId, "U0REPTOM01", "call");
    const ephemeral = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .callsTo("chat.postEphemeral")
        .find((c) => c.args.user === "U0REPTOM01" && String(c.args.text).includes("log touches")),
    );
    expect(ephemeral.args.text).toBe(
      "Only <@U0REPSAM01>, who owns this lead, can log touches on it.",
    );
  });
});
