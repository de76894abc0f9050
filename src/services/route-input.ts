// What routing needs to decide where a lead goes, read from the database: the team the rules
// (or an overflow) point at, its reps with their fairness counters, open leads and caps, and
// the account's owner. The hand-off reads it locked, inside its transaction; the dry runs
// (`baton route`, `/leads route`) read the same thing without locks and write nothing.

import { addBusinessTime, isBusinessTime } from "#src/domain/business-hours.ts";
import type { LeadFacts } from "#src/domain/conditions.ts";
import { type Candidate, pickTeam, type RouteInput } from "#src/domain/routing.ts";
import { type BusinessHours, type Playbook, repHours, repTimeZone } from "#src/playbook/schema.ts";
import { assignmentCounts } from "#src/services/assignment-ledger.ts";
import type { CrmOwnerMatch } from "#src/services/crm-owner-match.ts";
import type { Tx } from "#src/services/lead-journal.ts";

export interface TeamRow {
  id: string;
  key: string;
  channelId: string | null;
  mode: "CLAIM" | "ASSIGN";
}

export interface RouteLoadOptions {
  lead: LeadFacts;
  accountOwnerId: string | null;
  /** The owner a CRM named before routing: offered the lead first, over the account's owner. */
  crmOwner?: CrmOwnerMatch;
  playbook: Playbook;
  now: Date;
  /** Overflow: this team instead of the rules' choice. */
  teamKey?: string;
  exclude: string[];
  /** Lock the team's counters (the hand-off); false for a dry run. */
  lock: boolean;
  /** List reps of other teams as "not in team" (the dry runs). */
  withOutsiders?: boolean;
}

export interface LoadedRoute {
  route: RouteInput;
  /** The teams the decision may name, by key. */
  teams: Map<string, TeamRow>;
}

export async function routeInput(tx: Tx, options: RouteLoadOptions): Promise<LoadedRoute> {
  const { lead, playbook, now, exclude } = options;
  const chosenKey = options.teamKey ?? pickTeam(lead, playbook.routing).teamKey;
  const select = { id: true, key: true, channelId: true, mode: true } as const;
  const team =
    (await tx.team.findFirst({ where: { key: chosenKey, active: true }, select })) ??
    (await tx.team.findFirstOrThrow({
      where: { key: playbook.routing.default, active: true },
      select,
    }));
  const teams = new Map([[team.key, team]]);
  const calendarOf = (slackUserId: string, slackTimezone: string | null) => ({
    timeZone: repTimeZone(playbook, team.key, slackUserId, slackTimezone),
    hours: repHours(playbook, team.key, slackUserId),
  });
  const candidates =
    team.mode === "ASSIGN" ? await candidatesFor(tx, team.id, options, calendarOf) : [];
  const { crmOwner } = options;
  const owner = crmOwner
    ? await ownerOf(tx, crmOwner.repId, lead.companyDomain ?? null, playbook, now)
    : playbook.routing.accountMatching && options.accountOwnerId
      ? await ownerOf(tx, options.accountOwnerId, lead.companyDomain ?? null, playbook, now)
      : undefined;
  if (owner?.team) teams.set(owner.team.key, owner.team);
  const outsiders = options.withOutsiders ? await outsidersOf(tx, team.id) : undefined;
  return {
    teams,
    route: {
      lead,
      routing: playbook.routing,
      now,
      teamKey: options.teamKey,
      team: {
        key: team.key,
        mode: team.mode === "ASSIGN" ? "assign" : "claim",
        candidates,
        fallback: playbook.teams.find((t) => t.key === team.key)?.fallback,
      },
      owner: owner && {
        candidate: owner.candidate,
        teamKey: owner.team?.key ?? null,
        domain: lead.companyDomain ?? null,
        ...(crmOwner && { crm: { name: crmOwner.crm, of: crmOwner.of } }),
      },
      exclude,
      outsiders,
    },
  };
}

interface CandidateRow {
  repId: string;
  name: string | null;
  slackUserId: string;
  weight: number;
  assignedCount: number;
  assignedDue: number;
  lastAssignedAt: Date | null;
  capacity: number | null;
  paused: boolean;
  awayUntil: Date | null;
  awaySince: Date | null;
  deactivatedAt: Date | null;
  openLeads: number;
  dailyCap: number | null;
  weeklyCap: number | null;
  slackTimezone: string | null;
  statusAway: boolean;
  statusText: string | null;
  statusSince: Date | null;
  statusUntil: Date | null;
}

type CalendarOf = (
  slackUserId: string,
  slackTimezone: string | null,
) => { timeZone: string; hours: BusinessHours | undefined };

/**
 * The team's reps with their counters and open leads. Locked for a hand-off: two leads handed
 * off at once wait for each other here instead of both picking the same "next" rep.
 */
