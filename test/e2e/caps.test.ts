// Daily and weekly caps, end to end on a controllable clock: a capped rep gets no offers until
// their next local day or week, the dry run says so, and the ledger keeps every assignment.
import { describe, expect, it } from "vitest";
import { editTeam, useRoutingScene } from "#test/setup/routing-scene.ts";

// Ana (weight 2) may take one lead a day and two a week, counted in her time zone (Berlin, as
// the playbook says; her Slack profile says New York).
const playbook = editTeam("emea-enterprise", {
  reps: { U0REPANA01: { dailyCap: 1, weeklyCap: 2, timezone: "Europe/Berlin" } },
});
// Monday 10:00 in Berlin.
const scene = useRoutingScene({ start: "2026-11-23T09:00:00Z", playbook, domain: "caps" });
const { database } = scene;

const emeaLead = async () => (await scene.emeaLead()).offeredTo?.slackUserId;
const dryRun = () => scene.dryRun({ region: "EMEA", companySize: "2000" });

describe("caps", () => {
  it("stop offers to a capped rep until her next local day, and her next week", async () => {
    // Monday: Ana gets the first lead, then is capped for the day.
    expect(await emeaLead()).toBe("U0REPANA01");
    expect(await emeaLead()).toBe("U0REPJONAS");
    expect(await emeaLead()).toBe("U0REPLEA01");
    const skipped = (await dryRun()).decision.skipped.find((s) => s.name === "Ana");
    expect(skipped?.reason).toEqual({ kind: "capped", period: "today", count: 1, cap: 1 });
    const monday = [await emeaLead(), await emeaLead()];
    expect(monday).not.toContain("U0REPANA01");

    // 23:30 in Berlin is still Monday there: still capped.
    scene.now = new Date("2026-11-23T22:30:00Z");
    expect(await emeaLead()).not.toBe("U0REPANA01");
    // Tuesday 00:30 in Berlin (still Monday in UTC): a new day for Ana. She comes back where
    // she left the round, not first: Léa, further behind what she was due while Ana was capped,
    // gets the next lead, then Ana.
    scene.now = new Date("2026-11-23T23:30:00Z");
    expect(await emeaLead()).toBe("U0REPLEA01");
    expect(await emeaLead()).toBe("U0REPANA01");

    // Wednesday: her second lead this week was her last.
    scene.now = new Date("2026-11-25T09:00:00Z");
    const week = (await dryRun()).decision.skipped.find((s) => s.name === "Ana");
    expect(week?.reason).toEqual({ kind: "capped", period: "this week", count: 2, cap: 2 });
    const offers = [await emeaLead(), await emeaLead(), await emeaLead()];
    expect(offers).not.toContain("U0REPANA01");

    // Next Monday she is back in turn, and the ledger holds every assignment with its reason.
    // (Léa is again the furthest behind her due: she had the Wednesday lead Jonas did not.)
    scene.now = new Date("2026-11-30T09:00:00Z");
    expect(await emeaLead()).toBe("U0REPLEA01");
    expect(await emeaLead()).toBe("U0REPANA01");
    const ledger = await database.current.prisma.assignment.findMany({
      where: { rep: { slackUserId: "U0REPANA01" } },
      orderBy: { at: "asc" },
    });
    expect(ledger.map((a) => a.at.toISOString())).toEqual([
      "2026-11-23T09:00:00.000Z",
      "2026-11-23T23:30:00.000Z",
      "2026-11-30T09:00:00.000Z",
    ]);
    expect(ledger[0]).toMatchObject({ kind: "round_robin", creditedAt: null });
    expect(ledger[0]!.reason).toContain("round robin: Ana is furthest behind their due");
    const all = await database.current.prisma.assignment.count();
    expect(all).toBe(scene.sent);
  });
});
