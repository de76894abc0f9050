// The SLA sweep on a virtual clock: each step fires once per stage and cycle, in the team's
// business hours; offers move on, managers get ghost alerts, silent owners lose the lead.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { createLogger } from "#src/logger.ts";
import { parsePayload } from "#src/outbox/messages.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { labelAtFact, loadLeadLabel } from "#src/read-models/lead-label.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { logTouch } from "#src/services/log-touch.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { runSweep, type SweepDeps } from "#src/sla/sweep.ts";
import { renderNotice } from "#src/slack/blocks/lead-notices.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
/** Friday 10:00 in New York, inside business hours. */
const start = new Date("2026-11-20T15:00:00Z");
const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
const webhooks = { urls: [], secret: undefined };
let playbook: Playbook;
let deps: SweepDeps;

beforeAll(async () => {
  playbook = await loadPlaybook(
    fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
  );
  await syncPlaybook(database.current, playbook);
  deps = {
    db: database.current,
    playbook: { current: playbook } as unknown as SweepDeps["playbook"],
    config: { webhooks } as unknown as SweepDeps["config"],
    logger: createLogger({ level: "silent" }),
  };
});

let n = 0;
async function offeredLead(fields: Record<string, unknown>) {
  n += 1;
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email: `sla${n}@company${n}.example`,
      firstName: "Robin",
      lastName: `<!channel> ${n}`,
      ...fields,
      activities: [{ type: "demo_request", occurredAt: start.toISOString() }],
    }),
    scoring: playbook.scoring,
    accountMatching: false,
    actor: { type: "API" },
    now: start,
  });
  await handOffLead({ db: database.current, playbook, webhooks, leadId, now: start });
  return leadId;
}

const lead = (id: string) =>
  database.current.prisma.lead.findUniqueOrThrow({
    where: { id },
    include: { owner: true, offeredTo: true, team: true },
  });

/** What the lead's queued notices will say, and to whom (rendered as on delivery). */
async function outbox(leadId: string) {
  const rows = await database.current.prisma.outboxMessage.findMany({
    where: { orderingKey: leadId, kind: "lead.notice" },
    orderBy: { id: "asc" },
  });
  const said: { user?: string; channel?: string; text: string }[] = [];
  for (const row of rows) {
    const { fact, to } = parsePayload("lead.notice", row.payload).data!;
    const label = labelAtFact(
      (await loadLeadLabel(database.current, leadId))!,
      fact,
      playbook.teams,
    );
    const notice = renderNotice(fact, label, to);
    if (!notice) continue;
    said.push(
      "user" in to ? { user: to.user, ...notice } : { channel: label.channelId!, ...notice },
    );
  }
  return said;
}

describe("a lead posted to a claim team that nobody claims", () => {
  it("is reminded, escalated to the manager, then overflows; each step once", async () => {
    const id = await offeredLead({ country: "US", companySize: 150 });
    expect(await lead(id)).toMatchObject({ status: "OFFERED", slaStage: "offered.remind" });

    // Nothing is due before 15 business minutes.
    await runSweep(deps, at(14));
    expect(await outbox(id)).toEqual([]);

    await runSweep(deps, at(16));
    await runSweep(deps, at(17)); // a second sweep (or replica) adds nothing
    const remind = await outbox(id);
    expect(remind).toHaveLength(1);
    expect(remind[0]).toMatchObject({ channel: "C0NAMIDMKT" });
    expect(remind[0]?.text).toMatch(/L-\d+ \*Robin &lt;!channel&gt; \d+\* has waited 16m/);

    await runSweep(deps, at(61));
    const alert = (await outbox(id)).filter((m) => m.user === "U0MGRDANA1");
    expect(alert).toHaveLength(1);
    expect(alert[0]?.text).toContain(":ghost: Ghost alert");
    expect(alert[0]?.text).toContain("in <#C0NAMIDMKT>");
    expect(JSON.stringify(alert[0])).toContain('"type":"users_select"');

    // 4 business hours later (14:00 New York), it overflows to inbound sales.
    await runSweep(deps, at(241));
    const moved = await lead(id);
    expect(moved).toMatchObject({ status: "OFFERED", team: { key: "inbound-sales" } });
    const notices = await database.current.prisma.slaNotice.findMany({ where: { leadId: id } });
    expect(notices.map((x) => x.stage).sort()).toEqual([
      "offered.escalate",
      "offered.reassign",
      "offered.remind",
    ]);
  });

  it("counts only business hours: Friday evening waits for Monday morning", async () => {
    n += 1;
    const evening = new Date("2026-11-20T22:20:00Z"); // Friday 17:20 New York (closes 17:30)
    const { leadId } = await captureLead({
      db: database.current,
      input: leadRequestSchema.parse({
        email: `late${n}@company.example`,
        country: "US",
        companySize: 150,
        activities: [{ type: "demo_request", occurredAt: evening.toISOString() }],
      }),
      scoring: playbook.scoring,
      accountMatching: false,
      actor: { type: "API" },
      now: evening,
    });
    await handOffLead({ db: database.current, playbook, webhooks, leadId, now: evening });
    // 10 minutes on Friday, 5 on Monday: due Monday 09:05 New York (14:05 UTC).
    expect((await lead(leadId)).slaDueAt).toEqual(new Date("2026-11-23T14:05:00Z"));
    await runSweep(deps, new Date("2026-11-22T12:00:00Z"));
    expect(await outbox(leadId)).toEqual([]);
  });
});

