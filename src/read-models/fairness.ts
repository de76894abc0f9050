// Each assign-mode team's round robin as managers check it: per rep, the leads the ledger
// holds against them in a period (credited leads excluded, and counted apart), their share of
// the team's leads against their share of the weight. Counted from the assignment ledger, so
// the figures stay put when reps join or leave the roster.
import type { Database } from "#src/db/database.ts";
import type { Playbook } from "#src/playbook/schema.ts";

export interface FairnessRow {
  slackUserId: string;
  name: string;
  weight: number;
  /** Leads given to the rep in the period, credits excluded. */
  leads: number;
  /** Leads credited back to the rep (junk, withdrawn while away). */
  credited: number;
}

export interface TeamFairness {
  teamKey: string;
  teamName: string;
  rows: FairnessRow[];
}

export async function loadFairness(
  db: Database,
  playbook: Playbook,
  window: { from: Date; to: Date },
): Promise<TeamFairness[]> {
  const teams = playbook.teams.filter((t) => t.mode === "assign");
  if (teams.length === 0) return [];
  const rows = await db.prisma.assignment.groupBy({
    by: ["teamId", "repId"],
    where: {
      at: { gte: window.from, lte: window.to },
      team: { key: { in: teams.map((t) => t.key) } },
    },
    _count: { _all: true, creditedAt: true },
  });
  const ids = await db.prisma.team.findMany({
    where: { key: { in: teams.map((t) => t.key) } },
    select: { id: true, key: true },
  });
  const reps = await db.prisma.rep.findMany({
    where: { slackUserId: { in: teams.flatMap((t) => t.reps.map((r) => r.user)) } },
    select: { id: true, slackUserId: true },
  });
  const teamIdOf = new Map(ids.map((t) => [t.key, t.id]));
  const repIdOf = new Map(reps.map((r) => [r.slackUserId, r.id]));
  return teams.map((team) => ({
    teamKey: team.key,
    teamName: team.name,
    rows: team.reps.map((rep) => {
      const row = rows.find(
        (r) => r.teamId === teamIdOf.get(team.key) && r.repId === repIdOf.get(rep.user),
      );
      const credited = row?._count.creditedAt ?? 0;
      return {
        slackUserId: rep.user,
        name: rep.name ?? rep.user,
        weight: rep.weight,
        leads: (row?._count._all ?? 0) - credited,
        credited,
      };
    }),
  }));
}
