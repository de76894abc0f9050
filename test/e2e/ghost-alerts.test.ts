// Ghost alerts end to end: the sweep (run by the app's own scheduler on a virtual clock) DMs
// the manager an alert with an "Assign to" picker; picking a rep over a signed request hands
// them the lead; a rep who tries the picker is told only managers can.
import type { UsersSelectAction } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import type { Clock } from "#src/clock.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { ACTIONS, VIEWS } from "#src/slack/ids.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import {
  buildBlockAction,
  buildButtonAction,
  buildViewSubmission,
  createSlackRequester,
} from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

/** Friday 10:00 in New York. */
let now = new Date("2026-11-20T15:00:00Z");
const clock: Clock = { now: () => now } as Clock;

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  clock,
  env: { SLA_SWEEP_CRON: "0 0 1 1 *" },
}));
const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

/** The "Assign to" picker in the ghost alert, in the app's DM with the person picking. */
function pick(leadId: string, userId: string, selected: string, responseUrl: string) {
  const action: UsersSelectAction = {
    type: "users_select",
    action_id: ACTIONS.assignTo,
    block_id: `ghost:${leadId}`,
    selected_user: selected,
    action_ts: `${Date.now() / 1000}`,
  };
  return slack().interaction(
    buildBlockAction({
      action,
      userId,
      responseUrl,
      surface: { on: "dm", channelId: `D${userId.slice(1)}` },
    }),
  );
}

async function claimedLead(email: string, owner: string) {
  const { deps } = app.current;
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email,
      firstName: "Quinn",
      country: "US",
      companySize: 150,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
    scoring: deps.playbook.current.scoring,
    accountMatching: false,
    actor: { type: "API" },
    now,
  });
  const options = {
    db: database.current,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    now,
  };
  await handOffLead(options);
  await claimLead({ ...options, userId: owner });
  // The card's deliveries lock the lead while they run, and a sweep skips a locked lead (SKIP
  // LOCKED: the next minute's sweep takes it). Let them finish before the test sweeps.
  await app.current.outbox.stop();
  await app.current.outbox.drain();
  app.current.outbox.start();
  return leadId;
}

describe("ghost alerts", () => {
  it("alert the manager of an untouched lead, who hands it to another rep with the picker", async () => {
    const leadId = await claimedLead("ghost1@quiet.example", "U0REPSAM01");
    const lead = await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    // Skip to the claimed.escalate step: the nudge fires on the way (catch-up), then the alert.
    now = new Date(lead.slaDueAt!.getTime());
    const first = await app.current.sla.sweep();
    expect(first?.fired).toMatchObject({ "claimed.nudge": 1 });
    now = (await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } }))
      .slaDueAt!;
    const second = await app.current.sla.sweep();
    expect(second?.fired).toMatchObject({ "claimed.escalate": 1 });
    app.current.outbox.wake();

    const alert = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.visible("D0MGRDANA1").find((m) => m.text?.includes("Ghost alert")),
    );
    expect(alert.text).toContain("claimed by <@U0REPSAM01>");
    expect(JSON.stringify(alert.blocks)).toContain(`ghost:${leadId}`);

    // A rep cannot use the picker.
    const refusedAt = fakeSlack.current.responseUrl();
    await pick(leadId, "U0REPMIKE1", "U0REPMIKE1", refusedAt);
    const refused = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => refusedAt.endsWith(`/${r.id}`)),
    );
    expect(refused.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("Only managers of NA Mid-Market can reassign"),
    });

    const doneAt = fakeSlack.current.responseUrl();
    await pick(leadId, "U0MGRDANA1", "U0REPPRIYA", doneAt);
    const done = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => doneAt.endsWith(`/${r.id}`)),
    );
    expect((done.body as { text: string }).text).toContain("is now <@U0REPPRIYA>'s");
    const after = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
      include: { owner: true },
    });
    expect(after).toMatchObject({ status: "CLAIMED", owner: { slackUserId: "U0REPPRIYA" } });
    expect(after.slaStage).toBe("claimed.nudge");
    app.current.outbox.wake();
    await fakeSlack.current.waitFor(() =>
      fakeSlack.current.visible("D0REPPRIYA").find((m) => m.text?.includes("assigned you")),
    );
    await fakeSlack.current.waitFor(() =>
      fakeSlack.current.visible("D0REPSAM01").find((m) => m.text?.includes("reassigned")),
    );
  });

  it("one replica sweeps at a time: while another holds the lease, this one does nothing", async () => {
    await claimedLead("ghost2@quiet.example", "U0REPTOM01");
    now = new Date(now.getTime() + 30 * 86_400_000);
    await database.current.prisma.jobLease.upsert({
      where: { name: "sla-sweep" },
      create: {
        name: "sla-sweep",
        holder: "other-replica",
        leaseUntil: new Date(now.getTime() + 60_000),
      },
      update: { holder: "other-replica", leaseUntil: new Date(now.getTime() + 60_000) },
    });
    expect(await app.current.sla.sweep()).toBeUndefined();
    // The lease of a replica that died runs out; then this one sweeps.
    now = new Date(now.getTime() + 120_000);
    const swept = await app.current.sla.sweep();
    expect(swept?.fired["claimed.nudge"]).toBeGreaterThanOrEqual(1);
  });
});

describe("Reassign on the card", () => {
  it("opens the picker for a manager, refuses a rep, and hands the lead over", async () => {
    const leadId = await claimedLead("move1@quiet.example", "U0REPSAM01");
    const repUrl = fakeSlack.current.responseUrl();
    await slack().interaction(
      buildButtonAction({
        actionId: ACTIONS.reassign,
        value: leadId,
        userId: "U0REPMIKE1",
        responseUrl: repUrl,
      }),
    );
    const refused = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find((r) => repUrl.endsWith(`/${r.id}`)),
    );
    expect((refused.body as { text: string }).text).toMatch(
      /^Only managers of NA Mid-Market can reassign L-\d+\.$/,
    );

    await slack().interaction(
      buildButtonAction({
        actionId: ACTIONS.reassign,
        value: leadId,
        userId: "U0MGRDANA1",
        responseUrl: fakeSlack.current.responseUrl(),
      }),
    );
    const opened = await fakeSlack.current.waitFor(() =>
      fakeSlack.current
        .callsTo("views.open")
        .find((c) => (c.args.view as { callback_id: string }).callback_id === VIEWS.reassign),
    );
    expect(JSON.stringify(opened.args.view)).toContain("It is <@U0REPSAM01>'s now");

    const submit = (selected: string | null) =>
      slack().interaction(
        buildViewSubmission({
          callbackId: VIEWS.reassign,
          userId: "U0MGRDANA1",
          privateMetadata: JSON.stringify({ leadId, channelId: "C0NAMIDMKT" }),
          values: { rep: { rep_select: { type: "users_select", selected_user: selected } } },
        }),
      );
    expect((await submit(null)).json).toEqual({
      response_action: "errors",
      errors: { rep: "Pick the new owner." },
    });
    expect((await submit("U0MKTJANE1")).json).toMatchObject({
      response_action: "errors",
      errors: { rep: expect.stringContaining("is not an active rep") },
    });
    expect((await submit("U0REPTOM01")).status).toBe(200);
    const after = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
      include: { owner: true },
    });
    expect(after.owner?.slackUserId).toBe("U0REPTOM01");
    const event = await database.current.prisma.leadEvent.findFirstOrThrow({
      where: { leadId, type: "reassigned" },
    });
    expect(event).toMatchObject({ actorType: "MANAGER", actorId: "U0MGRDANA1" });
  });
});
