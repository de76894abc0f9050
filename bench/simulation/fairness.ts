// The fairness figure of the quarter (#16): in the assign-mode team, each rep's share of the
// leads Baton's round robin gave them, against the share their weight entitles them to while
// they could take leads; and the leads held longer than the SLA because nobody could take them.
// A lead waiting only because every rep who could take it had passed on it or let its offer
// time out is not waiting for availability: it is counted apart (the ghost alerts are for it).
//
// Expected share. A rep who is on holiday, off shift or capped cannot be offered a lead, and
// Baton deliberately does not make up for it afterwards (the fair-share floor: a rep back from
// leave is not flooded). So a rep's due is counted lead by lead, from Baton's own audit trail:
// for every round-robin offer, each rep who could have had it (not skipped as away, off hours,
// capped, at capacity, deactivated, or having passed on this very lead) is due
// weight / (sum of the weights of the reps who could have had it). A rep's expected share is
// their due over all offers; their actual share is what the assignment ledger holds for them
// (credits excluded: a lead withdrawn because they went away does not count for them, and the
// offer that withdrew it is not counted either).
//
// "Within 5% of their weight" is read as relative: |actual / expected - 1| <= 5%. Percentage
// points would be meaningless across weights: 5 points is a third of the share of a rep with
// weight 1 in a team of weight 8 (12.5%), and would let such a rep get 40% fewer leads.
import { businessMinutes, type Calendar } from "#bench/simulation/model.ts";
import type { Database } from "#src/db/database.ts";
import { describeSkip } from "#src/domain/routing.ts";
import type { Playbook } from "#src/playbook/schema.ts";

const MINUTE = 60_000;

export interface RepFairness {
  name: string;
  weight: number;
  /** Round-robin leads the ledger counts for the rep (credits excluded). */
  leads: number;
  /** Leads credited back to the rep (withdrawn while away, junk). */
  credited: number;
  /** The rep's due, in leads (see above). */
  expected: number;
  expectedShare: number;
  actualShare: number;
  /** actual / expected - 1. */
  deviation: number;
}

export interface Fairness {
  team: string;
  reps: RepFairness[];
  /** Round-robin offers counted (credited ones excluded). */
  offers: number;
  /** Leads handed off with nobody in the team able to take them (away, off shift, capped...). */
  held: number;
  /** ...of which waited for a rep longer than the SLA's reassign time. */
  heldOverSla: number;
  /** Leads nobody was offered because every rep who could take it had passed on it. */
  passedOn: number;
  /** The SLA a held lead is measured against: the team policy's offered.reassign. */
  slaMinutes: number;
  /** The longest a lead waited for a rep because of availability, in business minutes. */
  longestHoldMinutes: number;
  /** Each hold longer than the SLA, in words (lead, when, how long, why, what ended it). */
  overSla: string[];
}

export const FAIRNESS_GOALS = { deviation: 0.05, heldOverSla: 0 };

interface RoutingData {
  team?: string;
  mode?: string;
  rep?: string;
  routing?: { skipped?: { rep: string; why: string }[] };
}

