// A manager hands a lead to a rep (from a ghost alert's picker, or the card's Reassign): the rep
// owns it at once, a new SLA cycle starts for them, the card changes in place, the new and the
// previous owner are told, marketing's feed and the CRM's webhook record it.

import { AppError } from "#src/errors.ts";
import { recordAssignment } from "#src/services/assignment-ledger.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
  plainWords,
} from "#src/services/lead-transition.ts";

export interface ReassignLeadOptions extends LifecycleOptions {
  leadId: string;
  /** The manager who decides. */
  userId: string;
  /** The rep who gets the lead. */
  toSlackUserId: string;
}

export async function reassignLead(
  options: ReassignLeadOptions,
): Promise<{ number: number; from: string | null; to: string }> {
  const { db, userId, toSlackUserId, now } = options;
  const words = options.words ?? plainWords;
  return db.prisma.$transaction(async (tx) => {
    const { lead } = await lockFor(tx, options, "reassign", { userId });
    if (lead.ownerSlackId === toSlackUserId) {
      throw new AppError(
        "conflict",
        `L-${lead.number} is already ${words.person(toSlackUserId)}'s.`,
      );
    }
    const rep = await tx.rep.findUnique({
      where: { slackUserId: toSlackUserId },
      include: { memberships: { where: { active: true, role: "rep" } } },
    });
    if (!rep || rep.deactivatedAt || rep.memberships.length === 0) {
      throw new AppError(
        "bad_request",
        `${words.person(toSlackUserId)} is not an active rep in Baton's playbook; pick one of the team's reps.`,
      );
    }
    await applyChange(tx, options, lead, {
      to: "CLAIMED",
      set: { ownerId: rep.id, claimedAt: now, offeredToId: null, slaCycle: { increment: 1 } },
      event: {
        type: "reassigned",
        actorType: "MANAGER",
        actorId: userId,
        reason: `assigned to ${toSlackUserId} by a manager`,
        data: {
          fromRepId: lead.ownerId,
          from: lead.ownerSlackId,
          to: toSlackUserId,
          repId: rep.id,
        },
      },
      facts: [
        {
          ...factBase(lead, now),
          type: "reassigned",
          by: userId,
          from: lead.ownerSlackId,
          to: toSlackUserId,
        },
      ],
    });
    const teamId = (await tx.lead.findUniqueOrThrow({ where: { id: lead.id } })).teamId;
    await recordAssignment(tx, {
      repId: rep.id,
      teamId: teamId ?? rep.memberships[0]!.teamId,
      leadId: lead.id,
      at: now,
      kind: "manager",
      reason: `assigned by a manager (${userId})`,
    });
    return { number: lead.number, from: lead.ownerSlackId, to: toSlackUserId };
  });
}
