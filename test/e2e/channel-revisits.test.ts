// An assign-mode team without a fallback chain posts a lead nobody can take to its channel.
// It is still the team's to hand out: the SLA sweep offers it to the first rep who can take
// it, as it does a held lead, instead of leaving it in the channel until a manager steps in
// (the quarter simulation found such leads waiting 60 to 100 business minutes).
import { describe, expect, it } from "vitest";
import {
  EMEA_REPS,
  editTeam,
  examplePlaybook,
  useRoutingScene,
} from "#test/setup/routing-scene.ts";

// EMEA without a chain and without an overflow team.
const playbook = editTeam("emea-enterprise", {
  team: { fallback: undefined, overflow: undefined },
});

// Monday 11:00 in Berlin.
const scene = useRoutingScene({ start: "2026-11-23T10:00:00Z", playbook, domain: "chanrevisit" });

const setAway = (users: string[], away: boolean) =>
  scene.database.current.prisma.rep.updateMany({
    where: { slackUserId: { in: users } },
    data: away
      ? { paused: true, awaySince: new Date("2026-11-20T08:00:00Z") }
      : { paused: false, awaySince: null },
  });

describe("a lead posted to an assign team's channel for want of a rep", () => {
  it("is offered to the first rep who can take it, at the next sweep", async () => {
    expect(examplePlaybook.teams.find((t) => t.key === "emea-enterprise")?.fallback).toBeTruthy();
    await scene.app.current.profilesRead;
    await setAway(EMEA_REPS, true);
    const lead = await scene.emeaLead();
    const posted = await scene.leadRow(lead.id);
    expect(posted).toMatchObject({
      status: "OFFERED",
      offeredToId: null,
      team: { key: "emea-enterprise" },
    });
    expect(posted.events.at(-1)?.reason).toMatch(
      /no rep available; skipped .*posted to the team channel/,
    );

    // Nobody back yet: the sweep leaves it where it is.
    let swept = await scene.sweepAt(new Date("2026-11-23T10:05:00Z"));
    expect(swept?.revisited).toBe(0);
    expect(await scene.leadRow(lead.id)).toMatchObject({ offeredToId: null });

    // Jonas is back (no event Baton hears of): the next sweep offers him the lead.
    await setAway(["U0REPJONAS"], false);
    swept = await scene.sweepAt(new Date("2026-11-23T10:10:00Z"));
    expect(swept?.revisited).toBe(1);
    const offered = await scene.leadRow(lead.id);
    expect(offered).toMatchObject({ status: "OFFERED", team: { key: "emea-enterprise" } });
    expect(offered.offeredTo?.slackUserId).toBe("U0REPJONAS");
    expect(offered.events.find((e) => e.type === "revisited")?.reason).toMatch(
      /^held lead revisited: .*round robin: Jonas/,
    );
    await scene.dmOf("U0REPJONAS", `L-${lead.number}`);
  });
});
