// One line in the marketing feedback channel per disposition, as it happens: which lead, what
// happened, who did it, why, and the source and campaign it came from.
import type { KnownBlock } from "@slack/types";
import { safeText } from "#src/slack/text.ts";

export type FeedEvent =
  | "claimed"
  | "disqualified"
  | "nurtured"
  | "converted"
  | "released"
  | "recalled"
  | "reassigned";

export interface FeedView {
  number: number;
  name: string | null;
  email: string;
  company: string | null;
  source: string | null;
  campaign: string | null;
  actorSlackId?: string;
  reason?: string | null;
  note?: string | null;
}

const VERB: Record<FeedEvent, { emoji: string; text: string }> = {
  claimed: { emoji: ":raised_hand:", text: "claimed" },
  disqualified: { emoji: ":no_entry_sign:", text: "disqualified" },
  nurtured: { emoji: ":seedling:", text: "sent back to nurture" },
  converted: { emoji: ":trophy:", text: "converted to an opportunity" },
  released: { emoji: ":leftwards_arrow_with_hook:", text: "released back to the team" },
  recalled: { emoji: ":rewind:", text: "recalled by marketing" },
  reassigned: { emoji: ":twisted_rightwards_arrows:", text: "reassigned" },
};

/** The lead's display name: name, else the email's local part (never the whole address). */
export function leadName(view: { name: string | null; email: string }): string {
  return view.name?.trim() || view.email.split("@")[0] || "Lead";
}

export function buildFeedMessage(
  event: FeedEvent,
  view: FeedView,
): { text: string; blocks: KnownBlock[] } {
  const verb = VERB[event];
  const who = safeText(leadName(view), 100);
  const company = view.company ? ` (${safeText(view.company, 100)})` : "";
  const by = view.actorSlackId ? ` by <@${view.actorSlackId}>` : "";
  const reason = view.reason ? `: ${safeText(view.reason, 200)}` : "";
  const origin = [
    view.source ? `source *${safeText(view.source, 100)}*` : "source unknown",
    view.campaign ? `campaign *${safeText(view.campaign, 100)}*` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  const line = `${verb.emoji} L-${view.number} *${who}*${company} ${verb.text}${by}${reason}`;
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: line } },
    { type: "context", elements: [{ type: "mrkdwn", text: origin }] },
  ];
  if (view.note) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `Note: ${safeText(view.note, 1000)}` }],
    });
  }
  return { text: `L-${view.number} ${who} ${verb.text}${by}${reason}`, blocks };
}
