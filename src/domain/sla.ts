// SLA policy as data: for a lead's state, the steps that come due and when, in the team's
// business hours. The sweep (issue #5) stores the next step's due time on the lead, so it
// reads only leads that are due, and records each step once per offer cycle.

import { addBusinessDuration } from "#src/domain/business-hours.ts";
import type { LeadStatus } from "#src/domain/lifecycle.ts";
import type { BusinessHours, SlaPolicy } from "#src/playbook/schema.ts";

export type SlaStage =
  | "offered.timeout"
  | "offered.remind"
  | "offered.escalate"
  | "offered.reassign"
  | `offered.realert.${number}`
  | "claimed.nudge"
  | "claimed.escalate"
  | "claimed.release"
  | `working.followup.${number}`
  | `working.escalate.${number}`
  | `working.release.${number}`
  /** A held lead's fallback chain (see src/sla/schedule.ts). */
  | `fallback.${number}`
  | `fallback.realert.${number}`;

export interface SlaLead {
  status: LeadStatus;
  /** Offered to one rep (assign mode), who must accept or pass. */
  offeredToOne: boolean;
  offeredAt: Date | null;
  claimedAt: Date | null;
  lastTouchAt: Date | null;
  touchCount: number;
}

export interface SlaCalendar {
  hours: BusinessHours;
  timeZone: string;
}

export interface SlaStep {
  stage: SlaStage;
  dueAt: Date;
}

/** Every step the lead's current state calls for, earliest first. */
export function slaSteps(lead: SlaLead, policy: SlaPolicy, calendar: SlaCalendar): SlaStep[] {
  const after = (from: Date, ms: number) =>
    addBusinessDuration(from, ms, calendar.hours, calendar.timeZone);
  const steps: SlaStep[] = [];
  if (lead.status === "OFFERED" && lead.offeredAt) {
    if (lead.offeredToOne && policy.offerTimeout !== undefined) {
      steps.push({ stage: "offered.timeout", dueAt: after(lead.offeredAt, policy.offerTimeout) });
    }
    steps.push(
      { stage: "offered.remind", dueAt: after(lead.offeredAt, policy.offered.remind) },
      { stage: "offered.escalate", dueAt: after(lead.offeredAt, policy.offered.escalate) },
      { stage: "offered.reassign", dueAt: after(lead.offeredAt, policy.offered.reassign) },
    );
  } else if (lead.status === "CLAIMED" && lead.claimedAt) {
    steps.push(
      { stage: "claimed.nudge", dueAt: after(lead.claimedAt, policy.claimed.nudge) },
      { stage: "claimed.escalate", dueAt: after(lead.claimedAt, policy.claimed.escalate) },
      { stage: "claimed.release", dueAt: after(lead.claimedAt, policy.claimed.release) },
    );
  } else if (lead.status === "WORKING" && lead.lastTouchAt) {
    // One follow-up nudge per touch, then the manager, then (if the policy says) the pool:
    // a new touch starts a new wait.
    const n = lead.touchCount;
    steps.push(
      { stage: `working.followup.${n}`, dueAt: after(lead.lastTouchAt, policy.working.followUp) },
      {
        stage: `working.escalate.${n}`,
        dueAt: after(lead.lastTouchAt, policy.working.escalate ?? policy.working.followUp * 2),
      },
    );
    if (policy.working.release !== undefined) {
      steps.push({
        stage: `working.release.${n}`,
        dueAt: after(lead.lastTouchAt, policy.working.release),
      });
    }
  }
  return steps.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/** The first step not yet done, or undefined when nothing more is due in this state. */
export function nextSlaStep(
  lead: SlaLead,
  policy: SlaPolicy,
  calendar: SlaCalendar,
  done: ReadonlySet<string>,
): SlaStep | undefined {
  const step = slaSteps(lead, policy, calendar).find((s) => !done.has(s.stage));
  if (step || lead.status !== "OFFERED" || !lead.offeredAt || !done.has("offered.reassign")) {
    return step;
  }
  // Every step has fired and the lead is still open, in the same cycle: there was nobody to
  // move it to (no overflow team, nobody left to offer it to) and the alerts went unanswered.
  // It must not go quiet: the channel and the managers hear of it again every `reassign`.
  let k = 1;
  while (done.has(`offered.realert.${k}`)) k += 1;
  return {
    stage: `offered.realert.${k}`,
    dueAt: addBusinessDuration(
      lead.offeredAt,
      policy.offered.reassign * (k + 1),
      calendar.hours,
      calendar.timeZone,
    ),
  };
}
