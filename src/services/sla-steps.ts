// What each SLA step does, as use cases the sweep dispatches to: remind, nudge and alert
// (facts the people concerned are told of), and time out, overflow or release (lifecycle moves
// through the same seam as a person's). Each runs in the sweep's transaction for the lead.
import { businessDurationBetween } from "#src/domain/business-hours.ts";
import { formatDuration } from "#src/domain/duration.ts";
import type { FactOf } from "#src/domain/lead-facts.ts";
import type { SlaStage } from "#src/domain/sla.ts";
import { recordFacts } from "#src/outbox/subscribers.ts";
import { handOff, returnToPool } from "#src/services/hand-off-lead.ts";
import { recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import {
  applyChange,
  factBase,
  factContext,
  type LifecycleOptions,
  lockFor,
  lockLead,
} from "#src/services/lead-transition.ts";
import { endOffer } from "#src/services/pass-lead.ts";
import { type SlaLeadRow, slaContext } from "#src/sla/schedule.ts";

export interface SlaStepOptions extends LifecycleOptions {
  leadId: string;
}

type Ghost = NonNullable<FactOf<"sla_due">["ghost"]>;
interface SlaStepOptionsWithStage extends SlaStepOptions {
  stage: string;
}
type Step = (tx: Tx, options: SlaStepOptionsWithStage, lead: SlaLeadRow) => Promise<void>;

/** Each stage's use case; numbered stages ("working.followup.2") go by their prefix. */
const STEPS: Record<string, Step> = {
  "offered.timeout": async (tx, options) => {
    await endOffer(tx, options, { system: "SLA" }, "timed_out", "the offer timed out");
  },
  "offered.remind": (tx, options, lead) => due(tx, options, lead, "remind"),
  "offered.escalate": (tx, options, lead) => due(tx, options, lead, "ghost", "unclaimed"),
  "offered.reassign": reassignUnclaimed,
  // Nobody took it and nobody answered the alerts: the card comes up again in its channel,
  // and the managers are alerted again, until someone has it.
  "offered.realert": async (tx, options, lead) => {
    await due(tx, options, lead, "remind");
    await due(tx, options, lead, "ghost", "nobody-left");
  },
  "claimed.nudge": async (tx, options, lead) => {
    const away = await ownerAway(tx, lead.id, options.now);
    await due(tx, options, lead, "nudge");
    // An owner who is away cannot act on it: their manager sees it now, not at the escalation.
    if (away) await due(tx, options, lead, "ghost", "untouched");
  },
  "claimed.escalate": (tx, options, lead) => due(tx, options, lead, "ghost", "untouched"),
  "claimed.release": (tx, options, lead) => expire(tx, options, lead, false),
  "working.escalate": (tx, options, lead) => due(tx, options, lead, "ghost", "stalled"),
  "working.release": (tx, options, lead) => expire(tx, options, lead, true),
  "working.followup": (tx, options, lead) => due(tx, options, lead, "follow_up"),
};

/** Runs the use case of `stage` for the lead; false for a stage Baton does not know. */
export async function runSlaStep(
  tx: Tx,
  options: SlaStepOptions,
  lead: SlaLeadRow,
  stage: SlaStage | string,
): Promise<boolean> {
  const step = STEPS[stage] ?? STEPS[stage.replace(/\.\d+$/, "")];
  if (!step) return false;
  await step(tx, { ...options, stage }, lead);
  return true;
}

/** Offered too long: to the overflow team, else to the next rep, else the managers hear. */
async function reassignUnclaimed(tx: Tx, options: SlaStepOptionsWithStage, lead: SlaLeadRow) {
  const { team } = slaContext(options.playbook, lead.teamKey);
  const overflow = team?.overflow;
  const waited = waitedMs(options, lead);
  if (overflow && overflow !== lead.teamKey) {
    const { lead: locked } = await lockFor(tx, options, "overflow", { system: "SLA" });
    await applyChange(tx, options, locked, {
      to: "QUALIFIED",
      set: { offeredToId: null },
      event: {
        type: "reassigned",
        actorType: "SLA",
        actorId: "sla",
        reason: `nobody took it in ${formatDuration(waited)}: overflow to ${overflow}`,
        data: { fromTeam: lead.teamKey, toTeam: overflow },
      },
      facts: [
        {
          ...factBase(locked, options.now),
          type: "overflowed",
          toTeam: overflow,
          waitedMs: waited,
        },
      ],
    });
    await handOff(tx, { ...options, teamKey: overflow });
    return;
  }
  if (lead.offeredToId) {
    const reason = `nobody took it in ${formatDuration(waited)}`;
    await endOffer(tx, options, { system: "SLA" }, "timed_out", reason);
    return;
  }
  await due(tx, options, lead, "ghost", "nobody-left");
}

/** Takes an owned lead nobody works back to the pool (owner and managers told). */
async function expire(tx: Tx, options: SlaStepOptions, row: SlaLeadRow, stalled: boolean) {
  const { now } = options;
  const { lead } = await lockFor(tx, options, "expire", { system: "SLA" });
  const idle = waitedMs(options, row);
  const fact = {
    ...factBase(lead, now),
    type: "expired" as const,
    owner: lead.ownerSlackId,
    stalled,
    idleMs: idle,
    touchCount: lead.touchCount,
  };
  await applyChange(tx, options, lead, {
    to: "QUALIFIED",
    set: { ownerId: null, claimedAt: null, offeredToId: null },
    event: {
      type: "released",
      actorType: "SLA",
      actorId: "sla",
      reason: stalled
        ? `no touch in ${formatDuration(idle)} after ${lead.touchCount} touches`
        : `no touch logged in ${formatDuration(idle)}`,
      data: { repId: lead.ownerId, owner: lead.ownerSlackId },
    },
    facts: [fact],
  });
  await returnToPool(tx, options, fact);
}

/** A step that asks someone to act: recorded as a fact for the people it concerns. */
async function due(
  tx: Tx,
  options: SlaStepOptionsWithStage,
  row: SlaLeadRow,
  step: FactOf<"sla_due">["step"],
  ghost?: Ghost,
) {
  const lead = await lockLead(tx, row.id);
  if (!lead) return;
  await recordFacts(tx, factContext(options), {
    ...factBase(lead, options.now),
    type: "sla_due",
    stage: options.stage,
    step,
    ghost: ghost ?? null,
    waitedMs: waitedMs(options, row),
    owner: lead.ownerSlackId,
    offeredTo: lead.offeredToSlackId,
    ownerAway: step === "follow_up" ? await ownerAway(tx, row.id, options.now) : false,
    touchCount: lead.touchCount,
  });
}

/**
 * Business time the step counts: since the offer (offered), the claim (claimed), or the last
 * touch (working).
 */
function waitedMs(options: SlaStepOptions, lead: SlaLeadRow): number {
  const from =
    lead.status === "OFFERED"
      ? lead.offeredAt
      : lead.status === "WORKING"
        ? (lead.lastTouchAt ?? lead.claimedAt)
        : (lead.claimedAt ?? lead.offeredAt);
  if (!from) return 0;
  const { calendar } = slaContext(options.playbook, lead.teamKey);
  return businessDurationBetween(from, options.now, calendar.hours, calendar.timeZone);
}

async function ownerAway(tx: Tx, leadId: string, now: Date): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ away: boolean }[]>`
    SELECT (r."paused" OR (r."awayUntil" IS NOT NULL AND r."awayUntil" > ${now})) AS "away"
      FROM "Lead" l JOIN "Rep" r ON r."id" = l."ownerId" WHERE l."id" = ${leadId}::uuid`;
  return row?.away ?? false;
}

