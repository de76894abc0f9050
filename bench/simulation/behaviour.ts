// What a rep does with a lead they own, the same with Baton and without: when the first
// contact comes, whether another follows, and when they decide. Baton changes what reaches
// the rep (reminders, nudges, a manager's reassignment), not how the rep behaves.
import {
  PERSISTENCE,
  type Random,
  type RepProfile,
  type SimLead,
  SPEED,
  TOUCH_GAP,
} from "#bench/simulation/model.ts";

export type Decision =
  | { kind: "convert" }
  | { kind: "disqualify"; reason: "no-budget" | "no-need" | "no-response" }
  | { kind: "nurture"; reason: "not-ready" | "no-response" };

export type Step =
  | { kind: "decide"; decision: Decision }
  | { kind: "touch"; afterMinutes: number }
  | { kind: "stop" };

/** Business minutes until a rep looks at a new card, DM or assignment. */
export function lookDelay(rep: RepProfile, random: Random): number {
  return Math.min(random.logNormal(SPEED[rep.speed].lookMedian, 0.9), 2_000);
}

/** Whether the rep takes a card they see in the channel (claim mode). */
export function takesCard(rep: RepProfile, random: Random): boolean {
  return random.chance(SPEED[rep.speed].takes);
}

/** Whether the rep acts on a nudge, reminder or follow-up message about a lead. */
export function answersNudge(rep: RepProfile, random: Random): boolean {
  return random.chance(PERSISTENCE[rep.persistence].answersNudge);
}

/** Right after the rep came to own the lead: their first contact, or nothing ("never"). */
export function firstStep(rep: RepProfile, random: Random): Step {
  const { stopAfter, firstTouchMedian } = PERSISTENCE[rep.persistence];
  if (stopAfter === 0) return { kind: "stop" };
  return { kind: "touch", afterMinutes: Math.min(random.logNormal(firstTouchMedian, 1), 1_500) };
}

/**
 * After a contact: the lead's own answer decides once it has had the contacts it needs;
 * otherwise the rep goes on until their own habit says stop (a few decide then, "no response").
 */
export function afterTouch(
  rep: RepProfile,
  lead: SimLead,
  /** This rep's contacts with the lead so far. */
  own: number,
  /** Everyone's contacts with the lead so far. */
  total: number,
  random: Random,
): Step {
  if (total >= lead.contactsNeeded) return { kind: "decide", decision: truth(lead, random) };
  const { stopAfter } = PERSISTENCE[rep.persistence];
  if (own < stopAfter) {
    return { kind: "touch", afterMinutes: random.uniform(TOUCH_GAP.min, TOUCH_GAP.max) };
  }
  const givesUp = rep.persistence === "persistent" ? 1 : rep.persistence === "two" ? 0.25 : 0.1;
  if (random.chance(givesUp)) {
    return {
      kind: "decide",
      decision: random.chance(0.5)
        ? { kind: "disqualify", reason: "no-response" }
        : { kind: "nurture", reason: "no-response" },
    };
  }
  return { kind: "stop" };
}

function truth(lead: SimLead, random: Random): Decision {
  switch (lead.outcome) {
    case "convert":
      return { kind: "convert" };
    case "disqualify":
      return { kind: "disqualify", reason: random.chance(0.5) ? "no-budget" : "no-need" };
    default:
      return { kind: "nurture", reason: "not-ready" };
  }
}
