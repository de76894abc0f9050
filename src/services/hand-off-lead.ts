// Hands a qualified lead to sales: to its account's owner, or to the team the playbook's
// routing picks, posted to the team channel (claim mode) or offered to the next rep by
// weighted round robin (assign mode). Also where a lead goes back when someone lets go of it:
// the same card reopens in a claim team's channel, or the next rep gets it.
import type { LeadFact } from "#src/domain/lead-facts.ts";
import { startsFrom } from "#src/domain/lifecycle.ts";
import {
  decideRoute,
  describeFallbackStep,
  explanationData,
  type RouteDecision,
} from "#src/domain/routing.ts";
import { notify } from "#src/outbox/subscribers.ts";
import { recordAssignment } from "#src/services/assignment-ledger.ts";
import type { CrmOwnerMatch } from "#src/services/crm-owner-match.ts";
import { alertHeld } from "#src/services/held-alert.ts";
import type { Tx } from "#src/services/lead-journal.ts";
import {
  applyChange,
  factBase,
  factContext,
  type LifecycleOptions,
  type LockedLead,
  lockLead,
} from "#src/services/lead-transition.ts";
import { routeInput, type TeamRow } from "#src/services/route-input.ts";
import { scheduleSla } from "#src/sla/schedule.ts";

export interface HandOffOptions extends LifecycleOptions {
  leadId: string;
  /** Route to this team instead of the rules' choice (overflow). */
  teamKey?: string;
  /** The lead's owner in the CRM (owner matching before routing), offered it first. */
  crmOwner?: CrmOwnerMatch;
}

export type HandOffResult =
  | { outcome: "skipped"; status: string }
  | { outcome: "posted"; teamKey: string; channel: string; reason: string }
  | { outcome: "offered"; teamKey: string; repSlackId: string; reason: string };

export type PoolResult = { outcome: "reopened"; channel: string } | HandOffResult;

export async function handOffLead(options: HandOffOptions): Promise<HandOffResult> {
  return options.db.prisma.$transaction((tx) => handOff(tx, options), { timeout: 30_000 });
}

/** Routes a QUALIFIED lead inside the caller's transaction (hand-off, pass, reassignment). */
export async function handOff(
  tx: Tx,
  options: HandOffOptions,
  /** Reps who must not be offered this lead again (they passed on it). */
  exclude: string[] = [],
): Promise<HandOffResult> {
  const { leadId, now, playbook } = options;
  const locked = await lockLead(tx, leadId);
  if (!locked) return { outcome: "skipped", status: "CAPTURED" };
  if (!startsFrom("offer", locked.status)) {
    return { outcome: "skipped", status: locked.status };
  }
  const lead = await tx.lead.findUniqueOrThrow({ where: { id: leadId } });
  const input = await routeInput(tx, {
    lead: { ...lead, attributes: lead.attributes as Record<string, unknown> },
    accountOwnerId: lead.accountOwnerId,
    crmOwner: options.crmOwner,
    playbook,
    now,
    teamKey: options.teamKey,
    exclude,
    lock: true,
  });
  const decision = decideRoute(input.route);
  const team = input.teams.get(decision.teamKey)!;
  const { outcome } = decision;
  if (outcome.kind === "channel" || outcome.kind === "held") {
    await offer(tx, options, locked, team, undefined, decision);
    if (outcome.kind === "held") await holdAtOnce(tx, options, locked, decision);
    return {
      outcome: "posted",
      teamKey: team.key,
      channel: team.channelId ?? "",
      reason: decision.summary,
    };
  }
  const chosen = await tx.rep.findUniqueOrThrow({ where: { id: outcome.repId } });
  if (outcome.kind === "rep") {
    await tx.teamMember.update({
      where: { teamId_repId: { teamId: team.id, repId: chosen.id } },
      data: { assignedCount: outcome.countAfter, lastAssignedAt: now },
    });
    for (const [repId, due] of Object.entries(outcome.dueAfter)) {
      await tx.teamMember.update({
        where: { teamId_repId: { teamId: team.id, repId } },
        data: { assignedDue: due },
      });
    }
  }
  await recordAssignment(tx, {
    repId: chosen.id,
    teamId: team.id,
    leadId,
    at: now,
    kind: outcome.kind === "rep" ? "round_robin" : "account_owner",
    reason: decision.summary,
  });
  await offer(tx, options, locked, team, chosen, decision);
  return {
    outcome: "offered",
    teamKey: team.key,
    repSlackId: chosen.slackUserId,
    reason: decision.summary,
  };
}

/**
 * A held lead's chain steps that come at once (no `after`): its alerts, now, once in this
 * offer cycle (SlaNotice), so the sweep does not send them again.
 */
