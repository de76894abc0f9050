import { describe, expect, it } from "vitest";
import {
  type Candidate,
  decideRoute,
  describeSkip,
  pickRep,
  pickTeam,
  statusSaysAway,
} from "#src/domain/routing.ts";

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
  it("takes the first rule that holds, says which, and why the others failed", () => {
    expect(pickTeam({ region: "EMEA", companySize: 800, country: "US" }, routing)).toMatchObject({
      teamKey: "emea",
      reason: "rule 'EMEA enterprise'",
      rules: [
        { rule: "EMEA enterprise", matched: true, evaluated: true },
        { rule: "NA mid-market", matched: false, evaluated: false },
      ],
    });
    expect(pickTeam({ region: "EMEA", companySize: 80, country: "US" }, routing)).toMatchObject({
      teamKey: "na",
      reason: "rule 'NA mid-market'",
      rules: [{ matched: false, failed: "companySize gte 500, but it is 80" }, { matched: true }],
    });
    expect(pickTeam({ country: "BR" }, routing)).toEqual({
      teamKey: "inbound",
      reason: "no rule matched: default team",
      rules: [
        {
          rule: "EMEA enterprise",
          team: "emea",
          matched: false,
          evaluated: true,
          failed: "region in [EMEA], but it is empty",
        },
        {
          rule: "NA mid-market",
          team: "na",
          matched: false,
          evaluated: true,
          failed: "country in [US, CA], but it is BR",
        },
      ],
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
  it("gives the lead to the rep furthest behind their due per unit of weight and says why", () => {
    // Ana has fewer leads than her due (−0.3 a unit of weight), Jonas more (+0.6): Ana, though
    // by leads per weight (4/2 against 3/1) she would be level with him.
    const choice = pickRep(
      [
        rep("Ana", { weight: 2, assignedCount: 4, assignedDue: 4.6 }),
        rep("Jonas", { assignedCount: 3, assignedDue: 2.4 }),
      ],
      now,
    );
    expect(choice).toEqual({
      repId: "ana",
      name: "Ana",
      why: "round robin: Ana is furthest behind their due (4 leads, 4.6 due at weight 2)",
      skipped: [],
      countAfter: 5,
      dueAfter: { ana: 4.6 + 2 / 3, jonas: 2.4 + 1 / 3 },
    });
    expect(pickRep([rep("Jonas", { assignedCount: 1, assignedDue: 1.04 })], now)).toMatchObject({
      why: "round robin: Jonas is furthest behind their due (1 lead, 1 due at weight 1)",
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

  it("skips reps who are away, deactivated, capped, at capacity or passed, and says why", () => {
    const since = new Date("2026-11-19T08:00:00Z");
    const choice = pickRep(
      [
        rep("Ana", { awayUntil: new Date("2026-11-27T00:00:00Z"), awaySince: since }),
        rep("Bo", { paused: true }),
        rep("Cy", { deactivated: true }),
        rep("Di", { capacity: 2, openLeads: 2 }),
        rep("Ed"),
        rep("Gus", { dailyCap: 3, assignedToday: 3 }),
        rep("Hal", { weeklyCap: 10, assignedToday: 1, assignedThisWeek: 10 }),
        rep("Flo", { assignedCount: 5, dailyCap: 3, assignedToday: 2 }),
      ],
      now,
      ["ed"],
    );
    expect(choice.repId).toBe("flo");
    expect(choice.skipped.map((s) => `${s.name} ${describeSkip(s.reason)}`)).toEqual([
      "Ana away since 2026-11-19 08:00 UTC until 2026-11-27 00:00 UTC",
      "Bo away until they are back",
      "Cy deactivated",
      "Di at capacity (2/2 open leads)",
      "Ed passed on or let go of this lead",
      "Gus capped 3/3 today",
      "Hal capped 10/10 this week",
    ]);
    expect(pickRep([rep("Ana", { awayUntil: new Date(now.getTime() - 1) })], now).repId).toBe(
      "ana",
    );
  });

  it("brings a rep back from leave at a fair share, not a flood of catch-up leads", () => {
    // Ana (weight 2) was away while Jonas and Lea took 40 leads each.
    const reps = [
      rep("Ana", { weight: 2, assignedCount: 10 }),
      rep("Jonas", { assignedCount: 40, lastAssignedAt: new Date(1) }),
      rep("Lea", { assignedCount: 40, lastAssignedAt: new Date(2) }),
    ];
    const picks: string[] = [];
    for (let i = 0; i < 12; i++) {
      const choice = pickRep(reps, now);
      if (!choice.repId) throw new Error("nobody");
      const picked = reps.find((r) => r.repId === choice.repId)!;
      picked.assignedCount = choice.countAfter;
      picked.lastAssignedAt = new Date(now.getTime() + i);
      picks.push(choice.repId);
      if (i === 0) {
        expect(choice.why).toBe(
          "round robin: Ana is furthest behind their due (10 leads counted as 78 (back at a fair share), 0 due at weight 2)",
        );
      }
    }
    // From her first lead on she gets her weighted half, never a run of 60.
    expect(picks.filter((p) => p === "ana")).toHaveLength(6);
    expect(picks.slice(0, 4).filter((p) => p === "ana").length).toBeLessThanOrEqual(3);
  });

  it("gives a part-timer back every morning their due, not a bonus on each return", () => {
    // Ines (weight 2) works 4 of the team's 8.5 hours; each lead is due to the reps who can
    // take it in proportion to their weights. Twenty days of 25 leads.
    const team = [
      rep("Frida", { weight: 3 }),
      rep("Gus"),
      rep("Hana", { weight: 2 }),
      rep("Ines", { weight: 2 }),
    ];
    const due = new Map(team.map((r) => [r.repId, 0]));
    const got = new Map(team.map((r) => [r.repId, 0]));
    let t = 0;
    for (let day = 0; day < 20; day++) {
      for (let i = 0; i < 25; i++) {
        t += 1;
        const hour = 8.5 + (8.5 * i) / 25;
        const offShift = hour < 10 || hour >= 14;
        const now_ = team.map((r) => ({ ...r, paused: r.repId === "ines" && offShift }));
        const available = now_.filter((r) => !r.paused);
        const weights = available.reduce((sum, r) => sum + r.weight, 0);
        for (const r of available) due.set(r.repId, due.get(r.repId)! + r.weight / weights);
        const choice = pickRep(now_, now);
        if (!choice.repId) throw new Error("nobody");
        const picked = team.find((r) => r.repId === choice.repId)!;
        picked.assignedCount = choice.countAfter;
        picked.lastAssignedAt = new Date(t);
        for (const r of team) r.assignedDue = choice.dueAfter[r.repId] ?? r.assignedDue;
        got.set(picked.repId, got.get(picked.repId)! + 1);
      }
    }
    for (const r of team) {
      // (Without the due kept, the floor at one lead per unit of weight behind the leader gave
      // Ines +32%; level with the round, +8%.)
      expect(Math.abs(got.get(r.repId)! / due.get(r.repId)! - 1), r.name).toBeLessThan(0.05);
    }
  });

  it("gives reps who keep coming back (capped, part-time, passing) their due, not a lead early on each return", () => {
    // The quarter simulation's EMEA team, lead by lead: Gus (weight 1) is capped at 5 leads a
    // day and off on Fridays, Ines (weight 2) works mornings, Frida (weight 3) passes on every
    // third lead she is offered (it counts as hers, and goes on to the others). Counted level
    // with the round, a rep coming back was the lowest and, having waited longest, got the next
    // lead each time, and leads per weight ignored what each rep could have had: Hana -5.7%,
    // Frida +3.6%, Ines +4.1% here (in the simulation Gus +30%, Ines +14%). Each rep's due is
    // now kept (weight / the weights of all who could have had the lead) and round robin
    // compares with it, so a rep comes back where they left the round.
    const team = [
      rep("Frida", { weight: 3 }),
      rep("Gus", { dailyCap: 5 }),
      rep("Hana", { weight: 2 }),
      rep("Ines", { weight: 2 }),
    ];
    const due = new Map(team.map((r) => [r.repId, 0]));
    const got = new Map(team.map((r) => [r.repId, 0]));
    let t = 0;
    for (let day = 0; day < 20; day++) {
      for (const r of team) r.assignedToday = 0;
      for (let i = 0; i < 25; i++) {
        const hour = 8.5 + (8.5 * i) / 25;
        const exclude: string[] = [];
        for (;;) {
          t += 1;
          const now_ = team.map((r) => ({
            ...r,
            paused:
              (r.repId === "ines" && (hour < 10 || hour >= 14)) ||
              (r.repId === "gus" && day % 5 === 4),
          }));
          const available = now_.filter((r) => !r.paused && !exclude.includes(r.repId));
          const open = available.filter((r) => !r.dailyCap || r.assignedToday! < r.dailyCap);
          const weights = open.reduce((sum, r) => sum + r.weight, 0);
          for (const r of open) due.set(r.repId, due.get(r.repId)! + r.weight / weights);
          const choice = pickRep(now_, now, exclude);
          if (!choice.repId) throw new Error("nobody");
          const picked = team.find((r) => r.repId === choice.repId)!;
          picked.assignedCount = choice.countAfter;
          picked.lastAssignedAt = new Date(t);
          picked.assignedToday! += 1;
          for (const r of team) r.assignedDue = choice.dueAfter[r.repId] ?? r.assignedDue;
          got.set(picked.repId, got.get(picked.repId)! + 1);
          if (picked.repId !== "frida" || t % 3 !== 0) break;
          exclude.push("frida");
        }
      }
    }
    for (const r of team) {
      expect(Math.abs(got.get(r.repId)! / due.get(r.repId)! - 1), r.name).toBeLessThan(0.05);
    }
  });

  it("treats a Slack status that says they are out as away, until it expires", () => {
    const since = new Date("2026-11-20T08:00:00Z");
    const out = rep("Ana", { statusAway: { text: ":palm_tree: Vacation", since, until: null } });
    expect(describeSkip(pickRep([out, rep("Bo")], now).skipped[0]!.reason)).toBe(
      "away since 2026-11-20 08:00 UTC until their status clears (Slack status: :palm_tree: Vacation)",
    );
    const expired = rep("Ana", {
      statusAway: { text: "OOO", since, until: new Date(now.getTime() - 1) },
    });
    expect(pickRep([expired], now).repId).toBe("ana");
  });

  it("says when nobody is available", () => {
    expect(pickRep([rep("Ana", { paused: true })], now).repId).toBeUndefined();
  });
});

describe("statusSaysAway", () => {
  const lists = {
    awayEmoji: [":palm_tree:", ":airplane:"],
    awayWords: ["OOO", "out sick", "vacation"],
  };
  it("reads the emoji, and the words as whole words in any case", () => {
    expect(statusSaysAway({ emoji: ":palm_tree:", text: "" }, lists)).toBe(true);
    expect(statusSaysAway({ emoji: ":coffee:", text: "ooo until Monday" }, lists)).toBe(true);
    expect(statusSaysAway({ text: "Out sick today" }, lists)).toBe(true);
    expect(statusSaysAway({ text: "On vacation!" }, lists)).toBe(true);
    expect(statusSaysAway({ text: "Booooking demos" }, lists)).toBe(false);
    expect(statusSaysAway({ emoji: ":coffee:", text: "In a meeting" }, lists)).toBe(false);
    expect(statusSaysAway({}, lists)).toBe(false);
  });
});

describe("decideRoute", () => {
  const assign = (candidates: Candidate[]) => ({
    key: "emea",
    mode: "assign" as const,
    candidates,
  });
  const lead = { region: "EMEA", companySize: 900, companyDomain: "acme.example" };

  it("explains the whole decision in one line for the audit trail", () => {
    const decision = decideRoute({
      lead,
      routing,
      now,
      team: assign([rep("Ana", { paused: true }), rep("Bo", { assignedCount: 1 })]),
      outsiders: [{ repId: "kim", name: "Kim" }],
    });
    expect(decision.outcome).toEqual({
      kind: "rep",
      teamKey: "emea",
      repId: "bo",
      countAfter: 2,
      dueAfter: { bo: 1 },
    });
    expect(decision.why).toBe(
      "round robin: Bo is furthest behind their due (1 lead, 0 due at weight 1)",
    );
    expect(decision.summary).toBe(
      "rule 'EMEA enterprise', round robin: Bo is furthest behind their due (1 lead, 0 due at weight 1); skipped Ana away until they are back",
    );
    expect(decision.skipped.map((s) => [s.name, describeSkip(s.reason)])).toEqual([
      ["Ana", "away until they are back"],
      ["Kim", "not in team emea"],
    ]);
  });

  it("gives the account's owner their account unless they are away", () => {
    const owner = { candidate: rep("Zoe"), teamKey: "na", domain: "acme.example" };
    const team = assign([rep("Bo")]);
    expect(decideRoute({ lead, routing, now, team, owner }).outcome).toEqual({
      kind: "owner",
      teamKey: "na",
      repId: "zoe",
    });
    const away = { ...owner, candidate: rep("Zoe", { paused: true }) };
    const decision = decideRoute({ lead, routing, now, team, owner: away });
    expect(decision.outcome).toMatchObject({ kind: "rep", repId: "bo" });
    expect(decision.teamReason).toBe(
      "rule 'EMEA enterprise'; account owner Zoe away until they are back",
    );
  });

  it("posts to the channel in claim mode, or when no rep of an assign team can take it", () => {
    const claim = decideRoute({
      lead: { country: "BR" },
      routing,
      now,
      team: { key: "inbound", mode: "claim", candidates: [] },
    });
    expect(claim.outcome).toEqual({ kind: "channel", teamKey: "inbound" });
    const nobody = decideRoute({
      lead,
      routing,
      now,
      team: assign([rep("Ana", { paused: true })]),
    });
    expect(nobody.outcome).toEqual({ kind: "channel", teamKey: "emea" });
    expect(nobody.why).toBe(
      "no rep available; skipped Ana away until they are back: posted to the team channel",
    );
  });

  it("names the overflow and a chosen team that is gone", () => {
    const decision = decideRoute({
      lead,
      routing,
      now,
      teamKey: "na",
      team: { key: "inbound", mode: "claim", candidates: [] },
    });
    expect(decision.teamReason).toBe("overflow to na; team na is gone: default team inbound");
  });
});
