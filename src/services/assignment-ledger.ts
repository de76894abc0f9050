// The assignment ledger: one row each time a lead is given to one rep (offered by round robin,
// to the account's owner, or assigned by a manager), with why. Caps count it in the rep's own
// time zone: a rep capped at 5 a day gets no sixth offer until their next local midnight.
import { periodStarts } from "#src/domain/business-hours.ts";
import type { Tx } from "#src/services/lead-journal.ts";

export type AssignmentKind = "round_robin" | "account_owner" | "manager" | "claim";

export async function recordAssignment(
  tx: Tx,
  row: {
    repId: string;
    teamId: string;
    leadId: string;
    at: Date;
    kind: AssignmentKind;
    reason: string;
  },
): Promise<void> {
  await tx.assignment.create({ data: { ...row, reason: row.reason.slice(0, 2000) } });
}

/** Leads given to each rep so far in their current local day and week (credits excluded). */
export async function assignmentCounts(
  tx: Tx,
  reps: { repId: string; timeZone: string }[],
  now: Date,
): Promise<Map<string, { today: number; week: number }>> {
  const starts = new Map(reps.map((r) => [r.repId, periodStarts(now, r.timeZone)]));
  const counts = new Map(reps.map((r) => [r.repId, { today: 0, week: 0 }]));
  if (reps.length === 0) return counts;
  const earliest = new Date(Math.min(...[...starts.values()].map((s) => s.week.getTime())));
  const rows = await tx.assignment.findMany({
    where: { repId: { in: reps.map((r) => r.repId) }, at: { gte: earliest }, creditedAt: null },
    select: { repId: true, at: true },
  });
  for (const { repId, at } of rows) {
    const start = starts.get(repId)!;
    const count = counts.get(repId)!;
    if (at >= start.week && at <= now) count.week += 1;
    if (at >= start.day && at <= now) count.today += 1;
  }
  return counts;
}

/**
 * Credits back the rep's latest assignment of this lead: it left them for a reason not theirs
 * (they were away, the lead was junk), so it counts neither toward their share nor their caps.
 * A lead taken back for their own neglect (timed out, released by the SLA) is never credited.
 */
export async function creditAssignment(
  tx: Tx,
  credit: { leadId: string; repId: string; at: Date; reason: string },
): Promise<boolean> {
  const row = await tx.assignment.findFirst({
    where: { leadId: credit.leadId, repId: credit.repId, creditedAt: null },
    orderBy: [{ at: "desc" }, { id: "desc" }],
  });
  if (!row) return false;
  await tx.assignment.update({
    where: { id: row.id },
    data: { creditedAt: credit.at, creditReason: credit.reason.slice(0, 500) },
  });
  if (row.kind === "round_robin") {
    await tx.teamMember.updateMany({
      where: { teamId: row.teamId, repId: row.repId, assignedCount: { gt: 0 } },
      data: { assignedCount: { decrement: 1 } },
    });
  }
  return true;
}
