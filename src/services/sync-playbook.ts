// Brings teams, reps and memberships in the database in line with the playbook, at start and
// on /leads reload. Removed teams and members are deactivated, never deleted: history keeps
// its names, and the SLA engine reassigns what removed reps still hold.
import type { Database } from "#src/db/database.ts";
import type { Playbook, PlaybookTeam } from "#src/playbook/schema.ts";
import type { Tx } from "#src/services/lead-journal.ts";

export interface SyncSummary {
  teams: number;
  reps: number;
  /** Slack user ids that left a team in this sync, per team key. */
  removedMembers: { team: string; user: string }[];
  deactivatedTeams: string[];
}

export async function syncPlaybook(db: Database, playbook: Playbook): Promise<SyncSummary> {
  return db.prisma.$transaction((tx) => syncInTransaction(tx, playbook), { timeout: 60_000 });
}

/** Replicas starting together sync one after the other. */
const SYNC_LOCK = 72_700_001;

async function syncInTransaction(tx: Tx, playbook: Playbook): Promise<SyncSummary> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SYNC_LOCK}::bigint)`;
  const repIds = await syncPeople(tx, playbook);
  const summary: SyncSummary = {
    teams: 0,
    reps: repIds.size,
    removedMembers: [],
    deactivatedTeams: [],
  };
  for (const team of playbook.teams) {
    const removed = await syncTeam(tx, playbook, team, repIds);
    summary.teams += 1;
    summary.removedMembers.push(...removed.map((user) => ({ team: team.key, user })));
  }
  const gone = await tx.team.findMany({
    where: { active: true, key: { notIn: playbook.teams.map((t) => t.key) } },
    select: { id: true, key: true },
  });
  for (const team of gone) {
    await tx.team.update({ where: { id: team.id }, data: { active: false } });
    summary.deactivatedTeams.push(team.key);
  }
  return summary;
}

/** Every rep and manager of the playbook, by Slack id → Rep id. */
async function syncPeople(tx: Tx, playbook: Playbook): Promise<Map<string, string>> {
  const names = new Map<string, string | undefined>();
  for (const team of playbook.teams) {
    for (const rep of team.reps) names.set(rep.user, rep.name ?? names.get(rep.user));
    for (const manager of team.managers) if (!names.has(manager)) names.set(manager, undefined);
  }
  const repIds = new Map<string, string>();
  for (const [slackUserId, name] of names) {
    const rep = await tx.rep.upsert({
      where: { slackUserId },
      create: { slackUserId, name },
      update: name ? { name } : {},
      select: { id: true },
    });
    repIds.set(slackUserId, rep.id);
  }
  return repIds;
}

interface MemberFields {
  role: string;
  weight: number;
  capacity: number | null;
  dailyCap: number | null;
  weeklyCap: number | null;
}

/** One team and its members; returns the Slack ids of members who left it. */
async function syncTeam(
  tx: Tx,
  playbook: Playbook,
  team: PlaybookTeam,
  repIds: Map<string, string>,
): Promise<string[]> {
  const fields = {
    name: team.name,
    channelId: team.channel,
    mode: team.mode === "assign" ? ("ASSIGN" as const) : ("CLAIM" as const),
    timezone: team.timezone ?? playbook.timezone,
  };
  const row = await tx.team.upsert({
    where: { key: team.key },
    create: { key: team.key, ...fields },
    update: { ...fields, active: true },
    select: { id: true },
  });
  const existing = await tx.teamMember.findMany({
    where: { teamId: row.id },
    select: {
      id: true,
      repId: true,
      role: true,
      active: true,
      assignedCount: true,
      assignedDue: true,
      weight: true,
    },
  });
  // A rep who joins (or comes back) starts level with the others, not at zero: otherwise
  // round robin would hand them every lead until they caught up.
  const level = Math.max(
    0,
    ...existing
      .filter((m) => m.active && m.role === "rep")
      .map((m) => Math.floor((m.assignedCount - m.assignedDue) / m.weight)),
  );
  const wanted = new Map<string, MemberFields>();
  for (const manager of team.managers) {
    wanted.set(repIds.get(manager)!, {
      role: "manager",
      weight: 1,
      capacity: null,
      dailyCap: null,
      weeklyCap: null,
    });
  }
  for (const rep of team.reps) {
    wanted.set(repIds.get(rep.user)!, {
      role: "rep",
      weight: rep.weight,
      capacity: rep.capacity ?? null,
      dailyCap: rep.dailyCap ?? null,
      weeklyCap: rep.weeklyCap ?? null,
    });
  }
  for (const [repId, member] of wanted) {
    const current = existing.find((m) => m.repId === repId);
    if (!current) {
      await tx.teamMember.create({
        data: {
          teamId: row.id,
          repId,
          ...member,
          assignedCount: level * member.weight,
          assignedDue: 0,
        },
      });
      continue;
    }
    const rejoining = !current.active || (current.role !== "rep" && member.role === "rep");
    await tx.teamMember.update({
      where: { id: current.id },
      data: {
        ...member,
        active: true,
        ...(rejoining ? { assignedCount: level * member.weight, assignedDue: 0 } : {}),
      },
    });
  }
  const userOf = new Map([...repIds].map(([user, id]) => [id, user]));
  const removed: string[] = [];
  for (const member of existing) {
    if (!member.active || wanted.has(member.repId)) continue;
    await tx.teamMember.update({ where: { id: member.id }, data: { active: false } });
    removed.push(
      userOf.get(member.repId) ??
        (await tx.rep.findUniqueOrThrow({ where: { id: member.repId } })).slackUserId,
    );
  }
  return removed;
}