async function holdAtOnce(
  tx: Tx,
  options: HandOffOptions,
  lead: LockedLead,
  decision: RouteDecision,
) {
  const chain = options.playbook.teams.find((t) => t.key === decision.teamKey)?.fallback ?? [];
  const cycle = lead.slaCycle + 1;
  const held = { ...lead, status: "OFFERED" as const, teamKey: decision.teamKey };
  for (const [i, step] of chain.entries()) {
    if (step.afterMs > 0 || !step.alert) break;
    const stage = `fallback.${i}`;
    await tx.slaNotice.create({ data: { leadId: lead.id, cycle, stage, createdAt: options.now } });
    await alertHeld(tx, options, held, {
      stage,
      to: step.alert,
      reason: `fallback step ${i + 1}: ${describeFallbackStep(step)}; ${decision.why}`,
      why: decision.why,
      heldSince: options.now,
    });
  }
  await scheduleSla(tx, options.playbook, lead.id);
}

/** Posts the lead to the team channel (no rep) or offers it to one rep by DM. */
async function offer(
  tx: Tx,
  options: HandOffOptions,
  lead: LockedLead,
  team: TeamRow,
  rep: { id: string; slackUserId: string } | undefined,
  decision: RouteDecision,
) {
  const { now } = options;
  await applyChange(tx, options, lead, {
    to: "OFFERED",
    set: {
      teamId: team.id,
      offeredToId: rep?.id ?? null,
      offeredAt: now,
      slaCycle: { increment: 1 },
    },
    event: {
      type: "offered",
      actorType: "SYSTEM",
      actorId: "routing",
      reason: `team ${team.key}: ${decision.summary}`,
      data: {
        team: team.key,
        ...(rep
          ? { mode: "assign", rep: rep.slackUserId }
          : { mode: decision.outcome.kind === "held" ? "held" : "claim" }),
        routing: explanationData(decision),
      },
    },
    facts: [
      {
        ...factBase({ ...lead, teamKey: team.key }, now),
        type: "offered",
        team: team.key,
        rep: rep?.slackUserId ?? null,
        channel: team.channelId,
        routing: decision.summary,
        cycle: lead.slaCycle + 1,
        reopened: false,
      },
    ],
  });
}

/**
 * Puts a lead that was just set back to QUALIFIED (by `cause`) in front of its team again, in
 * the caller's transaction: a claim team's card reopens in place and its thread says why (shown
 * in the channel too); otherwise the next rep by round robin, never one who let go of it.
 */
export async function returnToPool(
  tx: Tx,
  options: HandOffOptions,
  cause: LeadFact,
): Promise<PoolResult> {
  const { leadId, now } = options;
  const lead = await lockLead(tx, leadId);
  const team = lead?.teamKey
    ? await tx.team.findFirst({ where: { key: lead.teamKey, active: true } })
    : null;
  const card = await tx.slackMessage.findFirst({
    where: { leadId, kind: "card" },
    orderBy: { createdAt: "desc" },
  });
  // (No card recorded yet: the pending post will show the lead as it is when delivered.)
  if (
    lead &&
    team?.mode === "CLAIM" &&
    team.channelId &&
    (!card || card.channelId === team.channelId)
  ) {
    // The card everyone already knows opens again, and the channel is told why.
    await applyChange(tx, options, lead, {
      to: "OFFERED",
      set: { offeredAt: now, slaCycle: { increment: 1 } },
      event: {
        type: "offered",
        actorType: "SYSTEM",
        actorId: "routing",
        reason: `team ${team.key}: back in the pool, open for claims again`,
        data: { team: team.key, mode: "claim" },
      },
      facts: [
        {
          ...factBase(lead, now),
          type: "offered",
          team: team.key,
          rep: null,
          channel: team.channelId,
          routing: "back in the pool",
          cycle: lead.slaCycle + 1,
          reopened: true,
        },
      ],
    });
    await notify(tx, factContext(options), cause, { thread: { broadcast: true } });
    return { outcome: "reopened", channel: team.channelId };
  }
  // Assign mode (or a card that lived in a DM): the next rep, never the one who let go.
  return handOff(tx, options, await repsWhoLetGo(tx, leadId));
}

/** Reps who passed on, timed out on, or released this lead. */
export async function repsWhoLetGo(tx: Tx, leadId: string): Promise<string[]> {
  const events = await tx.leadEvent.findMany({
    where: { leadId, type: { in: ["passed", "released", "offer_timed_out", "offer_withdrawn"] } },
    select: { data: true },
  });
  return events.map((e) => (e.data as { repId?: string }).repId).filter((id): id is string => !!id);
}
