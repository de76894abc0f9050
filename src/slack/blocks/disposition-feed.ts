// One line in the marketing feedback channel per disposition, as it happens: which lead, what
// happened, who did it, why, and the source and campaign it came from.
import type { KnownBlock } from "@slack/types";
import { formatDuration } from "#src/domain/duration.ts";
import type { LeadFact } from "#src/domain/lead-facts.ts";
import { describeOpportunity } from "#src/domain/opportunity.ts";
import type { FeedLead } from "#src/read-models/feed-lead.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { LIMITS, safeText } from "#src/slack/text.ts";

export type FeedEvent =
  | "claimed"
  | "disqualified"
  | "nurtured"
  | "converted"
  | "released"
  | "recalled"
  | "reassigned";

export interface FeedView extends FeedLead {
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

/**
 * Lines per feed message when several are due at once: a line is at most three blocks (what
 * happened, source and campaign, the note), so 16 stay under Slack's 50 blocks a message.
 */
export const FEED_LINES_PER_MESSAGE = Math.floor(LIMITS.blocksPerMessage / 3);

/** Most characters of a message's notification text (Slack advises under 4,000). */
const FEED_TEXT_MAX = 3_900;

/**
 * Several feed lines due at once, as one message (#13: one post per disposition fell behind
 * Slack's pace of one message a second per channel): each line's blocks in order, the
 * notification text listing them. One line is posted exactly as on its own.
 */
export function joinFeedMessages(lines: { text: string; blocks: KnownBlock[] }[]): {
  text: string;
  blocks: KnownBlock[];
} {
  if (lines.length === 1) return lines[0]!;
  if (lines.length > FEED_LINES_PER_MESSAGE) {
    throw new Error(`at most ${FEED_LINES_PER_MESSAGE} feed lines in one message`);
  }
  // Whole lines only (a cut could split an escape or a mention), then how many more.
  let text = `${lines.length} lead updates`;
  for (const [i, line] of lines.entries()) {
    const more = `\n…and ${lines.length - i} more`;
    if (text.length + 1 + line.text.length + more.length > FEED_TEXT_MAX && i < lines.length - 1) {
      text += more;
      break;
    }
    text += `\n${line.text}`;
  }
  return { text, blocks: lines.flatMap((line) => line.blocks) };
}

/** The feed line for a fact, or undefined for facts marketing does not follow. */
export function feedMessage(fact: LeadFact, lead: FeedLead) {
  const line = feedLine(fact);
  return line && buildFeedMessage(line.event, { ...lead, ...line });
}

function feedLine(
  fact: LeadFact,
): { event: FeedEvent; actorSlackId?: string; reason?: string; note?: string | null } | undefined {
  const person = (actor: { person: string } | { system: string }) =>
    "person" in actor ? actor.person : undefined;
  switch (fact.type) {
    case "claimed":
      return { event: "claimed", actorSlackId: fact.by };
    case "disqualified":
    case "nurtured":
      return {
        event: fact.type,
        actorSlackId: person(fact.actor),
        reason: fact.reason,
        note: fact.note,
      };
    case "converted":
      return {
        event: "converted",
        actorSlackId: person(fact.actor),
        reason: describeOpportunity(fact),
        note: fact.note,
      };
    case "released":
      return { event: "released", actorSlackId: person(fact.actor), reason: fact.reason };
    case "expired":
      return {
        event: "released",
        reason: fact.stalled
          ? `no touch in ${formatDuration(fact.idleMs)} after ${fact.touchCount} touches`
          : `no touch logged in ${formatDuration(fact.idleMs)}`,
      };
    case "unassigned":
      return { event: "released", reason: `its owner ${fact.why}` };
    case "reassigned":
      return { event: "reassigned", actorSlackId: fact.by, reason: `assigned to <@${fact.to}>` };
    case "recalled":
      return {
        event: "recalled",
        actorSlackId: fact.by,
        reason: fact.action === "nurture" ? "back to nurture" : "to be offered again",
        note: fact.note,
      };
    default:
      return undefined;
  }
}
