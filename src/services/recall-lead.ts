// Marketing recall: a marketer takes a neglected lead back, to nurture (stay-in-touch) or to be
// offered again, with a note the owner receives.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import type { LeadStatus } from "#src/db/generated/client.ts";
import { AppError } from "#src/errors.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { enqueue, recordLeadEvent } from "#src/services/lead-journal.ts";
import { returnToPool } from "#src/services/release-lead.ts";
import { safeText } from "#src/slack/text.ts";

const OPEN: LeadStatus[] = ["QUALIFIED", "OFFERED", "CLAIMED", "WORKING"];

export interface RecallLeadOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  /** "L-1042", "1042" or an email address. */
  leadRef: string;
  userId: string;
  action: "nurture" | "reoffer";
  note?: string;
  now: Date;
}

export async function recallLead(
  options: RecallLeadOptions,
): Promise<{ number: number; owner: string | null }> {
  const { db, playbook, userId, now, action } = options;
  if (!playbook.marketing.marketers.includes(userId) && !playbook.admins.includes(userId)) {
    throw new AppError(
      "forbidden",
      "Only marketers (listed under `marketing.marketers` in the playbook) can recall leads.",
    );
  }
  const ref = options.leadRef.trim();
  const number = /^(?:L-)?(\d{1,9})$/i.exec(ref)?.[1];
  const where = number ? { number: Number(number) } : { email: ref.toLowerCase() };
  return db.prisma.$transaction(
    async (tx) => {
      const found = await tx.lead.findUnique({
        where,
        select: { id: true },
      });
      if (!found) {
        throw new AppError(
          "not_found",
          `No lead matches \`${safeText(ref, 80)}\`. Use its L-number or email.`,
        );
      }
      const [lead] = await tx.$queryRaw<
        {
          id: string;
          status: LeadStatus;
          number: number;
          ownerSlackId: string | null;
          teamKey: string | null;
        }[]
      >`SELECT l."id", l."status", l."number", o."slackUserId" AS "ownerSlackId", t."key" AS "teamKey"
          FROM "Lead" l LEFT JOIN "Rep" o ON o."id" = l."ownerId" LEFT JOIN "Team" t ON t."id" = l."teamId"
         WHERE l."id" = ${found.id}::uuid FOR UPDATE OF l`;
      if (!lead || !OPEN.includes(lead.status)) {
        throw new AppError(
          "conflict",
          `L-${lead?.number} is ${lead?.status.toLowerCase()}: only leads with sales can be recalled.`,
        );
      }
      const leadId = lead.id;
      const note = options.note?.trim() || undefined;
      await tx.lead.update({
        where: { id: leadId },
        data: {
          status: action === "nurture" ? "NURTURE" : "QUALIFIED",
          ownerId: null,
          claimedAt: null,
          offeredToId: null,
          slaStage: null,
          slaDueAt: null,
          ...(action === "nurture"
            ? { nurturedAt: now, dispositionReason: "recalled", dispositionNote: note ?? null }
            : {}),
          version: { increment: 1 },
        },
      });
      await recordLeadEvent(tx, {
        leadId,
        type: "recalled",
        actor: { type: "MARKETER", id: userId },
        fromStatus: lead.status,
        toStatus: action === "nurture" ? "NURTURE" : "QUALIFIED",
        reason:
          action === "nurture"
            ? "recalled to nurture by marketing"
            : "recalled by marketing to offer again",
        data: { note: note ?? null, owner: lead.ownerSlackId, action },
        at: now,
      });
      await enqueue(tx, {
        now,
        kind: "lead.feed",
        payload: { leadId, event: "recalled" },
        orderingKey: `feed:${leadId}`,
        target: playbook.marketing.channel,
      });
      await enqueueWebhooks(
        tx,
        options.webhooks,
        "lead.recalled",
        leadId,
        { by: userId, action, owner: lead.ownerSlackId, note: note ?? null },
        now,
      );
      const said = note ? `: ${safeText(note, 500)}` : ".";
      if (lead.ownerSlackId) {
        await enqueue(tx, {
          now,
          kind: "slack.dm",
          payload: {
            user: lead.ownerSlackId,
            text: `:rewind: <@${userId}> from marketing took L-${lead.number} back ${action === "nurture" ? "to nurture" : "to offer it again"}${said}`,
          },
          orderingKey: leadId,
          target: `dm:${lead.ownerSlackId}`,
        });
      }
      if (action === "nurture") {
        await enqueue(tx, {
          now,
          kind: "lead.card.update",
          payload: { leadId },
          orderingKey: leadId,
        });
      } else {
        await returnToPool(
          tx,
          { db, playbook, webhooks: options.webhooks, leadId, now },
          {
            number: lead.number,
            teamKey: lead.teamKey,
            announce: `:rewind: Marketing (<@${userId}>) put L-${lead.number} back up for grabs${said}`,
          },
        );
      }
      return { number: lead.number, owner: lead.ownerSlackId };
    },
    { timeout: 30_000 },
  );
}
