// The kinds of touch a rep logs on a lead they work (the follow-ups that 80% of sales need).
export const TOUCH_KINDS = {
  call: "Call",
  email: "Email",
  meeting: "Meeting",
  linkedin: "LinkedIn",
  other: "Other",
} as const;
export type TouchKind = keyof typeof TOUCH_KINDS;
