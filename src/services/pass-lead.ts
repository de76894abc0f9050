// An offer to one rep (assign mode) ends without a claim: the rep passes, the offer times out,
// or it is withdrawn because the rep is away or gone. The lead goes to the next rep by round
// robin, never back to someone who let it go, or to the team channel when nobody is left.
import type { ActorType } from "#src/db/generated/client.ts";
import { creditAssignment } from "#src/services/assignment-ledger.ts";
import {
  type HandOffOptions,
  type HandOffResult,
  handOff,
  repsWhoLetGo,
} from "#src/services/hand-off-lead.ts";
import type { Tx } from "#src/services/lead-journal.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";

export interface PassLeadOptions extends LifecycleOptions {
  leadId: string;
  userId: string;
}

export async function passLead(options: PassLeadOptions): Promise<HandOffResult> {
  return options.db.prisma.$transaction(
    (tx) => endOffer(tx, options, { userId: options.userId }, "passed"),
    { timeout: 30_000 },
  );
}

/** Ends the lead's offer to one rep, in the caller's transaction, and hands it on. */
export async function endOffer(
  tx: Tx,
  options: HandOffOptions,
  mover: { userId: string } | { system: ActorType },
  why: "passed" | "timed_out" | "withdrawn",
  reason?: string,
): Promise<HandOffResult> {
  const { now } = options;
  const action = why === "passed" ? "pass" : why === "timed_out" ? "timeOut" : "withdraw";
  const { lead } = await lockFor(tx, options, action, mover);
  // Withdrawn because the rep is away or gone: not their doing, so it is credited back.
  if (why === "withdrawn" && lead.offeredToId) {
    await creditAssignment(tx, {
      leadId: lead.id,
      repId: lead.offeredToId,
      at: now,
      reason: reason ?? "offer withdrawn",
    });
  }
  await applyChange(tx, options, lead, {
    to: "QUALIFIED",
    set: { offeredToId: null },
    event: {
      type:
        why === "passed" ? "passed" : why === "timed_out" ? "offer_timed_out" : "offer_withdrawn",
      actorType: "userId" in mover ? "REP" : "SLA",
      actorId: "userId" in mover ? mover.userId : "sla",
      reason,
      data: { repId: lead.offeredToId },
    },
    // The card the rep saw now says where the lead went.
    facts: [
      {
        ...factBase(lead, now),
        type: "offer_ended",
        rep: lead.offeredToSlackId,
        why,
        reason: reason ?? null,
      },
    ],
  });
  return handOff(tx, options, await repsWhoLetGo(tx, lead.id));
}
