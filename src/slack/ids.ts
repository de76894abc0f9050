// action_id / callback_id constants shared by Block Kit builders and the listeners that handle them.
export const COMMAND = "/leads";

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
} as const;
