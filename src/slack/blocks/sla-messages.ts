// What the SLA engine says: reminders in the card's thread, nudges to reps, and ghost alerts to
// managers (the lead, its age, why it is stuck, and an "Assign to" picker).
import type { KnownBlock } from "@slack/types";
import { ACTIONS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

export interface SlaLeadView {
  id: string;
  number: number;
  name: string;
  company: string | null;
  teamName: string;
  channelId: string | null;
  ownerSlackId: string | null;
  offeredToSlackId: string | null;
  touchCount: number;
  /** "1h 30m" of business time since the offer or the claim. */
  age: string;
}

const label = (lead: SlaLeadView) =>
  `L-${lead.number} *${safeText(lead.name, 100)}*${lead.company ? ` (${safeText(lead.company, 100)})` : ""}`;

export function offerReminder(lead: SlaLeadView): string {
  const to = lead.offeredToSlackId ? `<@${lead.offeredToSlackId}>, ` : "";
  return `:alarm_clock: ${to}${label(lead)} has waited ${lead.age} for someone to take it.`;
}

export function claimNudge(lead: SlaLeadView): string {
  return `:wave: You claimed ${label(lead)} ${lead.age} ago and no touch is logged yet. Reach out, then press *Log touch* on the card, or *Release* it for someone else.`;
}

export function followUpNudge(lead: SlaLeadView, since: string): string {
  const touches = `${lead.touchCount} touch${lead.touchCount === 1 ? "" : "es"}`;
  return `:repeat: ${label(lead)}: ${touches} so far, the last ${since} ago. Most deals need 5 to 12; time for the next one.`;
}

export function releasedBySla(lead: SlaLeadView, owner: string, stalled = false): string {
  const why = stalled
    ? `had no touch from <@${owner}> in ${lead.age} after ${lead.touchCount} touch${lead.touchCount === 1 ? "" : "es"}`
    : `was claimed by <@${owner}> ${lead.age} ago with no touch logged`;
  return `:leftwards_arrow_with_hook: ${label(lead)} ${why}, so Baton released it back to ${safeText(lead.teamName, 100)}.`;
}

export type GhostReason =
  | "unclaimed"
  | "untouched"
  | "stalled"
  | "nobody-left"
  | "held"
  | "held-admins";

export function ghostAlert(
  lead: SlaLeadView,
  reason: GhostReason,
  /** A held lead's explanation: each rep's skip reason and what comes next. */
  heldWhy?: string | null,
): { text: string; blocks: KnownBlock[] } {
  const why =
    reason === "held" || reason === "held-admins"
      ? `nobody in ${safeText(lead.teamName, 100)} can take it, so Baton is holding it (${lead.age} so far): ${safeText(heldWhy ?? "", 1500)}`
      : reason === "untouched"
        ? `claimed by <@${lead.ownerSlackId}> ${lead.age} ago, no touch logged`
        : reason === "stalled"
          ? `owned by <@${lead.ownerSlackId}>, ${lead.touchCount} touch${lead.touchCount === 1 ? "" : "es"} and none in ${lead.age}, though nudged`
          : reason === "nobody-left"
            ? `nobody in ${safeText(lead.teamName, 100)} took it in ${lead.age}, and there is no overflow team`
            : `offered ${lead.age} ago${lead.offeredToSlackId ? ` to <@${lead.offeredToSlackId}>` : ""}, nobody has taken it`;
  const where = lead.channelId ? ` in <#${lead.channelId}>` : "";
  const text = `:ghost: Ghost alert: ${label(lead)}${where}: ${why}.`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      {
        type: "actions",
        block_id: `ghost:${lead.id}`,
        elements: [
          {
            type: "users_select",
            action_id: ACTIONS.assignTo,
            placeholder: { type: "plain_text", text: "Assign to…" },
          },
        ],
      },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: "Pick a rep and the lead is theirs at once; they and the current owner are told.",
          },
        ],
      },
    ],
  };
}
