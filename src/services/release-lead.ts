// The owner (or a manager) releases a lead they will not work, with a reason. It goes back to
// the pool: in a claim team the same card opens for claims again and the thread says why
// (shown in the channel too); in an assign team it is offered to the next rep by round robin,
// never back to the rep who released it. The SLA starts a new cycle either way.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import { AppError } from "#src/errors.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { type HandOffResult, handOff } from "#src/services/hand-off-lead.ts";
import { enqueue, recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import { repsWhoLetGo } from "#src/services/offer-to-next.ts";
import { lockOwnedLead } from "#src/services/owned-lead.ts";
import { scheduleSla } from "#src/sla/schedule.ts";
import { safeText } from "#src/slack/text.ts";

export interface ReleaseLeadOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  leadId: string;
  userId: string;
  reason: string;
  now: Date;
}

export type ReleaseResult =
  | { number: number; outcome: "reopened"; channel: string }
  | ({ number: number } & HandOffResult);

export async function releaseLead(options: ReleaseLeadOptions): Promise<ReleaseResult> {
  const { db, playbook, leadId, userId, now } = options;
  const reason = options.reason.trim();
  if (!reason) throw new AppError("bad_request", "Say why you release the lead.");
  return db.prisma.$transaction(
    async (tx) => {
      const lead = await lockOwnedLead(tx, playbook, leadId, userId, "release");
      await tx.lead.update({
        where: { id: leadId },
        data: {
          status: "QUALIFIED",
          ownerId: null,
          claimedAt: null,
          offeredToId: null,
          slaStage: null,
          slaDueAt: null,
          version: { increment: 1 },
        },
      });
      await recordLeadEvent(tx, {
        leadId,
        type: "released",
        actor: { type: lead.asManager ? "MANAGER" : "REP", id: userId },
        fromStatus: lead.status,
        toStatus: "QUALIFIED",
        reason,
        data: { repId: lead.ownerId, owner: lead.ownerSlackId },
        at: now,
      });
      await enqueueWebhooks(
        tx,
        options.webhooks,
        "lead.released",
        leadId,
        { by: userId, owner: lead.ownerSlackId, reason },
        now,
      );
      return returnToPool(tx, options, {
        number: lead.number,
        teamKey: lead.teamKey,
        announce: `:leftwards_arrow_with_hook: L-${lead.number} was released by <@${userId}>: ${safeText(reason, 500)}. It is open for claims again.`,
      });
    },
    { timeout: 30_000 },
  );
}

/**
 * Puts a lead that was just set back to QUALIFIED in front of its team again, in the caller's
 * transaction: a claim team's card reopens in place with `announce` in its thread (shown in the
 * channel too); otherwise the next rep by round robin, never one who passed or let go of it.
 */
export async function returnToPool(
  tx: Tx,
  options: Pick<ReleaseLeadOptions, "db" | "playbook" | "webhooks" | "leadId" | "now">,
  lead: { number: number; teamKey: string | null; announce: string },
): Promise<ReleaseResult> {
  const { playbook, leadId, now } = options;
  await enqueue(tx, {
    now,
    kind: "lead.feed",
    payload: { leadId, event: "released" },
    orderingKey: `feed:${leadId}`,
    target: playbook.marketing.channel,
  });
  const team = lead.teamKey
    ? await tx.team.findFirst({ where: { key: lead.teamKey, active: true } })
    : null;
  const card = await tx.slackMessage.findFirst({
    where: { leadId, kind: "card" },
    orderBy: { createdAt: "desc" },
  });
  // (No card recorded yet: the pending post will show the lead as it is when delivered.)
  if (team?.mode === "CLAIM" && team.channelId && (!card || card.channelId === team.channelId)) {
    // The card everyone already knows opens again, and the channel is told why.
    await tx.lead.update({
      where: { id: leadId },
      data: { status: "OFFERED", offeredAt: now, slaCycle: { increment: 1 } },
    });
    await recordLeadEvent(tx, {
      leadId,
      type: "offered",
      actor: { type: "SYSTEM", id: "routing" },
      fromStatus: "QUALIFIED",
      toStatus: "OFFERED",
      reason: `team ${team.key}: back in the pool, open for claims again`,
      data: { team: team.key, mode: "claim" },
      at: now,
    });
    await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
    await enqueue(tx, {
      now,
      kind: "slack.post",
      payload: {
        channel: team.channelId,
        text: lead.announce,
        threadOf: { leadId, kind: "card" },
        broadcast: true,
      },
      orderingKey: leadId,
      target: team.channelId,
    });
    await scheduleSla(tx, playbook, leadId);
    return { number: lead.number, outcome: "reopened", channel: team.channelId };
  }

  // Assign mode (or a card that lived in a DM): the next rep, never the one who let go.
  await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
  const result = await handOff(tx, options, await repsWhoLetGo(tx, leadId));
  return { number: lead.number, ...result };
}
