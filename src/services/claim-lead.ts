// A rep claims (or, in assign mode, accepts) a lead. The database settles races: one
// conditional update wins, and everyone else learns who has the lead.
import type { Config } from "#src/config.ts";
import type { Database } from "#src/db/database.ts";
import { AppError } from "#src/errors.ts";
import { enqueueWebhooks } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { enqueue, recordLeadEvent } from "#src/services/lead-journal.ts";
import { scheduleSla } from "#src/sla/schedule.ts";

export interface ClaimLeadOptions {
  db: Database;
  playbook: Playbook;
  webhooks: Config["webhooks"];
  leadId: string;
  /** The Slack user who clicked. */
  userId: string;
  now: Date;
}

export interface ClaimLeadResult {
  leadId: string;
  number: number;
  ownerSlackId: string;
  claimedAt: Date;
}

export async function claimLead(options: ClaimLeadOptions): Promise<ClaimLeadResult> {
  const { db, leadId, userId, now, playbook } = options;
  const lead = await db.prisma.lead.findUnique({
    where: { id: leadId },
    select: { status: true, team: { select: { key: true, name: true } } },
  });
  if (!lead) throw new AppError("not_found", "This lead no longer exists.");
  const team = playbook.teams.find((t) => t.key === lead.team?.key);
  const allowed =
    team !== undefined &&
    (team.reps.some((r) => r.user === userId) || team.managers.includes(userId));
  if (!allowed) {
    throw new AppError(
      "forbidden",
      `Only members of ${lead.team?.name ?? "the lead's team"} can claim this lead.`,
    );
  }

  return db.prisma.$transaction(async (tx) => {
    const rep = await tx.rep.findUnique({ where: { slackUserId: userId } });
    if (!rep || rep.deactivatedAt) {
      throw new AppError("forbidden", "You are not an active rep in Baton's playbook.");
    }
    // The conditional update is the race's referee: only one click finds the lead OFFERED.
    const won = await tx.$queryRaw<{ number: number; companyDomain: string | null }[]>`
      UPDATE "Lead"
         SET "status" = 'CLAIMED', "ownerId" = ${rep.id}::uuid, "claimedAt" = ${now},
             "offeredToId" = NULL, "version" = "version" + 1, "updatedAt" = ${now}
       WHERE "id" = ${leadId}::uuid AND "status" = 'OFFERED'
         AND ("offeredToId" IS NULL OR "offeredToId" = ${rep.id}::uuid)
      RETURNING "number", "companyDomain"`;
    if (won.length === 0) throw await explainRefusal(tx, leadId, rep.id);
    const [{ number, companyDomain }] = won as [{ number: number; companyDomain: string | null }];

    if (companyDomain) {
      // The company is now this rep's account: its next leads come to them.
      await tx.account.upsert({
        where: { domain: companyDomain },
        create: { domain: companyDomain, ownerId: rep.id },
        update: { ownerId: rep.id },
      });
    }
    await recordLeadEvent(tx, {
      leadId,
      type: "claimed",
      actor: { type: "REP", id: userId },
      fromStatus: "OFFERED",
      toStatus: "CLAIMED",
      at: now,
    });
    await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
    await enqueue(tx, {
      now,
      kind: "lead.feed",
      payload: { leadId, event: "claimed" },
      orderingKey: `feed:${leadId}`,
      target: playbook.marketing.channel,
    });
    await enqueueWebhooks(tx, options.webhooks, "lead.claimed", leadId, { owner: userId }, now);
    await scheduleSla(tx, playbook, leadId);
    return { leadId, number, ownerSlackId: userId, claimedAt: now };
  });
}

async function explainRefusal(
  tx: Parameters<Parameters<Database["prisma"]["$transaction"]>[0]>[0],
  leadId: string,
  repId: string,
): Promise<AppError> {
  const lead = await tx.lead.findUniqueOrThrow({
    where: { id: leadId },
    select: {
      status: true,
      claimedAt: true,
      ownerId: true,
      owner: { select: { slackUserId: true } },
      offeredTo: { select: { slackUserId: true } },
    },
  });
  if ((lead.status === "CLAIMED" || lead.status === "WORKING") && lead.owner) {
    const who = lead.ownerId === repId ? "You" : `<@${lead.owner.slackUserId}>`;
    const when = lead.claimedAt
      ? ` <!date^${Math.floor(lead.claimedAt.getTime() / 1000)}^{time}|${lead.claimedAt.toISOString()}>`
      : "";
    return new AppError("conflict", `${who} already claimed this lead${when ? ` at${when}` : ""}.`);
  }
  if (lead.status === "OFFERED" && lead.offeredTo) {
    return new AppError(
      "forbidden",
      `This lead is offered to <@${lead.offeredTo.slackUserId}> right now. It comes back to the team if they pass.`,
    );
  }
  const closed: Record<string, string> = {
    CONVERTED: "This lead has already converted.",
    DISQUALIFIED: "This lead was disqualified.",
    NURTURE: "This lead went back to nurture.",
    QUALIFIED: "This lead is being routed; try again in a moment.",
    CAPTURED: "This lead is not ready for sales yet.",
  };
  return new AppError("conflict", closed[lead.status] ?? "This lead cannot be claimed now.");
}
