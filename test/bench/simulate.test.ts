// bench:simulate in miniature: a few dozen leads over three weeks through Baton's real
// services, SLA sweep and outbox, against the static-assignment baseline. Three weeks, so a
// lead left alone for 14 days can be a ghost: the baseline has some, Baton must have none.
import { describe, expect, it } from "vitest";
import { decided, timeToClaim } from "#bench/simulation/figures.ts";
import { missedGoals, runSimulation, table } from "#bench/simulation/run.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();

describe("the outcome simulation", () => {
  it("runs a small quarter in both worlds and reports them side by side", async () => {
    const report = await runSimulation(database.current, { leads: 24, weeks: 3, seed: 11 });

    for (const world of [report.baton, report.baseline]) {
      expect(world.leads).toBe(24);
      // Every lead is decided, a ghost, or waiting: nothing is counted twice or lost.
      expect(decided(world) + world.ghosts + world.waiting).toBe(world.leads);
      expect(world.claimMinutes).toHaveLength(world.leads);
    }
    // Baton's figures come from its database: every lead was captured and handed off there.
    expect(await database.current.prisma.lead.count()).toBe(24);
    expect(
      await database.current.prisma.leadEvent.count({ where: { type: "offered" } }),
    ).toBeGreaterThanOrEqual(24);
    // The people reacted to what Baton sent, and Baton chased what they left alone.
    expect(report.activity.outboxRows).toBeGreaterThan(24);
    expect(report.slaSteps["offered.remind"]).toBeGreaterThan(0);
    expect(report.slaSteps["working.followup"]).toBeGreaterThan(0);
    expect(
      await database.current.prisma.rep.count({ where: { deactivatedAt: { not: null } } }),
    ).toBe(1);

    // Left alone, some leads go ghost; with Baton, none do.
    expect(report.baseline.ghosts).toBeGreaterThan(0);
    expect(report.baton.ghosts).toBe(0);
    expect(timeToClaim(report.baton).median).toBeLessThan(15);
    expect(missedGoals(report).filter((goal) => goal.includes("ghost"))).toEqual([]);

    const rendered = table(report);
    for (const label of [
      "leads with a decision",
      "ghosts",
      "median time to claim",
      "p90 time to claim",
      "touches per lead",
    ]) {
      expect(rendered).toContain(label);
    }
  }, 120_000);
});
