// A manager hands a lead to a rep (from a ghost alert's picker): the rep owns it at once, a new
// SLA cycle starts for them, the card changes in place, the new and the previous owner are
// told, marketing's feed and the CRM's webhook record it.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/client.ts";
import { AppError } from "#src/errors.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { enqueue, recordLeadEvent } from "#src/services/lead-journal.ts";
import { scheduleSla } from "#src/sla/schedule.ts";

const OPEN: LeadStatus[] = ["QUALIFIED", "OFFERED", "CLAIMED", "WORKING"];

export interface ReassignLeadOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  leadId: string;
  /** The manager who decides. */
  userId: string;
  /** The rep who gets the lead. */
  toSlackUserId: string;
  now: Date;
}

export async function reassignLead(
  options: ReassignLeadOptions,
): Promise<{ number: number; from: string | null; to: string }> {
  const { db, playbook, leadId, userId, toSlackUserId, now } = options;
  return db.prisma.$transaction(async (tx) => {
    const [lead] = await tx.$queryRaw<
      {
        status: LeadStatus;
        number: number;
        ownerId: string | null;
        ownerSlackId: string | null;
        teamKey: string | null;
      }[]
    >`SELECT l."status", l."number", l."ownerId", o."slackUserId" AS "ownerSlackId", t."key" AS "teamKey"
        FROM "Lead" l LEFT JOIN "Rep" o ON o."id" = l."ownerId" LEFT JOIN "Team" t ON t."id" = l."teamId"
       WHERE l."id" = ${leadId}::uuid FOR UPDATE OF l`;
    if (!lead) throw new AppError("not_found", "This lead no longer exists.");
    const team = playbook.teams.find((t) => t.key === lead.teamKey);
    if (!team?.managers.includes(userId)) {
      throw new AppError(
        "forbidden",
        `Only managers of ${team?.name ?? "the lead's team"} can reassign L-${lead.number}.`,
      );
    }
    if (!OPEN.includes(lead.status)) {
      throw new AppError(
        "conflict",
        `L-${lead.number} is already ${lead.status.toLowerCase()}; there is nothing to reassign.`,
      );
    }
    if (lead.ownerSlackId === toSlackUserId) {
      throw new AppError("conflict", `L-${lead.number} is already <@${toSlackUserId}>'s.`);
    }
    const rep = await tx.rep.findUnique({
      where: { slackUserId: toSlackUserId },
      include: { memberships: { where: { active: true, role: "rep" } } },
    });
    if (!rep || rep.deactivatedAt || rep.memberships.length === 0) {
      throw new AppError(
        "bad_request",
        `<@${toSlackUserId}> is not an active rep in Baton's playbook; pick one of the team's reps.`,
      );
    }
    await tx.lead.update({
      where: { id: leadId },
      data: {
        status: "CLAIMED",
        ownerId: rep.id,
        claimedAt: now,
        offeredToId: null,
        slaCycle: { increment: 1 },
        version: { increment: 1 },
      },
    });
    await recordLeadEvent(tx, {
      leadId,
      type: "reassigned",
      actor: { type: "MANAGER", id: userId },
      fromStatus: lead.status,
      toStatus: "CLAIMED",
      reason: `assigned to <@${toSlackUserId}> by a manager`,
      data: { fromRepId: lead.ownerId, from: lead.ownerSlackId, to: toSlackUserId, repId: rep.id },
      at: now,
    });
    await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
    const where = team.channel ? ` Its card is in <#${team.channel}>.` : "";
    await enqueue(tx, {
      now,
      kind: "slack.dm",
      payload: {
        user: toSlackUserId,
        text: `:inbox_tray: <@${userId}> assigned you L-${lead.number}.${where} Reach out, then press *Log touch* on the card.`,
      },
      orderingKey: leadId,
      target: `dm:${toSlackUserId}`,
    });
    if (lead.ownerSlackId) {
      await enqueue(tx, {
        now,
        kind: "slack.dm",
        payload: {
          user: lead.ownerSlackId,
          text: `:twisted_rightwards_arrows: <@${userId}> reassigned L-${lead.number} to <@${toSlackUserId}>. It is off your list.`,
        },
        orderingKey: leadId,
        target: `dm:${lead.ownerSlackId}`,
      });
    }
    await enqueue(tx, {
      now,
      kind: "lead.feed",
      payload: { leadId, event: "reassigned" },
      orderingKey: `feed:${leadId}`,
      target: playbook.marketing.channel,
    });
    await enqueueWebhooks(
      tx,
      options.webhooks,
      "lead.reassigned",
      leadId,
      { by: userId, from: lead.ownerSlackId, to: toSlackUserId },
      now,
    );
    await scheduleSla(tx, playbook, leadId);
    return { number: lead.number, from: lead.ownerSlackId, to: toSlackUserId };
  });
}