/** A nurture lead whose resurface date came: back to sales if its score still qualifies. */
export async function resurface(tx: Tx, options: SlaStepOptions): Promise<void> {
  const { now, playbook } = options;
  const { lead } = await lockFor(tx, options, "resurface", { system: "SLA" });
  const ready = lead.score >= playbook.scoring.threshold;
  const event = {
    type: "resurfaced",
    actorType: "SLA" as const,
    actorId: "sla",
    reason: ready
      ? `resurface date reached with score ${lead.score}: back to sales`
      : `resurface date reached; score ${lead.score} is under ${playbook.scoring.threshold}, it keeps scoring`,
  };
  if (!ready) {
    // Not a move: it stays in nurture and keeps scoring, without a date.
    await tx.lead.update({ where: { id: lead.id }, data: { resurfaceAt: null } });
    await recordLeadEvent(tx, {
      leadId: lead.id,
      type: event.type,
      actor: { type: "SLA", id: "sla" },
      fromStatus: "NURTURE",
      toStatus: "NURTURE",
      reason: event.reason,
      at: now,
    });
    return;
  }
  await applyChange(tx, options, lead, {
    to: "QUALIFIED",
    set: { resurfaceAt: null, qualifiedAt: now },
    event,
    facts: [{ ...factBase(lead, now), type: "resurfaced", ready, score: lead.score }],
  });
  await handOff(tx, options);
}
