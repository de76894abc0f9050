// The fallback chain when nobody can take a lead, end to end on a controllable clock: every
// EMEA rep is away, so a new EMEA lead is held (never unassigned) and the manager is told why
// at once; after 30 minutes the overflow team is tried (nobody there either: it stays held),
// after 2 hours the admins hear. A rep coming back gets the oldest held lead first; a later
// overflow that finds a rep gives the lead to them. The dry runs say the same beforehand.
import { describe, expect, it } from "vitest";
import { EMEA_REPS, NA_REPS, useRoutingScene, withEmeaChain } from "#test/setup/routing-scene.ts";

// EMEA holds, tells Klaus, tries NA (an assign team here) after 30m, the admins after 2h.
// Ana takes one lead a day.
const playbook = withEmeaChain({ U0REPANA01: { dailyCap: 1 } });

// Monday 11:00 in Berlin.
const scene = useRoutingScene({ start: "2026-11-23T10:00:00Z", playbook, domain: "held" });
const { app, database, sweepAt, dmOf } = scene;
const emeaLead = () => scene.emeaLead({ country: "DE" });
const lead = scene.leadRow;
const command = async (text: string, userId: string) => (await scene.command(text, userId)).all;
const cli = async (fields: Record<string, unknown>) => {
  const { code, out } = await scene.cli(fields);
  expect(code).toBe(0);
  return out;
};
const EMEA = EMEA_REPS;
const NA = NA_REPS;

describe("the fallback chain", () => {
  it("holds a lead nobody can take, alerts the manager, tries the overflow team, then the admins; a rep back gets it", async () => {
    await app.current.profilesRead;
    await database.current.prisma.rep.updateMany({
      where: { slackUserId: { in: [...EMEA, ...NA] } },
      data: { paused: true, awaySince: new Date("2026-11-20T08:00:00Z") },
    });

    // The dry runs say what will happen: held, Klaus told, NA in 30m, the admins in 2h.
    const fields = { region: "EMEA", companySize: 2000, country: "DE" };
    const out = await cli({ email: "dry@held.example", ...fields });
    expect(out).toContain("Next: nobody, the lead is held (nobody available; skipped Ana");
    expect(out).toContain(
      "held until a rep can take it; managers alerted now; offered to team na-midmarket after 30m; admins alerted after 2h",
    );
    const reply = await command("route region=EMEA companySize=2000 country=DE", "U0MGRKLAUS");
    expect(reply).toContain("Next: nobody, the lead is held");
    expect(reply).toContain("offered to team na-midmarket after 30m");

    // What happens is what they said: held, in EMEA, offered to nobody; Klaus hears why.
    const first = await emeaLead();
    let a = await lead(first.id);
    expect(a).toMatchObject({
      status: "OFFERED",
      offeredToId: null,
      team: { key: "emea-enterprise" },
    });
    expect(a.events.find((e) => e.type === "offered")?.reason).toContain(
      "nobody available; skipped Ana away since 2026-11-20 08:00 UTC until they are back",
    );
    expect(a.events.find((e) => e.type === "fallback")?.reason).toMatch(
      /^fallback step 1: managers alerted now; nobody available/,
    );
    app.current.outbox.wake();
    const alert = await dmOf("U0MGRKLAUS", `L-${first.number}`);
    expect(alert.text).toContain("Baton is holding it");
    expect(alert.text).toContain("Jonas away since 2026-11-20 08:00 UTC");
    expect(JSON.stringify(alert.blocks)).toContain(`ghost:${first.id}`);
    // Shown to the manager's review as an open lead of the team.
    expect(await command("review team emea-enterprise private", "U0MGRKLAUS")).toContain(
      `L-${first.number}`,
    );

    // 30 minutes later: NA is tried, nobody there either: it stays held, and the trail says so.
    let swept = await sweepAt(new Date("2026-11-23T10:31:00Z"));
    expect(swept?.fired).toMatchObject({ "fallback.1": 1 });
    a = await lead(first.id);
    expect(a).toMatchObject({
      status: "OFFERED",
      offeredToId: null,
      team: { key: "emea-enterprise" },
    });
    expect(a.events.at(-1)?.reason).toMatch(
      /^overflow to na-midmarket tried: nobody there can take it either \(Mike away since 2026-11-20 08:00 UTC until they are back, Priya away/,
    );

    // 2 hours: the admins hear.
    swept = await sweepAt(new Date("2026-11-23T12:01:00Z"));
    expect(swept?.fired).toMatchObject({ "fallback.2": 1 });
    const admins = await dmOf("U0REVOPS01", `L-${first.number}`);
    expect(admins.text).toContain("Baton is holding it");

    // A second lead comes in and is held too.
    const second = await emeaLead();
    expect(await lead(second.id)).toMatchObject({ status: "OFFERED", offeredToId: null });

    // Ana is back: the oldest held lead is hers; her cap (1 a day) keeps the other held.
    expect(await command("away off", "U0REPANA01")).toContain("Welcome back");
    a = await lead(first.id);
    expect(a.offeredTo?.slackUserId).toBe("U0REPANA01");
    expect(a.events.find((e) => e.type === "revisited")?.reason).toContain("held lead revisited");
    expect(await lead(second.id)).toMatchObject({ status: "OFFERED", offeredToId: null });
    app.current.outbox.wake();
    await dmOf("U0REPANA01", `L-${first.number}`);

    // Mike (NA) is back, with no event Baton hears of: the sweep at the second lead's 30
    // minutes tries NA again, and Mike gets it.
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPMIKE1" },
      data: { paused: false, awaySince: null },
    });
    // (The sweep revisits held leads first: EMEA still has nobody, Ana is capped.)
    swept = await sweepAt(new Date("2026-11-23T12:32:00Z"));
    expect(swept?.fired).toMatchObject({ "fallback.1": 1 });
    const b = await lead(second.id);
    expect(b).toMatchObject({ status: "OFFERED", team: { key: "na-midmarket" } });
    expect(b.offeredTo?.slackUserId).toBe("U0REPMIKE1");
    expect(b.events.find((e) => e.type === "reassigned")?.reason).toContain(
      "overflow to na-midmarket",
    );
  });
});
