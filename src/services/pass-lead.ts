// A rep offered a lead (assign mode) passes: the lead goes to the next rep by round robin,
// never back to someone who passed on it, or to the team channel when nobody is left.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import { AppError } from "#src/errors.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { type HandOffResult, handOff } from "#src/services/hand-off-lead.ts";
import { enqueue, recordLeadEvent } from "#src/services/lead-journal.ts";

export interface PassLeadOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  leadId: string;
  userId: string;
  now: Date;
}

export async function passLead(options: PassLeadOptions): Promise<HandOffResult> {
  const { db, leadId, userId, now } = options;
  return db.prisma.$transaction(
    async (tx) => {
      const [lead] = await tx.$queryRaw<
        { status: string; offeredTo: string | null; offeredToId: string | null }[]
      >`
        SELECT l."status", r."slackUserId" AS "offeredTo", l."offeredToId"
          FROM "Lead" l LEFT JOIN "Rep" r ON r."id" = l."offeredToId"
         WHERE l."id" = ${leadId}::uuid FOR UPDATE OF l`;
      if (!lead) throw new AppError("not_found", "This lead no longer exists.");
      if (lead.status !== "OFFERED" || lead.offeredTo !== userId) {
        throw new AppError(
          "conflict",
          "This lead is not offered to you any more, so there is nothing to pass.",
        );
      }
      await recordLeadEvent(tx, {
        leadId,
        type: "passed",
        actor: { type: "REP", id: userId },
        fromStatus: "OFFERED",
        toStatus: "QUALIFIED",
        data: { repId: lead.offeredToId },
        at: now,
      });
      // The card the rep saw now says where the lead went.
      await enqueue(tx, {
        now,
        kind: "lead.card.update",
        payload: { leadId },
        orderingKey: leadId,
      });
      await tx.lead.update({
        where: { id: leadId },
        data: { status: "QUALIFIED", offeredToId: null },
      });
      const passed = await tx.leadEvent.findMany({
        where: { leadId, type: "passed" },
        select: { data: true },
      });
      const exclude = passed
        .map((e) => (e.data as { repId?: string }).repId)
        .filter((id): id is string => !!id);
      return handOff(tx, options, exclude);
    },
    { timeout: 30_000 },
  );
}
