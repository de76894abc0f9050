// Held leads are offered again as soon as someone can take them, with no event to say so, on a
// controllable clock: the SLA sweep revisits them when a rep's hours start and when a cap
// resets, oldest first; and once the chain has tried its overflow team, a rep of that team
// who becomes available gets the lead too (not only the lead's own team).
import { describe, expect, it } from "vitest";
import { claimLead } from "#src/services/claim-lead.ts";
import { NA_REPS, nineToFive, useRoutingScene, withEmeaChain } from "#test/setup/routing-scene.ts";

// EMEA: Ana may take one lead a day (Berlin days), Léa works 9 to 5 in Tokyo, Jonas is away.
// Nobody there: Klaus hears at once, NA (an assign team here) is tried after 30m, the admins
// after 2h.
const playbook = withEmeaChain({
  U0REPANA01: { dailyCap: 1, timezone: "Europe/Berlin" },
  U0REPLEA01: { hours: nineToFive, timezone: "Asia/Tokyo" },
});

// Monday 11:00 in Berlin, 19:00 in Tokyo.
const scene = useRoutingScene({ start: "2026-11-23T10:00:00Z", playbook, domain: "revisit" });
const { database } = scene;

const setAway = (users: string[], away: boolean) =>
  database.current.prisma.rep.updateMany({
    where: { slackUserId: { in: users } },
    data: away
      ? { paused: true, awaySince: new Date("2026-11-20T08:00:00Z") }
      : { paused: false, awaySince: null },
  });

const held = { status: "OFFERED", offeredToId: null, team: { key: "emea-enterprise" } };

/** The lead that overflowed to Mike in the first test. */
let overflowed = "";

describe("held leads", () => {
  it("go to the overflow team the chain tried, when a rep there becomes available", async () => {
    await scene.app.current.profilesRead;
    await setAway(["U0REPJONAS", ...NA_REPS], true);
    // Ana takes the first lead of her day; the next one finds nobody in EMEA.
    const a = await scene.emeaLead();
    expect(a.offeredTo?.slackUserId).toBe("U0REPANA01");
    // She takes it (so no timed-out offer comes back into play later).
    await claimLead({
      db: database.current,
      playbook,
      webhooks: scene.app.current.deps.config.webhooks,
      leadId: a.id,
      userId: "U0REPANA01",
      now: scene.now,
    });
    const b = await scene.emeaLead();
    overflowed = b.id;
    expect(await scene.leadRow(b.id)).toMatchObject(held);

    // 30 minutes: NA is tried, nobody there either.
    let swept = await scene.sweepAt(new Date("2026-11-23T10:31:00Z"));
    expect(swept?.fired).toMatchObject({ "fallback.1": 1 });
    expect((await scene.leadRow(b.id)).events.at(-1)?.reason).toMatch(
      /^overflow to na-midmarket tried: nobody there can take it either/,
    );

    // Mike comes back (no event Baton hears of). No step of the chain is due at the next sweep,
    // but the revisit looks at NA too, and he gets the lead.
    await setAway(["U0REPMIKE1"], false);
    swept = await scene.sweepAt(new Date("2026-11-23T10:40:00Z"));
    expect(swept?.revisited).toBe(1);
    expect(Object.keys(swept?.fired ?? {}).filter((s) => s.startsWith("fallback"))).toEqual([]);
    const moved = await scene.leadRow(b.id);
    expect(moved).toMatchObject({ status: "OFFERED", team: { key: "na-midmarket" } });
    expect(moved.offeredTo?.slackUserId).toBe("U0REPMIKE1");
    expect(moved.events.find((e) => e.type === "reassigned")?.reason).toMatch(
      /: overflow to na-midmarket \(revisited: a rep there can take it now\)$/,
    );
    await scene.dmOf("U0REPMIKE1", `L-${b.number}`);
    await setAway(["U0REPMIKE1"], true);
  });

  it("are offered at the sweep when a cap resets and when a rep's hours start, oldest first", async () => {
    scene.now = new Date("2026-11-23T10:45:00Z");
    const c = await scene.emeaLead();
    scene.now = new Date("2026-11-23T10:46:00Z");
    const d = await scene.emeaLead();
    expect(await scene.leadRow(c.id)).toMatchObject(held);
    expect(await scene.leadRow(d.id)).toMatchObject(held);

    // Monday 23:30 in Berlin, Tuesday 07:30 in Tokyo: Ana still capped, Léa not at work yet.
    let swept = await scene.sweepAt(new Date("2026-11-23T22:30:00Z"));
    expect(swept?.revisited).toBe(0);
    expect(await scene.leadRow(c.id)).toMatchObject(held);
    const dry = await scene.dryRun({ region: "EMEA", companySize: "2000" });
    const skipped = dry.decision.skipped.filter((s) => s.reason.kind !== "not_in_team");
    expect(skipped.map((s) => [s.name, s.reason.kind])).toEqual([
      ["Ana", "capped"],
      ["Jonas", "away"],
      ["Léa", "off_hours"],
    ]);

    // Tuesday 00:05 in Berlin: Ana's day starts over, she gets the older lead (and is capped
    // again); the younger one stays held.
    swept = await scene.sweepAt(new Date("2026-11-23T23:05:00Z"));
    expect(swept?.revisited).toBe(1);
    expect((await scene.leadRow(c.id)).offeredTo?.slackUserId).toBe("U0REPANA01");
    expect(await scene.leadRow(d.id)).toMatchObject(held);

    // Tuesday 09:05 in Tokyo: Léa's hours start; the held leads are hers, the older first:
    // D, then B (Mike let its offer time out at 22:30, and it came back to EMEA, held again).
    swept = await scene.sweepAt(new Date("2026-11-24T00:05:00Z"));
    expect(swept?.revisited).toBe(2);
    const last = await scene.leadRow(d.id);
    expect(last.offeredTo?.slackUserId).toBe("U0REPLEA01");
    expect(last.events.find((e) => e.type === "revisited")?.reason).toMatch(
      /^held lead revisited: .*round robin: Léa/,
    );
    const back = await scene.leadRow(overflowed);
    expect(back.events.map((e) => e.type)).toContain("offer_timed_out");
    expect(back).toMatchObject({
      team: { key: "emea-enterprise" },
      offeredTo: { slackUserId: "U0REPLEA01" },
    });
  });
});
