// Keeps each open lead's next SLA step on the lead itself (slaStage, slaDueAt), so the sweep
// reads only the leads that are due. Called in the transaction of every change that starts or
// advances an SLA: offer, claim, touch, release. Steps already done in this offer cycle
// (SlaNotice rows) are skipped, so a step fires once per stage per cycle.
import type { LeadStatus } from "#src/db/generated/client.ts";
import { nextSlaStep, type SlaStep } from "#src/domain/sla.ts";
import type { Playbook, PlaybookTeam, SlaPolicy } from "#src/playbook/schema.ts";
import type { Tx } from "#src/services/lead-journal.ts";

export interface SlaContext {
  team: PlaybookTeam | undefined;
  policy: SlaPolicy;
  calendar: { hours: Playbook["businessHours"]; timeZone: string };
}

/** The policy and calendar that count a team's SLA: its own, else the playbook's defaults. */
export function slaContext(playbook: Playbook, teamKey: string | null | undefined): SlaContext {
  const team = playbook.teams.find((t) => t.key === teamKey);
  const policy =
    playbook.sla.policies[team?.sla ?? playbook.sla.default] ??
    (Object.values(playbook.sla.policies)[0] as SlaPolicy);
  return {
    team,
    policy,
    calendar: {
      hours: team?.businessHours ?? playbook.businessHours,
      timeZone: team?.timezone ?? playbook.timezone,
    },
  };
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
}

export async function loadSlaLead(tx: Tx, leadId: string): Promise<SlaLeadRow | undefined> {
  const [row] = await tx.$queryRaw<SlaLeadRow[]>`
    SELECT l."id", l."status", l."offeredToId", l."offeredAt", l."claimedAt", l."lastTouchAt",
           l."touchCount", l."slaCycle", t."key" AS "teamKey"
      FROM "Lead" l LEFT JOIN "Team" t ON t."id" = l."teamId"
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

/** The first step of the lead's policy not in `done`. */
export function nextStepOf(
  playbook: Playbook,
  lead: SlaLeadRow,
  done: ReadonlySet<string>,
): SlaStep | undefined {
  const { policy, calendar } = slaContext(playbook, lead.teamKey);
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
