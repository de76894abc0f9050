// The thread reply under a lead's card when the lead does something new while it is with
// sales: the owner (or the team) hears about the pricing-page visit while it is fresh.
import type { KnownBlock } from "@slack/types";
import type { LeadActivityView } from "#src/read-models/lead-activity.ts";
import { activityEmoji } from "#src/slack/blocks/activity-emoji.ts";
import { activityPhrase } from "#src/slack/blocks/lead-summary.ts";
import { relativeTime } from "#src/slack/blocks/relative-time.ts";
import { safeMrkdwn } from "#src/slack/text.ts";

const SHOWN = 8;

export function buildActivityReply(
  activities: LeadActivityView[],
  options: { now: Date; ownerSlackId?: string; timeZone?: string },
): { text: string; blocks: KnownBlock[] } {
  const newest = [...activities].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime());
  const lines = newest.slice(0, SHOWN).map((activity) => {
    const emoji = activityEmoji(activity.type);
    const when = relativeTime(activity.occurredAt, options.now, options.timeZone);
    return `• ${emoji} ${safeMrkdwn(activityPhrase(activity), 300)} · ${when}`;
  });
  const more = newest.length > SHOWN ? `\n…and ${newest.length - SHOWN} more` : "";
  const who =
    options.ownerSlackId && /^[UW][A-Z0-9]+$/.test(options.ownerSlackId)
      ? `<@${options.ownerSlackId}> `
      : "";
  const heading = `${who}:bell: New activity on this lead`;
  return {
    text: `${heading}: ${newest.length} new ${newest.length === 1 ? "interaction" : "interactions"}`,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `${heading}\n${lines.join("\n")}${more}`, verbatim: true },
      },
    ],
  };
}
