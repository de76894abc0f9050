// Hands a qualified lead to sales: to its account's owner, or to the team the playbook's
// routing picks, posted to the team channel (claim mode) or offered to the next rep by
// weighted round robin (assign mode). Also where a lead goes back when someone lets go of it:
// the same card reopens in a claim team's channel, or the next rep gets it.
import type { LeadFact } from "#src/domain/lead-facts.ts";
import { startsFrom } from "#src/domain/lifecycle.ts";
import { type Candidate, pickRep, pickTeam } from "#src/domain/routing.ts";
import { notify } from "#src/outbox/subscribers.ts";
import type { Tx } from "#src/services/lead-journal.ts";
import {
  applyChange,
  factBase,
  factContext,
  type LifecycleOptions,
  type LockedLead,
  lockLead,
} from "#src/services/lead-transition.ts";

export interface HandOffOptions extends LifecycleOptions {
  leadId: string;
  /** Route to this team instead of the rules' choice (overflow). */
  teamKey?: string;
}

export type HandOffResult =
  | { outcome: "skipped"; status: string }
  | { outcome: "posted"; teamKey: string; channel: string; reason: string }
  | { outcome: "offered"; teamKey: string; repSlackId: string; reason: string };

export type PoolResult = { outcome: "reopened"; channel: string } | HandOffResult;

export async function handOffLead(options: HandOffOptions): Promise<HandOffResult> {
  return options.db.prisma.$transaction((tx) => handOff(tx, options), { timeout: 30_000 });
}

/** Routes a QUALIFIED lead inside the caller's transaction (hand-off, pass, reassignment). */
export async function handOff(
  tx: Tx,
  options: HandOffOptions,
  /** Reps who must not be offered this lead again (they passed on it). */
  exclude: string[] = [],
): Promise<HandOffResult> {
  const { leadId, now, playbook } = options;
  const locked = await lockLead(tx, leadId);
  if (!locked) return { outcome: "skipped", status: "CAPTURED" };
  if (!startsFrom("offer", locked.status)) {
    return { outcome: "skipped", status: locked.status };
  }
  const lead = await tx.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: { accountOwner: true },
  });

  // The account's owner keeps the account, when they can take it.
  const owner = lead.accountOwner;
  if (playbook.routing.accountMatching && owner && isAvailable(owner, now)) {
    const membership = exclude.includes(owner.id)
      ? null
      : await tx.teamMember.findFirst({
          where: { repId: owner.id, active: true, role: "rep", team: { active: true } },
          include: { team: true },
        });
    if (membership) {
      const reason = `account owner: ${owner.name ?? owner.slackUserId} owns ${lead.companyDomain}`;
      await offer(tx, options, locked, membership.team, owner, reason);
      return {
        outcome: "offered",
        teamKey: membership.team.key,
        repSlackId: owner.slackUserId,
        reason,
      };
    }
  }

  const choice = options.teamKey
    ? { teamKey: options.teamKey, reason: `overflow to ${options.teamKey}` }
    : pickTeam(
        { ...lead, attributes: lead.attributes as Record<string, unknown> },
        playbook.routing,
      );
  const team =
    (await tx.team.findFirst({ where: { key: choice.teamKey, active: true } })) ??
    (await tx.team.findFirstOrThrow({ where: { key: playbook.routing.default, active: true } }));

  if (team.mode === "ASSIGN") {
    const candidates = await candidatesFor(tx, team.id);
    const rep = pickRep(candidates, now, exclude);
    if (rep.repId) {
      await tx.teamMember.update({
        where: { teamId_repId: { teamId: team.id, repId: rep.repId } },
        data: { assignedCount: { increment: 1 }, lastAssignedAt: now },
      });
      const chosen = await tx.rep.findUniqueOrThrow({ where: { id: rep.repId } });
      const reason = `${choice.reason}, ${rep.reason}`;
      await offer(tx, options, locked, team, chosen, reason);
      return { outcome: "offered", teamKey: team.key, repSlackId: chosen.slackUserId, reason };
    }
    // Nobody can take it one to one: the whole team sees it rather than nobody.
    const reason = `${choice.reason}, ${rep.reason}: posted to the team channel`;
    await offer(tx, options, locked, team, undefined, reason);
    return { outcome: "posted", teamKey: team.key, channel: team.channelId ?? "", reason };
  }

  await offer(tx, options, locked, team, undefined, choice.reason);
  return {
    outcome: "posted",
    teamKey: team.key,
    channel: team.channelId ?? "",
    reason: choice.reason,
  };
}

interface TeamRow {
  id: string;
  key: string;
  channelId: string | null;
}

