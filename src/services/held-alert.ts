// The alert for a held lead (see fallback.ts): the managers (or the admins) are told why
// nobody could take it, each rep's skip reason and what comes next, and the audit trail
// records the step. Shared by the hand-off (the chain's first steps, at once) and the SLA
// stages that come later.
import { businessDurationBetween } from "#src/domain/business-hours.ts";
import type { FactOf } from "#src/domain/lead-facts.ts";
import { recordFacts } from "#src/outbox/subscribers.ts";
import { recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";
import {
  factBase,
  factContext,
  type LifecycleOptions,
  type LockedLead,
} from "#src/services/lead-transition.ts";
import { slaContext } from "#src/sla/schedule.ts";

export interface HeldAlert {
  stage: string;
  /** Who hears: the team's managers, or the playbook's admins. */
  to: "managers" | "admins";
  /** The audit trail's line: "fallback step 1: managers alerted now: nobody available; ...". */
  reason: string;
  /** The routing decision's "why": each rep's skip reason and the chain. */
  why: string;
  heldSince: Date | null;
}

export async function alertHeld(
  tx: Tx,
  options: LifecycleOptions,
  lead: Pick<LockedLead, "id" | "number" | "teamKey" | "status" | "touchCount">,
  alert: HeldAlert,
): Promise<void> {
  const { now, playbook } = options;
  await recordLeadEvent(tx, {
    leadId: lead.id,
    type: "fallback",
    actor: { type: "SLA", id: "sla" },
    fromStatus: lead.status,
    toStatus: lead.status,
    reason: alert.reason,
    data: { stage: alert.stage, alert: alert.to },
    at: now,
  });
  const { calendar } = slaContext(playbook, lead.teamKey);
  const fact: FactOf<"sla_due"> = {
    ...factBase(lead, now),
    type: "sla_due",
    stage: alert.stage,
    step: "ghost",
    ghost: alert.to === "admins" ? "held-admins" : "held",
    why: alert.why,
    waitedMs: alert.heldSince
      ? businessDurationBetween(alert.heldSince, now, calendar.hours, calendar.timeZone)
      : 0,
    owner: null,
    offeredTo: null,
    ownerAway: false,
    touchCount: lead.touchCount,
  };
  await recordFacts(tx, factContext(options), fact);
}
