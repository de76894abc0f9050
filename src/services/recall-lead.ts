// Marketing recall: a marketer takes a neglected lead back, to nurture (stay-in-touch) or to be
// offered again, with a note the owner receives.
import { AppError } from "#src/errors.ts";
import { returnToPool } from "#src/services/hand-off-lead.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
  personIn,
  plainWords,
} from "#src/services/lead-transition.ts";

export interface RecallLeadOptions extends LifecycleOptions {
  /** "L-1042", "1042" or an email address. */
  leadRef: string;
  userId: string;
  action: "nurture" | "reoffer";
  note?: string;
}

export async function recallLead(
  options: RecallLeadOptions,
): Promise<{ number: number; owner: string | null }> {
  const { db, playbook, userId, now, action } = options;
  const person = personIn(playbook, null, userId);
  if (!person.marketer && !person.admin) {
    // Said before the lead is looked up: the command is not theirs, whatever the lead.
    throw new AppError(
      "forbidden",
      "Only marketers (listed under `marketing.marketers` in the playbook) can recall leads.",
    );
  }
  const ref = options.leadRef.trim();
  const number = /^(?:L-)?(\d{1,9})$/i.exec(ref)?.[1];
  const where = number ? { number: Number(number) } : { email: ref.toLowerCase() };
  const found = await db.prisma.lead.findUnique({ where, select: { id: true } });
  if (!found) {
    const words = options.words ?? plainWords;
    throw new AppError(
      "not_found",
      `No lead matches ${words.quote(ref)}. Use its L-number or email.`,
    );
  }
  const note = options.note?.trim() || undefined;
  return db.prisma.$transaction(
    async (tx) => {
      const leadOptions = { ...options, leadId: found.id };
      const { lead } = await lockFor(
        tx,
        leadOptions,
        action === "nurture" ? "recallToNurture" : "recallToReoffer",
        { userId },
      );
      const fact = {
        ...factBase(lead, now),
        type: "recalled" as const,
        by: userId,
        action,
        owner: lead.ownerSlackId,
        note: note ?? null,
      };
      await applyChange(tx, leadOptions, lead, {
        to: action === "nurture" ? "NURTURE" : "QUALIFIED",
        set: {
          ownerId: null,
          claimedAt: null,
          offeredToId: null,
          ...(action === "nurture"
            ? { nurturedAt: now, dispositionReason: "recalled", dispositionNote: note ?? null }
            : {}),
        },
        event: {
          type: "recalled",
          actorType: "MARKETER",
          actorId: userId,
          reason:
            action === "nurture"
              ? "recalled to nurture by marketing"
              : "recalled by marketing to offer again",
          data: { note: note ?? null, owner: lead.ownerSlackId, action },
        },
        facts: [fact],
      });
      if (action === "reoffer") await returnToPool(tx, leadOptions, fact);
      return { number: lead.number, owner: lead.ownerSlackId };
    },
    { timeout: 30_000 },
  );
}
