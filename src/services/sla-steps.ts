// What each SLA step does, as use cases the sweep dispatches to: remind, nudge and alert
// (facts the people concerned are told of), and time out, overflow or release (lifecycle moves
// through the same seam as a person's). Each runs in the sweep's transaction for the lead.
import { businessDurationBetween } from "#src/domain/business-hours.ts";
import { formatDuration } from "#src/domain/duration.ts";
import type { FactOf } from "#src/domain/lead-facts.ts";
import type { SlaStage } from "#src/domain/sla.ts";
import { recordFacts } from "#src/outbox/subscribers.ts";
import { runFallbackStep } from "#src/services/fallback.ts";
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
import { holderOf, type SlaLeadRow, slaContext } from "#src/sla/schedule.ts";

export interface SlaStepOptions extends LifecycleOptions {
  leadId: string;
}

type Ghost = NonNullable<FactOf<"sla_due">["ghost"]>;
interface SlaStepOptionsWithStage extends SlaStepOptions {
  stage: string;
}
type Step = (tx: Tx, options: SlaStepOptionsWithStage, lead: SlaLeadRow) => Promise<void>;

/** What a step that only tells people sends: a notice, and which ghost alert it is. */
interface Notice {
  step: FactOf<"sla_due">["step"];
  ghost?: Ghost;
}

/**
 * The stages that move nothing, only tell people (numbered stages, "working.followup.2", go by
 * their prefix). They are the bulk of a sweep: the sweep writes them for many leads at once.
 */
const NOTICES: Record<string, (ownerAway: boolean) => Notice[]> = {
  "offered.remind": () => [{ step: "remind" }],
  "offered.escalate": () => [{ step: "ghost", ghost: "unclaimed" }],
  // Nobody took it and nobody answered the alerts: the card comes up again in its channel,
  // and the managers are alerted again, until someone has it.
  "offered.realert": () => [{ step: "remind" }, { step: "ghost", ghost: "nobody-left" }],
  // An owner who is away cannot act on it: their manager sees it now, not at the escalation.
  "claimed.nudge": (away) =>
    away ? [{ step: "nudge" }, { step: "ghost", ghost: "untouched" }] : [{ step: "nudge" }],
  "claimed.escalate": () => [{ step: "ghost", ghost: "untouched" }],
  "working.escalate": () => [{ step: "ghost", ghost: "stalled" }],
  "working.followup": () => [{ step: "follow_up" }],
};

/** The stages that move the lead: each a use case through the lifecycle seam. */
const MOVES: Record<string, Step> = {
  "offered.timeout": async (tx, options) => {
    await endOffer(tx, options, { system: "SLA" }, "timed_out", "the offer timed out");
  },
  "offered.reassign": reassignUnclaimed,
  "claimed.release": (tx, options, lead) => expire(tx, options, lead, false),
  "working.release": (tx, options, lead) => expire(tx, options, lead, true),
  fallback: (tx, options, lead) => runFallbackStep(tx, options, lead, options.stage),
  "fallback.realert": (tx, options, lead) => runFallbackStep(tx, options, lead, options.stage),
};

const byPrefix = <T>(table: Record<string, T>, stage: string): T | undefined =>
  table[stage] ?? table[stage.replace(/\.\d+$/, "")];

/** Whether the stage only tells people (and leaves the lead as it is). */
export function isNoticeStage(stage: string): boolean {
  return byPrefix(NOTICES, stage) !== undefined;
}

/** A due lead as a notice needs it: its SLA row, who holds it, and whether its owner is away. */
export interface DueLead extends SlaLeadRow {
  number: number;
  ownerSlackId: string | null;
  offeredToSlackId: string | null;
  ownerAway: boolean;
}

/** The facts a notice stage records for the lead as it is now. */
export function noticeFacts(
  options: Pick<SlaStepOptions, "playbook" | "now">,
  lead: DueLead,
  stage: string,
  notices: Notice[] = byPrefix(NOTICES, stage)?.(lead.ownerAway) ?? [],
): FactOf<"sla_due">[] {
  const waited = waitedMs(options, lead);
  return notices.map(({ step, ghost }) => ({
    ...factBase(lead, options.now),
    type: "sla_due",
    stage,
    step,
    ghost: ghost ?? null,
    waitedMs: waited,
    owner: lead.ownerSlackId,
    offeredTo: lead.offeredToSlackId,
    ownerAway: step === "follow_up" ? lead.ownerAway : false,
    touchCount: lead.touchCount,
  }));
}

/** Runs the use case of `stage` for the lead; false for a stage Baton does not know. */
export async function runSlaStep(
  tx: Tx,
  options: SlaStepOptions,
  lead: SlaLeadRow,
  stage: SlaStage | string,
): Promise<boolean> {
  const move = byPrefix(MOVES, stage);
  if (move) await move(tx, { ...options, stage }, lead);
  else if (isNoticeStage(stage)) await tell(tx, { ...options, stage }, lead);
  else return false;
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
  await tell(tx, options, lead, [{ step: "ghost", ghost: "nobody-left" }]);
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

/** A step that asks someone to act: its notices, as facts for the people they concern. */
async function tell(tx: Tx, options: SlaStepOptionsWithStage, row: SlaLeadRow, notices?: Notice[]) {
  const lead = await lockLead(tx, row.id);
  if (!lead) return;
  const due: DueLead = { ...row, ...lead, ownerAway: await ownerAway(tx, row.id, options.now) };
  await recordFacts(tx, factContext(options), ...noticeFacts(options, due, options.stage, notices));
}

/**
 * Business time the step counts: since the offer (offered), the claim (claimed), or the last
 * touch (working).
 */
function waitedMs(options: Pick<SlaStepOptions, "playbook" | "now">, lead: SlaLeadRow): number {
  const from =
    lead.status === "OFFERED"
      ? lead.offeredAt
      : lead.status === "WORKING"
        ? (lead.lastTouchAt ?? lead.claimedAt)
        : (lead.claimedAt ?? lead.offeredAt);
  if (!from) return 0;
  const { calendar } = slaContext(options.playbook, lead.teamKey, holderOf(lead));
  return businessDurationBetween(from, options.now, calendar.hours, calendar.timeZone);
}

async function ownerAway(tx: Tx, leadId: string, now: Date): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ away: boolean }[]>`
    SELECT (r."paused" OR (r."awayUntil" IS NOT NULL AND r."awayUntil" > ${now})
            OR (r."statusAway" AND (r."statusUntil" IS NULL OR r."statusUntil" > ${now}))) AS "away"
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
