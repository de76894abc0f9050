// When nobody can take a lead: an assign-mode lead no rep can take now (every rep away,
// capped, at capacity or off shift) is held, never silently unassigned, and its team's
// fallback chain from the playbook runs as SLA stages ("fallback.0", ...): alert the managers
// or the admins with each rep's skip reason, offer it to an overflow team. Held leads are
// revisited, oldest first, when a rep may be back: by the SLA sweep (hours start, an away date
// or a Slack status expires, a cap resets) and by availability events (/leads back, a status
// cleared). A revisit looks at the lead's own team first, then at the overflow teams its chain
// has already tried, so a rep there who comes back can take it too. Every step goes through
// the lifecycle seam or the audit trail. A lead of an assign-mode team without a chain, posted
// to its channel because nobody could take it, is revisited the same way: assign mode means a
// rep gets it, not whoever happens to read the channel.

import type { Deps } from "#src/context.ts";
import {
  decideRoute,
  describeFallbackStep,
  describeSkipped,
  type RouteDecision,
} from "#src/domain/routing.ts";
import { handOff, repsWhoLetGo } from "#src/services/hand-off-lead.ts";
import { alertHeld } from "#src/services/held-alert.ts";
import { recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  type LockedLead,
  lockFor,
  lockLead,
} from "#src/services/lead-transition.ts";
import { routeInput } from "#src/services/route-input.ts";
import { awaitsRep, isHeld, type SlaLeadRow } from "#src/sla/schedule.ts";

export interface FallbackOptions extends LifecycleOptions {
  leadId: string;
}

/** The routing decision for the lead as it is now (locking the team's rows), or for `teamKey`. */
async function decideNow(
  tx: Tx,
  options: FallbackOptions,
  teamKey?: string,
): Promise<RouteDecision> {
  const lead = await tx.lead.findUniqueOrThrow({ where: { id: options.leadId } });
  const input = await routeInput(tx, {
    lead: { ...lead, attributes: lead.attributes as Record<string, unknown> },
    accountOwnerId: lead.accountOwnerId,
    playbook: options.playbook,
    now: options.now,
    teamKey,
    exclude: await repsWhoLetGo(tx, options.leadId),
    lock: true,
  });
  return decideRoute(input.route);
}

/** A held lead someone can take now: out of the hold and offered (next rep, or the owner). */
async function release(tx: Tx, options: FallbackOptions, why: string) {
  const { lead } = await lockFor(tx, options, "revisit", { system: "SYSTEM" });
  await applyChange(tx, options, lead, {
    to: "QUALIFIED",
    set: { offeredToId: null },
    event: {
      type: "revisited",
      actorType: "SYSTEM",
      actorId: "routing",
      reason: `held lead revisited: ${why}`,
      data: { team: lead.teamKey },
    },
    facts: [],
  });
  await handOff(tx, options);
}

/** The overflow teams a held lead's chain has tried in this offer cycle, in chain order. */
export function overflowsTried(
  playbook: FallbackOptions["playbook"],
  teamKey: string | null,
  doneStages: Iterable<string>,
): string[] {
  const done = new Set(doneStages);
  const chain = playbook.teams.find((t) => t.key === teamKey)?.fallback ?? [];
  return chain.flatMap((step, j) =>
    step.overflow && done.has(`fallback.${j}`) ? [step.overflow] : [],
  );
}

/**
 * Places a held lead if someone can take it now: a rep of its own team (then it is offered
 * there), else a rep of an overflow team its chain already tried (then it overflows there).
 * Returns whether it moved; a lead still held is left as it was, with nothing recorded.
 */
async function placeHeld(
  tx: Tx,
  options: FallbackOptions,
  lead: LockedLead,
  /** The chain stage running now (its own step decides about its overflow team). */
  running?: string,
): Promise<{ moved: boolean; decision: RouteDecision }> {
  const decision = await decideNow(tx, options);
  if (places(options.playbook, decision)) {
    await release(tx, options, decision.summary);
    return { moved: true, decision };
  }
  const done = await tx.slaNotice.findMany({
    where: { leadId: lead.id, cycle: lead.slaCycle, stage: { startsWith: "fallback." } },
    select: { stage: true },
  });
  const tried = overflowsTried(
    options.playbook,
    lead.teamKey,
    done.map((d) => d.stage).filter((stage) => stage !== running),
  );
  for (const teamKey of tried) {
    const there = await overflowDecision(tx, options, teamKey);
    if (there.takes) {
      await overflowTo(tx, options, lead, teamKey, decision, "revisited");
      return { moved: true, decision };
    }
  }
  return { moved: false, decision };
}

/**
 * Runs the due stage of a held lead's chain ("fallback.N", "fallback.realert.K"): first
 * whether a rep can take it now (then it is offered, the chain ends); else the step.
 */
export async function runFallbackStep(
  tx: Tx,
  options: FallbackOptions,
  row: SlaLeadRow,
  stage: string,
): Promise<void> {
  const lead = await lockLead(tx, row.id);
  if (!lead || !isHeld(options.playbook, lead)) return;
  const { moved, decision } = await placeHeld(tx, options, lead, stage);
  if (moved) return;
  const team = options.playbook.teams.find((t) => t.key === lead.teamKey);
  const index = /^fallback\.(\d+)$/.exec(stage)?.[1];
  const step =
    index === undefined
      ? { afterMs: 0, alert: "managers" as const, overflow: undefined }
      : team?.fallback?.[Number(index)];
  if (!step) return;
  if (step.overflow) {
    await overflow(tx, options, lead, step.overflow, decision);
    return;
  }
  const what =
    index === undefined
      ? "still held: managers alerted again"
      : `fallback step ${Number(index) + 1}: ${describeFallbackStep(step)}`;
  await alertHeld(tx, options, lead, {
    stage,
    to: step.alert ?? "managers",
    reason: `${what}; ${decision.why}`,
    why: decision.why,
    heldSince: row.offeredAt,
  });
}

