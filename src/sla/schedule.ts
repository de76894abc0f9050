// Keeps each open lead's next SLA step on the lead itself (slaStage, slaDueAt), so the sweep
// reads only the leads that are due. Called in the transaction of every change that starts or
// advances an SLA: offer, claim, touch, release. Steps already done in this offer cycle
// (SlaNotice rows) are skipped, so a step fires once per stage per cycle.
import type { LeadStatus } from "#src/db/generated/client.ts";
import { addBusinessDuration } from "#src/domain/business-hours.ts";
import { nextSlaStep, type SlaStep } from "#src/domain/sla.ts";
import {
  type Playbook,
  type PlaybookTeam,
  repHours,
  repTimeZone,
  type SlaPolicy,
} from "#src/playbook/schema.ts";
import type { Tx } from "#src/services/lead-journal.ts";

export interface SlaContext {
  team: PlaybookTeam | undefined;
  policy: SlaPolicy;
  calendar: { hours: Playbook["businessHours"]; timeZone: string };
}

/**
 * The policy and calendar that count a team's SLA: its own, else the playbook's defaults. A lead
 * held by a rep with their own working hours (offered to them, or theirs) counts in those hours,
 * in the rep's time zone.
 */
export function slaContext(
  playbook: Playbook,
  teamKey: string | null | undefined,
  holder?: { slackUserId: string | null; slackTimezone: string | null },
): SlaContext {
  const team = playbook.teams.find((t) => t.key === teamKey);
  const policy =
    playbook.sla.policies[team?.sla ?? playbook.sla.default] ??
    (Object.values(playbook.sla.policies)[0] as SlaPolicy);
  const own = holder?.slackUserId ? repHours(playbook, teamKey, holder.slackUserId) : undefined;
  const calendar =
    own && holder?.slackUserId && teamKey
      ? {
          hours: own,
          timeZone: repTimeZone(playbook, teamKey, holder.slackUserId, holder.slackTimezone),
        }
      : {
          hours: team?.businessHours ?? playbook.businessHours,
          timeZone: team?.timezone ?? playbook.timezone,
        };
  return { team, policy, calendar };
}

/** The rep a lead's SLA clock follows: its owner, else the rep it is offered to. */
export function holderOf(lead: SlaLeadRow) {
  return { slackUserId: lead.holderSlackId ?? null, slackTimezone: lead.holderTimezone ?? null };
}

export interface SlaLeadRow {
  id: string;
  status: LeadStatus;
  offeredToId: string | null;
  offeredAt: Date | null;
  claimedAt: Date | null;
  lastTouchAt: Date | null;
  touchCount: number;
  slaCycle: number;
  teamKey: string | null;
  /** The owner, else the rep it is offered to, with their Slack time zone. */
  holderSlackId?: string | null;
  holderTimezone?: string | null;
}

export async function loadSlaLead(tx: Tx, leadId: string): Promise<SlaLeadRow | undefined> {
  const [row] = await tx.$queryRaw<SlaLeadRow[]>`
    SELECT l."id", l."status", l."offeredToId", l."offeredAt", l."claimedAt", l."lastTouchAt",
           l."touchCount", l."slaCycle", t."key" AS "teamKey",
           COALESCE(o."slackUserId", f."slackUserId") AS "holderSlackId",
           CASE WHEN o."id" IS NOT NULL THEN o."slackTimezone" ELSE f."slackTimezone" END
             AS "holderTimezone"
      FROM "Lead" l LEFT JOIN "Team" t ON t."id" = l."teamId"
      LEFT JOIN "Rep" o ON o."id" = l."ownerId"
      LEFT JOIN "Rep" f ON f."id" = l."offeredToId"
     WHERE l."id" = ${leadId}::uuid`;
  return row;
}

/** The step that comes next for the lead as it is now, given the steps done in its cycle. */
export async function nextStepFor(
  tx: Tx,
  playbook: Playbook,
  lead: SlaLeadRow,
): Promise<SlaStep | undefined> {
  const done = await tx.slaNotice.findMany({
    where: { leadId: lead.id, cycle: lead.slaCycle },
    select: { stage: true },
  });
  return nextStepOf(playbook, lead, new Set(done.map((d) => d.stage)));
}

/**
 * An assign-mode lead waiting in its team's channel for want of a rep: held by the team's
 * fallback chain, or (a team without one) posted there when nobody could take it. Either way
 * it goes to the first rep who can take it (see revisitHeldLeads).
 */
export function awaitsRep(
  playbook: Playbook,
  lead: Pick<SlaLeadRow, "status" | "offeredToId" | "teamKey">,
): boolean {
  const team = playbook.teams.find((t) => t.key === lead.teamKey);
  return lead.status === "OFFERED" && lead.offeredToId === null && team?.mode === "assign";
}

/**
 * Held: an assign-mode lead offered to nobody because no rep could take it, in a team with a
 * fallback chain. Its SLA is the chain, not the offer's steps.
 */
export function isHeld(
  playbook: Playbook,
  lead: Pick<SlaLeadRow, "status" | "offeredToId" | "teamKey">,
): boolean {
  const team = playbook.teams.find((t) => t.key === lead.teamKey);
  return awaitsRep(playbook, lead) && (team?.fallback?.length ?? 0) > 0;
}

/**
 * A held lead's next step: each step of its team's chain `after` the hold ("fallback.0"...),
 * then the managers again every `offered.reassign` while it is still held, so it never goes
 * quiet.
 */
function nextHeldStep(
  playbook: Playbook,
  lead: SlaLeadRow,
  done: ReadonlySet<string>,
): SlaStep | undefined {
  const { team, policy, calendar } = slaContext(playbook, lead.teamKey);
  const chain = team?.fallback ?? [];
  if (!lead.offeredAt) return undefined;
  const after = (ms: number) =>
    addBusinessDuration(lead.offeredAt!, ms, calendar.hours, calendar.timeZone);
  const i = chain.findIndex((_, j) => !done.has(`fallback.${j}`));
  if (i >= 0) return { stage: `fallback.${i}`, dueAt: after(chain[i]!.afterMs) };
  let k = 1;
  while (done.has(`fallback.realert.${k}`)) k += 1;
  const last = chain.at(-1)?.afterMs ?? 0;
  return { stage: `fallback.realert.${k}`, dueAt: after(last + policy.offered.reassign * k) };
}

/** The first step of the lead's policy not in `done`. */
export function nextStepOf(
  playbook: Playbook,
  lead: SlaLeadRow,
  done: ReadonlySet<string>,
): SlaStep | undefined {
  if (isHeld(playbook, lead)) return nextHeldStep(playbook, lead, done);
  const { policy, calendar } = slaContext(playbook, lead.teamKey, holderOf(lead));
  return nextSlaStep(
    { ...lead, offeredToOne: lead.status === "OFFERED" && lead.offeredToId !== null },
    policy,
    calendar,
    done,
  );
}

/** Stores the lead's next SLA step (or none) on the lead. */
export async function scheduleSla(tx: Tx, playbook: Playbook, leadId: string): Promise<void> {
  const lead = await loadSlaLead(tx, leadId);
  if (!lead) return;
  const step = await nextStepFor(tx, playbook, lead);
  await tx.lead.update({
    where: { id: leadId },
    data: { slaStage: step?.stage ?? null, slaDueAt: step?.dueAt ?? null },
  });
}
