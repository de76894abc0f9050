// bench:simulate in miniature: a few dozen leads over three weeks through Baton's real
// services, SLA sweep and outbox, against the static-assignment baseline. Three weeks, so a
// lead left alone for 14 days can be a ghost: the baseline has some, Baton must have none.
import { describe, expect, it } from "vitest";
import { type Fairness, fairnessTable, missedFairness } from "#bench/simulation/fairness.ts";
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

    // Fairness in the assign team: every counted round-robin offer is due to someone, and the
    // dues add up to the offers; Slack statuses reached Baton as the listener hands them over.
    const fairness = report.fairness!;
    expect(fairness.team).toBe("emea");
    expect(fairness.reps.map((r) => [r.name, r.weight])).toEqual([
      ["Frida", 3],
      ["Gus", 1],
      ["Hana", 2],
      ["Ines", 2],
    ]);
    const sum = (f: (r: Fairness["reps"][number]) => number) =>
      fairness.reps.reduce((total, r) => total + f(r), 0);
    expect(fairness.offers).toBeGreaterThan(0);
    expect(sum((r) => r.leads)).toBe(fairness.offers);
    expect(sum((r) => r.expected)).toBeCloseTo(fairness.offers, 9);
    expect(sum((r) => r.actualShare)).toBeCloseTo(1, 9);
    const frida = await database.current.prisma.rep.findUnique({
      where: { slackUserId: "U0SIMREP006" },
    });
    expect(frida?.statusText).toBe(":airplane: OOO, back soon");
    expect(frida?.statusAway).toBe(false); // cleared by hand when she came back
    expect(fairnessTable(fairness)).toContain("| Frida | 3 |");

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

  it("holds the fairness goals: each rep within 5% of their due, relative; no lead held past the SLA", () => {
    const rep = (name: string, deviation: number) => ({
      name,
      weight: 1,
      leads: 0,
      credited: 0,
      expected: 0,
      expectedShare: 0.25,
      actualShare: 0.25 * (1 + deviation),
      deviation,
    });
    const figure = (reps: Fairness["reps"], heldOverSla = 0): Fairness => ({
      team: "emea",
      reps,
      offers: 400,
      held: heldOverSla,
      heldOverSla,
      passedOn: 0,
      slaMinutes: 60,
      longestHoldMinutes: 0,
      overSla: [],
    });
    expect(missedFairness(figure([rep("Ana", 0.049), rep("Lea", -0.05)]))).toEqual([]);
    expect(missedFairness(figure([rep("Ana", 0.051), rep("Lea", -0.2)]))).toEqual([
      "Ana's share of emea leads 26.3% against 25.0% due (+5.1%; goal: within 5%)",
      "Lea's share of emea leads 20.0% against 25.0% due (−20.0%; goal: within 5%)",
    ]);
    expect(missedFairness(figure([rep("Ana", 0)], 2))).toEqual([
      "2 emea leads held longer than the SLA (60 business min) because nobody could take them (goal: 0)",
    ]);
  });
});