/**
 * The chain's overflow step: the overflow team gets the lead if one of its reps can take it
 * (or it is a claim team); if nobody there can either, it stays held here and the chain goes
 * on, and the audit trail says why.
 */
async function overflow(
  tx: Tx,
  options: FallbackOptions,
  lead: LockedLead,
  teamKey: string,
  held: RouteDecision,
) {
  const { there, takes } = await overflowDecision(tx, options, teamKey);
  if (!takes) {
    await recordLeadEvent(tx, {
      leadId: lead.id,
      type: "fallback",
      actor: { type: "SLA", id: "sla" },
      fromStatus: lead.status,
      toStatus: lead.status,
      reason: `overflow to ${teamKey} tried: nobody there can take it either (${describeSkipped(there.skipped.filter((s) => s.reason.kind !== "not_in_team")) || there.why}); still held in ${lead.teamKey}`,
      data: { overflow: teamKey, routing: there.summary },
      at: options.now,
    });
    return;
  }
  await overflowTo(tx, options, lead, teamKey, held, "chain");
}

/**
 * Whether a decision puts the lead with someone who takes it: a rep, its owner, or a claim
 * team's channel (an assign team's channel, held or not, is where it waits for a rep).
 */
function places(playbook: FallbackOptions["playbook"], decision: RouteDecision): boolean {
  const { kind } = decision.outcome;
  const claimTeam = playbook.teams.find((t) => t.key === decision.teamKey)?.mode === "claim";
  return kind === "rep" || kind === "owner" || (kind === "channel" && claimTeam);
}

/** What the overflow team would do with the lead now, and whether that takes it off our hands. */
async function overflowDecision(tx: Tx, options: FallbackOptions, teamKey: string) {
  const there = await decideNow(tx, options, teamKey);
  return { there, takes: places(options.playbook, there) };
}

/** Moves a held lead to the overflow team, which offers it at once. */
async function overflowTo(
  tx: Tx,
  options: FallbackOptions,
  lead: LockedLead,
  teamKey: string,
  held: RouteDecision,
  by: "chain" | "revisited",
) {
  const when = by === "chain" ? "" : " (revisited: a rep there can take it now)";
  await applyChange(tx, options, lead, {
    to: "QUALIFIED",
    set: { offeredToId: null },
    event: {
      type: "reassigned",
      actorType: "SLA",
      actorId: "sla",
      reason: `held, nobody in ${lead.teamKey} could take it (${held.why}): overflow to ${teamKey}${when}`,
      data: { fromTeam: lead.teamKey, toTeam: teamKey },
    },
    facts: [{ ...factBase(lead, options.now), type: "overflowed", toTeam: teamKey, waitedMs: 0 }],
  });
  await handOff(tx, { ...options, teamKey });
}

/**
 * Offers leads waiting for a rep (held, or in an assign team's channel: awaitsRep) to reps who
 * can take them now, oldest first per team; a team whose oldest such lead still finds nobody is
 * not looked at further. Each lead is locked SKIP LOCKED and
 * re-checked, so replicas (the sweep on one, an availability event on another) offer it once.
 * Returns how many were offered.
 */
export async function revisitHeldLeads(
  deps: Pick<Deps, "db" | "playbook" | "config">,
  now: Date,
  limit = 200,
): Promise<number> {
  const playbook = deps.playbook.current;
  const teams = playbook.teams.filter((t) => t.mode === "assign").map((t) => t.key);
  if (teams.length === 0) return 0;
  const held = await deps.db.prisma.$queryRaw<{ id: string; teamKey: string; done: string[] }[]>`
    SELECT l."id", t."key" AS "teamKey",
           ARRAY(SELECT n."stage" FROM "SlaNotice" n
                  WHERE n."leadId" = l."id" AND n."cycle" = l."slaCycle"
                    AND n."stage" LIKE 'fallback.%') AS "done"
      FROM "Lead" l JOIN "Team" t ON t."id" = l."teamId"
     WHERE l."status" = 'OFFERED' AND l."offeredToId" IS NULL AND t."key" = ANY(${teams}::text[])
     ORDER BY l."offeredAt", l."number" LIMIT ${limit}`;
  // Leads with the same places to go (their team, the overflow teams their chain tried) are
  // looked at oldest first; once one of them finds nobody, the younger ones would not either.
  const stuck = new Set<string>();
  let offered = 0;
  for (const { id, teamKey, done } of held) {
    const places = [teamKey, ...overflowsTried(playbook, teamKey, done)].join(" ");
    if (stuck.has(places)) continue;
    const options = { db: deps.db, playbook, webhooks: deps.config.webhooks, now, leadId: id };
    const moved = await deps.db.prisma.$transaction(
      async (tx) => {
        const [free] = await tx.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Lead" WHERE "id" = ${id}::uuid FOR UPDATE SKIP LOCKED`;
        if (!free) return false;
        const lead = await lockLead(tx, id);
        if (!lead || !awaitsRep(playbook, lead)) return false;
        return (await placeHeld(tx, options, lead)).moved;
      },
      { timeout: 30_000 },
    );
    if (moved) offered += 1;
    else stuck.add(places);
  }
  return offered;
}
