// When does a lead become ready for sales? Pure: decided from its state, score and signals.
import { type LeadStatus, startsFrom } from "#src/domain/lifecycle.ts";

export interface QualificationInput {
  status: LeadStatus;
  score: number;
  threshold: number;
  /** A hand-raise (demo request, contact sales) among the activities that just arrived. */
  newHandRaise?: string;
  /** Set when sales sent the lead back to nurture until a date. */
  resurfaceAt?: Date | null;
  now: Date;
}

export type QualificationDecision =
  | { status: "QUALIFIED"; trigger: "hand_raise"; handRaise: string }
  | { status: "QUALIFIED"; trigger: "score" }
  | { status: LeadStatus; trigger?: undefined };

/**
 * A hand-raise qualifies a lead at once, even one that was disqualified or asked to wait: it
 * is the strongest buying signal there is. A score over the threshold qualifies a lead in
 * nurture, unless sales asked for it to rest until a date that has not come yet.
 * Leads already with sales, or converted, stay where they are.
 */
export function decideQualification(input: QualificationInput): QualificationDecision {
  const { status, newHandRaise } = input;
  const open = startsFrom("qualify", status) || status === "DISQUALIFIED";
  if (open && newHandRaise)
    return { status: "QUALIFIED", trigger: "hand_raise", handRaise: newHandRaise };
  if (startsFrom("qualify", status)) {
    const resting = input.resurfaceAt != null && input.resurfaceAt.getTime() > input.now.getTime();
    if (!resting && input.score >= input.threshold)
      return { status: "QUALIFIED", trigger: "score" };
    return { status: "NURTURE" };
  }
  return { status };
}
