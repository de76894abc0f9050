// Routing: which team a lead goes to, and in assign mode which rep is next. Pure functions;
// the reasons they return are written to the audit trail ("why did Ana get this lead").
import { type LeadFacts, matchesWhen } from "#src/domain/conditions.ts";
import type { Playbook } from "#src/playbook/schema.ts";

export interface TeamChoice {
  teamKey: string;
  reason: string;
}

/** The first rule whose conditions hold picks the team; otherwise the default team. */
export function pickTeam(lead: LeadFacts, routing: Playbook["routing"]): TeamChoice {
  for (const rule of routing.rules) {
    if (matchesWhen(lead, rule.when)) return { teamKey: rule.team, reason: `rule '${rule.name}'` };
  }
  return { teamKey: routing.default, reason: "no rule matched: default team" };
}

export interface Candidate {
  repId: string;
  name: string;
  weight: number;
  /** Leads assigned so far (fairness counter kept in the database). */
  assignedCount: number;
  lastAssignedAt: Date | null;
  /** Leads the rep holds now (offered, claimed, working). */
  openLeads: number;
  capacity: number | null;
  paused: boolean;
  awayUntil: Date | null;
  deactivated: boolean;
}

export type RepChoice = { repId: string; reason: string } | { repId?: undefined; reason: string };

/**
 * Weighted round robin: the rep with the fewest assignments per unit of weight is next (ties:
 * the one who waited longest). Reps who are paused, away, deactivated, at capacity or
 * excluded (they passed on this lead) are skipped, and the reason says who and why.
 */
export function pickRep(candidates: Candidate[], now: Date, exclude: string[] = []): RepChoice {
  const skipped: string[] = [];
  const eligible = candidates.filter((c) => {
    const why = c.deactivated
      ? "deactivated"
      : c.paused
        ? "paused"
        : c.awayUntil && c.awayUntil > now
          ? "away"
          : c.capacity !== null && c.openLeads >= c.capacity
            ? "at capacity"
            : exclude.includes(c.repId)
              ? "passed"
              : undefined;
    if (why) skipped.push(`${c.name} ${why}`);
    return !why;
  });
  const skippedText = skipped.length ? `; skipped ${skipped.join(", ")}` : "";
  if (eligible.length === 0) return { reason: `no rep available${skippedText}` };
  const [next] = [...eligible].sort(
    (a, b) =>
      a.assignedCount / a.weight - b.assignedCount / b.weight ||
      (a.lastAssignedAt?.getTime() ?? 0) - (b.lastAssignedAt?.getTime() ?? 0) ||
      a.name.localeCompare(b.name),
  );
  return {
    repId: next!.repId,
    reason: `round robin: ${next!.name} had the fewest weighted assignments (${next!.assignedCount}/${next!.weight})${skippedText}`,
  };
}
