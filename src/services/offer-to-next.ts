// An offer to one rep that ends without an answer (timed out, rep away or gone): like a pass,
// the lead goes to the next rep by round robin, never back to anyone who let it go.
import { type HandOffOptions, type HandOffResult, handOff } from "#src/services/hand-off-lead.ts";
import { enqueue, recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";

/** Reps who passed on, timed out on, or released this lead. */
export async function repsWhoLetGo(tx: Tx, leadId: string): Promise<string[]> {
  const events = await tx.leadEvent.findMany({
    where: { leadId, type: { in: ["passed", "released", "offer_timed_out", "offer_withdrawn"] } },
    select: { data: true },
  });
  return events.map((e) => (e.data as { repId?: string }).repId).filter((id): id is string => !!id);
}

export async function offerToNext(
  tx: Tx,
  options: HandOffOptions,
  /** The rep the lead was offered to. */
  repId: string | null,
  type: "offer_timed_out" | "offer_withdrawn",
  reason: string,
): Promise<HandOffResult> {
  const { leadId, now } = options;
  await recordLeadEvent(tx, {
    leadId,
    type,
    actor: { type: "SLA", id: "sla" },
    fromStatus: "OFFERED",
    toStatus: "QUALIFIED",
    reason,
    data: { repId },
    at: now,
  });
  await enqueue(tx, { now, kind: "lead.card.update", payload: { leadId }, orderingKey: leadId });
  await tx.lead.update({ where: { id: leadId }, data: { status: "QUALIFIED", offeredToId: null } });
  return handOff(tx, options, await repsWhoLetGo(tx, leadId));
}
