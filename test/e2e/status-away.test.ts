// Automatic away from a Slack status, end to end on a controllable clock: a rep who sets a
// holiday status stops getting offers (the one she had moves on), the dry run says why, and
// when the status expires she comes back at her fair share, not to a flood of catch-up leads.
import { describe, expect, it } from "vitest";
import { useRoutingScene } from "#test/setup/routing-scene.ts";

// Monday.
const scene = useRoutingScene({ start: "2026-11-23T10:00:00Z", domain: "status" });
const { app, database, emeaLead } = scene;

async function until<T>(read: () => Promise<T | undefined | null | false>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("timed out");
}

const ana = () =>
  database.current.prisma.rep.findUniqueOrThrow({ where: { slackUserId: "U0REPANA01" } });

describe("a Slack status that says the rep is out", () => {
  it("stops offers until it expires, moves her offer on, and brings her back at a fair share", async () => {
    // Baton read the assign team's profiles at start (the fake says nobody is out).
    await app.current.profilesRead;
    const first = await emeaLead();
    expect(first.offeredTo?.slackUserId).toBe("U0REPANA01");

    // Ana goes on holiday until Friday: a status with an expiration.
    const expiration = Math.floor(new Date("2026-11-27T00:00:00Z").getTime() / 1000);
    const ack = await scene.slack().event({
      type: "user_status_changed",
      user: {
        id: "U0REPANA01",
        tz: "Europe/Berlin",
        profile: {
          status_emoji: ":palm_tree:",
          status_text: "Vacation <!channel>",
          status_expiration: expiration,
        },
      },
    });
    expect(ack.status).toBe(200);
    await until(async () => (await ana()).statusAway);
    // Her open offer moved on to someone at work.
    const moved = await until(async () => {
      const lead = await database.current.prisma.lead.findUniqueOrThrow({
        where: { id: first.id },
        include: { offeredTo: true },
      });
      return lead.offeredTo?.slackUserId !== "U0REPANA01" && lead.offeredTo;
    });
    expect(["U0REPJONAS", "U0REPLEA01"]).toContain(moved.slackUserId);

    const away: string[] = [];
    for (const day of ["2026-11-23T14:00:00Z", "2026-11-24T10:00:00Z", "2026-11-26T10:00:00Z"]) {
      scene.now = new Date(day);
      for (let i = 0; i < 4; i++) away.push((await emeaLead()).offeredTo!.slackUserId);
    }
    expect(away).not.toContain("U0REPANA01");
    const { decision } = await scene.dryRun({ region: "EMEA", companySize: "900" });
    expect(decision.skipped.find((s) => s.name === "Ana")?.reason).toEqual({
      kind: "away",
      since: new Date("2026-11-23T10:00:00Z"),
      until: new Date("2026-11-27T00:00:00Z"),
      status: ":palm_tree: Vacation <!channel>",
    });
    // The /leads route answer shows the status escaped.
    const text = (await scene.command("route region=EMEA companySize=900", "U0MGRKLAUS")).all;
    // (User text in mrkdwn: its `_` shows as a look-alike, so it formats nothing.)
    expect(text).toMatch(/\(Slack status: :palm.tree: Vacation &lt;!channel&gt;\)/);
    expect(text).not.toContain("<!channel>");

    // Her App Home says why she gets no leads.
    expect(await scene.openHome("U0REPANA01")).toMatch(
      /Your Slack status \(:palm.tree: Vacation &lt;!channel&gt;\) says you are out/,
    );

    // Friday: the status expired (no event needed). Ana (weight 2) takes her half from now on,
    // not every lead until her count catches up with the 13 the others took meanwhile.
    scene.now = new Date("2026-11-27T09:00:00Z");
    const back: string[] = [];
    for (let i = 0; i < 8; i++) back.push((await emeaLead()).offeredTo!.slackUserId);
    const hers = back.filter((u) => u === "U0REPANA01").length;
    expect(hers).toBeGreaterThanOrEqual(3);
    expect(hers).toBeLessThanOrEqual(5);
    expect(back.slice(0, 4).filter((u) => u === "U0REPANA01").length).toBeLessThanOrEqual(3);
  });
});
