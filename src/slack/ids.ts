// action_id / callback_id constants shared by Block Kit builders and the listeners that handle them.
import { AppError } from "#src/errors.ts";

export const COMMAND = "/leads";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The lead id a button carries; anything else is refused before it reaches the database. */
export function leadIdFrom(value: string | undefined | null): string {
  if (typeof value !== "string" || !UUID.test(value)) {
    throw new AppError("not_found", "This lead no longer exists.");
  }
  return value;
}

/** Buttons on lead cards; each button's value is the lead id. */
export const ACTIONS = {
  claim: "lead_claim",
  accept: "lead_accept",
  pass: "lead_pass",
  disqualify: "lead_disqualify",
  nurture: "lead_nurture",
  logTouch: "lead_log_touch",
  converted: "lead_converted",
  release: "lead_release",
  reassign: "lead_reassign",
  /** The user picker in a ghost alert: a manager hands the lead to someone. */
  assignTo: "lead_assign_to",
  /** On a burst summary: the lead's full card, shown only to whoever asked. */
  showCard: "lead_show_card",
} as const;

/** Modal callback ids. */
export const VIEWS = {
  disqualify: "lead_disqualify_modal",
  nurture: "lead_nurture_modal",
  logTouch: "lead_log_touch_modal",
  converted: "lead_converted_modal",
  release: "lead_release_modal",
  reassign: "lead_reassign_modal",
  /** "Send to sales" and `/leads new`. */
  newLead: "lead_new_modal",
} as const;

/** Message shortcuts (slack-manifest.yml: features.shortcuts). */
export const SHORTCUTS = {
  sendToSales: "send_to_sales",
} as const;

/** Workflow Builder custom steps (slack-manifest.yml: functions). */
export const FUNCTIONS = {
  handToSales: "hand_lead_to_sales",
} as const;
