// Per-rep working hours and time zones, end to end on a controllable clock: assign-mode offers
// go only to reps inside their own hours (their Slack profile's time zone unless the playbook
// says otherwise), and the SLA clock of a lead offered to a rep runs in that rep's hours.
import { describe, expect, it } from "vitest";
import { editTeam, nineToFive, useRoutingScene } from "#test/setup/routing-scene.ts";

// Jonas works 9 to 5 in his Slack profile's zone (the fake Slack says New York); Léa 9 to 5 in
// Tokyo, as the playbook says; Ana has no hours of her own (she is away in this test).
const playbook = editTeam("emea-enterprise", {
  reps: {
    U0REPJONAS: { hours: nineToFive },
    U0REPLEA01: { hours: nineToFive, timezone: "Asia/Tokyo" },
  },
});
// Monday: 10:00 in New York, midnight in Tokyo.
const scene = useRoutingScene({ start: "2026-11-23T15:00:00Z", playbook, domain: "hours" });
const { app, database, fakeSlack, emeaLead } = scene;

describe("rep working hours", () => {
  it("offer leads only inside a rep's hours, in their zone, and run their SLA clock in them", async () => {
    // Baton read Jonas's time zone from his Slack profile at start (Léa's is in the playbook).
    await app.current.profilesRead;
    const zone = (
      await database.current.prisma.rep.findUniqueOrThrow({ where: { slackUserId: "U0REPJONAS" } })
    ).slackTimezone;
    expect(zone).toBe("America/New_York");
    const infos = fakeSlack.current.calls.filter((c) => c.method === "users.info");
    expect(infos.map((c) => c.args.user)).toContain("U0REPJONAS");
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPANA01" },
      data: { paused: true },
    });

    expect((await emeaLead()).offeredTo?.slackUserId).toBe("U0REPJONAS");
    const { decision } = await scene.dryRun({ region: "EMEA", companySize: "900" });
    expect(decision.skipped.find((s) => s.name === "Léa")?.reason).toEqual({
      kind: "off_hours",
      until: new Date("2026-11-24T00:00:00Z"),
    });

    // 16:45 in New York: Jonas's day ends in 15 minutes. The 30-minute reminder is due 15
    // minutes into his Tuesday (09:15 New York), not in the team's Berlin hours.
    scene.now = new Date("2026-11-23T21:45:00Z");
    const late = await emeaLead();
    expect(late.offeredTo?.slackUserId).toBe("U0REPJONAS");
    expect(late.slaStage).toBe("offered.remind");
    expect(late.slaDueAt?.toISOString()).toBe("2026-11-24T14:15:00.000Z");

    // 18:30 in New York, 08:30 in Tokyo: nobody is at work, so nobody is offered it one to one.
    scene.now = new Date("2026-11-23T23:30:00Z");
    const night = await emeaLead();
    expect(night.offeredTo).toBeNull();
    const event = await database.current.prisma.leadEvent.findFirstOrThrow({
      where: { leadId: night.id, type: "offered" },
    });
    expect(event.reason).toContain("Jonas outside their hours (back 2026-11-24 14:00 UTC)");
    expect(event.reason).toContain("Léa outside their hours (back 2026-11-24 00:00 UTC)");

    // 09:30 in Tokyo: Léa's day has begun.
    scene.now = new Date("2026-11-24T00:30:00Z");
    expect((await emeaLead()).offeredTo?.slackUserId).toBe("U0REPLEA01");
  });
});
