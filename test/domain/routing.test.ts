import { describe, expect, it } from "vitest";
import { type Candidate, pickRep, pickTeam } from "#src/domain/routing.ts";

const routing = {
  accountMatching: true,
  burstSummary: 5,
  default: "inbound",
  rules: [
    {
      name: "EMEA enterprise",
      team: "emea",
      when: [
        { field: "region", in: ["EMEA"] },
        { field: "companySize", gte: 500 },
      ],
    },
    { name: "NA mid-market", team: "na", when: [{ field: "country", in: ["US", "CA"] }] },
  ],
};

describe("pickTeam", () => {
  it("takes the first rule that holds, and says which", () => {
    expect(pickTeam({ region: "EMEA", companySize: 800, country: "US" }, routing)).toEqual({
      teamKey: "emea",
      reason: "rule 'EMEA enterprise'",
    });
    expect(pickTeam({ region: "EMEA", companySize: 80, country: "US" }, routing)).toEqual({
      teamKey: "na",
      reason: "rule 'NA mid-market'",
    });
    expect(pickTeam({ country: "BR" }, routing)).toEqual({
      teamKey: "inbound",
      reason: "no rule matched: default team",
    });
  });
});

const now = new Date("2026-11-20T15:00:00Z");
const rep = (name: string, over: Partial<Candidate> = {}): Candidate => ({
  repId: name.toLowerCase(),
  name,
  weight: 1,
  assignedCount: 0,
  lastAssignedAt: null,
  openLeads: 0,
  capacity: null,
  paused: false,
  awayUntil: null,
  deactivated: false,
  ...over,
});

describe("pickRep", () => {
  it("gives the lead to the fewest weighted assignments and says why", () => {
    const choice = pickRep(
      [rep("Ana", { weight: 2, assignedCount: 4 }), rep("Jonas", { assignedCount: 3 })],
      now,
    );
    expect(choice).toEqual({
      repId: "ana",
      reason: "round robin: Ana had the fewest weighted assignments (4/2)",
    });
  });

  it("spreads leads by weight over many rounds", () => {
    const reps = [rep("Ana", { weight: 2 }), rep("Jonas"), rep("Lea")];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const { repId } = pickRep(reps, now);
      const picked = reps.find((r) => r.repId === repId)!;
      picked.assignedCount += 1;
      picked.lastAssignedAt = new Date(now.getTime() + i);
      counts[repId!] = (counts[repId!] ?? 0) + 1;
    }
    expect(counts).toEqual({ ana: 200, jonas: 100, lea: 100 });
  });

  it("skips reps who are away, paused, deactivated, at capacity or passed", () => {
    const choice = pickRep(
      [
        rep("Ana", { awayUntil: new Date(now.getTime() + 3_600_000) }),
        rep("Bo", { paused: true }),
        rep("Cy", { deactivated: true }),
        rep("Di", { capacity: 2, openLeads: 2 }),
        rep("Ed"),
        rep("Flo", { assignedCount: 5 }),
      ],
      now,
      ["ed"],
    );
    expect(choice).toEqual({
      repId: "flo",
      reason:
        "round robin: Flo had the fewest weighted assignments (5/1); skipped Ana away, Bo paused, Cy deactivated, Di at capacity, Ed passed",
    });
    expect(pickRep([rep("Ana", { awayUntil: new Date(now.getTime() - 1) })], now).repId).toBe(
      "ana",
    );
  });

  it("says when nobody is available", () => {
    expect(pickRep([rep("Ana", { paused: true })], now)).toEqual({
      reason: "no rep available; skipped Ana paused",
    });
  });
});