describe("an offer to one rep (assign mode)", () => {
  it("times out to the next rep, never back to the first", async () => {
    const id = await offeredLead({ region: "EMEA", country: "DE", companySize: 900 });
    const first = (await lead(id)).offeredTo?.slackUserId;
    expect(first).toBeTruthy();
    // Berlin is 6 hours ahead of New York: 16:00 there; the enterprise offer timeout is 2h
    // and Berlin's business day ends at 17:00 (or 18:00): sweep well after.
    const monday = new Date("2026-11-23T12:00:00Z");
    await runSweep(deps, monday);
    const after = await lead(id);
    expect(after.status).toBe("OFFERED");
    expect(after.offeredTo?.slackUserId).not.toBe(first);
    const events = await database.current.prisma.leadEvent.findMany({
      where: { leadId: id, type: "offer_timed_out" },
    });
    expect(events).toHaveLength(1);
    expect(after.slaCycle).toBe(2);
  });
});

describe("a claimed lead with no touch", () => {
  it("nudges the owner, alerts the manager, then releases it back to the channel", async () => {
    const id = await offeredLead({ country: "US", companySize: 160 });
    await claimLead({
      db: database.current,
      playbook,
      webhooks,
      leadId: id,
      userId: "U0REPSAM01",
      now: start,
    });
    expect(await lead(id)).toMatchObject({ status: "CLAIMED", slaStage: "claimed.nudge" });

    await runSweep(deps, at(4 * 60 + 1)); // 4 business hours: nudge
    const nudge = (await outbox(id)).filter((m) => m.user === "U0REPSAM01");
    expect(nudge).toHaveLength(1);
    expect(nudge[0]?.text).toContain("no touch is logged yet");

    // A day is a working day: "1d" after a claim on Friday 10:00 is Monday 10:00.
    const escalateAt = (await lead(id)).slaDueAt!;
    expect(escalateAt).toEqual(new Date("2026-11-23T15:00:00Z"));
    expect((await lead(id)).slaStage).toBe("claimed.escalate");
    await runSweep(deps, new Date(escalateAt.getTime() - 60_000));
    expect((await outbox(id)).filter((m) => m.user === "U0MGRDANA1")).toHaveLength(0);
    await runSweep(deps, escalateAt);
    expect((await outbox(id)).filter((m) => m.user === "U0MGRDANA1")).toHaveLength(1);

    // Then released and reopened in the channel.
    const releaseAt = (await lead(id)).slaDueAt!;
    expect((await lead(id)).slaStage).toBe("claimed.release");
    await runSweep(deps, releaseAt);
    const released = await lead(id);
    expect(released).toMatchObject({
      status: "OFFERED",
      ownerId: null,
      slaStage: "offered.remind",
    });
    const told = (await outbox(id)).filter((m) => m.text.includes("Baton released it"));
    expect(told.map((m) => m.user ?? m.channel).sort()).toEqual([
      "C0NAMIDMKT",
      "U0MGRDANA1",
      "U0REPSAM01",
    ]);
  });

  it("goes to the manager at the first nudge when the owner is away", async () => {
    const id = await offeredLead({ country: "US", companySize: 165 });
    await claimLead({
      db: database.current,
      playbook,
      webhooks,
      leadId: id,
      userId: "U0REPMIKE1",
      now: start,
    });
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPMIKE1" },
      data: { awayUntil: new Date("2099-01-01T00:00:00Z") },
    });
    await runSweep(deps, (await lead(id)).slaDueAt!);
    const sent = await outbox(id);
    expect(sent.filter((m) => m.user === "U0REPMIKE1")).toHaveLength(1);
    expect(
      sent.filter((m) => m.user === "U0MGRDANA1" && m.text.includes("Ghost alert")),
    ).toHaveLength(1);
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPMIKE1" },
      data: { awayUntil: null },
    });
  });

  it("a logged touch stops the chase and starts the follow-up clock", async () => {
    const id = await offeredLead({ country: "US", companySize: 170 });
    await claimLead({
      db: database.current,
      playbook,
      webhooks,
      leadId: id,
      userId: "U0REPTOM01",
      now: start,
    });
    await logTouch({
      db: database.current,
      playbook,
      leadId: id,
      userId: "U0REPTOM01",
      kind: "call",
      now: at(30),
    });
    expect(await lead(id)).toMatchObject({ status: "WORKING", slaStage: "working.followup.1" });
    const followUpAt = (await lead(id)).slaDueAt!;
    await runSweep(deps, new Date(followUpAt.getTime() - 60_000));
    expect(await outbox(id)).toEqual([]);
    await runSweep(deps, followUpAt);
    const followUp = await outbox(id);
    expect(followUp).toHaveLength(1);
    expect(followUp[0]?.text).toContain("1 touch so far");
  });
});

