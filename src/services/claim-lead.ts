// A rep claims (or, in assign mode, accepts) a lead. The database settles races: the clicks
// queue on the lead's lock, the first finds it OFFERED and wins, everyone after learns who
// has it. In this process the clicks on one lead queue in memory first, so a crowd of clickers
// holds one database connection, not one each.
import { AppError } from "#src/errors.ts";
import { KeyedQueue } from "#src/lib/keyed-queue.ts";
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
    await applyChange(tx, options, lead, {
      to: "CLAIMED",
      set: { ownerId: rep.id, claimedAt: now, offeredToId: null },
      // Whoever claims a lead takes it as its rep, a manager too.
      event: { type: "claimed", actorType: "REP", actorId: userId },
      facts: [{ ...factBase(lead, now), type: "claimed", by: userId }],
    });
    if (lead.companyDomain) {
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
