// The owner (or a manager) releases a lead they will not work, with a reason. It goes back to
// the pool: in a claim team the same card opens for claims again and the thread says why
// (shown in the channel too); in an assign team it is offered to the next rep by round robin,
// never back to the rep who released it. The SLA starts a new cycle either way.
import { AppError } from "#src/errors.ts";
import { type PoolResult, returnToPool } from "#src/services/hand-off-lead.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";

export interface ReleaseLeadOptions extends LifecycleOptions {
  leadId: string;
  userId: string;
  reason: string;
}

export type ReleaseResult = { number: number } & PoolResult;

export async function releaseLead(options: ReleaseLeadOptions): Promise<ReleaseResult> {
  const { db, userId, now } = options;
  const reason = options.reason.trim();
  if (!reason) throw new AppError("bad_request", "Say why you release the lead.");
  return db.prisma.$transaction(
    async (tx) => {
      const { lead, actorType, as } = await lockFor(tx, options, "release", { userId });
      const fact = {
        ...factBase(lead, now),
        type: "released" as const,
        actor: { person: userId, as },
        owner: lead.ownerSlackId,
        reason,
      };
      await applyChange(tx, options, lead, {
        to: "QUALIFIED",
        set: { ownerId: null, claimedAt: null, offeredToId: null },
        event: {
          type: "released",
          actorType,
          actorId: userId,
          reason,
          data: { repId: lead.ownerId, owner: lead.ownerSlackId },
        },
        facts: [fact],
      });
      return { number: lead.number, ...(await returnToPool(tx, options, fact)) };
    },
    { timeout: 30_000 },
  );
}