describe("a worked lead that goes quiet", () => {
  it("nudges the owner, then alerts the manager, then releases it before it is a ghost", async () => {
    const id = await offeredLead({ country: "US", companySize: 175 });
    const use = { db: database.current, playbook, webhooks, leadId: id };
    await claimLead({ ...use, userId: "U0REPPRIYA", now: start });
    await logTouch({ ...use, userId: "U0REPPRIYA", kind: "email", now: at(10) });
    await logTouch({ ...use, userId: "U0REPPRIYA", kind: "call", now: at(20) });
    await runSweep(deps, (await lead(id)).slaDueAt!); // 3 business days: follow-up nudge
    expect((await lead(id)).slaStage).toBe("working.escalate.2");

    const escalateAt = (await lead(id)).slaDueAt!;
    await runSweep(deps, new Date(escalateAt.getTime() - 60_000));
    expect((await outbox(id)).filter((m) => m.user === "U0MGRDANA1")).toHaveLength(0);
    await runSweep(deps, escalateAt);
    const alerts = (await outbox(id)).filter((m) => m.user === "U0MGRDANA1");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.text).toContain("Ghost alert");
    expect(alerts[0]?.text).toContain("2 touches and none in 5d");
    await runSweep(deps, escalateAt); // once only
    expect((await outbox(id)).filter((m) => m.user === "U0MGRDANA1")).toHaveLength(1);

    expect((await lead(id)).slaStage).toBe("working.release.2");
    await runSweep(deps, (await lead(id)).slaDueAt!);
    expect(await lead(id)).toMatchObject({ status: "OFFERED", ownerId: null });
    const told = (await outbox(id)).filter((m) => m.text.includes("Baton released it"));
    expect(told.map((m) => m.user ?? m.channel).sort()).toEqual([
      "C0NAMIDMKT",
      "U0MGRDANA1",
      "U0REPPRIYA",
    ]);
    expect(told[0]?.text).toContain("after 2 touches");
  });
});

describe("two sweeps at once", () => {
  it("fire each step once between them", async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => offeredLead({ country: "US", companySize: 200 + i })),
    );
    await Promise.all([runSweep(deps, at(20)), runSweep(deps, at(20)), runSweep(deps, at(20))]);
    for (const id of ids) expect(await outbox(id)).toHaveLength(1);
  });
});

describe("a lead nobody takes, with no team to overflow to", () => {
  it("comes back to the channel and the managers until someone claims it", async () => {
    const id = await offeredLead({ country: "BR", companySize: 5 });
    expect((await lead(id)).team?.key).toBe("inbound-sales");
    const alerts = async () =>
      (await outbox(id)).filter((m) => m.user === "U0MGRDANA1" && m.text.includes("Ghost alert"));
    const reminders = async () =>
      (await outbox(id)).filter((m) => m.channel === "C0INBOUND1" && m.text.includes("has waited"));

    // Reminder at 5 minutes, ghost alert at 30, and at 2 hours nobody to reassign it to.
    await runSweep(deps, at(121));
    expect((await alerts()).at(-1)?.text).toContain("there is no overflow team");
    expect(await alerts()).toHaveLength(2);
    expect(await reminders()).toHaveLength(1);
    // The managers did nothing: it is not left there quietly.
    expect((await lead(id)).slaStage).toBe("offered.realert.1");
    await runSweep(deps, at(241));
    expect(await alerts()).toHaveLength(3);
    expect(await reminders()).toHaveLength(2);

    // Claimed at last: the chase of an unclaimed lead stops.
    await claimLead({
      db: database.current,
      playbook,
      webhooks,
      leadId: id,
      userId: "U0REPKIM01",
      now: at(250),
    });
    expect((await lead(id)).slaStage).toBe("claimed.nudge");
  });
});