export async function fairnessFigures(
  db: Database,
  playbook: Playbook,
  calendar: (team: string) => Calendar,
  /** When the figures are read: a lead still held then is measured up to it. */
  end: number,
): Promise<Fairness | undefined> {
  const team = playbook.teams.find((t) => t.mode === "assign");
  if (!team) return undefined;
  const teamRow = await db.prisma.team.findFirst({
    where: { key: team.key },
    select: { id: true },
  });
  if (!teamRow) return undefined;
  const reps = await db.prisma.rep.findMany({
    where: { slackUserId: { in: team.reps.map((r) => r.user) } },
    select: { id: true, slackUserId: true, name: true },
  });
  const entry = (user: string) => team.reps.find((r) => r.user === user)!;
  // In the playbook's order, whatever order the database returns the rows in.
  const order = (user: string) => team.reps.findIndex((r) => r.user === user);
  reps.sort((a, b) => order(a.slackUserId) - order(b.slackUserId));
  const people = reps.map((r) => ({
    id: r.id,
    user: r.slackUserId,
    // The routing explanation names a rep by their playbook name, or their Slack id.
    names: new Set([r.name ?? r.slackUserId, r.slackUserId, entry(r.slackUserId).name ?? ""]),
    name: entry(r.slackUserId).name ?? r.slackUserId,
    weight: entry(r.slackUserId).weight,
  }));

  const [ledger, offers] = await Promise.all([
    db.prisma.assignment.findMany({
      where: { teamId: teamRow.id, kind: "round_robin" },
      select: { repId: true, leadId: true, at: true, creditedAt: true },
    }),
    db.prisma.leadEvent.findMany({
      // Every offer, whatever team the lead is in now: one that overflowed to another team
      // was offered (and maybe held) here first.
      where: { type: "offered" },
      select: { leadId: true, createdAt: true, data: true, lead: { select: { number: true } } },
      orderBy: { createdAt: "asc" },
    }),
  ]);
  const decisionAt = new Map<string, RoutingData>();
  for (const o of offers) {
    const data = (o.data ?? {}) as RoutingData;
    if (data.team === team.key && data.mode === "assign") {
      decisionAt.set(`${o.leadId}:${o.createdAt.getTime()}`, data);
    }
  }
  const due = new Map(people.map((p) => [p.id, 0]));
  const counted = new Map(people.map((p) => [p.id, 0]));
  const credited = new Map(people.map((p) => [p.id, 0]));
  let total = 0;
  for (const row of ledger) {
    if (row.creditedAt) {
      credited.set(row.repId, (credited.get(row.repId) ?? 0) + 1);
      continue;
    }
    const data = decisionAt.get(`${row.leadId}:${row.at.getTime()}`);
    if (!data) throw new Error(`no routing decision recorded for assignment of lead ${row.leadId}`);
    const skipped = new Set((data.routing?.skipped ?? []).map((s) => s.rep));
    const eligible = people.filter(
      (p) => p.id === row.repId || ![...p.names].some((n) => skipped.has(n)),
    );
    const weights = eligible.reduce((sum, p) => sum + p.weight, 0);
    for (const p of eligible) due.set(p.id, (due.get(p.id) ?? 0) + p.weight / weights);
    counted.set(row.repId, (counted.get(row.repId) ?? 0) + 1);
    total += 1;
  }

  // Held: handed off to the team with nobody to offer it to (the decision fell back to the
  // channel), until a rep had it (an offer to a rep, a claim, a manager's assignment).
  const policy = playbook.sla.policies[team.sla ?? playbook.sla.default];
  const slaMinutes = (policy?.offered.reassign ?? 60 * MINUTE) / MINUTE;
  const allHolds = offers.filter((o) => {
    const data = (o.data ?? {}) as RoutingData;
    return data.team === team.key && data.mode !== "assign";
  });
  // A hold is for availability when at least one rep was skipped for it (not for having let go
  // of this lead, not for being deactivated).
  const notAvailability = new Set([
    describeSkip({ kind: "passed" }),
    describeSkip({ kind: "deactivated" }),
  ]);
  const heldSince = allHolds.filter((o) =>
    ((o.data ?? {}) as RoutingData).routing?.skipped?.some((s) => !notAvailability.has(s.why)),
  );
  const later = await db.prisma.leadEvent.findMany({
    where: {
      leadId: { in: [...new Set(heldSince.map((h) => h.leadId))] },
      type: { in: ["offered", "claimed", "reassigned", "assigned"] },
    },
    select: { leadId: true, type: true, createdAt: true, data: true },
    orderBy: { createdAt: "asc" },
  });
  let heldOverSla = 0;
  let longest = 0;
  const overSla: string[] = [];
  for (const h of heldSince) {
    const next = later.find(
      (e) =>
        e.leadId === h.leadId &&
        e.createdAt > h.createdAt &&
        (e.type !== "offered" || (e.data as RoutingData | null)?.mode === "assign"),
    );
    const minutes = businessMinutes(
      calendar(team.key),
      h.createdAt.getTime(),
      next?.createdAt.getTime() ?? end,
    );
    longest = Math.max(longest, minutes);
    if (minutes > slaMinutes) {
      heldOverSla += 1;
      const data = (h.data ?? {}) as RoutingData & { routing?: { why?: string } };
      overSla.push(
        `L-${h.lead.number} held ${h.createdAt.toISOString().slice(0, 16)} for ${Math.round(minutes)} business min, until ${next ? `${next.type} ${next.createdAt.toISOString().slice(0, 16)}` : "the end"}: ${data.routing?.why ?? data.mode}`,
      );
    }
  }

  return {
    team: team.key,
    offers: total,
    held: heldSince.length,
    heldOverSla,
    passedOn: allHolds.length - heldSince.length,
    slaMinutes,
    longestHoldMinutes: longest,
    overSla,
    reps: people.map((p) => {
      const leads = counted.get(p.id) ?? 0;
      const expected = due.get(p.id) ?? 0;
      return {
        name: p.name,
        weight: p.weight,
        leads,
        credited: credited.get(p.id) ?? 0,
        expected,
        expectedShare: total ? expected / total : 0,
        actualShare: total ? leads / total : 0,
        deviation: expected ? leads / expected - 1 : leads ? Number.POSITIVE_INFINITY : 0,
      };
    }),
  };
}

/** The goals the fairness figure misses (empty when all are met). */
export function missedFairness(f: Fairness | undefined): string[] {
  if (!f) return [];
  const missed = f.reps
    .filter((r) => !(Math.abs(r.deviation) <= FAIRNESS_GOALS.deviation))
    .map(
      (r) =>
        `${r.name}'s share of ${f.team} leads ${pct(r.actualShare)} against ${pct(r.expectedShare)} due (${signed(r.deviation)}; goal: within 5%)`,
    );
  if (f.heldOverSla > FAIRNESS_GOALS.heldOverSla) {
    missed.push(
      `${f.heldOverSla} ${f.team} leads held longer than the SLA (${f.slaMinutes} business min) because nobody could take them (goal: 0)`,
    );
  }
  return missed;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${(100 * Math.abs(x)).toFixed(1)}%` : "∞";

/** The per-rep table (Markdown). */
export function fairnessTable(f: Fairness): string {
  return [
    "| rep | weight | leads (credited back) | expected share | actual share | deviation |",
    "|---|---|---|---|---|---|",
    ...f.reps.map(
      (r) =>
        `| ${r.name} | ${r.weight} | ${r.leads} (${r.credited}) | ${pct(r.expectedShare)} | ${pct(r.actualShare)} | ${signed(r.deviation)} |`,
    ),
  ].join("\n");
}
