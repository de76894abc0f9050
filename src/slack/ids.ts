// action_id / callback_id constants shared by Block Kit builders and the listeners that handle them.
export const COMMAND = "/leads";
