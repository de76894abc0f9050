// The owner logs a touch (call, email, meeting, LinkedIn): the lead is being worked, the SLA
// clock restarts from this touch, and the card shows the count ("3 touches so far").
import type { Database } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/client.ts";
import { AppError } from "#src/errors.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { enqueue, recordLeadEvent } from "#src/services/lead-journal.ts";
import { scheduleSla } from "#src/sla/schedule.ts";

export const TOUCH_KINDS = {
  call: "Call",
  email: "Email",
  meeting: "Meeting",
  linkedin: "LinkedIn",
  other: "Other",
} as const;
export type TouchKind = keyof typeof TOUCH_KINDS;

export interface LogTouchOptions {
  db: Database;
  playbook: Playbook;
  leadId: string;
  userId: string;
  kind: TouchKind;
  note?: string;
  now: Date;
}

export async function logTouch(
  options: LogTouchOptions,
): Promise<{ number: number; touchCount: number }> {
  const { db, playbook, leadId, userId, now } = options;
  return db.prisma.$transaction(async (tx) => {
    const [lead] = await tx.$queryRaw<
      { status: LeadStatus; number: number; ownerSlackId: string | null; teamKey: string | null }[]
    >`SELECT l."status", l."number", o."slackUserId" AS "ownerSlackId", t."key" AS "teamKey"
        FROM "Lead" l LEFT JOIN "Rep" o ON o."id" = l."ownerId" LEFT JOIN "Team" t ON t."id" = l."teamId"
       WHERE l."id" = ${leadId}::uuid FOR UPDATE OF l`;
    if (!lead) throw new AppError("not_found", "This lead no longer exists.");
    if (lead.status !== "CLAIMED" && lead.status !== "WORKING") {
      throw new AppError(
        "conflict",
        "Touches are logged on leads someone has claimed. Claim it first.",
      );
    }
    const isManager =
      playbook.teams.find((t) => t.key === lead.teamKey)?.managers.includes(userId) ?? false;
    if (lead.ownerSlackId !== userId && !isManager) {
      throw new AppError(
        "forbidden",
        `Only <@${lead.ownerSlackId}>, who owns this lead, can log touches on it.`,
      );
    }
    const updated = await tx.lead.update({
      where: { id: leadId },
      data: {
        status: "WORKING",
        touchCount: { increment: 1 },
        lastTouchAt: now,
        version: { increment: 1 },
      },
      select: { touchCount: true, firstTouchAt: true },
    });
    if (!updated.firstTouchAt) {
      await tx.lead.update({ where: { id: leadId }, data: { firstTouchAt: now } });
    }
    await recordLeadEvent(tx, {
      leadId,
      type: "touch_logged",
      actor: { type: isManager && lead.ownerSlackId !== userId ? "MANAGER" : "REP", id: userId },
      fromStatus: lead.status,
      toStatus: "WORKING",
      reason: TOUCH_KINDS[options.kind],
      data: { kind: options.kind, note: options.note ?? null, touch: updated.touchCount },
      at: now,
    });
    await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
    await scheduleSla(tx, playbook, leadId);
    return { number: lead.number, touchCount: updated.touchCount };
  });
}
