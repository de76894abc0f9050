// A rep or manager disqualifies a lead, or sends it back to nurture (marketing stay-in-touch,
// optionally until a date), with a reason from the playbook's list: the card changes in
// place, marketing hears why, and the CRM gets a webhook.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/client.ts";
import { AppError } from "#src/errors.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { enqueue, recordLeadEvent } from "#src/services/lead-journal.ts";

const OPEN: LeadStatus[] = ["QUALIFIED", "OFFERED", "CLAIMED", "WORKING"];

export type Disposition = "disqualify" | "nurture";

const EFFECT = {
  disqualify: {
    status: "DISQUALIFIED",
    event: "disqualified",
    webhook: "lead.disqualified",
    verb: "disqualify",
  },
  nurture: {
    status: "NURTURE",
    event: "nurtured",
    webhook: "lead.nurtured",
    verb: "send back to nurture",
  },
} as const;

export interface DisposeLeadOptions {
  disposition: Disposition;
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  leadId: string;
  userId: string;
  reasonKey: string;
  note?: string;
  /** Nurture only: when the lead comes back into scoring for sales. */
  resurfaceAt?: Date;
  now: Date;
}

export async function disposeLead(options: DisposeLeadOptions): Promise<{ number: number }> {
  const { db, playbook, leadId, userId, now, disposition } = options;
  const effect = EFFECT[disposition];
  const reason = playbook.reasons[disposition].find((r) => r.key === options.reasonKey);
  if (!reason) throw new AppError("bad_request", "Pick one of the reasons in the list.");
  if (options.resurfaceAt && options.resurfaceAt <= now) {
    throw new AppError("bad_request", "Pick a resurface date in the future.");
  }

  return db.prisma.$transaction(async (tx) => {
    const [lead] = await tx.$queryRaw<
      { status: LeadStatus; number: number; ownerSlackId: string | null; teamKey: string | null }[]
    >`SELECT l."status", l."number", o."slackUserId" AS "ownerSlackId", t."key" AS "teamKey"
        FROM "Lead" l LEFT JOIN "Rep" o ON o."id" = l."ownerId" LEFT JOIN "Team" t ON t."id" = l."teamId"
       WHERE l."id" = ${leadId}::uuid FOR UPDATE OF l`;
    if (!lead) throw new AppError("not_found", "This lead no longer exists.");
    if (!OPEN.includes(lead.status)) {
      throw new AppError(
        "conflict",
        `This lead is already ${lead.status.toLowerCase()}; nothing to disqualify.`,
      );
    }
    const team = playbook.teams.find((t) => t.key === lead.teamKey);
    const isManager = team?.managers.includes(userId) ?? false;
    const mayAct = lead.ownerSlackId
      ? lead.ownerSlackId === userId || isManager
      : (team?.reps.some((r) => r.user === userId) ?? false) || isManager;
    if (!mayAct) {
      throw new AppError(
        "forbidden",
        lead.ownerSlackId
          ? `Only <@${lead.ownerSlackId}>, who owns this lead, or a manager of the team can ${effect.verb} it.`
          : `Only members of the lead's team can ${effect.verb} it.`,
      );
    }
    await tx.lead.update({
      where: { id: leadId },
      data: {
        status: effect.status,
        ...(disposition === "disqualify"
          ? { disqualifiedAt: now }
          : { nurturedAt: now, resurfaceAt: options.resurfaceAt ?? null }),
        dispositionReason: reason.key,
        dispositionNote: options.note ?? null,
        offeredToId: null,
        slaStage: null,
        slaDueAt: null,
        version: { increment: 1 },
      },
    });
    await recordLeadEvent(tx, {
      leadId,
      type: effect.event,
      actor: { type: isManager && lead.ownerSlackId !== userId ? "MANAGER" : "REP", id: userId },
      fromStatus: lead.status,
      toStatus: effect.status,
      reason: reason.label,
      data: {
        reasonKey: reason.key,
        note: options.note ?? null,
        resurfaceAt: options.resurfaceAt?.toISOString() ?? null,
      },
      at: now,
    });
    await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
    await enqueue(tx, {
      now,
      kind: "lead.feed",
      payload: { leadId, event: effect.event },
      orderingKey: `feed:${leadId}`,
      target: playbook.marketing.channel,
    });
    await enqueueWebhooks(
      tx,
      options.webhooks,
      effect.webhook,
      leadId,
      {
        by: userId,
        reason: reason.key,
        note: options.note ?? null,
        resurfaceAt: options.resurfaceAt?.toISOString() ?? null,
      },
      now,
    );
    return { number: lead.number };
  });
}
