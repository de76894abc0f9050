// Hands a qualified lead to sales: to its account's owner, or to the team the playbook's
// routing picks, posted to the team channel (claim mode) or offered to the next rep by
// weighted round robin (assign mode). One transaction writes the routing decision with its
// reason, the new state and the Slack messages to send.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/client.ts";
import { type Candidate, pickRep, pickTeam } from "#src/domain/routing.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { enqueue, recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import { scheduleSla } from "#src/sla/schedule.ts";

export interface HandOffOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  leadId: string;
  now: Date;
  /** Route to this team instead of the rules' choice (overflow, reassignment). */
  teamKey?: string;
}

export type HandOffResult =
  | { outcome: "skipped"; status: LeadStatus }
  | { outcome: "posted"; teamKey: string; channel: string; reason: string }
  | { outcome: "offered"; teamKey: string; repSlackId: string; reason: string };

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
  const [locked] = await tx.$queryRaw<{ status: LeadStatus }[]>`
    SELECT "status" FROM "Lead" WHERE "id" = ${leadId}::uuid FOR UPDATE`;
  if (!locked) return { outcome: "skipped", status: "CAPTURED" };
  if (locked.status !== "QUALIFIED") return { outcome: "skipped", status: locked.status };
  const lead = await tx.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: { accountOwner: true },
  });

  // The account's owner keeps the account, when they can take it.
  const owner = lead.accountOwner;
  if (
    playbook.routing.accountMatching &&
    owner &&
    isAvailable(owner, now) &&
    !exclude.includes(owner.id)
  ) {
    const membership = await tx.teamMember.findFirst({
      where: { repId: owner.id, active: true, role: "rep", team: { active: true } },
      include: { team: true },
    });
    if (membership) {
      const reason = `account owner: ${owner.name ?? owner.slackUserId} owns ${lead.companyDomain}`;
      await offer(tx, options, membership.team, owner, reason);
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
      await offer(tx, options, team, chosen, reason);
      return { outcome: "offered", teamKey: team.key, repSlackId: chosen.slackUserId, reason };
    }
    // Nobody can take it one to one: the whole team sees it rather than nobody.
    const reason = `${choice.reason}, ${rep.reason}: posted to the team channel`;
    await offer(tx, options, team, undefined, reason);
    return { outcome: "posted", teamKey: team.key, channel: team.channelId ?? "", reason };
  }

  await offer(tx, options, team, undefined, choice.reason);
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
  team: TeamRow,
  rep: { id: string; slackUserId: string } | undefined,
  reason: string,
) {
  const { leadId, now } = options;
  const lead = await tx.lead.update({
    where: { id: leadId },
    data: {
      status: "OFFERED",
      teamId: team.id,
      offeredToId: rep?.id ?? null,
      offeredAt: now,
      slaCycle: { increment: 1 },
      version: { increment: 1 },
    },
  });
  await recordLeadEvent(tx, {
    leadId,
    type: "offered",
    actor: { type: "SYSTEM", id: "routing" },
    fromStatus: "QUALIFIED",
    toStatus: "OFFERED",
    reason: `team ${team.key}: ${reason}`,
    data: rep
      ? { team: team.key, mode: "assign", rep: rep.slackUserId }
      : { team: team.key, mode: "claim" },
    at: now,
  });
  await enqueue(tx, {
    now,
    ...(rep
      ? {
          kind: "lead.card.dm",
          payload: { leadId, user: rep.slackUserId },
          target: `dm:${rep.slackUserId}`,
        }
      : {
          kind: "lead.card.post",
          payload: { leadId, channel: team.channelId },
          target: team.channelId ?? undefined,
        }),
    orderingKey: leadId,
    dedupeKey: `card:${leadId}:${lead.slaCycle}`,
  });
  // The AI brief comes after the card, on its own key so a slow model holds nothing up.
  await enqueue(tx, {
    now,
    kind: "lead.brief",
    payload: { leadId },
    orderingKey: `brief:${leadId}`,
    dedupeKey: `brief:${leadId}`,
  });
  await enqueueWebhooks(
    tx,
    options.webhooks,
    "lead.qualified",
    leadId,
    rep
      ? { team: team.key, offeredTo: rep.slackUserId, routing: reason }
      : { team: team.key, routing: reason },
    now,
  );
  await scheduleSla(tx, options.playbook, leadId);
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
