// A rep claims (or, in assign mode, accepts) a lead. The database settles races: the clicks
// queue on the lead's lock, the first finds it OFFERED and wins, everyone after learns who
// has it. In this process the clicks on one lead queue in memory first, so a crowd of clickers
// holds one database connection, not one each.
import { AppError } from "#src/errors.ts";
import { KeyedQueue } from "#src/lib/keyed-queue.ts";
import { repTimeZone } from "#src/playbook/schema.ts";
import { assignmentCounts, recordAssignment } from "#src/services/assignment-ledger.ts";
import type { Tx } from "#src/services/lead-journal.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";

export interface ClaimLeadOptions extends LifecycleOptions {
  leadId: string;
  /** The Slack user who clicked. */
  userId: string;
}

export interface ClaimLeadResult {
  leadId: string;
  number: number;
  ownerSlackId: string;
  claimedAt: Date;
}

const clicksOnALead = new KeyedQueue();

export async function claimLead(options: ClaimLeadOptions): Promise<ClaimLeadResult> {
  return clicksOnALead.run(options.leadId, () => claimNow(options));
}

async function claimNow(options: ClaimLeadOptions): Promise<ClaimLeadResult> {
  const { db, leadId, userId, now } = options;
  return db.prisma.$transaction(async (tx) => {
    const { lead } = await lockFor(tx, options, "claim", { userId });
    const rep = await tx.rep.findUnique({ where: { slackUserId: userId } });
    if (!rep || rep.deactivatedAt) {
      throw new AppError("forbidden", "You are not an active rep in Baton's playbook.");
    }
    // A claim from a channel (claim mode, or a held lead's card) is a lead given to this rep:
    // the ledger counts it, and a capped rep cannot claim. (An offer they accept was counted
    // when it was made.)
    if (lead.teamId && lead.offeredToId !== rep.id) {
      await checkClaimCap(tx, options, { ...rep, teamId: lead.teamId, teamKey: lead.teamKey });
      await recordAssignment(tx, {
        repId: rep.id,
        teamId: lead.teamId,
        leadId,
        at: now,
        kind: "claim",
        reason: `claimed from the ${lead.teamKey ?? "team"} channel`,
      });
    }
    await applyChange(tx, options, lead, {
      to: "CLAIMED",
      set: { ownerId: rep.id, claimedAt: now, offeredToId: null },
      // Whoever claims a lead takes it as its rep, a manager too.
      event: { type: "claimed", actorType: "REP", actorId: userId },
      facts: [{ ...factBase(lead, now), type: "claimed", by: userId }],
    });
    if (lead.companyDomain && !(await ownerKeepsAccount(tx, leadId, lead.companyDomain))) {
      // The company is now this rep's account: its next leads come to them.
      await tx.account.upsert({
        where: { domain: lead.companyDomain },
        create: { domain: lead.companyDomain, ownerId: rep.id },
        update: { ownerId: rep.id },
      });
    }
    return { leadId, number: lead.number, ownerSlackId: userId, claimedAt: now };
  });
}

/** Refuses a claim that would take the rep past their daily or weekly cap in this team. */
async function checkClaimCap(
  tx: Tx,
  options: ClaimLeadOptions,
  rep: {
    id: string;
    slackUserId: string;
    slackTimezone: string | null;
    teamId: string;
    teamKey: string | null;
  },
) {
  const member = await tx.teamMember.findUnique({
    where: { teamId_repId: { teamId: rep.teamId, repId: rep.id } },
    select: { dailyCap: true, weeklyCap: true },
  });
  if (!member || (member.dailyCap === null && member.weeklyCap === null)) return;
  const timeZone = repTimeZone(
    options.playbook,
    rep.teamKey ?? "",
    rep.slackUserId,
    rep.slackTimezone,
  );
  const counts = await assignmentCounts(tx, [{ repId: rep.id, timeZone }], options.now);
  const { today, week } = counts.get(rep.id)!;
  const over =
    member.dailyCap !== null && today >= member.dailyCap
      ? `${today}/${member.dailyCap} leads today`
      : member.weeklyCap !== null && week >= member.weeklyCap
        ? `${week}/${member.weeklyCap} leads this week`
        : undefined;
  if (over) {
    throw new AppError(
      "conflict",
      `You are capped: ${over} (${timeZone}), so this lead stays open for your teammates. Your cap resets at your next local ${over.endsWith("today") ? "midnight" : "Monday"}.`,
    );
  }
}

/**
 * Whether the company stays with its owner although someone else claims this lead: the lead
 * came in as the owner's account lead, and the owner still sells here (active, in a team). A
 * teammate who takes it while the owner is away or off shift works it now; the account does
 * not change hands every night.
 */
async function ownerKeepsAccount(tx: Tx, leadId: string, domain: string): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ keeps: boolean }[]>`
    SELECT true AS "keeps" FROM "Lead" l
      JOIN "Account" a ON a."domain" = ${domain} AND a."ownerId" = l."accountOwnerId"
      JOIN "Rep" r ON r."id" = a."ownerId" AND r."deactivatedAt" IS NULL
     WHERE l."id" = ${leadId}::uuid
       AND EXISTS (SELECT 1 FROM "TeamMember" tm JOIN "Team" t ON t."id" = tm."teamId"
                    WHERE tm."repId" = r."id" AND tm."active" AND tm."role" = 'rep' AND t."active")`;
  return row?.keeps === true;
}
