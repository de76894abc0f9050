// A rep or manager disqualifies a lead, or sends it back to nurture (marketing stay-in-touch,
// optionally until a date), with a reason from the playbook's list: the card changes in
// place, marketing hears why, and the CRM gets a webhook.
import type { Disposition } from "#src/domain/lifecycle.ts";
import { AppError } from "#src/errors.ts";
import { creditAssignment } from "#src/services/assignment-ledger.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";

export interface DisposeLeadOptions extends LifecycleOptions {
  disposition: Disposition;
  leadId: string;
  userId: string;
  reasonKey: string;
  note?: string;
  /** Nurture only: when the lead comes back into scoring for sales. */
  resurfaceAt?: Date;
}

export async function disposeLead(options: DisposeLeadOptions): Promise<{ number: number }> {
  const { db, playbook, userId, now, disposition } = options;
  const reason = playbook.reasons[disposition].find((r) => r.key === options.reasonKey);
  if (!reason) throw new AppError("bad_request", "Pick one of the reasons in the list.");
  if (options.resurfaceAt && options.resurfaceAt <= now) {
    throw new AppError("bad_request", "Pick a resurface date in the future.");
  }
  const note = options.note ?? null;
  const resurfaceAt = options.resurfaceAt?.toISOString() ?? null;

  return db.prisma.$transaction(async (tx) => {
    const { lead, actorType, as } = await lockFor(tx, options, disposition, { userId });
    // A junk lead (bad data, a duplicate, an existing customer) is credited back to its rep.
    const repId = lead.ownerId ?? lead.offeredToId;
    if (disposition === "disqualify" && reason.credit && repId) {
      await creditAssignment(tx, {
        leadId: lead.id,
        repId,
        at: now,
        reason: `junk: ${reason.label}`,
      });
    }
    const shared = {
      ...factBase(lead, now),
      actor: { person: userId, as },
      reasonKey: reason.key,
      reason: reason.label,
      note,
    };
    await applyChange(tx, options, lead, {
      to: disposition === "disqualify" ? "DISQUALIFIED" : "NURTURE",
      set: {
        ...(disposition === "disqualify"
          ? { disqualifiedAt: now }
          : { nurturedAt: now, resurfaceAt: options.resurfaceAt ?? null }),
        dispositionReason: reason.key,
        dispositionNote: note,
        offeredToId: null,
      },
      event: {
        type: disposition === "disqualify" ? "disqualified" : "nurtured",
        actorType,
        actorId: userId,
        reason: reason.label,
        data: { reasonKey: reason.key, note, resurfaceAt },
      },
      facts: [
        disposition === "disqualify"
          ? { ...shared, type: "disqualified" }
          : { ...shared, type: "nurtured", resurfaceAt },
      ],
    });
    return { number: lead.number };
  });
}