async function candidatesFor(
  tx: Tx,
  teamId: string,
  options: { lock: boolean; now: Date },
  calendarOf: CalendarOf,
): Promise<Candidate[]> {
  if (options.lock) {
    await tx.$queryRaw`SELECT 1 FROM "TeamMember"
      WHERE "teamId" = ${teamId}::uuid AND "active" AND "role" = 'rep' ORDER BY "id" FOR UPDATE`;
  }
  const rows = await tx.$queryRaw<CandidateRow[]>`
    SELECT tm."repId", r."name", r."slackUserId", tm."weight", tm."assignedCount", tm."assignedDue", tm."lastAssignedAt",
           tm."capacity", tm."dailyCap", tm."weeklyCap", r."paused", r."awayUntil", r."awaySince", r."deactivatedAt", r."slackTimezone",
           r."statusAway", r."statusText", r."statusSince", r."statusUntil",
           (SELECT count(*)::int FROM "Lead" l
             WHERE (l."ownerId" = tm."repId" AND l."status" IN ('CLAIMED', 'WORKING'))
                OR (l."offeredToId" = tm."repId" AND l."status" = 'OFFERED')) AS "openLeads"
      FROM "TeamMember" tm JOIN "Rep" r ON r."id" = tm."repId"
     WHERE tm."teamId" = ${teamId}::uuid AND tm."active" AND tm."role" = 'rep'
     ORDER BY tm."id"`;
  const { now } = options;
  const calendars = new Map(rows.map((r) => [r.repId, calendarOf(r.slackUserId, r.slackTimezone)]));
  const capped = rows.filter((row) => row.dailyCap !== null || row.weeklyCap !== null);
  const counts = await assignmentCounts(
    tx,
    capped.map((row) => ({ repId: row.repId, timeZone: calendars.get(row.repId)!.timeZone })),
    now,
  );
  return rows.map((row) => ({
    repId: row.repId,
    name: row.name ?? row.slackUserId,
    weight: row.weight,
    assignedCount: row.assignedCount,
    assignedDue: row.assignedDue,
    lastAssignedAt: row.lastAssignedAt,
    openLeads: row.openLeads,
    capacity: row.capacity,
    paused: row.paused,
    awayUntil: row.awayUntil,
    awaySince: row.awaySince,
    deactivated: row.deactivatedAt !== null,
    dailyCap: row.dailyCap,
    weeklyCap: row.weeklyCap,
    assignedToday: counts.get(row.repId)?.today ?? 0,
    assignedThisWeek: counts.get(row.repId)?.week ?? 0,
    offShiftUntil: offShiftUntil(now, calendars.get(row.repId)!),
    statusAway: statusOf(row),
  }));
}

/** The rep's Slack status, when it says they are out. */
function statusOf(rep: {
  statusAway: boolean;
  statusText: string | null;
  statusSince: Date | null;
  statusUntil: Date | null;
}): Candidate["statusAway"] {
  if (!rep.statusAway) return null;
  return { text: rep.statusText ?? "out", since: rep.statusSince, until: rep.statusUntil };
}

/** When a rep outside their own hours starts again; null inside them (or without hours). */
function offShiftUntil(
  now: Date,
  { hours, timeZone }: { hours: BusinessHours | undefined; timeZone: string },
): Date | null {
  if (!hours || isBusinessTime(now, hours, timeZone)) return null;
  return addBusinessTime(now, 0, hours, timeZone);
}

/**
 * The account's owner as a candidate, with the first active team they sell in. They are
 * available as any rep is (not away, inside their own hours in that team); caps and capacity
 * do not hold back their own accounts' leads.
 */
async function ownerOf(
  tx: Tx,
  repId: string,
  domain: string | null,
  playbook: Playbook,
  now: Date,
) {
  const rep = await tx.rep.findUniqueOrThrow({ where: { id: repId } });
  const membership = await tx.teamMember.findFirst({
    where: { repId, active: true, role: "rep", team: { active: true } },
    include: { team: { select: { id: true, key: true, channelId: true, mode: true } } },
    orderBy: { id: "asc" },
  });
  const candidate: Candidate = {
    repId,
    name: rep.name ?? rep.slackUserId,
    weight: 1,
    assignedCount: 0,
    lastAssignedAt: null,
    openLeads: 0,
    capacity: null,
    paused: rep.paused,
    awayUntil: rep.awayUntil,
    awaySince: rep.awaySince,
    deactivated: rep.deactivatedAt !== null,
    statusAway: statusOf(rep),
    offShiftUntil: membership
      ? offShiftUntil(now, {
          timeZone: repTimeZone(playbook, membership.team.key, rep.slackUserId, rep.slackTimezone),
          hours: repHours(playbook, membership.team.key, rep.slackUserId),
        })
      : null,
  };
  return { candidate, team: membership?.team, domain };
}

/** Active reps of other teams who are not in this one. */
async function outsidersOf(tx: Tx, teamId: string) {
  const reps = await tx.rep.findMany({
    where: {
      deactivatedAt: null,
      memberships: {
        some: { active: true, role: "rep", team: { active: true } },
        none: { teamId, active: true, role: "rep" },
      },
    },
    select: { id: true, name: true, slackUserId: true },
    orderBy: { name: "asc" },
  });
  return reps.map((r) => ({ repId: r.id, name: r.name ?? r.slackUserId }));
}