/** Posts the lead to the team channel (no rep) or offers it to one rep by DM. */
async function offer(
  tx: Tx,
  options: HandOffOptions,
  lead: LockedLead,
  team: TeamRow,
  rep: { id: string; slackUserId: string } | undefined,
  reason: string,
) {
  const { now } = options;
  await applyChange(tx, options, lead, {
    to: "OFFERED",
    set: {
      teamId: team.id,
      offeredToId: rep?.id ?? null,
      offeredAt: now,
      slaCycle: { increment: 1 },
    },
    event: {
      type: "offered",
      actorType: "SYSTEM",
      actorId: "routing",
      reason: `team ${team.key}: ${reason}`,
      data: rep
        ? { team: team.key, mode: "assign", rep: rep.slackUserId }
        : { team: team.key, mode: "claim" },
    },
    facts: [
      {
        ...factBase({ ...lead, teamKey: team.key }, now),
        type: "offered",
        team: team.key,
        rep: rep?.slackUserId ?? null,
        channel: team.channelId,
        routing: reason,
        cycle: lead.slaCycle + 1,
        reopened: false,
      },
    ],
  });
}

/**
 * Puts a lead that was just set back to QUALIFIED (by `cause`) in front of its team again, in
 * the caller's transaction: a claim team's card reopens in place and its thread says why (shown
 * in the channel too); otherwise the next rep by round robin, never one who let go of it.
 */
export async function returnToPool(
  tx: Tx,
  options: HandOffOptions,
  cause: LeadFact,
): Promise<PoolResult> {
  const { leadId, now } = options;
  const lead = await lockLead(tx, leadId);
  const team = lead?.teamKey
    ? await tx.team.findFirst({ where: { key: lead.teamKey, active: true } })
    : null;
  const card = await tx.slackMessage.findFirst({
    where: { leadId, kind: "card" },
    orderBy: { createdAt: "desc" },
  });
  // (No card recorded yet: the pending post will show the lead as it is when delivered.)
  if (
    lead &&
    team?.mode === "CLAIM" &&
    team.channelId &&
    (!card || card.channelId === team.channelId)
  ) {
    // The card everyone already knows opens again, and the channel is told why.
    await applyChange(tx, options, lead, {
      to: "OFFERED",
      set: { offeredAt: now, slaCycle: { increment: 1 } },
      event: {
        type: "offered",
        actorType: "SYSTEM",
        actorId: "routing",
        reason: `team ${team.key}: back in the pool, open for claims again`,
        data: { team: team.key, mode: "claim" },
      },
      facts: [
        {
          ...factBase(lead, now),
          type: "offered",
          team: team.key,
          rep: null,
          channel: team.channelId,
          routing: "back in the pool",
          cycle: lead.slaCycle + 1,
          reopened: true,
        },
      ],
    });
    await notify(tx, factContext(options), cause, { thread: { broadcast: true } });
    return { outcome: "reopened", channel: team.channelId };
  }
  // Assign mode (or a card that lived in a DM): the next rep, never the one who let go.
  return handOff(tx, options, await repsWhoLetGo(tx, leadId));
}

/** Reps who passed on, timed out on, or released this lead. */
export async function repsWhoLetGo(tx: Tx, leadId: string): Promise<string[]> {
  const events = await tx.leadEvent.findMany({
    where: { leadId, type: { in: ["passed", "released", "offer_timed_out", "offer_withdrawn"] } },
    select: { data: true },
  });
  return events.map((e) => (e.data as { repId?: string }).repId).filter((id): id is string => !!id);
}

/**
 * The team's reps with their counters and open leads, locked: two leads handed off at once
 * wait for each other here instead of both picking the same "next" rep.
 */
async function candidatesFor(tx: Tx, teamId: string): Promise<Candidate[]> {
  const rows = await tx.$queryRaw<
    {
      repId: string;
      name: string | null;
      slackUserId: string;
      weight: number;
      assignedCount: number;
      lastAssignedAt: Date | null;
      capacity: number | null;
      paused: boolean;
      awayUntil: Date | null;
      deactivatedAt: Date | null;
      openLeads: number;
    }[]
  >`SELECT tm."repId", r."name", r."slackUserId", tm."weight", tm."assignedCount", tm."lastAssignedAt",
           tm."capacity", r."paused", r."awayUntil", r."deactivatedAt",
           (SELECT count(*)::int FROM "Lead" l
             WHERE (l."ownerId" = tm."repId" AND l."status" IN ('CLAIMED', 'WORKING'))
                OR (l."offeredToId" = tm."repId" AND l."status" = 'OFFERED')) AS "openLeads"
      FROM "TeamMember" tm JOIN "Rep" r ON r."id" = tm."repId"
     WHERE tm."teamId" = ${teamId}::uuid AND tm."active" AND tm."role" = 'rep'
     ORDER BY tm."id"
     FOR UPDATE OF tm`;
  return rows.map((row) => ({
    repId: row.repId,
    name: row.name ?? row.slackUserId,
    weight: row.weight,
    assignedCount: row.assignedCount,
    lastAssignedAt: row.lastAssignedAt,
    openLeads: row.openLeads,
    capacity: row.capacity,
    paused: row.paused,
    awayUntil: row.awayUntil,
    deactivated: row.deactivatedAt !== null,
  }));
}

function isAvailable(
  rep: { deactivatedAt: Date | null; paused: boolean; awayUntil: Date | null },
  now: Date,
): boolean {
  return !rep.deactivatedAt && !rep.paused && !(rep.awayUntil && rep.awayUntil > now);
}
