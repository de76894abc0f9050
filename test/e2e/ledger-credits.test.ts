// The assignment ledger's credits, end to end on a controllable clock: a junk lead (disqualified
// as bad data) is credited back to the rep who had it, while an offer she let time out still
// counts against her.
import { describe, expect, it } from "vitest";
import { claimLead } from "#src/services/claim-lead.ts";
import { disposeLead } from "#src/services/dispose-lead.ts";
import { useRoutingScene } from "#test/setup/routing-scene.ts";

// Monday 10:00 in Berlin.
const scene = useRoutingScene({ start: "2026-11-23T09:00:00Z", domain: "ledger" });
const { app, database, emeaLead } = scene;
const use = () => ({
  db: database.current,
  playbook: app.current.deps.playbook.current,
  webhooks: app.current.deps.config.webhooks,
  now: scene.now,
});
const anaCount = async () =>
  (
    await database.current.prisma.teamMember.findFirstOrThrow({
      where: { rep: { slackUserId: "U0REPANA01" }, team: { key: "emea-enterprise" } },
    })
  ).assignedCount;

describe("the assignment ledger", () => {
  it("credits a junk lead back to its rep, and keeps counting one she neglected", async () => {
    await app.current.profilesRead;
    const junk = await emeaLead();
    expect(junk.offeredTo?.slackUserId).toBe("U0REPANA01");
    expect(await anaCount()).toBe(1);

    scene.now = new Date("2026-11-23T09:05:00Z");
    await claimLead({ ...use(), leadId: junk.id, userId: "U0REPANA01" });
    await disposeLead({
      ...use(),
      leadId: junk.id,
      userId: "U0REPANA01",
      disposition: "disqualify",
      reasonKey: "bad-data",
    });
    const [credited] = await database.current.prisma.assignment.findMany({
      where: { leadId: junk.id },
    });
    expect(credited).toMatchObject({
      kind: "round_robin",
      creditedAt: new Date("2026-11-23T09:05:00Z"),
      creditReason: "junk: Fake or wrong contact data",
    });
    expect(await anaCount()).toBe(0);
    const { decision } = await scene.dryRun({ region: "EMEA", companySize: "900" });
    expect(decision.why).toBe(
      "round robin: Jonas is furthest behind their due (0 leads, 0.3 due at weight 1)",
    );
    expect(decision.summary).not.toContain("Ana capped");

    // A lead disqualified for a reason that is not junk stays counted.
    const [jonasLead, leaLead, anaLead] = [await emeaLead(), await emeaLead(), await emeaLead()];
    expect(anaLead.offeredTo?.slackUserId).toBe("U0REPANA01");
    await disposeLead({
      ...use(),
      leadId: jonasLead.id,
      userId: "U0REPJONAS",
      disposition: "disqualify",
      reasonKey: "no-budget",
    });
    expect(
      (
        await database.current.prisma.assignment.findFirstOrThrow({
          where: { leadId: jonasLead.id },
        })
      ).creditedAt,
    ).toBeNull();

    // Ana lets her offer time out (the enterprise policy gives her 2 business hours): her own
    // neglect, so it still counts against her, and the lead moves on.
    expect(leaLead.offeredTo?.slackUserId).toBe("U0REPLEA01");
    // Through the scene: the outbox's card deliveries lock leads a sweep skips.
    await scene.sweepAt(new Date("2026-11-23T12:00:00Z"));
    const moved = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: anaLead.id },
      include: { offeredTo: true },
    });
    expect(moved.offeredTo?.slackUserId).not.toBe("U0REPANA01");
    const neglected = await database.current.prisma.assignment.findFirstOrThrow({
      where: { leadId: anaLead.id, rep: { slackUserId: "U0REPANA01" } },
    });
    expect(neglected.creditedAt).toBeNull();
    const reoffer = await database.current.prisma.leadEvent.findFirstOrThrow({
      where: { leadId: anaLead.id, type: "offer_timed_out" },
    });
    expect(reoffer.data).toMatchObject({ repId: neglected.repId });
  });

  it("shows managers each rep's share against weight and who is next up", async () => {
    const text = (await scene.command("stats 30d by rep", "U0MGRKLAUS")).all;
    const { decision } = await scene.dryRun({ region: "EMEA", companySize: "900" });
    const next = decision.outcome.kind === "rep" ? decision.outcome.repId : "";
    const nextName = (await database.current.prisma.rep.findUniqueOrThrow({ where: { id: next } }))
      .name;
    expect(text).toContain(`*Round robin · EMEA Enterprise* · next up: *${nextName}*`);
    // Ana: weight 2 of 4; her junk lead is credited, not counted.
    const ledger = await database.current.prisma.assignment.groupBy({
      by: ["repId"],
      where: { team: { key: "emea-enterprise" }, creditedAt: null },
      _count: { _all: true },
    });
    const ana = await database.current.prisma.rep.findUniqueOrThrow({
      where: { slackUserId: "U0REPANA01" },
    });
    const hers = ledger.find((l) => l.repId === ana.id)?._count._all ?? 0;
    expect(text).toMatch(new RegExp(`Ana +50% +\\d+% +${hers} +1\\b`));
    expect(text).toMatch(/Rep +Weight +Share +Leads +Credited/);
  });

  it("shows a manager of an assign team the same round robin in their App Home", async () => {
    const view = await scene.openHome("U0MGRKLAUS");
    expect(view).toContain("Round robin, last 30 days");
    expect(view).toMatch(/\*Round robin · EMEA Enterprise\* · next up: \*\S+\*/);
    expect(view).toMatch(/Ana +50%/);
  });
});
